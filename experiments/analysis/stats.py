"""Statistics of paired differences: intervals, bootstrap, tests, Holm, quantiles.

Replication i of every policy shares its seed (common random numbers), so a policy's effect
is estimated from the paired differences ``d_i = Y_A,i - Y_B,i``. Intervals are either the
Student t interval of the mean difference or a percentile bootstrap over replications
(resampling pairs; a fixed seed makes it reproducible).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy import stats as sps


def t_interval(d: np.ndarray, alpha: float) -> tuple[float, float]:
    """Two-sided ``1 - alpha`` Student t interval of the mean of ``d`` (NaN if n < 2)."""
    d = np.asarray(d, dtype=float)
    n = d.size
    if n < 2:
        return math.nan, math.nan
    mean = float(d.mean())
    half = float(sps.t.ppf(1 - alpha / 2, n - 1) * d.std(ddof=1) / math.sqrt(n))
    return mean - half, mean + half


def bootstrap_interval(samples: Sequence[np.ndarray], stat: Callable[..., np.ndarray],
                       alpha: float, resamples: int, seed: int) -> tuple[float, float]:
    """Percentile bootstrap interval of ``stat(*samples)``, resampling replications.

    Args:
        samples: Arrays of equal length n (paired by replication); one index draw
            resamples all of them together.
        stat: Vectorized statistic: takes arrays of shape (resamples, n) and returns one
            value per row (e.g. :func:`mean_stat`, :func:`ratio_stat`).
        alpha: 1 - confidence level.
        resamples: Number of bootstrap resamples.
        seed: Seed of the bootstrap's own generator (fixed: the interval is reproducible).

    Returns:
        The (alpha/2, 1 - alpha/2) percentiles of the finite bootstrap statistics; NaN if
        n < 2 or fewer than half of them are finite.
    """
    arrays = [np.asarray(s, dtype=float) for s in samples]
    n = arrays[0].size
    if n < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(resamples, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.asarray(stat(*(a[idx] for a in arrays)), dtype=float)
    values = values[np.isfinite(values)]
    if values.size < resamples / 2:
        return math.nan, math.nan
    lo, hi = np.quantile(values, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def mean_stat(x: np.ndarray) -> np.ndarray:
    """Row means (a vectorized bootstrap statistic)."""
    return x.mean(axis=-1)


def ratio_stat(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Row-wise ratio of means (a vectorized bootstrap statistic)."""
    return num.mean(axis=-1) / den.mean(axis=-1)


def paired_p_value(d: np.ndarray) -> float:
    """Two-sided p-value of the paired t test of mean(d) = 0 (1 if d is constant 0)."""
    d = np.asarray(d, dtype=float)
    if d.size < 2:
        return math.nan
    sd = d.std(ddof=1)
    if sd == 0:
        return 1.0 if d.mean() == 0 else 0.0
    t = d.mean() / (sd / math.sqrt(d.size))
    return float(2 * sps.t.sf(abs(t), d.size - 1))


def prob_beats(d: np.ndarray) -> float:
    """Share of paired replications in which A beats B (d > 0); ties count one half."""
    d = np.asarray(d, dtype=float)
    if d.size == 0:
        return math.nan
    return float((np.sum(d > 0) + 0.5 * np.sum(d == 0)) / d.size)


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (step-down, monotone, capped at 1).

    With the m p-values sorted ascending p_(1) <= ... <= p_(m), the adjusted value of
    p_(j) is max_{i <= j} min(1, (m - i + 1) p_(i)). Rejecting where the adjusted value is
    below alpha controls the family-wise error rate at alpha. NaNs stay NaN and do not
    count in m.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def describe(d: np.ndarray, alpha: float, quantiles: Sequence[float], interval: str,
             resamples: int, seed: int) -> dict[str, float]:
    """Summary statistics of paired differences ``d``.

    Returns:
        ``n``, ``mean``, ``sd``, ``lo``/``hi`` (the interval of the mean), ``p_value``
        (paired t test), ``p_beats`` (share of d > 0, ties one half) and ``q<percent>``
        for each quantile.
    """
    d = np.asarray(d, dtype=float)
    d = d[np.isfinite(d)]
    out: dict[str, float] = {"n": float(d.size),
                             "mean": float(d.mean()) if d.size else math.nan,
                             "sd": float(d.std(ddof=1)) if d.size > 1 else math.nan}
    if interval == "bootstrap":
        lo, hi = bootstrap_interval([d], mean_stat, alpha, resamples, seed)
    else:
        lo, hi = t_interval(d, alpha)
    out.update(lo=lo, hi=hi, p_value=paired_p_value(d), p_beats=prob_beats(d))
    for q in quantiles:
        out[quantile_name(q)] = float(np.quantile(d, q)) if d.size else math.nan
    return out


def quantile_name(q: float) -> str:
    """``0.05`` -> ``"q05"``, ``0.5`` -> ``"q50"``, ``0.975`` -> ``"q97.5"``."""
    pct = round(q * 100, 6)
    return f"q{int(pct):02d}" if pct == int(pct) else f"q{pct:g}"
