"""Extra agent types added by researchers: the registry and the base class.

An agent type is a Mesa agent class with a small lifecycle, registered by name and
switched on by a scenario table ``[agents.<name>]``:

* ``initialize()`` once, after every built-in agent exists (step-0 state is complete);
* ``step()`` every quarter, right after the policy agents apply their instruments
  (in the policy phase of :data:`model.model.PHASES`, after the policy agents);
* ``finalize()`` once, when a run ends (optional).

Every agent type has the parameters ``enabled`` (default ``false``: a registered type
changes nothing until a scenario enables it) and ``regions`` (which regions get one agent
each: ``"focus"``, ``"all"`` or a comma list of region keys), plus its own ``PARAMS``.
Scenario keys are ``agents.<name>.<param>``; an unknown agent name or parameter is a
:class:`~model.scenario.ScenarioError` like any bad key.

Register a class with the :func:`register_agent` decorator (in a script, before building
the model) or through an ``ai_chain.agents`` entry point (see :mod:`model.plugins`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import mesa
import numpy as np

from model.keyed import Keyed, ident, pair_keys
from model.params import Param
from model.protocol import AgentModel

#: Agent classes by registered name, in registration order (the order they step in).
AGENT_TYPES: dict[str, type[PluginAgent]] = {}

AGENT_COMMON_PARAMS: tuple[Param, ...] = (
    Param("enabled", bool, False, "flag", source="scenario",
          doc="Create agents of this type (a registered type changes nothing until enabled)."),
    Param("regions", str, "focus", "regions", source="scenario",
          doc='Regions that get one agent each: "focus", "all", or a comma list of region '
              'keys such as "Shanxi,Henan".'),
)


def register_agent(cls: type[PluginAgent]) -> type[PluginAgent]:
    """Class decorator: register an agent type under ``cls.name``.

    Registering the same class again is a no-op; another class under a taken name is an
    error (so that a plugin cannot silently replace someone else's agent type).

    Raises:
        TypeError: ``cls`` is not a :class:`PluginAgent` subclass or has no ``name``.
        ValueError: The name is taken by a different class.
    """
    if not (isinstance(cls, type) and issubclass(cls, PluginAgent)):
        raise TypeError(f"{cls!r} is not a subclass of agents.plugin.PluginAgent")
    if not getattr(cls, "name", None) or not cls.name.isidentifier():
        raise TypeError(f"{cls.__name__} needs a class attribute 'name' (an identifier)")
    _check_free(AGENT_TYPES, cls, "agent type")
    AGENT_TYPES[cls.name] = cls
    return cls


def _check_free(registry: dict[str, Any], cls: type, what: str) -> None:
    old = registry.get(cls.name)
    if old is None or old is cls:
        return
    if (old.__module__, old.__qualname__) == (cls.__module__, cls.__qualname__):
        return  # the same class defined again (module re-imported): replace it
    raise ValueError(f"{what} name {cls.name!r} is already registered by "
                     f"{old.__module__}.{old.__qualname__}; choose another name")


def agent_params(name: str) -> tuple[Param, ...]:
    """Declarations of an agent type's parameters, relative names (``enabled`` ...)."""
    return AGENT_COMMON_PARAMS + AGENT_TYPES[name].PARAMS


def parse_regions(text: str, regions: list[str], focus: str) -> list[str]:
    """Region keys named by an agent type's ``regions`` setting, in scenario order.

    Raises:
        ValueError: A name is not a region of the scenario (the message says what is
            allowed).
    """
    names = [t.strip() for t in text.split(",") if t.strip()]
    if names == ["all"]:
        return list(regions)
    wanted = {focus if n == "focus" else n for n in names}
    bad = sorted(wanted - set(regions))
    if bad or not names:
        raise ValueError('"focus", "all", or a comma list of regions of this scenario: '
                         + ", ".join(regions))
    return [r for r in regions if r in wanted]


class PluginAgent(mesa.Agent):
    """Base class of researcher-defined agent types (one agent per enabled region).

    Subclasses set ``name`` (registry key and scenario table ``[agents.<name>]``),
    ``PARAMS`` (their own parameters, relative names; declared like every model
    parameter with type, default, unit, bounds and source), ``role`` (one line: what the
    agent does) and implement :meth:`step`. Settings arrive validated as
    ``self.settings``. Draw random numbers only from :attr:`draws` (keyed draws of the
    agent type and region in the current quarter: pass the keys of what a draw is about,
    ``model.firms.key[rows]`` for firms or :meth:`slot_keys` for the agent's own j-th
    action), so that enabling the agent shifts no other random number and a paired run
    gives each firm the same numbers. Read and change model state through the model's public arrays
    (``model.firms``, ``model.local_rows(region)``, ``model.ledger`` ...), booking any
    money that enters or leaves firms in ``model.ledger`` so the accounts still close.

    Args:
        model: The owning model.
        region: Region index this agent belongs to.
        settings: Validated values of every parameter in :func:`agent_params`.
    """

    name: ClassVar[str] = ""
    PARAMS: ClassVar[tuple[Param, ...]] = ()
    role: ClassVar[str] = ""

    def __init__(self, model: AgentModel, region: int, settings: dict[str, Any]) -> None:
        super().__init__(model)
        self.region = region
        self.settings = settings
        #: Deprecated: a positional generator (its numbers shift when one firm more or
        #: less is alive, which breaks paired comparisons); use :attr:`draws`.
        self.rng_stream = model.stream(f"agents.{self.name}.{model.region_names[region]}")

    @property
    def draws(self) -> Keyed:
        """Keyed draws of this agent (type and region) in the current quarter."""
        return self.model.draws(f"agents.{self.name}.{self.model.region_names[self.region]}")

    def slot_keys(self, n: int) -> np.ndarray:
        """Keys of the agent's ``n`` own actions this quarter (its j-th link, grant ...):
        (region, j), so the j-th action's draws do not depend on how many others there are."""
        return pair_keys(np.full(n, ident("agent slot", self.name, self.region),
                                 dtype=np.uint64), np.arange(n))

    def initialize(self) -> None:
        """Called once after the model (firms, policies, links) is built."""

    def step(self) -> None:
        """Act once per quarter (in the policy phase, after the policy instruments)."""
        raise NotImplementedError

    def finalize(self) -> None:
        """Called once when the run ends."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(region={self.region})"


def agent_settings(values: dict[str, Any], name: str) -> dict[str, Any]:
    """An agent type's validated settings (short keys) from a scenario's values."""
    return {p.name: values[f"agents.{name}.{p.name}"] for p in agent_params(name)}


def build_agents(model: AgentModel) -> list[PluginAgent]:
    """Create the agents of every enabled agent type, in registration then region order.

    Called by :class:`~model.model.IndustryModel` at the end of its construction; the
    agents are initialized here too.
    """
    agents: list[PluginAgent] = []
    values = model.config.values
    focus = model.region_names[model.focus]
    for name, cls in AGENT_TYPES.items():
        if not values.get(f"agents.{name}.enabled", False):
            continue
        settings = agent_settings(values, name)
        for region in parse_regions(settings["regions"], model.region_names, focus):
            agents.append(cls(model, model.region_names.index(region), dict(settings)))
    for agent in agents:
        agent.initialize()
    return agents
