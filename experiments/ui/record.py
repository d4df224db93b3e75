"""What the browser page keeps of a run and freezes for its charts.

The page keeps a :class:`RunRecord` per browser session: every step's region table
(``model.region_rows``, columns documented in ``docs/outputs.md``), collected by the
session's :class:`~experiments.run.loop.RunLoop`, and a read-only view of the focus
region's links from ``model.snapshot()`` (:func:`network_view`). :meth:`RunRecord.frame`
freezes what the charts (:mod:`experiments.ui.charts`) need into a :class:`Frame`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from experiments.run.provenance import quarter_label
from model.params import LAYERS

if TYPE_CHECKING:
    from experiments.run.loop import RunLoop, StepRows

#: Largest number of outside firms drawn in the network view (most-linked first).
MAX_OUTSIDE_NODES = 300
#: Largest number of the focus region's firms drawn in the network view (most-linked first).
MAX_LOCAL_NODES = 400



@dataclass(frozen=True)
class NetworkView:
    """The focus region's firms, their outside suppliers and partners, and the links.

    Attributes:
        local: Firm ids of the focus region's firms drawn.
        local_layer: Layer index of each local firm.
        outside: Firm ids of outside firms linked to a local firm.
        outside_layer: Layer index of each outside firm.
        supplier_links: (buyer, seller) id pairs with at least one end local.
        partner_links: Innovation partnerships with at least one end local.
        n_local, n_outside: Counts before the drawing caps.
    """

    local: np.ndarray
    local_layer: np.ndarray
    outside: np.ndarray
    outside_layer: np.ndarray
    supplier_links: np.ndarray
    partner_links: np.ndarray
    n_local: int
    n_outside: int


def _top(ids: np.ndarray, links: np.ndarray, cap: int) -> np.ndarray:
    """At most ``cap`` of ``ids``, most-linked first then by id (deterministic)."""
    if ids.size <= cap:
        return ids
    degree = np.zeros(ids.size, dtype=np.int64)
    flat = links.ravel()
    idx = np.searchsorted(ids, flat)
    ok = idx < ids.size
    ok[ok] &= ids[idx[ok]] == flat[ok]
    np.add.at(degree, idx[ok], 1)
    order = np.lexsort((ids, -degree))[:cap]
    return np.sort(ids[order])


def network_view(snapshot: dict[str, Any], region: str) -> NetworkView:
    """Extract the focus region's supplier and innovation network from ``model.snapshot()``.

    Args:
        snapshot: The model's read-only snapshot (firms, supplier and partner links).
        region: Name of the focus region.
    """
    firms = snapshot["firms"]
    ids = np.asarray(firms["firm_id"], dtype=np.int64)
    order = np.argsort(ids)
    ids = ids[order]
    layer = np.array([LAYERS.index(x) for x in np.asarray(firms["layer"])[order]],
                     dtype=np.int64) if ids.size else np.zeros(0, dtype=np.int64)
    is_local = np.asarray(firms["region"])[order] == region
    local_ids = ids[is_local]

    def pairs(links: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        a = np.asarray(links[0], dtype=np.int64)
        b = np.asarray(links[1], dtype=np.int64)
        keep = np.isin(a, local_ids) | np.isin(b, local_ids)
        out = np.stack([a[keep], b[keep]], axis=1) if keep.any() else np.zeros((0, 2), np.int64)
        return np.unique(out, axis=0) if out.size else out

    sup = pairs(snapshot["supplier_links"])
    par = pairs(snapshot["partner_links"])
    ends = np.concatenate([sup.ravel(), par.ravel()])
    outside_ids = np.setdiff1d(np.unique(ends), local_ids)
    links = np.concatenate([sup, par]) if (sup.size or par.size) else np.zeros((0, 2), np.int64)
    local_drawn = _top(local_ids, links, MAX_LOCAL_NODES)
    outside_drawn = _top(outside_ids, links, MAX_OUTSIDE_NODES)
    drawn = np.union1d(local_drawn, outside_drawn)

    def within(pairs_: np.ndarray) -> np.ndarray:
        if not pairs_.size:
            return pairs_
        return pairs_[np.isin(pairs_[:, 0], drawn) & np.isin(pairs_[:, 1], drawn)]

    def layers_of(sel: np.ndarray) -> np.ndarray:
        return layer[np.searchsorted(ids, sel)] if sel.size else np.zeros(0, np.int64)

    return NetworkView(local=local_drawn, local_layer=layers_of(local_drawn),
                       outside=outside_drawn, outside_layer=layers_of(outside_drawn),
                       supplier_links=within(sup), partner_links=within(par),
                       n_local=int(local_ids.size), n_outside=int(outside_ids.size))


@dataclass(frozen=True)
class Frame:
    """What the charts of one step need; immutable once built.

    Attributes mirror :class:`experiments.run.plots.PlotData` (``region``, ``n_regions``,
    ``focus``, ``national``, ``steps``, ``quarters``) so that its ``draw_*`` panels apply.
    """

    key: tuple[int, int]
    region: str
    region_names: list[str]
    n_regions: int
    focus: pd.DataFrame
    national: pd.DataFrame
    steps: np.ndarray
    quarters: list[str]
    latest: dict[str, np.ndarray]
    initial: dict[str, np.ndarray]
    start: tuple[int, int]
    horizon: int
    network: NetworkView | None
    reference: np.ndarray | None = None
    reference_name: str = "baseline"


class RunRecord:
    """Every step's region table of one browser session's run.

    Args:
        run_id: Number of the run within the session (changes on every Reset).
        region_names: Regions in the model's order.
        focus: Index of the focus region.
        start: First quarter as ``(year, quarter)``.
        horizon: Quarters the run is meant to last.
    """

    def __init__(self, run_id: int, region_names: list[str], focus: int,
                 start: tuple[int, int], horizon: int) -> None:
        self.run_id = run_id
        self.region_names = list(region_names)
        self.focus = focus
        self.start = start
        self.horizon = horizon
        self.steps: list[int] = []
        self.tables: list[dict[str, np.ndarray]] = []
        self._focus_rows: list[dict[str, float]] = []
        self._national_rows: list[dict[str, float]] = []

    @classmethod
    def for_loop(cls, run_id: int, loop: RunLoop) -> RunRecord:
        """A record for the run of ``loop`` holding its current step."""
        model = loop.model
        record = cls(run_id, model.region_names, model.focus, loop.start, loop.steps)
        record.append_rows(loop.collect())
        return record

    @classmethod
    def for_model(cls, run_id: int, model: Any, horizon: int) -> RunRecord:
        """A record for ``model`` (run to ``horizon`` quarters) holding its current step."""
        from experiments.run.loop import RunLoop

        return cls.for_loop(run_id, RunLoop(model, horizon, firm_data="none"))

    def append_rows(self, rows: StepRows) -> None:
        """Add the region table of one step collected by a :class:`RunLoop`."""
        self.append(rows.step, rows.regions)

    def append(self, step: int, table: dict[str, np.ndarray]) -> None:
        """Add one step's region table (copied)."""
        table = {k: np.array(v, dtype=float, copy=True) for k, v in table.items()}
        self.steps.append(int(step))
        self.tables.append(table)
        self._focus_rows.append({k: float(v[self.focus]) for k, v in table.items()})
        self._national_rows.append({k: float(v.sum()) for k, v in table.items()})

    def quarter(self, step: int) -> str:
        """Calendar label of a step."""
        return quarter_label(self.start, step)

    def frame(self, network: NetworkView | None, reference: np.ndarray | None = None,
              reference_name: str = "baseline") -> Frame:
        """Freeze the record's current state for drawing."""
        steps = np.array(self.steps, dtype=np.int64)
        return Frame(
            key=(self.run_id, self.steps[-1]), region=self.region_names[self.focus],
            region_names=self.region_names, n_regions=len(self.region_names),
            focus=pd.DataFrame(self._focus_rows, index=steps),
            national=pd.DataFrame(self._national_rows, index=steps),
            steps=steps, quarters=[self.quarter(s) for s in self.steps],
            latest=self.tables[-1], initial=self.tables[0], start=self.start, horizon=self.horizon,
            network=network, reference=reference, reference_name=reference_name)

    def to_csv(self) -> bytes:
        """The run's region rows so far (step, quarter, region, every column) as CSV."""
        parts = []
        names = np.array(self.region_names, dtype=object)
        for step, table in zip(self.steps, self.tables, strict=True):
            part = pd.DataFrame(table)
            part.insert(0, "region", names)
            part.insert(0, "quarter", self.quarter(step))
            part.insert(0, "step", step)
            parts.append(part)
        return pd.concat(parts, ignore_index=True).to_csv(index=False).encode()


@functools.lru_cache(maxsize=16)
def reference_series(preset: str, seed: int, steps: int) -> np.ndarray:
    """The focus region's base+technology share in an unchanged preset run, steps 0..steps.

    Cached (the same preset, seed and horizon give the same numbers), so that every
    Reset with the same seed reuses it.
    """
    from experiments.run.loop import RunLoop

    loop = RunLoop.build(str(preset), rng=seed, steps=steps, firm_data="none")
    focus = loop.model.focus
    out = [float(loop.collect().regions["base_tech_share"][focus]) for _ in loop]
    out_array = np.array(out)
    out_array.setflags(write=False)
    return out_array
