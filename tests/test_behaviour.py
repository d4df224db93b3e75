"""Behaviour, paired against the baseline with the same seeds (common random numbers)."""

from __future__ import annotations

import numpy as np
import pytest
from common import SMALL

from model.model import IndustryModel

COAST = ("Beijing", "Shanghai", "Guangdong")


def trajectory(preset: str, seed: int, steps: int, params: dict | None = None
               ) -> dict[str, np.ndarray]:
    """Region columns stacked over steps 0..steps: name -> (steps + 1, regions)."""
    model = IndustryModel(preset, rng=seed, params=params or {})
    tables = [model.region_rows]
    for _ in range(steps):
        model.step()
        tables.append(model.region_rows)
    out = {k: np.stack([t[k] for t in tables]) for k in tables[0]}
    out["_regions"] = np.array(model.region_names)
    return out


@pytest.fixture(scope="module")
def baseline_runs() -> list[dict[str, np.ndarray]]:
    return [trajectory("baseline", seed, 40) for seed in (1, 2, 3)]


def _idx(run: dict, name: str) -> int:
    return int(np.flatnonzero(run["_regions"] == name)[0])


@pytest.mark.slow
def test_baseline_keeps_shanxi_application_heavy(baseline_runs: list) -> None:
    for run in baseline_runs:
        i = _idx(run, "Shanxi")
        national_bt = (run["firms_base"].sum(axis=1) + run["firms_tech"].sum(axis=1)) / run[
            "firms_total"].sum(axis=1)
        # below the national base+technology share in (almost) every quarter and on average
        assert np.mean(run["base_tech_share"][:, i] < national_bt) >= 0.9
        assert run["base_tech_share"][:, i].mean() < national_bt.mean() - 0.03


def test_baseline_keeps_the_coast_ahead(baseline_runs: list) -> None:
    for run in baseline_runs:
        i = _idx(run, "Shanxi")
        for name in COAST:
            j = _idx(run, name)
            assert (run["firms_total"][:, j] > 10 * run["firms_total"][:, i]).all()
            assert (run["leading_firms"][:, j] > run["leading_firms"][:, i]).all()
        assert (run["rank"][:, i] >= 15).all()


def test_baseline_keeps_local_sourcing_low_and_few_leaders(baseline_runs: list) -> None:
    for run in baseline_runs:
        i, b = _idx(run, "Shanxi"), _idx(run, "Beijing")
        assert run["local_sourcing_base"][1:, i].mean() < 0.3
        assert run["local_sourcing_tech"][1:, i].mean() < 0.3
        assert run["local_sourcing_tech"][1:, b].mean() > 0.5
        share_leading = run["leading_firms"][:, i] / run["leading_firms"].sum(axis=1)
        assert share_leading.max() < 0.02


def test_baseline_sends_talent_toward_the_coast(baseline_runs: list) -> None:
    """The coast gains talent in every run; Shanxi loses talent over the first five years
    of every run and over ten years on average across runs (in some runs its rising
    wages draw talent back late in the decade)."""
    shanxi_10y = []
    for run in baseline_runs:
        coast = sum(run["net_migration"][:, _idx(run, n)].sum() for n in COAST)
        assert coast > 0
        shanxi = run["net_migration"][:, _idx(run, "Shanxi")]
        assert shanxi[:21].sum() < 0
        shanxi_10y.append(shanxi.sum())
    assert np.mean(shanxi_10y) < 0


def paired(preset: str, params: dict, column: str, seeds: tuple[int, ...], steps: int,
           region: str = "Shanxi", start: int = 1) -> np.ndarray:
    """Per-seed difference (policy - baseline) of the mean of ``column`` over steps."""
    out = []
    for seed in seeds:
        base = trajectory(preset, seed, steps)
        pol = trajectory(preset, seed, steps, params)
        i = _idx(base, region)
        out.append(pol[column][start:, i].mean() - base[column][start:, i].mean())
    return np.array(out)


