"""Checks of an experiment file's values: every error names the file, the key, the value
and what is allowed (:class:`Checker`); scenarios and hooks named by the file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from experiments.errors import BadInput


class Checker:
    """Error helpers bound to one file."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def fail(self, key: str, value: Any, allowed: str) -> BadInput:
        return BadInput(f"{self.file}: {key} = {value!r}: {allowed}")

    def table(self, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(key, value, "a table")
        return dict(value)

    def keys(self, key: str, table: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
        for k in table:
            if k not in allowed:
                where = f"{key}.{k}" if key else k
                raise self.fail(where, table[k], "unknown key; allowed: " + ", ".join(allowed))

    def integer(self, key: str, value: Any, low: int, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low \
                or (high is not None and value > high):
            rng = f"[{low}, {high}]" if high is not None else f">= {low}"
            raise self.fail(key, value, f"an integer {rng}")
        return value

    def string(self, key: str, value: Any, choices: tuple[str, ...] | None = None) -> str:
        if not isinstance(value, str) or (choices is not None and value not in choices):
            allowed = ("one of " + ", ".join(repr(c) for c in choices)) if choices \
                else "a string"
            raise self.fail(key, value, allowed)
        return value

    def strings(self, key: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, value, "a list of strings")
        if len(set(value)) != len(value):
            raise self.fail(key, value, "a list without repeated names")
        return list(value)

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, value, "true or false")
        return value


def check_hook(c: Checker, hook: str) -> None:
    mod, _, func = hook.partition(":")
    ok = bool(mod) and bool(func) and all(p.isidentifier() for p in mod.split(".")) \
        and func.isidentifier()
    if not ok:
        raise c.fail("experiment.model", hook, "'module:function' (or empty for the model)")


def scenario_file(c: Checker, key: str, name: str) -> Path:
    """A preset name or a path relative to the experiment file."""
    from model.scenario import ScenarioError, resolve_preset, shipped_presets

    rel = c.file.parent / name
    if name.endswith(".toml") or "/" in name:
        if rel.is_file():
            return rel.resolve()
        if Path(name).is_file():
            return Path(name).resolve()
        raise c.fail(key, name, "scenario file not found (paths are relative to the "
                     "experiment file)")
    try:
        return resolve_preset(name).resolve()
    except ScenarioError:
        raise c.fail(key, name, "a shipped preset (" + ", ".join(shipped_presets())
                     + ") or a path to a .toml file") from None


def load_checked(c: Checker, key: str, path: Path, overrides: Mapping[str, Any]) -> Any:
    """Load a scenario, turning its errors into errors about the experiment file."""
    from model.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(path, overrides)
    except ScenarioError as exc:
        if exc.key is not None and exc.key in overrides:
            return_key = f"{key}: {exc.key}" if key else exc.key
            raise BadInput(f"{c.file}: {return_key} = {exc.value!r}: {exc.allowed}") \
                from None
        raise BadInput(f"{c.file}: {key}: {exc}") from None
