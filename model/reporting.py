"""How region columns are declared and computed: the reporter registry and its context.

A reporter is a named function ``f(ctx) -> array of shape (regions,)`` registered with
:func:`reporter` (built-in columns, :mod:`model.reporters`) or :func:`register_reporter`
(plugins); ``ctx`` is a :class:`Context` with the step's aggregates computed once.
:func:`region_table` evaluates every registered reporter, in registration order (the
order of the output columns).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from model.phases.view import PhaseModel


@dataclass(frozen=True)
class Reporter:
    """Declaration of one output column."""

    name: str
    unit: str
    doc: str
    func: Callable[[Context], np.ndarray]
    zero: str = ""


REGION_REPORTERS: dict[str, Reporter] = {}


def reporter(name: str, unit: str, doc: str, zero: str = "") -> Callable:
    """Decorator registering a region reporter under ``name``."""
    def wrap(func: Callable[[Context], np.ndarray]) -> Callable[[Context], np.ndarray]:
        REGION_REPORTERS[name] = Reporter(name, unit, doc, func, zero)
        return func
    return wrap


def register_reporter(name: str, unit: str, doc: str, zero: str = "") -> Callable:
    """Decorator adding a region-table column ``name`` (public API for plugins).

    The decorated function takes a :class:`Context` and returns one value per region
    (in ``ctx.model.region_names`` order). The column is appended after the built-in
    ones in ``model.parquet``, experiment results and ``model.region_rows``. Registering
    the same function again is a no-op; a different function under a taken name is an
    error (a plugin cannot silently replace a column).

    Args:
        name: Column name (an identifier).
        unit: Unit of the values.
        doc: One-line meaning.
        zero: Value taken when a ratio's denominator is zero, if any.

    Raises:
        ValueError: ``name`` is taken by another function, or not an identifier.
    """
    if not name.isidentifier():
        raise ValueError(f"reporter name {name!r}: expected an identifier")

    def wrap(func: Callable[[Context], np.ndarray]) -> Callable[[Context], np.ndarray]:
        old = REGION_REPORTERS.get(name)
        if old is not None and (old.func.__module__, old.func.__qualname__) != (
                func.__module__, func.__qualname__):
            raise ValueError(f"reporter name {name!r} is already registered by "
                             f"{old.func.__module__}.{old.func.__qualname__}")
        return reporter(name, unit, doc, zero)(func)
    return wrap


def ratio(num: np.ndarray, den: np.ndarray, zero: float = 0.0) -> np.ndarray:
    """``num / den`` with ``zero`` where ``den == 0``."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.full(num.shape, zero), where=den != 0)


class Context:
    """The step's aggregates by region, computed once and shared by reporters."""

    def __init__(self, model: PhaseModel) -> None:
        self.model = model
        f = model.firms
        self.rows = f.live()
        self.n_r = model.n_regions
        self.region = f.region[self.rows]
        self.layer = f.layer[self.rows]

    def count(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Live firms per region (optionally only where ``mask``)."""
        reg = self.region if mask is None else self.region[mask]
        return np.bincount(reg, minlength=self.n_r).astype(float)

    def total(self, values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Sum of per-live-firm ``values`` per region."""
        if mask is None:
            return np.bincount(self.region, values, minlength=self.n_r)
        return np.bincount(self.region[mask], values[mask], minlength=self.n_r)

    @cached_property
    def by_layer(self) -> np.ndarray:
        """(regions, layers) firm counts."""
        return np.stack([self.count(self.layer == lay) for lay in range(3)], axis=1)

    @cached_property
    def revenue_by_layer(self) -> np.ndarray:
        """(regions, layers) revenue, mRMB/quarter."""
        rev = self.model.firms.revenue[self.rows]
        return np.stack([self.total(rev, self.layer == lay) for lay in range(3)], axis=1)

    @cached_property
    def capability(self) -> np.ndarray:
        """Capability ``exp(logcap)`` of the live firms."""
        return np.exp(self.field("logcap"))

    @cached_property
    def value_added_by_layer(self) -> np.ndarray:
        """(regions, layers) value added of the region's firms, mRMB/quarter."""
        va = self.model.firms.value_added[self.rows]
        return np.stack([self.total(va, self.layer == lay) for lay in range(3)], axis=1)

    @cached_property
    def capability_weighted(self) -> np.ndarray:
        """(regions, layers) firms weighted by capability relative to the step-0 national
        mean of their layer."""
        weight = self.capability / self.model.capability_mean0[self.layer]
        return np.stack([self.total(weight, self.layer == lay) for lay in range(3)], axis=1)

    @cached_property
    def employed(self) -> np.ndarray:
        """(regions, tiers) people employed in the region's AI firms."""
        return self.model.employed_by_region()

    def field(self, name: str) -> np.ndarray:
        """A firm column for live firms."""
        return getattr(self.model.firms, name)[self.rows]


def region_table(model: PhaseModel) -> dict[str, np.ndarray]:
    """Every reporter's column for the current step (one entry per region)."""
    ctx = Context(model)
    return {name: rep.func(ctx) for name, rep in REGION_REPORTERS.items()}
