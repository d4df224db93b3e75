"""Bit-identity digests: proof that a refactor leaves every result exactly unchanged.

:data:`CASES` are short fixed-seed runs (12 quarters, seeds 1 and 2) of the four presets,
of the small test scenario as it is, with the adaptive policy rule on for its focus region,
and with the test plugin package ``tests/data/plugin_pkg`` loaded. For each case
:func:`compute` returns named SHA-256 digests of everything a run produces (see
:func:`collect` for the items); ``scripts/update_digests.py`` stores them in
``tests/data/digests/<case>.json`` and ``tests/test_digests.py`` recomputes and compares
them. Unlike :mod:`experiments.validation.regression` (key columns, relative tolerance),
a digest changes with any bit of any value, so a pure refactor must keep every digest.
Its imports of the model's modules are confined to :func:`collect` and :func:`_registries`:
a refactor that moves them updates those imports only, never the stored digests.

Canonical serialisation (:func:`encode`; never ``tobytes()`` of an object array, which
would hash memory addresses): every part of an item is written as a header line
``<tag><shape>:<byte length>\\n`` followed by its data, and an item's digest is the SHA-256
of its parts in order (one part per step for per-step items):

* float arrays: ``f8``, the values as little-endian IEEE doubles
  (``np.ascontiguousarray(a, dtype="<f8")``); integer arrays: ``i8``, little-endian int64;
  bool arrays: ``b1``, one byte 0/1 each. The tag keeps a change of dtype visible.
* string arrays (numpy ``U`` or object arrays of ``str``) and lists of strings: ``str``,
  a UTF-8 JSON array of the strings (so an object column hashes as the equal list of
  Python strings would); an object array holding anything but strings is refused.
* other values (parameter values, policy budgets, ledger totals): ``json``, UTF-8 JSON
  with floats in Python's shortest round-trip form (exact, like 17 significant digits).

Numbers depend on numpy's CPU dispatch: its AVX-512 kernels change the last bits. The
stored digests are made with the AVX-512 targets switched off, as every process of the
project runs (:mod:`model.numerics`); AVX2 and baseline dispatch give the same digests.
Each stored file records the setting and numpy's active dispatch targets it was made with.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from experiments.run.defaults import DEFAULT_FOCUS
from model import numerics

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "digests"
PLUGIN_SRC = ROOT / "tests" / "data" / "plugin_pkg"
SMALL = "scenarios/small.toml"
STEPS = 12
SEEDS = (1, 2)

#: The small scenario's focus region (its ``meta.focus`` default).
SMALL_FOCUS = DEFAULT_FOCUS  # the small scenario names no meta.focus

#: The small scenario with the adaptive budget rule on for its focus region.
ADAPTIVE = ((f"policy.{SMALL_FOCUS}.adaptive.enabled", True),)

#: The test plugin's instrument and agent type switched on for the focus region (as the
#: scenario of tests/test_plugins.py does).
PLUGIN = ((f"policy.{SMALL_FOCUS}.rd_voucher.budget", 20.0),
          (f"policy.{SMALL_FOCUS}.rd_voucher.rate", 0.3),
          ("agents.research_institute.enabled", True),
          ("agents.research_institute.regions", "focus"),
          ("agents.research_institute.links", 4))


@dataclass(frozen=True)
class Case:
    """One digested run.

    Attributes:
        name: File stem of the stored digests.
        scenario: Preset name, or a scenario path relative to the repository.
        seed: Seed.
        steps: Quarters run.
        overrides: Dotted parameter overrides, in order.
        plugin: Load ``tests/data/plugin_pkg`` through its entry points (computed in a
            fresh process whose ``PYTHONPATH`` makes the package discoverable).
    """

    name: str
    scenario: str
    seed: int
    steps: int = STEPS
    overrides: tuple[tuple[str, Any], ...] = ()
    plugin: bool = False


def _cases() -> tuple[Case, ...]:
    cases = []
    for preset in ("baseline", "no_policy", "chain_package", "talent_first"):
        cases += [Case(f"{preset}_seed{s}", preset, s) for s in SEEDS]
    cases += [Case(f"small_seed{s}", SMALL, s) for s in SEEDS]
    cases += [Case(f"small_adaptive_seed{s}", SMALL, s, overrides=ADAPTIVE) for s in SEEDS]
    cases += [Case(f"small_plugin_seed{s}", SMALL, s, overrides=PLUGIN, plugin=True)
              for s in SEEDS]
    return tuple(cases)


CASES: tuple[Case, ...] = _cases()


def case_named(name: str) -> Case:
    """The case called ``name`` (KeyError if none)."""
    for case in CASES:
        if case.name == name:
            return case
    raise KeyError(f"no digest case {name!r}; cases: {', '.join(c.name for c in CASES)}")


# ------------------------------------------------------------------ serialisation
def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=True).encode("utf-8")


def _strings(values: list, shape: tuple[int, ...]) -> tuple[str, tuple[int, ...], bytes]:
    bad = next((v for v in values if not isinstance(v, str)), None)
    if bad is not None:
        raise TypeError(f"cannot digest a {type(bad).__name__} in a string column "
                        "(only str; never a repr that may hold a memory address)")
    return "str", shape, _json(values)


def encode(part: Any) -> bytes:
    """Canonical bytes of one part of an item (see the module docstring).

    Raises:
        TypeError: An object array or list holding something other than strings, or a
            numpy dtype without a canonical form (complex, datetime, bytes).
    """
    if isinstance(part, (np.ndarray, np.generic)):
        a = np.asarray(part)
        kind = a.dtype.kind
        if kind == "f":
            tag, data = "f8", np.ascontiguousarray(a, dtype="<f8").tobytes()
        elif kind in "iu":
            if kind == "u" and a.size and int(a.max()) > np.iinfo(np.int64).max:
                raise TypeError("unsigned values above the int64 range")
            tag, data = "i8", np.ascontiguousarray(a, dtype="<i8").tobytes()
        elif kind == "b":
            tag, data = "b1", np.ascontiguousarray(a, dtype="u1").tobytes()
        elif kind in "UO":
            tag, _, data = _strings(a.ravel().tolist(), a.shape)
        else:
            raise TypeError(f"no canonical form for numpy dtype {a.dtype}")
        shape = a.shape
    elif isinstance(part, (list, tuple)) and all(isinstance(v, str) for v in part):
        tag, shape, data = _strings(list(part), (len(part),))
    else:
        tag, shape, data = "json", (), _json(part)
    return f"{tag}{list(shape)}:{len(data)}\n".encode() + data


def digest(parts: Iterable[Any]) -> str:
    """SHA-256 hex digest of the parts' canonical encodings, in order."""
    h = hashlib.sha256()
    for part in parts:
        h.update(encode(part))
    return h.hexdigest()


