"""Run a validation ensemble: several seeds of one scenario, region tables every step and
firm panels at year ends.

Only the public model API is used (``IndustryModel``, ``step``, ``region_rows``,
``firm_rows``), through :class:`experiments.run.loop.RunLoop`. Replication i of base seed
S uses ``SeedSequence(S).spawn(n)[i]``, the convention of ``ai-chain experiment``, so the
neutralization arm shares its baseline's random numbers (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Firm fields kept in the year-end panels (see docs/outputs.md, firms.parquet).
PANEL_FIELDS = ("firm_id", "region", "layer", "employees", "revenue", "capability", "age",
                "leading", "integrator")


@dataclass
class EnsembleRun:
    """What one validation run keeps.

    Attributes:
        seed_index: Replication index.
        region_names: Regions in model order.
        coast: Coast flag per region.
        focus: Index of the focus region (Shanxi).
        regions: Region-table column -> array (steps + 1, regions); row t is step t.
        panels: Year-end step -> firm columns (``PANEL_FIELDS``) of live firms.
        focus_flows: Per step, entries and exits of focus-region firms by layer
            (``{"entries": (steps + 1, 3), "exits": (steps + 1, 3)}``, layers base, tech,
            app), counting firms appearing in or leaving the region (branches and
            relocations included).
        scenario_values: Resolved parameter values of the run.
        demography: The demography target statistics of the run
            (:func:`experiments.validation.targets.moments`).
    """

    seed_index: int
    region_names: list[str]
    coast: np.ndarray
    focus: int
    regions: dict[str, np.ndarray]
    panels: dict[int, dict[str, np.ndarray]]
    focus_flows: dict[str, np.ndarray] = field(default_factory=dict)
    scenario_values: dict[str, Any] = field(default_factory=dict)
    demography: dict[str, Any] = field(default_factory=dict)


LAYERS = ("base", "tech", "app")


def panel_steps(steps: int, burn_in: int) -> list[int]:
    """Year-end steps at which firm panels are kept: burn_in, burn_in + 4, ... <= steps."""
    return list(range(burn_in, steps + 1, 4))


def run_one(scenario: str, seed: int, index: int, replications: int, steps: int,
            burn_in: int, overrides: Mapping[str, Any] | None = None,
            panels: bool = True, flows: bool = False) -> EnsembleRun:
    """Run one replication and collect its validation data.

    Args:
        scenario: Shipped preset or scenario path.
        seed: Base seed of the ensemble.
        index: Replication index (< replications).
        replications: Ensemble size (for the seed spawn).
        steps: Quarters to run.
        burn_in: First year-end step with a firm panel.
        overrides: Dotted-name parameter overrides.
        panels: Keep year-end firm panels.
        flows: Keep the focus region's entries and exits by layer every step.

    Returns:
        The run's data.
    """
    from experiments.run.loop import RunLoop
    from experiments.validation.targets import DemographyTracker, moments

    seq = np.random.SeedSequence(seed).spawn(replications)[index]
    loop = RunLoop.build(scenario, rng=seq, overrides=dict(overrides or {}), steps=steps,
                         firm_data="none")
    model = loop.model
    names = list(model.region_names)
    coast = np.array([bool(model.p.get(f"regions.{r}.coast", False)) for r in names])
    cols: dict[str, list[np.ndarray]] = {}
    keep = set(panel_steps(steps, burn_in)) if panels else set()
    out_panels: dict[int, dict[str, np.ndarray]] = {}
    entries = np.zeros((steps + 1, 3))
    exits = np.zeros((steps + 1, 3))

    def focus_ids() -> dict[int, int]:
        rows = model.firm_rows()
        here = rows["region"] == names[model.focus]
        lay = [LAYERS.index(x) for x in rows["layer"][here]]
        return dict(zip(rows["firm_id"][here].tolist(), lay, strict=True))

    prev: dict[int, int] = {}
    tracker = DemographyTracker()
    for t in loop:  # finishes the run (model.finalize()) after the last step
        regions = loop.collect().regions
        tracker.observe(model, t)
        if t == 0:
            cols = {k: [np.asarray(v, float).copy()] for k, v in regions.items()
                    if np.asarray(v).dtype.kind in "fiub"}
            prev = focus_ids() if flows else {}
            if 0 in keep:
                out_panels[0] = _panel(model.firm_rows())
            continue
        for k in cols:
            cols[k].append(np.asarray(regions[k], float).copy())
        if t in keep:
            out_panels[t] = _panel(model.firm_rows())
        if flows:
            cur = focus_ids()
            for fid, lay in cur.items():
                if fid not in prev:
                    entries[t, lay] += 1
            for fid, lay in prev.items():
                if fid not in cur:
                    exits[t, lay] += 1
            prev = cur
    return EnsembleRun(
        seed_index=index, region_names=names, coast=coast, focus=model.focus,
        regions={k: np.vstack(v) for k, v in cols.items()}, panels=out_panels,
        focus_flows={"entries": entries, "exits": exits} if flows else {},
        scenario_values=dict(model.p),
        demography=moments(tracker, burn_in, focus=names[model.focus]))


def _panel(rows: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.asarray(rows[k]).copy() for k in PANEL_FIELDS}


def run_ensemble(scenario: str, seed: int, replications: int, steps: int, burn_in: int,
                 overrides: Mapping[str, Any] | None = None, panels: bool = True,
                 flows: bool = False,
                 progress: Callable[[int], None] | None = None) -> list[EnsembleRun]:
    """Run ``replications`` seeds one after another.

    Args:
        scenario: Shipped preset or scenario path.
        seed: Base seed.
        replications: Number of replications.
        steps: Quarters per run.
        burn_in: First year-end step with a firm panel.
        overrides: Dotted-name overrides for every run.
        panels: Keep year-end firm panels.
        flows: Keep the focus region's entries and exits by layer.
        progress: Called with the number of finished runs.

    Returns:
        One :class:`EnsembleRun` per replication, in replication order.
    """
    out = []
    for i in range(replications):
        out.append(run_one(scenario, seed, i, replications, steps, burn_in, overrides,
                           panels=panels, flows=flows))
        if progress is not None:
            progress(i + 1)
    return out
