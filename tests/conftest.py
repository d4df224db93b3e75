"""Shared test set-up.

First of all, before any test module imports numpy: importing ``model`` holds numpy's
dispatch below AVX-512 (``model/numerics.py``), as the ``ai-chain`` command does, so that
numbers computed in the test process equal those of the command and of the stored
results on any x86-64 machine. ``AI_CHAIN_NUMPY_DISPATCH=native`` keeps numpy's own choice
(then stored-result tests may fail on an AVX-512 CPU, by design).
"""

from __future__ import annotations

import model  # noqa: F401  (pins numpy's dispatch; must stay the first import)
from model import numerics

_PROBLEMS = numerics.problems()
if _PROBLEMS:
    raise RuntimeError("tests need numpy's pinned dispatch: " + "; ".join(_PROBLEMS))


# ---------------------------------------------------------------------------- shared set-up
# Below the pin above: paths and helpers every test module may use. Module-level code
# imports the constants from ``common`` (tests/common.py); tests can take them as fixtures.
import subprocess  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from common import AI_CHAIN, REPO, SMALL  # noqa: E402


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return REPO


@pytest.fixture(scope="session")
def small_scenario() -> Path:
    """Path of the small scenario, ``scenarios/small.toml``."""
    return SMALL


@pytest.fixture(scope="session")
def ai_chain_script() -> Path:
    """The installed ``ai-chain`` console script."""
    return AI_CHAIN


@pytest.fixture
def tmp_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh temporary folder made the working directory for the test."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def run_ai_chain():
    """``run_ai_chain(*args, cwd=..., env=None, timeout=300)``: the console script in a
    subprocess, as users run it (text output captured)."""
    def run(*args: str, cwd: Path, env: dict | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([str(AI_CHAIN), *args], cwd=cwd, capture_output=True,
                              text=True, timeout=timeout, env=env)
    return run