def digests(items: Mapping[str, list]) -> dict[str, str]:
    """One digest per item (name -> list of parts), sorted by name."""
    return {name: digest(items[name]) for name in sorted(items)}


# ------------------------------------------------------------------ one run
def _registries() -> dict[str, list[str]]:
    """Names in the plugin-extensible registries, in registration (output column) order."""
    from agents.instruments import INSTRUMENTS
    from agents.plugin import AGENT_TYPES
    from model.reporters import REGION_REPORTERS

    return {"instruments": list(INSTRUMENTS), "agent_types": list(AGENT_TYPES),
            "reporters": list(REGION_REPORTERS)}


def scenario_source(case: Case) -> str:
    """What :class:`~model.model.IndustryModel` is given: a preset name or a full path."""
    return str(ROOT / case.scenario) if case.scenario.endswith(".toml") else case.scenario


def collect(case: Case) -> dict[str, list]:
    """Run a case in this process; return every item as name -> list of parts.

    The run is stepped as ``ai-chain run --firm-data final`` steps it, through the same
    :class:`~experiments.run.loop.RunLoop` (region table at steps 0..steps, firm table at
    the last step, then ``model.finalize()``). Items:

    * ``region:<column>``: every region-table column (``model.region_rows``, regions in
      ``model.region_names`` order), one part per step 0..steps;
      ``region_columns``: the column names in order; ``regions``: the region names.
    * ``firms:<column>``: every column of ``firms.parquet`` at the last step (``step`` and
      ``model.firm_rows()``, live firms in row order); ``firm_columns``: names in order.
    * ``ledger:<flow>``: the quarter's per-region money flows (``model.ledger``), one part
      per step 0..steps; ``ledger_totals``: ``Ledger.totals()`` at the end (after
      ``finalize``), as [flow, total] pairs in flow order.
    * ``instruments``, ``agent_types``, ``reporters``: registry names in order.
    * ``params``: the resolved scenario's parameter names (``model.config.values``) in
      order; ``param_values``: their values in that order.
    * ``policy_budgets``: every policy instrument's annual budget at the end (moved by
      the adaptive rule), as [region, instrument, budget]; ``plugin_agents``: the plugin
      agents built, as [type, region].
    * ``datacollector:<reporter>``: Mesa DataCollector model variables, one per step.
    * ``links:suppliers``, ``links:partners``: the snapshot's supplier and partnership
      links (agent ids) at the end.

    Plugin cases need the plugin loaded in this process first (see :func:`compute`).
    """
    from experiments.run.loop import RunLoop
    from model.scenario import load_scenario

    scenario = load_scenario(scenario_source(case), dict(case.overrides))
    loop = RunLoop.build(scenario, rng=case.seed, steps=case.steps, firm_data="none")
    model = loop.model
    items: dict[str, list] = {"regions": [list(model.region_names)]}
    columns = list(model.region_rows)
    items["region_columns"] = [columns]
    for name in columns:
        items[f"region:{name}"] = []
    flows = list(model.ledger.flows)
    for name in flows:
        items[f"ledger:{name}"] = []
    for step in loop:  # finishes the run (model.finalize()) after the last step
        rows = loop.collect().regions
        if list(rows) != columns:
            raise RuntimeError(f"{case.name}: region columns changed at step {step}")
        for name in columns:
            items[f"region:{name}"].append(np.array(rows[name], copy=True))
        for name in flows:  # the ledger is reset in place every quarter: copy
            items[f"ledger:{name}"].append(np.array(model.ledger.flows[name], copy=True))
        if loop.done:  # written before finalize, as `ai-chain run` does
            table = loop.firm_table()
            items["firm_columns"] = [list(table)]
            for name, values in table.items():
                items[f"firms:{name}"] = [np.array(values, copy=True)]
    items["ledger_totals"] = [[[k, v] for k, v in model.ledger.totals().items()]]
    for name, names in _registries().items():
        items[name] = [names]
    values = model.config.values
    items["params"] = [list(values)]
    items["param_values"] = [list(values.values())]
    items["policy_budgets"] = [[[model.region_names[agent.region], inst.name,
                                 float(inst.annual_budget)]
                                for agent in model.policies for inst in agent.instruments]]
    items["plugin_agents"] = [[[type(a).name, model.region_names[a.region]]
                               for a in model.plugin_agents]]
    for name, series in model.datacollector.model_vars.items():
        items[f"datacollector:{name}"] = [np.asarray(series, dtype=float)]
    snap = model.snapshot()
    items["links:suppliers"] = [np.stack(snap["supplier_links"])]
    items["links:partners"] = [np.stack(snap["partner_links"])]
    return items


