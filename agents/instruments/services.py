"""Service instruments: public compute, integrator and scenario support, co-innovation
platforms, brand and market support."""

from __future__ import annotations

import numpy as np

from agents.instruments.base import Instrument, register_instrument
from model.params import Param
from model.protocol import AgentModel


@register_instrument
class ComputeService(Instrument):
    """Compute vouchers for local AI firms at the public centre, and its service model.

    Vouchers pay ``voucher_rate`` of what local firms spend at the public centre; the
    ``diversified`` service model (platform, scenarios, co-development) lowers the usage
    friction of the raw-hours model and costs ``platform_cost`` per quarter to run.
    """

    name = "compute_service"
    target = "local firms' use of public compute: price and service model (problem 4)"
    PARAMS = (
        Param("voucher_rate", float, 0.3, "1", (0.0, 1.0),
              source="CONTEXT-FIGURES §5: Beijing ≤20%, Shanghai ≤30%, Shenzhen ≤50% (H)",
              doc="Share of a firm's public-compute bill paid by vouchers."),
        Param("service_model", str, "raw", "model", choices=("raw", "diversified"),
              source="FACTS problem 4", doc="Service model the programme runs."),
        Param("platform_cost", float, 1.0, "mRMB/quarter", (0.0, 1e4), source="assumption",
              doc="Running cost of the diversified service model."),
    )

    def apply(self, model: AgentModel) -> None:
        budget = self.quarter_budget(model)
        if budget <= 0.0:
            return
        lv, r = model.levers, self.region
        cost = self.settings["platform_cost"]
        if self.settings["service_model"] == "diversified" and budget >= cost:
            lv.diversified[r] = True
            model.charge(r, self.name, cost)
            budget -= cost
        lv.voucher_rate[r] = self.settings["voucher_rate"]
        lv.voucher_budget[r] += budget

    def need(self, row: dict[str, float], national: dict[str, float]) -> float:
        return float(1.0 - row["compute_utilization"])


@register_instrument
class IntegratorSupport(Instrument):
    """Local procurement preference in the region's projects and opened scenarios.

    When the quarter's budget covers ``admin_cost``, local application firms get
    ``local_preference`` extra utility when the region's transformation projects choose a
    seller; the rest of the budget buys application-scenario projects open to local
    application firms only. Winners gain closeness to customers.
    """

    name = "integrator_support"
    target = "local integrators: share of the region's projects (problem 5)"
    PARAMS = (
        Param("local_preference", float, 1.0, "utils", (0.0, 10.0), source="scenario",
              doc="Extra utility of local sellers in the region's projects."),
        Param("admin_cost", float, 0.5, "mRMB/quarter", (0.0, 1e4), source="assumption",
              doc="Cost of running the preference programme."),
    )

    def apply(self, model: AgentModel) -> None:
        budget = self.quarter_budget(model)
        if budget <= 0.0:
            return
        admin = self.settings["admin_cost"]
        if budget >= admin:  # the preference programme runs only when it can be paid for
            model.charge(self.region, self.name, admin)
            model.levers.local_preference[self.region] = self.settings["local_preference"]
            budget -= admin
        model.levers.scenario_budget[self.region] += budget

    def need(self, row: dict[str, float], national: dict[str, float]) -> float:
        return float(1.0 - row["integrator_project_share"])


@register_instrument
class CoInnovation(Instrument):
    """Co-innovation platform: funds new innovation partnerships of local firms."""

    name = "co_innovation"
    target = "local firms' innovation partnerships (problems 2, 6)"
    PARAMS = (
        Param("cost_per_partnership", float, 0.5, "mRMB", (0.001, 1e4), source="assumption",
              doc="Public cost of brokering one partnership."),
    )

    def apply(self, model: AgentModel) -> None:
        budget = self.quarter_budget(model)
        if budget <= 0.0:
            return
        model.levers.partnership_budget[self.region] += budget
        model.levers.partnership_cost[self.region] = self.settings["cost_per_partnership"]

    def need(self, row: dict[str, float], national: dict[str, float]) -> float:
        return float(np.clip(1.0 - row["partnerships_per_firm"], 0.0, 1.0))


@register_instrument
class BrandSupport(Instrument):
    """Matching grants for local firms' marketing and brand building."""

    name = "brand_support"
    target = "brand of local firms (problem 5)"
    PARAMS = (
        Param("match_rate", float, 1.0, "1", (0.0, 10.0), source="scenario",
              doc="Grant per mRMB of the firm's own marketing."),
        Param("cap_per_firm", float, 0.5, "mRMB/quarter", (0.0, 1e4), source="assumption",
              doc="Largest grant to one firm per quarter."),
    )

    def apply(self, model: AgentModel) -> None:
        budget = self.quarter_budget(model)
        rows = model.local_rows(self.region)
        if budget <= 0.0 or rows.size == 0:
            return
        f = model.firms
        own = model.p["innovation.marketing_intensity"] * f.revenue_smooth[rows]
        want = np.minimum(own * self.settings["match_rate"], self.settings["cap_per_firm"])
        total = want.sum()
        if total <= 0.0:
            return
        grant = want * min(1.0, budget / total)
        model.grant(rows, grant, self.name, self.region)
        f.marketing_extra[rows] += grant

    def need(self, row: dict[str, float], national: dict[str, float]) -> float:
        return float(1.0 - row["local_sourcing_app"])
