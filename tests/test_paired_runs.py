"""Paired runs stay paired: keyed draws in the model (issue: common random numbers per firm).

A change confined to one region leaves every other region's firms with their numbers and,
where their probabilities are unchanged, their decisions; a vanishing policy has a
vanishing effect; compacting the firm table changes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from model import IndustryModel
from model.phases import demography, innovation, labour
from model.phases.firms import remove_firms
from tests.common import REPO as ROOT

SMALL = ROOT / "scenarios" / "small.toml"


def _pair(steps: int = 4, seed: int = 3) -> tuple[IndustryModel, IndustryModel]:
    a, b = IndustryModel(SMALL, rng=seed), IndustryModel(SMALL, rng=seed)
    for _ in range(steps):
        a.step()
        b.step()
    return a, b


def _by_key(model: IndustryModel, column: str, rows: np.ndarray) -> dict[int, object]:
    f = model.firms
    values = getattr(f, column)[rows]
    return dict(zip(f.key[rows].tolist(), values.tolist(), strict=True))


def test_a_change_in_one_region_leaves_other_regions_decisions_alone():
    """One Shanxi firm fewer (early in the rows, so positional draws would re-deal every
    later firm): the other regions' firms exit, innovate and retire staff exactly as
    before, because their probabilities did not change."""
    a, b = _pair()
    f = b.firms
    shanxi = b.region_names.index("Shanxi")
    gone = b.firms.live()[f.region[b.firms.live()] == shanxi][:1]
    remove_firms(b, gone)
    rows_a, rows_b = a.firms.live(), b.firms.live()
    assert rows_b.size == rows_a.size - 1
    others_a = rows_a[a.firms.region[rows_a] != shanxi]
    others_b = rows_b[b.firms.region[rows_b] != shanxi]
    # the same firms, with the same uniforms (keyed by identity, not by position)
    np.testing.assert_array_equal(a.firms.key[others_a], b.firms.key[others_b])
    np.testing.assert_array_equal(a.draws("exit").uniform(a.firms.key[others_a]),
                                  b.draws("exit").uniform(b.firms.key[others_b]))
    for m, rows in ((a, rows_a), (b, rows_b)):
        labour.retire_employees(m, rows)
        innovation.research(m, rows, np.ones(rows.size))
        demography.exit_firms(m, rows)
    for column in ("employees", "logcap", "innovations", "alive"):
        assert _by_key(a, column, others_a) == _by_key(b, column, others_b), column


def test_an_entrant_more_in_one_cell_leaves_every_other_entrant_unchanged():
    """Entrants are keyed by (quarter, region, layer, index in the cell): a larger entry in
    one region does not renumber the entrants of any other region."""
    a, b = _pair(steps=2)
    shanxi = b.region_names.index("Shanxi")
    before_a, before_b = a.firms.n, b.firms.n
    # more spin-offs in Shanxi only: leaders there count double
    f = b.firms
    rows = f.live()
    extra = rows[(f.region[rows] == shanxi)][:3]
    f.leading[extra] = True
    for m in (a, b):
        demography.enter_firms(m, m.firms.live())
    new_a = np.arange(before_a, a.firms.n)
    new_b = np.arange(before_b, b.firms.n)
    outside_a = new_a[a.firms.region[new_a] != shanxi]
    outside_b = new_b[b.firms.region[new_b] != shanxi]
    np.testing.assert_array_equal(a.firms.key[outside_a], b.firms.key[outside_b])
    np.testing.assert_array_equal(a.firms.segment[outside_a], b.firms.segment[outside_b])


def test_compacting_the_firm_table_changes_no_result():
    a, b = IndustryModel(SMALL, rng=5), IndustryModel(SMALL, rng=5)
    for q in range(12):
        a.step()
        b.step()
        if q % 3 == 0:
            b.compact()
        assert b.firms.n <= a.firms.n
        for name, col in a.region_rows.items():
            np.testing.assert_array_equal(col, b.region_rows[name], err_msg=f"{name} q{q}")
    assert b.firms.n < a.firms.n  # dead rows were removed
    fa, fb = a.firm_rows(), b.firm_rows()
    for name in fa:
        if name in ("row",):
            continue
        np.testing.assert_array_equal(fa[name], fb[name], err_msg=name)


def test_model_code_draws_only_keyed_numbers():
    """No phase, state container or agent draws from a positional generator (the plugin
    base keeps its deprecated ``rng_stream`` for old plugins; model/rng.py turns a
    user-given Generator into the run's seed)."""
    pattern = re.compile(r"\.stream\(|\brng\.(random|choice|normal|binomial|poisson|gumbel|"
                         r"standard_normal|exponential|multinomial|integers)\(")
    offenders = []
    for package in ("model", "agents"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "model" / "rng.py":
                continue
            text = path.read_text()
            for n, line in enumerate(text.splitlines(), 1):
                if pattern.search(line) and "rng_stream" not in line:
                    offenders.append(f"{Path(path).relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


def _national_firms(overrides: dict, seed: int, quarters: int = 8) -> float:
    m = IndustryModel("baseline", params=overrides, rng=seed)
    for _ in range(quarters):
        m.step()
    return float(m.region_rows["firms_total"].sum())


TARGETED = {"policy.Shanxi.targeted_subsidy.layers": "base,tech"}


def test_a_zero_budget_changes_nothing():
    base = IndustryModel("baseline", rng=7)
    zero = IndustryModel("baseline", params={**TARGETED,
                                             "policy.Shanxi.targeted_subsidy.budget": 0.0},
                         rng=7)
    for _ in range(4):
        base.step()
        zero.step()
    for name, col in base.region_rows.items():
        np.testing.assert_array_equal(col, zero.region_rows[name], err_msg=name)


@pytest.mark.slow
def test_a_vanishing_subsidy_has_a_vanishing_national_effect():
    """Continuity: 100 RMB a year of targeted subsidy in Shanxi moves national firms after
    8 quarters by at most 2 firms in mean absolute value over 20 seeds (positional draws:
    about 41, docs/benchmarks.md)."""
    tiny = {**TARGETED, "policy.Shanxi.targeted_subsidy.budget": 1e-4}
    diffs = [abs(_national_firms(tiny, s) - _national_firms({}, s)) for s in range(1, 21)]
    assert np.mean(diffs) <= 2.0, diffs
