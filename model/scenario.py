"""Scenario files: load TOML, apply ``extends`` and overrides, validate every value.

A scenario file's nested tables *are* the dotted parameter names: ``[regions.Shanxi]``
``firms = 50`` sets ``regions.Shanxi.firms``. The ``[meta]`` table (name, description,
extends, start_quarter, focus) is not a parameter. Every key is checked against the
declarations of :mod:`model.params` and the instrument and agent-type registries; an
unknown key, a wrong type, a value out of range or malformed TOML raises
:class:`ScenarioError` naming the file, the key, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.instruments import INSTRUMENTS, instrument_params
from agents.plugin import AGENT_TYPES, agent_params, parse_regions
from model.params import (
    ADAPTIVE_PARAMS,
    GLOBAL_PARAMS,
    LAYERS,
    LEADER_PARAMS,
    REGION_PARAMS,
    SEGMENT_LAYER,
    SEGMENTS,
    Param,
)
from model.vocab import DEFAULT_FOCUS, DEFAULT_START_QUARTER

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
META_KEYS = ("name", "description", "extends", "start_quarter", "focus")


class ScenarioError(ValueError):
    """Bad scenario input; the message names the file, key, value and what is allowed."""

    def __init__(self, file: str | Path, key: str | None, value: Any, allowed: str) -> None:
        self.file, self.key, self.value, self.allowed = str(file), key, value, allowed
        where = f"{file}: " + (f"{key} = {value!r}: " if key is not None else "")
        super().__init__(f"{where}{allowed}")


@dataclass
class Scenario:
    """A validated scenario: every parameter resolved, plus the structure built from it.

    Attributes:
        name: Scenario name (``meta.name`` or the file stem).
        path: File it came from (``None`` for a dict).
        values: Dotted name -> validated value, for every declared parameter.
        declarations: Dotted name -> :class:`~model.params.Param` (expanded templates).
        regions: Region keys in file order (the region index order).
        leaders: Named-leader keys in file order.
        packages: Region -> instrument name -> settings (short keys), in file order.
        meta: The ``[meta]`` table.
        origin: Dotted name -> file (or ``--set``) that gave the value.
    """

    name: str
    path: Path | None
    values: dict[str, Any]
    declarations: dict[str, Param]
    regions: list[str]
    leaders: list[str]
    packages: dict[str, dict[str, dict[str, Any]]]
    meta: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def focus(self) -> str:
        """The focus region: ``meta.focus``, else Shanxi (:data:`model.vocab.DEFAULT_FOCUS`)
        if present, else the first region."""
        return self.meta.get("focus") or default_focus(self.regions)

    @property
    def start_quarter(self) -> str:
        """The quarter of step 0: ``meta.start_quarter``, else
        :data:`model.vocab.DEFAULT_START_QUARTER`."""
        return self.meta.get("start_quarter") or DEFAULT_START_QUARTER

    def region(self, name: str, key: str) -> Any:
        """Value of ``regions.<name>.<key>``."""
        return self.values[f"regions.{name}.{key}"]

    def to_toml_dict(self) -> dict[str, Any]:
        """The resolved scenario as nested tables (for metadata and reproduction)."""
        out: dict[str, Any] = {"meta": dict(self.meta)}
        for key, val in self.values.items():
            if val is None:
                continue
            node = out
            *parents, leaf = key.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = val
        return out


def default_focus(regions: list[str]) -> str:
    """The focus region of a scenario without ``meta.focus``."""
    return DEFAULT_FOCUS if DEFAULT_FOCUS in regions else regions[0]


def shipped_presets() -> list[str]:
    """Names of the scenario files shipped in ``scenarios/``."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def resolve_preset(preset: str | Path) -> Path:
    """Path of a preset name (``baseline``) or scenario file path."""
    candidate = Path(preset)
    if candidate.suffix == ".toml" or candidate.exists() or "/" in str(preset):
        if not candidate.is_file():
            raise ScenarioError(candidate, None, None, "file not found")
        return candidate
    path = SCENARIO_DIR / f"{preset}.toml"
    if not path.is_file():
        raise ScenarioError("scenario", "preset", str(preset),
                            "unknown preset; allowed: " + ", ".join(shipped_presets())
                            + ", or a path to a .toml file")
    return path


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, raising :class:`ScenarioError` for missing or malformed files."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError(path, None, None, "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, None, None, f"malformed TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, None, None, f"cannot read file: {exc}") from None


def _flatten(table: Mapping[str, Any], prefix: str, file: Path,
             out: dict[str, Any], origin: dict[str, str]) -> None:
    for key, val in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(val, Mapping):
            _flatten(val, name, file, out, origin)
        elif isinstance(val, list):
            raise ScenarioError(file, name, val, "lists are not parameters; use a table")
        else:
            out[name] = val
            origin[name] = str(file)


