"""Bit-identity digests: every result of every case is exactly what is stored.

The proof harness for pure refactors (experiments/validation/digests.py): a refactor must
leave every digest unchanged. On a failure, the message lists each differing item by name.
Only after an intended change of model behaviour, rerun
``.venv/bin/python scripts/update_digests.py`` (with the same ``NPY_DISABLE_CPU_FEATURES``
as the stored files record) and commit tests/data/digests/*.json with the change.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from experiments.validation import digests

HOW = ("Only if this change of model behaviour is intended, run "
       "`.venv/bin/python scripts/update_digests.py` and commit tests/data/digests/*.json "
       "together with the change; a pure refactor must not change any digest.")

REFERENCE = digests.case_named("small_seed1")


@pytest.fixture(scope="module")
def reference_items() -> dict[str, list]:
    return digests.collect(REFERENCE)


@pytest.mark.parametrize("case", digests.CASES, ids=lambda c: c.name)
def test_digests_unchanged(case):
    stored = digests.read(case)
    current = digests.compute(case)
    diffs = digests.differences(stored, current)
    assert not diffs, (
        f"{case.name} ({case.scenario}, seed {case.seed}, {case.steps} quarters): "
        f"{len(diffs)} of {len(stored)} items differ:\n  "
        + "\n  ".join(f"{name}: {what}" for name, what in diffs.items()) + "\n" + HOW)


def test_stored_files_cover_every_case_and_item():
    stored = {p.stem for p in digests.DATA.glob("*.json")}
    assert stored == {c.name for c in digests.CASES}
    for case in digests.CASES:
        rec = json.loads(digests.path_of(case).read_text())
        assert (rec["scenario"], rec["seed"], rec["steps"]) == (case.scenario, case.seed,
                                                                case.steps)
        names = set(rec["digests"])
        for fixed in ("region_columns", "firm_columns", "regions", "ledger_totals",
                      "instruments", "reporters", "agent_types", "params", "param_values",
                      "region:firms_total", "firms:cash", "firms:region", "ledger:wages"):
            assert fixed in names, (case.name, fixed)


def test_the_cases_are_not_vacuous():
    plain = digests.read(digests.case_named("small_seed1"))
    adaptive = digests.read(digests.case_named("small_adaptive_seed1"))
    plugin = digests.read(digests.case_named("small_plugin_seed1"))
    # the adaptive rule moved budget, and the run took another path
    assert {"policy_budgets", "param_values", "region:policy_spend",
            "firms:cash"} <= set(digests.differences(plain, adaptive))
    # the plugin's instrument, agent type and reporter are registered and ran
    assert {"region:spend_rd_voucher", "region:institute_links"} <= set(plugin) - set(plain)
    assert {"instruments", "agent_types", "reporters", "params", "plugin_agents",
            "links:partners"} <= set(digests.differences(plain, plugin))
    assert digests.read(digests.case_named("small_seed2")) != plain  # seeds differ


def test_a_one_bit_change_is_named_exactly(reference_items):
    found = digests.digests(reference_items)
    changed = dict(reference_items)
    cash = changed["firms:cash"][0].copy()
    cash[7] = np.nextafter(cash[7], np.inf)  # one ulp
    changed["firms:cash"] = [cash]
    firms = [a.copy() for a in changed["region:firms_total"]]
    firms[5][3] += 1.0
    changed["region:firms_total"] = firms
    diffs = digests.differences(found, digests.digests(changed))
    assert list(diffs) == ["firms:cash", "region:firms_total"]
    # a stored digest edited by hand, a lost and a new item are named too
    stored = dict(found, **{"ledger:wages": "0" * 64})
    del stored["links:partners"]
    current = dict(found, extra="1" * 64)
    assert list(digests.differences(stored, current)) == ["extra", "ledger:wages",
                                                          "links:partners"]
    assert digests.differences(found, dict(found)) == {}


def test_serialisation_is_canonical(reference_items):
    found = digests.digests(reference_items)
    assert digests.compute(REFERENCE) == found  # the same case twice in one process
    # a fresh process (another PYTHONHASHSEED, other memory addresses) gives the same
    assert digests.compute(REFERENCE, fresh_process=True) == found
    # an object column hashes as a freshly built equal list of str, not by address
    region = reference_items["firms:region"][0]
    assert region.dtype == object
    fresh = [str(s) for s in region.tolist()]
    assert digests.digest([region]) == digests.digest([fresh]) == found["firms:region"]
    assert digests.digest([np.array(fresh, dtype=object)]) == found["firms:region"]
    # and equal numbers hash equally whatever their memory layout
    cash = reference_items["firms:cash"][0]
    assert digests.digest([cash[::-1].copy()[::-1]]) == found["firms:cash"]
    assert digests.digest([cash.astype(">f8")]) == found["firms:cash"]


def test_encoding_keeps_types_apart_and_refuses_addresses():
    ints, floats = np.arange(3), np.arange(3, dtype=float)
    assert digests.digest([ints]) != digests.digest([floats])
    assert digests.digest([ints.astype(bool)]) != digests.digest([np.array([0, 1, 1])])
    assert digests.digest([["ab", "c"]]) != digests.digest([["a", "bc"]])
    assert digests.digest([ints, floats]) != digests.digest([np.concatenate([ints, floats])])
    with pytest.raises(TypeError, match="memory address"):
        digests.encode(np.array([object()], dtype=object))
    with pytest.raises(TypeError, match="no canonical form"):
        digests.encode(np.array([1 + 2j]))
