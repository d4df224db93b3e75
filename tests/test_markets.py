"""The O(firms + regions) market formulas against brute-force logit choice."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.markets import allocate, draw_projects, realized_share, sample_sellers
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


def test_sample_sellers_follows_the_logit_probabilities() -> None:
    rng = np.random.default_rng(3)
    weights = np.array([1.0, 2.0, 0.5, 4.0, 1.5])
    seller_region = np.array([0, 1, 1, 2, 0])
    bonus = np.array([2.0, 0.5, 1.0])
    buyers = np.repeat(np.arange(3), 40_000)
    picks = sample_sellers(np.random.default_rng(9), weights, seller_region, buyers, bonus)
    probs = brute_probabilities(weights, seller_region, bonus)
    for r in range(3):
        freq = np.bincount(picks[buyers == r], minlength=weights.size) / 40_000
        np.testing.assert_allclose(freq, probs[r], atol=0.01)
    del rng


def test_sample_sellers_without_sellers_returns_minus_one() -> None:
    out = sample_sellers(np.random.default_rng(1), np.zeros(0), np.zeros(0, dtype=np.int64),
                         np.array([0, 1]), np.array([1.0, 1.0]))
    assert (out == -1).all()


def test_projects_have_the_stated_mean_and_a_heavy_tail() -> None:
    regions, sizes = draw_projects(np.random.default_rng(4), np.array([4e5, 0.0]), 4.0, 1.6)
    assert (regions == 0).all()
    assert sizes.size == pytest.approx(1e5, rel=0.02)
    assert np.median(sizes) < sizes.mean()
    assert sizes.max() > 100 * np.median(sizes)
    assert sizes.min() >= 4.0 * 0.6 / 1.6 - 1e-12


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
