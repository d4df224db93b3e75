"""The engines an experiment runs on, all :class:`concurrent.futures.Executor` objects so
that one loop (:mod:`experiments.batch.runner`) serves them all:

* ``serial``: in this process (``workers=1``), for debugging and tiny jobs;
* the local process pool (default): a :class:`~concurrent.futures.ProcessPoolExecutor`
  with an explicit ``forkserver`` context whose server preloads the model, so workers
  start once, cheaply, and are reused (the process-wide start method is never changed);
* Dask: ``distributed.Client(address).get_executor()`` for a cluster (or a local one).

Every engine runs with BLAS/OpenMP limited to one thread (threadpoolctl), so that numbers
are identical whatever the engine.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import threading
from collections.abc import Iterator
from typing import Any, TextIO

from experiments.errors import BadInput

#: Modules the fork server imports once, so that each worker starts without re-importing.
PRELOAD = ("numpy", "pyarrow", "model.model", "experiments.batch.tasks")


class SerialExecutor(cf.Executor):
    """Runs each task at submission, in this process."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future:  # noqa: D102
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - the loop records it
            if isinstance(exc, KeyboardInterrupt):
                raise
            future.set_exception(exc)
        return future


def _context() -> multiprocessing.context.BaseContext:
    """The forkserver context (spawn where there is none), with the preload list set."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() \
        else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(list(PRELOAD))
    return ctx


def start_fork_server() -> threading.Thread | None:
    """Start the fork server (which imports :data:`PRELOAD`) in a background thread, so
    that its imports overlap with planning; the pool waits for it when it starts."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    from multiprocessing import forkserver

    _context()
    thread = threading.Thread(target=forkserver.ensure_running, daemon=True,
                              name="ai-chain-forkserver")
    thread.start()
    return thread


def process_pool(workers: int, plugins: tuple[str, ...] = ()) -> cf.ProcessPoolExecutor:
    """A process pool with an explicit forkserver context and preloaded modules."""
    from experiments.batch.tasks import worker_init

    ctx = _context()
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                  initializer=worker_init, initargs=(tuple(plugins),))


@contextlib.contextmanager
def engine(workers: int, scheduler: str | None, plugins: tuple[str, ...] = (),
           fingerprint: str = "", code: list[dict[str, str]] | None = None,
           stream: TextIO | None = None) -> Iterator[tuple[Any, Any, int, str]]:
    """``(executor factory, task function, slots, label)`` for the chosen engine.

    On Dask, workers whose numerical fingerprint or plugin code differ from ``fingerprint``
    and ``code`` are refused (:mod:`experiments.batch.dask_workers`).
    """
    from threadpoolctl import threadpool_limits

    from experiments.batch import tasks

    if scheduler:
        from distributed import Client

        from experiments.batch.dask_workers import CheckedExecutor

        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise BadInput(f"--scheduler {scheduler}: cannot connect: {exc}") from None
        try:
            slots = max(sum(client.nthreads().values()), 1)
            yield (lambda: CheckedExecutor(client, plugins, fingerprint, code or [], stream),
                   tasks.run_task_capped, slots, f"dask at {scheduler} ({slots} threads)")
        finally:
            client.close()
    elif workers <= 1:
        with threadpool_limits(limits=1):
            yield SerialExecutor, tasks.run_task, 1, "serial"
    else:
        yield (lambda: process_pool(workers, plugins), tasks.run_task, workers,
               f"process pool ({workers} workers)")
