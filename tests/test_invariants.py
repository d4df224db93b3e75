"""Invariants that must hold at every step, for any parameters within their declared bounds.

Property-based: hypothesis draws influential global parameters (strategies built from the
declarations in ``model.params.GLOBAL_PARAMS``), Shanxi instrument budgets and seeds, runs
the small five-region scenario for a long horizon and checks, after every step:

(a) the talent identity per region and tier, exactly;
(b) the money identities of ``model.accounts`` (cash stock-flow, intermediate trade,
    remittances) and the spending accounts (grants, introduction subsidies, budgets);
(c) no negative counts or stocks;
(d) every share-type column within [0, 1];
(e) no NaN or inf in any region or firm column;

and (f) the documented ``zero=`` values of ratio columns with a zero denominator.

The number of examples comes from the environment: ``AI_CHAIN_HYPOTHESIS=ci`` (few),
``dev`` (default) or ``thorough``; ``AI_CHAIN_HYPOTHESIS_EXAMPLES=<n>`` overrides.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from common import SMALL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.instruments import INSTRUMENTS, instrument_params
from model.accounts import FLOWS as MONEY_FLOWS
from model.accounts import INFLOWS, OUTFLOWS
from model.model import IndustryModel
from model.params import GLOBAL_PARAMS, TIERS, Param
from model.reporters import FIRM_FIELDS, REGION_REPORTERS
from model.scenario import shipped_presets
from model.state.talent import FLOWS as TALENT_FLOWS

_PROFILES = {"ci": 6, "dev": 15, "thorough": 100}
_PROFILE = os.environ.get("AI_CHAIN_HYPOTHESIS", "dev")
if _PROFILE not in _PROFILES:
    raise ValueError(f"AI_CHAIN_HYPOTHESIS={_PROFILE!r}: expected one of {sorted(_PROFILES)}")
MAX_EXAMPLES = int(os.environ.get("AI_CHAIN_HYPOTHESIS_EXAMPLES") or _PROFILES[_PROFILE])
HORIZON = int(os.environ.get("AI_CHAIN_INVARIANT_STEPS", "48"))
#: A run whose firm population explodes (high entry rates are within bounds) stops here:
#: the invariants were checked on every step up to then, and the test stays fast.
FIRM_CAP = 6_000
PRESET_STEPS = 4

DECLARED: dict[str, Param] = {p.name: p for p in GLOBAL_PARAMS}

#: Influential global parameters drawn over their full declared range.
DRAWN = (
    "market.beta_price", "market.home_bias", "innovation.zeta", "entry.rate",
    "entry.agglomeration", "talent.mobility", "labour.substitution", "demand.growth",
    "demand.project_tail", "exit.loss_hazard",
)

#: Instruments whose spending is paid to firms as cash grants (model.grant).
GRANT_INSTRUMENTS = ("targeted_subsidy", "universal_subsidy", "brand_support", "recruitment")

#: Ledger flows that may be negative in a region.
SIGNED_FLOWS = ("profit", "transfers")

#: Largest Shanxi budget drawn per instrument, mRMB/year ("a few hundred").
MAX_BUDGET = 400.0


def declared(name: str) -> st.SearchStrategy:
    """A strategy over the declared bounds of a global parameter.

    Half the draws come from the whole declared range (extremes included), half from a
    neighbourhood of the default (a factor of 4 either way, clipped to the bounds), so
    that many runs stay plausible for the whole horizon instead of exploding at once.
    """
    p = DECLARED[name]
    assert p.bounds is not None, f"{name} has no bounds"
    lo, hi = float(p.bounds[0]), float(p.bounds[1])
    if p.kind is int:
        return st.integers(int(lo), int(hi))
    full = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    d = float(p.default)
    if d > 0:
        near = st.floats(max(lo, d / 4.0), min(hi, d * 4.0))
    else:
        near = st.floats(max(lo, d - 0.25 * (hi - lo)), min(hi, d + 0.25 * (hi - lo)))
    return st.one_of(near, full)


def budget(name: str) -> st.SearchStrategy:
    """Zero or a budget up to a few hundred mRMB, within the instrument's declared bounds."""
    p = {q.name: q for q in instrument_params(name)}["budget"]
    lo, hi = p.bounds
    return st.one_of(st.just(0.0), st.floats(max(lo, 0.0), min(hi, MAX_BUDGET)))


