"""The firms' life cycle: creating firms (rows and agents), removing them, relocating them.

Used by set-up and by the exit and entry phases (:mod:`model.phases.demography`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from agents.firms import Firm
from model.phases.compute import release_compute
from model.phases.labour import update_prices
from model.phases.view import PhaseModel
from model.vocab import TIERS, Layer, Segment


def entrant_segments(model: PhaseModel, u: np.ndarray, regions: np.ndarray,
                     layers: np.ndarray) -> np.ndarray:
    """Segments of entrants from their uniforms ``u``: base uniform over three; app
    integrators at the region's step-0 integrator share."""
    seg = np.where(layers == Layer.BASE,
                   np.minimum((u * 3).astype(np.int64), Segment.FRAMEWORKS),
                   Segment.GENERAL_TECH)
    app_seg = np.where(u < model.integrator_share0[regions], Segment.INTEGRATORS,
                       Segment.APPLICATIONS)
    return np.where(layers == Layer.APP, app_seg, seg).astype(np.int64)


def add_firms(model: PhaseModel, **cols: Any) -> np.ndarray:
    """Create firms (rows and agents) born this step; returns their rows."""
    n = len(cols["region"])
    if "key" not in cols:
        raise ValueError("add_firms: the firms' identity keys are required (model.keyed)")
    if "group" not in cols:
        cols["group"] = np.arange(model.next_group, model.next_group + n)
        model.next_group += n
    cols.setdefault("born", model.steps)
    rows = model.firms.add(n, **cols)
    model.firms.suppliers[rows] = -1
    update_prices(model, rows)
    model.register_firms(Firm.create_many(model, rows))
    return rows


def remove_firms(model: PhaseModel, rows: np.ndarray) -> None:
    """Remove firms: staff become job-seekers; positive cash is paid out to owners,
    negative cash written off by creditors."""
    f = model.firms
    if rows.size == 0:
        return
    release_compute(model, rows)
    reg = f.region[rows]
    for k in range(len(TIERS)):
        model.talent.seekers[:, k] += np.bincount(
            reg, f.employees[rows, k], minlength=model.n_regions).astype(np.int64)
    cash = f.cash[rows]
    model.ledger.add_by_region("liquidation", reg, np.maximum(cash, 0.0))
    model.ledger.add_by_region("writeoff", reg, np.maximum(-cash, 0.0))
    f.employees[rows] = 0
    f.cash[rows] = 0.0
    f.alive[rows] = False
    Firm.remove_many(model, model.unregister_firms(rows))


def relocate_firm(model: PhaseModel, row: int, region: int) -> None:
    """Move a whole firm (headquarters included) to another region."""
    f = model.firms
    origin = int(f.region[row])
    release_compute(model, np.array([row]))
    model.ledger.add("transfers", origin, -float(f.cash[row]))
    model.ledger.add("transfers", region, float(f.cash[row]))
    model.talent.seekers[origin] += f.employees[row]
    f.employees[row] = 0
    if f.home[row] == origin:
        f.home[row] = region
    f.region[row] = region
    f.suppliers[row] = -1


def compact_rows(model: PhaseModel) -> None:
    """Remove dead firms' rows from the firm table, keeping the live firms' order, and
    remap every row index the model holds: agents, partnerships, pending branches,
    leaders and the live rows. Rows are positions only (a firm's draws come from its key),
    so results are bit-identical with or without compacting (tested)."""
    agents = model.unregister_firms(model.firms.live())
    remap = model.firms.compact()
    live = remap >= 0
    for agent in agents:
        agent.row = int(remap[agent.row])
    model.register_firms(agents)
    pr = model.partners
    keep = live[pr.a] & live[pr.b]
    pr.a, pr.b = remap[pr.a[keep]], remap[pr.b[keep]]
    # a dead parent's pending branch stays (parent -1) so that its promise is released
    # when due, as without compaction
    model.pending = [replace(b, parent=int(remap[b.parent]) if b.parent >= 0 else -1)
                     for b in model.pending]
    model.leader_rows = {k: int(remap[r]) for k, r in model.leader_rows.items() if live[r]}
    model.set_live(model.firms.live())
