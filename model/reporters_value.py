"""Region columns that do not reward weak entrants: value added, revenue and value-added
shares of the base and technology layers, capability-weighted counts.

A count of firms rises with every subsidised entrant however weak; these columns weigh each
firm by what it produces (revenue, value added) or by its capability relative to the step-0
national mean of its layer. They are declared by :func:`register_value_reporters`, which
:mod:`model.reporters` calls after its money columns (the output columns' order).
Value added of a firm (``FirmTable.value_added``, booked in ``model.phases.trade.settle``)
is revenue − inputs and compute − marketing − overheads = wages + operating profit before
tax; subsidies are not value added.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from model.reporting import Context, ratio, reporter
from model.vocab import LAYERS, Layer


def value_added_local(ctx: Context) -> np.ndarray:
    """Value added of the region's firms, mRMB/quarter."""
    return ctx.value_added_by_layer.sum(axis=1)


def revenue_base_tech(ctx: Context) -> np.ndarray:
    """Revenue of the region's base and technology firms, mRMB/quarter."""
    rev = ctx.revenue_by_layer
    return rev[:, Layer.BASE] + rev[:, Layer.TECH]


def value_added_base_tech(ctx: Context) -> np.ndarray:
    """Value added of the region's base and technology firms, mRMB/quarter."""
    va = ctx.value_added_by_layer
    return va[:, Layer.BASE] + va[:, Layer.TECH]


def base_tech_share_revenue(ctx: Context) -> np.ndarray:
    """Base and technology firms' share of the region's AI revenue."""
    rev = ctx.revenue_by_layer
    return ratio(rev[:, Layer.BASE] + rev[:, Layer.TECH], rev.sum(axis=1))


def base_tech_share_value_added(ctx: Context) -> np.ndarray:
    """Base and technology firms' share of the region's value added (layer totals floored
    at 0, so that the share stays in [0, 1])."""
    va = np.maximum(ctx.value_added_by_layer, 0.0)
    return ratio(va[:, Layer.BASE] + va[:, Layer.TECH], va.sum(axis=1))


def _weighted_count(lay: int) -> Callable[[Context], np.ndarray]:
    def func(ctx: Context) -> np.ndarray:
        return ctx.capability_weighted[:, lay].copy()
    func.__name__ = f"capability_weighted_{LAYERS[lay]}"
    return func


def capability_weighted_base_tech(ctx: Context) -> np.ndarray:
    """Base and technology firms weighted by capability, firm equivalents."""
    w = ctx.capability_weighted
    return w[:, Layer.BASE] + w[:, Layer.TECH]


def register_value_reporters() -> None:
    """Declare the columns of this module (in this order)."""
    reporter("value_added_local", "mRMB/quarter", "Value added produced by the firms located "
             "in the region: revenue - inputs and compute - marketing - overheads = wages + "
             "operating profit before tax (subsidies excluded; branches' included).")(
        value_added_local)
    reporter("revenue_base_tech", "mRMB/quarter", "Revenue of the region's base and "
             "technology firms.")(revenue_base_tech)
    reporter("value_added_base_tech", "mRMB/quarter", "Value added produced by the region's "
             "base and technology firms.")(value_added_base_tech)
    reporter("base_tech_share_revenue", "1", "Share of the region's AI revenue earned by its "
             "base and technology firms.", zero="0 without revenue")(base_tech_share_revenue)
    reporter("base_tech_share_value_added", "1", "Share of the region's value added produced "
             "by its base and technology firms (each layer's total floored at 0).",
             zero="0 without positive value added")(base_tech_share_value_added)
    for lay, name in enumerate(LAYERS):
        reporter(f"capability_weighted_{name}", "firm equivalents", f"{name}-layer firms, each "
                 "counted by its capability relative to the step-0 national mean of the layer "
                 "(a firm of half that capability counts 0.5).")(_weighted_count(lay))
    reporter("capability_weighted_base_tech", "firm equivalents", "capability_weighted_base + "
             "capability_weighted_tech: base and technology firms weighted by capability, "
             "the primary outcome of policy_comparison.")(capability_weighted_base_tech)
