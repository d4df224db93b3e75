"""What an agent may read and write on the model: the narrow protocol of ``agents/``.

Agents (firms, talent pools, universities, compute centres, policy agents, instruments and
plugin agents) never import :mod:`model.model`; they see the model through
:class:`AgentModel`, which :class:`model.model.IndustryModel` satisfies. Anything an agent
needs that is not listed here is not meant for agents: ask for it to be added, with a
reason, rather than reaching into the model. The object is also a :class:`mesa.Model`
(agents are Mesa agents), so Mesa's own API (``model.agents``, ``model.random``) is there
too.

A leaf module: it imports only the state containers (:mod:`model.state`) and the keyed
draws (:mod:`model.keyed`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np

from model.accounts import Ledger
from model.keyed import Keyed
from model.state.firms import FirmTable
from model.state.levers import Levers
from model.state.partners import PartnerNetwork
from model.state.recruiting import RecruitmentBook
from model.state.talent import TalentStock


class AgentModel(Protocol):
    """The model as agents see it.

    Read freely: ``p`` (every parameter by dotted name), ``config`` (the validated
    :class:`~model.scenario.Scenario`), ``region_names``, ``n_regions``, ``focus`` (index of
    the focus region), ``steps`` (the current step), ``layer_high_end_share``.

    Write only as documented: ``firms`` (the firm table; agents write their own rows'
    policy fields such as ``rd_extra``, ``marketing_extra``), ``levers`` (instruments set
    this quarter's levers in ``apply``), ``talent`` (talent programmes schedule cohorts),
    ``partners`` (plugin agents may add partnerships), ``ledger`` (through :meth:`grant`),
    ``recruiting`` (the recruitment instrument deposits its budget and sets the record's
    memory).
    """

    p: Mapping[str, Any]
    config: Any
    region_names: list[str]
    n_regions: int
    focus: int
    steps: int
    firms: FirmTable
    levers: Levers
    recruiting: RecruitmentBook
    talent: TalentStock
    partners: PartnerNetwork
    ledger: Ledger
    layer_high_end_share: np.ndarray

    def draws(self, purpose: str) -> Keyed:
        """Keyed draws for ``purpose`` in the current quarter: every random number is
        keyed by purpose, quarter and the entity it is about (:mod:`model.keyed`)."""
        ...

    def stream(self, name: str) -> np.random.Generator:
        """A positional random stream. Deprecated for anything that draws per firm: its
        numbers shift when one firm more or less is alive; use :meth:`draws`."""
        ...

    def local_rows(self, region: int) -> np.ndarray:
        """Rows of the live firms operating in ``region``."""
        ...

    def firm_at(self, row: int) -> Any:
        """The :class:`agents.firms.Firm` agent of a table row."""
        ...

    def charge(self, region: int, instrument: str, amount: float) -> None:
        """Record realized spending (mRMB) of a region's instrument."""
        ...

    def grant(self, rows: np.ndarray, amounts: np.ndarray, instrument: str,
              region: int) -> None:
        """Pay cash grants to firms, booked as the instrument's spending."""
        ...

    def employed_by_region(self) -> np.ndarray:
        """(regions, tiers) people employed in live firms."""
        ...

    def observed(self, region: int, lag: int) -> tuple[dict, dict] | None:
        """A region's row and the national aggregates ``lag`` completed steps back."""
        ...


class RegionAgent(Protocol):
    """An agent of one region (what an instrument knows of its policy agent)."""

    region: int
    model: AgentModel
