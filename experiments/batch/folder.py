"""An experiment folder belongs to one experiment, made by one code on one kind of machine.

``DIR/experiment.json`` records the validated design, the code identity
(:mod:`experiments.run.codeid`) and the numerical fingerprint (:mod:`model.fingerprint`) of
the runs in ``DIR/runs/``. :func:`prepare` is called before any run and decides what the
command may do with an existing folder:

* the same design, code and fingerprint: resume (finished runs are skipped);
* other code (model version, plugin versions or files, the hook's module): refused, since
  the finished runs' numbers came from the old code — choose another ``--out``, or
  ``--replace`` to discard the old runs;
* another fingerprint (this machine computes other numbers): refused likewise;
* another design: refused, naming what differs; ``--extend`` accepts a design that only
  adds runs (every planned run of the folder is still planned, with the same outputs) and
  keeps every finished run; ``--replace`` discards the folder's experiment and starts anew.

Nothing in the folder is changed before these checks pass.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from experiments.errors import BadInput

#: Keys of experiment.json that are not part of the design's identity.
NOT_DESIGN = ("file", "code", "code_id", "fingerprint", "numerics", "versions")
#: What an experiment folder may hold (all of it is removed by ``--replace``).
OWN_ENTRIES = ("experiment.json", "manifest.parquet", "failures.parquet", "runs", "firms",
               "report")


def record(design: Any, identity: dict[str, Any], fingerprint: dict[str, Any]) -> dict:
    """The content of ``experiment.json``: the design, its code identity and fingerprint,
    numpy's dispatch and the package versions of the process that planned it."""
    from experiments.run.codeid import code_digest
    from experiments.run.provenance import package_versions
    from model import numerics

    return {**design.to_json(), "code": identity, "code_id": code_digest(identity),
            "fingerprint": fingerprint, "numerics": numerics.status(),
            "versions": package_versions()}


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out or {prefix.rstrip("."): {}}
    return {prefix.rstrip("."): obj}


def design_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The design keys (dotted) whose values differ, as ``key: old -> new``."""
    a = _flatten({k: v for k, v in old.items() if k not in NOT_DESIGN})
    b = _flatten({k: v for k, v in new.items() if k not in NOT_DESIGN})
    out = []
    for key in sorted(set(a) | set(b)):
        if a.get(key, "<absent>") != b.get(key, "<absent>"):
            out.append(f"{key}: {_short(a.get(key, '<absent>'))} -> "
                       f"{_short(b.get(key, '<absent>'))}")
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _old_identity(old: dict[str, Any]) -> dict[str, Any]:
    if "code" in old:
        return old["code"]
    # a folder from before code identities were recorded: only the model version is known
    return {"model_version": old.get("model_version"), "plugins": [], "hook": None,
            "unrecorded": True}


def _planned_ids(out: Path) -> set[str]:
    import pyarrow.parquet as pq

    path = out / "manifest.parquet"
    if not path.is_file():
        return set()
    return set(pq.read_table(path, columns=["run_id"]).column("run_id").to_pylist())


def prepare(out: Path, new: dict[str, Any], run_ids: set[str], *, replace: bool = False,
            extend: bool = False, apply: bool = True) -> str:
    """Check ``out`` against the experiment about to run; return what will be done:
    ``"new"``, ``"resume"``, ``"extend"`` or ``"replace"``. With ``apply`` (default) the
    folder is emptied of its experiment's files for ``replace``, and of its stale report for
    ``extend``; without it nothing is changed (a dry run).

    Raises:
        BadInput: ``out`` is not an experiment folder, or holds another experiment, other
            code's runs or another machine's numbers (see the module docstring).
    """
    from experiments.run.codeid import differences

    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out}: exists and is not a folder")
    if not out.is_dir() or not any(out.iterdir()):
        return "new"
    meta = out / "experiment.json"
    if not meta.is_file():
        raise BadInput(f"--out {out}: folder is not empty and holds no experiment.json "
                       "(not an experiment folder); choose another --out")
    try:
        old = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInput(f"--out {out}: cannot read experiment.json: {exc}") from None
    if replace:
        if apply:
            clear(out)
        return "replace"
    how = "choose another --out, or pass --replace to discard the folder's runs"
    recorded = _old_identity(old)
    changed = differences(recorded, new["code"])
    if recorded.get("unrecorded") and (new["code"]["plugins"] or new["code"]["hook"]):
        changed.append("the folder records no code identity (made by an older ai-chain), "
                       "so its runs cannot be shown to come from this plugin or hook code")
    if changed:
        raise BadInput(f"--out {out}: its runs were made by other code ("
                       + "; ".join(changed) + f"); their results would be mixed with new "
                       f"ones: {how}")
    old_fp = (old.get("fingerprint") or {}).get("digest")
    if old_fp and old_fp != new["fingerprint"]["digest"]:
        raise BadInput(f"--out {out}: this process computes other numbers than the one that "
                       f"made the folder's runs (numerical fingerprint "
                       f"{new['fingerprint']['digest'][:16]} vs {old_fp[:16]}; recorded: "
                       f"{_machine(old['fingerprint'])}; here: {_machine(new['fingerprint'])}"
                       f"); {how}")
    diffs = design_differences(old, new)
    if not diffs:
        return "resume"
    if not extend:
        raise BadInput(f"--out {out}: holds another experiment ({'; '.join(diffs[:8])}"
                       + (f"; and {len(diffs) - 8} more" if len(diffs) > 8 else "")
                       + "); pass --extend if the new design only adds runs, --replace to "
                       "discard the folder's experiment, or choose another --out")
    _check_extension(out, old, new, run_ids)
    if apply:
        shutil.rmtree(out / "report", ignore_errors=True)  # describes the old plan
    return "extend"


def _machine(fp: dict[str, Any]) -> str:
    return (f"numpy {fp.get('numpy')} on {fp.get('machine')}, dispatch "
            f"{'+'.join(fp.get('active_targets') or []) or 'baseline'}")


def _check_extension(out: Path, old: dict[str, Any], new: dict[str, Any],
                     run_ids: set[str]) -> None:
    outputs = ("outputs", "columns", "regions", "firm_data", "model", "focus_region")
    changed = [f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in outputs
               if old.get(k) != new.get(k)]
    if changed:
        raise BadInput(f"--out {out}: --extend keeps the finished runs, so the outputs must "
                       f"stay the same ({'; '.join(changed)}); choose another --out")
    dropped = _planned_ids(out) - run_ids
    if dropped:
        raise BadInput(f"--out {out}: --extend only adds runs, but {len(dropped)} of the "
                       "folder's planned runs are not in the new design (other seed, "
                       "horizon, scenario, overrides or removed policies change run ids); "
                       "choose another --out, or --replace")


def clear(out: Path) -> None:
    """Remove an experiment's own files from ``out`` (never anything else)."""
    for name in OWN_ENTRIES:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    for tmp in out.glob(".*.tmp-*"):
        tmp.unlink(missing_ok=True)
