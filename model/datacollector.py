"""The model-level series of Mesa's DataCollector (what ``mesa.batch_run`` returns).

Each is one region column of the step's table, read for the focus region (Shanxi by
default), or summed over all regions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: DataCollector name -> (region column, ``"focus"`` or ``"national"``).
SERIES: dict[str, tuple[str, str]] = {
    "focus_firms_total": ("firms_total", "focus"),
    "focus_base_tech_share": ("base_tech_share", "focus"),
    "focus_local_sourcing_base": ("local_sourcing_base", "focus"),
    "focus_leading_firms": ("leading_firms", "focus"),
    "focus_rank": ("rank", "focus"),
    "national_firms": ("firms_total", "national"),
}


def _series(column: str, scope: str) -> Callable[[Any], float]:
    def read(model: Any) -> float:
        values = model.region_rows[column]
        return float(values[model.focus] if scope == "focus" else values.sum())

    read.__name__ = f"{scope}_{column}"
    return read


def model_reporters() -> dict[str, Callable[[Any], float]]:
    """The ``model_reporters`` argument of :class:`mesa.DataCollector`."""
    return {name: _series(column, scope) for name, (column, scope) in SERIES.items()}