@st.composite
def overrides(draw: st.DrawFn) -> dict[str, float]:
    params = {name: draw(declared(name)) for name in DRAWN}
    for inst in INSTRUMENTS:
        params[f"policy.Shanxi.{inst}.budget"] = draw(budget(inst))
        # temporary and delayed programmes: nothing may be spent outside start..end
        params[f"policy.Shanxi.{inst}.start"] = draw(st.one_of(st.just(0),
                                                               st.integers(0, HORIZON)))
        params[f"policy.Shanxi.{inst}.end"] = draw(st.one_of(st.just(10_000),
                                                             st.integers(0, HORIZON)))
    params["policy.Shanxi.adaptive.enabled"] = draw(st.booleans())
    return params


# --- helpers ---------------------------------------------------------------------------
def is_share(name: str) -> bool:
    """Share-type region columns (bounded by [0, 1])."""
    return (name.startswith(("share_", "local_sourcing_", "chain_balance"))
            or name.endswith("_share") or name == "compute_utilization")


COUNT_UNITS = {"firms", "jobs", "projects", "innovations"}


def is_nonnegative(name: str) -> bool:
    """Region columns that are counts, stocks or spending (never negative)."""
    unit = REGION_REPORTERS[name].unit
    return (unit in COUNT_UNITS or name.startswith(("talent_", "employed_", "wage_", "spend_"))
            or name in ("graduates", "employment", "policy_spend", "ai_revenue", "rank"))


def snapshot(model: IndustryModel) -> tuple[np.ndarray, np.ndarray]:
    """Talent stock and every firm row's cash before a step."""
    f = model.firms
    return model.talent_stock().copy(), f.cash[: f.n].copy()


def check_talent_identity(model: IndustryModel, stock_before: np.ndarray) -> None:
    fl = model.talent.flows
    assert set(fl) == set(TALENT_FLOWS)
    implied = (fl["graduates"] + fl["upgrades_in"] - fl["upgrades_out"] + fl["inflow"]
               - fl["outflow"] - fl["retirements"])
    change = model.talent_stock() - stock_before
    np.testing.assert_array_equal(change, implied,
                                  err_msg=f"talent identity broken at step {model.steps}")
    for name, arr in fl.items():
        assert (arr >= 0).all(), f"talent flow {name} negative at step {model.steps}"
    np.testing.assert_array_equal(fl["inflow"].sum(axis=0), fl["outflow"].sum(axis=0))


def check_money(model: IndustryModel, cash_before: np.ndarray) -> None:
    f, led = model.firms, model.ledger
    tot = led.totals()
    gross = sum(abs(tot[n]) for n in (*INFLOWS, *OUTFLOWS)) + 1.0
    cash_after = f.cash[: f.n]
    delta = cash_after.sum() - cash_before.sum()  # new rows had no cash before
    assert delta == pytest.approx(led.net_cash_change(), rel=0, abs=1e-9 * gross), (
        f"Σ Δcash {delta} != ledger {led.net_cash_change()} at step {model.steps}")
    assert tot["intermediate_sales"] == pytest.approx(
        tot["intermediate_purchases"] + tot["compute_commercial"], rel=1e-9, abs=1e-9)
    assert tot["remittances_out"] == pytest.approx(tot["remittances_in"], rel=1e-9, abs=1e-9)
    # transfers (branch capital, relocating firms' cash) only move cash between regions
    assert tot["transfers"] == pytest.approx(0.0, abs=1e-9 * gross)
    for name in MONEY_FLOWS:
        if name not in SIGNED_FLOWS:
            assert (led.flows[name] >= -1e-9).all(), f"ledger flow {name} negative"
    # dead rows hold no cash; live firms end the quarter solvent (negative cash exits)
    assert (cash_after[~f.alive[: f.n]] == 0.0).all()
    assert (cash_after[f.live()] >= 0.0).all()


