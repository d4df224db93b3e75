"""The fair-competition cap's effect across the offer weight's plausible range.

Reads ``DIR/report/summary.csv`` of ``ai-chain experiment recruitment_cap`` and prints, for
each value w of ``branches.beta_offer``, the paired effect (quarter 40, mean [95 % interval])
of raising the cash offer and the cap from 2 to 10, at the current budget (``cap10_b<w>`` −
``current_b<w>``) and at a budget of 80 (``cap10_budget80_b<w>`` − ``budget80_b<w>``), on
Shanxi's leading firms and firms and on national firms, and the effect of the budget itself
(``budget80_b<w>`` − ``current_b<w>``).

Usage: ``python benchmarks/recruitment_cap_table.py [DIR]`` (default
``runs/experiments/recruitment_cap``)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

OUTCOMES = (("Shanxi", "leading_firms"), ("Shanxi", "firms_total"),
            ("Shanxi", "capability_weighted_base_tech"), ("National", "firms_total"))


def cell(eff: pd.DataFrame, policy: str, ref: str, scope: str, outcome: str) -> str:
    """``mean [lo, hi]`` of one effect, * when the interval excludes zero."""
    sel = eff[(eff.policy == policy) & (eff.reference == ref) & (eff.scope == scope)
              & (eff.outcome == outcome)]
    if sel.empty:
        return "—"
    st = dict(zip(sel.statistic, sel.value, strict=True))
    star = "*" if st["lo"] > 0 or st["hi"] < 0 else ""
    return f"{st['mean']:.1f} [{st['lo']:.1f}, {st['hi']:.1f}]{star}"


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/experiments/recruitment_cap")
    s = pd.read_csv(folder / "report" / "summary.csv")
    eff = s[(s.section == "effect") & (s.horizon == s.horizon.max())]
    names = set(eff.policy.unique()) | set(eff.reference.unique())
    weights = sorted({int(m.group(1)) for p in names
                      if (m := re.fullmatch(r"current_b(\d+)", p))})
    cols = [f"{o} ({sc})" for sc, o in OUTCOMES]
    print("| beta_offer | comparison | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    for w in weights:
        for label, pol, ref in (("cap 2→10, budget 20", f"cap10_b{w}", f"current_b{w}"),
                                ("cap 2→10, budget 80", f"cap10_budget80_b{w}",
                                 f"budget80_b{w}"),
                                ("budget 20→80, cap 2", f"budget80_b{w}", f"current_b{w}")):
            cells = [cell(eff, pol, ref, sc, o) for sc, o in OUTCOMES]
            print(f"| {w} | {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