def _load_chain(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict, dict, dict]:
    """Load a file and the files it extends: (flat values, meta, origin)."""
    if path.resolve() in seen:
        raise ScenarioError(path, "meta.extends", str(path), "circular extends")
    raw = read_toml(path)
    meta = raw.pop("meta", {})
    if not isinstance(meta, Mapping):
        raise ScenarioError(path, "meta", meta, "a table")
    for key in meta:
        if key not in META_KEYS:
            raise ScenarioError(path, f"meta.{key}", meta[key],
                                "unknown key; allowed: " + ", ".join(META_KEYS))
    flat: dict[str, Any] = {}
    origin: dict[str, str] = {}
    base_meta: dict[str, Any] = {}
    if "extends" in meta:
        parent = meta["extends"]
        if not isinstance(parent, str):
            raise ScenarioError(path, "meta.extends", parent, "a preset name or path")
        parent_path = (path.parent / parent) if parent.endswith(".toml") else None
        if parent_path is None or not parent_path.is_file():
            try:
                parent_path = resolve_preset(parent)
            except ScenarioError:
                raise ScenarioError(path, "meta.extends", parent,
                                    "unknown preset; allowed: "
                                    + ", ".join(shipped_presets())) from None
        flat, base_meta, origin = _load_chain(parent_path, (*seen, path.resolve()))
    own: dict[str, Any] = {}
    own_origin: dict[str, str] = {}
    _flatten(raw, "", path, own, own_origin)
    flat.update(own)
    origin.update(own_origin)
    # a child inherits the parent's start quarter and focus, never its name or description
    inherited = {k: v for k, v in base_meta.items() if k in ("start_quarter", "focus")}
    merged_meta = {**inherited, **{k: v for k, v in meta.items() if k != "extends"}}
    if "start_quarter" in merged_meta:
        _check_quarter(path, merged_meta["start_quarter"])
    return flat, merged_meta, origin


def _check_quarter(path: Path, value: Any) -> None:
    ok = (isinstance(value, str) and len(value) == 6 and value[:4].isdigit()
          and value[4] == "Q" and value[5] in "1234")
    if not ok:
        raise ScenarioError(path, "meta.start_quarter", value, "a quarter like '2023Q1'")


def declarations_for(regions: Iterable[str], leaders: Iterable[str]) -> dict[str, Param]:
    """Every parameter declaration, templates expanded for these regions and leaders."""
    decl = {p.name: p for p in GLOBAL_PARAMS}
    for r in regions:
        for p in REGION_PARAMS:
            q = p.expand(region=r)
            decl[q.name] = q
        for p in ADAPTIVE_PARAMS:
            q = p.expand(region=r)
            decl[q.name] = q
        for inst in INSTRUMENTS:
            for p in instrument_params(inst):
                q = Param(f"policy.{r}.{inst}.{p.name}", p.kind, p.default, p.unit, p.bounds,
                          p.choices, p.source, p.doc, p.ui)
                decl[q.name] = q
    for lead in leaders:
        for p in LEADER_PARAMS:
            q = p.expand(leader=lead)
            decl[q.name] = q
    for name in AGENT_TYPES:  # registered extra agent types (agents.plugin)
        for p in agent_params(name):
            q = Param(f"agents.{name}.{p.name}", p.kind, p.default, p.unit, p.bounds,
                      p.choices, p.source, p.doc, p.ui)
            decl[q.name] = q
    return decl


def _unknown(file: str, key: str, value: Any, decl: Mapping[str, Param]) -> ScenarioError:
    close = difflib.get_close_matches(key, list(decl), n=3, cutoff=0.75)
    hint = ("; did you mean " + ", ".join(close) + "?") if close else ""
    parts = key.split(".")
    if parts[0] == "policy" and len(parts) >= 3 and parts[2] not in INSTRUMENTS \
            and parts[2] != "adaptive":
        allowed = "unknown instrument; allowed: " + ", ".join([*INSTRUMENTS, "adaptive"])
    elif parts[0] == "agents" and len(parts) >= 2 and parts[1] not in AGENT_TYPES:
        allowed = ("unknown agent type; registered: " + (", ".join(AGENT_TYPES) or "none")
                   + " (agent types come from plugins: see docs/extending.md)")
    else:
        allowed = "unknown key" + hint + " (see `ai-chain params`)"
    return ScenarioError(file, key, value, allowed)


def parse_set(item: str, decl: Mapping[str, Param] | None = None) -> tuple[str, Any]:
    """Parse one ``KEY=VALUE`` override; VALUE is a TOML literal (bare text for strings)."""
    if "=" not in item:
        raise ScenarioError("--set", None, None, f"{item!r}: expected KEY=VALUE")
    key, text = (s.strip() for s in item.split("=", 1))
    if not key:
        raise ScenarioError("--set", None, None, f"{item!r}: expected KEY=VALUE with a KEY")
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        param = (decl or {}).get(key)
        if param is not None and param.kind is str:
            return key, text
        raise ScenarioError("--set", key, text, "not a TOML literal (quote strings)") from None
    return key, value


