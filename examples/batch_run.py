"""The model under Mesa's ``batch_run``: a small parameter sweep, with batch_run's defaults.

``IndustryModel`` takes every parameter as a keyword argument with ``__`` standing for the
dot of its dotted name (``policy__Shanxi__targeted_subsidy__budget`` is
``policy.Shanxi.targeted_subsidy.budget``), and the scenario as ``preset``, so
``mesa.batch_run`` can sweep it like any Mesa model. Its ``datacollector`` reports the
focus region's headline numbers (``focus_firms_total``, ``focus_base_tech_share``,
``focus_local_sourcing_base``, ``focus_leading_firms``, ``focus_rank``) and
``national_firms``.

For real studies prefer ``ai-chain experiment``: batch_run forces the "spawn" start method
for the whole process (so run this file as its own process), keeps every row in memory,
and loses all results when one run fails (docs/extending.md).

Run it (``--small``, or ``AI_CHAIN_EXAMPLES_SMALL=1``, uses the 5-region test scenario and
a few quarters)::

    python examples/batch_run.py [--small] [--steps T]
"""

from __future__ import annotations

import argparse
import os

from model import IndustryModel  # first: holds numpy's dispatch below AVX-512 (README)

# isort: split
import pandas as pd
from mesa import batch_run

SMALL_SCENARIO = "small"  # the shipped five-region preset (scenarios/small.toml)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        default=os.environ.get("AI_CHAIN_EXAMPLES_SMALL") == "1",
                        help="5-region test scenario, few quarters (for CI)")
    parser.add_argument("--steps", type=int, default=None)
    args = parser.parse_args()
    preset = str(SMALL_SCENARIO) if args.small else "baseline"
    steps = args.steps or (4 if args.small else 20)

    results = batch_run(
        IndustryModel,
        parameters={
            "preset": preset,  # a single string is not swept
            "policy__Shanxi__targeted_subsidy__budget": [0.0, 80.0],
            "entry__agglomeration": [0.8, 0.95],
        },
        rng=[1, 2],  # one run per seed and parameter combination
        max_steps=steps,
    )
    frame = pd.DataFrame(results)
    assert len(frame) == 2 * 2 * 2, len(frame)  # data_collection_period=-1: final step only
    assert (frame["Step"] == steps).all()
    pd.set_option("display.width", 120)
    print(frame[["RunId", "rng", "policy__Shanxi__targeted_subsidy__budget",
                 "entry__agglomeration", "Step", "focus_firms_total",
                 "focus_base_tech_share", "national_firms"]].to_string(index=False))
    means = frame.groupby("policy__Shanxi__targeted_subsidy__budget")[
        ["focus_firms_total", "focus_base_tech_share"]].mean()
    print("\nmean over seeds and agglomeration values, by targeted-subsidy budget:")
    print(means.to_string())


if __name__ == "__main__":
    main()
