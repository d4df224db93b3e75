"""Fixed-seed stored results: any change in these numbers must be deliberate.

On a failure, check that the change in model behaviour is intended, then run
``.venv/bin/python scripts/update_regression.py`` and commit tests/data/regression/*.csv
with the change (see docs/validation.md).
"""

from __future__ import annotations

import pytest

from experiments.validation import regression

HOW = ("If this change of model behaviour is intended, run "
       "`.venv/bin/python scripts/update_regression.py` and commit "
       "tests/data/regression/*.csv together with the change (docs/validation.md).")


@pytest.mark.parametrize("case", regression.CASES, ids=lambda c: c.name)
def test_fixed_seed_results_unchanged(case):
    stored = regression.read(case)
    current = regression.compute(case)
    diffs = regression.differences(stored, current)
    assert not diffs, (f"{case.name} ({case.scenario}, seed {case.seed}, {case.steps} "
                       "quarters) changed:\n  " + "\n  ".join(diffs) + "\n" + HOW)


def test_differences_are_reported_per_column():
    case = regression.CASES[0]
    stored = regression.read(case)
    changed = {k: list(v) for k, v in stored.items()}
    changed["exits"][7] += 1.0
    changed["ai_revenue"][3] *= 1 + 1e-6
    msgs = regression.differences(stored, changed)
    assert len(msgs) == 2
    assert msgs[0].startswith("ai_revenue: 1 of") and msgs[1].startswith("exits: 1 of")
    tiny = {k: list(v) for k, v in stored.items()}
    tiny["ai_revenue"][3] *= 1 + 1e-12
    assert regression.differences(stored, tiny) == []
