"""The task: one run (one parameter point x one seed), executed in a worker.

:func:`run_task` builds ``IndustryModel(params=scenario, rng=SeedSequence(entropy,
spawn_key))`` (or calls the experiment's ``model = "module:function"`` hook), steps it and
returns the region rows as an Arrow table with a ``run_id`` column. It never raises for a
failing run: the error and traceback come back in the :class:`TaskResult`, so the parent
records the failure and the other runs continue. Before its first run, a worker process
computes its numerical fingerprint (:mod:`model.fingerprint`); a run whose planned
fingerprint differs is not run but comes back ``refused`` (the parent stops, or on Dask
moves the run to another worker). Heavy modules are imported at the top so
that the process pool's fork server preloads them once.
"""

from __future__ import annotations

import importlib
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa

from experiments.batch.manifest import RunSpec
from experiments.run.loop import RunLoop
from experiments.run.tables import arrow_type, region_schema
from model.model import IndustryModel  # noqa: F401  (preloaded by the fork server)
from model.plugins import load_plugins
from model.reporters import FIRM_FIELDS, REGION_REPORTERS
from model.scenario import load_scenario


@dataclass
class TaskResult:
    """What a worker sends back for one run."""

    run_id: str
    table: pa.Table | None = None
    firms: pa.Table | None = None
    seconds: float = 0.0
    error: str | None = None
    traceback: str | None = None
    cpu_seconds: float = 0.0
    #: Set (to the reason) when this worker's fingerprint differs from the planned one.
    refused: str | None = None
    #: The Dask worker's address ("" elsewhere).
    worker: str = ""


_PREPARED = {"threads": False}


def cap_threads() -> None:
    """Limit BLAS/OpenMP pools to one thread in this process (once; idempotent)."""
    if not _PREPARED["threads"]:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1)
        _PREPARED["threads"] = True


def worker_init(plugins: tuple[str, ...] = ()) -> None:
    """Initializer of pool workers: one BLAS thread, project packages, plugin modules,
    and the numerical fingerprint (computed now, checked against each run's)."""
    from experiments.packages import shadowed_packages
    from model.fingerprint import fingerprint

    problems = shadowed_packages()
    if problems:
        raise RuntimeError("; ".join(problems))
    cap_threads()
    _plugins(tuple(plugins))  # installed entry points, then the experiment's modules
    fingerprint()


def run_task(spec: RunSpec) -> TaskResult:
    """Run one experiment run; errors are returned, not raised."""
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        _plugins(spec.plugins)  # once per process (any engine): scanning entry points
        # costs tens of milliseconds, too much to repeat for every short run
        reason = refusal(spec.fingerprint)
        if reason:
            return TaskResult(spec.run_id, error=f"refused: {reason}", refused=reason)
        if spec.model:
            table = _run_hook(spec)
            firms = None
        else:
            table, firms = _run_model(spec)
        return TaskResult(spec.run_id, table, firms, time.perf_counter() - t0,
                          cpu_seconds=time.process_time() - c0)
    except Exception as exc:
        return TaskResult(spec.run_id, seconds=time.perf_counter() - t0,
                          error=f"{type(exc).__name__}: {exc}",
                          traceback=traceback.format_exc())


def run_task_capped(spec: RunSpec) -> TaskResult:
    """:func:`run_task` for Dask workers, which run no initializer of ours: the first task
    of each worker process checks the project's packages and caps threads."""
    if not _PREPARED.get("worker"):
        from experiments.packages import shadowed_packages

        problems = shadowed_packages()
        if problems:
            return TaskResult(spec.run_id, error="RuntimeError: " + "; ".join(problems))
        cap_threads()
        _PREPARED["worker"] = True
    result = run_task(spec)
    try:
        from distributed import get_worker

        result.worker = get_worker().address
    except (ImportError, ValueError):  # not inside a Dask worker
        pass
    return result


def refusal(expected: str) -> str | None:
    """Why this process must not run a run planned with fingerprint ``expected`` (``None``
    when its own fingerprint is the same, or nothing was planned)."""
    from model import numerics
    from model.fingerprint import fingerprint

    if not expected:
        return None
    own = fingerprint()
    if own == expected:
        return None
    st = numerics.status()
    return (f"numerical fingerprint {own[:16]} differs from the experiment's "
            f"{expected[:16]} (this process: numpy {st['numpy']} on {st['machine']}, "
            f"dispatch targets {', '.join(st['active_targets']) or 'baseline'}, "
            f"{numerics.DISABLE_VAR}={st[numerics.DISABLE_VAR]!r}); its numbers would "
            "differ from the other runs'")


