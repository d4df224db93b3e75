"""Running a planned experiment: bounded submission, streaming, failures, resume.

The engines (serial, the local process pool, Dask) are
:class:`concurrent.futures.Executor` objects made by :mod:`experiments.batch.engines`, so
one loop serves them all.

Every engine runs with BLAS/OpenMP limited to one thread (threadpoolctl), so that numbers
are identical whatever the engine. At most ``2 x workers`` tasks are in flight; the
parent is the only writer (:class:`~experiments.batch.store.ResultStore`). A run that raises
goes to ``failures.parquet`` and the others continue. Resume: runs whose ``run_id`` is in
``runs/`` are skipped; failed runs are skipped unless ``retry_failed``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import time
import traceback
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from experiments.batch.design import Design
from experiments.batch.engines import (  # noqa: F401  (re-exported)
    PRELOAD,
    SerialExecutor,
    engine,
    process_pool,
    start_fork_server,
)
from experiments.batch.manifest import RunSpec, manifest_table, plan_runs
from experiments.batch.store import (
    ResultStore,
    append_failures,
    done_run_ids,
    read_failures,
    remove_stale_temp_files,
    write_json_atomic,
    write_table_atomic,
)
from experiments.errors import BadInput
from experiments.run.progress import Progress, format_seconds

#: Times a broken process pool (a worker killed, e.g. out of memory) is restarted.
MAX_POOL_RESTARTS = 3


@dataclass
class Summary:
    """What one ``execute`` call did."""

    planned: int
    skipped_done: int
    skipped_failed: int
    ran: int = 0
    succeeded: int = 0
    failed: int = 0
    seconds: float = 0.0
    run_seconds: list[float] = field(default_factory=list)
    run_cpu_seconds: list[float] = field(default_factory=list)
    failed_ids: list[str] = field(default_factory=list)

    @property
    def missing(self) -> int:
        """Planned runs neither done nor failed after this call."""
        return (self.planned - self.skipped_done - self.succeeded - self.failed
                - self.skipped_failed)


def experiment_record(design: Design) -> dict[str, Any]:
    """``experiment.json`` for ``design`` in this process: the design, the code identity
    and the numerical fingerprint (:func:`experiments.batch.folder.record`)."""
    from experiments.batch.folder import record
    from experiments.run.codeid import code_identity
    from model.fingerprint import describe

    return record(design, code_identity(design.model), describe())


def prepare_out(design: Design, specs: list[RunSpec], out: Path, *, replace: bool = False,
                extend: bool = False) -> dict[str, Any]:
    """Check ``out`` (:func:`experiments.batch.folder.prepare`), then create it and write
    ``experiment.json`` and ``manifest.parquet``; return the experiment record.

    Raises:
        BadInput: ``out`` holds something else, another experiment (without ``extend`` or
            ``replace``), runs of other code, or runs with another numerical fingerprint.
    """
    from experiments.batch import folder

    rec = experiment_record(design)
    folder.prepare(out, rec, {s.run_id for s in specs}, replace=replace, extend=extend)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(out)
    write_json_atomic(out / "experiment.json", rec)
    write_table_atomic(out / "manifest.parquet", manifest_table(design, specs))
    return rec


def execute(design: Design, out: Path, *, workers: int = 2, scheduler: str | None = None,
            retry_failed: bool = False, progress_stream: TextIO | None = None,
            flush_runs: int = 200, flush_seconds: float = 30.0,
            specs: list[RunSpec] | None = None, replace: bool = False,
            extend: bool = False) -> Summary:
    """Plan, write the manifest, run what is missing and stream the results into ``out``.

    Args:
        design: The validated experiment.
        out: The experiment folder (created; resumed when it holds the same experiment).
        workers: Local worker processes (1 = serial, in this process).
        scheduler: Address of a Dask scheduler (``tcp://host:8786``); overrides workers.
        retry_failed: Also rerun runs recorded in ``failures.parquet``.
        progress_stream: Where the progress line goes (stderr by default).
        flush_runs: Runs buffered before a part file is written.
        flush_seconds: Longest time a finished run waits in memory.
        specs: The plan, when already made by :func:`~experiments.batch.manifest.plan_runs`.
        replace: Discard an existing folder's experiment and runs first.
        extend: Accept a design that only adds runs to the folder's experiment.

    Returns:
        A :class:`Summary`. Interruptions (KeyboardInterrupt) are passed on after the
        finished runs are written.
    """
    t0 = time.perf_counter()
    specs = plan_runs(design) if specs is None else specs
    with writer_lock(out):
        rec = prepare_out(design, specs, out, replace=replace, extend=extend)
        return _execute(design, out, specs, t0, workers, scheduler, retry_failed,
                        progress_stream, flush_runs, flush_seconds, rec)


@contextlib.contextmanager
def writer_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` (released by the OS even after ``kill -9``).

    Raises:
        BadInput: Another process is writing into ``out``.
    """
    import fcntl

    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BadInput(f"--out {out}: another `ai-chain experiment` is writing into "
                           "this folder; wait for it or choose another --out") from None
        yield
    finally:
        os.close(fd)


def _execute(design: Design, out: Path, specs: list[RunSpec], t0: float, workers: int,
             scheduler: str | None, retry_failed: bool, progress_stream: TextIO | None,
             flush_runs: int, flush_seconds: float, rec: dict[str, Any]) -> Summary:
    done = done_run_ids(out)
    failures = read_failures(out)
    failed = set(failures.column("run_id").to_pylist()) - done
    attempts: dict[str, int] = {}
    for rid in failures.column("run_id").to_pylist():
        attempts[rid] = attempts.get(rid, 0) + 1
    todo = [s for s in specs if s.run_id not in done
            and (retry_failed or s.run_id not in failed)]
    planned_ids = {s.run_id for s in specs}
    summary = Summary(planned=len(specs), skipped_done=len(done & planned_ids),
                      skipped_failed=0 if retry_failed else len(failed & planned_ids))
    if not todo:
        summary.seconds = time.perf_counter() - t0
        return summary
    store = ResultStore(out, flush_runs=flush_runs, flush_seconds=flush_seconds)
    progress = Progress(len(todo), label="runs", stream=progress_stream)
    with engine(workers, scheduler, tuple(design.plugins), rec["fingerprint"]["digest"],
                rec["code"]["plugins"], progress_stream) as (make, task, slots, _label):
        try:
            _loop(make, task, slots, todo, store, progress, summary, attempts, out)
        except BaseException:
            progress.close()
            store.flush()  # finished runs are kept on an interruption
            raise
    store.flush()
    summary.seconds = time.perf_counter() - t0
    return summary


def _loop(make: Any, task: Any, slots: int, todo: list[RunSpec], store: ResultStore,
          progress: Progress, summary: Summary, attempts: dict[str, int], out: Path) -> None:
    from experiments.batch.tasks import TaskResult
    from experiments.run.provenance import now_utc

    queue = list(reversed(todo))
    limit = 2 * slots
    restarts = 0
    executor = make()
    in_flight: dict[cf.Future, RunSpec] = {}
    try:
        while queue or in_flight:
            while queue and len(in_flight) < limit:
                spec = queue.pop()
                in_flight[executor.submit(task, spec)] = spec
            finished, _ = cf.wait(list(in_flight), timeout=1.0,
                                  return_when=cf.FIRST_COMPLETED)
            broken = False
            failures = []
            for fut in finished:
                spec = in_flight.pop(fut)
                exc = fut.exception()
                if exc is not None:
                    broken = broken or isinstance(exc, BrokenProcessPool)
                    result = TaskResult(spec.run_id, error=f"{type(exc).__name__}: {exc}",
                                        traceback="".join(traceback.format_exception(exc)))
                else:
                    result = fut.result()
                if result.refused is not None:
                    _refused(executor, result)
                    queue.append(spec)  # to another worker (Dask), or the run stops here
                    continue
                summary.ran += 1
                if result.error is None:
                    store.add(result.table, result.firms)
                    summary.succeeded += 1
                    summary.run_seconds.append(result.seconds)
                    summary.run_cpu_seconds.append(result.cpu_seconds)
                else:
                    attempts[spec.run_id] = attempts.get(spec.run_id, 0) + 1
                    summary.failed += 1
                    summary.failed_ids.append(spec.run_id)
                    failures.append({"run_id": spec.run_id, "policy": spec.policy,
                                     "point": spec.point, "replication": spec.replication,
                                     "error": result.error, "traceback": result.traceback,
                                     "attempt": attempts[spec.run_id], "time": now_utc()})
                progress.update(summary.ran)
            append_failures(out, failures)
            store.maybe_flush()
            if broken:
                restarts += 1
                if restarts > MAX_POOL_RESTARTS:
                    raise RuntimeError("the process pool broke too often (workers killed?); "
                                       "finished runs are kept, rerun to resume")
                _shutdown(executor, in_flight, wait=False)
                for spec in in_flight.values():
                    queue.append(spec)
                in_flight.clear()
                executor = make()
    finally:
        _shutdown(executor, in_flight, wait=not in_flight)


def _refused(executor: Any, result: Any) -> None:
    """A worker refused a run: on Dask take the worker out; elsewhere (workers share this
    process's environment, so all would refuse) stop with exit 2."""
    from experiments.batch.dask_workers import CheckedExecutor

    if isinstance(executor, CheckedExecutor) and result.worker:
        executor.refuse(result.worker, result.refused)
        return
    raise BadInput(f"a worker process refused to run: {result.refused}")


def _shutdown(executor: cf.Executor, in_flight: dict[cf.Future, RunSpec], wait: bool) -> None:
    """Shut an executor down, cancelling what has not started (Dask's executor has no
    ``cancel_futures`` argument)."""
    for fut in in_flight:
        fut.cancel()
    try:
        executor.shutdown(wait=wait, cancel_futures=True)
    except TypeError:
        executor.shutdown(wait=wait)


def format_summary(summary: Summary, out: Path) -> str:
    """The lines printed at the end of ``ai-chain experiment``."""
    import statistics

    lines = [f"runs: {summary.planned} planned, {summary.skipped_done} already done, "
             f"{summary.succeeded} ran now, {summary.failed} failed now"
             + (f", {summary.skipped_failed} failed before (use --retry-failed)"
                if summary.skipped_failed else "")
             + f", {max(summary.missing, 0)} missing"]
    if summary.run_seconds:
        med = statistics.median(summary.run_seconds)
        rate = summary.succeeded / summary.seconds if summary.seconds else 0.0
        lines.append(f"time: {format_seconds(summary.seconds)} (median run {med:.2f} s, "
                     f"{rate:.2f} runs/s)")
    if summary.failed:
        lines.append(f"failures: {out / 'failures.parquet'} (error and traceback per run; "
                     "`ai-chain status` lists them)")
    lines.append(f"results: {out / 'runs'}")
    return "\n".join(lines)


def estimate(design: Design, specs: list[RunSpec], workers: int) -> tuple[float, str]:
    """Seconds per run measured on one short run, and how it was measured."""
    from experiments.batch import tasks

    spec = specs[0]
    if design.model:
        t = time.perf_counter()
        tasks.run_task(spec)
        return time.perf_counter() - t, "one run timed"
    from numpy.random import SeedSequence

    from experiments.run.loop import RunLoop

    scen = tasks._scenario(spec.scenario_path, spec.overrides)
    t = time.perf_counter()
    loop = RunLoop.build(scen, rng=SeedSequence(spec.seed_entropy, spawn_key=spec.spawn_key),
                         steps=spec.steps)
    build = time.perf_counter() - t
    probe = min(3, spec.steps)
    t = time.perf_counter()
    for _ in range(probe):  # a probe: the run is abandoned, not finished
        loop.step()
    per_step = (time.perf_counter() - t) / probe
    return build + per_step * spec.steps, f"build {build:.2f} s + {spec.steps} x " \
        f"{per_step * 1000:.0f} ms/step, timed on {probe} steps"


def status(out: Path) -> dict[str, Any]:
    """Counts of planned, done, failed and missing runs of an experiment folder."""
    import pyarrow.parquet as pq

    path = out / "manifest.parquet"
    if not path.is_file():
        raise BadInput(f"{out}: no manifest.parquet (not an experiment folder)")
    manifest = pq.read_table(path, columns=["run_id", "policy", "point", "replication"])
    planned = manifest.column("run_id").to_pylist()
    done = done_run_ids(out) & set(planned)
    failures = read_failures(out)
    planned_set = set(planned)
    failed_rows = [r for r in failures.to_pylist() if r["run_id"] not in done
                   and r["run_id"] in planned_set]
    last: dict[str, dict[str, Any]] = {}
    for r in failed_rows:
        last[r["run_id"]] = r
    missing = len(planned) - len(done) - len(last)
    return {"planned": len(planned), "done": len(done), "failed": len(last),
            "missing": missing, "failures": list(last.values())}
