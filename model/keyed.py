"""Keyed random draws: every random number is a function of what it is about.

A draw is the hash of (run seed, purpose, quarter, entity key, slot) mapped to a uniform
in (0, 1); nothing depends on how many other draws were taken before it or on the row an
entity sits in. Two runs with the same seed therefore give an entity the same uniforms
whatever else differs between them (common random numbers per entity), and a small change
in a probability flips only the decisions at the margin (decisions compare the entity's
own uniform with its probability; counts are inverse CDFs of the entity's uniform).

The hash is splitmix64's finalizer (Steele, Lea & Flood 2014), a bijection on 64-bit
integers with full avalanche, applied to the exclusive-or of a scalar prefix (seed,
purpose, quarter, slot) and the entity's 64-bit key; it is vectorized over numpy ``uint64``
arrays (integer arithmetic only: the same bits on every machine). The uniform is the top
53 bits, shifted half a step off zero: ``u = ((h >> 11) + 1/2) / 2^53``, in the open
interval (0, 1) (the largest value, which would round to 1, is held at the largest double
below 1).

Entity keys are 64-bit identities fixed at birth (:func:`ident`): a firm's key comes from
how it came to be (set-up cell and index, entry quarter/region/layer/index, or parent key
and quarter for a branch), never from a global counter or a row number.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from model import keyed_kernels as kk
from model.keyed_choice import Options
from model.keyed_hash import (
    MASK,
    chain,
    ident,
    ident_array,
    mix,
    mix_int,
    pair_keys,
    text_key,
    to_uniform,
)
from model.keyed_laws import binomial_icdf, poisson_icdf

_FIRST_SLOT = 0x5EC0_0000  # the slot offset of a multinomial's first split
_TAG_INIT, _TAG_ENTRY, _TAG_BRANCH = (text_key(t) for t in ("firm:init", "firm:entry",
                                                            "firm:branch"))

__all__ = ["MASK", "Keyed", "KeyedStreams", "branch_keys", "chain", "ident", "ident_array",
           "mix", "mix_int", "pair_keys", "ranks", "seed_key", "text_key", "to_uniform"]

class Keyed:
    """Draws for one purpose in one quarter of one run, keyed by entity.

    Args:
        prefix: ``ident(seed key, purpose, quarter)``, see :meth:`KeyedStreams.__call__`.

    Every method takes ``keys``: the entities' 64-bit keys (``uint64`` array, e.g.
    ``model.firms.key[rows]`` or :meth:`KeyedStreams.region_keys`), and ``slot``: which of
    an entity's draws this is (0, 1, ...) when one purpose needs several per quarter.
    """

    def __init__(self, prefix: int) -> None:
        self.prefix = prefix

    def hashes(self, keys: np.ndarray, slot: int = 0) -> np.ndarray:
        """The raw 64-bit hashes ``mix(key ^ chain(prefix, slot))``."""
        keys = np.asarray(keys, dtype=np.uint64)
        base = np.uint64(chain(self.prefix, slot))
        return kk.hash_keys(keys.ravel(), base).reshape(keys.shape)

    def uniform(self, keys: np.ndarray, slot: int = 0) -> np.ndarray:
        """One uniform in (0, 1) per key (``to_uniform`` of :meth:`hashes`)."""
        keys = np.asarray(keys, dtype=np.uint64)
        base = np.uint64(chain(self.prefix, slot))
        return kk.uniform_keys(keys.ravel(), base).reshape(keys.shape)

    def bernoulli(self, keys: np.ndarray, prob: np.ndarray | float, slot: int = 0
                  ) -> np.ndarray:
        """``u < prob`` per key: yes/no decisions that flip only at the margin."""
        return self.uniform(keys, slot) < prob

    def normal(self, keys: np.ndarray, slot: int = 0) -> np.ndarray:
        """Standard normals (inverse CDF of the key's uniform)."""
        from scipy.special import ndtri

        return ndtri(self.uniform(keys, slot))

    def exponential(self, keys: np.ndarray, slot: int = 0) -> np.ndarray:
        """Standard exponentials (inverse CDF)."""
        return -np.log1p(-self.uniform(keys, slot))

    def items(self, keys: np.ndarray, counts: np.ndarray, slot: int = 0
              ) -> tuple[np.ndarray, np.ndarray]:
        """Uniforms of each entity's ``counts[i]`` items (its j-th success, project ...),
        the j-th keyed by (key, j): returns each item's entity (an index into ``keys``)
        and its uniform, so one item more leaves the others' numbers unchanged."""
        owner, j = ranks(counts)
        return owner, self.uniform(pair_keys(np.asarray(keys, np.uint64)[owner], j), slot)

    def sum_exponential(self, keys: np.ndarray, counts: np.ndarray, slot: int = 0
                        ) -> np.ndarray:
        """Sum of ``counts[i]`` standard exponentials per key (:meth:`items`): a
        Gamma(counts) variate (0 where the count is 0) that gains one term per count."""
        owner, u = self.items(keys, counts, slot)
        return np.bincount(owner, -np.log(u), minlength=np.size(counts))

    def gumbel(self, keys: np.ndarray, slot: int = 0) -> np.ndarray:
        """Standard Gumbel variates (inverse CDF), for Gumbel-max choices."""
        return -np.log(-np.log(self.uniform(keys, slot)))

    def choice(self, keys: np.ndarray, option_keys: np.ndarray,
               weights: np.ndarray | None = None, slot: int = 0) -> np.ndarray:
        """One option (an index into ``option_keys``) per key, with probabilities
        proportional to ``weights`` (equal without): a keyed choice that stays local when
        options are added, removed or re-weighted (:mod:`model.keyed_choice`); -1 when
        there is no option of positive weight."""
        option_keys = np.asarray(option_keys, dtype=np.uint64)
        w = np.ones(option_keys.size) if weights is None else np.asarray(weights, float)
        options = Options(np.zeros(option_keys.size, dtype=np.int64), option_keys, w, 1)
        keys = np.asarray(keys, dtype=np.uint64)
        return options.choose(self.hashes(keys, slot), within=np.zeros(keys.size, np.int64))

    def poisson(self, keys: np.ndarray, lam: np.ndarray | float, slot: int = 0
                ) -> np.ndarray:
        """Poisson counts with means ``lam`` (inverse CDF of the key's uniform)."""
        return poisson_icdf(self.uniform(keys, slot), lam)

    def binomial(self, keys: np.ndarray, n: np.ndarray | int, prob: np.ndarray | float,
                 slot: int = 0) -> np.ndarray:
        """Binomial counts ``Binomial(n, prob)`` (inverse CDF of the key's uniform)."""
        return binomial_icdf(self.uniform(keys, slot), n, prob)

    def multinomial(self, keys: np.ndarray, n: np.ndarray, probs: np.ndarray, slot: int = 0,
                    first: np.ndarray | None = None) -> np.ndarray:
        """Multinomial counts: ``n[i]`` items over the options of ``probs[i]`` (rows
        summing to 1), by conditional binomials down a binary tree over the options' fixed
        order (each tree node's split is keyed by the entity and the node): a change in
        one option's probability touches only the splits above it.

        ``first`` (an option per row, e.g. staying where one is): split that option off
        first with one binomial, then the rest down the tree (cheaper when it is the
        likely one).

        Returns an int64 array of the shape of ``probs``.
        """
        keys = np.asarray(keys, dtype=np.uint64)
        m, k = probs.shape
        if first is not None:
            rows = np.arange(m)
            p_first = np.clip(probs[rows, first], 0.0, 1.0)
            n_first = binomial_icdf(self.uniform(keys, slot ^ _FIRST_SLOT), n, p_first)
            rest = probs.copy()
            rest[rows, first] = 0.0
            total = rest.sum(axis=1, keepdims=True)
            rest = np.divide(rest, total, out=np.zeros_like(rest), where=total > 0)
            out = self.multinomial(keys, np.asarray(n) - n_first, rest, slot)
            out[rows, first] += n_first
            return out
        depth = max(1, int(k - 1).bit_length())
        width = 1 << depth
        cum = np.zeros((m, width + 1))
        np.cumsum(probs, axis=1, out=cum[:, 1:k + 1])
        cum[:, k + 1:] = cum[:, k:k + 1]
        counts = np.asarray(n, dtype=np.int64).reshape(m, 1)
        # node j of the tree (heap numbering 1 .. width - 1) is keyed by (entity, j)
        u_all = self.uniform(pair_keys(keys[:, None], np.arange(1, width)[None, :]), slot)
        for d in range(depth):
            nodes = 1 << d
            span = width >> d
            lo = np.arange(nodes) * span
            total = cum[:, lo + span] - cum[:, lo]
            left_p = np.divide(cum[:, lo + span // 2] - cum[:, lo], total,
                               out=np.zeros((m, nodes)), where=total > 0)
            left = binomial_icdf(u_all[:, nodes - 1: 2 * nodes - 1], counts,
                                 np.clip(left_p, 0.0, 1.0))
            counts = np.stack([left, counts - left], axis=2).reshape(m, 2 * nodes)
        return counts[:, :k]


class KeyedStreams:
    """The run's keyed draws: ``streams(purpose, quarter)`` gives a :class:`Keyed`.

    Args:
        seed_key: The run's 64-bit seed key (from its root seed sequence).
        region_names: Regions in scenario order; their keys come from their names, so a
            region keeps its draws when regions are added, removed or reordered.
    """

    def __init__(self, seed_key: int, region_names: Iterable[str] = ()) -> None:
        self.seed_key = seed_key
        names = list(region_names)
        self._regions = np.array([ident("region", n) for n in names], dtype=np.uint64)
        self._purpose: dict[str, int] = {}

    def __call__(self, purpose: str, quarter: int) -> Keyed:
        """Draws for ``purpose`` in ``quarter``."""
        base = self._purpose.get(purpose)
        if base is None:
            base = self._purpose[purpose] = ident(self.seed_key, purpose)
        return Keyed(chain(base, int(quarter)))

    def region_keys(self, regions: np.ndarray | None = None) -> np.ndarray:
        """Keys of regions (all, or the given indices)."""
        return self._regions if regions is None else self._regions[np.asarray(regions)]

    def initial_firm_keys(self, region: np.ndarray, layer: np.ndarray, index: np.ndarray
                          ) -> np.ndarray:
        """Identities of step-0 firms: (region, layer, index within the region's layer)."""
        return ident_array(self._regions[np.asarray(region)] ^ np.uint64(_TAG_INIT),
                           layer, index)

    def entrant_keys(self, quarter: int, region: np.ndarray, layer: np.ndarray,
                     index: np.ndarray) -> np.ndarray:
        """Identities of entrants: (quarter, region, layer, index among the cell's entrants)."""
        return ident_array(self._regions[np.asarray(region)] ^ np.uint64(_TAG_ENTRY),
                           quarter, layer, index)

    def cell_keys(self, *columns: np.ndarray | int) -> np.ndarray:
        """Keys of (region, ...) cells: the region's key chained with integer columns."""
        regions, *rest = columns
        return ident_array(self._regions[np.asarray(regions)], *rest)


def ranks(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ``counts[i]`` items of each entity i: each item's entity and its index among
    that entity's items (0, 1, ...), items in entity order."""
    counts = np.asarray(counts, dtype=np.int64).ravel()
    owner = np.repeat(np.arange(counts.size), counts)
    return owner, np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)


def branch_keys(parent: np.ndarray, quarter: int) -> np.ndarray:
    """Identities of branches: (parent's key, quarter the branch opens)."""
    return ident_array(np.asarray(parent, dtype=np.uint64) ^ np.uint64(_TAG_BRANCH), quarter)


def seed_key(root: np.random.SeedSequence) -> int:
    """The 64-bit seed key of a run's keyed draws, from its root seed sequence."""
    words = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key,
                                                            text_key("keyed") & 0xFFFFFFFF)
                                   ).generate_state(2, np.uint64)
    return ident(int(words[0]), int(words[1]))
