"""Browser controls derived from the parameter declarations (no second list of defaults).

The browser page (``server.py``) shows one control per :class:`ControlSpec`. Specs are built
from a validated :class:`~model.scenario.Scenario`: its declarations give each control's
label, unit, bounds or choices and meaning, and its values give the defaults, so that
changing a preset changes the controls' starting values. Typed text is parsed as a TOML
literal (as ``--set`` does) and validated through :func:`model.scenario.load_scenario`;
a bad value raises :class:`~model.scenario.ScenarioError` whose message the page shows.

Everything here is pure Python, testable without a browser.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agents.instruments import INSTRUMENTS
from agents.instruments.base import COMMON_PARAMS
from experiments.run.defaults import horizon
from model.params import GLOBAL_PARAMS, Param
from model.scenario import Scenario, ScenarioError, load_scenario, parse_set, shipped_presets

#: Seed shown when the page opens (the README's reproducible run uses it too).
DEFAULT_SEED = 2023
#: Environment variable naming the page's default scenario (a preset name or a .toml path).
SCENARIO_ENV = "AI_CHAIN_SCENARIO"
#: Name of the error "file" for values typed in the page.
SOURCE = "page"
#: Common instrument settings left out of the page (timing of sunset designs).
HIDDEN_COMMON = tuple(p.name for p in COMMON_PARAMS if p.name != "budget")


@dataclass(frozen=True)
class ControlSpec:
    """One control of the page.

    Attributes:
        name: Dotted parameter name (``policy.Shanxi.recruitment.budget``), or ``seed``.
        label: Short label with the unit.
        widget: ``"select"`` (fixed choices) or ``"text"`` (typed value, validated).
        default: The value in the chosen preset.
        text: ``default`` as the text shown in a text field.
        unit: Unit of the value.
        allowed: What is allowed, as the declarations state it.
        choices: Allowed values of a select.
        group: ``"run"`` for run settings, else the instrument name.
        setting: Short name within the group (``budget``, ``voucher_rate``, ``seed`` ...).
        doc: One-line meaning.
    """

    name: str
    label: str
    widget: str
    default: Any
    text: str
    unit: str
    allowed: str
    choices: tuple[str, ...] | None
    group: str
    setting: str
    doc: str


@dataclass(frozen=True)
class RunSettings:
    """A validated choice of the page: what Reset builds.

    Attributes:
        preset: Preset name or scenario path.
        overrides: Dotted name -> value that differ from the preset.
        seed: Seed of the run (and of its baseline reference).
        steps: Horizon in quarters (``time.steps`` of the validated scenario).
        scenario: The validated scenario.
    """

    preset: str
    overrides: dict[str, Any]
    seed: int
    steps: int
    scenario: Scenario


def default_preset() -> str:
    """The page's default scenario: ``$AI_CHAIN_SCENARIO`` if set, else ``baseline``."""
    return os.environ.get(SCENARIO_ENV, "").strip() or "baseline"


def preset_options() -> list[str]:
    """Scenario choices: the default scenario first, then every shipped preset."""
    first = default_preset()
    return [first, *(p for p in shipped_presets() if p != first)]


