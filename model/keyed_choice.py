"""Keyed choices among many options (sellers, partners, winners) that stay local.

An inverse CDF over a list of options is not local: one option more shifts every later
boundary, so most choosers get another option. A race (Gumbel-max over a keyed draw per
chooser and option) is local but costs one draw per option and chooser. This module uses
a binary descent over the options' keys instead, exact in law and close to a race in
locality at a logarithmic cost:

Options are sorted by (group, key) into composite 64-bit codes ``group · 2^(64-g) +
key >> g`` (``g`` bits for the group). The codes form a binary trie; a chooser starts from
the range of options it may choose from and, at each node where the codes in its range
first differ (bit ``b``), goes to the lower half with probability ``W(lower) / W(range)``,
comparing its own uniform for level ``b`` (a keyed hash of the chooser and ``b``). It
reaches option ``i`` with probability ``w_i / W(range)``. Weights may carry a bonus
factor ``1 + boost`` on one group per chooser (the local-bonus logit of the markets).

An option added, removed or re-weighted changes the decisions only of choosers that pass
through the nodes above it and whose uniform lies at that node's margin: on the order of
the trie's depth (about ``log2`` of the number of options) times the option's weight share,
against one weight share for a race and about half of all choosers for an inverse CDF over
a list. The cost is one hash and a binary search per chooser and trie level (compiled:
:mod:`model.keyed_kernels`).
"""

from __future__ import annotations

import numpy as np

from model import keyed_kernels as kk
from model.keyed_hash import mix_int

#: Hash constants of the trie levels (bit positions 0..63).
_LEVEL = np.array([mix_int(0xC0FFEE + b) for b in range(64)], dtype=np.uint64)
#: Hash constants of the group-index levels.
_GROUP_LEVEL = np.array([mix_int(0xBEEF00 + b) for b in range(64)], dtype=np.uint64)
_OWN_GROUP = np.uint64(mix_int(0x0A11CE))


class Options:
    """Options to choose from, sorted by (group, key), with their weights.

    Args:
        group: Group of each option (region index ...), ``0 <= group < n_groups``.
        key: The options' 64-bit identity keys (``uint64``).
        weight: Non-negative weights.
        n_groups: Number of groups.
    """

    def __init__(self, group: np.ndarray, key: np.ndarray, weight: np.ndarray,
                 n_groups: int) -> None:
        group = np.asarray(group, dtype=np.int64)
        key = np.asarray(key, dtype=np.uint64)
        bits = max(1, int(n_groups - 1).bit_length())
        code = (group.astype(np.uint64) << np.uint64(64 - bits)) | (key >> np.uint64(bits))
        self.order = np.argsort(code)
        self.code = code[self.order]
        if np.any(self.code[1:] == self.code[:-1]):  # a clash of codes: order by full key
            self.order = np.lexsort((key, group))
            self.code = code[self.order]
        g = group[self.order]
        self.cum = np.concatenate([[0.0], np.cumsum(np.asarray(weight, float)[self.order])])
        self._trie: tuple[np.ndarray, ...] | None = None
        groups = np.arange(n_groups)
        self.start = np.searchsorted(g, groups, side="left")
        self.end = np.searchsorted(g, groups, side="right")

    @property
    def size(self) -> int:
        """Number of options."""
        return self.code.size

    def group_weight(self) -> np.ndarray:
        """Total weight of each group."""
        return self.cum[self.end] - self.cum[self.start]

    def choose(self, hashes: np.ndarray, within: np.ndarray | None = None,
               bonus_group: np.ndarray | None = None, boost: np.ndarray | None = None
               ) -> np.ndarray:
        """One option per chooser (index into the arrays given at construction; -1 if the
        chooser's range is empty or weightless).

        The group is chosen first (a descent over the group index's bits, with the
        chooser's bonus), then the option within the group (a descent over the keys).

        Args:
            hashes: The choosers' keyed hashes (``Keyed.hashes``), one per chooser.
            within: Group each chooser must choose from (None: all options).
            bonus_group: Group whose options' weights each chooser scales by
                ``1 + boost`` (None: no bonus).
            boost: The choosers' bonus (with ``bonus_group``).
        """
        hashes = np.asarray(hashes, dtype=np.uint64)
        if within is None:
            within = self._group(hashes, bonus_group, boost)
        within = np.asarray(within, dtype=np.int64)
        out = np.full(hashes.size, -1, dtype=np.int64)
        ok = np.flatnonzero(within >= 0)
        lo, hi = self.start[within[ok]].astype(np.int64), self.end[within[ok]].astype(np.int64)
        ok_mass = (hi > lo) & (self.cum[hi] > self.cum[lo])
        ok, lo, hi = ok[ok_mass], lo[ok_mass], hi[ok_mass]
        if ok.size * 8 < self.size and self._trie is None:  # few choosers: no trie to build
            out[ok] = self.order[self._descend(hashes[ok], lo, hi)]
        else:
            out[ok] = self.order[self._descend_groups(hashes[ok], within[ok])]
        return out

    def _group(self, hashes: np.ndarray, bonus_group: np.ndarray | None,
               boost: np.ndarray | None) -> np.ndarray:
        """Each chooser's group: its bonus group with probability ``boost·L_g / (T +
        boost·L_g)`` (its own uniform against that), else a descent over the bits of the
        group index with the groups' weights ``L``; together the local-bonus logit's
        group probabilities ``(L_g + [g = bonus group]·boost·L_g) / (T + boost·L_g)``."""
        gw = np.concatenate([[0.0], np.cumsum(self.group_weight())])
        out = np.full(hashes.size, -1, dtype=np.int64)
        todo = np.arange(hashes.size)
        if bonus_group is not None:
            extra = np.asarray(boost, float) * (gw[bonus_group + 1] - gw[bonus_group])
            p_own = np.divide(extra, gw[-1] + extra, out=np.zeros(extra.size),
                              where=gw[-1] + extra > 0)
            own = kk.uniform_keys(hashes, _OWN_GROUP) < p_own
            out[own] = bonus_group[own]
            todo = np.flatnonzero(~own)
        if gw[-1] > 0 and todo.size:
            out[todo] = kk.descend_groups(gw, hashes[todo], gw.size - 1, _GROUP_LEVEL)
        return out

    def _descend(self, hashes: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Position (in sorted order) chosen by each chooser within its range [lo, hi),
        each node's split found by a binary search (for a few choosers; the same choices
        as :meth:`_descend_groups`, tested)."""
        return kk.descend(self.code, self.cum, hashes, lo, hi, _LEVEL)

    def _descend_groups(self, hashes: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Position (in sorted order) chosen by each chooser within its group: the same
        descent as :meth:`_descend` over the group's range, on the trie built once."""
        if self._trie is None:
            self._trie = kk.build_trie(self.code, self.start.astype(np.int64),
                                       self.end.astype(np.int64))
        lo, hi, split, bits, child, roots = self._trie
        return kk.descend_trie(self.cum, lo, hi, split, bits, child, roots[groups], hashes,
                               _LEVEL)


def gumbel_argmax(utility: np.ndarray, gumbel: np.ndarray) -> np.ndarray:
    """Index of the largest ``utility + gumbel`` per row, ties to the lowest index (the
    options' fixed order): a multinomial logit choice from keyed Gumbel draws."""
    return np.argmax(utility + gumbel, axis=1)
