"""Firm demography: exit, entry (start-ups and spin-offs), branches and relocations.

Exit: a firm with negative cash exits; after ``exit.loss_quarters`` consecutive losses, and
with cash covering fewer than ``exit.runway_quarters`` quarters of its current loss, it
exits with probability ``exit.loss_hazard``; any firm faces an exogenous hazard
``exit.hazard · (a/a*) · exp(1 - a/a*)`` that peaks at age ``a* = exit.hazard_peak_age``.

Entry per region and layer is Poisson with mean
``rate · N̄_l · (N_rl / N̄_l)^agglomeration · exp(β_π Δmargin + β_t Δtalent_rl +
β_d Δdemand growth + β_s subsidy per firm)`` (margin: after-tax operating margin of the
region's layer excluding subsidies, clipped to [-1, 1])
``+ seed_entrants · share_l + spinoff · leaders_rl``,
where Δ are deviations from step-0 values (margins: national; talent: the region's own),
talent_rl = log(1 + job-seekers of the layer's key tier per local firm) (high-end for base
and technology, composite for applications) and N̄_l is the mean count per region at
step 0 (so ``entry.rate`` reads as entrants per firm-quarter at step-0 conditions).
Entrants' log capability is the layer's national mean plus the region's knowledge offset
(its home-grown firms' mean minus the national mean) minus ``entry.capability_gap``, with
noise of ``calibration.capability_sigma``.

Branches: each quarter a leading firm considers a new location with probability
``branches.rate``, and firms courted by a region's recruitment programme decide too
(:mod:`model.phases.recruiting`); it picks a region by a logit with utility
``beta_profit·(log d_s - log n_s) + beta_cluster·log n_s - beta_wage·log w_s +
beta_offer·O_s`` (d: demand for its layer by the region's buyers, served or not, n:
local firms of its layer + 1, w: general wage, each relative to the mean over regions;
O_s: a courting region's promise relative to the firm's quarterly revenue, 0 elsewhere)
against a no-branch option. The branch opens ``branches.lag`` quarters later (a share of
moves relocate the whole firm instead); the reserved promise is paid then (factor support
if delivered).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.keyed import branch_keys, ident, pair_keys, ranks
from model.phases import recruiting
from model.phases.firms import add_firms, entrant_segments, relocate_firm, remove_firms
from model.phases.view import PhaseModel

#: The key of the no-branch option in a leading firm's location choice.
NO_BRANCH = ident("option", "no branch")


@dataclass
class PendingBranch:
    """A branch decided but not yet open."""

    due: int
    parent: int
    region: int
    relocate: bool
    cash: float      # promised by the chosen region's programme (0 if it did not court)
    factor: float
    delivery: float  # the programme's delivery probability when the promise was made
    compute: float = 0.0  # share of the factor support to be provided as compute


def exit_firms(model: PhaseModel, rows: np.ndarray) -> None:
    """Remove failing firms: employees become job-seekers, cash goes to owners/creditors."""
    p, f = model.p, model.firms
    u = model.draws("exit").uniform(f.key[rows])
    age = (model.steps - f.born[rows]).astype(float)
    peak = p["exit.hazard_peak_age"]
    hazard = p["exit.hazard"] * (age / peak) * np.exp(1.0 - age / peak)
    runway = f.cash[rows] < p["exit.runway_quarters"] * np.maximum(-f.profit[rows], 0.0)
    sustained = (f.loss_streak[rows] >= p["exit.loss_quarters"]) & runway
    hazard = np.where(sustained, 1.0 - (1.0 - hazard) * (1.0 - p["exit.loss_hazard"]), hazard)
    leaving = rows[(f.cash[rows] < 0.0) | (u < hazard)]
    model.counts.exits += np.bincount(f.region[leaving], minlength=model.n_regions)
    remove_firms(model, leaving)


def enter_firms(model: PhaseModel, rows: np.ndarray) -> None:
    """Create this quarter's start-ups and spin-offs in every region and layer."""
    p, f = model.p, model.firms
    n_r = model.n_regions
    key = f.region[rows] * 3 + f.layer[rows]
    n_rl = np.bincount(key, minlength=n_r * 3).reshape(n_r, 3).astype(float)
    rev = np.bincount(key, f.revenue[rows], minlength=n_r * 3).reshape(n_r, 3)
    operating = f.profit[rows] - f.subsidy[rows]  # subsidies enter through their own term
    prof = np.bincount(key, operating, minlength=n_r * 3).reshape(n_r, 3)
    nat_margin = np.divide(prof.sum(axis=0), rev.sum(axis=0), out=np.zeros(3),
                           where=rev.sum(axis=0) > 0)
    margin = np.clip(np.where(rev > 0, prof / np.where(rev > 0, rev, 1.0), nat_margin[None, :]),
                     -1.0, 1.0)
    talent = entry_talent(model, n_rl.sum(axis=1))
    subsidy = np.bincount(key, f.subsidy[rows], minlength=n_r * 3).reshape(n_r, 3)
    subsidy = subsidy / np.maximum(n_rl, 1.0)
    lead = np.bincount(key[f.leading[rows]], minlength=n_r * 3).reshape(n_r, 3)
    ref = model.entry_reference
    attract = np.exp(p["entry.beta_profit"] * (margin - ref["margin"][None, :])
                     + p["entry.beta_talent"] * (talent - ref["talent"])
                     + p["entry.beta_demand"] * (model.demand_growth() - ref["growth"])
                     + p["entry.beta_subsidy"] * subsidy)
    mean_n = ref["mean_firms"][None, :]
    scale = np.where(mean_n > 0, mean_n * (n_rl / np.maximum(mean_n, 1e-9))
                     ** p["entry.agglomeration"], 0.0)
    lam = (p["entry.rate"] * scale * attract
           + p["entry.seed_entrants"] * model.national_mix0[None, :]
           + p["entry.spinoff"] * lead)
    cells = model.keyed.cell_keys(np.repeat(np.arange(n_r), 3), np.tile(np.arange(3), n_r))
    births = model.draws("entry").poisson(cells, lam.ravel()).reshape(n_r, 3)
    total = int(births.sum())
    model.counts.entries += births.sum(axis=1)
    if total == 0:
        return
    cell, index = ranks(births)  # each entrant's (region, layer) cell and index in it
    regions, layers = cell // 3, cell % 3
    keys = model.keyed.entrant_keys(model.steps, regions, layers, index)
    x = (entrant_capability(model, rows)[regions, layers] - p["entry.capability_gap"]
         + p["calibration.capability_sigma"] * model.draws("entry.capability").normal(keys))
    segment = entrant_segments(model, model.draws("entry.segment").uniform(keys), regions,
                               layers)
    add_firms(model, region=regions, home=regions, layer=layers, segment=segment, logcap=x,
              cash=p["entry.seed_cash"], expected_sales=p["entry.initial_sales"],
              brand=p["innovation.brand_gain"] * np.log(2.0), key=keys)
    model.ledger.add_by_region("seed_capital", regions, np.full(total, p["entry.seed_cash"]))


