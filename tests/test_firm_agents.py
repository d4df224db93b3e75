"""Firm agents registered in bulk are the same as agents built one by one."""

from __future__ import annotations

import numpy as np
from common import SMALL
from mesa.experimental.mesa_signals import ModelSignals

from agents.firms import Firm
from model.model import IndustryModel


class Watcher:
    """Counts Mesa's agent-added and agent-removed signals (forces the one-by-one path)."""

    def __init__(self) -> None:
        self.added = self.removed = 0

    def on_added(self, signal: object) -> None:
        self.added += 1

    def on_removed(self, signal: object) -> None:
        self.removed += 1


def _registry(model: IndustryModel) -> tuple[list[int], list[int]]:
    live = model.firms.live()
    agents = sorted(a.unique_id for a in model.agents_by_type[Firm])
    return agents, sorted(model.firms.agent_id[live].tolist())


def test_bulk_registration_matches_agents_and_rows():
    model = IndustryModel(SMALL, rng=3)
    for _ in range(6):
        model.step()
        agents, rows = _registry(model)
        assert agents == rows
        assert all(model.firm_at(r).row == r for r in model.firms.live())
        assert len(model.agents) == len(agents) + sum(
            len(s) for t, s in model.agents_by_type.items() if t is not Firm)


def test_observed_model_builds_agents_one_by_one_with_the_same_result():
    bulk = IndustryModel(SMALL, rng=5)
    watched = IndustryModel(SMALL, rng=5)
    watcher = Watcher()
    watched.observe("agents", ModelSignals.AGENT_ADDED, watcher.on_added)
    watched.observe("agents", ModelSignals.AGENT_REMOVED, watcher.on_removed)
    for _ in range(4):
        bulk.step()
        watched.step()
    assert _registry(bulk) == _registry(watched)
    assert watcher.added > 0 and watcher.removed > 0  # the one-by-one path ran and was seen
    born = watched.firms.born[: watched.firms.n]
    assert watcher.added == int((born > 0).sum())
    for key in ("firms_total", "base_tech_share", "talent_high_end"):
        np.testing.assert_array_equal(bulk.region_rows[key], watched.region_rows[key])
