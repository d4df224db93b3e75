"""Talent arrays of every region: job-seekers, wages and the quarter's talent flows.

Talent is held as cohort counts per region and tier (general, high-end, composite):
employed people sit in firms' ``employees`` columns, job-seekers here. The accounting
identity, per region and tier, holds every quarter:

    stock change = graduates + upgrades_in - upgrades_out + inflow - outflow - retirements

where stock = employed in AI firms + job-seekers.
"""

from __future__ import annotations

import numpy as np

from model.keyed import Keyed, pair_keys
from model.vocab import TIERS

GENERAL, HIGH_END, COMPOSITE = 0, 1, 2
FLOWS: tuple[str, ...] = (
    "graduates", "upgrades_in", "upgrades_out", "inflow", "outflow", "retirements",
)


class TalentStock:
    """Job-seekers, wages and the quarter's talent flows, arrays of shape (regions, tiers).

    Args:
        n_regions: Number of regions.
    """

    def __init__(self, n_regions: int) -> None:
        shape = (n_regions, len(TIERS))
        self.seekers = np.zeros(shape, dtype=np.int64)
        self.wages = np.zeros(shape)  # mRMB per person-quarter
        self.grad_carry = np.zeros(shape)
        self.hires = np.zeros(shape, dtype=np.int64)
        self.searched = np.zeros(shape, dtype=np.int64)  # seekers at the last matching
        self.unfilled = np.zeros(shape, dtype=np.int64)
        self.flows = {name: np.zeros(shape, dtype=np.int64) for name in FLOWS}
        self.last_inflow = np.zeros(shape, dtype=np.int64)
        self.pipeline: list[tuple[int, np.ndarray, np.ndarray]] = []

    def reset_flows(self) -> None:
        """Zero the quarter's flow counters (keeping last quarter's inflow)."""
        self.last_inflow = self.flows["inflow"].copy()
        for arr in self.flows.values():
            arr[:] = 0

    def job_finding_rate(self) -> np.ndarray:
        """Last matching's job-finding rate (regions, tiers): hires over the job-seekers who
        searched then (layoffs included, before hiring); 0 where nobody searched."""
        return np.minimum(self.hires / np.maximum(self.searched, 1), 1.0)

    def schedule(self, due_step: int, graduates: np.ndarray, upgrades: np.ndarray) -> None:
        """Queue policy-funded graduates (R, 3) and upgrades to general->tier (R, 3)."""
        self.pipeline.append((due_step, graduates.astype(np.int64), upgrades.astype(np.int64)))

    def graduate(self, per_quarter: np.ndarray, step: int) -> None:
        """Add this quarter's graduates (fractional rates carried forward) and due cohorts."""
        total = self.grad_carry + per_quarter
        whole = np.floor(total)
        self.grad_carry = total - whole
        grads = whole.astype(np.int64)
        due_upgrades = np.zeros_like(grads)
        keep = []
        for due, g, u in self.pipeline:
            if due <= step:
                grads += g
                due_upgrades += u
            else:
                keep.append((due, g, u))
        self.pipeline = keep
        self.seekers += grads
        self.flows["graduates"] += grads
        self._upgrade(due_upgrades)

    def upgrade(self, stock: np.ndarray, rates: np.ndarray) -> None:
        """Upgrade general talent to high-end and composite at ``rates`` (per tier column).

        Trainees come from general job-seekers (an employed worker joins training by
        quitting); the number is ``floor(rate × general stock)``, capped by seekers.
        """
        wanted = np.floor(stock[:, GENERAL, None] * rates[None, :]).astype(np.int64)
        wanted[:, GENERAL] = 0
        self._upgrade(wanted)

    def _upgrade(self, wanted: np.ndarray) -> None:
        available = self.seekers[:, GENERAL].copy()
        total = wanted.sum(axis=1)
        scale = np.where(total > available, available / np.maximum(total, 1), 1.0)
        moved = np.floor(wanted * scale[:, None]).astype(np.int64)
        moved[:, GENERAL] = 0
        out = moved.sum(axis=1)
        self.seekers[:, GENERAL] -= out
        self.seekers += moved
        self.flows["upgrades_out"][:, GENERAL] += out
        self.flows["upgrades_in"] += moved

    def retire(self, draws: Keyed, region_keys: np.ndarray, rate: float) -> None:
        """Retire each job-seeker with probability ``rate`` (employees: see
        model.phases.labour); the count of each (region, tier) is keyed by both."""
        gone = draws.binomial(pair_keys(region_keys[:, None], np.arange(len(TIERS))[None, :]),
                              self.seekers, rate)
        self.seekers -= gone
        self.flows["retirements"] += gone

    def migrate(self, draws: Keyed, region_keys: np.ndarray, utility: np.ndarray,
                mobility: float, movers_subsidised: np.ndarray) -> np.ndarray:
        """Move job-seekers between regions.

        Args:
            draws: The migration draws; counts are keyed by (origin, tier), destinations
                by (origin, tier) and the destinations' tree (``Keyed.multinomial``).
            region_keys: The regions' keys.
            utility: (tiers, origin, destination) utilities; staying included on the diagonal.
            mobility: Share of seekers who consider moving this quarter.
            movers_subsidised: (regions, tiers) output: arrivals eligible for introduction
                subsidies are written here.

        Returns:
            The (origin, destination, tier) matrix of moves (diagonal zero).
        """
        n_regions = self.seekers.shape[0]
        moves = np.zeros((n_regions, n_regions, len(TIERS)), dtype=np.int64)
        cells = pair_keys(region_keys[:, None], np.arange(len(TIERS))[None, :])
        considering = draws.binomial(cells, self.seekers, mobility, slot=0)
        p = np.exp(utility - utility.max(axis=2, keepdims=True))  # (tier, origin, dest)
        p /= p.sum(axis=2, keepdims=True)
        p = p.transpose(1, 0, 2).reshape(-1, n_regions)  # rows: (origin, tier)
        stay = np.repeat(np.arange(n_regions), len(TIERS))  # rows (origin, tier): stay first
        flat = draws.multinomial(cells.ravel(), considering.ravel(), p, slot=1, first=stay)
        moves[:] = flat.reshape(n_regions, len(TIERS), n_regions).transpose(0, 2, 1)
        idx = np.arange(n_regions)
        moves[idx, idx, :] = 0
        outflow = moves.sum(axis=1)
        inflow = moves.sum(axis=0)
        self.seekers += inflow - outflow
        self.flows["inflow"] += inflow
        self.flows["outflow"] += outflow
        movers_subsidised[:] = inflow
        return moves
