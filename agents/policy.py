"""Policy agents: one government per region with a package of instruments."""

from __future__ import annotations

from typing import Any

import mesa

from agents.instruments import INSTRUMENTS, Instrument
from model.protocol import AgentModel


class PolicyAgent(mesa.Agent):
    """The government of one region: its instrument package and adaptive rule.

    Static packages keep each instrument's budget. An adaptive package reviews every
    ``adaptive.every`` quarters the state ``adaptive.lag`` quarters before the latest
    completed one (lag 0: the latest) and moves
    ``adaptive.step`` of the package's total budget from the instrument with the lowest
    need to the one with the highest (only among instruments given a positive budget, so
    that adding an unfunded instrument changes nothing).

    Args:
        model: The owning model.
        region: Region index.
        package: Instrument name -> validated settings.
        adaptive: Validated ``policy.<region>.adaptive.*`` settings (short keys).
    """

    def __init__(self, model: AgentModel, region: int,
                 package: dict[str, dict[str, Any]], adaptive: dict[str, Any]) -> None:
        super().__init__(model)
        self.region = region
        self.adaptive = adaptive
        self.instruments: list[Instrument] = [
            INSTRUMENTS[name](self, settings) for name, settings in package.items()
        ]

    @property
    def annual_budget(self) -> float:
        """Total annual budget of the package, mRMB."""
        return sum(i.annual_budget for i in self.instruments)

    def initialize(self) -> None:
        """Initialize every instrument."""
        for inst in self.instruments:
            inst.initialize(self.model)

    def act(self) -> None:
        """Review budgets if adaptive, then apply every instrument for this quarter."""
        if self.adaptive["enabled"]:
            self._review()
        for inst in self.instruments:
            inst.apply(self.model)

    def finalize(self) -> None:
        """Finalize every instrument."""
        for inst in self.instruments:
            inst.finalize(self.model)

    def _review(self) -> None:
        a, step = self.adaptive, self.model.steps
        if step == 0 or step % a["every"] != 0:
            return
        observed = self.model.observed(self.region, a["lag"])
        if observed is None:
            return
        row, national = observed
        funded = [i for i in self.instruments if i.settings["budget"] > 0.0]
        if len(funded) < 2:
            return
        needs = [i.need(row, national) for i in funded]
        hi = funded[max(range(len(funded)), key=needs.__getitem__)]
        lo = funded[min(range(len(funded)), key=needs.__getitem__)]
        if hi is lo:
            return
        moved = min(a["step"] * self.annual_budget, lo.annual_budget)
        lo.annual_budget -= moved
        hi.annual_budget += moved
