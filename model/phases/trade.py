"""One quarter of trade: final demand, projects, intermediate inputs, compute, accounts.

Final demand per region follows a logistic path. A region's demand is partly smooth
(allocated by the local-bonus logit over all application firms) and partly lumpy projects
(Pareto sizes, each won by one application firm; integrators get a bonus, and a funded
local-preference programme favours local sellers). A won project enters the winner's
backlog and is delivered at ``1/demand.project_duration`` of the backlog per quarter.

Intermediate demand uses fixed input coefficients: application output buys technology
inputs, technology output buys base inputs, base output buys some base inputs (at last
quarter's level), and the commercial part of R&D compute is bought from base firms.
A firm can serve only what its staff can produce; unserved demand is lost and buyers pay
only for what they get. Every payment is recorded in the ledger.
"""

from __future__ import annotations

import numpy as np

from model.keyed_choice import Options
from model.markets import Allocation, allocate, project_values, project_wins, realized_share
from model.markets import seller_weights as weights_of
from model.phases.compute import pay_vouchers, provide_compute, public_compute, public_share
from model.phases.labour import capacity
from model.phases.view import PhaseModel
from model.rowsum import row_sum
from model.vocab import Layer, Segment


def seller_weights(model: PhaseModel, rows: np.ndarray, extra: np.ndarray | float = 0.0
                   ) -> np.ndarray:
    """Logit weights of the firms in ``rows`` as sellers."""
    p, f = model.p, model.firms
    return weights_of(f.logcap[rows], f.brand[rows], f.price[rows], p["market.beta_capability"],
                      p["market.beta_brand"], p["market.beta_price"], extra)


#: Whose leading firms pull a seller layer's market towards local sellers: technology
#: inputs, the leading application firms; base inputs (every buyer's, base firms' own
#: purchases and commercial compute included), the leading technology firms. Supplier
#: links (model.phases.links) draw from the same pull as the market they trace.
PULL_LAYER = {Layer.TECH: Layer.APP, Layer.BASE: Layer.TECH}


def input_bonus(model: PhaseModel, rows: np.ndarray, leader_layer: int) -> np.ndarray:
    """Local-supplier bonus of each region's input market whose pull comes from the
    leading firms of ``leader_layer`` (R,): ``input_home_bias + leader_pull ·
    log(1 + leaders)``; see :data:`PULL_LAYER`."""
    p, f = model.p, model.firms
    lead = rows[(f.layer[rows] == leader_layer) & f.leading[rows]]
    n_lead = np.bincount(f.region[lead], minlength=model.n_regions)
    return p["market.input_home_bias"] + p["market.leader_pull"] * np.log1p(n_lead)


def _serve(model: PhaseModel, sellers: np.ndarray, allocated: np.ndarray) -> np.ndarray:
    """Share of its allocation each seller can serve given its staff (fill in [0, 1])."""
    cap = capacity(model, sellers)
    return np.where(allocated > 0, np.minimum(1.0, cap / np.maximum(allocated, 1e-12)), 1.0)


