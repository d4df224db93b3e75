"""The phases of one quarter, as the functions that :data:`model.model.PHASES` runs in order.

Each takes the model and the quarter's :class:`~model.state.quarter.StepState` and calls
the submodels of its phase (in the phase modules of this package). Their one-line
descriptions, the docstring of :class:`~model.model.IndustryModel`, the profile labels and
the ODD's step table all come from :data:`model.model.PHASES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from model.phases import demography, labour
from model.phases.innovation import build_brand, form_partnerships, imitate, research
from model.phases.links import refresh_suppliers, update_roles
from model.phases.trade import trade
from model.phases.view import PhaseModel
from model.state.quarter import StepState


@dataclass(frozen=True)
class Phase:
    """One phase of the step.

    Attributes:
        title: Its name in the class docstring and the ODD's step table.
        label: Its key in ``phase_seconds`` (``ai-chain run --profile``).
        run: The function that runs it (one of this module's).
        doc: What happens in it.
    """

    title: str
    label: str
    run: Callable[[PhaseModel, StepState], None]
    doc: str


def policy(model: PhaseModel, q: StepState) -> None:
    """Policy agents act, then plugin agents step."""
    for agent in model.policies:
        agent.act()
    for extra in model.plugin_agents:
        extra.step()


def talent_supply(model: PhaseModel, q: StepState) -> None:
    """Graduates and due cohorts, upgrades, retirements of seekers and employees."""
    p, t = model.p, model.talent
    t.graduate(np.stack([u.graduates_per_quarter() for u in model.universities]), model.steps)
    rates = np.array([0.0, p["talent.upgrade_high_end"], p["talent.upgrade_composite"]])
    t.upgrade(model.talent_stock(), rates)
    t.retire(model.draws("retirement.seekers"), model.keyed.region_keys(), p["talent.retirement"])
    q.rows = model.firms.live()
    labour.retire_employees(model, q.rows)


def migration(model: PhaseModel, q: StepState) -> None:
    """Job-seekers and some employees move between regions."""
    labour.migrate(model)


def plans(model: PhaseModel, q: StepState) -> None:
    """Prices, R&D budgets and desired staff from expected sales."""
    p, f, rows = model.p, model.firms, q.rows
    labour.update_prices(model, rows)
    f.rd[rows] = p["innovation.rd_intensity"] * f.revenue_smooth[rows] + f.rd_extra[rows]
    labour.labour_demand(model, rows, 1.0 + model.demand_growth(model.steps - 1))


def labour_market(model: PhaseModel, q: StepState) -> None:
    """Layoffs, matching, wages."""
    labour.match(model, q.rows)
    labour.adjust_wages(model, model.employed_by_region())


def trade_and_accounts(model: PhaseModel, q: StepState) -> None:
    """Markets and every firm's accounts; expected sales updated."""
    f, rows = model.firms, q.rows
    q.compute_units = trade(model, rows)
    w = model.p["market.expectation_weight"]
    f.expected_sales[rows] = w * f.demand[rows] + (1.0 - w) * f.expected_sales[rows]


def innovation(model: PhaseModel, q: StepState) -> None:
    """R&D draws, imitation, brand, partnerships."""
    f, rows = model.firms, q.rows
    before = f.innovations[rows].copy()
    research(model, rows, q.compute_units)
    model.counts.innovations += np.bincount(
        f.region[rows], f.innovations[rows] - before, minlength=model.n_regions
    ).astype(np.int64)
    imitate(model, rows)
    build_brand(model, rows)
    form_partnerships(model, rows)


def links_and_roles(model: PhaseModel, q: StepState) -> None:
    """Supplier links re-drawn for some firms; roles updated."""
    refresh_suppliers(model, q.rows)
    update_roles(model, q.rows)


def exits(model: PhaseModel, q: StepState) -> None:
    """Insolvent, loss-making and hazard exits."""
    demography.exit_firms(model, q.rows)


def entry_and_location(model: PhaseModel, q: StepState) -> None:
    """Due branches open; start-ups and spin-offs enter; leading firms plan branches."""
    demography.open_branches(model)
    rows = model.firms.live()
    model.set_live(rows)
    demography.enter_firms(model, rows)
    demography.plan_branches(model, model.firms.live())


def reporters(model: PhaseModel, q: StepState) -> None:
    """The per-region table of the step, its history, Mesa's DataCollector."""
    model.record_quarter()
