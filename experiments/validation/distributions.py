"""Statistics for the stylized facts: likelihood-ratio model comparison, tails, scaling.

Everything here is a pure function of numpy arrays, so it can be unit-tested on synthetic
data with known answers (``tests/test_validation.py``).

Model comparison uses likelihood ratios, never a Kolmogorov–Smirnov test with fitted
parameters (whose p-values are wrong when the parameters are estimated from the same data):

- non-nested candidates (Laplace vs Gaussian, lognormal vs exponential, power law vs
  exponential in the tail) by Vuong's (1989) test on the pointwise log-likelihoods;
- nested candidates (the Gaussian is the Subbotin / generalized normal with b = 2) by the
  likelihood-ratio test with one degree of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Comparison:
    """Result of comparing model 1 with model 2 on the same observations.

    Attributes:
        name1: Name of model 1.
        name2: Name of model 2.
        n: Number of observations.
        llr: Sum of pointwise log-likelihood differences (model 1 minus model 2).
        z: Vuong's statistic (normal under the null that both fit equally well); for a
            nested comparison, the signed square root of the LR statistic.
        p: Two-sided p-value of the null of equal fit (nested: one-sided chi-squared).
    """

    name1: str
    name2: str
    n: int
    llr: float
    z: float
    p: float

    @property
    def favours(self) -> str:
        """Name of the better-fitting model (by the sign of the log-likelihood ratio)."""
        return self.name1 if self.llr > 0 else self.name2


def vuong(ll1: np.ndarray, ll2: np.ndarray, name1: str = "model 1",
          name2: str = "model 2") -> Comparison:
    """Vuong's closeness test for two non-nested models.

    Args:
        ll1: Pointwise log-likelihoods of model 1 (fitted by maximum likelihood).
        ll2: Pointwise log-likelihoods of model 2, same observations.
        name1: Name of model 1.
        name2: Name of model 2.

    Returns:
        The comparison; ``z > 0`` favours model 1, with two-sided p-value ``p``.
    """
    d = np.asarray(ll1, float) - np.asarray(ll2, float)
    n = d.size
    llr = float(d.sum())
    sd = float(d.std(ddof=1)) if n > 1 else 0.0
    if sd == 0.0:
        z = 0.0 if llr == 0 else float(np.sign(llr) * np.inf)
    else:
        z = llr / (np.sqrt(n) * sd)
    p = float(2 * stats.norm.sf(abs(z)))
    return Comparison(name1, name2, n, llr, float(z), p)


def nested_lr(ll_full: np.ndarray, ll_restricted: np.ndarray, name_full: str,
              name_restricted: str, df: int = 1) -> Comparison:
    """Likelihood-ratio test of a restricted model nested in a fuller one.

    Args:
        ll_full: Pointwise log-likelihoods of the fuller model.
        ll_restricted: Pointwise log-likelihoods of the restricted model.
        name_full: Name of the fuller model.
        name_restricted: Name of the restricted model.
        df: Number of restrictions.

    Returns:
        The comparison; ``p`` is the chi-squared p-value of 2·LLR.
    """
    llr = float(np.sum(ll_full) - np.sum(ll_restricted))
    stat = max(2.0 * llr, 0.0)
    return Comparison(name_full, name_restricted, int(np.size(ll_full)), llr,
                      float(np.sqrt(stat)), float(stats.chi2.sf(stat, df)))


# ------------------------------------------------------------------ growth-rate shapes
@dataclass(frozen=True)
class GrowthShape:
    """Fits of a growth-rate sample and their comparisons.

    Attributes:
        n: Observations.
        b: Subbotin (generalized normal) shape: 2 = Gaussian, 1 = Laplace.
        b_scale: Subbotin scale.
        laplace_vs_gauss: Vuong comparison, Laplace vs Gaussian.
        subbotin_vs_gauss: Nested LR test, Subbotin vs Gaussian (b = 2).
        kurtosis: Excess kurtosis of the sample.
    """

    n: int
    b: float
    b_scale: float
    laplace_vs_gauss: Comparison
    subbotin_vs_gauss: Comparison
    kurtosis: float


def growth_shape(g: np.ndarray) -> GrowthShape:
    """Fit Gaussian, Laplace and Subbotin densities to growth rates and compare them.

    Args:
        g: Growth rates (e.g. annual log growth, demeaned per year).

    Returns:
        The fitted Subbotin shape and the two comparisons against the Gaussian.
    """
    g = np.asarray(g, float)
    g = g[np.isfinite(g)]
    mu, sd = float(g.mean()), float(g.std())
    ll_gauss = stats.norm.logpdf(g, mu, sd)
    loc_l = float(np.median(g))
    scale_l = float(np.mean(np.abs(g - loc_l)))
    ll_lap = stats.laplace.logpdf(g, loc_l, scale_l)
    b, loc_s, scale_s = stats.gennorm.fit(g, 1.0, loc=loc_l, scale=scale_l)
    ll_sub = stats.gennorm.logpdf(g, b, loc_s, scale_s)
    return GrowthShape(
        n=int(g.size), b=float(b), b_scale=float(scale_s),
        laplace_vs_gauss=vuong(ll_lap, ll_gauss, "Laplace", "Gaussian"),
        subbotin_vs_gauss=nested_lr(ll_sub, ll_gauss, "Subbotin", "Gaussian"),
        kurtosis=float(stats.kurtosis(g)))


# ------------------------------------------------------------------ size distributions
@dataclass(frozen=True)
class SizeShape:
    """Shape of a firm-size sample (sizes > 0).

    Attributes:
        n: Observations.
        skew_levels: Skewness of sizes (right-skewed > 0).
        skew_logs: Skewness of log sizes (0 for a lognormal).
        lognormal_vs_exponential: Vuong comparison on all sizes.
        lognormal_vs_gamma: Vuong comparison on all sizes.
        tail_k: Number of upper order statistics used in the tail (top ``tail_share``).
        hill_alpha: Hill estimate of the Pareto tail index on the top ``tail_k``.
        powerlaw_vs_exponential: Vuong comparison of a Pareto and a shifted exponential
            above the tail threshold (Clauset, Shalizi and Newman 2009).
    """

    n: int
    skew_levels: float
    skew_logs: float
    lognormal_vs_exponential: Comparison
    lognormal_vs_gamma: Comparison
    tail_k: int
    hill_alpha: float
    powerlaw_vs_exponential: Comparison


def hill(x: np.ndarray, k: int) -> float:
    """Hill estimator of the tail index alpha (P(X > x) ~ x^-alpha) from the top k values.

    Args:
        x: Positive sample.
        k: Number of upper order statistics (1 <= k < len(x)).

    Returns:
        The estimate ``k / sum(log(x_(i) / x_(k+1)))`` over the top k values.
    """
    xs = np.sort(np.asarray(x, float))[::-1]
    if not 1 <= k < xs.size:
        raise ValueError(f"k={k} must be in [1, {xs.size - 1}]")
    return float(k / np.sum(np.log(xs[:k] / xs[k])))


def tail_comparison(x: np.ndarray, xmin: float) -> Comparison:
    """Pareto (power law) vs shifted exponential for the values at or above ``xmin``.

    Args:
        x: Positive sample.
        xmin: Tail threshold.

    Returns:
        Vuong comparison; positive z favours the power law (a heavy tail).
    """
    t = np.asarray(x, float)
    t = t[t >= xmin]
    logs = np.log(t / xmin)
    alpha = 1.0 + t.size / logs.sum()  # density exponent of the Pareto
    ll_pl = np.log(alpha - 1.0) - np.log(xmin) - alpha * logs
    lam = 1.0 / np.mean(t - xmin)
    ll_exp = np.log(lam) - lam * (t - xmin)
    return vuong(ll_pl, ll_exp, "power law", "exponential")


def size_shape(x: np.ndarray, tail_share: float = 0.05) -> SizeShape:
    """Lognormal body against thin-tailed alternatives, and the upper tail.

    Args:
        x: Firm sizes (values <= 0 are dropped).
        tail_share: Share of the largest firms used as the upper tail.

    Returns:
        The size shape with its comparisons and tail estimates.
    """
    x = np.asarray(x, float)
    x = x[np.isfinite(x) & (x > 0)]
    lx = np.log(x)
    m, s = float(lx.mean()), float(lx.std())
    ll_logn = stats.norm.logpdf(lx, m, s) - lx
    ll_exp = stats.expon.logpdf(x, 0, x.mean())
    a, _, scale = stats.gamma.fit(x, floc=0)
    ll_gam = stats.gamma.logpdf(x, a, 0, scale)
    k = max(int(round(tail_share * x.size)), 10)
    xmin = float(np.sort(x)[::-1][k - 1])
    return SizeShape(
        n=int(x.size), skew_levels=float(stats.skew(x)), skew_logs=float(stats.skew(lx)),
        lognormal_vs_exponential=vuong(ll_logn, ll_exp, "lognormal", "exponential"),
        lognormal_vs_gamma=vuong(ll_logn, ll_gam, "lognormal", "gamma"),
        tail_k=k, hill_alpha=hill(x, k),
        powerlaw_vs_exponential=tail_comparison(x, xmin))


# ------------------------------------------------------------------ growth and size
@dataclass(frozen=True)
class Scaling:
    """Scaling of growth volatility with size, sigma(g | s) ∝ s^-beta.

    Attributes:
        beta: Scaling exponent (positive: volatility falls with size).
        ci: 95 % bootstrap interval of beta (resampling firms).
        bins_size: Mean log size per bin.
        bins_sigma: Standard deviation of growth per bin.
    """

    beta: float
    ci: tuple[float, float]
    bins_size: np.ndarray
    bins_sigma: np.ndarray


def _beta(logs: np.ndarray, g: np.ndarray, bins: int) -> tuple[float, np.ndarray, np.ndarray]:
    order = np.argsort(logs, kind="stable")
    parts = np.array_split(order, bins)
    ms = np.array([logs[p].mean() for p in parts])
    sd = np.array([g[p].std(ddof=1) for p in parts])
    slope = np.polyfit(ms, np.log(sd), 1)[0]
    return float(-slope), ms, sd


def volatility_scaling(g: np.ndarray, size0: np.ndarray, bins: int = 10,
                       boot: int = 200, seed: int = 0) -> Scaling:
    """Estimate beta by regressing log sd of growth on mean log size over equal-count bins.

    Args:
        g: Growth rates.
        size0: Sizes at the start of the growth period (> 0).
        bins: Number of equal-count size bins.
        boot: Bootstrap replications for the interval.
        seed: Seed of the bootstrap.

    Returns:
        The estimate with its bootstrap interval and the binned points.
    """
    g = np.asarray(g, float)
    logs = np.log(np.asarray(size0, float))
    beta, ms, sd = _beta(logs, g, bins)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(boot):
        i = rng.integers(0, g.size, g.size)
        draws.append(_beta(logs[i], g[i], bins)[0])
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return Scaling(beta, (float(lo), float(hi)), ms, sd)


@dataclass(frozen=True)
class Gibrat:
    """Gibrat's regression g = a + b·log s0 + e (Gibrat's law: b = 0).

    Attributes:
        slope: b.
        se: Heteroskedasticity-robust (HC1) standard error of b.
        intercept: a.
        n: Observations.
    """

    slope: float
    se: float
    intercept: float
    n: int


def gibrat(g: np.ndarray, size0: np.ndarray) -> Gibrat:
    """OLS of growth on log initial size with an HC1 standard error.

    Args:
        g: Growth rates.
        size0: Sizes at the start of the period (> 0).

    Returns:
        The slope, its robust standard error and the intercept.
    """
    y = np.asarray(g, float)
    x = np.log(np.asarray(size0, float))
    X = np.column_stack([np.ones_like(x), x])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    e = y - X @ beta
    n = y.size
    xtx_inv = np.linalg.inv(X.T @ X)
    meat = (X * e[:, None] ** 2).T @ X
    cov = xtx_inv @ meat @ xtx_inv * n / (n - 2)
    return Gibrat(float(beta[1]), float(np.sqrt(cov[1, 1])), float(beta[0]), int(n))


def exit_age_lr(age_class: np.ndarray, exited: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Likelihood-ratio test that the exit probability is the same in every age class.

    Args:
        age_class: Integer age class of each firm at the start of the period.
        exited: Whether the firm exited during the period.

    Returns:
        ``(G, p, rates)``: the LR (G) statistic, its chi-squared p-value with
        (classes − 1) degrees of freedom, and the exit rate of each class present.
    """
    classes = np.unique(age_class)
    n = np.array([np.sum(age_class == c) for c in classes], float)
    k = np.array([np.sum(exited[age_class == c]) for c in classes], float)
    rates = k / n
    p0 = k.sum() / n.sum()

    def ll(kk: np.ndarray, nn: np.ndarray, pp: np.ndarray) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(kk > 0, kk * np.log(pp), 0.0)
            b = np.where(nn - kk > 0, (nn - kk) * np.log1p(-pp), 0.0)
        return float(np.sum(a + b))

    g_stat = 2.0 * (ll(k, n, rates) - ll(k, n, np.full_like(rates, p0)))
    return g_stat, float(stats.chi2.sf(g_stat, len(classes) - 1)), rates
