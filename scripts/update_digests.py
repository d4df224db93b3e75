"""Rewrite the stored bit-identity digests (tests/data/digests/*.json).

Run only after a DELIBERATE change of model behaviour (a pure refactor must leave every
digest unchanged), then commit the JSON files together with the change that explains
them. numpy's dispatch is pinned below AVX-512 as in every process of the project
(model/numerics.py); the script refuses to run if it is not.

    .venv/bin/python scripts/update_digests.py

Prints, per case, how many items changed against the previously stored file and which.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.validation import digests  # noqa: E402  (pins numpy's dispatch first)
from model import numerics  # noqa: E402


def main() -> int:
    """Recompute and store every case; print what changed."""
    t_all = time.perf_counter()
    problems = numerics.problems()
    if problems:
        print("update_digests: the stored digests are made with numpy's pinned dispatch: "
              + "; ".join(problems), file=sys.stderr)
        return 2
    for case in digests.CASES:
        t0 = time.perf_counter()
        found = digests.compute(case)
        try:
            diffs = digests.differences(digests.read(case), found)
            note = "unchanged" if not diffs else (
                f"{len(diffs)} of {len(found)} items changed: " + ", ".join(diffs))
        except FileNotFoundError:
            note = "new"
        path = digests.write(case, found)
        print(f"{case.name}: {case.scenario}, seed {case.seed}, {case.steps} quarters, "
              f"{len(found)} items -> {path.relative_to(digests.ROOT)} "
              f"({time.perf_counter() - t0:.1f} s) {note}")
    print(f"{len(digests.CASES)} cases in {time.perf_counter() - t_all:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
