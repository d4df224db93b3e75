"""What the phases read and write on the model: :class:`PhaseModel`.

The phases (and the reporters) are functions of the model; they see it through this
protocol, which :class:`model.model.IndustryModel` satisfies, so that nothing below
:mod:`model.model` imports it. It extends what agents see (:class:`model.protocol.AgentModel`)
with the model's own per-region parameters, the quarter's statistics, the agents and the
bookkeeping the phases keep. Attributes are grouped as in ``IndustryModel``'s construction.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from agents.compute import ComputeCenter
from agents.firms import Firm
from agents.plugin import PluginAgent
from agents.policy import PolicyAgent
from agents.talent import University
from model.keyed import KeyedStreams
from model.protocol import AgentModel
from model.state.quarter import Counts, MarketStats


class PhaseModel(AgentModel, Protocol):
    """The model as the phases see it (everything agents see, and the following)."""

    # -- per-region structure, fixed at set-up (IndustryModel._build_state / setup)
    amenity: np.ndarray
    center_capacity: np.ndarray
    center_price: np.ndarray
    project_share: np.ndarray
    fixed_cost: np.ndarray
    input_coef: np.ndarray
    tier_mix: np.ndarray
    wage_ratios: np.ndarray
    integrator_share0: np.ndarray
    leading_threshold: np.ndarray
    little_giant_threshold: np.ndarray
    national_mix0: np.ndarray
    national_mix0_revenue: np.ndarray
    capability_mean0: np.ndarray
    entry_reference: dict[str, Any]
    group_names: dict[int, str]
    leader_rows: dict[str, int]
    # -- agents
    centers: list[ComputeCenter]
    policies: list[PolicyAgent]
    universities: list[University]
    plugin_agents: list[PluginAgent]
    # -- the quarter and the run's bookkeeping
    counts: Counts
    market_stats: MarketStats
    spend: np.ndarray
    pending: list[Any]
    next_group: int
    region_rows: dict[str, np.ndarray]
    keyed: KeyedStreams

    def register_firms(self, agents: list[Firm]) -> None:
        """Map firms' table rows to their agents."""
        ...

    def unregister_firms(self, rows: np.ndarray) -> list[Firm]:
        """Forget the agents of table rows; return them."""
        ...

    def set_live(self, rows: np.ndarray) -> None:
        """Record the live rows that instruments and entry see."""
        ...

    def talent_stock(self) -> np.ndarray:
        """(regions, tiers) employed + job-seekers."""
        ...

    def demand_growth(self, step: int | None = None) -> float:
        """Quarterly growth of national final demand into ``step``."""
        ...

    def final_demand(self) -> np.ndarray:
        """Final demand per region this quarter (mRMB)."""
        ...

    def layer_demand(self) -> np.ndarray:
        """(regions, layers) demand faced by sellers of each layer last quarter."""
        ...

    def record_quarter(self) -> None:
        """This step's region table, its history and Mesa's DataCollector."""
        ...
