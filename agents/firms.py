"""Firm establishments: a Mesa agent per firm, with state held in numpy arrays.

Every firm is a :class:`Firm` (a Mesa agent a researcher can read, select and extend),
while its numbers live in one row of a :class:`model.state.firms.FirmTable`, so that
markets, labour and innovation run as array operations over all firms at once. Rows are
appended on entry and never reused; an exiting firm's row is marked dead and its agent
removed.
"""

from __future__ import annotations

import gc

import mesa
import numpy as np
from mesa.agentset import _HardKeyAgentSet
from mesa.experimental.mesa_signals import ModelSignals

from model.params import LAYERS, SEGMENTS, TIERS
from model.protocol import AgentModel


def _batch_safe(cls: type, model: AgentModel, signal: ModelSignals) -> bool:
    """Whether agents of ``cls`` can be (de)registered in bulk without anyone noticing."""
    return (cls.__init__ is Firm.__init__ and not cls._datasets
            and not model._has_subscribers("agents", signal))


class Firm(mesa.Agent):
    """One AI firm establishment in one chain layer of one region.

    A group operating in several layers (Table 2: Sugon, Cloud Times, iFlytek) is several
    establishments sharing a ``group_id``. State lives in ``model.firms`` at ``self.row``;
    the properties below read and write it, so code written against agents and vectorized
    code see the same numbers.

    Args:
        model: The owning :class:`~model.model.IndustryModel`.
        row: Row of this firm in ``model.firms``.
    """

    def __init__(self, model: AgentModel, row: int) -> None:
        super().__init__(model)
        self.row = int(row)
        model.firms.agent_id[row] = self.unique_id

    @classmethod
    def create_many(cls, model: AgentModel, rows: np.ndarray) -> list[Firm]:
        """Create the agents of table ``rows`` (about a thousand enter every quarter).

        The result is the same as ``[cls(model, row) for row in rows]`` — the same unique
        ids, registered in ``model.agents`` and ``model.agents_by_type`` — but the batch is
        registered at once, which makes entry about ten times cheaper. When anything could
        notice the difference (a subclass with its own ``__init__``, a Mesa dataset tracking
        firms, an observer of agent additions) the agents are built one by one instead.
        """
        if not _batch_safe(cls, model, ModelSignals.AGENT_ADDED):
            return [cls(model, row) for row in rows]
        first = model.agent_id_counter
        new = cls.__new__
        collecting = gc.isenabled()
        gc.disable()  # a burst of new objects would trigger collections of the whole heap
        try:
            agents = [new(cls) for _ in range(len(rows))]
            for agent, uid, row in zip(agents, range(first, first + len(agents)),
                                       rows.tolist(), strict=True):
                agent.__dict__.update(model=model, unique_id=uid, pos=None, row=row)
        finally:
            if collecting:
                gc.enable()
        model.agent_id_counter = first + len(agents)
        model.firms.agent_id[rows] = np.arange(first, first + len(agents))
        batch = dict.fromkeys(agents)
        model._all_agents._agents.update(batch)
        by_type = model._agents_by_type
        if cls in by_type:
            by_type[cls]._agents.update(batch)
        else:
            by_type[cls] = _HardKeyAgentSet(agents, random=model.random)
        return agents

    @classmethod
    def remove_many(cls, model: AgentModel, agents: list[Firm]) -> None:
        """Remove ``agents`` from the model; the same as calling ``remove()`` on each (which
        is done when a subclass overrides ``remove`` or something observes removals)."""
        if any(type(a).remove is not Firm.remove for a in agents) or not _batch_safe(
                cls, model, ModelSignals.AGENT_REMOVED):
            for agent in agents:
                agent.remove()
            return
        everyone = model._all_agents._agents
        by_type = model._agents_by_type
        for agent in agents:
            del by_type[type(agent)]._agents[agent]
            del everyone[agent]

    # --- identity -------------------------------------------------------------------
    @property
    def group_id(self) -> int:
        """Group (parent company) identifier."""
        return int(self.model.firms.group[self.row])

    @property
    def region(self) -> str:
        """Region where the establishment operates."""
        return self.model.region_names[self.model.firms.region[self.row]]

    @property
    def home_region(self) -> str:
        """Region where the group is headquartered (profits of branches go there)."""
        return self.model.region_names[self.model.firms.home[self.row]]

    @property
    def layer(self) -> str:
        """Chain layer: ``base``, ``tech`` or ``app``."""
        return LAYERS[self.model.firms.layer[self.row]]

    @property
    def segment(self) -> str:
        """Segment within the layer (chips, data, frameworks, general_tech, ...)."""
        return SEGMENTS[self.model.firms.segment[self.row]]

    @property
    def age(self) -> int:
        """Age in quarters."""
        return int(self.model.steps - self.model.firms.born[self.row])

    # --- state ----------------------------------------------------------------------
    @property
    def capability(self) -> float:
        """Technological capability (productivity and quality index, 1 = national mean)."""
        return float(np.exp(self.model.firms.logcap[self.row]))

    @capability.setter
    def capability(self, value: float) -> None:
        self.model.firms.logcap[self.row] = np.log(value)

    @property
    def cash(self) -> float:
        """Cash in mRMB."""
        return float(self.model.firms.cash[self.row])

    @cash.setter
    def cash(self, value: float) -> None:
        self.model.firms.cash[self.row] = value

    @property
    def brand(self) -> float:
        """Brand stock (utility units in buyers' choice)."""
        return float(self.model.firms.brand[self.row])

    @brand.setter
    def brand(self, value: float) -> None:
        self.model.firms.brand[self.row] = value

    @property
    def price(self) -> float:
        """Price index of the firm's output (unit cost × markup)."""
        return float(self.model.firms.price[self.row])

    @property
    def revenue(self) -> float:
        """Revenue of the last quarter, mRMB."""
        return float(self.model.firms.revenue[self.row])

    @property
    def rd_spending(self) -> float:
        """R&D spending of the last quarter, mRMB."""
        return float(self.model.firms.rd[self.row])

    @property
    def employees(self) -> dict[str, int]:
        """Employees by talent tier."""
        return dict(zip(TIERS, self.model.firms.employees[self.row].tolist(), strict=True))

    # --- links and roles --------------------------------------------------------------
    @property
    def suppliers(self) -> list[Firm]:
        """Current supplier firms (a sample of where the firm buys its inputs)."""
        rows = self.model.firms.suppliers[self.row]
        return [self.model.firm_at(r) for r in rows if r >= 0 and self.model.firms.alive[r]]

    @property
    def partners(self) -> list[Firm]:
        """Innovation partners."""
        return [self.model.firm_at(r) for r in self.model.partners.of(self.row)]

    @property
    def roles(self) -> list[str]:
        """Roles held now: leading, chain_master, little_giant, integrator."""
        f = self.model.firms
        out = [n for n in ("leading", "chain_master", "little_giant") if getattr(f, n)[self.row]]
        if SEGMENTS[f.segment[self.row]] == "integrators":
            out.append("integrator")
        return out

    def __repr__(self) -> str:
        return f"Firm({self.unique_id}, {self.region}, {self.layer}/{self.segment})"
