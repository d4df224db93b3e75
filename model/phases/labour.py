"""The labour market: firms' staffing needs, retirements, layoffs, matching, wages, migration.

Production uses the three talent tiers with a CES technology (``labour.substitution``);
at the planned mix a firm of layer ``l`` needs
``labour.workers_per_output · exp(-log capability)`` workers per mRMB of output at base
prices, split by the layer's tier mix; R&D needs high-end staff for the non-compute part
of its R&D budget. Within each region and tier, job-seekers are matched to vacancies
pro rata (``labour.match_efficiency`` of seekers are matchable per quarter). Wages move
with the vacancy rate. Job-seekers migrate by a logit over regions (wage, job-finding
rate, amenity, introduction subsidy, a bonus for staying); employees move on the job at a
lower rate (``talent.employed_mobility``), quitting their firm.
"""

from __future__ import annotations

import numpy as np

from model.keyed import Keyed
from model.keyed_laws import binomial_icdf
from model.params import TIERS
from model.phases.view import PhaseModel
from model.rowsum import row_sum


def labour_demand(model: PhaseModel, rows: np.ndarray, growth: float) -> None:
    """Set ``desired`` employees by tier from expected sales and the R&D budget."""
    p, f = model.p, model.firms
    expected = f.expected_sales[rows] * growth
    output = expected / np.maximum(f.price[rows], 1e-9)
    workers = p["labour.workers_per_output"] * np.exp(-f.logcap[rows]) * output
    mix = model.tier_mix[f.layer[rows]]
    desired = workers[:, None] * mix
    wage_hi = model.talent.wages[f.region[rows], 1]
    rd_staff = (1.0 - p["innovation.compute_share"]) * (
        p["innovation.rd_intensity"] * expected + f.rd_extra[rows]) / np.maximum(wage_hi, 1e-9)
    desired[:, 1] += rd_staff
    out = np.rint(desired).astype(np.int64)
    out[:, 0] = np.maximum(out[:, 0], 1)  # a firm keeps at least one person
    f.desired[rows] = out
    f.rd_staff_share[rows] = np.divide(rd_staff, desired[:, 1],
                                       out=np.zeros(rows.size), where=desired[:, 1] > 0)


def capacity(model: PhaseModel, rows: np.ndarray) -> np.ndarray:
    """Value of output each firm can produce this quarter with its staff (mRMB)."""
    p, f = model.p, model.firms
    mix = model.tier_mix[f.layer[rows]]
    emp = f.employees[rows].astype(float)
    emp[:, 1] *= 1.0 - f.rd_staff_share[rows]
    effective = ces(emp, mix, p["labour.substitution"])
    real = p["market.capacity_slack"] * effective * np.exp(f.logcap[rows]) \
        / p["labour.workers_per_output"]
    return real * f.price[rows]


def ces(emp: np.ndarray, mix: np.ndarray, sigma: float) -> np.ndarray:
    """Effective staff ``(Σ_k m_k (e_k / m_k)^ρ)^(1/ρ)``, ``ρ = (σ-1)/σ`` (CES, degree 1).

    With staff in the planned mix (``e_k = m_k · E``) it equals ``E``; a missing tier lowers
    output without stopping it when ``σ > 1``. ``σ = 1`` is the Cobb-Douglas limit.
    """
    used = mix > 0
    ratio = np.where(used, emp / np.where(used, mix, 1.0), 1.0)
    if abs(sigma - 1.0) < 1e-9:
        with np.errstate(divide="ignore"):
            return np.exp(row_sum(np.where(used, mix * np.log(ratio), 0.0)))
    rho = (sigma - 1.0) / sigma
    with np.errstate(divide="ignore"):
        terms = np.where(used, mix * np.power(ratio, rho), 0.0)
    total = row_sum(terms)
    if rho < 0:  # a missing tier makes output zero
        return np.where(np.isfinite(total) & (total > 0), np.power(total, 1.0 / rho), 0.0)
    return np.power(total, 1.0 / rho)


def retire_employees(model: PhaseModel, rows: np.ndarray) -> None:
    """Each employee leaves the AI labour market with probability ``talent.retirement``."""
    f, t = model.firms, model.talent
    gone = firm_tier_binomial(model.draws("retirement.employees"), f.key[rows],
                              f.employees[rows], model.p["talent.retirement"])
    f.employees[rows] -= gone
    for k in range(len(TIERS)):
        t.flows["retirements"][:, k] += np.bincount(
            f.region[rows], gone[:, k], minlength=model.n_regions).astype(np.int64)


def firm_tier_binomial(draws: Keyed, keys: np.ndarray, n: np.ndarray,
                       prob: np.ndarray | float) -> np.ndarray:
    """``Binomial(n[i, k], prob)`` per firm and tier, the firm's draw for tier k in slot k."""
    u = np.empty(n.shape)
    for k in range(n.shape[1]):
        u[:, k] = draws.uniform(keys, slot=k)
    return binomial_icdf(u, n, prob)


