"""Initialization: the step-0 population of firms and talent, built from a scenario.

Order: firm counts per region (assumed counts scaled by
``calibration.other_provinces_scale``) → counts per layer (explicit splits, the rest from
the national mix) → segments (integrators from the alliance figures) → named leaders →
capabilities (regional mean from relative wages and the coast advantage, normal spread;
leaders at a national quantile) → prices → step-0 market allocation → employees sized to
step-0 sales → cash, role thresholds, ages (exponential; leaders at least 10 years),
job-seekers, supplier links.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from agents.firms import Firm
from model.params import LAYERS, SEGMENTS
from model.phases.labour import labour_demand, update_prices
from model.phases.trade import initial_allocation
from model.phases.view import PhaseModel
from model.rowsum import row_sum
from model.vocab import Layer

SEG = {name: i for i, name in enumerate(SEGMENTS)}


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total``."""
    weights = np.asarray(weights, dtype=float)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(weights.size, dtype=np.int64)
    exact = total * weights / weights.sum()
    out = np.floor(exact).astype(np.int64)
    rest = total - out.sum()
    order = np.argsort(-(exact - out), kind="stable")
    out[order[:rest]] += 1
    return out


def region_counts(model: PhaseModel) -> np.ndarray:
    """Firms per region at step 0 (assumed counts scaled)."""
    cfg, scale = model.config, model.p["calibration.other_provinces_scale"]
    out = []
    for r in model.region_names:
        n = cfg.region(r, "firms")
        if cfg.region(r, "assumed"):
            n = int(round(n * scale))
        out.append(n)
    return np.array(out, dtype=np.int64)


def layer_counts(model: PhaseModel, counts: np.ndarray) -> np.ndarray:
    """(regions, layers) firm counts: explicit splits, others from the residual mix."""
    cfg, p = model.config, model.p
    nat = np.array([p["national.share_base"], p["national.share_tech"], 0.0])
    nat[Layer.APP] = 1.0 - nat[Layer.BASE] - nat[Layer.TECH]
    target = nat * counts.sum()
    shares = np.zeros((counts.size, 3))
    explicit = np.zeros(counts.size, dtype=bool)
    for i, r in enumerate(model.region_names):
        b, t = cfg.region(r, "share_base"), cfg.region(r, "share_tech")
        if b is not None:
            shares[i] = (b, t, 1.0 - b - t)
            explicit[i] = True
    rest = target - (shares[explicit] * counts[explicit, None]).sum(axis=0)
    rest = np.maximum(rest, 0.0)
    if (~explicit).any():
        shares[~explicit] = rest / rest.sum() if rest.sum() > 0 else nat
    out = np.zeros((counts.size, 3), dtype=np.int64)
    for i in range(counts.size):
        out[i] = largest_remainder(int(counts[i]), shares[i])
    # named leaders need a slot in their layer
    for lead in model.config.leaders:
        r = model.region_names.index(cfg[f"leaders.{lead}.region"])
        layer = LAYERS.index(cfg[f"leaders.{lead}.layer"])
        need = sum(1 for q in model.config.leaders
                   if cfg[f"leaders.{q}.region"] == model.region_names[r]
                   and cfg[f"leaders.{q}.layer"] == LAYERS[layer])
        while out[r, layer] < need:
            donor = int(np.argmax(out[r]))
            if out[r, donor] <= 0 or donor == layer:
                raise ValueError(f"regions.{model.region_names[r]}.firms: too few firms for "
                                 "its named leaders")
            out[r, donor] -= 1
            out[r, layer] += 1
    return out


def integrator_counts(model: PhaseModel, app: np.ndarray) -> np.ndarray:
    """Integrator-segment firms per region: alliance figures where given, else derived.

    Regions without a figure share the rest of the alliance total in proportion to their
    application firms; no region gets more integrators than application firms.
    """
    cfg, p = model.config, model.p
    given = np.array([cfg.region(r, "integrators") is not None for r in model.region_names])
    out = np.zeros(app.size, dtype=np.int64)
    for i, r in enumerate(model.region_names):
        if given[i]:
            out[i] = cfg.region(r, "integrators")
    rest = max(p["national.alliance_integrators"] - int(out.sum()), 0)
    if (~given).any():
        out[~given] = largest_remainder(rest, app[~given].astype(float))
    return np.minimum(out, app)


