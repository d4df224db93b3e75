"""Experiment files: the TOML schema, its validation, and the sample of sweep points.

An experiment file names a base scenario, named policy packages (dotted-name overrides),
an optional sweep over levers (grid, Latin hypercube, Sobol or Morris, sampled with SALib),
replications, the horizon and the outputs to keep (see ``docs/experiments.md``). Every key
is checked; an unknown key, a wrong type or a lever that the scenario does not declare
raises :class:`~experiments.errors.BadInput` naming the file, the key, the value and what
is allowed, before anything is written.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from experiments.batch.checks import Checker, check_hook, load_checked, scenario_file
from experiments.batch.sweep import (  # noqa: F401  (METHODS, sample_points re-exported)
    METHODS,
    Lever,
    Sweep,
    parse_sweep,
    sample_points,
)
from experiments.errors import BadInput
from experiments.run.defaults import DEFAULT_FOCUS, horizon

#: Folder of the shipped experiment files.
DESIGN_DIR = Path(__file__).resolve().parent / "designs"

EXPERIMENT_KEYS = ("name", "description", "scenario", "steps", "replications", "seed",
                   "outputs", "columns", "regions", "firm_data", "model", "plugins")
TOP_KEYS = ("experiment", "policies", "sweep", "analysis")
OUTPUTS = ("every", "final")
FIRM_DATA = {False: "none", True: "final", "none": "none", "final": "final", "every": "every"}
#: Largest number of runs an experiment may plan (a guard against typos such as 2**20).
MAX_RUNS = 2_000_000
#: The focus region of a design without a scenario (a ``model`` hook): the model's default.
FOCUS_REGION = DEFAULT_FOCUS
DEFAULT_POLICY = "base"


@dataclass
class Policy:
    """A named policy package: an optional other preset and dotted overrides."""

    name: str
    preset: str | None
    scenario_path: Path | None
    overrides: dict[str, Any]


@dataclass
class Design:
    """A validated experiment file."""

    name: str
    description: str
    file: Path
    scenario: str
    scenario_path: Path | None
    steps: int
    replications: int
    seed: int
    outputs: str
    columns: list[str]
    regions: list[str]
    firm_data: str
    model: str
    plugins: list[str]
    policies: dict[str, Policy]
    sweep: Sweep | None
    analysis: dict[str, Any]
    focus_region: str = FOCUS_REGION

    @property
    def run_count(self) -> int:
        """Number of runs the design plans."""
        n_points = len(self.sweep.points) if self.sweep else 0
        swept = set(self.sweep.policies) if self.sweep else set()
        per_rep = sum(n_points if name in swept else 1 for name in self.policies)
        return per_rep * self.replications

    def output_signature(self) -> dict[str, Any]:
        """What must not change between a run folder's plans (resume safety)."""
        from model import MODEL_VERSION

        return {"outputs": self.outputs, "columns": list(self.columns),
                "regions": list(self.regions), "firm_data": self.firm_data,
                "model": self.model, "model_version": MODEL_VERSION}

    def to_json(self) -> dict[str, Any]:
        """The validated design as written to ``DIR/experiment.json``."""
        from model import MODEL_VERSION

        return {
            "name": self.name, "description": self.description, "file": str(self.file),
            "scenario": self.scenario,
            "scenario_path": str(self.scenario_path) if self.scenario_path else None,
            "steps": self.steps, "replications": self.replications, "seed": self.seed,
            "outputs": self.outputs, "columns": list(self.columns),
            "regions": list(self.regions), "firm_data": self.firm_data, "model": self.model,
            "plugins": list(self.plugins),
            "policies": {p.name: {"preset": p.preset,
                                  "scenario_path": str(p.scenario_path)
                                  if p.scenario_path else None,
                                  "overrides": dict(p.overrides)}
                         for p in self.policies.values()},
            "sweep": self.sweep.to_json() if self.sweep else None,
            "analysis": self.analysis, "model_version": MODEL_VERSION,
            "focus_region": self.focus_region,
        }


