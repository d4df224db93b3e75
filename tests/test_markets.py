"""The O(firms + regions) market formulas against brute-force logit choice."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from model.keyed import KeyedStreams, ident, ident_array, pair_keys
from model.keyed_choice import Options
from model.markets import allocate, project_values, project_wins, realized_share
from model.phases.labour import ces


def brute_probabilities(weights: np.ndarray, seller_region: np.ndarray,
                        bonus: np.ndarray) -> np.ndarray:
    """(regions, sellers) choice probabilities exp(V_i + b_r [local]) / sum, directly."""
    local = seller_region[None, :] == np.arange(bonus.size)[:, None]
    util = np.log(weights)[None, :] + bonus[:, None] * local
    p = np.exp(util - util.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(n=st.integers(1, 60), regions=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_allocate_equals_brute_force_logit(n: int, regions: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    weights = np.exp(rng.normal(0, 1.5, n))
    seller_region = rng.integers(0, regions, n)
    budgets = rng.uniform(0, 100, regions)
    bonus = rng.uniform(0, 3, regions)
    alloc = allocate(weights, seller_region, budgets, bonus)
    probs = brute_probabilities(weights, seller_region, bonus)
    np.testing.assert_allclose(alloc.sales, budgets @ probs, rtol=1e-10, atol=1e-10)
    local = seller_region[None, :] == np.arange(regions)[:, None]
    np.testing.assert_allclose(alloc.local_share, (probs * local).sum(axis=1), rtol=1e-10)
    assert alloc.sales.sum() == pytest.approx(budgets.sum())
    fill = rng.uniform(0, 1, n)
    np.testing.assert_allclose(realized_share(alloc, weights, seller_region, fill),
                               probs @ fill, rtol=1e-10)


def _choose_sellers(weights, seller_region, buyers, bonus, seed=9):
    """One keyed choice per buyer from the local-bonus logit (as the supplier links do)."""
    keyed = KeyedStreams(seed)("test.sellers", 1)
    options = Options(seller_region, ident_array(ident("seller"), np.arange(weights.size)),
                      weights, bonus.size)
    hashes = keyed.hashes(ident_array(ident("buyer"), np.arange(buyers.size)))
    return options.choose(hashes, bonus_group=buyers, boost=np.expm1(bonus)[buyers])


def test_keyed_seller_choice_follows_the_logit_probabilities() -> None:
    weights = np.array([1.0, 2.0, 0.5, 4.0, 1.5])
    seller_region = np.array([0, 1, 1, 2, 0])
    bonus = np.array([2.0, 0.5, 1.0])
    buyers = np.repeat(np.arange(3), 40_000)
    picks = _choose_sellers(weights, seller_region, buyers, bonus)
    probs = brute_probabilities(weights, seller_region, bonus)
    for r in range(3):
        counts = np.bincount(picks[buyers == r], minlength=weights.size)
        assert stats.chisquare(counts, probs[r] * 40_000).pvalue > 1e-3


def test_keyed_choice_without_options_returns_minus_one() -> None:
    out = _choose_sellers(np.zeros(0), np.zeros(0, dtype=np.int64), np.array([0, 1]),
                          np.array([1.0, 1.0]))
    assert (out == -1).all()


def test_project_wins_split_each_regions_projects_by_the_logit() -> None:
    """Poisson splitting: seller i's wins from region r are Poisson(counts_r · P_ri); each
    seller's own and other-region wins, and the projects each region lets, have those
    means, and what the sellers win adds up to what the regions let."""
    weights = np.array([1.0, 2.0, 0.5, 4.0, 1.5])
    seller_region = np.array([0, 1, 1, 2, 0])
    bonus = np.array([2.0, 0.5, 1.0])
    counts = np.array([30.0, 5.0, 12.0])
    probs = brute_probabilities(weights, seller_region, bonus)  # (buyer region, seller)
    streams = KeyedStreams(4, ["a", "b", "c"])
    keys = ident_array(ident("seller"), np.arange(5))
    reps = 4000
    own, other, by_buyer = np.zeros((reps, 5)), np.zeros((reps, 5)), np.zeros((reps, 3))
    for q in range(reps):
        w = project_wins(streams("projects", q), streams.region_keys(), keys, weights,
                         seller_region, counts, bonus)
        own[q], other[q], by_buyer[q] = w.own, w.other, w.by_buyer
        assert w.own.sum() + w.other.sum() == w.by_buyer.sum()
    expected = counts @ probs
    own_mean = counts[seller_region] * probs[seller_region, np.arange(5)]
    np.testing.assert_allclose(own.mean(axis=0), own_mean, rtol=0.05)
    np.testing.assert_allclose((own + other).mean(axis=0), expected, rtol=0.05)
    np.testing.assert_allclose(own.var(axis=0), own_mean, rtol=0.1)  # Poisson
    np.testing.assert_allclose(by_buyer.mean(axis=0), counts, rtol=0.05)


def test_projects_have_the_stated_mean_and_a_heavy_tail() -> None:
    wins = np.array([100_000, 0])
    draws = KeyedStreams(4)("projects.size", 1)
    total = project_values(draws, ident_array(ident("seller"), np.arange(2)), wins, 4.0, 1.6)
    assert total[1] == 0.0
    keys = np.full(100_000, ident("seller", 0), dtype=np.uint64)
    sizes = 4.0 * 0.6 / 1.6 * draws.uniform(pair_keys(keys, np.arange(100_000))) ** (-1 / 1.6)
    assert total[0] == pytest.approx(sizes.sum(), rel=1e-12)
    assert np.median(sizes) < sizes.mean()
    assert sizes.max() > 100 * np.median(sizes)
    assert sizes.min() >= 4.0 * 0.6 / 1.6 - 1e-12
    assert sizes.mean() == pytest.approx(4.0, rel=0.25)  # a tail index of 1.6: slow


@pytest.mark.parametrize("sigma", [0.5, 1.0, 1.5, 4.0])
def test_ces_is_homogeneous_and_equals_staff_at_the_planned_mix(sigma: float) -> None:
    mix = np.array([[0.65, 0.10, 0.25], [0.55, 0.35, 0.10]])
    staff = np.array([[65.0, 10.0, 25.0], [11.0, 7.0, 2.0]])
    np.testing.assert_allclose(ces(staff, mix, sigma), [100.0, 20.0])
    np.testing.assert_allclose(ces(3 * staff, mix, sigma), 3 * ces(staff, mix, sigma))
    short = staff.copy()
    short[:, 2] = 0.0
    effective = ces(short, mix, sigma)
    assert (effective < ces(staff, mix, sigma)).all()
    assert ((effective > 0) == (sigma > 1)).all()