#: The talent tier whose local supply matters most for entry in each layer
#: (base and technology: high-end; applications: composite).
KEY_TIER = (1, 1, 2)


def entry_talent(model: PhaseModel, firms_by_region: np.ndarray) -> np.ndarray:
    """(regions, layers) log(1 + job-seekers of the layer's key tier per local firm)."""
    seekers = model.talent.seekers[:, list(KEY_TIER)].astype(float)
    return np.log1p(seekers / np.maximum(firms_by_region, 1.0)[:, None])


def entrant_capability(model: PhaseModel, rows: np.ndarray) -> np.ndarray:
    """(regions, layers) mean log capability of entrants before the gap and noise.

    The national mean of the layer plus the region's knowledge offset: the mean log
    capability of the region's own (home-grown, non-branch) firms minus the national mean
    of all firms. Entrants draw on local knowledge, not on branches of outside leaders.
    """
    f = model.firms
    x = f.logcap[rows]
    layer = f.layer[rows]
    nat = np.array([x[layer == lay].mean() if (layer == lay).any() else 0.0
                    for lay in range(3)])
    own = rows[f.home[rows] == f.region[rows]]
    n_own = np.bincount(f.region[own], minlength=model.n_regions)
    mean_own = np.divide(np.bincount(f.region[own], f.logcap[own], minlength=model.n_regions),
                         n_own, out=np.full(model.n_regions, x.mean()), where=n_own > 0)
    return nat[None, :] + (mean_own - x.mean())[:, None]