# ------------------------------------------------------------------ computing a case
def write_dist_info(site: Path, src: Path = PLUGIN_SRC, version: str | None = None) -> Path:
    """Make the plugin package at ``src`` (default ``tests/data/plugin_pkg``) discoverable
    as pip would: a ``*.dist-info`` with its entry points written into ``site`` (with
    ``site`` and ``src`` on ``PYTHONPATH``); ``version`` overrides the one in its
    pyproject.toml. Returns the dist-info folder."""
    project = tomllib.loads((src / "pyproject.toml").read_text())["project"]
    version = version or project["version"]
    info = site / f"{project['name'].replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\n"
                                   f"Version: {version}\n")
    lines = []
    for group, eps in project["entry-points"].items():
        lines += [f"[{group}]", *(f"{k} = {v}" for k, v in eps.items()), ""]
    (info / "entry_points.txt").write_text("\n".join(lines))
    return info


def plugin_environment(site: Path) -> dict[str, str]:
    """Environment for a fresh process in which ``tests/data/plugin_pkg`` is an installed
    distribution (:func:`write_dist_info`; nothing is installed into the virtualenv)."""
    write_dist_info(site)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(site), str(PLUGIN_SRC)])
    return env


CHILD = "from experiments.validation.digests import _child; _child()"


