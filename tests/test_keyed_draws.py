"""Keyed draws: their laws, their keys, and their independence of rows and order."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from model.keyed import KeyedStreams, branch_keys, ident, ident_array, to_uniform
from model.keyed_choice import Options
from model.keyed_laws import binomial_icdf, poisson_icdf
from model.phases.labour import _apportion, tie_order

N = 200_000
STREAMS = KeyedStreams(20230101, ["Beijing", "Shanxi", "Henan"])
KEYS = ident_array(ident("test entity"), np.arange(N))


def draws(purpose: str = "test", quarter: int = 3):
    return STREAMS(purpose, quarter)


def chi_square_p(sample: np.ndarray, pmf: np.ndarray) -> float:
    """Chi-square p-value of integer draws against a pmf on 0..len(pmf)-1 (tail pooled into
    the last cell)."""
    counts = np.bincount(np.minimum(sample, pmf.size - 1), minlength=pmf.size)
    expected = pmf.copy()
    expected[-1] = 1.0 - pmf[:-1].sum()
    keep = expected * sample.size >= 5
    obs = np.append(counts[keep], counts[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum()) * sample.size
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    return stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue


# --------------------------------------------------------------------------- laws
@pytest.mark.parametrize("law, sample", [
    ("uniform", lambda d: d.uniform(KEYS)),
    ("norm", lambda d: d.normal(KEYS)),
    ("expon", lambda d: d.exponential(KEYS)),
    ("gumbel_r", lambda d: d.gumbel(KEYS)),
])
def test_continuous_draws_follow_their_laws(law, sample):
    x = sample(draws())
    assert stats.kstest(x, law).pvalue > 1e-3
    if law == "uniform":
        assert 0.0 < x.min() and x.max() < 1.0


def test_draws_differ_by_slot_purpose_quarter_and_seed_and_are_uncorrelated():
    base = draws().uniform(KEYS)
    others = [draws().uniform(KEYS, slot=1), draws("other").uniform(KEYS),
              draws(quarter=4).uniform(KEYS),
              KeyedStreams(20230102)("test", 3).uniform(KEYS)]
    for o in others:
        assert abs(np.corrcoef(base, o)[0, 1]) < 0.01
        assert not np.any(base == o)


@pytest.mark.parametrize("lam", [0.3, 5.0, 39.0, 60.0, 900.0])
def test_poisson_counts_follow_the_poisson_law(lam):
    x = draws().poisson(KEYS, lam)
    k = np.arange(int(lam + 8 * np.sqrt(lam) + 10))
    assert chi_square_p(x, stats.poisson.pmf(k, lam)) > 1e-3


@pytest.mark.parametrize("n, p", [(3, 0.2), (40, 0.1), (2000, 0.05), (60, 0.8), (7, 1.0)])
def test_binomial_counts_follow_the_binomial_law(n, p):
    x = draws().binomial(KEYS, n, p)
    assert x.min() >= 0 and x.max() <= n
    if p == 1.0:
        assert (x == n).all()
        return
    assert chi_square_p(x, stats.binom.pmf(np.arange(n + 1), n, p)) > 1e-3


def test_inverse_cdfs_equal_scipys_quantiles_exactly():
    rng = np.random.default_rng(5)
    u = rng.random(50_000)
    lam = rng.uniform(0, 200, u.size)
    np.testing.assert_array_equal(poisson_icdf(u, lam), stats.poisson.ppf(u, lam))
    n = rng.integers(0, 3000, u.size)
    p = rng.uniform(0, 1, u.size) ** 2
    np.testing.assert_array_equal(binomial_icdf(u, n, p), stats.binom.ppf(u, n, p))


def test_the_largest_uniform_still_gives_a_count():
    """The largest keyed uniform (the largest double below 1: ``(2^53 - 1/2) / 2^53``
    would round to 1) can exceed the rounded sum of the pmf: the searches stop (where the
    pmf underflows) instead of running on, and no uniform is 1."""
    assert to_uniform(np.array([2**64 - 1], dtype=np.uint64))[0] == 1.0 - 2.0 ** -53
    assert draws().uniform(np.array([0], dtype=np.uint64))[0] < 1.0
    top = np.array([1.0 - 2.0 ** -53])
    for lam in (0.5, 50.0, 150.0, 900.0):
        assert poisson_icdf(top, lam)[0] > lam
    assert binomial_icdf(top, 5000, 0.3)[0] <= 5000


def test_a_count_moves_only_at_the_margin_when_its_mean_moves():
    """Inverse CDF of the entity's own uniform: a 1 % larger mean changes counts by at
    most one and never downwards, so the share of entities that change is the change of
    the mean itself (0.02), the least any coupling can do (positional draws re-deal all)."""
    d = draws()
    a, b = d.poisson(KEYS, 2.0), d.poisson(KEYS, 2.02)
    assert ((b - a) >= 0).all() and ((b - a) <= 1).all()
    assert (a != b).mean() == pytest.approx(0.02, rel=0.1)


def test_multinomial_has_multinomial_means_and_covariances():
    p = np.array([0.5, 0.2, 0.1, 0.1, 0.05, 0.05, 0.0])
    m = 40_000
    counts = draws().multinomial(KEYS[:m], np.full(m, 10), np.tile(p, (m, 1)))
    assert (counts.sum(axis=1) == 10).all() and (counts[:, -1] == 0).all()
    np.testing.assert_allclose(counts.mean(axis=0), 10 * p, atol=0.03)
    cov = np.cov(counts[:, :3].T)
    np.testing.assert_allclose(cov[0, 1], -10 * 0.5 * 0.2, atol=0.05)
    np.testing.assert_allclose(cov[1, 1], 10 * 0.2 * 0.8, atol=0.05)
    # each category alone is binomial
    assert chi_square_p(counts[:, 1], stats.binom.pmf(np.arange(11), 10, 0.2)) > 1e-3
    first = draws().multinomial(KEYS[:m], np.full(m, 10), np.tile(p, (m, 1)),
                                first=np.zeros(m, dtype=np.int64))
    np.testing.assert_allclose(first.mean(axis=0), 10 * p, atol=0.03)


def test_sum_of_exponentials_is_gamma_and_grows_by_one_term():
    d = draws()
    k = np.full(50_000, 4)
    x = d.sum_exponential(KEYS[:50_000], k)
    assert stats.kstest(x, "gamma", args=(4,)).pvalue > 1e-3
    y = d.sum_exponential(KEYS[:50_000], k + 1)
    assert (y > x).all()  # the same four terms and one more
    assert (d.sum_exponential(KEYS[:10], np.zeros(10, dtype=int)) == 0).all()


def test_keyed_choice_follows_the_weights_with_and_without_groups():
    rng = np.random.default_rng(2)
    n = 300
    group = rng.integers(0, 3, n)
    w = rng.random(n) ** 2
    options = Options(group, ident_array(ident("option"), np.arange(n)), w, 3)
    pick = options.choose(draws().hashes(KEYS))
    assert stats.chisquare(np.bincount(pick, minlength=n), w / w.sum() * N).pvalue > 1e-3
    local = options.choose(draws().hashes(KEYS), within=np.full(N, 1))
    assert (group[local] == 1).all()
    w1 = np.where(group == 1, w, 0.0)
    assert stats.chisquare(np.bincount(local, minlength=n)[group == 1],
                           (w1 / w1.sum() * N)[group == 1]).pvalue > 1e-3


# --------------------------------------------------------------------------- keys
def test_firm_keys_are_unique_and_come_from_how_the_firm_came_to_be():
    s = STREAMS
    init = s.initial_firm_keys(np.repeat([0, 1, 2], 1000), np.tile(np.arange(3).repeat(
        334)[:1000], 3), np.tile(np.arange(1000), 3))
    entrants = s.entrant_keys(5, np.repeat([0, 1], 500), np.zeros(1000, int),
                              np.tile(np.arange(500), 2))
    branches = branch_keys(init[:100], 7)
    everything = np.concatenate([init, entrants, branches])
    assert np.unique(everything).size == everything.size
    # an entrant's key depends on its own cell and index only: one more entrant elsewhere
    # (another region, or later in the cell) leaves it unchanged
    alone = s.entrant_keys(5, np.array([1]), np.array([0]), np.array([3]))
    assert alone[0] == entrants[500 + 3]
    # regions are keyed by name: the same region in another scenario's order has the same key
    other = KeyedStreams(20230101, ["Henan", "Shanxi"])
    assert other.region_keys()[1] == s.region_keys()[1]


# --------------------------------------------------------------------------- order
def test_a_shuffle_of_the_rows_leaves_every_entitys_draws_and_choices_unchanged():
    rng = np.random.default_rng(11)
    perm = rng.permutation(N)
    d = draws()
    np.testing.assert_array_equal(d.uniform(KEYS[perm]), d.uniform(KEYS)[perm])
    np.testing.assert_array_equal(d.binomial(KEYS[perm], 50, 0.1),
                                  d.binomial(KEYS, 50, 0.1)[perm])
    n = 500
    group, w = rng.integers(0, 3, n), rng.random(n)
    okeys = ident_array(ident("option"), np.arange(n))
    chosen = okeys[Options(group, okeys, w, 3).choose(d.hashes(KEYS[:5000]))]
    shuffle = rng.permutation(n)
    again = okeys[shuffle][Options(group[shuffle], okeys[shuffle], w[shuffle], 3).choose(
        d.hashes(KEYS[:5000]))]
    np.testing.assert_array_equal(chosen, again)


def test_the_trie_and_the_binary_searches_choose_alike():
    """The two descents (a trie built once for many choosers, binary searches for a few)
    make the same choice for every chooser, including one-option and empty groups."""
    rng = np.random.default_rng(8)
    for n in (1, 2, 7, 400, 3000):
        group = rng.integers(0, 31, n)
        options = Options(group, ident_array(ident("option"), np.arange(n)), rng.random(n), 31)
        h = draws().hashes(KEYS[:20_000])
        g = options._group(h, None, None)
        ok = options.end[g] > options.start[g]
        lo, hi = options.start[g[ok]].astype(np.int64), options.end[g[ok]].astype(np.int64)
        np.testing.assert_array_equal(options._descend(h[ok], lo, hi),
                                      options._descend_groups(h[ok], g[ok]))


def test_adding_an_option_changes_few_choices():
    """Locality of the keyed descent: one more option of average weight among 2,000 moves
    a few times its weight share of the choices (an inverse CDF over a list moves about
    half of them)."""
    rng = np.random.default_rng(4)
    n = 2000
    group, w = rng.integers(0, 31, n), rng.random(n)
    okeys = ident_array(ident("option"), np.arange(n + 1))
    h = draws().hashes(KEYS)
    before = okeys[Options(group, okeys[:n], w, 31).choose(h)]
    after = okeys[Options(np.append(group, 7), okeys, np.append(w, w.mean()), 31).choose(h)]
    share = w.mean() / (w.sum() + w.mean())
    assert (before != after).mean() < 12 * share
    moved_to_new = (after == okeys[n]).mean()
    assert moved_to_new == pytest.approx(share, rel=0.2)


def test_remainders_are_apportioned_by_seniority_and_identity_not_by_row():
    quota = np.array([0.5, 0.5, 0.5, 0.5, 1.0])
    group = np.zeros(5, dtype=np.int64)
    born = np.array([3, 3, -2, 3, 0])
    ident_keys = np.array([30, 10, 50, 20, 40], dtype=np.uint64) << np.uint64(40)
    out = _apportion(quota, group, np.array([3.0]), tie_order(born, ident_keys))
    # two extra units among four tied remainders: the oldest firm, then the smaller key
    np.testing.assert_array_equal(out, [0, 1, 1, 0, 1])
    for perm in (np.array([2, 0, 4, 1, 3]), np.array([4, 3, 2, 1, 0])):
        np.testing.assert_array_equal(
            _apportion(quota[perm], group, np.array([3.0]),
                       tie_order(born[perm], ident_keys[perm])),
            out[perm])