def shipped_designs() -> list[Path]:
    """The experiment files shipped in ``experiments/batch/designs/``."""
    return sorted(DESIGN_DIR.glob("*.toml"))


def resolve_design(name: str | Path) -> Path:
    """Path of a design file, or of a shipped design given by name (``quick``)."""
    path = Path(name)
    if path.is_file():
        return path
    shipped = DESIGN_DIR / f"{name}.toml"
    if path.suffix != ".toml" and "/" not in str(name) and shipped.is_file():
        return shipped
    names = ", ".join(p.stem for p in shipped_designs())
    raise BadInput(f"{name}: experiment file not found (shipped designs: {names})")


def load_design(path: str | Path, *, sample: bool = True) -> Design:
    """Read and validate an experiment file (and draw its sweep sample).

    Args:
        path: The TOML file, or the name of a shipped design.
        sample: Draw the sweep's points (skip only for a quick syntax check).

    Returns:
        The validated :class:`Design`.

    Raises:
        BadInput: For any bad input; the message names the file, key, value and what is
            allowed.
    """
    file = resolve_design(path)
    raw = _read_toml(file)
    c = Checker(file)
    c.keys("", raw, TOP_KEYS)
    exp = c.table("experiment", raw.get("experiment", {}))
    c.keys("experiment", exp, EXPERIMENT_KEYS)
    model_hook, plugins = _code(c, exp)

    scenario_name = c.string("experiment.scenario", exp.get("scenario", "baseline"))
    base = None
    scenario_path = None
    if not model_hook:
        scenario_path = scenario_file(c, "experiment.scenario", scenario_name)
        base = load_checked(c, "experiment.scenario", scenario_path, {})

    name = c.string("experiment.name", exp.get("name", file.stem))
    if not name or any(ch in name for ch in "/\\") or name.startswith("."):
        raise c.fail("experiment.name", name, "a non-empty name without slashes")
    description = c.string("experiment.description", exp.get("description", ""))
    steps = _steps(c, exp, base)
    replications = c.integer("experiment.replications", exp.get("replications", 1), 1,
                             100_000)
    if "seed" not in exp:
        raise c.fail("experiment.seed", None, "required: a non-negative integer (replication "
                     "i uses SeedSequence(seed).spawn(replications)[i])")
    seed = c.integer("experiment.seed", exp["seed"], 0, 2**128 - 1)
    outputs, columns, regions, firm_data = _outputs(c, exp, base, model_hook)
    focus = base.focus if base is not None else FOCUS_REGION  # meta.focus, else the default

    policies = _policies(c, raw.get("policies"), file, base, scenario_path, model_hook)
    sweep = None
    if "sweep" in raw:
        sweep = parse_sweep(c, raw["sweep"], policies, base, seed, sample)

    analysis = {}
    if "analysis" in raw:
        table = c.table("analysis", raw["analysis"])
        analysis = _validate_analysis(table, file, list(policies), bool(model_hook))
    design = Design(name, description, file, scenario_name, scenario_path, steps,
                    replications, seed, outputs, columns, regions, firm_data, model_hook,
                    plugins, policies, sweep, analysis, focus)
    if sample and design.run_count > MAX_RUNS:
        raise c.fail("experiment.replications", replications,
                     f"at most {MAX_RUNS} runs in all; this design plans {design.run_count}")
    return design


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{file}: malformed TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{file}: cannot read file: {exc}") from None


def _code(c: Checker, exp: dict[str, Any]) -> tuple[str, list[str]]:
    """``experiment.model`` and ``experiment.plugins``; the plugins are loaded (before
    the scenario: plugin instruments and agent types declare parameters)."""
    model_hook = c.string("experiment.model", exp.get("model", ""))
    if model_hook:
        check_hook(c, model_hook)
    plugins = c.strings("experiment.plugins", exp.get("plugins", []))
    for i, mod in enumerate(plugins):
        if not mod or not all(part.isidentifier() for part in mod.split(".")):
            raise c.fail(f"experiment.plugins[{i}]", mod, "a dotted module name")
    from model.plugins import PluginError, load_plugins

    try:
        load_plugins(plugins)
    except PluginError as exc:
        raise c.fail("experiment.plugins", plugins, f"importable modules ({exc})") from None
    return model_hook, plugins


