"""Parquet output: fixed Arrow schemas and a streaming writer.

Tables are built from numpy arrays directly with pyarrow (never through pandas, whose
string dtypes change between versions), with a schema fixed when a run starts: the same
model code always writes the same column names, order and types. Every column carries its
unit and meaning as Arrow field metadata, and every file carries the run's provenance as
Parquet key-value metadata (``ai_chain.provenance``; ``ai_chain.timings`` is added when
the file is closed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

#: Parquet key-value metadata keys.
PROVENANCE_KEY = "ai_chain.provenance"
TIMINGS_KEY = "ai_chain.timings"


def arrow_type(values: np.ndarray) -> pa.DataType:
    """The Arrow type a column of this numpy dtype is written as."""
    kind = np.asarray(values).dtype.kind
    if kind == "b":
        return pa.bool_()
    if kind in "iu":
        return pa.int64()
    if kind == "f":
        return pa.float64()
    if kind in "OUS":
        return pa.string()
    raise TypeError(f"no Arrow type for numpy dtype {np.asarray(values).dtype}")


def _field(name: str, type_: pa.DataType, docs: Mapping[str, tuple[str, str]]) -> pa.Field:
    unit, doc = docs.get(name, ("", ""))
    meta = {"unit": unit, "doc": doc} if (unit or doc) else None
    return pa.field(name, type_, nullable=False, metadata=meta)


def region_schema(columns: Mapping[str, np.ndarray],
                  docs: Mapping[str, tuple[str, str]]) -> pa.Schema:
    """Schema of ``model.parquet``: step, quarter, region, then every reporter column."""
    fixed = [
        _field("step", pa.int64(), {"step": ("quarters", "Step; 0 is the initial state.")}),
        _field("quarter", pa.string(), {"quarter": ("quarter", "Calendar quarter of the step.")}),
        _field("region", pa.string(), {"region": ("region", "Region (province).")}),
    ]
    return pa.schema(fixed + [_field(k, arrow_type(v), docs) for k, v in columns.items()])


def firm_schema(columns: Mapping[str, np.ndarray],
                docs: Mapping[str, tuple[str, str]]) -> pa.Schema:
    """Schema of ``firms.parquet``: step, then every firm column."""
    fixed = [_field("step", pa.int64(), {"step": ("quarters", "Step; 0 is the initial state.")})]
    return pa.schema(fixed + [_field(k, arrow_type(v), docs) for k, v in columns.items()])


def to_table(columns: Mapping[str, Any], schema: pa.Schema) -> pa.Table:
    """A table of ``schema`` from numpy arrays (missing or extra columns are an error)."""
    names = set(columns)
    expected = set(schema.names)
    if names != expected:
        raise ValueError(f"columns differ from the run's schema: missing "
                         f"{sorted(expected - names)}, unexpected {sorted(names - expected)}")
    arrays = []
    for fld in schema:
        values = columns[fld.name]
        if pa.types.is_string(fld.type):
            values = np.asarray(values, dtype=object)
        arrays.append(pa.array(values, type=fld.type))
    return pa.Table.from_arrays(arrays, schema=schema)


class TableWriter:
    """Stream tables of one schema to a zstd Parquet file.

    Rows are buffered until at least ``rows_per_group`` are waiting, then written as one
    row group, so memory stays bounded however many steps a run has.

    Args:
        path: File to write.
        schema: The fixed schema.
        provenance: Stored as JSON under :data:`PROVENANCE_KEY`.
        rows_per_group: Minimum rows per row group (1 = every ``write`` is a row group).
    """

    def __init__(self, path: Path, schema: pa.Schema, provenance: Mapping[str, Any],
                 rows_per_group: int = 1) -> None:
        meta = {PROVENANCE_KEY: json.dumps(provenance, sort_keys=True, default=_plain)}
        self.schema = schema.with_metadata(meta)
        self.path = path
        self.rows_per_group = max(int(rows_per_group), 1)
        self.rows = 0
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._writer = pq.ParquetWriter(path, self.schema, compression="zstd")

    def write(self, columns: Mapping[str, Any]) -> None:
        """Append rows given as column name -> array."""
        table = to_table(columns, self.schema)
        self._buffer.append(table)
        self._buffered += table.num_rows
        self.rows += table.num_rows
        if self._buffered >= self.rows_per_group:
            self.flush()

    def flush(self) -> None:
        """Write buffered rows as one row group."""
        if self._buffer:
            self._writer.write_table(pa.concat_tables(self._buffer))
            self._buffer, self._buffered = [], 0

    def close(self, timings: Mapping[str, Any] | None = None) -> None:
        """Flush, add the timings to the key-value metadata, and close the file."""
        self.flush()
        if timings is not None:
            self._writer.add_key_value_metadata({TIMINGS_KEY: json.dumps(dict(timings))})
        self._writer.close()

    def abort(self) -> None:
        """Close without flushing (the file is discarded with its temporary folder)."""
        try:
            self._writer.close()
        except Exception:  # the folder is removed anyway
            pass


def _plain(obj: Any) -> Any:
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def read_provenance(path: Path) -> dict[str, Any]:
    """Provenance and timings stored in a Parquet file's key-value metadata."""
    meta = pq.read_metadata(path).metadata or {}
    out = json.loads(meta[PROVENANCE_KEY.encode()])
    if TIMINGS_KEY.encode() in meta:
        out["timings"] = json.loads(meta[TIMINGS_KEY.encode()])
    return out
