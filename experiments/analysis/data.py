"""Reading an experiment folder: the design, the manifest and the runs, as tidy panels.

``DIR/runs/`` is read with column projection (only what the report needs) and deduplicated
on ``(run_id, step, region)`` (a run written twice after a crash and resume counts once).
Two scopes are kept per run and step: the focus region (Shanxi) and ``"National"``, the
sum over every region of the additive columns (counts, flows, spending); national shares of
firms by layer, and the base and technology layers' shares of revenue and value added, are
recomputed from the summed columns (:data:`SHARES`), other ratios are not defined
nationally (NaN). When the runner already wrote ``region = "National"`` rows, those are used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from experiments.analysis import spec
from experiments.analysis.spec import MissingRuns  # noqa: F401  (re-exported)
from experiments.errors import BadInput
from experiments.run.defaults import DEFAULT_FOCUS

NATIONAL = "National"
KEYS = ["run_id", "step", "region"]
# Columns the report always wants when the runs have them.
ALWAYS = ["firms_base", "firms_tech", "firms_app", "firms_total", "leading_firms",
          "local_sourcing_base", "policy_spend"]
# National shares recomputed from national sums: share -> (numerator columns, denominator)
SHARES = {"base_tech_share": (("firms_base", "firms_tech"), "firms_total"),
          "share_base": (("firms_base",), "firms_total"),
          "share_tech": (("firms_tech",), "firms_total"),
          "share_app": (("firms_app",), "firms_total"),
          "base_tech_share_revenue": (("revenue_base_tech",), "ai_revenue"),
          "base_tech_share_value_added": (("value_added_base_tech",), "value_added_local")}


@dataclass
class Experiment:
    """An experiment folder, read for analysis.

    Attributes:
        out_dir: The folder.
        design: ``experiment.json``.
        analysis: The validated ``[analysis]`` settings.
        manifest: One row per planned run (``run_id``, ``policy``, ``point``,
            ``replication``, lever columns, ...).
        panel: One row per (run, step, scope): ``run_id``, ``policy``, ``point``,
            ``replication``, ``step``, ``scope`` (focus region or ``"National"``) and the
            outcome and spending columns (derived outcomes included).
        missing: Manifest rows of planned runs without any rows in ``runs/``.
        focus: The focus region's name.
        steps: The design's horizon in quarters.
        horizons: Horizons to report (within the steps and present in the runs).
        notes: Caveats found while reading (shown in ``summary.md``).
    """

    out_dir: Path
    design: dict
    analysis: dict
    manifest: pd.DataFrame
    panel: pd.DataFrame
    missing: pd.DataFrame
    focus: str
    steps: int
    horizons: list[int]
    notes: list[str] = field(default_factory=list)

    @property
    def policies(self) -> list[str]:
        """Policy names in design order."""
        return list(self.design.get("policies", {}))

    @property
    def replications(self) -> int:
        """Number of replications (seeds) of the design."""
        return int(self.design.get("replications", self.manifest["replication"].max() + 1))

    @property
    def available_steps(self) -> list[int]:
        """Steps present in the runs."""
        return sorted(int(s) for s in self.panel["step"].unique())

    def outcome_columns(self) -> list[str]:
        """Outcomes the panel holds (requested outcomes present in the runs)."""
        return [o for o in self.analysis["outcomes"] if o in self.panel.columns]

    def spend_columns(self) -> list[str]:
        """Per-instrument realized spending columns present in the panel."""
        return [c for c in self.panel.columns if c.startswith("spend_")]


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"{path}: not found; an experiment folder written by "
                       "`ai-chain experiment` holds experiment.json") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path}: cannot read ({exc}); expected the design as JSON") from None


def read_manifest(out_dir: Path) -> pd.DataFrame:
    """``DIR/manifest.parquet`` as a DataFrame (``point`` -1 = no sweep)."""
    path = out_dir / "manifest.parquet"
    if not path.is_file():
        raise BadInput(f"{path}: not found; an experiment folder written by "
                       "`ai-chain experiment` holds manifest.parquet")
    frame = pq.read_table(path).to_pandas()
    for col in ("run_id", "policy", "point", "replication"):
        if col not in frame.columns:
            raise BadInput(f"{path}: column {col!r} is missing; expected run_id, policy, "
                           "point, replication (see docs/experiments.md)")
    frame["run_id"] = frame["run_id"].astype(str)
    frame["policy"] = frame["policy"].astype(str)
    frame["point"] = frame["point"].astype("int64")
    frame["replication"] = frame["replication"].astype("int64")
    return frame


def _hook_outcomes(analysis: dict, columns: list[str], notes: list[str]) -> None:
    """With a hook model, outcomes absent from the runs fall back to the runs' columns."""
    present = [o for o in analysis["outcomes"] if o in columns]
    if present:
        analysis["outcomes"] = present
        if analysis["primary"] not in present:
            analysis["primary"] = present[0]
        return
    analysis["outcomes"] = list(columns)
    analysis["primary"] = columns[0] if columns else analysis["primary"]
    notes.append(f"The hook model's runs do not hold the declared outcomes: every column "
                 f"is reported ({', '.join(columns)}); primary: `{analysis['primary']}`.")


