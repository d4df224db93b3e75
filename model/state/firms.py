"""The firm table: struct-of-arrays state of every firm establishment ever created.

Rows are appended on entry and never reused; an exiting firm's row is marked dead. Each
row belongs to one :class:`agents.firms.Firm` agent (the Mesa view of the row).
"""

from __future__ import annotations

import numpy as np

from model.vocab import TIERS

#: Per-firm scalar columns and their dtypes (all arrays have one entry per row).
FIRM_COLUMNS: dict[str, type] = {
    "alive": bool,
    "key": np.uint64,  # identity fixed at birth: keys the firm's random draws (model.keyed)
    "agent_id": np.int64,
    "group": np.int64,
    "region": np.int64,
    "home": np.int64,
    "layer": np.int64,
    "segment": np.int64,
    "born": np.int64,
    "logcap": np.float64,
    "brand": np.float64,
    "cash": np.float64,
    "price": np.float64,
    "revenue": np.float64,
    "revenue_smooth": np.float64,
    "expected_sales": np.float64,
    "demand": np.float64,
    "backlog": np.float64,
    "profit": np.float64,
    "value_added": np.float64,
    "rd": np.float64,
    "rd_extra": np.float64,
    "marketing_extra": np.float64,
    "compute_credit": np.float64,
    "subsidy": np.float64,
    "closeness": np.float64,
    "rd_staff_share": np.float64,
    "loss_streak": np.int64,
    "innovations": np.int64,
    "leading": bool,
    "chain_master": bool,
    "little_giant": bool,
    "is_branch": bool,
}

#: Per-firm columns with one entry per talent tier.
TIER_COLUMNS: tuple[str, ...] = ("employees", "desired")


class FirmTable:
    """Struct-of-arrays state of every firm establishment ever created.

    Attributes:
        n: Number of rows in use (dead rows included).
        suppliers: ``(capacity, supplier_slots)`` row indices of supplier firms, -1 empty.
        Other attributes: one array per entry of :data:`FIRM_COLUMNS` and
        :data:`TIER_COLUMNS` (shape ``(capacity, 3)``), indexed by row.
    """

    def __init__(self, capacity: int, supplier_slots: int) -> None:
        self.n = 0
        self._cap = max(16, capacity)
        self.slots = supplier_slots
        for name, dtype in FIRM_COLUMNS.items():
            setattr(self, name, np.zeros(self._cap, dtype=dtype))
        for name in TIER_COLUMNS:
            setattr(self, name, np.zeros((self._cap, len(TIERS)), dtype=np.int64))
        self.suppliers = np.full((self._cap, supplier_slots), -1, dtype=np.int64)

    def _grow(self, needed: int) -> None:
        new_cap = self._cap
        while new_cap < needed:
            new_cap *= 2
        if new_cap == self._cap:
            return
        for name in (*FIRM_COLUMNS, *TIER_COLUMNS, "suppliers"):
            old = getattr(self, name)
            fill = -1 if name == "suppliers" else 0
            new = np.full((new_cap, *old.shape[1:]), fill, dtype=old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)
        self._cap = new_cap

    def add(self, count: int, **values: np.ndarray | float | int) -> np.ndarray:
        """Append ``count`` rows; ``values`` sets columns (scalars broadcast). Returns rows."""
        self._grow(self.n + count)
        rows = np.arange(self.n, self.n + count)
        self.n += count
        self.alive[rows] = True
        for name, val in values.items():
            getattr(self, name)[rows] = val
        return rows

    def compact(self) -> np.ndarray:
        """Drop dead rows, keeping the live rows' order; returns the map ``old row -> new
        row`` (-1 for a dead row) for whoever holds row indices (suppliers here are
        remapped, links to dead firms become -1).

        Rows are positions only: a firm's draws come from its ``key``, and every phase works
        on the live rows in row order, so compacting changes no result (tested).
        """
        keep = self.live()
        remap = np.full(self.n + 1, -1, dtype=np.int64)  # index -1 (an empty slot) stays -1
        remap[keep] = np.arange(keep.size)
        for name in (*FIRM_COLUMNS, *TIER_COLUMNS, "suppliers"):
            col = getattr(self, name)
            col[: keep.size] = col[keep]
            col[keep.size: self.n] = -1 if name == "suppliers" else 0
        sup = self.suppliers[: keep.size]
        sup[:] = remap[sup]
        self.n = keep.size
        return remap[: -1]

    def live(self) -> np.ndarray:
        """Row indices of live firms, in row (creation) order."""
        return np.flatnonzero(self.alive[: self.n])
