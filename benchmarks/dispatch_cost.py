"""What holding numpy's dispatch below AVX-512 costs: whole `ai-chain run`s, side by side.

Runs the same command alternately with the project's pinned dispatch and with numpy's
native one (``AI_CHAIN_NUMPY_DISPATCH=native``, ``NPY_DISABLE_CPU_FEATURES`` unset), and
prints the median wall and CPU time of each and their ratio, plus the model's own time
(``timings.total_s`` of metadata.json). On a CPU without AVX-512 both are the same
dispatch and the ratio only shows the machine's noise.

    .venv/bin/python benchmarks/dispatch_cost.py [--repeats 5] [--steps 40]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AI_CHAIN = Path(sys.executable).parent / "ai-chain"


def one(mode: str, steps: int, out: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds of the child, and the run's own total_s."""
    env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
    env["AI_CHAIN_NUMPY_DISPATCH"] = mode
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([str(AI_CHAIN), "run", "baseline", "--seed", "1", "--steps", str(steps),
                    "--firm-data", "none", "--out", str(out), "--force"], env=env,
                   check=True, capture_output=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["numerics"]["mode"] == mode
    return wall, cpu, meta["timings"]["total_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float, float]]] = {"pinned": [], "native": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            for mode in results:
                results[mode].append(one(mode, args.steps, Path(tmp) / mode))
    med = {m: [statistics.median(x[i] for x in r) for i in range(3)]
           for m, r in results.items()}
    for m, (wall, cpu, run) in med.items():
        print(f"{m:>7}: wall {wall:.2f} s, CPU {cpu:.2f} s, run (build + steps + write) "
              f"{run:.2f} s  (median of {args.repeats})")
    ratios = [med["pinned"][i] / med["native"][i] for i in range(3)]
    print("pinned / native: wall {:.2f}, CPU {:.2f}, run {:.2f}".format(*ratios))


if __name__ == "__main__":
    main()
