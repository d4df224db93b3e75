"""Fixed-seed stored results: behaviour changes must be deliberate.

:data:`CASES` are short fixed-seed runs; their key region-table columns are stored in
``tests/data/regression/<case>.csv`` by ``scripts/update_regression.py`` and compared by
``tests/test_regression.py`` (relative tolerance :data:`RTOL`). After an intended change of
model behaviour, rerun ``.venv/bin/python scripts/update_regression.py`` and commit the CSV
files with the change that explains them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "regression"
RTOL = 1e-9
ATOL = 1e-12

COLUMNS = ("firms_total", "firms_base", "firms_tech", "firms_app", "leading_firms",
           "little_giants", "integrators", "projects", "integrator_project_share",
           "local_sourcing_base", "local_sourcing_tech", "local_sourcing_app",
           "employment", "wage_general", "wage_high_end", "net_migration", "ai_revenue",
           "value_added_retained", "innovations", "partnerships_per_firm",
           "compute_utilization", "policy_spend", "entries", "exits", "branches_opened")


@dataclass(frozen=True)
class Case:
    """One stored run: scenario (preset or path relative to the repository), seed, steps."""

    name: str
    scenario: str
    seed: int
    steps: int


CASES = (
    Case("small_seed1", "scenarios/small.toml", 1, 20),
    Case("small_seed2", "scenarios/small.toml", 2, 20),
    Case("baseline_seed1", "baseline", 1, 8),
)


def compute(case: Case) -> dict[str, list]:
    """Run a case; return columns step, region and :data:`COLUMNS`, one row per step and
    region (steps 0..case.steps)."""
    from experiments.run.loop import RunLoop

    root = DATA.parents[2]
    scenario = str(root / case.scenario) if case.scenario.endswith(".toml") else case.scenario
    loop = RunLoop.build(scenario, rng=case.seed, steps=case.steps, firm_data="none")
    out: dict[str, list] = {"step": [], "region": [], **{c: [] for c in COLUMNS}}
    for step in loop:  # finishes the run (model.finalize()) after the last step
        rows = loop.collect().regions
        for i, region in enumerate(loop.model.region_names):
            out["step"].append(step)
            out["region"].append(region)
            for c in COLUMNS:
                out[c].append(float(rows[c][i]))
    return out


def path_of(case: Case) -> Path:
    """Stored CSV of a case."""
    return DATA / f"{case.name}.csv"


def write(case: Case, table: dict[str, list]) -> Path:
    """Store a case's table (floats with 17 significant digits)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = path_of(case)
    keys = list(table)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(keys)
        for row in zip(*(table[k] for k in keys), strict=True):
            w.writerow([f"{v:.17g}" if isinstance(v, float) else v for v in row])
    return path


def read(case: Case) -> dict[str, list]:
    """Read a stored case (missing file: FileNotFoundError)."""
    with path_of(case).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    keys = rows[0]
    cols = {k: [r[i] for r in rows[1:]] for i, k in enumerate(keys)}
    out: dict[str, list] = {"step": [int(v) for v in cols["step"]], "region": cols["region"]}
    for k in keys[2:]:
        out[k] = [float(v) for v in cols[k]]
    return out


def differences(stored: dict[str, list], current: dict[str, list]) -> list[str]:
    """Human-readable differences between a stored and a current table (empty if equal)."""
    msgs = []
    if set(stored) != set(current):
        msgs.append(f"columns differ: stored only {sorted(set(stored) - set(current))}, "
                    f"current only {sorted(set(current) - set(stored))}")
    if stored["step"] != current["step"] or stored["region"] != current["region"]:
        msgs.append(f"rows differ: stored {len(stored['step'])} rows, current "
                    f"{len(current['step'])} (steps or regions changed)")
        return msgs
    for k in current:
        if k in ("step", "region") or k not in stored:
            continue
        a = np.asarray(stored[k], float)
        b = np.asarray(current[k], float)
        bad = ~np.isclose(b, a, rtol=RTOL, atol=ATOL, equal_nan=True)
        if bad.any():
            i = int(np.argmax(bad))
            msgs.append(f"{k}: {int(bad.sum())} of {bad.size} values differ; first at step "
                        f"{current['step'][i]}, {current['region'][i]}: stored {a[i]!r}, "
                        f"now {b[i]!r}")
    return msgs