def match(model: PhaseModel, rows: np.ndarray) -> None:
    """Lay off excess staff, then fill vacancies from local job-seekers, pro rata."""
    p, f, t = model.p, model.firms, model.talent
    reg = f.region[rows]
    n_r = model.n_regions
    emp, desired = f.employees[rows], f.desired[rows]
    fired = np.ceil(np.maximum(emp - desired, 0) * p["labour.layoff_rate"]).astype(np.int64)
    emp -= fired
    vac = np.maximum(desired - emp, 0)
    t.hires[:] = 0
    seniority = tie_order(f.born[rows], f.key[rows])
    for k in range(len(TIERS)):
        t.seekers[:, k] += np.bincount(reg, fired[:, k], minlength=n_r).astype(np.int64)
        t.searched[:, k] = t.seekers[:, k]
        total_vac = np.bincount(reg, vac[:, k], minlength=n_r)
        available = np.floor(t.seekers[:, k] * p["labour.match_efficiency"])
        ratio = np.divide(available, total_vac, out=np.zeros(n_r), where=total_vac > 0)
        ratio = np.minimum(ratio, 1.0)
        hires = _apportion(vac[:, k] * ratio[reg], reg, np.minimum(available, total_vac),
                           seniority)
        emp[:, k] += hires
        hired = np.bincount(reg, hires, minlength=n_r).astype(np.int64)
        t.seekers[:, k] -= hired
        t.hires[:, k] = hired
        t.unfilled[:, k] = total_vac.astype(np.int64) - hired
    f.employees[rows] = emp


