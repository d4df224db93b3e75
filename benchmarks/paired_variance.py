"""How noisy are paired policy effects? Standard deviations over seeds of paired differences.

Every effect the report shows is a paired difference ``Y_policy,i - Y_reference,i`` of two
runs sharing seed ``i`` (common random numbers). The better the pairing holds, the smaller
the spread of those differences over seeds and the fewer seeds a given precision needs.
This script measures that spread for a checkout of the model, so that two versions can be
compared side by side on the same seeds (issue 13: random draws keyed per firm).

Two sets of arms:

* ``--set arms`` (default): Shanxi's baseline against the baseline plus a targeted subsidy
  of 0.0001, 8, 80 and 320 mRMB/yr (base and technology layers), and against recruitment
  with the cash cap lifted from 2 to 10 at its budget of 20;
* ``--set design``: the packages of ``experiments/batch/designs/policy_comparison.toml``
  (each against ``current``), for the replications that design needs.

Outputs (Shanxi unless marked): base+technology firms, base+technology share, leading firms,
local sourcing of base and of technology inputs, and national firms, at quarters 8, 20, 40.
Each checkout runs in its own processes (it imports its own ``model``), seeds split over
``--jobs`` processes. Results are written as JSON (``--out``) and printed as a table.

Usage::

    python benchmarks/paired_variance.py CHECKOUT [--seeds 20] [--set arms|design] \
        [--jobs 2] [--out results.json]
    python benchmarks/paired_variance.py --compare BEFORE.json AFTER.json
    python benchmarks/paired_variance.py --replications BEFORE.json AFTER.json  # design set
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from scipy import stats

QUARTERS = (8, 20, 40)
OUTCOMES = ("base_tech_firms", "base_tech_share", "leading_firms", "local_sourcing_base",
            "local_sourcing_tech", "national_firms")

TARGETED = {"policy.Shanxi.targeted_subsidy.layers": "base,tech"}
ARMS: dict[str, tuple[str, dict]] = {
    "baseline": ("baseline", {}),
    "targeted_0.0001": ("baseline", {**TARGETED, "policy.Shanxi.targeted_subsidy.budget": 1e-4}),
    "targeted_8": ("baseline", {**TARGETED, "policy.Shanxi.targeted_subsidy.budget": 8.0}),
    "targeted_80": ("baseline", {**TARGETED, "policy.Shanxi.targeted_subsidy.budget": 80.0}),
    "targeted_320": ("baseline", {**TARGETED, "policy.Shanxi.targeted_subsidy.budget": 320.0}),
    "recruit_cap_10": ("baseline", {"policy.Shanxi.recruitment.cash_cap": 10.0,
                                    "policy.Shanxi.recruitment.cash_offer": 10.0}),
}

CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from model.model import IndustryModel
arms, seeds, quarters = (json.loads(a) for a in sys.argv[2:5])
out = {}
for name, (preset, overrides) in arms.items():
    out[name] = []
    for seed in seeds:
        m = IndustryModel(preset, params=overrides, rng=seed)
        rows = {}
        for q in range(1, max(quarters) + 1):
            m.step()
            if q in quarters:
                r, f = m.region_rows, m.focus
                rows[q] = {
                    "base_tech_firms": float(r["firms_base"][f] + r["firms_tech"][f]),
                    "base_tech_share": float(r["base_tech_share"][f]),
                    "leading_firms": float(r["leading_firms"][f]),
                    "local_sourcing_base": float(r["local_sourcing_base"][f]),
                    "local_sourcing_tech": float(r["local_sourcing_tech"][f]),
                    "national_firms": float(r["firms_total"].sum()),
                }
        out[name].append(rows)
print(json.dumps(out))
"""


def design_arms(root: Path) -> dict[str, tuple[str, dict]]:
    """The policy_comparison packages as (preset, overrides), ``current`` first."""
    path = root / "experiments" / "batch" / "designs" / "policy_comparison.toml"
    if not path.exists():  # layouts before the layered refactor
        path = root / "experiments" / "designs" / "policy_comparison.toml"
    design = tomllib.loads(path.read_text())
    base = design["experiment"].get("scenario", "baseline")
    arms = {}
    for name, table in design["policies"].items():
        table = dict(table)
        preset = table.pop("preset", base)
        arms[name] = (preset, table)
    return {"current": arms.pop("current"), **arms}


def run(checkout: str, arms: dict, seeds: list[int], jobs: int) -> dict[str, list]:
    """Outputs of every arm for every seed, computed by the model in ``checkout``."""
    chunks = [seeds[i::jobs] for i in range(jobs) if seeds[i::jobs]]

    def child(chunk: list[int]) -> dict:
        proc = subprocess.run([sys.executable, "-c", CHILD, checkout, json.dumps(arms),
                               json.dumps(chunk), json.dumps(QUARTERS)],
                              capture_output=True, text=True, cwd="/")
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr)
        return {"seeds": chunk, **json.loads(proc.stdout)}

    with ThreadPoolExecutor(jobs) as pool:
        parts = list(pool.map(child, chunks))
    order = np.argsort([s for part in parts for s in part["seeds"]])
    return {name: [[r for part in parts for r in part[name]][i] for i in order]
            for name in arms}