def trade(model: PhaseModel, rows: np.ndarray) -> np.ndarray:
    """Run the quarter's markets for live firms ``rows``; returns compute units per mRMB.

    Sets ``revenue``, ``demand`` (what firms plan on: smooth demand plus the expected value
    of projects, not the lumpy wins) and cash flows of every firm and the regional market
    statistics used by reporters (local sourcing, projects, compute use). The markets run
    in the order final demand and projects, compute for R&D, technology inputs, base
    inputs; then every firm's accounts are booked.
    """
    p, f = model.p, model.firms
    layer = f.layer[rows]
    app, tech, base = rows[layer == Layer.APP], rows[layer == Layer.TECH], rows[layer == Layer.BASE]
    model.market_stats.reset()
    app_rev, app_planned = _final_market(model, app)

    tech_rev, tech_planned, phi_tech = _tech_market(model, rows, app, tech, app_rev)

    # --- compute: R&D compute of every firm and the technology layer's operating compute
    # (training and inference), each at the public centre or commercial (base firms) ----
    n_r = model.n_regions
    compute_money = p["innovation.compute_share"] * f.rd[rows]
    compute_by_region = np.bincount(f.region[rows], compute_money, minlength=n_r)
    kappa = p["compute.operating_share_tech"]
    operating = np.bincount(f.region[tech], kappa * tech_rev, minlength=n_r)
    pi, eff_price, voucher = public_compute(model, compute_by_region, operating)
    base_rev, base_planned, phi_base = _base_market(model, rows, tech, base, tech_rev,
                                                    (compute_by_region + operating) * (1.0 - pi))

    # --- revenue and costs per firm --------------------------------------------------
    revenue = np.zeros(f.n)
    revenue[app], revenue[tech], revenue[base] = app_rev, tech_rev, base_rev
    demand_alloc = np.zeros(f.n)
    demand_alloc[app], demand_alloc[tech], demand_alloc[base] = (
        app_planned, tech_planned, base_planned)
    inputs = np.zeros(f.n)
    inputs[app] = p["market.input_tech_per_app"] * app_rev * phi_tech
    inputs[tech] = (p["market.input_base_per_tech"] - kappa) * tech_rev * phi_base[f.region[tech]]
    inputs[base] = p["market.input_base_per_base"] * f.revenue[base] * phi_base[f.region[base]]
    reg = f.region[rows]
    # operating compute wanted, mRMB at market price (technology firms only)
    compute_units = kappa * revenue[rows] * (layer == Layer.TECH)
    # the centre charges its effective price per unit; R&D compute is a money budget
    comp_public = (compute_money + compute_units * eff_price[reg]) * pi[reg]
    comp_commercial = (compute_money + compute_units) * (1.0 - pi[reg]) * phi_base[reg]
    led = model.ledger
    led.add_by_region("intermediate_sales", f.region[tech], tech_rev)
    led.add_by_region("intermediate_sales", f.region[base], base_rev)
    led.add_by_region("intermediate_purchases", reg, inputs[rows])
    led.add_by_region("compute_commercial", reg, comp_commercial)
    led.add_by_region("compute_public", reg, comp_public)
    pay_vouchers(model, comp_public, reg, eff_price, voucher)

    f.revenue[rows] = revenue[rows]
    f.demand[rows] = demand_alloc[rows]
    provide_compute(model, rows, comp_public + comp_commercial)
    settle(model, rows, revenue[rows], inputs[rows] + comp_public + comp_commercial)
    units = np.where(eff_price > 0, pi / np.maximum(eff_price, 1e-9), 0.0) + (1.0 - pi) * phi_base
    return units[reg]


