"""Do two checkouts of the model give the same distributions of the main outputs?

Runs the baseline for N seeds in each checkout (each in its own process, so that each
imports its own ``model`` package) and compares, per output and quarter, the two samples:
means, standard deviations, the standardized difference of means and a two-sample
Kolmogorov-Smirnov test. Used when a speed change alters fixed-seed numbers (issue 7).

Usage: ``python benchmarks/compare_versions.py OLD_CHECKOUT NEW_CHECKOUT [--seeds 20]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import numpy as np
from scipy import stats

OUTPUTS = ("firms_total", "base_tech_share", "local_sourcing_base", "local_sourcing_tech",
           "leading_firms", "integrators", "talent_high_end", "net_migration", "ai_revenue",
           "employment", "rank")
NATIONAL = ("firms_total", "employment", "ai_revenue", "entries", "exits")
QUARTERS = (8, 20, 40)

CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from model.model import IndustryModel
out = []
for seed in json.loads(sys.argv[2]):
    m = IndustryModel(rng=seed)
    rows = {}
    for q in range(1, max(json.loads(sys.argv[4])) + 1):
        m.step()
        if q in json.loads(sys.argv[4]):
            r = m.region_rows
            rows[q] = {**{k: float(r[k][m.focus]) for k in json.loads(sys.argv[3])},
                       **{"national_" + k: float(r[k].sum()) for k in json.loads(sys.argv[5])}}
    out.append(rows)
print(json.dumps(out))
"""


def sample(checkout: str, seeds: list[int]) -> list[dict]:
    """Outputs of the baseline for each seed, computed by the model in ``checkout``."""
    proc = subprocess.run([sys.executable, "-c", CHILD, checkout, json.dumps(seeds),
                           json.dumps(OUTPUTS), json.dumps(QUARTERS), json.dumps(NATIONAL)],
                          capture_output=True, text=True, cwd="/")
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    args = parser.parse_args()
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    old, new = sample(args.old, seeds), sample(args.new, seeds)
    names = [*OUTPUTS, *("national_" + k for k in NATIONAL)]
    print(f"{len(seeds)} seeds per checkout; Shanxi's outputs and national totals\n")
    print(f"{'output':<26}{'q':>3}{'old mean':>12}{'old sd':>10}{'new mean':>12}"
          f"{'new sd':>10}{'diff/sd':>9}{'KS p':>7}")
    worst = 1.0
    for name in names:
        for q in QUARTERS:
            a = np.array([r[str(q)][name] for r in old])
            b = np.array([r[str(q)][name] for r in new])
            sd = np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
            d = (b.mean() - a.mean()) / sd if sd > 0 else 0.0
            p = stats.ks_2samp(a, b).pvalue if sd > 0 else 1.0
            worst = min(worst, p)
            print(f"{name:<26}{q:>3}{a.mean():>12.4g}{a.std(ddof=1):>10.3g}{b.mean():>12.4g}"
                  f"{b.std(ddof=1):>10.3g}{d:>9.2f}{p:>7.2f}")
    tests = len(names) * len(QUARTERS)
    print(f"\nsmallest KS p-value {worst:.3f} over {tests} comparisons "
          f"(Bonferroni 5 % level: {0.05 / tests:.4f})")


if __name__ == "__main__":
    main()
