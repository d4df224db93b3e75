"""Plugins: instruments, agent types and reporters from other packages.

Outside code extends the model in two ways, both before a model is built:

* **In a script**: decorate classes and functions with :func:`register_instrument`,
  :func:`register_agent` and :func:`register_reporter` (re-exported here).
* **From an installed package**: declare entry points in its ``pyproject.toml``::

      [project.entry-points."ai_chain.instruments"]
      startup_grant = "my_pkg.instruments:StartupGrant"
      [project.entry-points."ai_chain.agents"]
      venture_capital = "my_pkg.agents:VentureCapital"
      [project.entry-points."ai_chain.reporters"]
      vc_invested = "my_pkg.agents:vc_invested"

  and call :func:`load_plugins` (the ``ai-chain`` command and experiment workers do).
  An entry point may name a class (registered here if its module did not register it
  already), a reporter function decorated with :func:`register_reporter`, or a whole
  module (importing it runs its decorators).

Nothing is loaded on import: :func:`load_plugins` is explicit, so that an installed plugin
never changes a model silently, and each process (a worker on any engine) calls it once.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from types import ModuleType
from typing import Any

#: Entry-point group of each kind of plugin.
GROUPS: dict[str, str] = {
    "instruments": "ai_chain.instruments",
    "agents": "ai_chain.agents",
    "reporters": "ai_chain.reporters",
}

_loaded: dict[tuple[str, str, str], Any] = {}


class PluginError(ImportError):
    """A plugin could not be loaded or registered; the message names the entry point or
    module, its distribution, and the reason."""


@dataclass(frozen=True)
class LoadedPlugin:
    """One plugin that :func:`load_plugins` loaded.

    Attributes:
        group: Entry-point group (``ai_chain.instruments`` ...) or ``"module"``.
        name: Entry-point name, or the module name.
        value: ``module:attr`` of the entry point, or the module name.
        distribution: Distribution (package) that declared it, if known.
    """

    group: str
    name: str
    value: str
    distribution: str


def register_instrument(cls: type) -> type:
    """Register an instrument class (see :func:`agents.instruments.base.register_instrument`)."""
    from agents.instruments.base import register_instrument as register

    return register(cls)


def register_agent(cls: type) -> type:
    """Register an agent type (see :func:`agents.plugin.register_agent`)."""
    from agents.plugin import register_agent as register

    return register(cls)


def register_reporter(name: str, unit: str, doc: str, zero: str = "") -> Any:
    """Decorator adding a region-table column (see :func:`model.reporters.register_reporter`)."""
    from model.reporters import register_reporter as register

    return register(name, unit, doc, zero)


def _register(kind: str, obj: Any, where: str) -> None:
    """Register what an entry point of ``kind`` names (a no-op if already registered)."""
    from agents.instruments.base import INSTRUMENTS, Instrument
    from agents.plugin import AGENT_TYPES, PluginAgent
    from model.reporters import REGION_REPORTERS

    if isinstance(obj, ModuleType):
        return  # importing the module ran its registration decorators
    if kind == "instruments":
        if not (inspect.isclass(obj) and issubclass(obj, Instrument)):
            raise PluginError(f"{where}: expected an Instrument subclass or a module, "
                              f"got {obj!r}")
        if INSTRUMENTS.get(obj.name) is not obj:
            register_instrument(obj)
    elif kind == "agents":
        if not (inspect.isclass(obj) and issubclass(obj, PluginAgent)):
            raise PluginError(f"{where}: expected a PluginAgent subclass or a module, "
                              f"got {obj!r}")
        if AGENT_TYPES.get(obj.name) is not obj:
            register_agent(obj)
    elif kind == "reporters":
        if not any(rep.func is obj for rep in REGION_REPORTERS.values()):
            raise PluginError(f"{where}: {obj!r} is not a registered reporter; decorate it "
                              "with @register_reporter(name, unit, doc)")


def _entry_points(group: str) -> list[metadata.EntryPoint]:
    eps = list(metadata.entry_points(group=group))
    return sorted(eps, key=lambda ep: (ep.dist.name if ep.dist else "", ep.name, ep.value))


def load_plugins(modules: Iterable[str] = (), *,
                 kinds: Iterable[str] = ("instruments", "agents", "reporters")
                 ) -> list[LoadedPlugin]:
    """Load every installed plugin and import ``modules``; register what they provide.

    Entry points are loaded group by group (instruments, agents, reporters) and, within a
    group, sorted by distribution and name, so that the registries (and so the output
    columns) have the same order in every process. Calling it again loads nothing twice.

    Args:
        modules: Extra module names to import (for example an experiment's
            ``plugins = [...]``); their decorators register what they define.
        kinds: Which entry-point groups to load (keys of :data:`GROUPS`).

    Returns:
        The plugins loaded by this call and earlier ones, in load order.

    Raises:
        PluginError: An entry point or module failed to import or named something that
            is not an instrument, agent type or reporter; nothing after it is loaded.
    """
    for kind in kinds:
        if kind not in GROUPS:
            raise PluginError(f"plugin kind {kind!r}: allowed: {', '.join(GROUPS)}")
        for ep in _entry_points(GROUPS[kind]):
            key = (ep.group, ep.name, ep.value)
            if key in _loaded:
                continue
            dist = ep.dist.name if ep.dist else "?"
            where = f"entry point {ep.name} = {ep.value!r} in group {ep.group} " \
                    f"(distribution {dist})"
            try:
                obj = ep.load()
                _register(kind, obj, where)
            except PluginError:
                raise
            except Exception as exc:
                raise PluginError(f"{where}: {type(exc).__name__}: {exc}") from exc
            _loaded[key] = LoadedPlugin(ep.group, ep.name, ep.value, dist)
    for name in modules:
        key = ("module", name, name)
        if key in _loaded:
            continue
        try:
            importlib.import_module(name)
        except Exception as exc:
            raise PluginError(f"plugin module {name!r}: {type(exc).__name__}: {exc}") from exc
        _loaded[key] = LoadedPlugin("module", name, name, "")
    return list(_loaded.values())


def loaded_plugins() -> list[LoadedPlugin]:
    """The plugins :func:`load_plugins` has loaded in this process, in load order."""
    return list(_loaded.values())


@contextmanager
def isolated_registries() -> Iterator[None]:
    """Restore the instrument, agent-type and reporter registries on exit.

    For tests and notebooks that register classes for a while::

        with isolated_registries():
            register_instrument(MyInstrument)
            model = IndustryModel(...)
    """
    from agents.instruments.base import INSTRUMENTS
    from agents.plugin import AGENT_TYPES
    from model.reporters import REGION_REPORTERS

    saved = [(reg, dict(reg)) for reg in (INSTRUMENTS, AGENT_TYPES, REGION_REPORTERS)]
    loaded = dict(_loaded)
    try:
        yield
    finally:
        for reg, items in saved:
            reg.clear()
            reg.update(items)
        _loaded.clear()
        _loaded.update(loaded)