def check_spending(model: IndustryModel) -> None:
    rows, led = model.region_rows, model.ledger
    spend_cols = [f"spend_{n}" for n in INSTRUMENTS]
    assert set(spend_cols) <= set(rows)
    np.testing.assert_allclose(sum(rows[c] for c in spend_cols), rows["policy_spend"],
                               rtol=1e-12, atol=1e-12)
    grants = sum(rows[f"spend_{n}"] for n in GRANT_INSTRUMENTS)
    np.testing.assert_allclose(led.flows["subsidies"], grants, rtol=1e-12, atol=1e-9,
                               err_msg="cash grants != spending of grant instruments")
    np.testing.assert_allclose(led.flows["introduction_subsidies"],
                               rows["spend_talent_introduction"], rtol=1e-12, atol=1e-9)
    assert (rows["spend_compute_service"] >= led.flows["vouchers"] - 1e-9).all()
    # firms' subsidy column (exited firms included) adds up to the ledger's grants
    f = model.firms
    assert f.subsidy[: f.n].sum() == pytest.approx(led.flows["subsidies"].sum(),
                                                    rel=1e-9, abs=1e-9)
    # recruitment promises are backed by its fund: fund + reserved + paid + lapsed =
    # deposited, none negative, and what is paid is the instrument's spending
    book = model.recruiting
    np.testing.assert_allclose(book.fund + book.reserved + book.paid + book.lapsed,
                               book.deposited, rtol=1e-9, atol=1e-9)
    assert (book.fund >= -1e-9).all() and (book.reserved >= -1e-9).all()
    assert (book.paid <= book.deposited + 1e-9).all()
    # realized spending never exceeds the quarter's budget (static packages), except that
    # recruitment pays promises made in earlier quarters from its fund (above)
    for agent in model.policies:
        for inst in agent.instruments:
            if inst.name == "recruitment":
                continue
            spent = model.spend[agent.region, list(INSTRUMENTS).index(inst.name)]
            assert spent <= inst.quarter_budget(model) * (1 + 1e-9) + 1e-9, (
                f"{model.region_names[agent.region]}.{inst.name} spent {spent} of "
                f"{inst.quarter_budget(model)} at step {model.steps}")


def check_region_columns(model: IndustryModel) -> None:
    rows = model.region_rows
    assert set(rows) == set(REGION_REPORTERS)
    for name, col in rows.items():
        assert col.shape == (model.n_regions,), name
        assert np.isfinite(col).all(), f"{name} not finite at step {model.steps}: {col}"
        if is_share(name):
            assert ((col >= 0.0) & (col <= 1.0 + 1e-12)).all(), (
                f"share column {name} outside [0, 1] at step {model.steps}: {col}")
        if is_nonnegative(name):
            assert (col >= 0.0).all(), f"{name} negative at step {model.steps}: {col}"
    layers = rows["firms_base"] + rows["firms_tech"] + rows["firms_app"]
    np.testing.assert_array_equal(layers, rows["firms_total"])
    np.testing.assert_allclose(rows["share_base"] + rows["share_tech"] + rows["share_app"],
                               np.where(rows["firms_total"] > 0, 1.0, 0.0), atol=1e-12)
    for k, tier in enumerate(TIERS):
        np.testing.assert_array_equal(rows[f"talent_{tier}"],
                                      rows[f"employed_{tier}"] + model.talent.seekers[:, k])
    assert rows["relocations_in"].sum() == rows["relocations_out"].sum()
    assert sorted(rows["rank"].tolist()) == list(range(1, model.n_regions + 1))
    assert (model.talent.seekers >= 0).all()
    assert (model.talent.unfilled >= 0).all()