def _in_fresh_process(case: Case, env: dict[str, str]) -> dict[str, str]:
    proc = subprocess.run([sys.executable, "-c", CHILD, case.name], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"{case.name}: digest subprocess failed ({proc.returncode}):\n"
                           f"{proc.stderr}")
    return json.loads(proc.stdout)


def compute(case: Case, *, fresh_process: bool = False) -> dict[str, str]:
    """The case's digests, name -> SHA-256 hex, sorted by name.

    Built-in cases run in this process (no plugins loaded) unless ``fresh_process``; a
    plugin case always runs in a fresh Python process (``sys.executable``) whose
    environment makes the test plugin discoverable (:func:`plugin_environment`) and which
    calls ``model.plugins.load_plugins()`` first, as ``ai-chain run`` does.
    """
    if not case.plugin and not fresh_process:
        return digests(collect(case))
    if not case.plugin:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        return _in_fresh_process(case, env)
    with tempfile.TemporaryDirectory(prefix="ai-chain-digest-site-") as site:
        return _in_fresh_process(case, plugin_environment(Path(site)))


def _child() -> None:
    """Subprocess entry: print the digests of the case named in ``sys.argv[1]`` as JSON."""
    case = case_named(sys.argv[1])
    if case.plugin:
        from model.plugins import load_plugins

        loaded = load_plugins()
        if not any(p.distribution == "ai-chain-demo-plugin" for p in loaded):
            raise SystemExit(f"{case.name}: the test plugin was not found on PYTHONPATH")
    json.dump(digests(collect(case)), sys.stdout)


# ------------------------------------------------------------------ stored digests
def path_of(case: Case) -> Path:
    """Stored digests of a case."""
    return DATA / f"{case.name}.json"


def record(case: Case, found: Mapping[str, str]) -> dict[str, Any]:
    """The stored form: the digests plus, for information, what produced them."""
    return {"case": case.name, "scenario": case.scenario, "seed": case.seed,
            "steps": case.steps, "overrides": dict(case.overrides), "plugin": case.plugin,
            "numpy": np.__version__,
            "npy_disable_cpu_features": os.environ.get("NPY_DISABLE_CPU_FEATURES", ""),
            "numpy_dispatch": numerics.active_targets(),
            "digests": dict(sorted(found.items()))}


def write(case: Case, found: Mapping[str, str]) -> Path:
    """Store a case's digests (JSON, sorted keys, one digest per line)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = path_of(case)
    with path.open("w", encoding="utf-8") as fh:
        json.dump(record(case, found), fh, indent=2, sort_keys=True)
        fh.write("\n")
    return path


def read(case: Case) -> dict[str, str]:
    """A case's stored digests (missing file: FileNotFoundError)."""
    return json.loads(path_of(case).read_text(encoding="utf-8"))["digests"]


def differences(stored: Mapping[str, str], current: Mapping[str, str]) -> dict[str, str]:
    """Items whose digests differ, name -> what differs (empty if all are equal)."""
    out = {}
    for name in sorted(set(stored) | set(current)):
        if name not in current:
            out[name] = "no longer produced"
        elif name not in stored:
            out[name] = "new item (not in the stored digests)"
        elif stored[name] != current[name]:
            out[name] = f"stored {stored[name][:12]}…, now {current[name][:12]}…"
    return out
