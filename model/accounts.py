"""Money flows: a per-region ledger of the quarter's payments, and the identities they obey.

Every payment into or out of a firm's cash is recorded here under one of
:data:`FLOWS` (mRMB, per region of the firm that pays or receives; remittances in are
recorded at the home region). The stock-flow identity tested every step:

    Σ_firms Δcash = final_sales + intermediate_sales + subsidies + seed_capital + transfers
                    - intermediate_purchases - compute_public - compute_commercial
                    - wages - marketing - overheads - taxes - remittances_out
                    - liquidation + writeoff

and, nationally, intermediate_sales = intermediate_purchases + compute_commercial,
remittances_out = remittances_in and transfers = 0 (capital a parent gives its new branch
and the cash of a relocating firm move between regions). Marketing includes what firms
spend of brand-support grants.
"""

from __future__ import annotations

import numpy as np

FLOWS: tuple[str, ...] = (
    "final_sales", "intermediate_sales", "intermediate_purchases", "compute_public",
    "compute_commercial", "wages", "marketing", "overheads", "taxes", "remittances_out",
    "remittances_in",
    "subsidies", "vouchers", "introduction_subsidies", "seed_capital", "liquidation",
    "writeoff", "transfers", "profit",
)

INFLOWS = ("final_sales", "intermediate_sales", "subsidies", "seed_capital", "writeoff",
           "transfers")
OUTFLOWS = ("intermediate_purchases", "compute_public", "compute_commercial", "wages",
            "marketing", "overheads", "taxes", "remittances_out", "liquidation")


class Ledger:
    """The quarter's money flows by region, mRMB.

    Args:
        n_regions: Number of regions.
    """

    def __init__(self, n_regions: int) -> None:
        self.n_regions = n_regions
        self.flows = {name: np.zeros(n_regions) for name in FLOWS}

    def reset(self) -> None:
        """Zero every flow (start of a quarter)."""
        for arr in self.flows.values():
            arr[:] = 0.0

    def add(self, name: str, region: int, amount: float) -> None:
        """Record ``amount`` for one region."""
        self.flows[name][region] += amount

    def add_array(self, name: str, amounts: np.ndarray) -> None:
        """Record a (regions,) array of amounts."""
        self.flows[name] += amounts

    def add_by_region(self, name: str, regions: np.ndarray, amounts: np.ndarray) -> None:
        """Record per-firm ``amounts`` summed by the firms' ``regions``."""
        self.flows[name] += np.bincount(regions, amounts, minlength=self.n_regions)

    def net_cash_change(self) -> float:
        """National change in firms' cash implied by the recorded flows."""
        inflow = sum(self.flows[n].sum() for n in INFLOWS)
        outflow = sum(self.flows[n].sum() for n in OUTFLOWS)
        return float(inflow - outflow)

    def totals(self) -> dict[str, float]:
        """National total of each flow."""
        return {name: float(arr.sum()) for name, arr in self.flows.items()}
