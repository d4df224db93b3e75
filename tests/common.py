"""Paths every test module shares (importable as ``common``: pytest's ``pythonpath``
option in pyproject.toml puts tests/ on ``sys.path``). The same values are fixtures in
conftest.py (``repo_root``, ``small_scenario``, ``ai_chain_script``) for tests that
prefer them as arguments."""

from __future__ import annotations

import sys
from pathlib import Path

#: The repository root (the checkout the tests run from).
REPO = Path(__file__).resolve().parent.parent
#: The small scenario (a few regions, quick to run) the fast tests use.
SMALL = REPO / "scenarios" / "small.toml"
#: The installed ``ai-chain`` console script of the interpreter running the tests.
AI_CHAIN = Path(sys.executable).parent / "ai-chain"


def stepped(steps: int, seed: int = 3, **params: object):
    """The small scenario's model after ``steps`` quarters (seed ``seed``, ``params`` set)."""
    from model.model import IndustryModel

    model = IndustryModel(SMALL, rng=seed, params=params)
    for _ in range(steps):
        model.step()
    return model


def research_from(model, rows, start, **params):
    """Log capability of ``rows`` after one R&D round from ``start`` = (log capability,
    innovations) with ``params`` set and the same keyed draws (compute at market price)."""
    import numpy as np

    from model.phases.innovation import research

    f = model.firms
    f.logcap[rows], f.innovations[rows] = start
    for name, value in params.items():
        model.p[name.replace("__", ".")] = value
    research(model, rows, np.ones(rows.size))
    return f.logcap[rows].copy()
