"""Markets: logit allocation of demand to sellers, sampling of sellers, lumpy projects.

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

from model.draws import search_cumulative


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
             bonus: np.ndarray) -> Allocation:
    """Allocate each region's spending ``budgets`` (R,) over sellers by the local-bonus logit.

    Args:
        weights: Seller logit weights (n,).
        seller_region: Region index of each seller (n,).
        budgets: Spending of buyers in each region (R,).
        bonus: Local bonus ``b_r`` of buyers in each region (R,), in utils.
    """
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


def realized_share(alloc: Allocation, weights: np.ndarray, seller_region: np.ndarray,
                   fill: np.ndarray) -> np.ndarray:
    """Share of each buyer region's spending actually served when seller ``i`` can serve
    only ``fill_i`` of what it was allocated (R,)."""
    n_regions = alloc.inv_s.size
    wf = weights * fill
    local = np.bincount(seller_region, wf, minlength=n_regions)
    return (wf.sum() + alloc.boost * local) * alloc.inv_s


def sample_sellers(rng: np.random.Generator, weights: np.ndarray, seller_region: np.ndarray,
                   buyer_region: np.ndarray, bonus: np.ndarray) -> np.ndarray:
    """Draw one seller (index into ``weights``) per buyer from the local-bonus logit.

    The choice probabilities are a mixture: with weight ``T / S_r`` the national
    distribution ``w / T``, otherwise the local one ``w·[local] / L_r``. Returns -1 for a
    buyer when no seller exists. Uses two uniform draws per buyer.
    """
    m = buyer_region.size
    out = np.full(m, -1, dtype=np.int64)
    u1, u2 = rng.random(m), rng.random(m)
    if weights.size == 0 or m == 0:
        return out
    n_regions = bonus.size
    total = weights.sum()
    local = np.bincount(seller_region, weights, minlength=n_regions)
    boost = np.expm1(bonus)
    s = total + boost * local
    p_local = np.divide(boost * local, s, out=np.zeros(n_regions), where=s > 0)[buyer_region]
    cum = np.cumsum(weights)
    out[:] = np.minimum(search_cumulative(cum, u2 * total), weights.size - 1)
    use_local = u1 < p_local
    if use_local.any():
        order = np.argsort(seller_region, kind="stable")
        cum_local = np.cumsum(weights[order])
        start = np.concatenate([[0.0], cum_local])
        first = np.searchsorted(seller_region[order], np.arange(n_regions), side="left")
        br = buyer_region[use_local]
        target = start[first[br]] + u2[use_local] * local[br]
        pick = search_cumulative(cum_local, target)
        pick = np.minimum(pick, weights.size - 1)
        out[use_local] = order[pick]
    return out


def draw_projects(rng: np.random.Generator, budgets: np.ndarray, mean: float, tail: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Draw lumpy projects: Poisson counts per region, Pareto sizes with the given mean.

    Returns:
        ``(region_of_project, size)`` arrays, projects ordered by region.
    """
    counts = rng.poisson(np.maximum(budgets, 0.0) / mean)
    total = int(counts.sum())
    scale = mean * (tail - 1.0) / tail
    sizes = scale * (1.0 + rng.pareto(tail, total))
    regions = np.repeat(np.arange(budgets.size), counts)
    return regions, sizes
