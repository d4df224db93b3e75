"""Step cost of two checkouts side by side: median ms per step and per phase.

Runs the baseline (seed 1) in each checkout in its own process, alternating OLD and NEW
``--repeats`` times so that both see the same machine load, and prints the median time per
step over quarters 3..``--steps`` and the median of each phase's share (the phases of
``ai-chain run --profile``). Used for the keyed draws (issue 13).

Usage: ``python benchmarks/step_cost.py OLD_CHECKOUT NEW_CHECKOUT [--repeats 5] [--steps 12]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from model.model import IndustryModel
m = IndustryModel(rng=1)
for _ in range(2):
    m.step()
m.phase_seconds.clear()
steps = int(sys.argv[2]) - 2
t = time.perf_counter()
for _ in range(steps):
    m.step()
total = (time.perf_counter() - t) / steps
print(json.dumps({"step": total * 1e3,
                  "phases": {k: v / steps * 1e3 for k, v in m.phase_seconds.items()}}))
"""


def once(checkout: str, steps: int) -> dict:
    """One timed run of the baseline in ``checkout``."""
    proc = subprocess.run([sys.executable, "-c", CHILD, checkout, str(steps)],
                          capture_output=True, text=True, cwd="/")
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=12)
    args = parser.parse_args()
    once(args.new, 3)  # compile the new checkout's kernels before timing
    runs: dict[str, list[dict]] = {"old": [], "new": []}
    for _ in range(args.repeats):
        runs["old"].append(once(args.old, args.steps))
        runs["new"].append(once(args.new, args.steps))
    med = {k: statistics.median(r["step"] for r in v) for k, v in runs.items()}
    print(f"median ms per step over {args.repeats} alternating runs: old {med['old']:.1f}, "
          f"new {med['new']:.1f}, ratio {med['new'] / med['old']:.3f}")
    ratios = sorted(n["step"] / o["step"] for o, n in zip(runs["old"], runs["new"],
                                                           strict=True))
    print("per-pair ratios: " + ", ".join(f"{r:.3f}" for r in ratios))
    print(f"\n{'phase':<22}{'old ms':>9}{'new ms':>9}")
    for phase in runs["new"][0]["phases"]:
        o = statistics.median(r["phases"].get(phase, 0.0) for r in runs["old"])
        n = statistics.median(r["phases"][phase] for r in runs["new"])
        print(f"{phase:<22}{o:>9.2f}{n:>9.2f}")


if __name__ == "__main__":
    main()
