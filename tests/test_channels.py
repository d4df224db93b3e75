"""The policy channels of model version 5: talent as a binding input of base and technology
R&D (ODD §7.10), the technology layer's operating compute at the public centre (§7.4, §7.15),
the preference for the region's own integrators (§7.3) and their local sourcing (§7.4), brand
in the final-demand logit (§7.2, §7.13). Each test fails if its mechanism is absent."""

from __future__ import annotations

import numpy as np
import pytest
from common import SMALL, research_from, stepped

from model.markets import allocate, project_wins
from model.model import IndustryModel
from model.phases.innovation import talent_index
from model.vocab import Layer, Segment

S = "policy.Shanxi."


def test_talent_index_combines_high_end_and_composite_fill() -> None:
    model = stepped(1)
    f, row = model.firms, model.firms.live()[:1]
    omega = model.p["innovation.rd_composite_weight"]
    f.desired[row] = (10, 10, 10)
    f.employees[row] = (10, 5, 2)
    assert talent_index(model, row)[0] == pytest.approx(0.5 ** (1 - omega) * 0.2 ** omega)
    f.desired[row, 2] = 0  # wants no composite staff: only the high-end fill counts
    assert talent_index(model, row)[0] == pytest.approx(0.5 ** (1 - omega))
    f.employees[row] = (10, 12, 0)  # over-staffed counts as filled
    assert talent_index(model, row)[0] == pytest.approx(1.0)


