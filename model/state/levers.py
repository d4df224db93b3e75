"""The quarter's policy levers per region: what instruments set and later phases read."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.vocab import LAYERS


@dataclass
class Levers:
    """Per-region policy levers of the current quarter, set by instruments in ``apply``.

    Budget fields hold what is left to spend this quarter; the phase that uses a lever
    charges realized costs against them through :meth:`IndustryModel.charge`.
    """

    n_regions: int
    recruit_cash: np.ndarray = field(init=False)
    recruit_factor: np.ndarray = field(init=False)
    recruit_delivery: np.ndarray = field(init=False)
    recruit_compute: np.ndarray = field(init=False)
    intro_subsidy: np.ndarray = field(init=False)
    intro_budget: np.ndarray = field(init=False)
    voucher_rate: np.ndarray = field(init=False)
    voucher_budget: np.ndarray = field(init=False)
    diversified: np.ndarray = field(init=False)
    local_preference: np.ndarray = field(init=False)
    scenario_budget: np.ndarray = field(init=False)
    partnership_budget: np.ndarray = field(init=False)
    partnership_cost: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Zero every lever (instruments set them again each quarter)."""
        r, nl = self.n_regions, len(LAYERS)
        self.recruit_cash = np.zeros((r, nl))
        self.recruit_factor = np.zeros((r, nl))
        self.recruit_delivery = np.zeros(r)
        self.recruit_compute = np.zeros(r)
        self.intro_subsidy = np.zeros((r, 3))
        self.intro_budget = np.zeros(r)
        self.voucher_rate = np.zeros(r)
        self.voucher_budget = np.zeros(r)
        self.diversified = np.zeros(r, dtype=bool)
        self.local_preference = np.zeros(r)
        self.scenario_budget = np.zeros(r)
        self.partnership_budget = np.zeros(r)
        self.partnership_cost = np.ones(r)