def plan_branches(model: PhaseModel, rows: np.ndarray) -> None:
    """Leading firms decide on new branches (opening after the lag): those considering a
    move this quarter (among every region) and those courted by a region's recruitment
    programme (among the courting regions, unless they consider a move anyway)."""
    p, f = model.p, model.firms
    n_r = model.n_regions
    leaders = rows[f.leading[rows]]
    courted = recruiting.court(model, rows)
    considering = leaders[model.draws("branches.consider").bernoulli(f.key[leaders],
                                                                     p["branches.rate"])]
    movers = np.union1d(considering, courted.rows)  # row order
    considering_mask = np.isin(movers, considering)
    if movers.size == 0:
        return
    key = f.region[rows] * 3 + f.layer[rows]
    n_rl = np.bincount(key, minlength=n_r * 3).reshape(n_r, 3)
    demand = model.layer_demand()
    # one keyed Gumbel per (mover, option): options are the regions (by name) and staying
    options = np.append(model.keyed.region_keys(), np.uint64(NO_BRANCH))
    gumbel = model.draws("branches.destination").gumbel(
        pair_keys(f.key[movers][:, None], options[None, :]))
    relocate = model.draws("branches.relocate").bernoulli(f.key[movers],
                                                          p["branches.relocation_share"])
    wage = np.log(model.talent.wages[:, 0])
    log_d = np.log(np.maximum(demand, 1e-9) / np.maximum(demand.mean(axis=0), 1e-9))
    log_n = np.log((n_rl + 1.0) / (n_rl.mean(axis=0) + 1.0))
    wage = wage - wage.mean()
    for j, parent in enumerate(movers):
        lay = int(f.layer[parent])
        mine = courted.of(parent)
        util = (p["branches.beta_profit"] * (log_d[:, lay] - log_n[:, lay])
                + p["branches.beta_cluster"] * log_n[:, lay] - p["branches.beta_wage"] * wage
                + recruiting.offer_utility(model, courted, mine, f.revenue_smooth[parent]))
        if not considering_mask[j]:  # courted only: the courting regions or no move
            util[np.setdiff1d(np.arange(n_r), courted.regions[mine])] = -np.inf
        util[f.region[parent]] = -np.inf
        same = rows[(f.group[rows] == f.group[parent]) & (f.layer[rows] == lay)]
        util[f.region[same]] = -np.inf  # the group is already there in this layer
        choice = int(np.argmax(np.append(util, p["branches.no_branch_utility"]) + gumbel[j]))
        # ties (probability zero) go to the lower option index: the regions' fixed order
        cash, factor = recruiting.settle_courtships(model, courted, mine, choice)
        if choice == n_r:
            continue
        model.pending.append(PendingBranch(
            due=model.steps + p["branches.lag"], parent=int(parent), region=choice,
            relocate=bool(relocate[j]), cash=cash, factor=factor,
            delivery=float(model.levers.recruit_delivery[choice]),
            compute=float(model.levers.recruit_compute[choice])))


def open_branches(model: PhaseModel) -> None:
    """Open the branches (and relocations) due this quarter, paying recruitment offers."""
    p, f = model.p, model.firms
    due = [b for b in model.pending if b.due <= model.steps]
    model.pending = [b for b in model.pending if b.due > model.steps]
    for b in due:
        if b.parent < 0 or not f.alive[b.parent]:  # -1: dead and compacted away
            recruiting.pay_promise(model, None, b.region, b.cash, b.factor, b.delivery,
                                   b.compute)
            continue
        r = b.region
        if b.relocate:
            origin = int(f.region[b.parent])
            relocate_firm(model, b.parent, r)
            model.counts.relocations_out[origin] += 1
            model.counts.relocations_in[r] += 1
            row = b.parent  # a relocated firm keeps its identity (and its draws)
        else:
            capital = min(p["entry.seed_cash"] * 5.0, max(f.cash[b.parent], 0.0))
            f.cash[b.parent] -= capital
            model.ledger.add("transfers", int(f.region[b.parent]), -capital)
            model.ledger.add("transfers", r, capital)
            row = add_firms(
                model, region=np.array([r]), home=np.array([f.home[b.parent]]),
                layer=np.array([f.layer[b.parent]]), segment=np.array([f.segment[b.parent]]),
                logcap=np.array([f.logcap[b.parent] - 0.2]), cash=capital,
                group=np.array([f.group[b.parent]]), brand=np.array([0.5 * f.brand[b.parent]]),
                is_branch=True, expected_sales=p["entry.initial_sales"] * 4,
                key=branch_keys(f.key[[b.parent]], model.steps))[0]
            model.counts.branches_opened[r] += 1
        recruiting.pay_promise(model, int(row), r, b.cash, b.factor, b.delivery, b.compute)