def populate(model: PhaseModel) -> None:
    """Create every step-0 firm (agents and table rows), talent pools and links."""
    cfg, p = model.config, model.p
    counts = region_counts(model)
    by_layer = layer_counts(model, counts)
    integrators = integrator_counts(model, by_layer[:, Layer.APP])
    wages = np.array([cfg.region(r, "wage") for r in model.region_names])
    natl_wage = float((wages * counts).sum() / max(counts.sum(), 1))
    coast = np.array([cfg.region(r, "coast") for r in model.region_names], dtype=float)
    mu = np.log(wages / natl_wage) + coast * p["calibration.coast_capability"]

    region, layer, segment, index = [], [], [], []
    for i in range(model.n_regions):
        for lay in range(3):
            n = int(by_layer[i, lay])
            if lay == Layer.BASE:
                segs = np.repeat([SEG["chips"], SEG["data"], SEG["frameworks"]],
                                 largest_remainder(n, np.ones(3)))
            elif lay == Layer.TECH:
                segs = np.full(n, SEG["general_tech"])
            else:
                k = int(integrators[i])
                segs = np.concatenate([np.full(k, SEG["integrators"]),
                                       np.full(n - k, SEG["applications"])])
            region.append(np.full(n, i))
            layer.append(np.full(n, lay))
            segment.append(segs)
            index.append(np.arange(n))
    region_a = np.concatenate(region).astype(np.int64)
    layer_a = np.concatenate(layer).astype(np.int64)
    segment_a = np.concatenate(segment).astype(np.int64)
    key_a = model.keyed.initial_firm_keys(region_a, layer_a, np.concatenate(index))
    logcap_a = mu[region_a] + p["calibration.capability_sigma"] * model.draws(
        "init.capability").normal(key_a)
    n = region_a.size
    group_a = np.arange(n, dtype=np.int64)
    home_a = region_a.copy()
    brand_a = np.full(n, p["innovation.brand_gain"] * np.log(2.0))  # steady state, no grants
    model.talent.wages[:] = (wages / 4000.0)[:, None] * model.wage_ratios[None, :]
    _place_leaders(model, region_a, layer_a, segment_a, logcap_a, group_a, home_a, brand_a)

    f = model.firms
    rows = f.add(n, region=region_a, home=home_a, layer=layer_a, segment=segment_a,
                 group=group_a, logcap=logcap_a, brand=brand_a, born=0, key=key_a)
    model.next_group = int(group_a.max()) + 1
    model.register_firms(Firm.create_many(model, rows))
    _initial_state(model, rows)


def _initial_state(model: PhaseModel, rows: np.ndarray) -> None:
    """Step-0 prices, sales, staff, cash, job-seekers and ages of the
    firms just created (rows ``rows``), and the national layer mix."""
    p, f = model.p, model.firms
    layer_a, logcap_a = f.layer[rows], f.logcap[rows]

    update_prices(model, rows)
    sales = initial_allocation(model, rows)
    f.revenue[rows] = f.revenue_smooth[rows] = f.expected_sales[rows] = sales
    f.demand[rows] = sales
    f.rd[rows] = p["innovation.rd_intensity"] * sales
    labour_demand(model, rows, growth=1.0)
    f.employees[rows] = f.desired[rows]
    f.cash[rows] = p["calibration.initial_cash_quarters"] * sales
    employed = model.employed_by_region()
    model.talent.seekers[:] = np.floor(employed * p["calibration.initial_seeker_ratio"])
    ages = np.floor(p["calibration.mean_initial_age"]
                    * model.draws("init.age").exponential(f.key[rows]))
    ages[list(model.leader_rows.values())] = np.maximum(
        ages[list(model.leader_rows.values())], 40.0)
    f.born[rows] = -ages.astype(np.int64)
    mix = np.bincount(layer_a, minlength=3).astype(float)
    model.national_mix0 = mix / mix.sum()
    rev = np.bincount(layer_a, sales, minlength=3)
    model.national_mix0_revenue = rev / rev.sum() if rev.sum() > 0 else model.national_mix0
    cap = np.bincount(layer_a, np.exp(logcap_a), minlength=3)
    model.capability_mean0 = np.divide(cap, mix, out=np.ones(3), where=mix > 0)