def summarize(results: dict[str, list], reference: str) -> dict:
    """Mean and sd over seeds of each arm's paired difference against ``reference``."""
    out = {}
    ref = results[reference]
    for arm, runs in results.items():
        if arm == reference:
            continue
        for outcome in OUTCOMES:
            for q in QUARTERS:
                d = np.array([a[str(q)][outcome] - b[str(q)][outcome]
                              for a, b in zip(runs, ref, strict=True)])
                out[f"{arm}|{outcome}|{q}"] = {
                    "n": int(d.size), "mean": float(d.mean()), "sd": float(d.std(ddof=1)),
                    "mean_abs": float(np.abs(d).mean())}
    return out


def replications_for(width_sd: float, n_ref: int, sd: float) -> int:
    """Smallest n whose t interval ``2 t_{n-1} sd / sqrt(n)`` is no wider than the interval
    ``2 t_{n_ref-1} width_sd / sqrt(n_ref)``."""
    target = stats.t.ppf(0.975, n_ref - 1) * width_sd / math.sqrt(n_ref)
    if sd == 0:
        return 2
    for n in range(2, 10 * n_ref + 1):
        if stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) <= target:
            return n
    return 10 * n_ref


def compare(before_path: str, after_path: str) -> None:
    """Print the before/after table and the variance ratios."""
    before = json.loads(Path(before_path).read_text())
    after = json.loads(Path(after_path).read_text())
    a, b = before["summary"], after["summary"]
    print(f"{'arm':<18}{'outcome':<22}{'q':>3}{'sd before':>11}{'sd after':>10}"
          f"{'var ratio':>10}{'mean before':>13}{'mean after':>12}")
    for key in a:
        if key not in b:
            continue
        arm, outcome, q = key.split("|")
        ratio = (a[key]["sd"] / b[key]["sd"]) ** 2 if b[key]["sd"] > 0 else math.inf
        print(f"{arm:<18}{outcome:<22}{q:>3}{a[key]['sd']:>11.4g}{b[key]['sd']:>10.4g}"
              f"{ratio:>10.3g}{a[key]['mean']:>13.4g}{b[key]['mean']:>12.4g}")


def replications(before_path: str, after_path: str, outcome: str = "base_tech_firms",
                 quarter: int = 40) -> None:
    """For every pair of the design's packages: the replications the new model needs for
    the primary outcome's paired t interval to be as narrow as the old model's with as
    many seeds as the old run had."""
    before = json.loads(Path(before_path).read_text())["results"]
    after = json.loads(Path(after_path).read_text())["results"]
    n_ref = len(next(iter(before.values())))

    def sd(results: dict, a: str, b: str) -> float:
        d = [x[str(quarter)][outcome] - y[str(quarter)][outcome]
             for x, y in zip(results[a], results[b], strict=True)]
        return float(np.std(d, ddof=1))

    rows = []
    names = list(before)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            s0, s1 = sd(before, a, b), sd(after, a, b)
            rows.append((a, b, s0, s1, replications_for(s0, n_ref, s1)))
    print(f"{outcome} at quarter {quarter}: sd of paired differences, {n_ref} seeds before "
          f"and {len(next(iter(after.values())))} after\n")
    print(f"{'policy':<20}{'reference':<20}{'sd before':>10}{'sd after':>10}{'var ratio':>10}"
          f"{'n needed':>9}")
    for a, b, s0, s1, n in rows:
        ratio = (s0 / s1) ** 2 if s1 > 0 else math.inf
        print(f"{a:<20}{b:<20}{s0:>10.3g}{s1:>10.3g}{ratio:>10.3g}{n:>9}")
    needed = [r[4] for r in rows]
    ratios = [(r[2] / r[3]) ** 2 for r in rows if r[3] > 0]
    print(f"\nreplications needed: median {int(np.median(needed))}, max {max(needed)} "
          f"(over {len(rows)} pairs); variance ratio median {np.median(ratios):.3g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", nargs="?")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--set", choices=("arms", "design"), default="arms")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--replications", nargs=2, metavar=("BEFORE", "AFTER"),
                        help="design results: replications needed for equal interval widths")
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
        return
    if args.replications:
        replications(*args.replications)
        return
    root = Path(args.checkout).resolve()
    arms = ARMS if args.set == "arms" else design_arms(root)
    reference = "baseline" if args.set == "arms" else "current"
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    results = run(str(root), arms, seeds, args.jobs)
    summary = summarize(results, reference)
    doc = {"checkout": str(root), "set": args.set, "seeds": seeds, "reference": reference,
           "summary": summary, "results": results}
    if args.out:
        Path(args.out).write_text(json.dumps(doc))
    print(f"{len(seeds)} seeds; paired differences against {reference}\n")
    print(f"{'arm':<18}{'outcome':<22}{'q':>3}{'mean':>11}{'sd':>10}{'mean |d|':>10}")
    for key, s in summary.items():
        arm, outcome, q = key.split("|")
        print(f"{arm:<18}{outcome:<22}{q:>3}{s['mean']:>11.4g}{s['sd']:>10.4g}"
              f"{s['mean_abs']:>10.4g}")


if __name__ == "__main__":
    main()
