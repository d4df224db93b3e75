"""The one loop that steps a model and collects its rows, used by every driver.

``ai-chain run`` (:mod:`experiments.run.runfolder`), an experiment's task
(:mod:`experiments.batch.tasks`), the runner's time estimate, the browser page
(:mod:`experiments.ui.page`, one quarter per click), the reference series of its chart,
the validation ensemble, MSM and out-of-sample checks, and the regression and digest
harnesses all drive a model through a :class:`RunLoop`, so that a run is stepped, its rows
collected and the run ended the same way everywhere::

    loop = RunLoop.build("baseline", rng=7, steps=8, firm_data="final")
    for step in loop:          # steps 0..8; the model is stepped between the states
        rows = loop.collect()  # region rows of this step, firm rows at the chosen steps
        ...
    # here loop.finish() has called model.finalize() once

The iterator yields the state at step 0 (the built model) and after each step up to the
horizon, and calls :meth:`RunLoop.finish` after the last state. A driver that leaves the
loop early (``break``, an exception) does not finish the run. Drivers that need their own
rhythm (the page) call :meth:`RunLoop.step` and :meth:`RunLoop.finish` themselves.

The model is asked for nothing but what the driver asks for: :meth:`RunLoop.collect` reads
``model.region_rows`` (an attribute set by each step) and calls ``model.firm_rows()`` only
at the steps its ``firm_data`` names, so each driver keeps the exact order of its calls to
the model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from experiments.run.defaults import horizon, start_of
from experiments.run.provenance import quarter_label

if TYPE_CHECKING:
    from model.model import IndustryModel

#: What firm rows :meth:`RunLoop.collect` gathers: at every step, at the final step (the
#: horizon) only, or none. ``end`` is the former name of ``final`` (``ai-chain run
#: --firm-data end`` is still accepted).
FIRM_DATA = ("every", "final", "none")
FIRM_DATA_ALIASES = {"end": "final"}


def firm_data_choice(value: str) -> str:
    """``value`` in the vocabulary of :data:`FIRM_DATA` (``end`` -> ``final``).

    Raises:
        ValueError: ``value`` is neither a choice nor an alias.
    """
    value = FIRM_DATA_ALIASES.get(value, value)
    if value not in FIRM_DATA:
        raise ValueError(f"expected one of {', '.join(FIRM_DATA)}")
    return value


@dataclass
class StepRows:
    """What :meth:`RunLoop.collect` gathered at one step.

    Attributes:
        step: The model's step (0 = the built model).
        quarter: Its calendar label (``2023Q1`` ...).
        final: True at the horizon.
        region_names: Regions in model order, as an object array.
        regions: ``model.region_rows`` of this step (the model's own arrays, not copies).
        firms: ``{"step": ..., **model.firm_rows()}`` when the loop's ``firm_data`` asks
            for firm rows at this step, else ``None``.
    """

    step: int
    quarter: str
    final: bool
    region_names: np.ndarray
    regions: dict[str, np.ndarray]
    firms: dict[str, np.ndarray] | None = None

    def region_table(self, columns: Sequence[str] | None = None,
                     keep: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """The step's rows of the region table (``model.parquet``, an experiment's
        ``runs/``): ``step``, ``quarter``, ``region``, then ``columns`` (default: every
        column), for the regions at indices ``keep`` (default: all, uncopied)."""
        names = self.region_names if keep is None else self.region_names[keep]
        n = names.size
        cols = list(self.regions) if columns is None else columns
        if keep is None:
            values = {k: self.regions[k] for k in cols}
        else:
            values = {k: np.asarray(self.regions[k])[keep] for k in cols}
        return {"step": np.full(n, self.step, dtype=np.int64),
                "quarter": np.full(n, self.quarter, dtype=object), "region": names,
                **values}

    def focus_values(self, focus: int) -> dict[str, float]:
        """Every region-table column of region ``focus`` as floats."""
        return {k: float(v[focus]) for k, v in self.regions.items()}


class RunLoop:
    """One model run stepped to its horizon.

    Args:
        model: The built model (its current step is the loop's first state).
        steps: The horizon in quarters (default: the scenario's ``time.steps``).
        start: Calendar quarter of step 0 as ``(year, quarter)`` (default: the
            scenario's ``meta.start_quarter``).
        firm_data: Firm rows collected at ``every`` step, at the ``final`` step only
            (default), or ``none``.
        on_step: Called with the model's new step after each :meth:`step`.

    Attributes:
        step_seconds: Wall-clock seconds spent in ``model.step()`` so far.
        finished: True once :meth:`finish` has run.
    """

    def __init__(self, model: IndustryModel, steps: int | None = None, *,
                 start: tuple[int, int] | None = None, firm_data: str = "final",
                 on_step: Callable[[int], None] | None = None) -> None:
        self.model = model
        self.steps = horizon(model.config) if steps is None else int(steps)
        self.start = start_of(model.config) if start is None else start
        self.firm_data = firm_data_choice(firm_data)
        self.on_step = on_step
        self.step_seconds = 0.0
        self.finished = False
        self._names = np.array(model.region_names, dtype=object)

    @classmethod
    def build(cls, scenario: Any, *, rng: Any = None,
              overrides: Mapping[str, Any] | None = None, steps: int | None = None,
              **kwargs: Any) -> RunLoop:
        """A loop over a new model of ``scenario`` (a preset name, a scenario path or a
        validated :class:`~model.scenario.Scenario`) with ``overrides`` and seed ``rng``
        (an int, a ``SeedSequence`` or ``None``); other arguments as :class:`RunLoop`."""
        from model.model import IndustryModel
        from model.scenario import Scenario

        if isinstance(scenario, Scenario) and not overrides:
            model = IndustryModel(params=scenario, rng=rng)
        elif overrides is None:
            model = IndustryModel(scenario, rng=rng)
        else:
            model = IndustryModel(scenario, params=dict(overrides), rng=rng)
        return cls(model, steps, **kwargs)

    # ------------------------------------------------------------------ state
    @property
    def step_index(self) -> int:
        """The model's current step."""
        return int(self.model.steps)

    @property
    def done(self) -> bool:
        """True when the model has reached the horizon."""
        return self.model.steps >= self.steps

    def quarter(self, step: int | None = None) -> str:
        """Calendar label of ``step`` (default: the current step)."""
        return quarter_label(self.start, self.model.steps if step is None else step)

    # ------------------------------------------------------------------ driving
    def step(self) -> int:
        """Advance the model one quarter; return its new step.

        Raises:
            RuntimeError: The loop is at its horizon or finished.
        """
        if self.finished or self.done:
            raise RuntimeError(f"the run is at its horizon ({self.steps} quarters)")
        t = time.perf_counter()
        self.model.step()
        self.step_seconds += time.perf_counter() - t
        if self.on_step is not None:
            self.on_step(self.model.steps)
        return int(self.model.steps)

    def finish(self) -> None:
        """End the run: ``model.finalize()``, once (later calls do nothing)."""
        if not self.finished:
            self.finished = True
            self.model.finalize()

    def __iter__(self) -> Iterator[int]:
        """Yield the current step, then step and yield up to the horizon; then finish."""
        while True:
            yield int(self.model.steps)
            if self.done:
                break
            self.step()
        self.finish()

    # ------------------------------------------------------------------ collecting
    def wants_firms(self, step: int | None = None) -> bool:
        """Whether ``firm_data`` asks for firm rows at ``step`` (default: now)."""
        step = self.model.steps if step is None else step
        return self.firm_data == "every" or (self.firm_data == "final" and step == self.steps)

    def firm_table(self) -> dict[str, np.ndarray]:
        """``step`` and ``model.firm_rows()`` of the live firms now (``firms.parquet``)."""
        firms = self.model.firm_rows()
        n = len(next(iter(firms.values()))) if firms else 0
        return {"step": np.full(n, self.model.steps, dtype=np.int64), **firms}

    def collect(self, firms: bool | None = None) -> StepRows:
        """The rows of the current step: region rows, and firm rows when ``firms`` (default:
        when :meth:`wants_firms`)."""
        step = int(self.model.steps)
        want = self.wants_firms(step) if firms is None else firms
        return StepRows(step, quarter_label(self.start, step), step == self.steps,
                        self._names, self.model.region_rows,
                        self.firm_table() if want else None)