def check_firm_columns(model: IndustryModel) -> None:
    cols = model.firm_rows()
    assert set(cols) == set(FIRM_FIELDS)
    n = model.firms.live().size
    for name, col in cols.items():
        assert len(col) == n, name
        if col.dtype.kind in "fc":
            assert np.isfinite(col).all(), f"firm column {name} not finite at {model.steps}"
    for name in ("employees", "employees_general", "employees_high_end",
                 "employees_composite", "revenue", "cash", "rd", "age", "brand"):
        assert (cols[name] >= 0).all(), f"firm column {name} negative at step {model.steps}"
    assert (cols["price"] > 0).all() and (cols["capability"] > 0).all()
    assert (model.firms.employees[: model.firms.n] >= 0).all()
    assert (model.firms.backlog[: model.firms.n] >= -1e-9).all()


def check_all(model: IndustryModel, before: tuple[np.ndarray, np.ndarray]) -> None:
    check_talent_identity(model, before[0])
    check_money(model, before[1])
    check_spending(model)
    check_region_columns(model)
    check_firm_columns(model)


# --- tests -----------------------------------------------------------------------------
def test_strategies_come_from_declarations() -> None:
    """The drawn parameters are declared, bounded, and the scenario accepts their bounds."""
    for name in DRAWN:
        p = DECLARED[name]
        assert p.bounds is not None
        for value in p.bounds:
            assert p.check(value) == value


def test_share_and_count_columns_are_recognised() -> None:
    """The name rules of (c) and (d) pick up the columns they are meant for."""
    shares = {n for n in REGION_REPORTERS if is_share(n)}
    assert {"share_base", "share_tech", "share_app", "base_tech_share", "chain_balance",
            "chain_balance_revenue", "integrator_project_share", "local_sourcing_base",
            "local_sourcing_tech", "local_sourcing_app", "compute_utilization",
            "compute_local_share"} <= shares
    counts = {n for n in REGION_REPORTERS if is_nonnegative(n)}
    assert {"firms_total", "firms_base", "employment", "vacancies_unfilled", "entries",
            "exits", "talent_general", "spend_recruitment", "policy_spend"} <= counts
    assert "net_migration" not in counts


def run_checked(model: IndustryModel, steps: int, firm_cap: int | None = None) -> None:
    """Check every invariant at step 0 and after each of ``steps`` steps (stopping early
    once more than ``firm_cap`` firms are alive)."""
    check_region_columns(model)
    check_firm_columns(model)
    rec = list(INSTRUMENTS).index("recruitment")
    for _ in range(steps):
        before = snapshot(model)
        paid = model.recruiting.paid.copy()
        model.step()
        check_all(model, before)
        # the quarter's recruitment spending is exactly the promises paid from the fund
        np.testing.assert_allclose(model.recruiting.paid - paid, model.spend[:, rec],
                                   rtol=1e-12, atol=1e-12)
        if firm_cap is not None and model.firms.live().size > firm_cap:
            break


def test_invariants_hold_for_default_small_scenario() -> None:
    """Every invariant, every step, with the scenario's own settings (a fixed seed)."""
    model = IndustryModel(SMALL, rng=20240601)
    run_checked(model, HORIZON)
    # the run was not trivial: grants, trade and migration all happened
    assert model.ledger.flows["subsidies"].sum() > 0
    assert model.ledger.totals()["intermediate_sales"] > 0
    assert model.talent.flows["inflow"].sum() > 0


def test_invariants_hold_with_recruitment_delivering_factor_support() -> None:
    """Every invariant with a recruitment programme whose factor support is delivered
    (talent placed from local seekers, local suppliers matched, ODD §7.20) on the baseline."""
    params = {"policy.Shanxi.recruitment.budget": 160.0,
              "policy.Shanxi.recruitment.factor_offer": 6.0,
              "policy.Shanxi.recruitment.delivery_prob": 1.0}
    model = IndustryModel("baseline", rng=3, params=params)
    run_checked(model, 12)
    i = model.region_names.index("Shanxi")
    assert model.recruiting.paid[i] > 0 and model.recruiting.courted[i] > 0


