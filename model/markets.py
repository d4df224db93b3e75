"""Markets: logit allocation of demand to sellers and lumpy projects won by sellers.

Buyers in region ``r`` choose seller ``i`` with probability proportional to
``exp(V_i + b_r · [region_i == r])``, where ``V_i = beta_capability·log capability +
beta_brand·brand - beta_price·log price`` and ``b_r`` is the local bonus (home bias, local
procurement preference, leading firms' pull). Because the local bonus is the only
buyer-specific term, the allocation of every region's spending costs O(firms + regions):
with ``w_i = exp(V_i)``, ``T = Σ w``, ``L_r = Σ_{i in r} w_i`` and
``S_r = T + (e^{b_r} - 1) L_r``, seller ``i`` receives
``w_i · (Σ_r D_r / S_r + [e^{b_{r_i}} - 1] D_{r_i} / S_{r_i})``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.keyed import Keyed


@dataclass
class Allocation:
    """Result of allocating regional spending over sellers.

    Attributes:
        sales: Spending received by each seller (same order as the weights).
        local_share: Share of each buyer region's spending that goes to local sellers
            (0 where the region spends nothing or no seller exists).
        inv_s: ``1 / S_r`` per buyer region (0 where no seller exists).
        boost: ``e^{b_r} - 1`` per buyer region.
    """

    sales: np.ndarray
    local_share: np.ndarray
    inv_s: np.ndarray
    boost: np.ndarray


def seller_weights(logcap: np.ndarray, brand: np.ndarray, price: np.ndarray,
                   beta_cap: float, beta_brand: float, beta_price: float,
                   extra: np.ndarray | float = 0.0) -> np.ndarray:
    """Logit weights ``exp(V_i - max V)`` of sellers (scale-free)."""
    v = beta_cap * logcap + beta_brand * brand - beta_price * np.log(price) + extra
    if v.size == 0:
        return v
    return np.exp(v - v.max())


def allocate(weights: np.ndarray, seller_region: np.ndarray, budgets: np.ndarray,
             bonus: np.ndarray, home_extra: np.ndarray | None = None) -> Allocation:
    """Allocate each region's spending ``budgets`` (R,) over sellers by the local-bonus logit.

    Args:
        weights: Seller logit weights (n,).
        seller_region: Region index of each seller (n,).
        budgets: Spending of buyers in each region (R,).
        bonus: Local bonus ``b_r`` of buyers in each region (R,), in utils.
        home_extra: Extra utility ``h_i`` of each seller with the buyers of its own region
            only (n,), e.g. a procurement preference for local integrators; see
            :func:`home_weights`. The returned ``boost`` is then not meaningful.
    """
    if home_extra is not None:
        return _allocate_home(weights, seller_region, budgets, bonus, home_extra)
    n_regions = budgets.size
    boost = np.expm1(bonus)
    total = weights.sum()
    local = np.bincount(seller_region, weights, minlength=n_regions)
    s = total + boost * local
    inv_s = np.divide(1.0, s, out=np.zeros(n_regions), where=s > 0)
    common = float((budgets * inv_s).sum())
    regional = budgets * inv_s * boost
    sales = weights * (common + regional[seller_region])
    local_share = (1.0 + boost) * local * inv_s
    return Allocation(sales, local_share, inv_s, boost)


def home_weights(weights: np.ndarray, seller_region: np.ndarray, bonus: np.ndarray,
                 home_extra: np.ndarray, n_regions: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """With a seller-specific home utility ``h_i``: each seller's weight with its own
    region's buyers ``w_i · e^(b_r + h_i)`` (n,) and ``S_r = T + Σ_{i in r} (e^(b_r + h_i)
    - 1) w_i`` (R,)."""
    home = weights * np.exp(bonus[seller_region] + home_extra)
    s = weights.sum() + np.bincount(seller_region, home - weights, minlength=n_regions)
    return home, s


def _allocate_home(weights: np.ndarray, seller_region: np.ndarray, budgets: np.ndarray,
                   bonus: np.ndarray, home_extra: np.ndarray) -> Allocation:
    """:func:`allocate` with a seller-specific home utility (see :func:`home_weights`)."""
    n_regions = budgets.size
    home, s = home_weights(weights, seller_region, bonus, home_extra, n_regions)
    inv_s = np.divide(1.0, s, out=np.zeros(n_regions), where=s > 0)
    per = budgets * inv_s
    sales = weights * (float(per.sum()) - per[seller_region]) + home * per[seller_region]
    local_share = np.bincount(seller_region, home, minlength=n_regions) * inv_s
    return Allocation(sales, local_share, inv_s, np.full(n_regions, np.nan))


def realized_share(alloc: Allocation, weights: np.ndarray, seller_region: np.ndarray,
                   fill: np.ndarray) -> np.ndarray:
    """Share of each buyer region's spending actually served when seller ``i`` can serve
    only ``fill_i`` of what it was allocated (R,)."""
    n_regions = alloc.inv_s.size
    wf = weights * fill
    local = np.bincount(seller_region, wf, minlength=n_regions)
    return (wf.sum() + alloc.boost * local) * alloc.inv_s


@dataclass
class ProjectWins:
    """Projects won this quarter by each seller (Poisson splitting, see :func:`project_wins`).

    Attributes:
        own: Projects of buyers in the seller's own region won by the seller.
        other: Projects of buyers in other regions won by the seller.
        by_buyer: Projects let by the buyers of each region (R,).
    """

    own: np.ndarray
    other: np.ndarray
    by_buyer: np.ndarray


def project_wins(draws: Keyed, region_keys: np.ndarray, seller_keys: np.ndarray,
                 weights: np.ndarray, seller_region: np.ndarray, counts: np.ndarray,
                 bonus: np.ndarray, home_extra: np.ndarray | None = None) -> ProjectWins:
    """Projects won by each seller when buyers in region ``r`` let ``Poisson(counts_r)``
    projects, each awarded by the local-bonus logit.

    By Poisson splitting, the number of region ``r``'s projects won by seller ``i`` is
    ``Poisson(counts_r · P_ri)``, independently over (r, i); so each seller draws two keyed
    Poisson counts (its own region's projects and all other regions'), and what one seller
    wins does not depend on the other sellers' draws. The buyer regions of the projects won
    from other regions are then drawn per seller region (a keyed multinomial over regions
    with weights ``counts_r / S_r``), for the count of projects each region lets.
    ``home_extra``: a seller-specific utility with its own region's buyers only
    (:func:`home_weights`).
    """
    n_r = counts.size
    counts = np.maximum(counts, 0.0)
    if weights.size == 0:
        return ProjectWins(np.zeros(0, np.int64), np.zeros(0, np.int64),
                           draws.poisson(region_keys, counts, slot=2))
    if home_extra is None:
        boost = np.expm1(bonus)
        local = np.bincount(seller_region, weights, minlength=n_r)
        s = weights.sum() + boost * local
        home = weights * (1.0 + boost[seller_region])
    else:
        home, s = home_weights(weights, seller_region, bonus, home_extra, n_r)
    rate = np.divide(counts, s, out=np.zeros(n_r), where=s > 0)  # projects per unit weight
    own = draws.poisson(seller_keys, home * rate[seller_region], slot=0)
    other_rate = np.maximum(rate.sum() - rate[seller_region], 0.0)
    other = draws.poisson(seller_keys, weights * other_rate, slot=1)
    n_other = np.bincount(seller_region, other, minlength=n_r)
    probs = np.broadcast_to(rate, (n_r, n_r)).copy()
    np.fill_diagonal(probs, 0.0)
    total = probs.sum(axis=1, keepdims=True)
    probs = np.divide(probs, total, out=np.zeros_like(probs), where=total > 0)
    from_regions = draws.multinomial(region_keys, n_other, probs, slot=3)
    by_buyer = np.bincount(seller_region, own, minlength=n_r) + from_regions.sum(axis=0)
    return ProjectWins(own, other, by_buyer.astype(np.int64))


def project_values(draws: Keyed, seller_keys: np.ndarray, wins: np.ndarray, mean: float,
                   tail: float) -> np.ndarray:
    """Total value of each seller's won projects: Pareto sizes with the given mean and tail
    index, the seller's j-th project of the quarter keyed by (seller, j)."""
    owner, u = draws.items(seller_keys, wins)
    scale = mean * (tail - 1.0) / tail
    return np.bincount(owner, scale * u ** (-1.0 / tail), minlength=wins.size)
