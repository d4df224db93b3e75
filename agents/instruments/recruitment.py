"""Recruitment of leading firms (招商引资) under the fair-competition limit."""

from __future__ import annotations

import numpy as np

from agents.instruments.base import Instrument, layers_param, parse_layers, register_instrument
from model.params import Param
from model.protocol import AgentModel


@register_instrument
class Recruitment(Instrument):
    """Offers to outside leading firms to open a local branch (ODD §7.20).

    The quarter's budget goes into the region's recruitment fund and its allowance of
    promises (at most one year's budget each); the region courts outside leading firms of
    ``layers`` as long as the allowance (a year's courtships are worth at most a year's
    budget) and the fund can back their whole promise, ``min(cash_offer, cash_cap)`` of cash (the
    fair-competition cap limits firm-specific cash) plus ``factor_offer`` of "chain support
    + factor supply + service" (uncapped). A courted firm weighs the offer relative to its
    quarterly revenue, the factor part by the region's delivery record (``credibility``,
    updated at each opening with promised factor support). At opening the cash is paid and
    the factor support with probability ``delivery_prob``; what is not paid goes back to
    the fund.
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
        Param("compute_share", float, 0.5, "1", (0.0, 1.0),
              source="assumption: FACTS problem 4, strong public compute to offer",
              doc="Share of delivered factor support provided as compute (the region pays "
                  "the firm's compute bills up to it); the rest is talent, suppliers, cash."),
        Param("credibility", float, 0.6, "1", (0.0, 1.0),
              source="assumption: the delivery record firms start from equals the current "
                     "delivery practice (FACTS problem 3)",
              doc="Share of promised factor support firms expect at the programme's start "
                  "(then the region's delivery record)."),
        Param("credibility_weight", float, 0.2, "1", (0.0, 1.0), source="assumption",
              doc="Weight of each opening's delivery in the record (exponential memory)."),
    )

    def apply(self, model: AgentModel) -> None:
        budget = self.quarter_budget(model)
        if budget <= 0.0:
            return
        lv, r, book = model.levers, self.region, model.recruiting
        layers = parse_layers(self.settings["layers"])
        lv.recruit_cash[r, layers] = min(self.settings["cash_offer"], self.settings["cash_cap"])
        lv.recruit_factor[r, layers] = self.settings["factor_offer"]
        lv.recruit_delivery[r] = self.settings["delivery_prob"]
        lv.recruit_compute[r] = self.settings["compute_share"]
        if np.isnan(book.credibility[r]):
            book.credibility[r] = self.settings["credibility"]
        book.memory[r] = self.settings["credibility_weight"]
        book.deposit(r, budget, cap=self.annual_budget)

    def need(self, row: dict[str, float], national: dict[str, float]) -> float:
        return float(1.0 / (1.0 + row["leading_firms"]))
