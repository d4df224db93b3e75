"""What a run defaults to when the caller does not say, read in one place on the
experiments side: the horizon, the start quarter and the focus region.

The values themselves live with the model: ``time.steps`` is a declared parameter of every
scenario, ``meta.start_quarter`` and ``meta.focus`` are read by
:attr:`model.scenario.Scenario.start_quarter` and :attr:`model.scenario.Scenario.focus`,
whose fallbacks are :data:`model.vocab.DEFAULT_START_QUARTER` and
:data:`model.vocab.DEFAULT_FOCUS`. Light: imports only the model's vocabulary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from experiments.run.provenance import parse_quarter
from model.vocab import DEFAULT_FOCUS, DEFAULT_START_QUARTER

if TYPE_CHECKING:
    from model.scenario import Scenario

__all__ = ["DEFAULT_FOCUS", "DEFAULT_START_QUARTER", "HORIZON", "horizon",
           "horizon_override", "start_of"]

#: The parameter that holds a scenario's run length in quarters.
HORIZON = "time.steps"


def horizon(scenario: Scenario, steps: int | None = None) -> int:
    """The run length of ``scenario`` in quarters: ``steps`` when given, checked against
    the bounds of ``time.steps``, else the scenario's ``time.steps``.

    Raises:
        ValueError: ``steps`` is outside the bounds of ``time.steps`` (the caller words
            the message for its own input: ``--steps``, ``experiment.steps`` ...).
    """
    if steps is None:
        return int(scenario[HORIZON])
    return scenario.declarations[HORIZON].check(steps)


def horizon_override(scenario: Scenario, steps: int) -> dict[str, Any]:
    """The override that records a run length of ``steps`` in ``scenario``: empty when
    the scenario's ``time.steps`` already says so, else ``{"time.steps": steps}``."""
    return {} if scenario[HORIZON] == steps else {HORIZON: steps}


def start_of(scenario: Scenario) -> tuple[int, int]:
    """The quarter of step 0 of ``scenario`` as ``(year, quarter)``.

    Raises:
        ValueError: ``meta.start_quarter`` is not a quarter like ``2023Q1``.
    """
    return parse_quarter(scenario.start_quarter)
