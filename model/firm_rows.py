"""Firm-level output columns (``firms.parquet``): declarations and the table of live firms."""

from __future__ import annotations

import numpy as np

from model.phases.view import PhaseModel
from model.rowsum import row_sum
from model.vocab import LAYERS, SEGMENTS

#: Firm-level columns written to firms.parquet (besides step): name -> (unit, meaning).
FIRM_FIELDS: dict[str, tuple[str, str]] = {
    "firm_id": ("id", "Mesa unique_id of the establishment."),
    "group_id": ("id", "Group (parent company) id; shared by a group's establishments."),
    "region": ("region", "Region where it operates."),
    "home_region": ("region", "Region of the group's headquarters."),
    "layer": ("layer", "base, tech or app."),
    "segment": ("segment", "Segment within the layer."),
    "employees": ("persons", "Employees, all tiers."),
    "employees_general": ("persons", "Employees, general tier."),
    "employees_high_end": ("persons", "Employees, high-end tier."),
    "employees_composite": ("persons", "Employees, composite tier."),
    "revenue": ("mRMB/quarter", "Revenue in the quarter."),
    "capability": ("index", "Capability (exp of log capability)."),
    "brand": ("brand units", "Brand stock."),
    "price": ("index", "Price (unit cost × markup)."),
    "cash": ("mRMB", "Cash at the end of the quarter."),
    "profit": ("mRMB/quarter", "After-tax profit including subsidies."),
    "value_added": ("mRMB/quarter", "Value added: revenue - inputs and compute - marketing - "
                    "overheads (= wages + operating profit before tax; subsidies excluded)."),
    "rd": ("mRMB/quarter", "R&D budget."),
    "age": ("quarters", "Age."),
    "is_branch": ("flag", "Opened as a branch of an outside group."),
    "leading": ("flag", "Leading firm."),
    "chain_master": ("flag", "Chain master."),
    "little_giant": ("flag", "Specialized little giant."),
    "integrator": ("flag", "Integrator segment."),
}


def firm_table(model: PhaseModel) -> dict[str, np.ndarray]:
    """One entry per live firm for every column of :data:`FIRM_FIELDS`."""
    f = model.firms
    rows = f.live()
    names = np.array(model.region_names, dtype=object)
    emp = f.employees[rows]
    return {
        "firm_id": f.agent_id[rows],
        "group_id": f.group[rows],
        "region": names[f.region[rows]],
        "home_region": names[f.home[rows]],
        "layer": np.array(LAYERS, dtype=object)[f.layer[rows]],
        "segment": np.array(SEGMENTS, dtype=object)[f.segment[rows]],
        "employees": row_sum(emp),
        "employees_general": emp[:, 0],
        "employees_high_end": emp[:, 1],
        "employees_composite": emp[:, 2],
        "revenue": f.revenue[rows],
        "capability": np.exp(f.logcap[rows]),
        "brand": f.brand[rows],
        "price": f.price[rows],
        "cash": f.cash[rows],
        "profit": f.profit[rows],
        "value_added": f.value_added[rows],
        "rd": f.rd[rows],
        "age": model.steps - f.born[rows],
        "is_branch": f.is_branch[rows],
        "leading": f.leading[rows],
        "chain_master": f.chain_master[rows],
        "little_giant": f.little_giant[rows],
        "integrator": f.segment[rows] == SEGMENTS.index("integrators"),
    }
