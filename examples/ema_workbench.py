"""The model wrapped for the EMA workbench: uncertainties and levers in, outcomes out.

The EMA workbench (exploratory modelling and analysis) sees a model as a function of
*uncertainties* (parameters nobody controls), *levers* (policy choices) and *constants*,
returning *outcomes*. ``IndustryModel`` takes every parameter as a keyword argument with
``__`` for the dot of its dotted name, so EMA parameter names are the model's own
(``policy__Shanxi__targeted_subsidy__budget``). Each experiment is replicated over seeds
with a ``ReplicatorModel``; its outcomes are then lists (one value per replication), so
they are declared as ``ArrayOutcome`` (a ``ScalarOutcome`` fails on a list) and averaged.

The example runs a small Latin-hypercube design (uncertainties x policies), then asks
which inputs matter (extra-trees feature scoring) and where the focus region's
base+technology share ends up high (PRIM scenario discovery).

Run it (``--small``, or ``AI_CHAIN_EXAMPLES_SMALL=1``, uses the 5-region test scenario, a
few quarters and a small design)::

    python examples/ema_workbench.py [--small]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

# This file is named like the package it uses: drop its own folder from the import path,
# or `import ema_workbench` would import this file instead of the EMA workbench.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from model import IndustryModel  # noqa: E402  (first: holds numpy's dispatch below AVX-512)

# isort: split
import numpy as np  # noqa: E402

SMALL_SCENARIO = "small"  # the shipped five-region preset (scenarios/small.toml)

#: (name, low, high): entry and demand conditions nobody in the province controls.
UNCERTAINTIES = (
    ("entry__agglomeration", 0.6, 1.2),
    ("demand__growth", 0.15, 0.45),
    ("talent__mobility", 0.05, 0.2),
)
#: (name, low, high): the focus region's budgets, mRMB per year.
LEVERS = (
    ("policy__Shanxi__targeted_subsidy__budget", 0.0, 160.0),
    ("policy__Shanxi__talent_training__budget", 0.0, 80.0),
)
OUTCOMES = ("focus_firms_total", "focus_base_tech_share", "focus_local_sourcing_base",
            "total_policy_spend")


def ai_chain(preset: str = "baseline", steps: int = 20, seed: int = 0,
             **params: float) -> dict[str, float]:
    """Run the model once; return the focus region's outcomes at the last step.

    Args:
        preset: Scenario preset or path.
        steps: Quarters to run.
        seed: Seed of this replication.
        **params: Parameters by ``__``-separated dotted name.
    """
    model = IndustryModel(preset, rng=seed, **params)
    spend = 0.0
    for _ in range(steps):
        model.step()
        spend += float(model.region_rows["policy_spend"][model.focus])
    model.finalize()
    rows, i = model.region_rows, model.focus
    return {"focus_firms_total": float(rows["firms_total"][i]),
            "focus_base_tech_share": float(rows["base_tech_share"][i]),
            "focus_local_sourcing_base": float(rows["local_sourcing_base"][i]),
            "total_policy_spend": spend}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        default=os.environ.get("AI_CHAIN_EXAMPLES_SMALL") == "1",
                        help="5-region test scenario, few quarters, small design (for CI)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="ipyparallel not installed")
    from ema_workbench import (
        ArrayOutcome,
        Constant,
        RealParameter,
        ReplicatorModel,
        perform_experiments,
    )
    from ema_workbench.analysis import feature_scoring, prim

    logging.getLogger("EMA").setLevel(logging.WARNING)
    preset = str(SMALL_SCENARIO) if args.small else "baseline"
    steps, n_scenarios, n_policies, seeds = (4, 10, 2, [1, 2]) if args.small else (
        20, 50, 8, [1, 2, 3, 4, 5])

    model = ReplicatorModel("ai_chain", function=ai_chain)
    model.uncertainties = [RealParameter(n, lo, hi) for n, lo, hi in UNCERTAINTIES]
    model.levers = [RealParameter(n, lo, hi) for n, lo, hi in LEVERS]
    model.constants = [Constant("preset", preset), Constant("steps", steps)]
    model.outcomes = [ArrayOutcome(name) for name in OUTCOMES]
    model.replications = [{"seed": s} for s in seeds]

    experiments, outcomes = perform_experiments(model, scenarios=n_scenarios,
                                                policies=n_policies)
    means = {k: np.asarray(v, dtype=float).reshape(len(experiments), -1).mean(axis=1)
             for k, v in outcomes.items()}
    n = len(experiments)
    print(f"{n} experiments x {len(seeds)} seeds, {steps} quarters each, on {preset}")
    assert n == n_scenarios * n_policies
    assert all(v.shape == (n,) and np.isfinite(v).all() for v in means.values())

    inputs = [name for name, _, _ in UNCERTAINTIES + LEVERS]
    x = experiments[inputs]
    scores = feature_scoring.get_feature_scores_all(x, means)
    print("\nfeature scores (extra trees; higher = the input matters more):")
    print(scores.round(3).to_string())

    y = means["focus_base_tech_share"] >= np.quantile(means["focus_base_tech_share"], 0.75)
    box = prim.Prim(x, y, mass_min=0.1).find_box()
    print(f"\nPRIM: where the focus base+tech share is in its top quarter "
          f"(coverage {box.coverage:.2f}, density {box.density:.2f}):")
    print(box.box_lims[-1].round(2).to_string())


if __name__ == "__main__":
    main()