def load_scenario(preset: str | Path = "baseline",
                  overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, merge and validate a scenario.

    Args:
        preset: A shipped preset name or a path to a TOML file.
        overrides: Dotted name -> value, applied last (values as TOML would give them;
            strings from ``--set`` are parsed by :func:`parse_set` first).

    Returns:
        The validated :class:`Scenario`.

    Raises:
        ScenarioError: For any bad input; nothing is partially applied.
    """
    path = resolve_preset(preset)
    flat, meta, origin = _load_chain(path)
    for key, val in (overrides or {}).items():
        flat[key] = val
        origin[key] = "--set"
    return build_scenario(flat, meta, origin, path)


def build_scenario(flat: Mapping[str, Any], meta: Mapping[str, Any],
                   origin: Mapping[str, str], path: Path | None) -> Scenario:
    """Validate flat dotted values into a :class:`Scenario`."""
    src = str(path) if path else "scenario"
    regions = _ordered_keys(flat, "regions")
    leaders = _ordered_keys(flat, "leaders")
    if not regions:
        raise ScenarioError(src, "regions", None, "at least one [regions.<name>] table")
    decl = declarations_for(regions, leaders)
    values: dict[str, Any] = {name: p.default for name, p in decl.items()}
    for key, val in flat.items():
        file = origin.get(key, src)
        if key not in decl:
            raise _unknown(file, key, val, decl)
        try:
            values[key] = decl[key].check(val)
        except ValueError as exc:
            raise ScenarioError(file, key, val, str(exc)) from None
    focus = meta.get("focus")
    if focus is not None and focus not in regions:
        raise ScenarioError(src, "meta.focus", focus,
                            "a region of this scenario: " + ", ".join(regions))
    _cross_checks(values, regions, leaders, origin, src)
    _check_agent_regions(values, regions, focus or (
        default_focus(regions)), origin, src)
    packages = _packages(flat, regions)
    name = meta.get("name") or (path.stem if path else "scenario")
    return Scenario(name=name, path=path, values=values, declarations=decl, regions=regions,
                    leaders=leaders, packages=packages, meta=dict(meta), origin=dict(origin))


def _ordered_keys(flat: Mapping[str, Any], top: str) -> list[str]:
    seen: dict[str, None] = {}
    for key in flat:
        parts = key.split(".")
        if parts[0] == top and len(parts) >= 3:
            seen.setdefault(parts[1], None)
    return list(seen)


def _packages(flat: Mapping[str, Any], regions: list[str]) -> dict[str, dict[str, dict]]:
    """Instruments named for each region (any key given), settings with defaults."""
    named: dict[str, dict[str, None]] = {r: {} for r in regions}
    for key in flat:
        parts = key.split(".")
        if parts[0] == "policy" and len(parts) == 4 and parts[2] in INSTRUMENTS:
            named[parts[1]].setdefault(parts[2], None)
    out: dict[str, dict[str, dict]] = {}
    for r in regions:
        out[r] = {}
        for inst in named[r]:
            settings = {}
            for p in instrument_params(inst):
                key = f"policy.{r}.{inst}.{p.name}"
                settings[p.name] = p.check(flat[key]) if key in flat else p.default
            out[r][inst] = settings
    return out


def _check_agent_regions(values: dict[str, Any], regions: list[str], focus: str,
                         origin: Mapping[str, str], src: str) -> None:
    for name in AGENT_TYPES:
        key = f"agents.{name}.regions"
        try:
            parse_regions(values[key], regions, focus)
        except ValueError as exc:
            raise ScenarioError(origin.get(key, src), key, values[key], str(exc)) from None


def _cross_checks(values: dict[str, Any], regions: list[str], leaders: list[str],
                  origin: Mapping[str, str], src: str) -> None:
    def fail(key: str, allowed: str) -> None:
        raise ScenarioError(origin.get(key, src), key, values[key], allowed)

    if values["national.share_base"] + values["national.share_tech"] > 1.0:
        fail("national.share_tech", "national.share_base + national.share_tech <= 1")
    if values["compute.operating_share_tech"] > values["market.input_base_per_tech"]:
        fail("compute.operating_share_tech",
             "at most market.input_base_per_tech (operating compute is part of those inputs)")
    for r in regions:
        b, t = values[f"regions.{r}.share_base"], values[f"regions.{r}.share_tech"]
        if b is not None and t is not None and b + t > 1.0:
            fail(f"regions.{r}.share_tech", "share_base + share_tech <= 1")
        if (b is None) != (t is None):
            key = f"regions.{r}.share_base" if b is None else f"regions.{r}.share_tech"
            fail(key, "give both share_base and share_tech, or neither")
    for lead in leaders:
        for field_ in ("region", "home_region"):
            key = f"leaders.{lead}.{field_}"
            if values[key] not in regions:
                fail(key, "a region of this scenario: " + ", ".join(regions))
        layer = values[f"leaders.{lead}.layer"]
        seg = values[f"leaders.{lead}.segment"]
        if LAYERS[SEGMENT_LAYER[SEGMENTS.index(seg)]] != layer:
            fail(f"leaders.{lead}.segment", f"a segment of layer {layer!r}: " + ", ".join(
                s for s, lay in zip(SEGMENTS, SEGMENT_LAYER, strict=True)
                if LAYERS[lay] == layer))
        if not values[f"leaders.{lead}.group"]:
            fail(f"leaders.{lead}.group", "a non-empty group name")
