"""Recruitment of outside leading firms (ODD §7.20): the region courts as many firms as
its budget can honour, a firm weighs an offer relative to its own scale, and at opening the
promise is paid (factor support only if delivered) and the delivery record updated.

Courting, per region with a programme this quarter: the outside leading firms of its courted
layers (not in the region, and without a same-layer establishment of their group there) are
taken in the order of their keyed uniforms (purpose ``policy.<region>.recruitment.court``)
while the allowance (a year's courtships are worth at most a year's budget) and the fund
cover their whole promise ``cash + factor``; each promise is reserved. A
courted firm decides on a location this quarter; in its logit a courting region's offer is
worth ``branches.beta_offer · (cash + factor · credibility) / scale``, scale = the firm's
smoothed quarterly revenue. A firm that does not choose the courting region frees the
reservation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.keyed_choice import Options
from model.phases.labour import labour_demand
from model.phases.links import SUPPLIER_LAYER
from model.phases.trade import seller_weights
from model.phases.view import PhaseModel


@dataclass(frozen=True)
class Courted:
    """The quarter's courted firms: ``rows`` (firm rows) courted by ``regions``, with the
    promised ``cash`` and ``factor`` support (one entry per courtship)."""

    rows: np.ndarray
    regions: np.ndarray
    cash: np.ndarray
    factor: np.ndarray

    def of(self, row: int) -> np.ndarray:
        """Indices of the courtships of firm ``row``."""
        return np.flatnonzero(self.rows == row)


def court(model: PhaseModel, rows: np.ndarray) -> Courted:
    """Every region's courtships of the quarter (promises reserved in the fund)."""
    f, lv, book = model.firms, model.levers, model.recruiting
    leaders = rows[f.leading[rows]]
    promise = lv.recruit_cash + lv.recruit_factor  # (regions, layers)
    parts: list[tuple[np.ndarray, ...]] = []
    for r in np.flatnonzero((promise.max(axis=1) > 0) & (book.fund > 0)):
        lay = f.layer[leaders]
        here = rows[f.region[rows] == r]
        ok = ((promise[r, lay] > 0) & (f.region[leaders] != r)
              & ~np.isin(f.group[leaders] * 3 + lay, f.group[here] * 3 + f.layer[here]))
        cand = leaders[ok]
        if cand.size == 0:
            continue
        u = model.draws(f"policy.{model.region_names[r]}.recruitment.court").uniform(
            f.key[cand])
        cand = cand[np.lexsort((f.key[cand], u))]
        cost = np.cumsum(promise[r, f.layer[cand]])
        # new promises: within the allowance (a year's courtships are worth at most a
        # year's budget) and what the fund can back
        limit = min(book.fund[r], book.allowance[r])
        k = int(np.searchsorted(cost, limit * (1.0 + 1e-12), side="right"))
        if k == 0:
            continue
        chosen = cand[:k]
        book.reserve(r, float(cost[k - 1]))
        book.allowance[r] -= float(cost[k - 1])
        book.courted[r] += k
        parts.append((chosen, np.full(k, r), lv.recruit_cash[r, f.layer[chosen]],
                      lv.recruit_factor[r, f.layer[chosen]]))
    if not parts:
        empty = np.zeros(0)
        return Courted(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), empty, empty)
    return Courted(*(np.concatenate(x) for x in zip(*parts, strict=True)))


def offer_utility(model: PhaseModel, courted: Courted, idx: np.ndarray,
                  scale: float) -> np.ndarray:
    """(regions,) utility of the offers of courtships ``idx`` to a firm of quarterly
    revenue ``scale``: ``beta_offer · (cash + factor · credibility) / scale``."""
    out = np.zeros(model.n_regions)
    if idx.size == 0:
        return out
    reg = courted.regions[idx]
    value = courted.cash[idx] + courted.factor[idx] * model.recruiting.credibility[reg]
    out[reg] = model.p["branches.beta_offer"] * value / max(scale, 1e-9)
    return out


def settle_courtships(model: PhaseModel, courted: Courted, idx: np.ndarray,
                      choice: int) -> tuple[float, float]:
    """After a courted firm's choice: free the reservations of the regions it did not
    choose; return the promised (cash, factor) of the region it chose (0 if none)."""
    book, cash, factor = model.recruiting, 0.0, 0.0
    for j in idx:
        r = int(courted.regions[j])
        if r == choice:
            cash, factor = float(courted.cash[j]), float(courted.factor[j])
        else:
            book.release(r, float(courted.cash[j] + courted.factor[j]))
    return cash, factor


def pay_promise(model: PhaseModel, row: int | None, region: int, cash: float,
                factor: float, delivery: float, compute: float = 0.0) -> None:
    """At a branch's (or relocation's) opening: pay the reserved cash, and the factor
    support if delivered (keyed by the establishment, purpose
    ``policy.<region>.recruitment``); release what is not paid (everything when ``row`` is
    None: the parent died first); a factor promise, delivered or not, enters the region's
    delivery record. A share ``compute`` of delivered factor support is provided as
    compute: it stays reserved as the firm's ``compute_credit`` and is paid as the firm's
    compute bills come (:func:`provide_compute`)."""
    book = model.recruiting
    promised = cash + factor
    if promised <= 0:
        return
    if row is None:
        book.release(region, promised)
        return
    if cash > 0:
        book.pay(region, cash)
        model.grant(np.array([row]), np.array([cash]), "recruitment", region)
    if factor > 0:
        name = model.region_names[region]
        delivered = bool(model.draws(f"policy.{name}.recruitment").bernoulli(
            model.firms.key[[row]], delivery)[0])
        if delivered:
            credit = factor * compute
            book.pay(region, factor - credit)
            model.grant(np.array([row]), np.array([factor - credit]), "recruitment", region)
            model.firms.compute_credit[row] += credit
            deliver_services(model, row, region)
        else:
            book.release(region, factor)
        book.record(region, float(delivered))  # the record of promised factor support


def deliver_services(model: PhaseModel, row: int, region: int) -> None:
    """Delivered "chain support + factor supply" acts through real channels at opening:
    talent placed (the establishment's desired staff, by tier, taken at once from the
    region's job-seekers as far as there are any) and suppliers matched (every supplier
    slot a keyed choice among the region's sellers of its supplier layer, purpose
    ``suppliers.pick`` as for any link, if the region has such sellers)."""
    f, t = model.firms, model.talent
    one = np.array([row])
    labour_demand(model, one, growth=1.0)
    placed = np.minimum(f.desired[row], t.seekers[region])
    f.employees[row] += placed
    t.seekers[region] -= placed
    rows = f.live()
    sellers = rows[f.layer[rows] == SUPPLIER_LAYER[f.layer[row]]]
    if not (f.region[sellers] == region).any():
        return
    options = Options(f.region[sellers], f.key[sellers], seller_weights(model, sellers),
                      model.n_regions)
    pick = model.draws("suppliers.pick")
    hashes = np.concatenate([pick.hashes(f.key[one], slot) for slot in range(f.slots)])
    chosen = options.choose(hashes, within=np.full(f.slots, region))
    f.suppliers[row] = np.where(chosen >= 0, sellers[np.maximum(chosen, 0)], -1)
