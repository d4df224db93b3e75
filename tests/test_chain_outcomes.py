"""Outcomes that do not reward weak entrants: capability-weighted counts, value added and
the base and technology layers' shares of revenue and value added (docs/outputs.md)."""

from __future__ import annotations

import numpy as np
import pytest

from model.model import IndustryModel
from model.reporting import region_table
from model.vocab import LAYERS, Layer


@pytest.fixture(scope="module")
def stepped() -> IndustryModel:
    model = IndustryModel("baseline", rng=4)
    for _ in range(3):
        model.step()
    return model


def test_capability_weighted_counts_equal_counts_at_step_zero_nationally() -> None:
    model = IndustryModel("baseline", rng=4)
    table = region_table(model)
    for name in LAYERS:
        assert table[f"capability_weighted_{name}"].sum() == pytest.approx(
            table[f"firms_{name}"].sum(), rel=1e-12)
    # but not region by region: Shanxi's firms are weaker than the national mean
    i = model.region_names.index("Shanxi")
    assert table["capability_weighted_base_tech"][i] != pytest.approx(
        table["firms_base"][i] + table["firms_tech"][i])


def test_a_firm_of_half_the_reference_capability_counts_one_half() -> None:
    model = IndustryModel("baseline", rng=4)
    f = model.firms
    before = region_table(model)["capability_weighted_tech"]
    row = f.live()[f.layer[f.live()] == Layer.TECH][0]
    was = np.exp(f.logcap[row]) / model.capability_mean0[Layer.TECH]
    f.logcap[row] = np.log(0.5 * model.capability_mean0[Layer.TECH])
    after = region_table(model)["capability_weighted_tech"]
    assert after[f.region[row]] - before[f.region[row]] == pytest.approx(0.5 - was, abs=1e-9)


def test_value_added_is_wages_plus_operating_profit_of_the_ledger(stepped: IndustryModel) -> None:
    # value added = revenue - purchases - marketing - overheads = wages + taxes + after-tax
    # profit + remittances out; the ledger books every firm that traded this quarter, the
    # table the firms alive at its end: equal where no firm exited or moved
    table, fl, c = region_table(stepped), stepped.ledger.flows, stepped.counts
    ledger = fl["wages"] + fl["taxes"] + fl["profit"] + fl["remittances_out"]
    still = (c.exits == 0) & (c.relocations_out == 0) & (c.relocations_in == 0)
    assert still.sum() >= 3
    np.testing.assert_allclose(table["value_added_local"][still], ledger[still], rtol=1e-9)
    # retained value added = local value added - remittances out + remittances in
    np.testing.assert_allclose(
        table["value_added_retained"][still],
        (table["value_added_local"] - fl["remittances_out"] + fl["remittances_in"])[still],
        rtol=1e-9)
    assert (table["value_added_local"] < table["ai_revenue"]).all()


def test_revenue_and_value_added_shares(stepped: IndustryModel) -> None:
    table = region_table(stepped)
    f = stepped.firms
    rows = f.live()
    i = stepped.region_names.index("Shanxi")
    mine = rows[f.region[rows] == i]
    upstream = mine[f.layer[mine] != Layer.APP]
    assert table["base_tech_share_revenue"][i] == pytest.approx(
        f.revenue[upstream].sum() / f.revenue[mine].sum(), rel=1e-12)
    assert table["value_added_base_tech"][i] == pytest.approx(f.value_added[upstream].sum())
    va = [max(f.value_added[mine[f.layer[mine] == lay]].sum(), 0.0) for lay in range(3)]
    assert table["base_tech_share_value_added"][i] == pytest.approx(
        (va[Layer.BASE] + va[Layer.TECH]) / sum(va), rel=1e-12)