@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@pytest.mark.slow
@given(params=overrides(), seed=st.integers(0, 2**32 - 1))
def test_invariants_hold_every_step(params: dict[str, float], seed: int) -> None:
    run_checked(IndustryModel(SMALL, params=params, rng=seed), HORIZON, FIRM_CAP)


@pytest.mark.parametrize("preset", shipped_presets())
def test_invariants_hold_for_shipped_presets(preset: str) -> None:
    """A few steps of every shipped 31-province preset (their own policy packages)."""
    run_checked(IndustryModel(preset, rng=8), PRESET_STEPS)


# --- (f) zero denominators -------------------------------------------------------------
ZERO_SCENARIO = """
[meta]
name = "zero-denominators"
description = "A normal region, an application-only region and an empty region"

[national]
alliance_integrators = 20

[demand]
national_final = 2000.0

[talent]
national_graduates = 5000.0

[compute]
outside_use = 0.0  # so that an unused centre is really unused

[entry]
seed_entrants = 0.0  # nothing may enter the empty region or the missing layers
spinoff = 0.0

[branches]
rate = 0.0

[regions.Alpha]
firms = 300
gdp_share = 0.8
wage = 200
compute_capacity = 20.0

[regions.AppOnly]
firms = 60
gdp_share = 0.2
wage = 120
share_base = 0.0
share_tech = 0.0

[regions.Empty]
firms = 0
gdp_share = 0.0
wage = 100
project_share = 0.0
compute_capacity = 5.0  # a centre nobody uses: compute_local_share is 0/0
"""


def documented_zero(name: str) -> float:
    """The number a reporter's ``zero=`` documentation states (its first word)."""
    text = REGION_REPORTERS[name].zero
    return float(text.split()[0])


ZERO_DOCUMENTED = sorted(n for n, r in REGION_REPORTERS.items() if r.zero)


@pytest.fixture(scope="module")
def zero_run(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[IndustryModel, dict]]:
    path = tmp_path_factory.mktemp("zero") / "zero.toml"
    path.write_text(ZERO_SCENARIO, encoding="utf-8")
    model = IndustryModel(path, rng=5)
    tables = [(0, dict(model.region_rows))]
    for _ in range(6):
        before = snapshot(model)
        model.step()
        check_all(model, before)
        tables.append((model.steps, dict(model.region_rows)))
    return [model, tables]


def test_zero_documentation_is_parseable() -> None:
    assert ZERO_DOCUMENTED, "no reporter documents a zero-denominator value"
    for name in ZERO_DOCUMENTED:
        documented_zero(name)


@pytest.mark.parametrize("name", ZERO_DOCUMENTED)
def test_empty_region_has_documented_zero_values(zero_run: list, name: str) -> None:
    model, tables = zero_run
    empty = model.region_names.index("Empty")
    expected = documented_zero(name)
    for step, rows in tables:
        assert rows["firms_total"][empty] == 0, "the empty region gained firms"
        assert rows[name][empty] == expected, (
            f"{name} in a region without firms is {rows[name][empty]} at step {step}; "
            f"documented: {REGION_REPORTERS[name].zero!r}")


def test_empty_region_is_a_true_zero_denominator(zero_run: list) -> None:
    """The empty region has no firms, no projects, no revenue and an unused centre."""
    model, tables = zero_run
    empty = model.region_names.index("Empty")
    for _, rows in tables[1:]:
        assert rows["projects"][empty] == 0
        assert rows["ai_revenue"][empty] == 0
        assert rows["compute_utilization"][empty] == 0


