"""Experiment files: the TOML schema, its validation, and the sample of sweep points.

An experiment file names a base scenario, named policy packages (dotted-name overrides),
an optional sweep over levers (grid, Latin hypercube, Sobol or Morris, sampled with SALib),
replications, the horizon and the outputs to keep (see ``docs/experiments.md``). Every key
is checked; an unknown key, a wrong type or a lever that the scenario does not declare
raises :class:`~experiments.errors.BadInput` naming the file, the key, the value and what
is allowed, before anything is written.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiments.errors import BadInput
from experiments.run.defaults import DEFAULT_FOCUS, horizon

#: Folder of the shipped experiment files.
DESIGN_DIR = Path(__file__).resolve().parent / "designs"

EXPERIMENT_KEYS = ("name", "description", "scenario", "steps", "replications", "seed",
                   "outputs", "columns", "regions", "firm_data", "model", "plugins")
SWEEP_KEYS = ("method", "samples", "second_order", "levels", "policies", "levers")
TOP_KEYS = ("experiment", "policies", "sweep", "analysis")
METHODS = ("grid", "lhs", "sobol", "morris")
OUTPUTS = ("every", "final")
FIRM_DATA = {False: "none", True: "final", "none": "none", "final": "final", "every": "every"}
#: Largest number of runs an experiment may plan (a guard against typos such as 2**20).
MAX_RUNS = 2_000_000
#: The focus region of a design without a scenario (a ``model`` hook): the model's default.
FOCUS_REGION = DEFAULT_FOCUS
DEFAULT_POLICY = "base"


@dataclass
class Lever:
    """One swept parameter: grid ``values`` or continuous bounds ``low``..``high``."""

    name: str
    values: list[Any] | None = None
    low: float | None = None
    high: float | None = None
    integer: bool = False

    def to_json(self) -> dict[str, Any]:
        """The lever as stored in ``experiment.json``."""
        if self.values is not None:
            return {"values": list(self.values)}
        return {"low": self.low, "high": self.high}


@dataclass
class Sweep:
    """A validated ``[sweep]`` table and its sample (rows in SALib sample order)."""

    method: str
    levers: list[Lever]
    policies: list[str]
    samples: int | None = None
    second_order: bool = False
    levels: int | None = None
    points: list[dict[str, Any]] = field(default_factory=list)

    @property
    def problem(self) -> dict[str, Any] | None:
        """The SALib problem dict (``None`` for a grid)."""
        if self.method == "grid":
            return None
        return {"num_vars": len(self.levers), "names": [lv.name for lv in self.levers],
                "bounds": [[lv.low, lv.high] for lv in self.levers]}

    def to_json(self) -> dict[str, Any]:
        """The sweep as stored in ``experiment.json``."""
        return {"method": self.method, "samples": self.samples,
                "second_order": self.second_order, "levels": self.levels,
                "policies": list(self.policies),
                "levers": {lv.name: lv.to_json() for lv in self.levers},
                "problem": self.problem, "points": len(self.points)}


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


class _Checker:
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
    try:
        with file.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{file}: malformed TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{file}: cannot read file: {exc}") from None
    c = _Checker(file)
    c.keys("", raw, TOP_KEYS)
    exp = c.table("experiment", raw.get("experiment", {}))
    c.keys("experiment", exp, EXPERIMENT_KEYS)

    model_hook = c.string("experiment.model", exp.get("model", ""))
    if model_hook:
        _check_hook(c, model_hook)
    plugins = c.strings("experiment.plugins", exp.get("plugins", []))
    for i, mod in enumerate(plugins):
        if not mod or not all(part.isidentifier() for part in mod.split(".")):
            raise c.fail(f"experiment.plugins[{i}]", mod, "a dotted module name")
    from model.plugins import PluginError, load_plugins

    try:  # before the scenario: plugin instruments and agent types declare parameters
        load_plugins(plugins)
    except PluginError as exc:
        raise c.fail("experiment.plugins", plugins, f"importable modules ({exc})") from None

    scenario_name = c.string("experiment.scenario", exp.get("scenario", "baseline"))
    base = None
    scenario_path = None
    if not model_hook:
        scenario_path = _scenario_path(c, "experiment.scenario", scenario_name)
        base = _load(c, "experiment.scenario", scenario_path, {})

    name = c.string("experiment.name", exp.get("name", file.stem))
    if not name or any(ch in name for ch in "/\\") or name.startswith("."):
        raise c.fail("experiment.name", name, "a non-empty name without slashes")
    description = c.string("experiment.description", exp.get("description", ""))

    if "steps" in exp:
        steps = c.integer("experiment.steps", exp["steps"], 1, 10_000)
        if base is not None:
            try:
                horizon(base, steps)
            except ValueError as exc:
                raise c.fail("experiment.steps", steps, f"{exc} (bounds of time.steps)") \
                    from None
    elif base is not None:
        steps = horizon(base)
    else:
        raise c.fail("experiment.steps", None, "required with `model`: an integer >= 1")
    replications = c.integer("experiment.replications", exp.get("replications", 1), 1,
                             100_000)
    if "seed" not in exp:
        raise c.fail("experiment.seed", None, "required: a non-negative integer (replication "
                     "i uses SeedSequence(seed).spawn(replications)[i])")
    seed = c.integer("experiment.seed", exp["seed"], 0, 2**128 - 1)
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
    focus = base.focus if base is not None else FOCUS_REGION  # meta.focus, else the default

    policies = _policies(c, raw.get("policies"), file, base, scenario_path, model_hook)
    sweep = None
    if "sweep" in raw:
        sweep = _sweep(c, raw["sweep"], policies, base, seed, sample)

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


def _validate_analysis(table: dict[str, Any], file: Path, policies: list[str],
                       hook: bool) -> dict[str, Any]:
    """``[analysis]`` is validated by the report's code (imported lazily); a model hook's
    outcomes are its own column names."""
    from experiments.analysis.report import validate_analysis

    return validate_analysis(table, str(file), policies, free_outcomes=hook)


def _check_hook(c: _Checker, hook: str) -> None:
    mod, _, func = hook.partition(":")
    ok = bool(mod) and bool(func) and all(p.isidentifier() for p in mod.split(".")) \
        and func.isidentifier()
    if not ok:
        raise c.fail("experiment.model", hook, "'module:function' (or empty for the model)")


def _scenario_path(c: _Checker, key: str, name: str) -> Path:
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


def _load(c: _Checker, key: str, path: Path, overrides: Mapping[str, Any]) -> Any:
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


def _policies(c: _Checker, raw: Any, file: Path, base: Any, scenario_path: Path | None,
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
            path = _scenario_path(c, f"{key}.preset", preset)
        overrides: dict[str, Any] = {}
        for k, v in body.items():
            if isinstance(v, (Mapping, list)):
                raise c.fail(f"{key}.{k}", v, "a scalar value under a quoted dotted name, "
                             'e.g. "policy.Shanxi.targeted_subsidy.budget" = 80.0')
            overrides[k] = v
        if not hook:
            scen = _load(c, key, path, overrides)
            overrides = {k: scen.values[k] for k in overrides}  # validated (e.g. int->float)
        out[name] = Policy(name, preset, path, overrides)
    return out


def _sweep(c: _Checker, raw: Any, policies: dict[str, Policy], base: Any, seed: int,
           sample: bool) -> Sweep:
    table = c.table("sweep", raw)
    c.keys("sweep", table, SWEEP_KEYS)
    method = c.string("sweep.method", table.get("method", "grid"), METHODS)
    names = c.strings("sweep.policies", table.get("policies", list(policies)))
    for i, name in enumerate(names):
        if name not in policies:
            raise c.fail(f"sweep.policies[{i}]", name,
                         "a policy of [policies]: " + ", ".join(policies))
    if not names:
        raise c.fail("sweep.policies", names, "at least one policy")
    samples = levels = None
    second_order = False
    allowed = {"grid": (), "lhs": ("samples",), "sobol": ("samples", "second_order"),
               "morris": ("samples", "levels")}[method]
    for k in ("samples", "second_order", "levels"):
        if k in table and k not in allowed:
            raise c.fail(f"sweep.{k}", table[k], f"not used by method {method!r}")
    if method != "grid":
        if "samples" not in table:
            raise c.fail("sweep.samples", None, f"required for method {method!r}")
        samples = c.integer("sweep.samples", table["samples"], 2 if method != "lhs" else 1,
                            1_000_000)
    if method == "sobol":
        if samples & (samples - 1):
            raise c.fail("sweep.samples", samples, "a power of two for Sobol (e.g. 64, 128, "
                         "256)")
        second_order = c.boolean("sweep.second_order", table.get("second_order", False))
    if method == "morris":
        levels = c.integer("sweep.levels", table.get("levels", 4), 2, 100)
        if levels % 2:
            raise c.fail("sweep.levels", levels, "an even number of levels (SALib Morris)")
    raw_levers = c.table("sweep.levers", table.get("levers", {}))
    if not raw_levers:
        raise c.fail("sweep.levers", raw_levers, "at least one lever table, e.g. "
                     '[sweep.levers."policy.Shanxi.targeted_subsidy.budget"]')
    levers = []
    for name, body in raw_levers.items():
        key = f"sweep.levers.{name}"
        body = c.table(key, body)
        levers.append(_lever(c, key, name, body, method, base))
    if method == "sobol" and len(levers) < 2:
        raise c.fail("sweep.levers", list(raw_levers), "at least two levers for Sobol")
    for name in names:
        clash = [lv.name for lv in levers if lv.name in policies[name].overrides]
        if clash:
            raise c.fail(f"policies.{name}", clash[0], "also a swept lever; remove it from "
                         "the policy or from sweep.policies")
    sweep = Sweep(method, levers, names, samples, second_order, levels)
    if sample:
        sweep.points = sample_points(sweep, seed)
        if base is not None:
            _check_points(c, sweep, policies)
    return sweep


def _lever(c: _Checker, key: str, name: str, body: dict[str, Any], method: str,
           base: Any) -> Lever:
    decl = base.declarations.get(name) if base is not None else None
    if base is not None and decl is None:
        from model.scenario import _unknown

        exc = _unknown(str(c.file), name, None, base.declarations)
        raise c.fail(key, name, f"not a parameter of the scenario: {exc.allowed}")
    integer = decl is not None and decl.kind is int
    if method == "grid":
        c.keys(key, body, ("values",))
        values = body.get("values")
        if not isinstance(values, list) or not values \
                or any(isinstance(v, (list, Mapping)) for v in values):
            raise c.fail(f"{key}.values", values, "a non-empty list of values")
        if len({repr(v) for v in values}) != len(values):
            raise c.fail(f"{key}.values", values, "values without repeats")
        checked = []
        for i, v in enumerate(values):
            checked.append(_check_value(c, f"{key}.values[{i}]", decl, v))
        return Lever(name, values=checked, integer=integer)
    c.keys(key, body, ("low", "high"))
    bounds = []
    for k in ("low", "high"):
        v = body.get(k)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise c.fail(f"{key}.{k}", v, f"a number (required for method {method!r})")
        if decl is not None and decl.kind not in (int, float):
            raise c.fail(key, name, f"a numeric parameter for method {method!r} (this one "
                         f"is {decl.kind.__name__}; sweep it with method 'grid')")
        _check_value(c, f"{key}.{k}", decl, int(v) if integer else float(v))
        bounds.append(float(v))
    if not bounds[0] < bounds[1]:
        raise c.fail(f"{key}.high", bounds[1], f"greater than low ({bounds[0]})")
    return Lever(name, low=bounds[0], high=bounds[1], integer=integer)


def _check_value(c: _Checker, key: str, decl: Any, value: Any) -> Any:
    if decl is None:
        return value
    try:
        return decl.check(value)
    except ValueError as exc:
        raise c.fail(key, value, str(exc)) from None


def sample_points(sweep: Sweep, seed: int) -> list[dict[str, Any]]:
    """The sweep's points (lever name -> value) in SALib sample order.

    A grid is the Cartesian product of the levers' values (the last lever varies
    fastest). Latin hypercube, Sobol (Saltelli/Sobol' sequence, scrambled) and Morris use
    SALib's samplers, seeded from the experiment seed so that a plan is reproducible.
    Integer parameters are rounded to the nearest integer.
    """
    if sweep.method == "grid":
        names = [lv.name for lv in sweep.levers]
        return [dict(zip(names, combo, strict=True))
                for combo in itertools.product(*(lv.values for lv in sweep.levers))]
    problem = sweep.problem
    salib_seed = seed % (2**32)
    if sweep.method == "lhs":
        from SALib.sample import latin

        x = latin.sample(problem, sweep.samples, seed=salib_seed)
    elif sweep.method == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(problem, sweep.samples, calc_second_order=sweep.second_order,
                         seed=salib_seed)
    else:
        from SALib.sample import morris

        x = morris.sample(problem, sweep.samples, num_levels=sweep.levels, seed=salib_seed)
    points = []
    for row in x:
        point = {}
        for lv, v in zip(sweep.levers, row, strict=True):
            point[lv.name] = int(round(float(v))) if lv.integer else float(v)
        points.append(point)
    return points


def _check_points(c: _Checker, sweep: Sweep, policies: dict[str, Policy]) -> None:
    """Load each swept policy's scenario at the first and last point (cross-checks)."""
    corners = [sweep.points[0], sweep.points[-1]]
    if sweep.method != "grid":
        corners = [{lv.name: (int(lv.low) if lv.integer else lv.low) for lv in sweep.levers},
                   {lv.name: (int(lv.high) if lv.integer else lv.high)
                    for lv in sweep.levers}]
    for name in sweep.policies:
        pol = policies[name]
        for point in corners:
            _load(c, f"sweep (policy {name})", pol.scenario_path,
                  {**pol.overrides, **point})