def probe(modules: tuple[str, ...] = ()) -> dict[str, Any]:
    """What a (Dask) worker reports before it is given runs: its fingerprint, numerics
    and plugin code, after loading the plugins like a run would."""
    from experiments.run.codeid import plugin_records
    from model import numerics
    from model.fingerprint import fingerprint

    _plugins(tuple(modules))
    return {"fingerprint": fingerprint(), "numerics": numerics.status(),
            "plugins": plugin_records()}


@lru_cache(maxsize=8)
def _plugins(modules: tuple[str, ...]) -> None:
    load_plugins(modules)


@lru_cache(maxsize=8)
def _scenario(path: str, overrides: tuple[tuple[str, Any], ...]) -> Any:
    return load_scenario(path, dict(overrides))


@lru_cache(maxsize=8)
def _hook(name: str) -> Callable[..., Mapping[str, Any]]:
    mod, _, func = name.partition(":")
    return getattr(importlib.import_module(mod), func)


def _run_model(spec: RunSpec) -> tuple[pa.Table, pa.Table | None]:
    scenario = _scenario(spec.scenario_path, spec.overrides)
    loop = RunLoop.build(scenario, rng=np.random.SeedSequence(spec.seed_entropy,
                                                              spawn_key=spec.spawn_key),
                         steps=spec.steps, firm_data=spec.firm_data)
    names = list(loop.model.region_names)
    if spec.regions:
        keep_set = set(spec.regions) | {spec.focus_region}
        keep = np.array([i for i, r in enumerate(names) if r in keep_set], dtype=np.int64)
    else:
        keep = np.arange(len(names), dtype=np.int64)
    columns = list(spec.columns) or list(loop.model.region_rows)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("step", "quarter", "region",
                                                          *columns)}
    firm_parts: list[dict[str, np.ndarray]] = []
    for _ in loop:  # finishes the run (model.finalize()) after the last step
        rows = loop.collect()
        if spec.outputs == "every" or rows.final:
            for k, v in rows.region_table(columns, keep).items():
                parts[k].append(v)
        if rows.firms is not None:
            firm_parts.append(rows.firms)
    merged = {k: np.concatenate(v) for k, v in parts.items()}
    docs = {k: (r.unit, r.doc) for k, r in REGION_REPORTERS.items()}
    schema = region_schema({k: merged[k] for k in columns}, docs)
    table = _with_run_id(spec.run_id, merged, schema)
    firm_table = None
    if firm_parts:
        fmerged = {k: np.concatenate([p[k] for p in firm_parts]) for k in firm_parts[0]}
        fields = [pa.field(k, arrow_type(v), nullable=False,
                           metadata=dict(zip(("unit", "doc"), FIRM_FIELDS[k], strict=True))
                           if k in FIRM_FIELDS else None)
                  for k, v in fmerged.items()]
        firm_table = _with_run_id(spec.run_id, fmerged, pa.schema(fields))
    return table, firm_table


def _with_run_id(run_id: str, columns: Mapping[str, np.ndarray], schema: pa.Schema
                 ) -> pa.Table:
    n = len(next(iter(columns.values())))
    arrays = [pa.array(np.full(n, run_id, dtype=object), pa.string())]
    fields = [pa.field("run_id", pa.string(), nullable=False)]
    for fld in schema:
        values = columns[fld.name]
        if pa.types.is_string(fld.type):
            values = np.asarray(values, dtype=object)
        arrays.append(pa.array(values, type=fld.type))
        fields.append(fld)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _run_hook(spec: RunSpec) -> pa.Table:
    func = _hook(spec.model)
    out = func(dict(spec.overrides), np.random.SeedSequence(spec.seed_entropy,
                                                           spawn_key=spec.spawn_key),
               spec.steps)
    if not isinstance(out, Mapping) or "step" not in out or "region" not in out:
        raise TypeError(f"{spec.model} must return a mapping of equal-length columns "
                        "including 'step' and 'region'")
    cols = {k: np.asarray(v) for k, v in out.items()}
    lengths = {k: v.shape for k, v in cols.items()}
    n = len(cols["step"])
    if any(len(s) != 1 or s[0] != n for s in lengths.values()):
        raise ValueError(f"{spec.model}: columns of unequal length or not 1-D: {lengths}")
    if "quarter" not in cols:
        cols["quarter"] = np.full(n, "", dtype=object)
    cols["step"] = cols["step"].astype(np.int64)
    cols["region"] = cols["region"].astype(object)
    order = ["step", "quarter", "region",
             *(k for k in cols if k not in ("step", "quarter", "region"))]
    if spec.columns:
        order = ["step", "quarter", "region", *spec.columns]
    schema = pa.schema([pa.field(k, arrow_type(cols[k]), nullable=False) for k in order])
    return _with_run_id(spec.run_id, cols, schema)
