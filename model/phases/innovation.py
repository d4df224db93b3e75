"""Firm innovation behaviour, vectorized over firms: R&D, imitation, partnerships, brand.

R&D is two-stage, per product line: a firm runs ``n = max(1, floor(revenue / line_size))``
lines; each line succeeds with probability ``1 - exp(-zeta · R&D_eff / n)``, and a
success draws a log-capability increment from an exponential distribution with mean
``innovation.step_mean``. The firm's capability moves by the mean over its lines, so
expected growth does not rise with size while its variance falls with size. Only the
*aligned* share (``alignment_base + alignment_close · closeness``) of an increment reaches
what buyers value (FACTS problem 5). R&D's talent input is the index of high-end and
composite staffing (:func:`talent_index`), and base and technology firms realize only
``T ** innovation.talent_binding`` of an increment (a talent shortage limits what those
layers can grow into, FACTS problem 2). Each line also draws a N(0, σ²) capability shock,
``σ = innovation.capability_shock``, and the firm moves by their mean (``σ/√n``), so ranks
persist without freezing (ODD §7.10). Imitation pulls
a firm toward its partners' and its region-and-layer frontier, scaled by absorptive
capacity (its high-end staffing). Partnerships form a network.
"""

from __future__ import annotations

import numpy as np

from model.keyed import pair_keys
from model.keyed_choice import Options
from model.phases.view import PhaseModel
from model.rowsum import row_sum
from model.vocab import Layer


def research(model: PhaseModel, rows: np.ndarray, compute_per_mrmb: np.ndarray) -> None:
    """Spend on R&D, draw successes and raise capability of successful firms.

    Args:
        model: The model.
        rows: Live firm rows, in row order.
        compute_per_mrmb: For each row, compute units bought per mRMB of compute budget
            (1 at market price; more with cheap public compute or vouchers).
    """
    p, f = model.p, model.firms
    rd = f.rd[rows]
    c = p["innovation.compute_share"]
    talent = talent_index(model, rows)
    effective = rd * ((1.0 - c) * talent + c * compute_per_mrmb)
    lines = np.maximum(np.floor(f.revenue_smooth[rows] / p["innovation.line_size"]), 1.0)
    prob = 1.0 - np.exp(-p["innovation.zeta"] * effective / lines)
    keys = f.key[rows]
    successes = model.draws("innovation.successes").binomial(keys, lines.astype(np.int64), prob)
    # the firm's j-th success of the quarter draws its own exponential increment (keyed by
    # firm and j): a sum of k exponentials is the Gamma(k) of the mean-over-lines rule
    gain = p["innovation.step_mean"] * model.draws("innovation.gain").sum_exponential(
        keys, successes) / lines
    align = np.clip(p["innovation.alignment_base"]
                    + p["innovation.alignment_close"] * f.closeness[rows], 0.0, 1.0)
    # a shortage of high-end and composite staff limits what base and technology firms
    # can grow into (ODD §7.12): their increment is scaled by the talent index's power
    binding = np.where(f.layer[rows] == Layer.APP, 0.0, p["innovation.talent_binding"])
    f.logcap[rows] += gain * align * talent ** binding - p["innovation.obsolescence"]
    sigma = p["innovation.capability_shock"]
    if sigma > 0.0:  # each line's idiosyncratic shock; the firm moves by their mean
        f.logcap[rows] += (sigma / np.sqrt(lines)
                           * model.draws("innovation.shock").normal(keys))
    f.innovations[rows] += successes


def talent_index(model: PhaseModel, rows: np.ndarray) -> np.ndarray:
    """The R&D talent index ``T = f_H^(1-ω) · f_C^ω`` of firms ``rows`` (in [0, 1]).

    ``f_H`` and ``f_C`` are the firm's fill of its desired high-end and composite staff
    (``min(1, employees / desired)``, 1 where it wants none) and ``ω =
    innovation.rd_composite_weight``: composite talent (who join AI to an industry's
    problems, FACTS problem 2) is the second input of R&D.
    """
    f = model.firms
    desired = f.desired[rows, 1:].astype(float)
    fill = np.where(desired > 0, np.minimum(1.0, f.employees[rows, 1:]
                                            / np.maximum(desired, 1.0)), 1.0)
    omega = model.p["innovation.rd_composite_weight"]
    return fill[:, 0] ** (1.0 - omega) * fill[:, 1] ** omega