def _place_leaders(model: PhaseModel, region: np.ndarray, layer: np.ndarray,
                   segment: np.ndarray, logcap: np.ndarray, group: np.ndarray,
                   home: np.ndarray, brand: np.ndarray) -> None:
    """Turn one ordinary firm per named leader into that leader's establishment."""
    cfg, p = model.config, model.p
    taken = np.zeros(region.size, dtype=bool)
    groups: dict[str, int] = {}
    next_id = int(group.max()) + 1 if group.size else 0
    # Leaders sit at a national quantile of competitiveness V = (b_c + b_p)·x - b_p·log w
    # (what buyers compare), so a branch in a low-wage region is not priced below its peers.
    b_c, b_p = p["market.beta_capability"], p["market.beta_price"]
    log_w = np.log(model.talent.wages[region, 0])
    v = (b_c + b_p) * logcap - b_p * log_w
    quantiles = {lay: np.quantile(v[layer == lay], p["calibration.leader_quantile"])
                 for lay in range(3) if (layer == lay).any()}
    for lead in cfg.leaders:
        name = cfg[f"leaders.{lead}.group"]
        r = model.region_names.index(cfg[f"leaders.{lead}.region"])
        lay = LAYERS.index(cfg[f"leaders.{lead}.layer"])
        seg = SEG[cfg[f"leaders.{lead}.segment"]]
        pool = np.flatnonzero((region == r) & (layer == lay) & ~taken)
        same_seg = pool[segment[pool] == seg]
        row = int(same_seg[0] if same_seg.size else pool[0])
        taken[row] = True
        if name not in groups:
            groups[name] = next_id
            next_id += 1
        group[row] = groups[name]
        home[row] = model.region_names.index(cfg[f"leaders.{lead}.home_region"])
        segment[row] = seg
        logcap[row] = (quantiles[lay] + b_p * log_w[row]) / max(b_c + b_p, 1e-9)
        brand[row] = p["calibration.leader_brand"]
        model.leader_rows[lead] = row
    model.group_names.update({gid: name for name, gid in groups.items()})


def initial_margin(model: PhaseModel, rows: np.ndarray) -> np.ndarray:
    """National after-tax operating margin by layer at step 0 (reference for entry); sets
    the firms' step-0 ``value_added`` from the same costs."""
    f, p = model.firms, model.p
    wages = row_sum(f.employees[rows] * model.talent.wages[f.region[rows]])
    costs = (model.input_coef[f.layer[rows]] * f.revenue[rows] + wages
             + p["innovation.compute_share"] * f.rd[rows]
             + p["innovation.marketing_intensity"] * f.revenue[rows]
             + model.fixed_cost[f.region[rows]])
    operating = f.revenue[rows] - costs
    f.value_added[rows] = operating + wages  # step-0 value added, as settle books it
    prof = operating - p["tax.profit_rate"] * np.maximum(operating, 0.0)  # after tax
    rev = np.bincount(f.layer[rows], f.revenue[rows], minlength=3)
    return np.divide(np.bincount(f.layer[rows], prof, minlength=3), rev,
                     out=np.zeros(3), where=rev > 0)


def region_shares(model: PhaseModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each region's share of national final demand, its share of projects and its share
    of graduates: from the scenario where given, else from GDP and firm counts."""
    cfg, p, n_r = model.config, model.p, model.n_regions
    names = model.region_names
    gdp = np.array([cfg.region(r, "gdp_share") for r in names])
    counts = region_counts(model).astype(float)
    gdp_part = gdp / gdp.sum() if gdp.sum() > 0 else np.full(n_r, 1.0 / n_r)
    firm_part = counts / counts.sum() if counts.sum() > 0 else gdp_part
    w = p["demand.gdp_weight"]
    demand_share = w * gdp_part + (1.0 - w) * firm_part
    project_share = np.array([
        cfg.region(r, "project_share") if cfg.region(r, "project_share") is not None
        else p["demand.project_share"] for r in names])
    grad = np.array([cfg.region(r, "graduate_share") if cfg.region(r, "graduate_share")
                     is not None else np.nan for r in names])
    gw = p["talent.graduate_firm_weight"]
    grad = np.where(np.isnan(grad), (1.0 - gw) * gdp_part + gw * firm_part, grad)
    graduate_share = grad / grad.sum() if grad.sum() > 0 else gdp_part
    return demand_share, project_share, graduate_share


def tier_mix(p: Mapping[str, Any]) -> np.ndarray:
    """(layers, tiers) staffing mix of each layer: general, high-end and composite shares."""
    mix = np.zeros((3, 3))
    for lay, name in enumerate(LAYERS):
        hi, co = p[f"labour.high_end_share_{name}"], p[f"labour.composite_share_{name}"]
        mix[lay] = (max(1.0 - hi - co, 0.0), hi, co)
    return mix / mix.sum(axis=1, keepdims=True)
