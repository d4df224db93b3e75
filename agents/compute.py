"""The public compute centre of a region and firms' choice of where to buy compute."""

from __future__ import annotations

import mesa

from model.protocol import AgentModel


class ComputeCenter(mesa.Agent):
    """A region's public (super)computing centre.

    Capacity is measured in mRMB of compute per quarter at market price. Part of it is used
    by non-AI users (``compute.outside_use``); local AI firms buy the rest by a logit
    between the centre and commercial cloud on effective price and usage friction (lower
    with the diversified service model). The sources give no utilisation figures: compute
    results are scenarios, not calibrations.

    Args:
        model: The owning model.
        region: Region index.
        capacity: mRMB per quarter at market price.
        price: List price relative to the market.
        service_model: ``"raw"`` or ``"diversified"``.
    """

    def __init__(self, model: AgentModel, region: int, capacity: float, price: float,
                 service_model: str) -> None:
        super().__init__(model)
        self.region = region
        self.capacity = capacity
        self.price = price
        self.service_model = service_model
        self.used_local = 0.0
        self.used_outside = 0.0
        self.revenue = 0.0

    @property
    def utilization(self) -> float:
        """Share of capacity used last quarter (0 for a centre without capacity)."""
        if self.capacity <= 0:
            return 0.0
        return (self.used_local + self.used_outside) / self.capacity

    @property
    def local_share(self) -> float:
        """Share of last quarter's use by local AI firms (0 when unused)."""
        used = self.used_local + self.used_outside
        return self.used_local / used if used > 0 else 0.0
