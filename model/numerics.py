"""Same numbers on every machine: numpy's SIMD dispatch held below AVX-512.

numpy picks, when its C module loads, the fastest kernels the CPU supports. Its float64
AVX-512 kernels (transcendental functions, some reductions) round differently in the last
bit from the AVX2 and baseline kernels, and the model's discrete decisions (entry, exit,
matching, rounding of firm counts) turn a last-bit difference into other firm counts within
a few quarters. Runs limited to AVX2 and runs limited to numpy's x86-64 baseline give
bit-identical results, so the project switches off the AVX-512 dispatch targets only:

* :func:`pin` sets ``NPY_DISABLE_CPU_FEATURES`` (adding :data:`AVX512_TARGETS` to whatever
  it holds) in ``os.environ`` when numpy is not imported yet. Importing any of the
  project's packages (``model``, ``agents``, ``experiments``) calls it first, so the
  ``ai-chain`` command, its worker processes (which inherit the environment), the browser
  server it starts and the tests (``tests/conftest.py``) all run pinned.
* numpy reads the variable once; after numpy is imported the setting does nothing. So the
  pin is never trusted: :func:`status` reads numpy's own list of active dispatch targets,
  and :func:`check` warns (:class:`NumericsWarning`) when an AVX-512 target is active, the
  numpy version is one whose target names this module does not know, or
  ``NPY_ENABLE_CPU_FEATURES`` is set (numpy refuses both variables together, so the pin
  leaves it alone). :class:`~model.model.IndustryModel` calls :func:`check` once per
  process, so a notebook that imported numpy first is told what to do.
* ``AI_CHAIN_NUMPY_DISPATCH=native`` (environment) keeps numpy's own choice, for
  comparisons; results then depend on the CPU.

On other architectures (aarch64) nothing is pinned: their kernels may differ in the last
bits from x86-64, and the numerical fingerprint (:mod:`model.fingerprint`) refuses to mix
results across such machines.
"""

from __future__ import annotations

import os
import platform
import sys
import warnings
from typing import Any

#: numpy's environment variable listing dispatch targets to switch off.
DISABLE_VAR = "NPY_DISABLE_CPU_FEATURES"
#: numpy's variable listing the only targets to use (incompatible with DISABLE_VAR).
ENABLE_VAR = "NPY_ENABLE_CPU_FEATURES"
#: The project's override: ``pinned`` (default) or ``native`` (numpy's own choice).
MODE_VAR = "AI_CHAIN_NUMPY_DISPATCH"
#: numpy >= 2.4's names of its AVX-512 dispatch targets on x86-64.
AVX512_TARGETS = ("X86_V4", "AVX512_ICL", "AVX512_SPR")
#: numpy versions (major, minor) whose dispatch target names are :data:`AVX512_TARGETS`:
#: from 2.4 (older versions use other names, so the same string would do nothing) up to
#: but excluding 2.6 (not yet checked).
KNOWN_NUMPY = ((2, 4), (2, 6))
MODES = ("pinned", "native")


class NumericsWarning(UserWarning):
    """The model's numbers in this process may differ from the ``ai-chain`` command's."""


def mode() -> str:
    """``pinned`` or ``native``, from :data:`MODE_VAR` (anything else counts as pinned and
    is reported by :func:`check`)."""
    value = os.environ.get(MODE_VAR, "pinned").strip().lower() or "pinned"
    return value if value in MODES else "pinned"


def is_x86_64() -> bool:
    """Whether this is an x86-64 machine (the only architecture the pin is for)."""
    return platform.machine().lower() in ("x86_64", "amd64")


def pinned_value(current: str) -> str:
    """``current`` (a value of :data:`DISABLE_VAR`) with :data:`AVX512_TARGETS` added."""
    names = current.replace(",", " ").split()
    return " ".join(names + [t for t in AVX512_TARGETS if t not in names])


