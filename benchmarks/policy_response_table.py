"""The policy-response suite's table: each arm's effect on its own target and on the chain.

Reads ``DIR/report/summary.csv`` of ``ai-chain experiment policy_response`` and prints, per
arm, the paired effect at quarter 40 (mean [interval]) on the instrument's own target and on
the chain outcomes in Shanxi, and national firms beside them, as a markdown table; an
effect whose interval excludes zero is marked with *.

Usage: ``python benchmarks/policy_response_table.py [DIR]`` (default
``runs/experiments/policy_response``)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

#: Each arm's own target (the outcome the instrument acts on first).
OWN = {"universal": "firms_total", "targeted": "base_tech_firms",
       "recruitment": "leading_firms", "introduction": "talent_high_end",
       "training": "talent_composite", "compute": "compute_utilization",
       "integrator": "integrator_project_share", "brand": "brand_mean",
       "co_innovation": "partnerships_per_firm"}
CHAIN = ("base_tech_share", "leading_firms", "local_sourcing_base", "local_sourcing_tech",
         "capability_tech")
HORIZON = 40


def cell(frame: pd.DataFrame, policy: str, scope: str, outcome: str) -> str:
    """``mean [lo, hi]`` of one effect (``*`` when the interval excludes zero)."""
    sel = frame[(frame.policy == policy) & (frame.scope == scope) & (frame.outcome == outcome)]
    if sel.empty:
        return "—"
    stat = dict(zip(sel.statistic, sel.value, strict=True))
    m, lo, hi = stat["mean"], stat["lo"], stat["hi"]
    star = "*" if lo > 0 or hi < 0 else ""
    fmt = (lambda x: f"{x:.3g}") if abs(m) < 1 else (lambda x: f"{x:.1f}")
    return f"{fmt(m)} [{fmt(lo)}, {fmt(hi)}]{star}"


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/experiments/policy_response")
    df = pd.read_csv(folder / "report" / "summary.csv")
    eff = df[(df.section == "effect") & (df.reference == "current")
             & (df.horizon == HORIZON)]
    focus = next(s for s in eff.scope.unique() if s != "National")
    print(f"| arm | own target | effect on it | {' | '.join(CHAIN)} | national firms |")
    print("|" + "---|" * (4 + len(CHAIN)))
    for policy in eff.policy.unique():
        own = next(v for k, v in OWN.items() if policy.startswith(k))
        row = [policy, own, cell(eff, policy, focus, own)]
        row += [cell(eff, policy, focus, o) for o in CHAIN]
        row.append(cell(eff, policy, "National", "firms_total"))
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
