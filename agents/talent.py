"""Talent supply: universities and training per region, talent pools, migration.

Talent is held as cohort counts per region and tier (general, high-end, composite):
employed people sit in firms' ``employees`` columns, job-seekers in
:class:`model.state.talent.TalentStock`.
The accounting identity, per region and tier, holds every quarter:

    stock change = graduates + upgrades_in - upgrades_out + inflow - outflow - retirements

where stock = employed in AI firms + job-seekers. A :class:`University` agent and a
:class:`TalentPool` agent per region are the Mesa agents a researcher sees; the arrays
here do the work for all regions at once.
"""

from __future__ import annotations

import mesa
import numpy as np

from model.params import TIERS
from model.protocol import AgentModel


class University(mesa.Agent):
    """The universities and training programmes of one region, one agent per region.

    Args:
        model: The owning model.
        region: Region index.
        graduate_share: Share of national AI graduates trained here.
    """

    def __init__(self, model: AgentModel, region: int, graduate_share: float) -> None:
        super().__init__(model)
        self.region = region
        self.graduate_share = graduate_share

    def graduates_per_quarter(self) -> np.ndarray:
        """Expected graduates this quarter by tier (without policy-funded cohorts)."""
        p = self.model.p
        annual = p["talent.national_graduates"] * self.graduate_share
        shares = np.array([
            1.0 - p["talent.grad_share_high_end"] - p["talent.grad_share_composite"],
            p["talent.grad_share_high_end"],
            p["talent.grad_share_composite"],
        ])
        return annual / 4.0 * np.clip(shares, 0.0, 1.0)


class TalentPool(mesa.Agent):
    """The AI talent of one region: a read-only view of stocks, wages and flows.

    Args:
        model: The owning model.
        region: Region index.
    """

    def __init__(self, model: AgentModel, region: int) -> None:
        super().__init__(model)
        self.region = region

    @property
    def seekers(self) -> dict[str, int]:
        """Job-seekers by tier."""
        return dict(zip(TIERS, self.model.talent.seekers[self.region].tolist(), strict=True))

    @property
    def employed(self) -> dict[str, int]:
        """People employed by the region's AI firms, by tier."""
        return dict(zip(TIERS, self.model.employed_by_region()[self.region].tolist(),
                        strict=True))

    @property
    def wages(self) -> dict[str, float]:
        """Wages by tier, thousand RMB per year."""
        return dict(zip(TIERS, (self.model.talent.wages[self.region] * 4000).tolist(),
                        strict=True))
