"""Code identity: which code besides the model's own makes an experiment's numbers.

The model's own code is identified by :data:`model.MODEL_VERSION` (bumped whenever stored
results are regenerated; pure refactors keep it, and so keep run ids). Outside code is
identified by content: every plugin loaded by :func:`model.plugins.load_plugins` (installed
entry points and the experiment's ``plugins = [...]`` modules) and the experiment's
``model = "module:function"`` hook, each with its distribution, version and a SHA-256 over
the files it is made of:

* an entry point's distribution: every file its installed ``RECORD`` lists (compiled
  ``.pyc`` files left out), plus every file of the package (or module) the entry point
  imports — which covers editable installs, whose ``RECORD`` lists only a path hook;
* a plugin module or a hook: the module's file, or every file of its package folder.

:func:`code_identity` gives the record stored in ``experiment.json`` and each run's
provenance; :func:`code_digest` its digest, part of every run's ``run_id`` when there is
any outside code. Changed code therefore means new runs, never silently reused results.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from importlib import metadata
from pathlib import Path
from typing import Any

_SKIP_SUFFIXES = (".pyc", ".pyo")


def _files_of_module(name: str) -> list[Path]:
    """The files a module is made of: its file, or every file under its package folder
    (``__pycache__`` left out); ``[]`` if it cannot be found."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    if spec.submodule_search_locations:
        files: list[Path] = []
        for folder in spec.submodule_search_locations:
            files += [p for p in Path(folder).rglob("*") if p.is_file()
                      and "__pycache__" not in p.parts and p.suffix not in _SKIP_SUFFIXES]
        return files
    if spec.origin and spec.has_location:
        return [Path(spec.origin)]
    return []


def _files_of_distribution(name: str) -> list[Path]:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return []
    out = []
    for f in dist.files or []:
        path = Path(str(dist.locate_file(f)))
        if path.suffix not in _SKIP_SUFFIXES and path.is_file():
            out.append(path)
    return out


def files_digest(files: list[Path]) -> str:
    """SHA-256 over files' contents, in the order of their resolved paths (the paths
    themselves are left out, so a copy elsewhere of the same files has the same digest)."""
    digest = hashlib.sha256()
    for path in sorted({p.resolve() for p in files}):
        data = path.read_bytes()
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist) if dist else ""
    except metadata.PackageNotFoundError:
        return ""


def plugin_records() -> list[dict[str, str]]:
    """Every plugin loaded in this process (entry point or module), in load order, with
    its distribution, version and content hash."""
    from model import plugins

    out = []
    for p in plugins.loaded_plugins():
        module = p.value.partition(":")[0].strip()
        if p.group == "module":
            files = _files_of_module(module)
        else:
            files = _files_of_module(module.split(".")[0]) + _files_of_distribution(
                p.distribution)
        out.append({"group": p.group, "name": p.name, "value": p.value,
                    "distribution": p.distribution, "version": _version(p.distribution),
                    "hash": files_digest(files) if files else "unknown"})
    return out


def hook_record(hook: str) -> dict[str, str] | None:
    """The ``module:function`` hook with its module's content hash (``None`` if no hook)."""
    if not hook:
        return None
    module = hook.partition(":")[0]
    files = _files_of_module(module)
    return {"hook": hook, "hash": files_digest(files) if files else "unknown"}


def code_identity(hook: str = "") -> dict[str, Any]:
    """The record of the code that makes the numbers (see the module docstring)."""
    from model import MODEL_VERSION

    return {"model_version": MODEL_VERSION, "plugins": plugin_records(),
            "hook": hook_record(hook)}


def code_digest(identity: dict[str, Any]) -> str:
    """Digest of the outside code in ``identity`` ('' when there is none, so that run ids
    of experiments without plugins or hooks depend on the model version alone)."""
    if not identity.get("plugins") and not identity.get("hook"):
        return ""
    outside = {"plugins": identity.get("plugins"), "hook": identity.get("hook")}
    text = json.dumps(outside, sort_keys=True, separators=(",", ":"))  # as manifest's
    return hashlib.sha256(text.encode()).hexdigest()


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed between two :func:`code_identity` records, in words."""
    out = []
    if old.get("model_version") != new.get("model_version"):
        out.append(f"model version {old.get('model_version')} -> {new.get('model_version')}")

    def by_key(records: list[dict[str, str]] | None) -> dict[tuple[str, str], dict]:
        return {(r["group"], r["name"]): r for r in records or []}

    before, after = by_key(old.get("plugins")), by_key(new.get("plugins"))
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        label = f"plugin {key[1]} ({key[0]})"
        if a is None:
            out.append(f"{label} is new ({b['distribution'] or 'module'} {b['version']})")
        elif b is None:
            out.append(f"{label} is no longer loaded")
        elif (a["version"], a["hash"]) != (b["version"], b["hash"]):
            what = (f"version {a['version']} -> {b['version']}" if a["version"] != b["version"]
                    else f"files changed (hash {a['hash'][:12]} -> {b['hash'][:12]})")
            out.append(f"{label} of {b['distribution'] or 'module ' + b['value']}: {what}")
    ha, hb = old.get("hook"), new.get("hook")
    if ha != hb:
        if not ha or not hb or ha.get("hook") != hb.get("hook"):
            out.append(f"model hook {ha and ha.get('hook')!r} -> {hb and hb.get('hook')!r}")
        else:
            out.append(f"model hook {hb['hook']}: its module changed (hash "
                       f"{ha['hash'][:12]} -> {hb['hash'][:12]})")
    return out