@pytest.mark.parametrize("layer", ["base", "tech"])
def test_missing_layer_has_documented_zero_values(zero_run: list, layer: str) -> None:
    model, tables = zero_run
    app_only = model.region_names.index("AppOnly")
    for step, rows in tables:
        assert rows[f"firms_{layer}"][app_only] == 0
        assert rows["firms_app"][app_only] > 0
        assert rows[f"capability_{layer}"][app_only] == documented_zero(f"capability_{layer}")
        assert rows[f"share_{layer}"][app_only] == 0.0
        assert rows["base_tech_share"][app_only] == 0.0, step
        assert rows["capability_app"][app_only] > 0.0
        # a region without a public centre
        assert rows["compute_utilization"][app_only] == documented_zero("compute_utilization")
        assert rows["compute_local_share"][app_only] == documented_zero("compute_local_share")


def test_integrator_project_share_is_zero_without_projects(zero_run: list) -> None:
    model, tables = zero_run
    empty = model.region_names.index("Empty")
    for _, rows in tables[1:]:
        assert rows["projects"][empty] == 0
        assert rows["integrator_project_share"][empty] == documented_zero(
            "integrator_project_share") == 0.0


NO_PROJECTS_REGION = """
[regions.NoProjects]
firms = 40
gdp_share = 0.1
wage = 150
project_share = 0.0  # the region buys no transformation projects
integrators = 5
"""


def test_integrator_project_share_is_zero_at_step_0_without_projects(tmp_path: Path) -> None:
    path = tmp_path / "no_projects.toml"
    path.write_text(ZERO_SCENARIO + NO_PROJECTS_REGION, encoding="utf-8")
    model = IndustryModel(path, rng=5)
    r = model.region_names.index("NoProjects")
    assert model.region_rows["integrators"][r] > 0
    shares = [model.region_rows["integrator_project_share"][r]]
    model.step()
    assert model.region_rows["projects"][r] == 0
    shares.append(model.region_rows["integrator_project_share"][r])
    expected = documented_zero("integrator_project_share")
    assert shares == [expected, expected], f"steps 0 and 1: {shares}"


# --- the adaptive rule moves budget, it does not create it -------------------------------
ADAPTIVE = {"policy.Shanxi.adaptive.enabled": True, "policy.Shanxi.adaptive.every": 2,
            "policy.Shanxi.adaptive.lag": 0, "policy.Shanxi.adaptive.step": 0.3}


def check_adaptive_package(params: dict, steps: int, seed: int = 4) -> None:
    model = IndustryModel(SMALL, params={**ADAPTIVE, **params}, rng=seed)
    agent = model.policies[model.region_names.index("Shanxi")]
    total = agent.annual_budget
    moved = False
    rec = list(INSTRUMENTS).index("recruitment")
    for _ in range(steps):
        before = snapshot(model)
        paid = model.recruiting.paid.copy()
        model.step()
        check_all(model, before)  # includes: spending within each instrument's budget
        np.testing.assert_allclose(model.recruiting.paid - paid, model.spend[:, rec],
                                   rtol=1e-12, atol=1e-12)
        budgets = [i.annual_budget for i in agent.instruments]
        assert all(np.isfinite(b) and b >= -1e-9 for b in budgets), budgets
        assert sum(budgets) == pytest.approx(total, rel=1e-9), (
            f"package budget {sum(budgets)} != {total} at step {model.steps}")
        moved |= any(i.annual_budget != i.settings["budget"] for i in agent.instruments)
    assert moved, "the adaptive rule never moved budget"


def test_adaptive_rule_conserves_the_package_budget() -> None:
    check_adaptive_package({"policy.Shanxi.targeted_subsidy.budget": 40.0,
                            "policy.Shanxi.brand_support.budget": 0.5}, steps=24)


def test_adaptive_rule_conserves_the_package_budget_with_a_tiny_budget() -> None:
    check_adaptive_package({"policy.Shanxi.universal_subsidy.budget": 1e-310,
                            "policy.Shanxi.adaptive.every": 4, "policy.Shanxi.adaptive.lag": 2,
                            "policy.Shanxi.adaptive.step": 0.1}, steps=24, seed=1)
