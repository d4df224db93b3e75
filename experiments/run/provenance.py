"""Provenance of outputs: package versions, git commit, command line, code identity,
numerics and fingerprint, quarters.

Everything but :func:`provenance` is cheap and imports nothing heavy, so the CLI can use
it before it loads the model.
"""

from __future__ import annotations

import platform
import re
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from experiments.packages import PROJECT_ROOT

#: Version of the layout of run folders (files, columns, metadata keys). Bump it on any
#: change that a reader of old runs would need to know about.
SCHEMA_VERSION = 1

#: Distributions whose versions are recorded with every run.
RECORDED_PACKAGES = ("ai-chain", "mesa", "numpy", "pandas", "pyarrow", "matplotlib",
                     "seaborn")

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def package_versions() -> dict[str, str | None]:
    """Installed versions of :data:`RECORDED_PACKAGES` and of Python."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in RECORDED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit(root: Path = PROJECT_ROOT) -> dict[str, Any] | None:
    """The project's git commit and whether tracked files differ from it (best effort).

    Returns ``None`` when the project is not a git checkout or git is unavailable.
    """
    if not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=10, check=True)
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                 "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}


def command_line(argv: list[str] | None) -> list[str]:
    """The command as typed: ``sys.argv`` or ``["ai-chain", *argv]`` when called in-process."""
    if argv is None:
        return [Path(sys.argv[0]).name, *sys.argv[1:]]
    return ["ai-chain", *argv]


def now_utc() -> str:
    """Current time, ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def provenance(argv: list[str] | None, hook: str = "") -> dict[str, Any]:
    """Fields shared by every output: schema version, versions, git, command, platform,
    the loaded plugins and the code identity (:mod:`experiments.run.codeid`), numpy's dispatch
    (:mod:`model.numerics`) and the numerical fingerprint (:mod:`model.fingerprint`).

    Computes the fingerprint (about 50 ms, once per process) and so imports the model.
    """
    from experiments.run.codeid import code_identity
    from model import numerics
    from model.fingerprint import describe

    cmd = command_line(argv)
    code = code_identity(hook)
    return {
        "schema_version": SCHEMA_VERSION,
        "command": cmd,
        "command_line": shlex.join(cmd),
        "cwd": str(Path.cwd()),
        "versions": package_versions(),
        "git": git_commit(),
        "platform": platform.platform(),
        "plugins": code["plugins"],
        "code": code,
        "numerics": numerics.status(),
        "fingerprint": describe(),
    }


def parse_quarter(text: str) -> tuple[int, int]:
    """``"2023Q1"`` -> ``(2023, 1)``; raises ``ValueError`` for anything else."""
    match = _QUARTER.match(str(text))
    if not match:
        raise ValueError(f"expected a quarter like 2023Q1, got {text!r}")
    return int(match.group(1)), int(match.group(2))


def quarter_label(start: tuple[int, int], step: int) -> str:
    """Label of the quarter at ``step`` when step 0 is ``start`` (``(2023, 1)``, 1 -> 2023Q2)."""
    index = start[0] * 4 + (start[1] - 1) + step
    return f"{index // 4}Q{index % 4 + 1}"
