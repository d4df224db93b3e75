"""The policy-response suite, small (the shipped design ``policy_response_quick``): run
through the experiment runner and the report, then judged arm by arm."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from experiments.validation import policy_response as pr


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("suite") / "policy_response_quick"
    pr.run_suite(folder, "policy_response_quick", workers=2)
    return folder


@pytest.mark.slow
def test_every_arm_is_judged_against_current_with_the_national_effect(suite: Path) -> None:
    horizon, rows = pr.summarize(suite)
    assert horizon == 20
    arms = [v.arm for v in rows]
    assert arms == ["targeted_80", "targeted_320", "recruitment_x2", "recruitment_cap_10",
                    "training_x2", "co_innovation_320"]
    summary = pd.read_csv(suite / "report" / "summary.csv")
    for v in rows:
        assert v.own == pr.OWN[v.instrument]
        assert v.own_effect is not None
        # the verdict is the report's interval, read back
        sel = summary[(summary.section == "effect") & (summary.policy == v.arm)
                      & (summary.scope == "Shanxi") & (summary.outcome == v.own)
                      & (summary.horizon == 20)]
        stat = dict(zip(sel.statistic, sel.value, strict=True))
        assert (v.own_effect.lo, v.own_effect.hi) == (stat["lo"], stat["hi"])
        assert v.moves_own == (stat["lo"] > 0)
        assert set(v.national) == set(pr.NATIONAL_BESIDE)
        assert set(v.chain) == {o for o in pr.CHAIN if o in set(summary.outcome)}


@pytest.mark.slow
def test_the_instruments_with_a_large_response_move_their_own_target(suite: Path) -> None:
    _, rows = pr.summarize(suite)
    by_arm = {v.arm: v for v in rows}
    # targeted subsidies create base and technology firms; more money, more firms
    assert by_arm["targeted_80"].moves_own and by_arm["targeted_320"].moves_own
    assert (by_arm["targeted_320"].own_effect.mean > by_arm["targeted_80"].own_effect.mean)
    # training adds composite talent; co-innovation adds partnerships
    assert by_arm["training_x2"].moves_own and by_arm["co_innovation_320"].moves_own
    # doubling the recruitment budget courts twice the firms: more leading firms
    assert by_arm["recruitment_x2"].moves_own
    assert by_arm["targeted_320"].large and not by_arm["targeted_80"].large


@pytest.mark.slow
def test_the_table_says_which_arms_do_not_move_their_target(suite: Path) -> None:
    horizon, rows = pr.summarize(suite)
    lines = pr.render(horizon, rows)
    assert len([line for line in lines if line.startswith("| ")]) == 1 + len(rows)
    for v in rows:
        line = next(x for x in lines if x.startswith(f"| {v.arm} |")
                    or x.startswith(f"| **{v.arm}** |"))
        assert ("| yes |" in line) == v.moves_own
        assert ("| **no** |" in line) == (not v.moves_own)


def test_a_folder_without_a_report_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no report"):
        pr.summarize(tmp_path)


def test_instrument_of_takes_the_longest_prefix() -> None:
    assert pr.instrument_of("co_innovation_80") == "co_innovation"
    assert pr.instrument_of("recruitment_cap_10") == "recruitment"
    assert pr.instrument_of("current") is None


def test_the_sentence_names_the_arms_that_do_not_move_their_target() -> None:
    def verdict(arm: str, lo: float) -> pr.Verdict:
        return pr.Verdict(arm, pr.instrument_of(arm), "x", pr.Effect(lo + 1, lo, lo + 2))
    rows = [verdict("recruitment_x2", -1.0), verdict("recruitment_cap_10", 1.0),
            verdict("targeted_80", 1.0), verdict("compute_80", -1.0)]
    assert pr.by_instrument(rows) == (
        "Own target moved by every arm: targeted; by some arms only: recruitment (not "
        "recruitment_x2); by no arm: compute.")
