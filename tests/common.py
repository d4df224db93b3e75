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
