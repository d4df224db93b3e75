"""Recruitment as the source describes it (ODD §7.20): courting within the fund, offers
relative to the firm's scale, the fair-competition cap on cash, the delivery record."""

from __future__ import annotations

import numpy as np
import pytest

from model.model import IndustryModel
from model.phases.recruiting import Courted, court, offer_utility

R = "policy.Shanxi.recruitment."


def run(steps: int, seed: int = 1, **settings: float) -> IndustryModel:
    model = IndustryModel("baseline", rng=seed,
                          params={R + k: v for k, v in settings.items()})
    for _ in range(steps):
        model.step()
    return model


def shanxi(model: IndustryModel) -> int:
    return model.region_names.index("Shanxi")


def test_doubling_the_budget_courts_twice_the_firms_and_brings_more_branches() -> None:
    # a year's courtships are worth a year's budget: 10 promises of 2 a year at 20 mRMB/yr
    courted, arrived = {20.0: 0, 40.0: 0}, {20.0: 0, 40.0: 0}
    for seed in (1, 2):
        for budget in (20.0, 40.0):
            model = IndustryModel("baseline", rng=seed, params={R + "budget": budget})
            i = shanxi(model)
            for _ in range(24):
                model.step()
                courted[budget] += model.recruiting.courted[i]
                arrived[budget] += (model.region_rows["branches_opened"][i]
                                    + model.region_rows["relocations_in"][i])
    assert courted[20.0] == 2 * 6 * 10   # two seeds x six years x ten promises
    assert courted[40.0] == 2 * courted[20.0]
    assert arrived[40.0] > arrived[20.0]


def test_a_region_courts_only_as_many_firms_as_its_fund_can_pay() -> None:
    model = run(0)
    i = shanxi(model)
    model.step()  # the programme has deposited and courted once
    book = model.recruiting
    book.fund[i], book.reserved[i], book.allowance[i] = 5.0, 0.0, 100.0
    got = court(model, model.firms.live())
    mine = got.regions == i
    promise = got.cash[mine] + got.factor[mine]
    assert mine.sum() == 2 and promise.sum() == pytest.approx(4.0)  # 2 x 2 mRMB <= 5
    assert book.fund[i] == pytest.approx(1.0) and book.reserved[i] == pytest.approx(4.0)
    assert book.allowance[i] == pytest.approx(96.0)
    # and no more than the allowance: a year's courtships are worth a year's budget
    book.fund[i], book.allowance[i] = 100.0, 6.5
    got = court(model, model.firms.live())
    assert (got.regions == i).sum() == 3 and book.allowance[i] == pytest.approx(0.5)


def test_an_offer_weighs_less_for_a_larger_firm() -> None:
    model = run(0)
    book = model.recruiting
    book.credibility[:] = 0.5
    c = Courted(np.array([7]), np.array([3]), np.array([2.0]), np.array([4.0]))
    small = offer_utility(model, c, np.array([0]), 10.0)
    large = offer_utility(model, c, np.array([0]), 100.0)
    beta = model.p["branches.beta_offer"]
    assert small[3] == pytest.approx(beta * (2.0 + 4.0 * 0.5) / 10.0)
    assert large[3] == pytest.approx(small[3] / 10.0)
    assert np.count_nonzero(small) == 1


def test_lifting_the_cap_matters_only_where_cash_binds() -> None:
    # the offer of 2 is below either cap: the cap does not bind and the runs are identical
    a = run(10, cash_offer=2.0, cash_cap=2.0)
    b = run(10, cash_offer=2.0, cash_cap=10.0)
    for name, col in a.region_rows.items():
        np.testing.assert_array_equal(col, b.region_rows[name], err_msg=name)
    # an offer of 10 held at 2 by the cap differs from the offer paid in full
    c = run(10, cash_offer=10.0, cash_cap=2.0)
    d = run(10, cash_offer=10.0, cash_cap=10.0)
    i = shanxi(c)
    np.testing.assert_array_equal(c.region_rows["firms_total"], a.region_rows["firms_total"])
    assert (c.recruiting.courted[i], d.recruiting.courted[i]) != (0, 0)
    assert any(not np.array_equal(c.region_rows[k], d.region_rows[k])
               for k in ("firms_total", "leading_firms", "spend_recruitment"))


@pytest.mark.parametrize("delivery, direction", [(0.0, -1), (1.0, 1)])
def test_broken_promises_lower_the_delivery_record(delivery: float, direction: int) -> None:
    model = run(24, factor_offer=6.0, delivery_prob=delivery, budget=80.0)
    record = model.recruiting.credibility[shanxi(model)]
    assert np.sign(record - 0.6) == direction


@pytest.mark.parametrize("delivery", [0.0, 1.0])
def test_delivered_factor_support_places_talent_and_matches_local_suppliers(
        delivery: float) -> None:
    model = IndustryModel("baseline", rng=2, params={
        R + "factor_offer": 6.0, R + "delivery_prob": delivery, R + "budget": 160.0})
    i, f = shanxi(model), model.firms
    opened = []
    for _ in range(20):
        model.step()
        rows = f.live()
        new = rows[(f.region[rows] == i) & f.is_branch[rows] & (f.born[rows] == model.steps)]
        opened += [(int(r), int(f.employees[r].sum()), f.suppliers[r].copy()) for r in new]
    assert len(opened) >= 2
    for _, staff, links in opened:
        if delivery == 1.0:   # suppliers local at once
            assert (links >= 0).all() and (f.region[links] == i).all()
        else:                 # hired in the next quarter's matching, links drawn then
            assert staff == 0 and (links == -1).all()
    if delivery == 1.0:       # staffed at once from local seekers (while there are any)
        assert opened[0][1] > 0 and sum(staff > 0 for _, staff, _ in opened) >= 2


def test_compute_provided_pays_the_recruited_firms_compute_bills_from_the_fund() -> None:
    """Delivered factor support is part compute: a credit that pays the firm's compute bills
    quarter by quarter, from the fund's reserved money; with compute_share 0 nothing of the
    kind exists and the whole factor is paid at opening."""
    settings = {R + "factor_offer": 6.0, R + "delivery_prob": 1.0, R + "budget": 160.0}
    for share in (0.0, 0.5):
        model = IndustryModel("baseline", rng=2, params={**settings, R + "compute_share": share})
        i, f, book = shanxi(model), model.firms, model.recruiting
        spent_on_credit, held = 0.0, []
        for _ in range(16):
            before = f.compute_credit.copy()
            model.step()
            rows = f.live()
            mine = rows[f.region[rows] == i]
            old = mine[mine < before.size]
            spent_on_credit += float(np.maximum(before[old] - f.compute_credit[old], 0).sum())
            held.append(float(f.compute_credit[mine].sum()))
            np.testing.assert_allclose(book.fund + book.reserved + book.paid + book.lapsed,
                                       book.deposited, rtol=1e-9, atol=1e-9)
            assert book.reserved[i] >= f.compute_credit[mine].sum() - 1e-9
        if share == 0.0:
            assert max(held) == 0.0 and spent_on_credit == 0.0
        else:
            assert max(held) > 0.0        # credits were granted at openings
            assert spent_on_credit > 0.0  # and drawn down by compute bills