def test_a_talent_shortage_limits_base_and_technology_capability_growth() -> None:
    model = stepped(4)
    model.p["innovation.capability_shock"] = 0.0  # the shock is not scaled by talent (§7.10)
    f, rows = model.firms, model.firms.live()
    x0 = f.logcap[rows].copy()
    start = (x0, f.innovations[rows].copy())

    def gain(binding: float) -> np.ndarray:
        return (research_from(model, rows, start, innovation__talent_binding=binding) - x0
                + model.p["innovation.obsolescence"])

    free, bound = gain(0.0), gain(1.5)
    talent = talent_index(model, rows)
    upstream = f.layer[rows] != Layer.APP
    # the same draws; base and technology increments scaled by T^1.5, applications' not
    np.testing.assert_allclose(bound[upstream], free[upstream] * talent[upstream] ** 1.5,
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(bound[~upstream], free[~upstream])
    short = upstream & (talent < 0.9) & (free > 1e-9)
    assert short.sum() >= 3, "the small scenario should have base/tech firms short of talent"
    assert (bound[short] < free[short]).all()


def test_composite_staff_raise_effective_research() -> None:
    """With the composite weight, filling a firm's composite vacancies raises its chance of
    an R&D success (its draws held fixed)."""
    model = stepped(4)
    f, rows = model.firms, model.firms.live()
    upstream = rows[(f.layer[rows] != Layer.APP) & (f.desired[rows, 2] > f.employees[rows, 2])]
    assert upstream.size >= 3
    before = talent_index(model, upstream)
    f.employees[upstream, 2] = f.desired[upstream, 2]
    assert (talent_index(model, upstream) > before).all()
    model.p["innovation.rd_composite_weight"] = 0.0
    f.employees[upstream, 2] = 0  # without the weight composite staff do not matter
    np.testing.assert_allclose(talent_index(model, upstream),
                               np.minimum(1.0, f.employees[upstream, 1]
                                          / np.maximum(f.desired[upstream, 1], 1)))


def _tech_margin(model: IndustryModel, region: int) -> float:
    f, rows = model.firms, model.firms.live()
    tech = rows[(f.layer[rows] == Layer.TECH) & (f.region[rows] == region)]
    return float(f.value_added[tech].sum() / f.revenue[tech].sum())


def test_cheap_public_compute_lowers_the_technology_layers_costs() -> None:
    """Vouchers at the public centre raise local technology firms' value-added margin far
    more when their operating compute can be bought there (compute.operating_share_tech)."""
    vouchers = {S + "compute_service.budget": 4000.0, S + "compute_service.voucher_rate": 0.8}
    gains = {}
    for kappa in (0.0, 0.15):
        base = stepped(1, **{"compute.operating_share_tech": kappa})
        pol = stepped(1, **{"compute.operating_share_tech": kappa}, **vouchers)
        i = base.region_names.index("Shanxi")
        gains[kappa] = _tech_margin(pol, i) - _tech_margin(base, i)
        if kappa:
            # operating compute fills the centre (up to the room left by outside users)
            room = (1 - pol.p["compute.outside_use"]) * pol.centers[i].capacity
            assert pol.centers[i].used_local == pytest.approx(room)
            assert room > stepped(1, **{"compute.operating_share_tech": 0.0},
                                  **vouchers).centers[i].used_local
    assert gains[0.15] > 0.02
    assert gains[0.15] > 5 * max(gains[0.0], 0.0)


def test_operating_compute_above_the_base_input_coefficient_is_refused() -> None:
    from model.scenario import ScenarioError
    with pytest.raises(ScenarioError, match="compute.operating_share_tech"):
        IndustryModel(SMALL, rng=1, params={"compute.operating_share_tech": 0.5,
                                            "market.input_base_per_tech": 0.3})


def test_a_home_preference_favours_own_sellers_and_leaves_other_regions_alone() -> None:
    w = np.array([1.0, 2.0, 1.5, 0.5])
    region = np.array([0, 0, 1, 1])
    bonus = np.array([0.5, 0.8])
    h = np.array([2.0, 0.0, 0.0, 0.0])  # seller 0: region 0's own integrator
    both = np.array([10.0, 7.0])
    plain, pref = allocate(w, region, both, bonus), allocate(w, region, both, bonus, h)
    assert pref.sales.sum() == pytest.approx(both.sum())
    assert pref.sales[0] > plain.sales[0] and pref.sales[1] < plain.sales[1]
    # region 1's buyers spend exactly as before: the preference is region 0's alone
    only1 = np.array([0.0, 7.0])
    np.testing.assert_allclose(allocate(w, region, only1, bonus, h).sales,
                               allocate(w, region, only1, bonus).sales, rtol=1e-14)
    # zero extra utility is the plain local-bonus logit
    np.testing.assert_allclose(allocate(w, region, both, bonus, np.zeros(4)).sales,
                               plain.sales, rtol=1e-14)
    assert pref.local_share[0] > plain.local_share[0]


def test_project_wins_follow_the_home_preference() -> None:
    model = IndustryModel(SMALL, rng=1)
    draws, keys = model.draws("projects"), model.keyed.region_keys()
    n = 400
    region = np.repeat([0, 1], n // 2)
    seller_keys = model.firms.key[model.firms.live()][:n]
    assert seller_keys.size == n
    w = np.ones(n)
    h = np.where(np.arange(n) < 20, 3.0, 0.0)  # 20 of region 0's sellers preferred at home
    counts = np.zeros(model.n_regions)
    counts[:2] = 300.0
    bonus = np.zeros(model.n_regions)
    plain = project_wins(draws, keys, seller_keys, w, region, counts, bonus)
    pref = project_wins(draws, keys, seller_keys, w, region, counts, bonus, h)
    assert pref.own[:20].sum() > 3 * plain.own[:20].sum()
    assert pref.own[20:n // 2].sum() < plain.own[20:n // 2].sum()
    # region 1's own projects are let exactly as before
    np.testing.assert_array_equal(pref.own[n // 2:], plain.own[n // 2:])


def test_integrator_support_raises_own_integrators_share_not_other_local_firms() -> None:
    # a budget that pays the programme's admin cost and opens no scenario
    params = {S + "integrator_support.budget": 2.0, S + "integrator_support.admin_cost": 0.5,
              S + "integrator_support.local_preference": 2.0}
    base, pol = stepped(1), stepped(1, **params)
    i = base.region_names.index("Shanxi")
    assert (pol.market_stats.projects_local_integrator[i]
            >= base.market_stats.projects_local_integrator[i])
    # the planned (expected) project demand of Shanxi's non-integrators does not rise
    f = pol.firms
    app = f.live()[(f.layer[f.live()] == Layer.APP) & (f.region[f.live()] == i)]
    other = app[f.segment[app] != Segment.INTEGRATORS]
    integ = app[f.segment[app] == Segment.INTEGRATORS]
    assert integ.size and other.size
    assert pol.firms.demand[integ].sum() > base.firms.demand[integ].sum()
    assert pol.firms.demand[other].sum() < base.firms.demand[other].sum()


def test_integrators_buy_technology_inputs_locally() -> None:
    base = stepped(1, **{"market.integrator_local_sourcing": 0.0})
    local = stepped(1, **{"market.integrator_local_sourcing": 2.0})
    f, rows = base.firms, base.firms.live()
    app = rows[f.layer[rows] == Layer.APP]
    has = np.bincount(f.region[app], f.segment[app] == Segment.INTEGRATORS,
                      minlength=base.n_regions) > 0
    sellers = np.bincount(f.region[rows[f.layer[rows] == Layer.TECH]],
                          minlength=base.n_regions) > 0
    both = has & sellers
    assert both.sum() >= 2
    assert (local.market_stats.local_tech[both] > base.market_stats.local_tech[both]).all()


def test_brand_support_raises_local_firms_share_of_final_demand() -> None:
    params = {S + "brand_support.budget": 80.0}
    diffs = []
    for seed in (1, 2, 3):
        base, pol = stepped(12, seed), stepped(12, seed, **params)
        i = base.region_names.index("Shanxi")
        diffs.append(pol.market_stats.local_final[i] - base.market_stats.local_final[i])
    assert (np.array(diffs) > 0).all(), diffs
    # and it is the brand term of the logit that carries it
    flat = stepped(12, 1, **params, **{"market.beta_brand": 0.0})
    ref = stepped(12, 1, **{"market.beta_brand": 0.0})
    i = ref.region_names.index("Shanxi")
    assert abs(flat.market_stats.local_final[i] - ref.market_stats.local_final[i]) < 0.5 * diffs[0]
