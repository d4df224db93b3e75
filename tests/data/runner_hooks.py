"""Model hooks (``model = "runner_hooks:<function>"``) for the experiment-runner tests.

Each is ``f(params, seed, steps) -> columns`` as docs/experiments.md describes.
"""

from __future__ import annotations

import os
import time

import numpy as np


def ishigami(params: dict, seed: np.random.SeedSequence, steps: int) -> dict:
    """The Ishigami function of x1, x2, x3 (a = 7, b = 0.1), one row."""
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    y = np.sin(x1) + 7.0 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)
    return {"step": [steps], "region": ["all"], "y": [y]}


def noisy(params: dict, seed: np.random.SeedSequence, steps: int) -> dict:
    """A random walk per step whose drift is ``params["drift"]``; fails on request.

    The run with ``drift == params_fail`` raises while the environment variable
    ``RUNNER_TEST_FAIL`` is set; ``RUNNER_TEST_SLEEP`` (seconds) slows every step down.
    """
    drift = float(params.get("drift", 0.0))
    if os.environ.get("RUNNER_TEST_FAIL") and drift == float(os.environ["RUNNER_TEST_FAIL"]):
        raise ValueError(f"deliberate failure at drift {drift}")
    rng = np.random.default_rng(seed)
    pause = float(os.environ.get("RUNNER_TEST_SLEEP", "0"))
    steps_ = np.arange(steps + 1)
    walk = np.concatenate([[0.0], np.cumsum(drift + rng.normal(size=steps))])
    if pause:
        time.sleep(pause * steps)
    return {"step": np.repeat(steps_, 2), "region": np.tile(["A", "B"], steps + 1),
            "level": np.repeat(walk, 2) * np.tile([1.0, -1.0], steps + 1)}


def crashy(params: dict, seed: np.random.SeedSequence, steps: int) -> dict:
    """Like :func:`noisy`, but the worker process dies (``os._exit``) at ``drift == 1``
    while the file named by ``params["marker"]`` exists."""
    if float(params.get("drift", 0.0)) == 1.0 and os.path.exists(params["marker"]):
        os._exit(3)
    return noisy({"drift": params.get("drift", 0.0)}, seed, steps)
