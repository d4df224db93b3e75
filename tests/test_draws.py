"""binomial_thinning gives the law of independent binomials."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from model.draws import binomial_thinning, search_cumulative


def test_edge_cases():
    rng = np.random.default_rng(0)
    counts = np.array([[0, 3], [5, 0]])
    assert (binomial_thinning(rng, counts, 0.0) == 0).all()
    np.testing.assert_array_equal(binomial_thinning(rng, counts, 1.0), counts)
    np.testing.assert_array_equal(binomial_thinning(rng, counts, np.array([1.0, 0.0])),
                                  [[0, 0], [5, 0]])
    assert binomial_thinning(rng, np.zeros((0, 3), dtype=int), 0.3).shape == (0, 3)


@pytest.mark.parametrize("varying", [False, True])
def test_each_entry_is_binomial_and_entries_are_independent(varying):
    rng = np.random.default_rng(42)
    counts = np.array([1, 2, 7, 30, 0, 120])
    prob = np.array([0.05, 0.3, 0.1, 0.02, 0.5, 0.01]) if varying else 0.08
    p = np.broadcast_to(prob, counts.shape)
    reps = 8_000
    draws = np.array([binomial_thinning(rng, counts, prob) for _ in range(reps)])
    assert (draws <= counts).all()
    for i in np.flatnonzero(counts):
        observed = np.bincount(draws[:, i], minlength=counts[i] + 1)
        expected = stats.binom.pmf(np.arange(counts[i] + 1), counts[i], p[i]) * reps
        keep = expected >= 5  # chi-square on the well-populated cells, rest pooled
        obs = np.append(observed[keep], observed[~keep].sum())
        exp = np.append(expected[keep], expected[~keep].sum())
        obs, exp = obs[exp > 0], exp[exp > 0]
        assert stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue > 1e-4, i
    corr = np.corrcoef(draws[:, [0, 1, 2, 3, 5]].T)
    assert np.abs(corr[np.triu_indices(5, 1)]).max() < 0.05  # independent given no total


def _weights(rng: np.random.Generator, kind: str, n: int) -> np.ndarray:
    if kind == "lognormal":
        return rng.lognormal(0, 3, n)
    if kind == "uniform":
        return rng.random(n)
    if kind == "sparse_pareto":
        return np.where(rng.random(n) < 0.5, 0.0, rng.pareto(1.1, n))
    return np.ones(n)


@pytest.mark.parametrize("kind", ["lognormal", "uniform", "sparse_pareto", "equal"])
def test_search_cumulative_is_searchsorted(kind):
    rng = np.random.default_rng(7)
    for _ in range(100):
        n, m = int(rng.integers(1, 3000)), int(rng.integers(0, 5000))
        w = _weights(rng, kind, n)
        cum = np.cumsum(w)
        x = rng.random(m) * cum[-1] * 1.01  # some beyond the end
        x[: m // 10] = cum[rng.integers(0, n, m // 10)]  # exact ties with partial sums
        np.testing.assert_array_equal(search_cumulative(cum, x),
                                      np.searchsorted(cum, x, side="right"))