def read_runs(out_dir: Path, wanted: list[str] | None) -> pd.DataFrame:
    """Region rows of ``DIR/runs/`` for the ``wanted`` columns that exist (every numeric
    column when None), deduplicated."""
    runs = out_dir / "runs"
    files = sorted(p for p in runs.glob("*.parquet") if not p.name.startswith((".", "_")))
    if not files:
        return pd.DataFrame(columns=KEYS)
    dataset = ds.dataset([str(p) for p in files], format="parquet")
    names = set(dataset.schema.names)
    missing_keys = [k for k in KEYS if k not in names]
    if missing_keys:
        raise BadInput(f"{runs}: columns {missing_keys} are missing; run tables hold "
                       "run_id, step, region and region-table columns")
    if wanted is None:
        import pyarrow as pa

        wanted = [f.name for f in dataset.schema
                  if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)]
    cols = KEYS + [c for c in dict.fromkeys(wanted) if c in names and c not in KEYS]
    frame = dataset.to_table(columns=cols).to_pandas()
    frame["run_id"] = frame["run_id"].astype(str)
    frame["region"] = frame["region"].astype(str)
    frame["step"] = frame["step"].astype("int64")
    frame = frame.drop_duplicates(subset=KEYS, keep="last", ignore_index=True)
    for col in cols[3:]:
        frame[col] = frame[col].astype("float64")
    return frame


def _national(rows: pd.DataFrame, value_cols: list[str], notes: list[str],
              filtered: bool) -> pd.DataFrame:
    """National rows: the runner's ``"National"`` rows, or sums over every region."""
    given = rows[rows["region"] == NATIONAL]
    if not given.empty:
        return given.drop(columns="region")
    if filtered:
        notes.append("The runs keep only some regions and no national rows: national totals "
                     "are not available.")
        frame = rows[["run_id", "step"]].drop_duplicates(ignore_index=True)
        for col in value_cols:
            frame[col] = np.nan
        return frame
    additive = [c for c in value_cols if spec.is_additive(c)]
    frame = rows.groupby(["run_id", "step"], as_index=False, sort=False)[additive].sum()
    for col in value_cols:
        if col in additive:
            continue
        parts, total = SHARES.get(col, ((), ""))
        if parts and all(p in frame.columns for p in (*parts, total)):
            num = frame[list(parts)].sum(axis=1).to_numpy()
            den = frame[total].to_numpy()
            frame[col] = np.divide(num, den, out=np.zeros_like(num), where=den != 0)
        else:
            frame[col] = np.nan
    return frame


def _wanted_columns(analysis: dict) -> list[str]:
    """The region-table columns the report reads: its outcomes, what derived outcomes and
    national shares are computed from, spending and :data:`ALWAYS`."""
    from model.reporters import REGION_REPORTERS

    cols = [c for o in analysis["outcomes"] for c in spec.source_columns(o)]
    cols += analysis["outcomes"]
    for o in analysis["outcomes"]:
        parts, total = SHARES.get(o, ((), ""))
        cols += [*parts, total] if parts else []
    spend = [c for c in REGION_REPORTERS if c.startswith("spend_")]
    return list(dict.fromkeys(ALWAYS + cols + spend))


