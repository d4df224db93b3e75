"""Each region's recruitment book: the fund that backs its promises, what is promised and
not yet paid, and the delivery record that courted firms expect (ODD §7.20)."""

from __future__ import annotations

import numpy as np


class RecruitmentBook:
    """Recruitment promises of every region, in mRMB, kept across quarters.

    A region courts a firm only if its fund can back the whole promise (cash and factor
    support); the promise is then reserved until the branch opens (paid, or released if
    it is not delivered or the firm declines or dies). The fund receives the programme's
    quarterly budget and keeps at most one year's budget unreserved (the rest lapses).

    Attributes:
        fund: (regions,) unreserved money that can back new promises.
        allowance: (regions,) value of the promises the region may still offer: each quarter's
            budget is added (at most one year's budget is kept) and every courtship uses its
            promise whether accepted or not, so a year's courtships are worth at most a
            year's budget.
        reserved: (regions,) promised to firms that accepted, not yet paid.
        credibility: (regions,) share of a promise's factor support firms expect to be
            delivered: the region's delivery record, NaN until its programme first acts.
        memory: (regions,) weight of each opening's delivery in the record.
        courted: (regions,) firms courted this quarter.
        deposited, paid: (regions,) totals since the start: the identity
            ``fund + reserved + paid + lapsed = deposited`` holds (lapsed: kept above the cap).
    """

    def __init__(self, n_regions: int) -> None:
        self.fund = np.zeros(n_regions)
        self.reserved = np.zeros(n_regions)
        self.credibility = np.full(n_regions, np.nan)
        self.memory = np.zeros(n_regions)
        self.courted = np.zeros(n_regions, dtype=np.int64)
        self.allowance = np.zeros(n_regions)  # promises it may still offer (≤ a year's budget)
        self.deposited = np.zeros(n_regions)
        self.paid = np.zeros(n_regions)
        self.lapsed = np.zeros(n_regions)

    def reset_quarter(self) -> None:
        """Zero the quarter's counters."""
        self.courted[:] = 0

    def deposit(self, region: int, amount: float, cap: float) -> None:
        """Add a quarter's budget; the unreserved fund is held at most at ``cap``."""
        self.deposited[region] += amount
        self.allowance[region] = min(self.allowance[region] + amount, max(cap, 0.0))
        kept = min(self.fund[region] + amount, max(cap, 0.0))
        self.lapsed[region] += self.fund[region] + amount - kept
        self.fund[region] = kept

    def reserve(self, region: int, amount: float) -> None:
        """Move ``amount`` from the fund to the reserved promises."""
        self.fund[region] -= amount
        self.reserved[region] += amount

    def release(self, region: int, amount: float) -> None:
        """Return an unpaid promise to the fund."""
        self.reserved[region] -= amount
        self.fund[region] += amount

    def pay(self, region: int, amount: float) -> None:
        """A reserved promise is paid."""
        self.reserved[region] -= amount
        self.paid[region] += amount

    def record(self, region: int, delivered: float) -> None:
        """Update the delivery record with one opening's delivered share of its promise."""
        c = self.credibility[region]
        self.credibility[region] = c + self.memory[region] * (delivered - c)