def _steps(c: Checker, exp: dict[str, Any], base: Any) -> int:
    """``experiment.steps``, else the scenario's horizon (required with a model hook)."""
    if "steps" in exp:
        steps = c.integer("experiment.steps", exp["steps"], 1, 10_000)
        if base is not None:
            try:
                horizon(base, steps)
            except ValueError as exc:
                raise c.fail("experiment.steps", steps, f"{exc} (bounds of time.steps)") \
                    from None
        return steps
    if base is not None:
        return horizon(base)
    raise c.fail("experiment.steps", None, "required with `model`: an integer >= 1")


def _outputs(c: Checker, exp: dict[str, Any], base: Any, model_hook: str
             ) -> tuple[str, list[str], list[str], str]:
    """``outputs``, ``columns``, ``regions`` and ``firm_data`` of ``[experiment]``."""
    outputs = c.string("experiment.outputs", exp.get("outputs", "every"), OUTPUTS)
    columns = c.strings("experiment.columns", exp.get("columns", []))
    regions = c.strings("experiment.regions", exp.get("regions", []))
    fd = exp.get("firm_data", False)
    if isinstance(fd, bool) or fd in ("none", "final", "every"):
        firm_data = FIRM_DATA[fd]
    else:
        raise c.fail("experiment.firm_data", fd, "true, false, 'none', 'final' or 'every'")
    if model_hook and firm_data != "none":
        raise c.fail("experiment.firm_data", fd, "false with `model` (a hook has no firms)")
    if base is not None:
        from model.reporters import REGION_REPORTERS

        for i, col in enumerate(columns):
            if col not in REGION_REPORTERS:
                raise c.fail(f"experiment.columns[{i}]", col,
                             "a region-table column (see docs/outputs.md)")
        for i, reg in enumerate(regions):
            if reg not in base.regions:
                raise c.fail(f"experiment.regions[{i}]", reg,
                             "a region of the scenario: " + ", ".join(base.regions))
    return outputs, columns, regions, firm_data


def _validate_analysis(table: dict[str, Any], file: Path, policies: list[str],
                       hook: bool) -> dict[str, Any]:
    """``[analysis]`` is validated by the report's code (imported lazily); a model hook's
    outcomes are its own column names."""
    from experiments.analysis.report import validate_analysis

    return validate_analysis(table, str(file), policies, free_outcomes=hook)


def _policies(c: Checker, raw: Any, file: Path, base: Any, scenario_path: Path | None,
              hook: str) -> dict[str, Policy]:
    if raw is None:
        return {DEFAULT_POLICY: Policy(DEFAULT_POLICY, None, scenario_path, {})}
    table = c.table("policies", raw)
    if not table:
        raise c.fail("policies", table, "at least one [policies.<name>] table")
    out: dict[str, Policy] = {}
    for name, body in table.items():
        key = f"policies.{name}"
        if not name or "/" in name:
            raise c.fail(key, name, "a policy name without slashes")
        body = c.table(key, body)
        preset = body.pop("preset", None)
        path = scenario_path
        if preset is not None:
            if hook:
                raise c.fail(f"{key}.preset", preset, "not allowed with `model`")
            preset = c.string(f"{key}.preset", preset)
            path = scenario_file(c, f"{key}.preset", preset)
        overrides: dict[str, Any] = {}
        for k, v in body.items():
            if isinstance(v, (Mapping, list)):
                raise c.fail(f"{key}.{k}", v, "a scalar value under a quoted dotted name, "
                             'e.g. "policy.Shanxi.targeted_subsidy.budget" = 80.0')
            overrides[k] = v
        if not hook:
            scen = load_checked(c, key, path, overrides)
            overrides = {k: scen.values[k] for k in overrides}  # validated (e.g. int->float)
        out[name] = Policy(name, preset, path, overrides)
    return out
