"""A test plugin package: one instrument, one agent type and one reporter.

The instrument and the agent type are plain classes: ``ai-chain``'s ``load_plugins()``
registers them through this package's entry points. The reporter registers itself when the
module is imported (a reporter needs its name, unit and meaning); its entry point makes
``load_plugins()`` import the module.
"""

from __future__ import annotations

import numpy as np

from agents.instruments.base import Instrument
from agents.plugin import PluginAgent
from model.params import Param
from model.reporters import Context, register_reporter


class RDVoucher(Instrument):
    """R&D voucher: the region pays ``rate`` of each local firm's R&D budget, capped.

    Paid at the start of the quarter from last quarter's R&D, as a grant earmarked for
    extra R&D this quarter, largest R&D first until the quarter's budget is spent.
    """

    name = "rd_voucher"
    target = "every local firm doing R&D; a share of its R&D budget"
    PARAMS = (
        Param("rate", float, 0.2, "1", (0.0, 1.0), source="test plugin",
              doc="Share of a firm's R&D budget paid."),
        Param("cap_per_firm", float, 0.5, "mRMB/quarter", (0.0, 100.0), source="test plugin",
              doc="Largest voucher per firm and quarter."),
    )

    def apply(self, model) -> None:
        budget = self.quarter_budget(model)
        if budget <= 0.0:
            return
        f = model.firms
        rows = model.local_rows(self.region)
        rows = rows[np.argsort(-f.rd[rows], kind="stable")]
        want = np.minimum(self.settings["rate"] * f.rd[rows], self.settings["cap_per_firm"])
        pay = np.clip(budget - (np.cumsum(want) - want), 0.0, want)
        paid = pay > 0
        if paid.any():
            model.grant(rows[paid], pay[paid], self.name, self.region)
            f.rd_extra[rows[paid]] += pay[paid]


class ResearchInstitute(PluginAgent):
    """A research institute that brokers innovation partnerships among local firms.

    Each quarter it links ``links`` pairs of local firms, drawn in proportion to
    capability from its own random stream.
    """

    name = "research_institute"
    role = "brokers innovation partnerships between local firms"
    PARAMS = (
        Param("links", int, 3, "partnerships/quarter", (0, 1000), source="test plugin",
              doc="Partnerships brokered per quarter."),
    )

    def initialize(self) -> None:
        self.brokered = 0
        self.total = 0

    def step(self) -> None:
        f, model = self.model.firms, self.model
        rows = model.local_rows(self.region)
        self.brokered = 0
        if rows.size < 2 or self.settings["links"] == 0:
            return
        w = np.exp(f.logcap[rows])
        k = self.settings["links"]
        slots = self.slot_keys(k)  # the agent's j-th brokered link of the quarter
        a = rows[self.draws.choice(slots, f.key[rows], w, slot=0)]
        b = rows[self.draws.choice(slots, f.key[rows], w, slot=1)]
        before = len(model.partners)
        model.partners.add(a, b)
        self.brokered = len(model.partners) - before
        self.total += self.brokered


@register_reporter("institute_links", "partnerships",
                   "Partnerships brokered by the region's research institutes in the quarter.")
def institute_links(ctx: Context) -> np.ndarray:
    out = np.zeros(ctx.n_r)
    for agent in ctx.model.plugin_agents:
        if isinstance(agent, ResearchInstitute):
            out[agent.region] += agent.brokered
    return out
