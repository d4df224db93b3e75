"""The instrument interface, the registry, and the levers instruments set.

An instrument is a small class with a lifecycle, built by name from a scenario table
``[policy.<region>.<name>]``:

* ``initialize(model)`` once, after the model is built;
* ``apply(model)`` at the start of every quarter: pay direct grants, enrol trainees, and
  set this quarter's *levers* (offers, vouchers, preferences) that later phases of the
  step use and charge against the instrument's remaining budget;
* ``finalize(model)`` once, when a run ends (optional).

Every instrument has ``budget`` (mRMB per year), ``start`` and ``end`` (quarters when it is
active). Effects scale with spending: an instrument with zero budget changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from model.params import LAYERS, Param
from model.protocol import AgentModel, RegionAgent
from model.state.levers import Levers  # noqa: F401  (public API: what instruments set)

#: Instrument classes by registered name, in registration order (the output column order).
INSTRUMENTS: dict[str, type[Instrument]] = {}

COMMON_PARAMS: tuple[Param, ...] = (
    Param("budget", float, 0.0, "mRMB/year", (0.0, 1e6), source="scenario",
          doc="Annual budget; unspent money in a quarter lapses.", ui=True),
    Param("start", int, 0, "quarter", (0, 10_000), source="scenario",
          doc="First quarter (step) in which the instrument acts."),
    Param("end", int, 10_000, "quarter", (0, 10_000), source="scenario",
          doc="Last quarter in which the instrument acts (sunset designs)."),
)


#: Functions called with each newly registered instrument class (model.reporters adds
#: the instrument's ``spend_<name>`` column through this, whenever the class registers).
REGISTRATION_HOOKS: list[Callable[[type[Instrument]], None]] = []


def register_instrument(cls: type[Instrument]) -> type[Instrument]:
    """Class decorator: register an instrument class under ``cls.name``.

    Scenario files can then name it as ``[policy.<region>.<name>]`` with its declared
    ``PARAMS``. Registering the same class again is a no-op; another class under a taken
    name is an error (a plugin cannot silently replace a built-in instrument).

    Raises:
        TypeError: ``cls`` has no ``name``.
        ValueError: The name is taken by a different class.
    """
    if not getattr(cls, "name", None) or not cls.name.isidentifier():
        raise TypeError(f"{cls.__name__} needs a class attribute 'name' (an identifier)")
    old = INSTRUMENTS.get(cls.name)
    if old is not None and old is not cls and (old.__module__, old.__qualname__) != (
            cls.__module__, cls.__qualname__):
        raise ValueError(f"instrument name {cls.name!r} is already registered by "
                         f"{old.__module__}.{old.__qualname__}; choose another name")
    INSTRUMENTS[cls.name] = cls
    for hook in REGISTRATION_HOOKS:
        hook(cls)
    return cls


def instrument_params(name: str) -> tuple[Param, ...]:
    """Declarations of an instrument's parameters, relative names (``budget`` ...)."""
    return COMMON_PARAMS + INSTRUMENTS[name].PARAMS


def parse_layers(text: str) -> list[int]:
    """Parse a comma list of layers (``"base,tech"``) into layer indices."""
    return [LAYERS.index(t.strip()) for t in text.split(",") if t.strip()]


def layers_param(default: str, doc: str) -> Param:
    """A parameter naming layers as a comma list, validated as one of the combinations."""
    combos = ("base", "tech", "app", "base,tech", "base,app", "tech,app", "base,tech,app")
    return Param("layers", str, default, "layers", choices=combos, source="scenario", doc=doc)


class Instrument:
    """Base class of policy instruments.

    Subclasses set ``name`` (the registry key and scenario table name), ``PARAMS`` (their
    own parameters, relative names), ``target`` (one line: whom it targets and what it
    changes) and implement :meth:`apply`. Settings arrive validated as ``self.settings``.

    Args:
        policy: The region's policy agent.
        settings: Validated values of every parameter in :func:`instrument_params`.
    """

    name: ClassVar[str] = ""
    PARAMS: ClassVar[tuple[Param, ...]] = ()
    target: ClassVar[str] = ""

    def __init__(self, policy: RegionAgent, settings: dict[str, Any]) -> None:
        self.policy = policy
        self.region: int = policy.region
        self.settings = settings
        self.annual_budget: float = settings["budget"]
        """Budget per year after adaptive reallocation, mRMB (moved by the adaptive rule)."""

    def quarter_budget(self, model: AgentModel) -> float:
        """Budget available this quarter (zero outside ``start``..``end``)."""
        if not (self.settings["start"] <= model.steps <= self.settings["end"]):
            return 0.0
        return self.annual_budget / 4.0

    def initialize(self, model: AgentModel) -> None:
        """Called once after the model is built."""

    def apply(self, model: AgentModel) -> None:
        """Act at the start of a quarter: grants, enrolment, levers for later phases."""
        raise NotImplementedError

    def finalize(self, model: AgentModel) -> None:
        """Called once when the run ends."""

    def need(self, row: dict[str, float], national: dict[str, float]) -> float:
        """Adaptive indicator in [0, 1]: how much the observed state calls for this tool.

        Args:
            row: The region's reporter values observed with the adaptive lag.
            national: National totals and means at the same step.
        """
        return 0.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(region={self.region}, budget={self.settings['budget']})"