def pin() -> bool:
    """Switch numpy's AVX-512 dispatch off for this process and its children, if numpy is
    not imported yet; return whether the environment was set.

    Does nothing in ``native`` mode, off x86-64, when :data:`ENABLE_VAR` is set, or once
    numpy is imported (then :func:`check` says whether it matters).
    """
    if mode() == "native" or not is_x86_64() or ENABLE_VAR in os.environ:
        return False
    if "numpy" in sys.modules:
        return False
    os.environ[DISABLE_VAR] = pinned_value(os.environ.get(DISABLE_VAR, ""))
    return True


def _numpy_version() -> tuple[int, int]:
    import numpy as np

    major, minor = np.__version__.split(".")[:2]
    return int(major), int("".join(ch for ch in minor if ch.isdigit()) or 0)


def active_targets() -> list[str]:
    """numpy's dispatch targets active in this process (``[]`` where numpy has no list)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # numpy < 2 or another layout
        return []
    return [t for t in __cpu_dispatch__ if __cpu_features__.get(t)]


def status() -> dict[str, Any]:
    """What decides this process's numbers: mode, numpy version, active dispatch targets,
    the variables, and whether the dispatch is the project's pinned one.

    ``pinned`` is true when no AVX-512 target is active on x86-64 with a known numpy (a
    machine without AVX-512 is pinned by nature); false otherwise.
    """
    import numpy as np

    active = active_targets()
    known = KNOWN_NUMPY[0] <= _numpy_version() < KNOWN_NUMPY[1]
    avx512 = [t for t in AVX512_TARGETS if t in active]
    return {
        "mode": mode(),
        "machine": platform.machine(),
        "numpy": np.__version__,
        "numpy_names_known": known,
        "active_targets": active,
        "active_avx512": avx512,
        DISABLE_VAR: os.environ.get(DISABLE_VAR),
        ENABLE_VAR: os.environ.get(ENABLE_VAR),
        "pinned": is_x86_64() and known and not avx512,
    }


def problems(st: dict[str, Any] | None = None) -> list[str]:
    """Why this process's numbers may differ from the pinned ones (empty when they do not).

    Off x86-64 there is nothing to pin and the list is empty: the fingerprint tells
    machines apart there.
    """
    st = status() if st is None else st
    raw = os.environ.get(MODE_VAR)
    out = []
    if raw is not None and raw.strip().lower() not in (*MODES, ""):
        out.append(f"{MODE_VAR}={raw!r} is not one of {', '.join(MODES)}; treated as pinned")
    if not is_x86_64() or st["mode"] == "native":
        return out
    how = (f"set {DISABLE_VAR}=\"{' '.join(AVX512_TARGETS)}\" in the environment before "
           "Python starts (in a notebook: %env before the first import of numpy, then "
           "restart the kernel), or import `model` before numpy")
    if not st["numpy_names_known"]:
        lo, hi = KNOWN_NUMPY
        out.append(f"numpy {st['numpy']} is outside {lo[0]}.{lo[1]} <= numpy < {hi[0]}.{hi[1]}, "
                   "whose dispatch names the project knows; install the numpy of "
                   "constraints.txt")
    if st[ENABLE_VAR] is not None:
        out.append(f"{ENABLE_VAR}={st[ENABLE_VAR]!r} is set, so the project does not set "
                   f"{DISABLE_VAR} (numpy refuses both); unset it")
    if st["active_avx512"]:
        out.append("numpy's AVX-512 kernels are active ("
                   + ", ".join(st["active_avx512"]) + "), so this process's numbers differ "
                   "in the last bits from the ai-chain command's and from other machines'; "
                   + how)
    return out


_checked: dict[str, list[str]] = {}


def check() -> list[str]:
    """Warn once per process (:class:`NumericsWarning`) for each of :func:`problems`;
    return them."""
    if "done" not in _checked:
        _checked["done"] = problems()
        for message in _checked["done"]:
            warnings.warn(message, NumericsWarning, stacklevel=3)
    return _checked["done"]
