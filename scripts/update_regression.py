"""Rewrite the stored fixed-seed regression results (tests/data/regression/*.csv).

Run after a DELIBERATE change of model behaviour, then commit the CSV files together with
the change that explains them:

    .venv/bin/python scripts/update_regression.py

Prints, per case, which columns changed against the previously stored file.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.validation import regression  # noqa: E402


def main() -> int:
    """Recompute and store every case; print what changed."""
    for case in regression.CASES:
        t0 = time.perf_counter()
        table = regression.compute(case)
        try:
            diffs = regression.differences(regression.read(case), table)
            note = "unchanged" if not diffs else "changed:\n    " + "\n    ".join(diffs)
        except FileNotFoundError:
            note = "new"
        path = regression.write(case, table)
        print(f"{case.name}: {case.scenario}, seed {case.seed}, {case.steps} quarters -> "
              f"{path} ({time.perf_counter() - t0:.1f} s) {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
