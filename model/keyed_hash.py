"""Keyed hashing: 64-bit identity keys and the hash that turns them into uniforms.

splitmix64's finalizer (Steele, Lea & Flood 2014), a bijection on 64-bit integers with full
avalanche, on Python ints and vectorized on numpy ``uint64`` arrays (integer arithmetic
only: the same bits on every machine). Keys of tuples (:func:`ident`, :func:`chain`,
:func:`ident_array`, :func:`pair_keys`) chain the hash over their parts. Used by
:mod:`model.keyed` (the draws) and :mod:`model.keyed_choice` (the choices).
"""

from __future__ import annotations

import hashlib

import numpy as np

MASK = (1 << 64) - 1
_M1, _M2, _GOLDEN = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0x9E3779B97F4A7C15
_U1, _U2 = np.uint64(_M1), np.uint64(_M2)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_HALF_ULP = 2.0 ** -53


def mix_int(z: int) -> int:
    """splitmix64's finalizer on a Python int (same bits as :func:`mix`)."""
    z &= MASK
    z = ((z ^ (z >> 30)) * _M1) & MASK
    z = ((z ^ (z >> 27)) * _M2) & MASK
    return z ^ (z >> 31)


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer, elementwise on a ``uint64`` array (a new array)."""
    z = np.array(x, dtype=np.uint64, copy=True)
    t = np.empty_like(z)
    np.right_shift(z, _S30, out=t)
    z ^= t
    z *= _U1
    np.right_shift(z, _S27, out=t)
    z ^= t
    z *= _U2
    np.right_shift(z, _S31, out=t)
    z ^= t
    return z


def text_key(text: str) -> int:
    """A 64-bit key for a name (SHA-256, so independent of ``PYTHONHASHSEED``)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def _part(p: int | str) -> int:
    return text_key(p) if isinstance(p, str) else int(p)


def ident(*parts: int | str) -> int:
    """A 64-bit key for a tuple of integers and names (chained hash; order matters)."""
    h = _GOLDEN
    for p in parts:
        h = mix_int(h ^ mix_int((_part(p) + _GOLDEN) & MASK))
    return h


def ident_array(prefix: int | np.ndarray, *columns: np.ndarray | int) -> np.ndarray:
    """Keys ``chain(prefix[i], c1[i], c2[i], ...)`` for integer columns, vectorized.

    ``prefix`` is a key (``ident(...)``) or an array of keys; the result equals
    :func:`chain` of each prefix with its row's parts, so
    ``ident_array(ident(a), c)[i] == ident(a, c[i])``.
    """
    arrays = [np.asarray(c) for c in columns]
    pre = np.asarray(prefix, dtype=np.uint64) if isinstance(prefix, np.ndarray) else \
        np.uint64(prefix)
    shape = np.broadcast_shapes(np.shape(pre), *(a.shape for a in arrays))
    h = np.array(np.broadcast_to(pre, shape), dtype=np.uint64)
    gold = np.uint64(_GOLDEN)
    for a in arrays:
        h = mix(h ^ mix(_as_u64(a) + gold))
    return h


def _as_u64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.uint64) if a.dtype == np.uint64 else a.astype(np.int64).astype(np.uint64)


def chain(h: int, *parts: int | str) -> int:
    """Extend a key by more parts: ``chain(ident(a), b) == ident(a, b)``."""
    for p in parts:
        h = mix_int(h ^ mix_int((_part(p) + _GOLDEN) & MASK))
    return h


def pair_keys(keys: np.ndarray, index: np.ndarray | int) -> np.ndarray:
    """Keys ``chain(key, index)`` of pairs (an entity's j-th project, slot, link ...)."""
    return ident_array(np.asarray(keys, dtype=np.uint64), index)


def to_uniform(h: np.ndarray) -> np.ndarray:
    """Uniforms in the open interval (0, 1) from 64-bit hashes (top 53 bits)."""
    # (2^53 - 1/2) / 2^53 rounds to 1.0: the largest hashes give the largest double below 1
    return np.minimum(((h >> _S11).astype(np.float64) + 0.5) * _HALF_ULP, 1.0 - 2.0 ** -53)
