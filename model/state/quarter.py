"""Per-region statistics of the current quarter: event counts and market statistics."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Counts:
    """Per-region event counts of the current quarter."""

    n_regions: int
    entries: np.ndarray = field(init=False)
    exits: np.ndarray = field(init=False)
    branches_opened: np.ndarray = field(init=False)
    relocations_in: np.ndarray = field(init=False)
    relocations_out: np.ndarray = field(init=False)
    innovations: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Zero every count."""
        for name in ("entries", "exits", "branches_opened", "relocations_in",
                     "relocations_out", "innovations"):
            setattr(self, name, np.zeros(self.n_regions, dtype=np.int64))


@dataclass
class MarketStats:
    """Per-region market statistics of the current quarter (see model.phases.trade)."""

    n_regions: int

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Zero every statistic."""
        n = self.n_regions
        self.projects = np.zeros(n, dtype=np.int64)
        self.projects_local_integrator = np.zeros(n, dtype=np.int64)
        self.local_final = np.zeros(n)
        self.local_tech = np.zeros(n)
        self.local_base = np.zeros(n)
        self.base_purchases = np.zeros(n)
        self.tech_purchases = np.zeros(n)
        self.scenario_spending = np.zeros(n)
        self.integrator_expected = np.zeros(n)


@dataclass
class StepState:
    """What one phase of the step hands to the later ones within the same quarter.

    Attributes:
        rows: Live firm rows as of the talent-supply phase (the firms that trade, innovate
            and may exit this quarter).
        compute_units: Compute bought per mRMB of R&D by those firms (trade -> innovation).
    """

    rows: np.ndarray | None = None
    compute_units: np.ndarray | None = None
