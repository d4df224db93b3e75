"""Dask workers that may run an experiment: those that compute the same numbers.

Before any run is submitted, every worker of the cluster is probed
(:func:`experiments.batch.tasks.probe`: its numerical fingerprint, numerics and plugin code,
after loading the experiment's plugins). A worker whose fingerprint or plugin code differs
from the planning process's is refused, with a message naming it and the reason, and gets
no runs: :class:`CheckedExecutor` submits every run restricted to the accepted workers.
Workers that join later are probed when runs are next submitted (at most every
:data:`REPROBE_SECONDS`). A run that still comes back refused (a worker restarted
differently at the same address) takes its worker out and goes to the others. With no
accepted worker left the experiment stops with :class:`~experiments.errors.BadInput`
(exit 2).
"""

from __future__ import annotations

import concurrent.futures as cf
import sys
import time
from typing import Any, TextIO

from experiments.errors import BadInput

#: Seconds between looks for workers that joined the cluster.
REPROBE_SECONDS = 10.0


def judge(report: dict[str, Any], fingerprint: str, plugins: list[dict[str, str]]
          ) -> str | None:
    """Why a worker with this probe report must be refused (``None``: accepted)."""
    if isinstance(report, BaseException):
        return f"its probe failed: {type(report).__name__}: {report}"
    if report["fingerprint"] != fingerprint:
        st = report["numerics"]
        return (f"numerical fingerprint {report['fingerprint'][:16]} differs from the "
                f"experiment's {fingerprint[:16]} (worker: numpy {st['numpy']} on "
                f"{st['machine']}, dispatch targets "
                f"{', '.join(st['active_targets']) or 'baseline'}, "
                f"NPY_DISABLE_CPU_FEATURES={st.get('NPY_DISABLE_CPU_FEATURES')!r}; start "
                "workers with the variable set as in docs/validation.md)")
    mine = {(p["group"], p["name"]): (p["version"], p["hash"]) for p in plugins}
    theirs = {(p["group"], p["name"]): (p["version"], p["hash"]) for p in report["plugins"]}
    if mine != theirs:
        diff = sorted(set(mine.items()) ^ set(theirs.items()))
        names = ", ".join(sorted({k[1] for k, _ in diff}))
        return (f"its plugin code differs from the experiment's ({names}: other version or "
                "files)")
    return None


class CheckedExecutor(cf.Executor):
    """A Dask executor that runs tasks only on workers accepted by :func:`judge`."""

    def __init__(self, client: Any, modules: tuple[str, ...], fingerprint: str,
                 plugins: list[dict[str, str]], stream: TextIO | None = None) -> None:
        self._client = client
        self._inner = client.get_executor(pure=False)
        self._modules = list(modules)
        self._fingerprint = fingerprint
        self._plugins = plugins
        self._stream = stream or sys.stderr
        self.accepted: set[str] = set()
        self.refused: dict[str, str] = {}
        self._last_probe = -float("inf")
        self.probe()

    def probe(self) -> None:
        """Probe the workers not judged yet; accept or refuse each."""
        from experiments.batch.tasks import probe

        self._last_probe = time.monotonic()
        known = set(self._client.scheduler_info(n_workers=-1).get("workers", {}))
        new = sorted(known - self.accepted - set(self.refused))
        if not new:
            return
        reports = self._client.run(probe, tuple(self._modules), workers=new,
                                   on_error="return")
        for address in new:
            reason = judge(reports.get(address, RuntimeError("no answer")),
                           self._fingerprint, self._plugins)
            if reason is None:
                self.accepted.add(address)
            else:
                self.refuse(address, reason)

    def refuse(self, address: str, reason: str) -> None:
        """Give ``address`` no more runs, and say so."""
        self.accepted.discard(address)
        if address not in self.refused:
            self.refused[address] = reason
            print(f"dask worker {address} refused: {reason}", file=self._stream, flush=True)

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future:  # noqa: D102
        if time.monotonic() - self._last_probe > REPROBE_SECONDS or not self.accepted:
            self.probe()
        if not self.accepted:
            raise BadInput("no Dask worker may run this experiment: "
                           + "; ".join(f"{a}: {r}" for a, r in sorted(self.refused.items()))
                           if self.refused else "the Dask cluster has no workers")
        return self._inner.submit(fn, *args, workers=sorted(self.accepted),
                                  allow_other_workers=False, **kwargs)

    def shutdown(self, wait: bool = True, **_: Any) -> None:  # noqa: D102
        self._inner.shutdown(wait=wait)
