"""Row sums of narrow (firms × tiers) arrays.

``a.sum(axis=1)`` on an (n, 3) array runs numpy's general reduction machinery per row and
costs about ten times as much as adding the three columns; firms' per-tier arrays are
summed this way many times per step. The result is identical (the same left-to-right order
of additions).
"""

from __future__ import annotations

import numpy as np


def row_sum(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=1)`` for a 2-D array with few columns, by adding columns."""
    if a.ndim != 2 or a.shape[1] == 0 or a.shape[1] > 8:
        return a.sum(axis=1)
    out = a[:, 0].copy()
    for k in range(1, a.shape[1]):
        out += a[:, k]
    return out
