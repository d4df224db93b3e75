"""Innovation partnerships between firms: an undirected edge list of firm rows."""

from __future__ import annotations

import numpy as np


class PartnerNetwork:
    """Undirected innovation partnerships between firm rows, as two edge arrays."""

    def __init__(self) -> None:
        self.a = np.zeros(0, dtype=np.int64)
        self.b = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.a.size)

    def add(self, a: np.ndarray, b: np.ndarray) -> None:
        """Add edges ``a[i] - b[i]`` (self-loops are dropped)."""
        keep = a != b
        self.a = np.concatenate([self.a, a[keep]])
        self.b = np.concatenate([self.b, b[keep]])

    def prune(self, alive: np.ndarray, ended: np.ndarray | None = None) -> None:
        """Drop edges to dead firms and edges flagged in ``ended``."""
        keep = alive[self.a] & alive[self.b]
        if ended is not None:
            keep &= ~ended
        self.a, self.b = self.a[keep], self.b[keep]

    def of(self, row: int) -> list[int]:
        """Partner rows of one firm."""
        return [*self.b[self.a == row].tolist(), *self.a[self.b == row].tolist()]

    def degree(self, n: int) -> np.ndarray:
        """Number of partners of each of the first ``n`` rows."""
        return np.bincount(self.a, minlength=n)[:n] + np.bincount(self.b, minlength=n)[:n]

    def partner_max(self, values: np.ndarray, n: int) -> np.ndarray:
        """Largest ``values`` among each row's partners (-inf without partners)."""
        out = np.full(n, -np.inf)
        np.maximum.at(out, self.a, values[self.b])
        np.maximum.at(out, self.b, values[self.a])
        return out
