"""Links and roles: supplier links re-drawn for some firms, and firms' roles (leading
firm, little giant, chain master) by thresholds relative to the quarter's industry."""

from __future__ import annotations

import numpy as np

from model.keyed_choice import Options
from model.phases.trade import PULL_LAYER, input_bonus, seller_weights
from model.phases.view import PhaseModel
from model.rowsum import row_sum
from model.vocab import Layer, Segment

#: The layer a buyer of each layer buys its inputs from.
SUPPLIER_LAYER = (Layer.BASE, Layer.BASE, Layer.TECH)


def refresh_suppliers(model: PhaseModel, rows: np.ndarray, everyone: bool = False) -> None:
    """Re-draw supplier links of a random share of firms (and of firms whose first supplier
    is missing or has exited)."""
    p, f = model.p, model.firms
    churn = model.draws("suppliers.churn").bernoulli(f.key[rows], p["roles.supplier_churn"])
    first = f.suppliers[rows, 0]
    missing = (first < 0) | ~f.alive[np.maximum(first, 0)]
    redo = rows if everyone else rows[churn | missing]
    if redo.size == 0:
        return
    pick = model.draws("suppliers.pick")
    for seller_layer in (Layer.BASE, Layer.TECH):
        buyer_layers = [b for b in Layer if SUPPLIER_LAYER[b] == seller_layer]
        buyers = redo[np.isin(f.layer[redo], buyer_layers)]
        if buyers.size == 0:
            continue
        sellers = rows[f.layer[rows] == seller_layer]
        if sellers.size == 0:
            f.suppliers[buyers] = -1
            continue
        options = Options(f.region[sellers], f.key[sellers], seller_weights(model, sellers),
                          model.n_regions)
        # the local pull of the seller layer's market (trade.PULL_LAYER) for every buyer,
        # integrators' technology purchases with their extra local bonus
        bonus = input_bonus(model, rows, PULL_LAYER[seller_layer])[f.region[buyers]]
        if seller_layer == Layer.TECH:
            bonus = bonus + p["market.integrator_local_sourcing"] * (
                f.segment[buyers] == Segment.INTEGRATORS)
        keys = f.key[buyers]
        # each slot a chooser keyed by (buyer, slot); choosers ordered (slot, buyer)
        hashes = np.concatenate([pick.hashes(keys, slot) for slot in range(f.slots)])
        reg = np.tile(f.region[buyers], f.slots)
        own = np.tile(np.expm1(bonus), f.slots)
        chosen = options.choose(hashes, bonus_group=reg, boost=own).reshape(f.slots, -1).T
        f.suppliers[buyers] = np.where(chosen >= 0, sellers[np.maximum(chosen, 0)], -1)


def leading_thresholds(model: PhaseModel, rows: np.ndarray) -> np.ndarray:
    """Per layer, the ``roles.leading_percentile`` of the smoothed revenue of the layer's
    live firms ``rows`` nationally (a relative threshold: a leading firm is a position in
    the industry of its time, not a fixed sum of money that growth inflates away)."""
    f, q = model.firms, model.p["roles.leading_percentile"]
    lay = f.layer[rows]
    return np.array([np.percentile(f.revenue_smooth[rows[lay == k]], q)
                     if (lay == k).any() else np.inf for k in range(3)])


def update_roles(model: PhaseModel, rows: np.ndarray) -> None:
    """Leading, little giant and chain master by the quarter's relative rules (ODD §7.16).

    Leading: smoothed revenue at or above :func:`leading_thresholds`. Little giants: the
    most capable eligible firms (single-establishment SMEs that are not leading) of each
    layer, as many as ``roles.little_giant_share`` of the layer's live firms.
    """
    p, f = model.p, model.firms
    lay = f.layer[rows]
    model.leading_threshold = leading_thresholds(model, rows)
    f.leading[rows] = f.revenue_smooth[rows] >= model.leading_threshold[lay]
    sizes = np.bincount(f.group[rows], minlength=int(f.group[rows].max()) + 1)
    single = sizes[f.group[rows]] == 1
    sme = row_sum(f.employees[rows]) <= p["roles.sme_max_employees"]
    eligible = ~f.leading[rows] & sme & single
    cut = np.full(3, np.inf)
    for k in range(3):
        x = f.logcap[rows[eligible & (lay == k)]]
        n = min(int(round(p["roles.little_giant_share"] * np.count_nonzero(lay == k))), x.size)
        if n > 0:
            cut[k] = np.partition(x, x.size - n)[x.size - n]  # the n-th largest
    model.little_giant_threshold = cut
    f.little_giant[rows] = eligible & (f.logcap[rows] >= cut[lay])
    f.chain_master[rows] = False
    lead = rows[f.leading[rows]]
    sup = f.suppliers[lead]
    sup_safe = np.where(sup >= 0, sup, 0)
    local = (sup >= 0) & f.alive[sup_safe] & (f.region[sup_safe] == f.region[lead][:, None])
    ordered = np.sort(np.where(local, sup, -1), axis=1)
    distinct = (ordered >= 0) & np.concatenate(
        [np.ones((lead.size, 1), dtype=bool), ordered[:, 1:] != ordered[:, :-1]], axis=1)
    f.chain_master[lead] = distinct.sum(axis=1) >= p["roles.chain_master_min_local_suppliers"]
