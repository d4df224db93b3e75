"""Step-0 calibration of the shipped baseline against the source (FACTS.md)."""

from __future__ import annotations

import numpy as np
import pytest

from model.model import IndustryModel
from model.params import LAYERS, SEGMENTS
from model.scenario import load_scenario


@pytest.fixture(scope="module")
def base() -> IndustryModel:
    return IndustryModel(rng=11)


def _col(model: IndustryModel, name: str) -> dict[str, float]:
    return dict(zip(model.region_names, model.region_rows[name].tolist(), strict=True))


def test_named_provinces_have_the_source_counts(base: IndustryModel) -> None:
    firms = _col(base, "firms_total")
    assert firms["Beijing"] == 3454
    assert firms["Guangdong"] == 2529
    assert firms["Shanghai"] == 1751
    assert firms["Shanxi"] == 50
    assert len(firms) == 31


def test_shanxi_ranks_20th_with_19_above_and_11_below(base: IndustryModel) -> None:
    firms = _col(base, "firms_total")
    assert _col(base, "rank")["Shanxi"] == 20
    assert sum(v > 50 for v in firms.values()) == 19
    assert sum(v < 50 for v in firms.values()) == 11
    assert _col(base, "rank")["Beijing"] == 1


def test_other_provinces_follow_the_stated_derivation() -> None:
    """National total from the CAIDS shares; the 25 others on the rank-size rule through
    Shanxi; every derived count flagged as assumed."""
    sc = load_scenario("baseline")
    counts = {r: sc.region(r, "firms") for r in sc.regions}
    national = (3454 + 2529 + 1751) / (0.2973 + 0.2639 + 0.1407)
    assert sum(counts.values()) == round(national)
    assert counts["Zhejiang"] == round(0.0881 * national)
    assert counts["Jiangsu"] == round(0.0656 * national)
    ranked = sorted(counts, key=counts.get, reverse=True)
    tail = {k + 1: counts[r] for k, r in enumerate(ranked) if k + 1 >= 6 and r != "Shanxi"}
    alpha = 0.7629
    for k, n in tail.items():
        assert abs(n - 50 * (20 / k) ** alpha) < 1.0, (k, n)
    known = {"Beijing", "Guangdong", "Shanghai", "Shanxi"}
    assert all(sc.region(r, "assumed") for r in sc.regions if r not in known)
    assert not any(sc.region(r, "assumed") for r in known)


def test_assumed_counts_scale_together() -> None:
    m = IndustryModel(rng=1, params={"calibration.other_provinces_scale": 2.0})
    firms = _col(m, "firms_total")
    assert firms["Shanxi"] == 50 and firms["Beijing"] == 3454
    assert firms["Zhejiang"] == 2 * 971
    assert firms["Tibet"] == 2 * load_scenario("baseline").region("Tibet", "firms")


def test_shanxi_is_application_heavy_at_step_0(base: IndustryModel) -> None:
    rows = base.region_rows
    i = base.focus
    national_app = rows["firms_app"].sum() / rows["firms_total"].sum()
    assert rows["share_app"][i] > national_app + 0.05
    assert rows["base_tech_share"][i] < 1 - national_app - 0.05
    national_mix = np.array([rows[f"firms_{lay}"].sum() for lay in LAYERS]) / rows[
        "firms_total"].sum()
    assert abs(national_mix[0] - 0.034) < 0.002 and abs(national_mix[1] - 0.238) < 0.002


def test_named_leaders_are_present_in_their_table2_layers(base: IndustryModel) -> None:
    f = base.firms
    rows = f.live()
    shanxi = rows[f.region[rows] == base.focus]
    found = {(base.group_names.get(int(f.group[r]), ""), LAYERS[f.layer[r]],
              SEGMENTS[f.segment[r]]) for r in shanxi}
    expected = {
        ("Sugon", "base", "chips"), ("Cloud Times", "base", "data"),
        ("China Unicom", "base", "frameworks"), ("Cloud Times", "tech", "general_tech"),
        ("iFlytek", "tech", "general_tech"), ("Sugon", "tech", "general_tech"),
        ("Cloud Times", "app", "applications"), ("Sugon", "app", "applications"),
        ("iFlytek", "app", "applications"), ("Jiashida Robot", "app", "applications"),
    }
    assert expected <= found
    homes = {base.group_names[int(f.group[r])]: base.region_names[f.home[r]]
             for r in shanxi if int(f.group[r]) in base.group_names}
    assert homes == {"Sugon": "Beijing", "Cloud Times": "Shanxi", "China Unicom": "Beijing",
                     "iFlytek": "Anhui", "Jiashida Robot": "Shanxi"}
    leader_rows = [base.leader_rows[k] for k in base.leader_rows]
    assert f.leading[leader_rows].all(), "named leaders should be leading firms at step 0"
    # few leading firms in Shanxi besides the named ones
    assert base.region_rows["leading_firms"][base.focus] <= 12


def test_integrators_match_the_alliance_figures(base: IndustryModel) -> None:
    ints = _col(base, "integrators")
    assert ints["Shanxi"] == 13 and ints["Beijing"] == 96 and ints["Guangdong"] == 63
    assert sum(ints.values()) == 534


def test_step0_accounts_are_consistent(base: IndustryModel) -> None:
    rows = base.region_rows
    # MIIT: AI core industry ~5,000亿 RMB in 2023 = 125,000 mRMB per quarter
    assert rows["ai_revenue"].sum() == pytest.approx(125_000, rel=0.05)
    assert (rows["vacancies_unfilled"] == 0).all()
    for name in ("entries", "exits", "branches_opened", "policy_spend", "net_migration"):
        assert (rows[name] == 0).all(), name
