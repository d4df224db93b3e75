"""The policy-response suite's verdict table, from a finished experiment folder.

Prints the table that ``ai-chain validate`` puts in its report
(:mod:`experiments.validation.policy_response`): per arm, the paired effect against
``current`` on the instrument's own target and whether it moved, the chain outcomes it
moved, Shanxi and national firms and national value added; plus, with ``--detail``, every
chain outcome's effect.

Usage: ``python benchmarks/policy_response_table.py [DIR] [--horizon H] [--detail]``
(default DIR ``runs/experiments/policy_response``)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from experiments.validation import policy_response as pr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?", default="runs/experiments/policy_response")
    ap.add_argument("--horizon", type=int, default=None)
    ap.add_argument("--detail", action="store_true", help="every chain outcome's effect")
    args = ap.parse_args()
    horizon, rows = pr.summarize(Path(args.dir), args.horizon)
    print("\n".join(pr.render(horizon, rows)))
    if args.detail:
        print(f"| arm | {' | '.join(pr.CHAIN)} |")
        print("|" + "---|" * (1 + len(pr.CHAIN)))
        for v in rows:
            cells = [v.chain[o].text() + ("*" if v.chain[o].sign else "") if o in v.chain
                     else "—" for o in pr.CHAIN]
            print(f"| {v.arm} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
