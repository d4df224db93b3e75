"""The compute market of a quarter: firms' choice between the public centre and commercial
cloud, vouchers, and compute provided to recruited firms (ODD §7.15, §7.20)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.phases.view import PhaseModel

if TYPE_CHECKING:
    from agents.compute import ComputeCenter


def public_share(model: PhaseModel, centers: list[ComputeCenter],
                 voucher: np.ndarray) -> np.ndarray:
    """Share of each region's AI compute demand that goes to its public centre (R,).

    A logit between the centre (utility ``-beta_price·log(price·(1-voucher)) - friction``)
    and commercial cloud (utility 0 at the market price). ``voucher`` is the voucher rate
    per region (R,).
    """
    p = model.p
    share = np.zeros(model.n_regions)
    for c in centers:
        if c.capacity <= 0:
            continue
        diversified = c.service_model == "diversified" or model.levers.diversified[c.region]
        friction = p["compute.friction_diversified"] if diversified else p["compute.friction_raw"]
        eff_price = max(c.price * (1.0 - voucher[c.region]), 1e-3)
        u = -p["compute.beta_price"] * np.log(eff_price) - friction
        share[c.region] = 1.0 / (1.0 + np.exp(-u))
    return share


def public_compute(model: PhaseModel, money: np.ndarray, wanted: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share of each region's compute spent at its public centre, the effective price
    there, and the voucher rate actually applied (all (R,)); ``money``: R&D compute
    budgets (units bought = money / price), ``wanted``: operating compute in units."""
    p, lv = model.p, model.levers
    n_r = model.n_regions
    voucher = lv.voucher_rate.copy()
    for _ in range(3):  # scale vouchers down where the budget cannot pay them
        pi = public_share(model, model.centers, voucher)
        price = model.center_price * (1.0 - voucher)
        units = (np.divide(money, np.maximum(price, 1e-9)) + wanted) * pi
        cost = units * model.center_price * voucher
        over = (cost > lv.voucher_budget) & (cost > 0)
        if not over.any():
            break
        scaled = np.divide(voucher * lv.voucher_budget, cost, out=voucher.copy(), where=over)
        voucher = np.where(over, scaled, voucher)
    price = model.center_price * (1.0 - voucher)
    room = (1.0 - p["compute.outside_use"]) * model.center_capacity
    units = (np.divide(money, np.maximum(price, 1e-9)) + wanted) * pi
    scale = np.divide(room, units, out=np.ones(n_r), where=units > room)
    pi = pi * np.minimum(scale, 1.0)
    return pi, price, voucher


def pay_vouchers(model: PhaseModel, paid_by_firms: np.ndarray, reg: np.ndarray,
                  eff_price: np.ndarray, voucher: np.ndarray) -> None:
    """Pay the quarter's vouchers (units bought at the centre × list price × voucher rate,
    up to the voucher budget) and record each centre's use and revenue."""
    n_r = model.n_regions
    firm_money = np.bincount(reg, paid_by_firms, minlength=n_r)
    units = np.divide(firm_money, np.maximum(eff_price, 1e-9))
    vouchers = np.minimum(units * model.center_price * voucher, model.levers.voucher_budget)
    for r in np.flatnonzero(vouchers > 0):
        model.charge(int(r), "compute_service", float(vouchers[r]))
    model.ledger.add_array("vouchers", vouchers)
    for c in model.centers:
        c.used_local = float(units[c.region])
        c.used_outside = model.p["compute.outside_use"] * c.capacity
        c.revenue = float(firm_money[c.region] + vouchers[c.region])


def provide_compute(model: PhaseModel, rows: np.ndarray, bills: np.ndarray) -> None:
    """Compute provided to recruited firms: each firm's compute bill of the quarter
    (``bills``, public and commercial) is paid from its ``compute_credit`` as far as it
    goes, from the reserved fund of the region it is in (a grant of the amount)."""
    f = model.firms
    has = f.compute_credit[rows] > 0
    if not has.any():
        return
    held = rows[has]
    used = np.minimum(f.compute_credit[held], bills[has])
    f.compute_credit[held] -= used
    for r in np.unique(f.region[held]):
        mine = f.region[held] == r
        model.recruiting.pay(int(r), float(used[mine].sum()))
        model.grant(held[mine], used[mine], "recruitment", int(r))


def release_compute(model: PhaseModel, rows: np.ndarray) -> None:
    """Return the unused compute credit of firms ``rows`` (exiting or moving away) to
    their region's recruitment fund."""
    f = model.firms
    held = rows[f.compute_credit[rows] > 0]
    for r in np.unique(f.region[held]):
        mine = held[f.region[held] == r]
        model.recruiting.release(int(r), float(f.compute_credit[mine].sum()))
    f.compute_credit[held] = 0.0
