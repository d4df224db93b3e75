"""Cash incentives: the targeted ("precise") subsidy and the universal (inclusive) subsidy."""

from __future__ import annotations

import numpy as np

from agents.instruments.base import Instrument, layers_param, parse_layers, register_instrument
from model.params import Param
from model.protocol import AgentModel
from model.rowsum import row_sum


@register_instrument
class TargetedSubsidy(Instrument):
    """Grants to chosen local firms by layer and role, partly earmarked for R&D.

    Each eligible firm receives an equal share of the quarter's budget, at most
    ``cap_per_firm``; the ``rd_share`` part must be spent on R&D on top of the firm's own.
    """

    name = "targeted_subsidy"
    target = "local firms of chosen layers and role: cash and R&D (problem 3)"
    PARAMS = (
        layers_param("base,tech", "Layers whose firms are eligible."),
        Param("role", str, "any", "role", choices=("any", "little_giant", "leading", "sme"),
              source="scenario", doc="Role a firm must hold to be eligible."),
        Param("rd_share", float, 0.5, "1", (0.0, 1.0), source="assumption",
              doc="Share of each grant earmarked for extra R&D."),
        Param("cap_per_firm", float, 2.0, "mRMB/quarter", (0.0, 1e4), source="assumption",
              doc="Largest grant to one firm per quarter."),
    )

    def apply(self, model: AgentModel) -> None:
        budget = self.quarter_budget(model)
        if budget <= 0.0:
            return
        f = model.firms
        rows = model.local_rows(self.region)
        rows = rows[np.isin(f.layer[rows], parse_layers(self.settings["layers"]))]
        role = self.settings["role"]
        if role == "sme":
            rows = rows[row_sum(f.employees[rows]) <= model.p["roles.sme_max_employees"]]
        elif role != "any":
            rows = rows[getattr(f, role)[rows]]
        if rows.size == 0:
            return
        each = min(budget / rows.size, self.settings["cap_per_firm"])
        model.grant(rows, np.full(rows.size, each), self.name, self.region)
        f.rd_extra[rows] += each * self.settings["rd_share"]

    def need(self, row: dict[str, float], national: dict[str, float]) -> float:
        gap = national["base_tech_share"] - row["base_tech_share"]
        return float(np.clip(gap / max(national["base_tech_share"], 1e-9), 0.0, 1.0))


@register_instrument
class UniversalSubsidy(Instrument):
    """Equal cash grants to every local AI firm (the inclusive policy of problem 3)."""

    name = "universal_subsidy"
    target = "every local firm: cash (problem 3)"
    PARAMS = (
        Param("cap_per_firm", float, 1.0, "mRMB/quarter", (0.0, 1e4), source="assumption",
              doc="Largest grant to one firm per quarter."),
    )

    def apply(self, model: AgentModel) -> None:
        budget = self.quarter_budget(model)
        rows = model.local_rows(self.region)
        if budget <= 0.0 or rows.size == 0:
            return
        each = min(budget / rows.size, self.settings["cap_per_firm"])
        model.grant(rows, np.full(rows.size, each), self.name, self.region)

    def need(self, row: dict[str, float], national: dict[str, float]) -> float:
        return float(np.clip(4.0 * row["exits"] / max(row["firms_total"], 1.0), 0.0, 1.0))
