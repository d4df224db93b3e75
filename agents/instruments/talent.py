"""Talent instruments: training (graduates and upgrades, with lags) and introduction."""

from __future__ import annotations

import numpy as np

from agents.instruments.base import Instrument, register_instrument
from model.params import Param
from model.protocol import AgentModel


@register_instrument
class TalentTraining(Instrument):
    """Funds extra graduates by tier (after ``lag`` quarters) and short upgrade courses.

    A share ``upgrade_share`` of the budget buys upgrades of general job-seekers to the
    high-end and composite tiers after ``upgrade_lag`` quarters; the rest funds places
    whose graduates arrive after ``lag`` quarters, split by ``composite_share`` and
    ``high_end_share`` (the remainder general).
    """

    name = "talent_training"
    target = "the region's talent supply by tier, composite included (problem 2)"
    PARAMS = (
        Param("cost_per_graduate", float, 0.08, "mRMB per graduate", (0.001, 100.0),
              source="assumption: ~80k RMB of programme cost per extra graduate",
              doc="Cost of one funded graduate."),
        Param("high_end_share", float, 0.3, "1", (0.0, 1.0), source="scenario",
              doc="High-end share of funded graduates."),
        Param("composite_share", float, 0.4, "1", (0.0, 1.0), source="scenario",
              doc="Composite share of funded graduates."),
        Param("lag", int, 8, "quarters", (0, 40), source="MODEL-SPEC: a lag of years",
              doc="Quarters from funding to graduation."),
        Param("upgrade_share", float, 0.3, "1", (0.0, 1.0), source="scenario",
              doc="Share of the budget for upgrade courses of existing talent."),
        Param("cost_per_upgrade", float, 0.03, "mRMB per person", (0.001, 100.0),
              source="assumption", doc="Cost of upgrading one person."),
        Param("upgrade_lag", int, 2, "quarters", (0, 40), source="assumption",
              doc="Quarters from funding to completed upgrade."),
    )

    def apply(self, model: AgentModel) -> None:
        budget = self.quarter_budget(model)
        if budget <= 0.0:
            return
        s = self.settings
        hi, co = s["high_end_share"], s["composite_share"]
        mix = np.array([max(0.0, 1.0 - hi - co), hi, co])
        mix = mix / mix.sum() if mix.sum() > 0 else np.array([1.0, 0.0, 0.0])
        grad_money = budget * (1.0 - s["upgrade_share"])
        up_money = budget * s["upgrade_share"]
        grads = np.floor(grad_money / s["cost_per_graduate"] * mix)
        ups = np.floor(up_money / s["cost_per_upgrade"] * np.array([0.0, 0.5, 0.5]))
        spent = grads.sum() * s["cost_per_graduate"] + ups.sum() * s["cost_per_upgrade"]
        n_regions = model.n_regions
        g = np.zeros((n_regions, 3))
        u = np.zeros((n_regions, 3))
        g[self.region] = grads
        u[self.region] = ups
        model.talent.schedule(model.steps + s["lag"], g, np.zeros_like(u))
        model.talent.schedule(model.steps + s["upgrade_lag"], np.zeros_like(g), u)
        model.charge(self.region, self.name, spent)

    def need(self, row: dict[str, float], national: dict[str, float]) -> float:
        denom = row["employment"] + row["vacancies_unfilled"]
        return float(row["vacancies_unfilled"] / denom) if denom > 0 else 0.0


@register_instrument
class TalentIntroduction(Instrument):
    """A subsidy paid to each job-seeker of the chosen tiers who moves into the region."""

    name = "talent_introduction"
    target = "talent moving in: migration toward the region (problem 2)"
    PARAMS = (
        Param("subsidy_per_person", float, 0.1, "mRMB per person", (0.0, 100.0),
              source="CONTEXT-FIGURES §6: Taiyuan PhD allowance 5,000/month for 5 years + "
                     "20万 housing (M); assumption for a per-person equivalent",
              doc="Subsidy per arriving person of an eligible tier."),
        Param("tiers", str, "high_end,composite", "tiers",
              choices=("general", "high_end", "composite", "high_end,composite",
                       "general,high_end,composite"),
              source="scenario", doc="Eligible talent tiers."),
    )

    def apply(self, model: AgentModel) -> None:
        budget = self.quarter_budget(model)
        if budget <= 0.0:
            return
        tiers = [("general", "high_end", "composite").index(t)
                 for t in self.settings["tiers"].split(",")]
        model.levers.intro_subsidy[self.region, tiers] = self.settings["subsidy_per_person"]
        model.levers.intro_budget[self.region] += budget

    def need(self, row: dict[str, float], national: dict[str, float]) -> float:
        talent = row["talent_general"] + row["talent_high_end"] + row["talent_composite"]
        return float(np.clip(-20.0 * row["net_migration"] / max(talent, 1.0), 0.0, 1.0))
