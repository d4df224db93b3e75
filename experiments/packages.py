"""Check that the generic package names ``model``, ``agents``, ``experiments`` are ours.

These import names are common (a popular agents SDK also installs ``agents``). If another
installed distribution, or a folder earlier on ``sys.path``, provides one of them, the model
would silently run someone else's code. The CLI (and worker start-up) call
:func:`shadowed_packages` first and stop with exit code 2 when it finds any.

The check locates packages with :func:`importlib.util.find_spec`, so a foreign package is
found without running its code (unless it was already imported).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

#: Project root: the folder holding ``model/``, ``agents/`` and ``experiments/``.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The import names this project owns.
OWN_PACKAGES = ("model", "agents", "experiments")


def package_location(name: str) -> list[Path]:
    """Folders a top-level package ``name`` is (or would be) imported from."""
    module = sys.modules.get(name)
    if module is not None:
        locations = list(getattr(module, "__path__", []) or [])
        if not locations and getattr(module, "__file__", None):
            locations = [str(Path(module.__file__).parent)]
    else:
        spec = importlib.util.find_spec(name)
        if spec is None:
            return []
        locations = list(spec.submodule_search_locations or [])
        if not locations and spec.origin:
            locations = [str(Path(spec.origin).parent)]
    return [Path(p).resolve() for p in locations]


def shadowed_packages(root: Path = PROJECT_ROOT) -> list[str]:
    """Messages for each of :data:`OWN_PACKAGES` that does not load from ``root``.

    Returns:
        One message per shadowed (or missing) package, naming where it comes from and the
        installed distribution that provides it; empty when all is well.
    """
    problems = []
    dists: dict[str, list[str]] | None = None
    for name in OWN_PACKAGES:
        where = package_location(name)
        expected = (root / name).resolve()
        if where and where[0] == expected:
            continue
        if dists is None:  # slow (reads every installed distribution): only when needed
            dists = _distributions()
        provider = [d for d in dists.get(name, []) if d != "ai-chain"] or dists.get(name, [])
        by = (f"installed by distribution {', '.join(sorted(set(provider)))}" if provider
              else "not from any installed distribution (a folder on sys.path?)")
        found = ", ".join(str(p) for p in where) or "nowhere"
        problems.append(
            f"package '{name}' is imported from {found}, not from this project "
            f"({expected}); it is {by}. Install ai-chain into its own virtual environment "
            f"(python -m venv .venv && .venv/bin/pip install -e .) or uninstall the "
            f"distribution that shadows it."
        )
    return problems


def _distributions() -> dict[str, list[str]]:
    try:
        from importlib.metadata import packages_distributions

        return packages_distributions()
    except Exception:  # a broken metadata folder must not stop the check
        return {}