def _final_market(model: PhaseModel, app: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Final demand of the quarter: its smooth part and projects (with opened scenarios),
    served by application firms ``app``; returns their revenue and the demand they plan
    on (smooth sales plus the expected value of projects)."""
    p, f, lv, stats = model.p, model.firms, model.levers, model.market_stats
    n_r = model.n_regions
    demand = model.final_demand()
    proj_budget = demand * model.project_share
    smooth = demand - proj_budget
    w_app = seller_weights(model, app)
    home = np.full(n_r, p["market.home_bias"])
    alloc_final = allocate(w_app, f.region[app], smooth, home)
    integrator = f.segment[app] == Segment.INTEGRATORS
    w_proj = seller_weights(model, app, p["market.integrator_project_bonus"] * integrator)
    proj_bonus = np.full(n_r, p["market.project_home_bias"])
    # a funded preference programme favours the region's own integrators in its projects
    preference = lv.local_preference[f.region[app]] * integrator
    home = preference if preference.any() else None
    wins = project_wins(model.draws("projects"), model.keyed.region_keys(), f.key[app], w_proj,
                        f.region[app], proj_budget / p["demand.project_mean"], proj_bonus,
                        home)
    # firms plan on the expected value of project demand, not on lumpy wins
    proj_expected = allocate(w_proj, f.region[app], proj_budget, proj_bonus, home).sales
    won_value = project_values(model.draws("projects.size"), f.key[app], wins.own + wins.other,
                               p["demand.project_mean"], p["demand.project_tail"])
    won = (wins.own + wins.other) > 0
    stats.projects[:] = wins.by_buyer
    stats.projects_local_integrator[:] = np.bincount(f.region[app], wins.own * integrator,
                                                     minlength=n_r)
    scen_value = _scenario_projects(model, app, w_proj, won)
    f.backlog[app] += won_value + scen_value
    duration = p["demand.project_duration"]
    proj_flow = f.backlog[app] / duration

    app_alloc = alloc_final.sales + proj_flow
    app_fill = _serve(model, app, app_alloc)
    app_rev = app_alloc * app_fill
    f.backlog[app] -= proj_flow * app_fill  # unserved project work stays in the backlog
    stats.local_final[:] = _served_local_share(alloc_final, w_app, f.region[app], app_fill)
    model.ledger.add_by_region("final_sales", f.region[app], app_rev)
    f.closeness[app] = 0.8 * f.closeness[app] + 0.2 * won
    f.closeness[app[integrator]] = 1.0
    return app_rev, alloc_final.sales + proj_expected + scen_value / duration


def tech_demand_by_buyer(model: PhaseModel, app: np.ndarray, app_rev: np.ndarray
                         ) -> np.ndarray:
    """(2, R) technology demand of each region's application firms: row 0 other
    application firms, row 1 integrators (who buy with a larger local bonus)."""
    f, n_r = model.firms, model.n_regions
    integrator = f.segment[app] == Segment.INTEGRATORS
    return np.stack([np.bincount(f.region[app], app_rev * ~integrator, minlength=n_r),
                     np.bincount(f.region[app], app_rev * integrator, minlength=n_r)]
                    ) * model.p["market.input_tech_per_app"]


def _tech_market(model: PhaseModel, rows: np.ndarray, app: np.ndarray, tech: np.ndarray,
                 app_rev: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Technology inputs bought by application firms from technology firms ``tech``;
    integrators' purchases carry ``market.integrator_local_sourcing`` more local bonus.
    Returns the sellers' revenue, their planned demand and, for each buyer in ``app``, the
    realized share of its group's purchases in its region that were served (phi)."""
    p, f, stats = model.p, model.firms, model.market_stats
    n_r = model.n_regions
    integrator = f.segment[app] == Segment.INTEGRATORS
    demand = tech_demand_by_buyer(model, app, app_rev)
    w_tech = seller_weights(model, tech)
    bonus = input_bonus(model, rows, PULL_LAYER[Layer.TECH])
    allocs = [allocate(w_tech, f.region[tech], demand[0], bonus),
              allocate(w_tech, f.region[tech], demand[1],
                       bonus + p["market.integrator_local_sourcing"])]
    sales = allocs[0].sales + allocs[1].sales
    tech_fill = _serve(model, tech, sales)
    phi = np.stack([realized_share(a, w_tech, f.region[tech], tech_fill) for a in allocs])
    local = np.stack([_served_local_share(a, w_tech, f.region[tech], tech_fill)
                      for a in allocs])
    served = demand * phi
    total = served.sum(axis=0)
    stats.local_tech[:] = np.divide((served * local).sum(axis=0), total,
                                    out=np.zeros(n_r), where=total > 0)
    stats.tech_purchases[:] = demand.sum(axis=0)
    return sales * tech_fill, sales, phi[integrator.astype(np.int64), f.region[app]]


def _base_market(model: PhaseModel, rows: np.ndarray, tech: np.ndarray, base: np.ndarray,
                 tech_rev: np.ndarray, commercial: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Base inputs bought by technology firms, base firms (on last quarter's revenue) and
    as commercial compute (``commercial`` per region); sold by base firms ``base``."""
    p, f, stats = model.p, model.firms, model.market_stats
    n_r = model.n_regions
    base_own = p["market.input_base_per_base"] * np.bincount(f.region[base], f.revenue[base],
                                                               minlength=n_r)
    # technology firms' base inputs other than operating compute (that is in ``commercial``
    # where it is not bought at the public centre)
    tech_need = (p["market.input_base_per_tech"] - p["compute.operating_share_tech"]) * \
        np.bincount(f.region[tech], tech_rev, minlength=n_r)
    base_demand = tech_need + base_own + commercial
    w_base = seller_weights(model, base)
    alloc_base = allocate(w_base, f.region[base], base_demand,
                          input_bonus(model, rows, PULL_LAYER[Layer.BASE]))
    base_fill = _serve(model, base, alloc_base.sales)
    phi_base = realized_share(alloc_base, w_base, f.region[base], base_fill)
    stats.local_base[:] = _served_local_share(alloc_base, w_base, f.region[base], base_fill)
    stats.base_purchases[:] = base_demand
    return alloc_base.sales * base_fill, alloc_base.sales, phi_base


def _served_local_share(alloc: Allocation, weights: np.ndarray, seller_region: np.ndarray,
                        fill: np.ndarray) -> np.ndarray:
    """Share of each region's *served* purchases supplied by local sellers (0 if none)."""
    n_r = alloc.inv_s.size
    wf = weights * fill
    local = np.bincount(seller_region, wf, minlength=n_r) * (1.0 + alloc.boost)
    total = wf.sum() + alloc.boost * np.bincount(seller_region, wf, minlength=n_r)
    return np.divide(local, total, out=np.zeros(n_r), where=total > 0)


def _scenario_projects(model: PhaseModel, app: np.ndarray, w_proj: np.ndarray,
                       won: np.ndarray) -> np.ndarray:
    """Government-opened application scenarios, won by local application firms only."""
    lv, f, p = model.levers, model.firms, model.p
    sales = np.zeros(app.size)
    funded = np.flatnonzero(lv.scenario_budget > 0)
    if funded.size == 0:
        return sales
    options = Options(f.region[app], f.key[app], w_proj, model.n_regions)
    for r in funded:
        count = int(lv.scenario_budget[r] // p["demand.project_mean"])
        if options.end[r] == options.start[r] or count == 0:
            continue
        # the region's j-th opened scenario of the quarter is keyed by (region, j)
        draws = model.draws(f"policy.{model.region_names[r]}.integrator_support")
        slots = model.keyed.cell_keys(np.full(count, r), np.arange(count))
        pick = options.choose(draws.hashes(slots), within=np.full(count, r))
        np.add.at(sales, pick, p["demand.project_mean"])
        won[pick] = True
        spent = count * p["demand.project_mean"]
        model.charge(int(r), "integrator_support", spent)
        model.market_stats.scenario_spending[r] += spent
    return sales


def initial_allocation(model: PhaseModel, rows: np.ndarray) -> np.ndarray:
    """Step-0 sales of firms ``rows``: demand allocated without capacity limits, projects
    at their expected value, R&D compute at its step-0 level (a short fixed point)."""
    p, f = model.p, model.firms
    n_r = model.n_regions
    layer = f.layer[rows]
    app, tech, base = rows[layer == Layer.APP], rows[layer == Layer.TECH], rows[layer == Layer.BASE]
    stats = model.market_stats
    demand = model.final_demand()
    proj_budget = demand * model.project_share
    home = np.full(n_r, p["market.home_bias"])
    integrator = f.segment[app] == Segment.INTEGRATORS
    w_app = seller_weights(model, app)
    w_proj = seller_weights(model, app, p["market.integrator_project_bonus"] * integrator)
    smooth = allocate(w_app, f.region[app], demand - proj_budget, home)
    proj = allocate(w_proj, f.region[app], proj_budget,
                    np.full(n_r, p["market.project_home_bias"]))
    app_rev = smooth.sales + proj.sales
    # the steady-state backlog left after a quarter's delivery: with W won per quarter and
    # (backlog + W) / d delivered, backlog = W · (d - 1) delivers exactly W
    f.backlog[app] = proj.sales * (p["demand.project_duration"] - 1.0)
    stats.local_final[:] = smooth.local_share
    local_int = np.bincount(f.region[app], w_proj * integrator, minlength=n_r)
    stats.integrator_expected = (1.0 + proj.boost) * local_int * proj.inv_s
    w_tech, w_base = seller_weights(model, tech), seller_weights(model, base)
    pi = public_share(model, model.centers, np.zeros(n_r))
    revenue = np.zeros(f.n)
    revenue[app] = app_rev
    split = tech_demand_by_buyer(model, app, app_rev)
    tech_demand = split.sum(axis=0)
    kappa = p["compute.operating_share_tech"]
    # two passes: the second with the leaders' pull on suppliers, leaders provisionally
    # identified from the first pass (so that step 1 does not jump)
    for _pass in range(2):
        tech_bonus = input_bonus(model, rows, PULL_LAYER[Layer.TECH])
        allocs = [allocate(w_tech, f.region[tech], split[0], tech_bonus),
                  allocate(w_tech, f.region[tech], split[1],
                           tech_bonus + p["market.integrator_local_sourcing"])]
        revenue[tech] = allocs[0].sales + allocs[1].sales
        tech_sales = np.bincount(f.region[tech], revenue[tech], minlength=n_r)
        tech_need = (p["market.input_base_per_tech"] - kappa * pi) * tech_sales
        bonus = input_bonus(model, rows, PULL_LAYER[Layer.BASE])
        for _ in range(6):
            rd = p["innovation.rd_intensity"] * revenue[rows]
            compute = p["innovation.compute_share"] * np.bincount(f.region[rows], rd,
                                                                  minlength=n_r)
            base_own = p["market.input_base_per_base"] * np.bincount(
                f.region[base], revenue[base], minlength=n_r)
            base_demand = tech_need + base_own + compute * (1.0 - pi)
            alloc_base = allocate(w_base, f.region[base], base_demand, bonus)
            revenue[base] = alloc_base.sales
        for lay in range(3):
            members = rows[f.layer[rows] == lay]
            if members.size:
                cut = np.percentile(revenue[members], p["roles.leading_percentile"])
                f.leading[members] = revenue[members] >= cut
    stats.local_tech[:] = np.divide(split[0] * allocs[0].local_share
                                    + split[1] * allocs[1].local_share, tech_demand,
                                    out=np.zeros(n_r), where=tech_demand > 0)
    stats.local_base[:] = alloc_base.local_share
    stats.tech_purchases[:] = tech_demand
    stats.base_purchases[:] = base_demand
    return revenue[rows]


def settle(model: PhaseModel, rows: np.ndarray, revenue: np.ndarray,
           purchases: np.ndarray) -> None:
    """Book the quarter's accounts of firms ``rows`` and update cash and loss streaks."""
    p, f, led = model.p, model.firms, model.ledger
    reg = f.region[rows]
    wages = row_sum(f.employees[rows] * model.talent.wages[reg])
    marketing = p["innovation.marketing_intensity"] * revenue + f.marketing_extra[rows]
    overheads = model.fixed_cost[reg]
    operating = revenue - purchases - wages - marketing - overheads
    tax = p["tax.profit_rate"] * np.maximum(operating, 0.0)
    branch = f.home[rows] != reg
    remit = np.where(branch, p["branches.profit_remit"]
                     * np.maximum(operating - tax, 0.0), 0.0)
    f.cash[rows] += operating - tax - remit
    f.profit[rows] = operating - tax + f.subsidy[rows]
    f.value_added[rows] = operating + wages  # = revenue - purchases - marketing - overheads
    f.loss_streak[rows] = np.where(f.profit[rows] < 0, f.loss_streak[rows] + 1, 0)
    f.revenue_smooth[rows] = 0.5 * f.revenue_smooth[rows] + 0.5 * revenue
    led.add_by_region("wages", reg, wages)
    led.add_by_region("marketing", reg, marketing)
    led.add_by_region("overheads", reg, overheads)
    led.add_by_region("taxes", reg, tax)
    led.add_by_region("remittances_out", reg, remit)
    led.add_by_region("remittances_in", f.home[rows], remit)
    led.add_by_region("profit", reg, operating - tax - remit)
