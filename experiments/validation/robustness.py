"""Robustness of the diagnosis to the headline uncertainties (offline, not in CI).

Each variant changes one headline uncertainty of the baseline — the assumed counts of the
27 derived provinces (``calibration.other_provinces_scale``), the agglomeration elasticity
of entry (``entry.agglomeration``) and Shanxi's initial layer split
(``regions.Shanxi.share_base`` / ``share_tech``) — and reruns the diagnosis facts of
:mod:`experiments.validation.facts` on the same seeds (common random numbers).

Usage::

    .venv/bin/python -m experiments.validation.robustness --out docs/validation/robustness.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from experiments.run.runfolder import write_json

VARIANTS: dict[str, dict[str, float]] = {
    "baseline": {},
    "other provinces x0.25": {"calibration.other_provinces_scale": 0.25},
    "other provinces x0.5": {"calibration.other_provinces_scale": 0.5},
    "other provinces x2": {"calibration.other_provinces_scale": 2.0},
    "other provinces x4": {"calibration.other_provinces_scale": 4.0},
    "agglomeration 0.8": {"entry.agglomeration": 0.8},
    "agglomeration 1.1": {"entry.agglomeration": 1.1},
    "Shanxi split base 3 %, tech 6 %": {"regions.Shanxi.share_base": 0.03,
                                        "regions.Shanxi.share_tech": 0.06},
    "Shanxi split at national mix": {"regions.Shanxi.share_base": 0.034,
                                     "regions.Shanxi.share_tech": 0.238},
}


def run(seeds: int = 3, steps: int = 40, seed: int = 1, log=print) -> dict:
    """Run every variant and compute the diagnosis facts and key Shanxi outcomes."""
    from experiments.validation.ensemble import run_ensemble
    from experiments.validation.facts import diagnosis_facts

    out = {"seeds": seeds, "steps": steps, "seed": seed, "variants": []}
    t0 = time.perf_counter()
    for name, over in VARIANTS.items():
        runs = run_ensemble("baseline", seed, seeds, steps, steps, overrides=over,
                            panels=False)
        facts = diagnosis_facts(runs)
        f = runs[0].focus
        end = {k: float(np.mean([r.regions[k][-1, f] for r in runs]))
               for k in ("firms_total", "base_tech_share", "local_sourcing_base",
                         "local_sourcing_tech", "leading_firms", "rank",
                         "integrator_project_share")}
        nat = float(np.mean([r.regions["firms_total"][-1].sum() for r in runs]))
        row = {"variant": name, "overrides": over,
               "facts": {x.key: {"passed": x.passed, "value": x.value} for x in facts},
               "shanxi_end": end, "national_firms_end": nat}
        log(f"[{time.perf_counter() - t0:5.0f} s] {name}: "
            + ", ".join(f"{x.key}={'PASS' if x.passed else 'FAIL'}" for x in facts)
            + f"; Shanxi end {({k: round(v, 3) for k, v in end.items()})}")
        out["variants"].append(row)
    out["seconds"] = time.perf_counter() - t0
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: run the variants, write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="docs/validation/robustness.json")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=40)
    a = ap.parse_args(argv)
    res = run(a.seeds, a.steps)
    write_json(Path(a.out), res)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
