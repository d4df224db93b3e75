"""Exact draws of many independent binomials, faster than one draw per firm.

``numpy``'s ``binomial(counts, p)`` costs one generator call per entry (~50 ns each); when
``p`` is small, drawing which *people* are hit is cheaper: the number hit among all
``N = Σ counts`` people is ``Binomial(N, p)``, and given that number every subset of that
size is equally likely. Mapping a uniform subset back to the entries gives the same joint
distribution as independent ``Binomial(counts_i, p)`` draws. Entry-specific probabilities
are handled by thinning: people are drawn with the largest probability ``p_max`` and kept
with probability ``p_i / p_max``.
"""

from __future__ import annotations

import numpy as np


def binomial_thinning(rng: np.random.Generator, counts: np.ndarray,
                      prob: float | np.ndarray) -> np.ndarray:
    """Independent ``Binomial(counts, prob)`` draws, elementwise (same shape as ``counts``).

    Args:
        rng: The generator (one ``binomial`` call, one subset draw, and one uniform per
            person drawn when ``prob`` varies).
        counts: Non-negative integer counts.
        prob: A probability, or probabilities broadcastable to ``counts``, in [0, 1].
    """
    counts = np.asarray(counts)
    flat = counts.ravel()
    out = np.zeros(flat.size, dtype=np.int64)
    probs = np.broadcast_to(np.asarray(prob, dtype=float), counts.shape).ravel()
    p_max = float(probs.max(initial=0.0))
    if flat.size == 0 or p_max <= 0.0:
        return out.reshape(counts.shape)
    cum = np.cumsum(flat, dtype=np.int64)
    total = int(cum[-1])
    hit = int(rng.binomial(total, min(p_max, 1.0))) if total > 0 else 0
    if hit == 0:
        return out.reshape(counts.shape)
    people = rng.choice(total, size=hit, replace=False, shuffle=False)
    owner = np.searchsorted(cum, people, side="right")
    if np.any(probs < p_max):
        owner = owner[rng.random(hit) * p_max < probs[owner]]
    out += np.bincount(owner, minlength=flat.size)
    return out.reshape(counts.shape)


def search_cumulative(cum: np.ndarray, x: np.ndarray, steps: int = 4) -> np.ndarray:
    """``np.searchsorted(cum, x, side="right")`` for a non-decreasing ``cum`` of
    non-negative weights' partial sums, faster when there are many unsorted ``x``.

    A guide table (one entry per element of ``cum``) gives each query a starting index at
    most a few places before the answer; a few vectorized steps forward finish most
    queries and a binary search finishes the rest, so the result is exactly that of
    ``searchsorted`` (tested).
    """
    n = cum.size
    x = np.asarray(x, dtype=float)
    if n == 0 or x.size < 64 or not cum[-1] > 0:
        return np.searchsorted(cum, x, side="right")
    total = float(cum[-1])
    scale = n / total
    # guide[k] = how many partial sums lie below bucket k's lower edge k / scale
    guide = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(np.minimum((cum * scale).astype(np.int64), n), minlength=n + 1
                          )[:n], out=guide[1:])
    bucket = np.clip((x * scale).astype(np.int64) - 1, 0, n - 1)  # a bucket early: safe
    j = guide[bucket]
    last = n - 1
    for _ in range(steps):
        j += (cum[np.minimum(j, last)] <= x) & (j < n)
    left = np.flatnonzero((cum[np.minimum(j, last)] <= x) & (j < n))
    if left.size:
        j[left] = np.searchsorted(cum, x[left], side="right")
    return j
