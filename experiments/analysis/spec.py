"""The ``[analysis]`` table of an experiment file: keys, defaults, validation; outcomes.

Every key is checked; an unknown key is an error. Messages name the file, the key, the value
and what is allowed (the same form as :class:`model.scenario.ScenarioError`), raised as
:class:`experiments.errors.BadInput` (exit code 2).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from experiments.errors import BadInput

# Outcomes that are not region-table columns but sums of them (additive, unit "firms").
DERIVED: dict[str, tuple[str, ...]] = {
    "base_tech_firms": ("firms_base", "firms_tech"),
}
DERIVED_DOCS = {"base_tech_firms": "firms_base + firms_tech (base and technology layers)"}

# Units whose values add up over regions (national totals are sums over every region).
ADDITIVE_UNITS = frozenset({"firms", "firm equivalents", "persons", "jobs", "projects",
                            "innovations", "mRMB/quarter"})

# Outcomes for which a lower value is better (the others: higher is better).
LOWER_IS_BETTER = frozenset({"chain_balance", "chain_balance_revenue", "vacancies_unfilled",
                             "vacancies_general", "vacancies_high_end",
                             "vacancies_composite", "exits", "relocations_out", "rank"})

DEFAULTS: dict[str, Any] = {
    "primary": "base_tech_firms",
    "outcomes": ["base_tech_firms", "base_tech_share", "local_sourcing_base", "leading_firms"],
    "horizons": [8, 20, 40],
    "primary_horizon": 0,            # 0: the last horizon within the design's steps
    "references": ["no_policy", "current"],
    "discount_rate": 0.04,
    "alpha": 0.05,
    "tune_replications": 0,          # 0: half of the replications (rounded down)
    "interval": "t",
    "bootstrap": 2000,
    "bootstrap_seed": 12345,
    "quantiles": [0.05, 0.25, 0.5, 0.75, 0.95],
    "equal_budget_tolerance": 0.10,
    "sensitivity_reference": "",     # "": the first reference with unswept runs
}

ALLOWED_KEYS = ", ".join(sorted(DEFAULTS))


class MissingRuns(RuntimeError):
    """Planned runs have no rows in ``DIR/runs/``; the report refuses (exit code 1)."""


def outcome_names() -> list[str]:
    """Every name allowed as an outcome: the region-table columns and the derived ones."""
    from model.reporters import REGION_REPORTERS

    return list(REGION_REPORTERS) + list(DERIVED)


def outcome_unit(name: str) -> str:
    """The unit of an outcome (``"firms"`` for derived counts; ``""`` for a hook model's
    own columns)."""
    from model.reporters import REGION_REPORTERS

    if name in DERIVED:
        return "firms"
    rep = REGION_REPORTERS.get(name)
    return rep.unit if rep is not None else ""


def is_additive(name: str) -> bool:
    """True if the outcome's national value is the sum over regions (a hook model's own
    columns are summed)."""
    unit = outcome_unit(name)
    return unit in ADDITIVE_UNITS or unit == ""


def source_columns(name: str) -> tuple[str, ...]:
    """The region-table columns an outcome is computed from."""
    return DERIVED.get(name, (name,))


class _Check:
    """Raises :class:`BadInput` naming the file, the key, the value and what is allowed."""

    def __init__(self, file: str, free_outcomes: bool = False) -> None:
        self.file = file
        self.free = free_outcomes

    def fail(self, key: str, value: Any, allowed: str) -> None:
        raise BadInput(f"{self.file}: analysis.{key} = {value!r}: {allowed}")

    def outcome(self, key: str, value: Any) -> str:
        if self.free:
            if not isinstance(value, str) or not value:
                self.fail(key, value, "an outcome: a column of the hook model's output")
            return value
        names = outcome_names()
        if not isinstance(value, str) or value not in names:
            self.fail(key, value, "an outcome: a region-table column (see docs/outputs.md) "
                                  f"or a derived outcome ({', '.join(DERIVED)}); allowed: "
                                  + ", ".join(names))
        return value

    def str_list(self, key: str, value: Any, what: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(key, value, f"a list of {what} (strings)")
        if len(set(value)) != len(value):
            self.fail(key, value, f"a list of distinct {what}")
        return list(value)

    def integer(self, key: str, value: Any, low: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.fail(key, value, f"an integer >= {low}")
        return int(value)

    def number(self, key: str, value: Any, low: float, high: float, *, open_low: bool = False,
               open_high: bool = False) -> float:
        ok = (not isinstance(value, bool) and isinstance(value, (int, float))
              and math.isfinite(value))
        if ok:
            ok = (value > low if open_low else value >= low) and \
                 (value < high if open_high else value <= high)
        if not ok:
            lo, hi = "(" if open_low else "[", ")" if open_high else "]"
            self.fail(key, value, f"a number in {lo}{low}, {high}{hi}")
        return float(value)


def validate_analysis(table: dict | None, file: str,
                      policies: Iterable[str] | None = None, *,
                      free_outcomes: bool = False) -> dict:
    """Validate the ``[analysis]`` table of an experiment file and fill in its defaults.

    Args:
        table: The table as parsed from TOML (``None`` or empty: all defaults).
        file: The experiment file, named in error messages.
        policies: The design's policy names, if known: references must be among them.
        free_outcomes: Accept any outcome name (designs whose ``model`` is a hook function
            with its own columns); the report checks them against the runs.

    Returns:
        A new dict with every key of :data:`DEFAULTS`; ``outcomes`` starts with ``primary``;
        ``horizons`` sorted ascending.

    Raises:
        BadInput: An unknown key or a bad value (the message names file, key, value and
            what is allowed).
    """
    # size: one check per key of [analysis], in the order of DEFAULTS
    check = _Check(file, free_outcomes)
    table = {} if table is None else table
    if not isinstance(table, dict):
        raise BadInput(f"{file}: analysis = {table!r}: a table of analysis settings "
                       f"(keys: {ALLOWED_KEYS})")
    for key in table:
        if key not in DEFAULTS:
            check.fail(key, table[key], f"unknown key; allowed keys: {ALLOWED_KEYS}")
    out = {k: (list(v) if isinstance(v, list) else v) for k, v in DEFAULTS.items()}
    out.update(table)

    out["primary"] = check.outcome("primary", out["primary"])
    outcomes = check.str_list("outcomes", out["outcomes"], "outcomes")
    for name in outcomes:
        check.outcome("outcomes", name)
    out["outcomes"] = [out["primary"]] + [o for o in outcomes if o != out["primary"]]

    horizons = out["horizons"]
    if (not isinstance(horizons, list) or not horizons
            or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in horizons)
            or len(set(horizons)) != len(horizons)):
        check.fail("horizons", horizons,
                   "a non-empty list of distinct positive integers (quarters)")
    out["horizons"] = sorted(horizons)
    out["primary_horizon"] = check.integer("primary_horizon", out["primary_horizon"], 0)
    if out["primary_horizon"] and out["primary_horizon"] not in out["horizons"]:
        check.fail("primary_horizon", out["primary_horizon"],
                   f"0 (the last horizon within the steps) or one of horizons "
                   f"{out['horizons']}")

    out["references"] = check.str_list("references", out["references"], "policy names")
    names = None if policies is None else list(policies)
    if names is not None:
        for ref in out["references"]:
            if ref not in names:
                check.fail("references", ref, "policy names of the design: " + ", ".join(names))
    out["discount_rate"] = check.number("discount_rate", out["discount_rate"], 0.0, 1.0,
                                        open_high=True)
    out["alpha"] = check.number("alpha", out["alpha"], 0.0, 0.5, open_low=True)
    out["tune_replications"] = check.integer("tune_replications", out["tune_replications"], 0)
    if out["interval"] not in ("t", "bootstrap"):
        check.fail("interval", out["interval"],
                   '"t" (Student t interval of the mean paired difference) or "bootstrap" '
                   "(percentile bootstrap over replications)")
    out["bootstrap"] = check.integer("bootstrap", out["bootstrap"], 100)
    out["bootstrap_seed"] = check.integer("bootstrap_seed", out["bootstrap_seed"], 0)
    quantiles = out["quantiles"]
    if (not isinstance(quantiles, list) or not quantiles
            or any(isinstance(q, bool) or not isinstance(q, (int, float))
                   or not 0.0 < q < 1.0 for q in quantiles)):
        check.fail("quantiles", quantiles, "a non-empty list of numbers in (0, 1)")
    out["quantiles"] = sorted({float(q) for q in quantiles})
    out["equal_budget_tolerance"] = check.number(
        "equal_budget_tolerance", out["equal_budget_tolerance"], 0.0, 1.0, open_low=True)
    ref = out["sensitivity_reference"]
    if not isinstance(ref, str):
        check.fail("sensitivity_reference", ref, '"" (automatic) or a policy name')
    if ref and names is not None and ref not in names:
        check.fail("sensitivity_reference", ref,
                   '"" (automatic) or a policy name of the design: ' + ", ".join(names))
    return out