def imitate(model: PhaseModel, rows: np.ndarray) -> None:
    """Pull log capability toward partners' best and the region-and-layer frontier."""
    p, f = model.p, model.firms
    model.partners.prune(f.alive)  # links to firms that exited last quarter end
    x = f.logcap
    n = f.n
    key = f.region[rows] * 3 + f.layer[rows]
    top = np.full(model.n_regions * 3, -np.inf)
    np.maximum.at(top, key, x[rows])
    partner = model.partners.partner_max(x, n)[rows]
    regional = top[key]
    share = model.layer_high_end_share[f.layer[rows]]
    total = np.maximum(row_sum(f.employees[rows]), 1)
    absorptive = np.clip(f.employees[rows, 1] / total / np.maximum(share, 1e-9), 0.0, 1.0)
    gap_partner = np.where(np.isfinite(partner), np.maximum(partner - x[rows], 0.0), 0.0)
    gap_region = np.maximum(regional - x[rows], 0.0)
    rate = p["innovation.imitation"] * absorptive
    x[rows] += rate * np.maximum(gap_partner, 0.5 * gap_region)


def build_brand(model: PhaseModel, rows: np.ndarray) -> None:
    """Move brand toward ``brand_gain · log(1 + M / M_own)``, M = own marketing + grants.

    Brand is awareness relative to a firm's scale: own marketing at the common intensity
    keeps a firm at ``brand_gain · log 2``; marketing grants lift it (so brand does not
    grow with size, which would make market shares explode).
    """
    p, f = model.p, model.firms
    own = p["innovation.marketing_intensity"] * np.maximum(f.revenue_smooth[rows], 1e-3)
    target = p["innovation.brand_gain"] * np.log1p((own + f.marketing_extra[rows]) / own)
    d = p["innovation.brand_decay"]
    f.brand[rows] = (1.0 - d) * f.brand[rows] + d * target


def form_partnerships(model: PhaseModel, rows: np.ndarray) -> None:
    """Form new partnerships (base rate plus funded platforms) and end some old ones.

    A firm that forms a partnership picks a partner in its own region with probability
    0.5 (else anywhere), weighted by capability. Platform-funded partnerships are local.
    """
    p, f = model.p, model.firms
    links = model.partners
    if len(links):
        link_keys = _link_keys(f.key[links.a], f.key[links.b])
        ended = model.draws("partnerships.end").bernoulli(link_keys,
                                                          p["innovation.partnership_decay"])
        links.prune(f.alive, ended)
    else:
        links.prune(f.alive)
    if rows.size < 2:
        return
    forms = rows[model.draws("partnerships.form").bernoulli(f.key[rows],
                                                            p["innovation.partnership_rate"])]
    local = model.draws("partnerships.local").bernoulli(f.key[forms], 0.5)
    weights = np.exp(f.logcap[rows] - f.logcap[rows].max())
    options = Options(f.region[rows], f.key[rows], weights, model.n_regions)
    hashes = model.draws("partnerships.partner").hashes(f.key[forms])
    pick = np.where(local, options.choose(hashes, within=f.region[forms]),
                    options.choose(hashes))
    model.partners.add(forms, rows[pick])
    funded = _funded_partnerships(model, rows, options)
    if funded is not None:
        model.partners.add(*funded)


def _link_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Keys of undirected links from their firms' keys (the same either way round)."""
    return pair_keys(np.minimum(a, b), np.maximum(a, b))


def _funded_partnerships(model: PhaseModel, rows: np.ndarray, weighted: Options
                         ) -> tuple[np.ndarray, np.ndarray] | None:
    """Platform-brokered local partnerships, drawn from the instrument's own draws and
    charged per link actually formed (self-pairs are not formed); ``weighted``: the rows as
    options weighted by capability (the ones partners are chosen from)."""
    lv, f = model.levers, model.firms
    regions = np.flatnonzero(lv.partnership_budget > 0)
    if regions.size == 0:
        return None
    a_all, b_all = [], []
    uniform = Options(f.region[rows], f.key[rows], np.ones(rows.size), model.n_regions)
    for r in regions:
        n = int(lv.partnership_budget[r] // lv.partnership_cost[r])
        n = min(n, int(uniform.end[r] - uniform.start[r]) // 2)
        if n <= 0:
            continue
        # the programme's j-th brokered link of the quarter is keyed by (region, j)
        draws = model.draws(f"policy.{model.region_names[r]}.co_innovation")
        slots = model.keyed.cell_keys(np.full(n, r), np.arange(n))
        within = np.full(n, r)
        a = rows[uniform.choose(draws.hashes(slots, 0), within=within)]
        b = rows[weighted.choose(draws.hashes(slots, 1), within=within)]
        keep = a != b
        a_all.append(a[keep])
        b_all.append(b[keep])
        model.charge(int(r), "co_innovation", float(keep.sum()) * lv.partnership_cost[r])
    if not a_all:
        return None
    return np.concatenate(a_all), np.concatenate(b_all)
