"""The result store of an experiment folder: written only by the parent process.

Layout (see ``docs/experiments.md``)::

    DIR/experiment.json      the validated design
    DIR/manifest.parquet     one row per planned run
    DIR/runs/part-*.parquet  region rows of finished runs (a pyarrow dataset)
    DIR/firms/part-*.parquet agent-level rows, when the design asks for them
    DIR/failures.parquet     runs that raised, with their tracebacks

Finished runs are buffered and written as a few part files: each is written under a
dot-prefixed temporary name (skipped by pyarrow datasets), fsynced and renamed with
:func:`os.replace`, so that a part is either complete or absent, even after ``kill -9``.
A run's rows always go into one part, so "done" means "its run_id is in ``runs/``".
Readers deduplicate on ``(run_id, step, region)`` all the same.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

FAILURE_SCHEMA = pa.schema([
    pa.field("run_id", pa.string()), pa.field("policy", pa.string()),
    pa.field("point", pa.int64()), pa.field("replication", pa.int64()),
    pa.field("error", pa.string()), pa.field("traceback", pa.string()),
    pa.field("attempt", pa.int64()), pa.field("time", pa.string()),
])


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, writer: Any) -> None:
    """Write ``path`` through ``writer(tmp_path)``, fsync it and rename it into place."""
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        writer(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def remove_stale_temp_files(out: Path) -> int:
    """Delete temporary files left by a killed writer (its process no longer exists)."""
    removed = 0
    for folder in (out, out / "runs", out / "firms"):
        if not folder.is_dir():
            continue
        for path in folder.glob(".*.tmp-*"):
            try:
                pid = int(path.name.rsplit(".tmp-", 1)[1].split("-")[0])
            except (IndexError, ValueError):
                continue
            if pid != os.getpid() and not _alive(pid):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_table_atomic(path: Path, table: pa.Table) -> None:
    """Write a zstd Parquet file atomically."""
    write_atomic(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def write_json_atomic(path: Path, data: Any) -> None:
    """Write a JSON file atomically."""
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
    write_atomic(path, write)


def dataset_files(folder: Path) -> list[Path]:
    """Finished part files of a dataset folder (temporary dot-files excluded)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("part-*.parquet") if p.is_file())


def done_run_ids(out: Path) -> set[str]:
    """run_ids with rows in ``DIR/runs/`` (reads only the run_id column)."""
    files = dataset_files(out / "runs")
    if not files:
        return set()
    table = ds.dataset([str(f) for f in files], format="parquet").to_table(
        columns=["run_id"])
    return set(pc.unique(table.column("run_id")).to_pylist())


def read_failures(out: Path) -> pa.Table:
    """``DIR/failures.parquet`` (an empty table when there is none)."""
    path = out / "failures.parquet"
    if not path.is_file():
        return FAILURE_SCHEMA.empty_table()
    return pq.read_table(path).cast(FAILURE_SCHEMA)


def read_runs(out: Path, columns: list[str] | None = None) -> pa.Table:
    """Region rows of the finished runs of the manifest, deduplicated on
    ``(run_id, step, region)``."""
    files = dataset_files(out / "runs")
    manifest = pq.read_table(out / "manifest.parquet", columns=["run_id"])
    if not files:
        raise FileNotFoundError(f"{out / 'runs'}: no finished runs")
    table = ds.dataset([str(f) for f in files], format="parquet").to_table(columns=columns)
    table = table.filter(pc.is_in(table.column("run_id"),
                                          value_set=manifest.column("run_id")))
    keys = ["run_id", "step", "region"]
    if table.num_rows and all(k in table.column_names for k in keys):
        idx = pa.table({**{k: table.column(k) for k in keys},
                        "_i": pa.array(range(table.num_rows), pa.int64())})
        first = idx.group_by(keys, use_threads=False).aggregate([("_i", "min")])
        rows = first.column("_i_min")
        if len(rows) < table.num_rows:
            table = table.take(pc.take(rows, pc.sort_indices(rows)))
    return table


class ResultStore:
    """Buffers finished runs and writes them as atomic part files.

    Args:
        out: The experiment folder.
        flush_runs: Write a part after this many buffered runs...
        flush_seconds: ...or when the oldest buffered run waited this long...
        flush_rows: ...or when this many rows are buffered (bounds the parent's memory).
    """

    def __init__(self, out: Path, flush_runs: int = 200, flush_seconds: float = 30.0,
                 flush_rows: int = 100_000) -> None:
        self.out = out
        self.flush_runs = max(int(flush_runs), 1)
        self.flush_seconds = flush_seconds
        self.flush_rows = flush_rows
        self._runs: list[pa.Table] = []
        self._firms: list[pa.Table] = []
        self._rows = 0
        self._since: float | None = None
        self.parts_written = 0
        self._schema: pa.Schema | None = None
        self._firm_schema: pa.Schema | None = None

    def add(self, table: pa.Table, firms: pa.Table | None = None) -> None:
        """Buffer one finished run; write a part when a threshold is reached."""
        if self._schema is None:
            self._schema = table.schema
        elif table.schema != self._schema:
            table = table.cast(self._schema)
        self._runs.append(table)
        if firms is not None:
            if self._firm_schema is None:
                self._firm_schema = firms.schema
            elif firms.schema != self._firm_schema:
                firms = firms.cast(self._firm_schema)
            self._firms.append(firms)
        self._rows += table.num_rows + (firms.num_rows if firms is not None else 0)
        if self._since is None:
            self._since = time.monotonic()
        self.maybe_flush()

    def maybe_flush(self) -> None:
        """Flush if a threshold is reached (also called while waiting for results)."""
        if not self._runs:
            return
        if (len(self._runs) >= self.flush_runs or self._rows >= self.flush_rows
                or time.monotonic() - (self._since or 0.0) >= self.flush_seconds):
            self.flush()

    def flush(self) -> None:
        """Write the buffered runs (firm rows first, then region rows: a run counts as
        done only once its region rows are on disk)."""
        if not self._runs:
            return
        name = f"part-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}.parquet"
        if self._firms:
            folder = self.out / "firms"
            folder.mkdir(exist_ok=True)
            write_table_atomic(folder / name, pa.concat_tables(self._firms))
        folder = self.out / "runs"
        folder.mkdir(exist_ok=True)
        write_table_atomic(folder / name, pa.concat_tables(self._runs))
        self.parts_written += 1
        self._runs, self._firms, self._rows, self._since = [], [], 0, None

    @property
    def buffered(self) -> int:
        """Runs waiting in memory."""
        return len(self._runs)


def append_failures(out: Path, rows: list[dict[str, Any]]) -> None:
    """Add failure records to ``DIR/failures.parquet`` (rewritten atomically)."""
    if not rows:
        return
    old = read_failures(out)
    new = pa.Table.from_pylist(rows, schema=FAILURE_SCHEMA)
    write_table_atomic(out / "failures.parquet", pa.concat_tables([old, new]))