def load_experiment(out_dir: Path) -> Experiment:
    """Read an experiment folder for analysis.

    Args:
        out_dir: Folder written by ``ai-chain experiment``.

    Returns:
        The :class:`Experiment`, with the focus-region and national panels.

    Raises:
        BadInput: The folder, ``experiment.json`` or ``manifest.parquet`` is missing or
            unreadable, or the ``[analysis]`` table is invalid.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise BadInput(f"{out_dir}: not a folder; give an experiment folder written by "
                       "`ai-chain experiment`")
    design = _read_json(out_dir / "experiment.json")
    hook = bool(design.get("model"))
    analysis = spec.validate_analysis(design.get("analysis") or {},
                                      str(design.get("file") or out_dir / "experiment.json"),
                                      free_outcomes=hook)
    manifest = read_manifest(out_dir)
    focus = str(design.get("focus_region") or DEFAULT_FOCUS)
    steps = int(design.get("steps") or manifest.get("steps", pd.Series([0])).max())
    notes: list[str] = []

    # a hook model's own columns: keep every numeric column
    rows = read_runs(out_dir, None if hook else _wanted_columns(analysis))
    value_cols = [c for c in rows.columns if c not in KEYS]
    if hook:
        _hook_outcomes(analysis, value_cols, notes)
        regions = rows["region"].unique()
        if focus not in regions and len(regions) == 1:
            focus = str(regions[0])

    focus_rows = rows[rows["region"] == focus].drop(columns="region")
    if not rows.empty and focus_rows.empty:
        raise BadInput(f"{out_dir / 'runs'}: no rows for the focus region {focus!r}")
    national = _national(rows, value_cols, notes, filtered=bool(design.get("regions")))
    focus_rows = focus_rows.assign(scope=focus)
    national = national.assign(scope=NATIONAL)
    panel = pd.concat([focus_rows, national], ignore_index=True)
    for name, parts in spec.DERIVED.items():
        if name in analysis["outcomes"] and all(p in panel.columns for p in parts):
            panel[name] = panel[list(parts)].sum(axis=1, min_count=len(parts))
    absent = [o for o in analysis["outcomes"] if o not in panel.columns]
    if absent and not rows.empty:
        notes.append(f"Outcomes not in the runs (the design's `columns` leaves them out): "
                     f"{', '.join(absent)}.")
    ids = manifest[["run_id", "policy", "point", "replication"]]
    panel = panel.merge(ids, on="run_id", how="inner")
    present = set(panel["run_id"].unique())
    missing = manifest[~manifest["run_id"].isin(present)].reset_index(drop=True)

    available = set(int(s) for s in panel["step"].unique())
    horizons = [h for h in analysis["horizons"] if h <= steps and h in available]
    skipped = [h for h in analysis["horizons"] if h not in horizons]
    if skipped:
        notes.append(f"Horizons {skipped} are not reported: beyond the design's {steps} steps "
                     "or not among the steps kept in the runs.")
    if not horizons and steps in available:
        horizons = [steps]
    exp = Experiment(out_dir, design, analysis, manifest, panel, missing, focus, steps,
                     horizons, notes)
    return exp


def primary_horizon(exp: Experiment) -> int:
    """The pre-declared primary horizon, or the last reported horizon."""
    declared = exp.analysis.get("primary_horizon") or 0
    if declared and declared in exp.horizons:
        return int(declared)
    if declared:
        exp.notes.append(f"The declared primary horizon {declared} is not available; the "
                         f"last reported horizon {exp.horizons[-1]} is used instead.")
    return int(exp.horizons[-1])


def wide(exp: Experiment, column: str, step: int, scope: str) -> pd.DataFrame:
    """Values of ``column`` at ``step`` in ``scope``: index replication, one column per
    (policy, point)."""
    sel = exp.panel[(exp.panel["step"] == step) & (exp.panel["scope"] == scope)]
    if column not in sel.columns:
        return pd.DataFrame()
    return sel.pivot_table(index="replication", columns=["policy", "point"], values=column,
                           aggfunc="first", dropna=False)
