"""Compiled loops of the keyed draws (numba): inverse-CDF searches and trie descents.

These loops run a data-dependent number of steps per entry (a count's search, a chooser's
descent), which numpy can only do as many passes over shrinking arrays. They use integer
arithmetic and IEEE additions, multiplications, divisions and comparisons only (numba's
default, without fast-math: no reassociation, no fused multiply-add), so they give the same
bits on every x86-64 machine; transcendental functions (``exp``, ``log``) stay in numpy,
whose kernels :mod:`model.numerics` pins. ``cache=True`` keeps the compiled code beside
this file (or in ``NUMBA_CACHE_DIR``), so a process compiles them once.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TOP = 1.0 - 2.0 ** -53  # the largest double below 1


@njit(cache=True, inline="always")
def _mix(z):  # pragma: no cover - compiled
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def _uniform(h):  # pragma: no cover - compiled
    # (2^53 - 1/2) / 2^53 rounds to 1.0: the largest hashes give the largest double below 1
    return min((np.float64(h >> np.uint64(11)) + 0.5) * 1.1102230246251565e-16, _TOP)


@njit(cache=True)
def hash_keys(keys, base):  # pragma: no cover - compiled
    """``mix(key ^ base)`` for every key (a flat ``uint64`` array)."""
    out = np.empty(keys.size, dtype=np.uint64)
    for i in range(keys.size):
        out[i] = _mix(keys[i] ^ base)
    return out


@njit(cache=True)
def uniform_keys(keys, base):  # pragma: no cover - compiled
    """The uniform of ``mix(key ^ base)`` for every key (a flat ``uint64`` array)."""
    out = np.empty(keys.size, dtype=np.float64)
    for i in range(keys.size):
        out[i] = _uniform(_mix(keys[i] ^ base))
    return out


@njit(cache=True)
def poisson_small(u, pmf0, lam):  # pragma: no cover - compiled
    """Poisson quantiles ``min{k : F(k) >= u}`` searched from zero: ``pmf0 = exp(-lam)``
    (numpy's pinned ``exp``), then ``P(k+1) = P(k)·lam/(k+1)``. The search stops where
    ``P(k)`` underflows (a uniform above the rounded total, about one in 10^16)."""
    out = np.zeros(u.size, dtype=np.int64)
    for i in range(u.size):
        pmf = pmf0[i]
        cdf = pmf
        k = 0
        while u[i] > cdf and pmf > 0.0:
            pmf = pmf * (lam[i] * (1.0 / (k + 1)))
            cdf = cdf + pmf
            k += 1
        out[i] = k
    return out


@njit(cache=True)
def binomial_small(u, n, p, search_mean):  # pragma: no cover - compiled
    """Binomial quantiles ``min{k : F(k) >= u}`` of the entries with ``n·p <= search_mean``
    and ``p <= 0.5``, searched from zero; ``P(0) = (1 - p)^n`` by repeated squaring
    (multiplications only). Returns the counts and a mask of the entries left for the
    large-mean path (their count is 0 here)."""
    out = np.zeros(u.size, dtype=np.int64)
    large = np.zeros(u.size, dtype=np.bool_)
    for i in range(u.size):
        ni, pi = n[i], p[i]
        if ni <= 0 or pi <= 0.0:
            continue
        if pi >= 1.0:
            out[i] = ni
            continue
        if ni * pi > search_mean or pi > 0.5:
            large[i] = True
            continue
        q, e, pmf = 1.0 - pi, ni, 1.0
        while e > 0:  # pmf = q ** ni
            if e & 1:
                pmf *= q
            q *= q
            e >>= 1
        cdf = pmf
        odds = pi / (1.0 - pi)
        k = 0
        while u[i] > cdf and k < ni:
            pmf = pmf * ((ni - k) * (odds / (k + 1)))
            cdf = cdf + pmf
            k += 1
        out[i] = k
    return out, large


@njit(cache=True)
def walk(u, k0, cdf0, pmf0, a, binomial, scale, cap):  # pragma: no cover - compiled
    """From a guess ``k0`` with ``cdf0 = F(k0)`` and ``pmf0 = P(k0)``: the quantile
    ``min{k : F(k) >= u}`` (down while ``F(k-1) >= u``, up while ``F(k) < u``, and while
    ``P(k)`` has not underflowed). The recurrence: ``P(k+1) = P(k)·(a - k)·scale/(k+1)``
    (binomial: ``a = n``, ``scale = p/(1-p)``) or ``P(k)·a·scale/(k+1)`` (Poisson:
    ``a = lam``, ``scale = 1``)."""
    out = np.empty(u.size, dtype=np.int64)
    for i in range(u.size):
        k, cdf, pmf = k0[i], cdf0[i], pmf0[i]
        while k > 0 and cdf - pmf >= u[i]:
            cdf = cdf - pmf
            if binomial:
                pmf = pmf * (k / ((a[i] - k + 1) * scale[i]))
            else:
                pmf = pmf * (k / (a[i] * scale[i]))
            k -= 1
        while cdf < u[i] and k < cap[i] and pmf > 0.0:
            if binomial:
                pmf = pmf * ((a[i] - k) * (scale[i] / (k + 1)))
            else:
                pmf = pmf * (a[i] * (scale[i] / (k + 1)))
            k += 1
            cdf = cdf + pmf
        out[i] = k
    return out


@njit(cache=True)
def descend(code, cum, hashes, lo, hi, levels):  # pragma: no cover - compiled
    """Each chooser's position in ``[lo, hi)`` of the sorted ``code``: at every node, the
    split where the codes' highest differing bit ``b`` flips; the lower half with
    probability ``W(lower) / W(node)`` against the chooser's uniform for level ``b``."""
    out = np.empty(hashes.size, dtype=np.int64)
    for i in range(hashes.size):
        left, h = lo[i], hi[i]
        while h - left > 1:
            diff = code[left] ^ code[h - 1]
            if diff == 0:  # equal codes (a key clash): the first in key order
                h = left + 1
                break
            bit = 63
            while (diff >> np.uint64(bit)) == 0:
                bit -= 1
            top = (code[h - 1] >> np.uint64(bit)) << np.uint64(bit)
            a, b = left, h - 1  # first position in [left, h) with code >= top (binary search)
            while a < b:
                m = (a + b) // 2
                if code[m] < top:
                    a = m + 1
                else:
                    b = m
            split = a
            u = _uniform(_mix(hashes[i] ^ levels[bit]))
            if u * (cum[h] - cum[left]) < cum[split] - cum[left]:
                h = split
            else:
                left = split
        out[i] = left
    return out


@njit(cache=True)
def build_trie(code, start, end):  # pragma: no cover - compiled
    """The binary trie of the sorted ``code`` within each group ``[start[g], end[g])``.

    A node is a range split where its codes' highest differing bit flips (the largest
    ``msb(code[i] ^ code[i+1])`` over the range's adjacent pairs). Returns per node its
    range ``lo, hi``, split position, bit and two children (``>= 0``: a node; ``< 0``: the
    leaf ``-(position + 1)``), and each group's root (a child code, ``-1`` if empty).
    """
    n = code.size
    top = np.full(max(n - 1, 1), -1, dtype=np.int64)
    for i in range(n - 1):
        diff = code[i] ^ code[i + 1]
        bit = -1
        while diff != 0:
            diff >>= np.uint64(1)
            bit += 1
        top[i] = bit
    size = max(n, 1)
    lo = np.empty(size, dtype=np.int64)
    hi = np.empty(size, dtype=np.int64)
    split = np.empty(size, dtype=np.int64)
    bits = np.empty(size, dtype=np.int64)
    child = np.empty((size, 2), dtype=np.int64)
    roots = np.full(start.size, -1, dtype=np.int64)
    count = 0
    stack = np.empty((size + start.size, 3), dtype=np.int64)  # (lo, hi, parent slot)
    for g in range(start.size):
        if end[g] <= start[g]:
            continue
        depth = 0
        stack[0, 0], stack[0, 1], stack[0, 2] = start[g], end[g], -1
        depth = 1
        while depth > 0:
            depth -= 1
            a, b, slot = stack[depth, 0], stack[depth, 1], stack[depth, 2]
            at, best = -1, -1
            for i in range(a, b - 1):
                if top[i] > best:
                    at, best = i, top[i]
            if b - a == 1 or best < 0:  # one option, or equal codes: the first
                ref = -(a + 1)
            else:
                ref = count
                lo[count], hi[count], split[count], bits[count] = a, b, at + 1, best
                count += 1
                stack[depth, 0], stack[depth, 1], stack[depth, 2] = at + 1, b, 2 * ref + 1
                stack[depth + 1, 0], stack[depth + 1, 1] = a, at + 1
                stack[depth + 1, 2] = 2 * ref
                depth += 2
            if slot < 0:
                roots[g] = ref
            else:
                child[slot // 2, slot % 2] = ref
    return lo[:count], hi[:count], split[:count], bits[:count], child[:count], roots


@njit(cache=True)
def descend_trie(cum, lo, hi, split, bits, child, start_ref, hashes, levels
                 ):  # pragma: no cover - compiled
    """Each chooser's position from its start node (``start_ref``, a child code): at every
    node the lower half with probability ``W(lower) / W(node)`` against the chooser's
    uniform for the node's bit."""
    out = np.empty(hashes.size, dtype=np.int64)
    for i in range(hashes.size):
        ref = start_ref[i]
        while ref >= 0:
            left, h, s = lo[ref], hi[ref], split[ref]
            u = _uniform(_mix(hashes[i] ^ levels[bits[ref]]))
            if u * (cum[h] - cum[left]) < cum[s] - cum[left]:
                ref = child[ref, 0]
            else:
                ref = child[ref, 1]
        out[i] = -ref - 1
    return out


@njit(cache=True)
def descend_groups(gw, hashes, n_groups, levels):  # pragma: no cover - compiled
    """Each chooser's group by a descent over the bits of the group index, with the
    cumulative group weights ``gw`` (length ``n_groups + 1``)."""
    out = np.empty(hashes.size, dtype=np.int64)
    top = 0
    while (1 << (top + 1)) < n_groups:
        top += 1
    for i in range(hashes.size):
        lo = 0
        for b in range(top, -1, -1):
            mid = lo + (1 << b)
            hi = min(lo + (2 << b), n_groups)
            if mid >= hi:
                continue
            u = _uniform(_mix(hashes[i] ^ levels[b]))
            if not u * (gw[hi] - gw[lo]) < gw[mid] - gw[lo]:
                lo = mid
        out[i] = lo
    return out
