"""The ``[sweep]`` table of an experiment file: its levers, validated against the
scenario's declarations, and its sample (grid, Latin hypercube, Sobol or Morris)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from experiments.batch.checks import Checker, load_checked

SWEEP_KEYS = ("method", "samples", "second_order", "levels", "policies", "levers")
METHODS = ("grid", "lhs", "sobol", "morris")


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


def parse_sweep(c: Checker, raw: Any, policies: Mapping[str, Any], base: Any, seed: int,
                sample: bool) -> Sweep:
    """The validated ``[sweep]`` table (with its points when ``sample``)."""
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


def _lever(c: Checker, key: str, name: str, body: dict[str, Any], method: str,
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


def _check_value(c: Checker, key: str, decl: Any, value: Any) -> Any:
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


def _check_points(c: Checker, sweep: Sweep, policies: Mapping[str, Any]) -> None:
    """Load each swept policy's scenario at the first and last point (cross-checks)."""
    corners = [sweep.points[0], sweep.points[-1]]
    if sweep.method != "grid":
        corners = [{lv.name: (int(lv.low) if lv.integer else lv.low) for lv in sweep.levers},
                   {lv.name: (int(lv.high) if lv.integer else lv.high)
                    for lv in sweep.levers}]
    for name in sweep.policies:
        pol = policies[name]
        for point in corners:
            load_checked(c, f"sweep (policy {name})", pol.scenario_path,
                  {**pol.overrides, **point})
