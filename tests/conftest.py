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
