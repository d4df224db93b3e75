"""Recruitment of leading firms (招商引资) under the fair-competition limit."""

from __future__ import annotations

from agents.instruments.base import Instrument, layers_param, parse_layers, register_instrument
from model.params import Param
from model.protocol import AgentModel


@register_instrument
class Recruitment(Instrument):
    """Offers to outside leading firms to open a local branch.

    The cash offer per firm is capped by the fair-competition limit; "chain support +
    factor supply + service" offers (suppliers, talent, compute, land; valued in mRMB) are
    not capped but are delivered only with ``delivery_prob``. Outside firms weigh
    ``min(cash_offer, cash_cap) + factor_offer × delivery_prob`` in their location choice;
    the region pays the cash when a branch opens and the factor support when delivered,
    as long as the quarter's budget lasts.
    """

    name = "recruitment"
    target = "outside leading firms: local branches (problems 1, 3)"
    PARAMS = (
        layers_param("base,tech,app", "Layers of the firms courted."),
        Param("cash_offer", float, 2.0, "mRMB per firm", (0.0, 1e4), source="scenario",
              doc="Cash reward offered per recruited firm."),
        Param("cash_cap", float, 2.0, "mRMB per firm", (0.0, 1e4),
              source="CONTEXT-FIGURES §6: Taiyuan rewards up to 200万 per top firm (M-H); "
                     "fair-competition review limits firm-specific cash",
              doc="Fair-competition cap on cash per recruited firm."),
        Param("factor_offer", float, 0.0, "mRMB per firm", (0.0, 1e4), source="scenario",
              doc="Value of chain-support, factor-supply and service offers (uncapped)."),
        Param("delivery_prob", float, 0.6, "1", (0.0, 1.0),
              source="FACTS problem 3: delivery of promised support not standardized",
              doc="Chance that promised factor support is delivered."),
    )

    def apply(self, model: AgentModel) -> None:
        budget = self.quarter_budget(model)
        if budget <= 0.0:
            return
        lv, r = model.levers, self.region
        layers = parse_layers(self.settings["layers"])
        lv.recruit_cash[r, layers] = min(self.settings["cash_offer"], self.settings["cash_cap"])
        lv.recruit_factor[r, layers] = self.settings["factor_offer"]
        lv.recruit_delivery[r] = self.settings["delivery_prob"]
        lv.recruit_budget[r] += budget

    def need(self, row: dict[str, float], national: dict[str, float]) -> float:
        return float(1.0 / (1.0 + row["leading_firms"]))