def tie_order(born: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Positions in the order ties are broken: the older firm first, then the smaller
    identity key (one sort of ``born · 2^40 + key >> 24``; keys that agree in their top 40
    bits as well, about one pair in 10^8 per call, are ordered by the sort's own rule)."""
    code = ((born.astype(np.int64) + (1 << 22)).astype(np.uint64) << np.uint64(40)) | (
        key >> np.uint64(24))
    return np.argsort(code)


def _apportion(quota: np.ndarray, group: np.ndarray, totals: np.ndarray,
               tie: np.ndarray) -> np.ndarray:
    """Round ``quota`` to integers so each group's sum is ``floor(totals[group])``
    (largest remainders first; ties in the order ``tie`` (:func:`tie_order`: the older
    firm, then by identity key; never by row). Ties are common, equal vacancies in a
    region give equal remainders, and seniority is the rule the model was calibrated with,
    when rows were in order of creation)."""
    base = np.floor(quota).astype(np.int64)
    frac = quota - base
    left = np.floor(totals).astype(np.int64) - np.bincount(group, base, minlength=totals.size
                                                             ).astype(np.int64)
    if left.max(initial=0) <= 0:
        return base
    ok = (frac > 0) & (left[group] > 0)  # fractional, in a group with room
    cand = tie[ok[tie]]  # candidates in tie order
    if cand.size == 0:
        return base
    # by group, then largest remainder; stable sorts keep ties in tie order (the group
    # index as int16 lets numpy use its linear-time radix sort)
    by_frac = np.argsort(-frac[cand], kind="stable")
    small = np.int16 if totals.size < 2**15 else np.int64
    order = cand[by_frac[np.argsort(group[cand][by_frac].astype(small), kind="stable")]]
    g_sorted = group[order]
    start = np.searchsorted(g_sorted, np.arange(totals.size))
    rank = np.arange(order.size) - start[g_sorted]
    base[order[rank < left[g_sorted]]] += 1
    return base


def adjust_wages(model: PhaseModel, employed: np.ndarray) -> None:
    """Wages rise with the unfilled-vacancy rate above target, fall below it (±3 %/quarter)."""
    p, t = model.p, model.talent
    denom = employed + t.unfilled
    rate = np.divide(t.unfilled, denom, out=np.zeros(denom.shape), where=denom > 0)
    change = np.clip(p["labour.wage_adjustment"] * (rate - p["labour.target_vacancy"]),
                     -0.03, 0.03)
    t.wages *= 1.0 + change


def _employed_moves(model: PhaseModel, util: np.ndarray) -> np.ndarray:
    """On-the-job moves: each employee considers moving with ``talent.employed_mobility``
    and leaves with the logit's probability of choosing another region; the quitter becomes
    a job-seeker at the destination. Returns arrivals (regions, tiers)."""
    p, f, t = model.p, model.firms, model.talent
    rows = f.live()
    n_r = model.n_regions
    arrivals = np.zeros((n_r, len(TIERS)), dtype=np.int64)
    if p["talent.employed_mobility"] <= 0 or rows.size == 0:
        return arrivals
    reg = f.region[rows]
    probs = np.exp(util - util.max(axis=2, keepdims=True))  # (tiers, origin, destination)
    probs /= probs.sum(axis=2, keepdims=True)
    leave = p["talent.employed_mobility"] * (1.0 - np.diagonal(probs, axis1=1, axis2=2))
    quits_all = firm_tier_binomial(model.draws("migration.quits"), f.key[rows],
                                   f.employees[rows], leave.T[reg])
    f.employees[rows] -= quits_all
    dest_p = probs.copy()  # (tier, origin, destination), staying excluded
    dest_p[:, np.arange(n_r), np.arange(n_r)] = 0.0
    total = dest_p.sum(axis=2, keepdims=True)
    dest_p = np.divide(dest_p, total, out=np.full_like(dest_p, 1.0 / n_r), where=total > 0)
    out_all = np.stack([np.bincount(reg, quits_all[:, k], minlength=n_r)
                        for k in range(len(TIERS))], axis=1).astype(np.int64)  # (origin, tier)
    cells = model.keyed.cell_keys(np.arange(n_r)[:, None], np.arange(len(TIERS))[None, :])
    flat = model.draws("migration.employed_destination").multinomial(
        cells.ravel(), out_all.ravel(), dest_p.transpose(1, 0, 2).reshape(-1, n_r))
    all_moves = flat.reshape(n_r, len(TIERS), n_r)  # (origin, tier, destination)
    for k in range(len(TIERS)):
        moves = all_moves[:, k, :].copy()
        np.fill_diagonal(moves, 0)
        inflow = moves.sum(axis=0)
        t.seekers[:, k] += inflow
        t.flows["outflow"][:, k] += moves.sum(axis=1)
        t.flows["inflow"][:, k] += inflow
        arrivals[:, k] = inflow
    return arrivals


def migration_utility(model: PhaseModel) -> tuple[np.ndarray, np.ndarray]:
    """The migration logit's utilities (tiers, origin, destination), staying on the
    diagonal, and the introduction subsidy per arrival (regions, tiers) they anticipate.

    The subsidy is paid to arrivals only, so it enters the utility of moving to a region,
    not of staying in it (ODD §7.8).
    """
    p, t, lv = model.p, model.talent, model.levers
    n_r = model.n_regions
    job_rate = t.job_finding_rate()
    # the announced subsidy is scaled down where the budget could not have paid last
    # quarter's eligible arrivals (movers anticipate what is actually paid)
    subsidy = lv.intro_subsidy.copy()
    expected_cost = (t.last_inflow * subsidy).sum(axis=1)
    scale = np.divide(lv.intro_budget, expected_cost, out=np.ones(n_r),
                      where=expected_cost > lv.intro_budget)
    subsidy *= np.minimum(scale, 1.0)[:, None]
    util = np.empty((len(TIERS), n_r, n_r))
    diag = np.arange(n_r)
    for k in range(len(TIERS)):
        common = (p["talent.beta_wage"] * np.log(t.wages[:, k])
                  + p["talent.beta_jobs"] * job_rate[:, k] + model.amenity)
        util[k] = np.broadcast_to(common + p["talent.beta_subsidy"] * subsidy[:, k], (n_r, n_r))
        util[k][diag, diag] = common + p["talent.home_bias"]
    return util, subsidy


def migrate(model: PhaseModel) -> None:
    """Move job-seekers between regions; pay introduction subsidies on eligible arrivals."""
    p, t, lv = model.p, model.talent, model.levers
    n_r = model.n_regions
    util, subsidy = migration_utility(model)
    arrivals = np.zeros((n_r, len(TIERS)), dtype=np.int64)
    t.migrate(model.draws("migration"), model.keyed.region_keys(), util, p["talent.mobility"],
              arrivals)
    arrivals += _employed_moves(model, util)
    for r in np.flatnonzero(lv.intro_budget > 0):
        cost = float((arrivals[r] * subsidy[r]).sum())
        paid = min(cost, float(lv.intro_budget[r]))
        if paid > 0:
            model.charge(int(r), "talent_introduction", paid)
            model.ledger.add("introduction_subsidies", int(r), paid)


def update_prices(model: PhaseModel, rows: np.ndarray) -> None:
    """Price = (1 + markup) · labour cost per unit / (1 - input coefficient)."""
    p, f = model.p, model.firms
    wage = row_sum(model.tier_mix[f.layer[rows]] * model.talent.wages[f.region[rows]])
    unit_labour = p["labour.workers_per_output"] * np.exp(-f.logcap[rows]) * wage
    f.price[rows] = (1.0 + p["market.markup"]) * unit_labour / (
        1.0 - model.input_coef[f.layer[rows]])
