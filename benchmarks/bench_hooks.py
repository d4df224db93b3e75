"""Model hooks for benchmarks/runner_throughput.py (``model = "bench_hooks:wide"``)."""

from __future__ import annotations

import numpy as np

REGIONS = 31
COLUMNS = 64


def wide(params: dict, seed: np.random.SeedSequence, steps: int) -> dict:
    """Random region rows of the baseline's size: 31 regions x (steps + 1) x 64 columns."""
    rng = np.random.default_rng(seed)
    n = REGIONS * (steps + 1)
    cols = {"step": np.repeat(np.arange(steps + 1), REGIONS),
            "region": np.tile([f"R{i:02d}" for i in range(REGIONS)], steps + 1)}
    values = rng.random((COLUMNS, n))
    for j in range(COLUMNS):
        cols[f"c{j:02d}"] = values[j]
    return cols