def format_value(value: Any) -> str:
    """Text of a value in a text field, readable back by :func:`parse_text`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # exact round trip through TOML
    return "" if value is None else str(value)


def _label(setting: str, unit: str) -> str:
    words = setting.replace("_", " ")
    return f"{words} ({unit})" if unit and unit != "1" else words


def _spec(param: Param, name: str, value: Any, group: str, setting: str,
          label: str | None = None) -> ControlSpec:
    select = param.choices is not None or param.kind is bool
    choices = param.choices if param.choices is not None else (
        ("true", "false") if param.kind is bool else None)
    return ControlSpec(
        name=name, label=label or _label(setting, param.unit),
        widget="select" if select else "text", default=value,
        text=format_value(value), unit=param.unit, allowed=param.allowed(),
        choices=choices, group=group, setting=setting, doc=param.doc)


def seed_spec() -> ControlSpec:
    """The seed control (not a model parameter: the run's random seed)."""
    return ControlSpec(
        name="seed", label="seed", widget="text", default=DEFAULT_SEED,
        text=str(DEFAULT_SEED), unit="", allowed="a non-negative integer", choices=None,
        group="run", setting="seed",
        doc="Random seed of the run; the baseline reference uses the same seed.")


def control_specs(scenario: Scenario, region: str | None = None) -> list[ControlSpec]:
    """Controls for a scenario: run settings, then each instrument of ``region``.

    Run settings are the seed and every global parameter declared with ``ui=True`` (the
    horizon ``time.steps`` ...). Each registered instrument gets its budget and its own
    settings (the common ``start``/``end`` timing is left to scenario files), with the
    scenario's values as defaults, whether or not the preset names the instrument.

    Args:
        scenario: The validated preset the controls start from.
        region: Region whose policy package is controlled (default: the scenario's focus
            region, ``meta.focus``, Shanxi unless the scenario says otherwise).

    Raises:
        ScenarioError: If ``region`` is not a region of the scenario.
    """
    region = scenario.focus if region is None else region
    if region not in scenario.regions:
        raise ScenarioError(scenario.path or SOURCE, "region", region,
                            "a region of this scenario: " + ", ".join(scenario.regions))
    specs = [seed_spec()]
    for param in GLOBAL_PARAMS:
        if param.ui:
            setting = param.name.split(".")[-1]
            label = ("horizon (quarters)" if param.name == "time.steps"
                     else _label(param.name.replace(".", "_"), param.unit))
            specs.append(_spec(param, param.name, scenario[param.name], "run", setting, label))
    for inst in INSTRUMENTS:
        for rel in (*COMMON_PARAMS, *INSTRUMENTS[inst].PARAMS):
            if rel.name in HIDDEN_COMMON:
                continue
            name = f"policy.{region}.{inst}.{rel.name}"
            param = scenario.declarations[name]
            specs.append(_spec(param, name, scenario[name], inst, rel.name))
    return specs


def instrument_groups(specs: list[ControlSpec]) -> dict[str, list[ControlSpec]]:
    """Specs by instrument, in registry order (run settings left out)."""
    groups: dict[str, list[ControlSpec]] = {}
    for spec in specs:
        if spec.group != "run":
            groups.setdefault(spec.group, []).append(spec)
    return groups


def parse_text(spec: ControlSpec, text: str) -> Any:
    """Value of a control's text: a TOML literal, bare text for strings and choices.

    Raises:
        ScenarioError: Empty or unreadable text, naming the control and what is allowed.
    """
    text = str(text).strip()
    if text == "":
        raise ScenarioError(SOURCE, spec.name, text, f"a value is required: {spec.allowed}")
    if spec.name == "seed":
        if not text.isdigit():
            raise ScenarioError(SOURCE, "seed", text, spec.allowed)
        return int(text)
    if spec.choices is not None and spec.choices == ("true", "false"):
        if text not in spec.choices:
            raise ScenarioError(SOURCE, spec.name, text, "one of 'true', 'false'")
        return text == "true"
    if spec.choices is not None:
        return text
    try:
        _, value = parse_set(f"{spec.name}={text}")
    except ScenarioError:
        raise ScenarioError(SOURCE, spec.name, text, spec.allowed) from None
    return value


def check_text(spec: ControlSpec, text: str, scenario: Scenario) -> str | None:
    """Message for one field's text (``None`` when valid): parse and check its declaration."""
    try:
        value = parse_text(spec, text)
        if spec.name != "seed":
            scenario.declarations[spec.name].check(value)
    except ScenarioError as exc:
        return str(exc)
    except ValueError as exc:
        return str(ScenarioError(SOURCE, spec.name, text, str(exc)))
    return None


def settings_from_texts(preset: str, texts: Mapping[str, str],
                        specs: list[ControlSpec] | None = None) -> RunSettings:
    """Validate the page's texts into what Reset builds.

    Only values that differ from the preset become overrides, so that an instrument the
    preset does not name is not added.

    Args:
        preset: The chosen preset (a name or path).
        texts: Control name -> text typed or selected in the page (missing = default).
        specs: The controls (default: :func:`control_specs` of the preset).

    Returns:
        The validated settings.

    Raises:
        ScenarioError: The first bad value, naming the parameter and what is allowed.
    """
    base = load_scenario(preset)
    specs = specs if specs is not None else control_specs(base)
    seed = DEFAULT_SEED
    overrides: dict[str, Any] = {}
    for spec in specs:
        if spec.name not in texts:
            continue
        value = parse_text(spec, texts[spec.name])
        if spec.name == "seed":
            seed = value
            continue
        try:
            checked = base.declarations[spec.name].check(value)
        except ValueError as exc:
            raise ScenarioError(SOURCE, spec.name, value, str(exc)) from None
        if checked != base[spec.name]:
            overrides[spec.name] = checked
    try:
        scenario = load_scenario(preset, overrides)
    except ScenarioError as exc:
        if exc.file == "--set":
            raise ScenarioError(SOURCE, exc.key, exc.value, exc.allowed) from None
        raise
    return RunSettings(preset=preset, overrides=overrides, seed=seed,
                       steps=horizon(scenario), scenario=scenario)