S = "policy.Shanxi."


@pytest.mark.parametrize(("name", "params", "column"), [
    ("targeted_subsidy", {S + "targeted_subsidy.budget": 200.0}, "base_tech_share"),
    ("universal_subsidy", {S + "universal_subsidy.budget": 200.0}, "firms_total"),
    ("talent_training", {S + "talent_training.budget": 200.0}, "talent_composite"),
    ("talent_introduction", {S + "talent_introduction.budget": 200.0,
                             S + "talent_introduction.subsidy_per_person": 0.3},
     "net_migration"),
    ("compute_service", {S + "compute_service.budget": 100.0,
                         S + "compute_service.voucher_rate": 0.5}, "compute_utilization"),
    ("co_innovation", {S + "co_innovation.budget": 50.0}, "partnerships_per_firm"),
    ("brand_support", {S + "brand_support.budget": 50.0}, "brand_mean"),
])
def test_each_instrument_moves_its_target(name: str, params: dict, column: str) -> None:
    diffs = paired(SMALL, params, column, seeds=(1, 2, 3), steps=16)
    assert (diffs > 0).all(), f"{name} should raise {column}: {diffs}"
    # and it costs money
    pol = trajectory(SMALL, 1, 4, params)
    assert pol[f"spend_{name}"][1:, _idx(pol, "Shanxi")].sum() > 0


@pytest.mark.slow
def test_recruitment_opens_branches_of_outside_firms() -> None:
    params = {S + "recruitment.budget": 400.0, S + "recruitment.factor_offer": 10.0,
              S + "recruitment.delivery_prob": 0.9}
    extra = paired("baseline", params, "branches_opened", seeds=(1, 2), steps=20)
    assert extra.mean() > 0 and (extra >= 0).all()


def test_integrator_support_raises_local_integrators_project_share() -> None:
    params = {S + "integrator_support.budget": 200.0,
              S + "integrator_support.local_preference": 2.0}
    diffs = paired("baseline", params, "integrator_project_share", seeds=(1, 2), steps=12)
    assert (diffs > 0).all()


def test_fair_competition_cap_limits_cash_offers() -> None:
    """A cash offer above the cap is worth no more than the cap."""
    capped = {S + "recruitment.budget": 400.0, S + "recruitment.cash_offer": 50.0,
              S + "recruitment.cash_cap": 2.0}
    at_cap = {S + "recruitment.budget": 400.0, S + "recruitment.cash_offer": 2.0,
              S + "recruitment.cash_cap": 2.0}
    a = trajectory("baseline", 4, 12, capped)
    b = trajectory("baseline", 4, 12, at_cap)
    for key in ("branches_opened", "firms_total", "spend_recruitment"):
        np.testing.assert_array_equal(a[key], b[key])


def test_adaptive_package_moves_budget_toward_the_largest_gap() -> None:
    """An adaptive package reallocates between its funded instruments, keeping the total,
    and never funds an instrument that was given no budget."""
    params = {"policy.Shanxi.adaptive.enabled": True, "policy.Shanxi.adaptive.every": 2,
              "policy.Shanxi.adaptive.lag": 1, "policy.Shanxi.adaptive.step": 0.2,
              S + "compute_service.budget": 0.0}
    model = IndustryModel(SMALL, rng=5, params=params)
    agent = model.policies[model.focus]
    before = {i.name: i.annual_budget for i in agent.instruments}
    for _ in range(12):
        model.step()
    after = {i.name: i.annual_budget for i in agent.instruments}
    assert sum(after.values()) == pytest.approx(sum(before.values()))
    assert after != before
    assert after["compute_service"] == 0.0
    assert all(v >= 0 for v in after.values())
    static = IndustryModel(SMALL, rng=5)
    for _ in range(12):
        static.step()
    assert {i.name: i.annual_budget for i in static.policies[static.focus].instruments} == {
        k: v for k, v in before.items() if k != "compute_service"}
