"""Inverse CDFs of the discrete laws used with keyed uniforms.

A count drawn as ``F^{-1}(u) = min{k : F(k) >= u}`` from the entity's own uniform ``u``
moves by at most one when its mean moves a little, and only for the entities whose ``u``
lies between the old and the new ``F(k)``: paired runs stay paired. Means up to
:data:`SEARCH_MEAN` are searched from zero with the probability recurrence (binomial: from
``P(0) = (1-p)^n`` by repeated squaring); larger means start from a normal approximation,
take the exact CDF there (scipy's ``pdtr`` / ``bdtr``) and walk to the quantile with the
same recurrence (a step or two). The loops are compiled (:mod:`model.keyed_kernels`);
``exp`` and ``log`` are numpy's.
"""

from __future__ import annotations

import numpy as np

from model import keyed_kernels as kk

#: Means up to this are searched from zero; larger ones start from a normal guess.
SEARCH_MEAN = 200.0


def poisson_icdf(u: np.ndarray, lam: np.ndarray | float) -> np.ndarray:
    """``min{k : P(Poisson(lam) <= k) >= u}`` elementwise (``lam >= 0``)."""
    u = np.asarray(u, dtype=float)
    flat = u.ravel()
    lam = np.broadcast_to(np.asarray(lam, dtype=float), u.shape).ravel()
    out = np.zeros(flat.size, dtype=np.int64)
    small = np.flatnonzero((lam > 0) & (lam <= SEARCH_MEAN))
    if small.size:
        ls = lam[small]
        out[small] = kk.poisson_small(flat[small], np.exp(-ls), ls)
    large = np.flatnonzero(lam > SEARCH_MEAN)
    if large.size:
        from scipy.special import gammaln, ndtri, pdtr

        ul, ll = flat[large], lam[large]
        k = np.maximum(np.floor(ll + np.sqrt(ll) * ndtri(ul)), 0.0).astype(np.int64)
        pmf = np.exp(k * np.log(ll) - ll - gammaln(k + 1.0))
        out[large] = kk.walk(ul, k, pdtr(k, ll), pmf, ll, False, np.ones(large.size),
                             np.full(large.size, 2**62, dtype=np.int64))
    return out.reshape(u.shape)


def binomial_icdf(u: np.ndarray, n: np.ndarray | int, prob: np.ndarray | float
                  ) -> np.ndarray:
    """``min{k : P(Binomial(n, prob) <= k) >= u}`` elementwise (``n >= 0``, prob in [0, 1])."""
    u = np.asarray(u, dtype=float)
    flat = u.ravel()
    n = np.asarray(n, dtype=np.int64)
    n = n.ravel() if n.shape == u.shape else np.broadcast_to(n, u.shape).ravel()
    p = np.asarray(prob, dtype=float)
    p = p.ravel() if p.shape == u.shape else np.broadcast_to(p, u.shape).ravel()
    out, large = kk.binomial_small(flat, n, p, SEARCH_MEAN)
    if large.any():
        from scipy.special import bdtr, gammaln, ndtri

        idx = np.flatnonzero(large)
        ul, nl, pl = flat[idx], n[idx], p[idx]
        sd = np.sqrt(nl * pl * (1.0 - pl))
        k = np.clip(np.floor(nl * pl + sd * ndtri(ul)), 0, nl).astype(np.int64)
        pmf = np.exp(gammaln(nl + 1.0) - gammaln(k + 1.0) - gammaln(nl - k + 1.0)
                     + k * np.log(pl) + (nl - k) * np.log1p(-pl))
        out[idx] = kk.walk(ul, k, bdtr(k, nl, pl), pmf, nl.astype(float), True,
                           pl / (1.0 - pl), nl)
    return out.reshape(u.shape)
