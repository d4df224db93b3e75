"""One model run written to a run folder: ``model.parquet``, ``firms.parquet``,
``metadata.json`` and (optionally) ``figures/``.

:func:`plan_run` validates everything (scenario, overrides, seed, steps, output folder)
before anything is written; :func:`execute` builds the model, steps it with a progress
line, streams the tables into a temporary sibling folder and renames that folder into
place at the end, so an interrupted or failed run leaves nothing half-written.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from experiments.errors import BadInput
from experiments.run.defaults import horizon, horizon_override, start_of
from experiments.run.loop import FIRM_DATA as LOOP_FIRM_DATA
from experiments.run.loop import FIRM_DATA_ALIASES, firm_data_choice
from experiments.run.progress import Progress
from experiments.run.provenance import now_utc, provenance, quarter_label

if TYPE_CHECKING:
    from model.scenario import Scenario

#: ``--firm-data`` choices; ``end`` is still accepted for ``final`` (its former name).
FIRM_DATA = (*LOOP_FIRM_DATA, *FIRM_DATA_ALIASES)
#: Minimum rows per row group of model.parquet (regions x steps are buffered up to this).
REGION_ROWS_PER_GROUP = 4096


@dataclass
class RunPlan:
    """A validated run request: everything :func:`execute` needs."""

    scenario: Scenario
    overrides: dict[str, Any]
    seed: int
    seed_drawn: bool
    steps: int
    start: tuple[int, int]
    out: Path
    firm_data: str = "final"
    plot: bool = False
    force: bool = False
    argv: list[str] | None = None


@dataclass
class RunResult:
    """What a finished run wrote."""

    out: Path
    metadata: dict[str, Any]
    focus_rows: list[dict[str, float]] = field(default_factory=list)
    quarters: list[str] = field(default_factory=list)
    focus_region: str = ""


def plan_run(scenario: str, sets: list[str], *, seed: int | None = None,
             steps: int | None = None, out: str | None = None, firm_data: str = "final",
             plot: bool = False, force: bool = False,
             argv: list[str] | None = None) -> RunPlan:
    """Validate a run request without writing anything.

    Args:
        scenario: Preset name or path to a scenario TOML.
        sets: ``KEY=VALUE`` overrides (VALUE a TOML literal).
        seed: Seed, or ``None`` to draw a fresh one.
        steps: Quarters to run, or ``None`` for the scenario's ``time.steps``.
        out: Output folder, or ``None`` for ``runs/<scenario>-seed<N>``.
        firm_data: ``every``, ``final`` (``end`` is accepted too) or ``none``.
        plot: Also write figures.
        force: Replace an existing run folder.
        argv: Command-line arguments, for the record.

    Raises:
        model.scenario.ScenarioError: Bad scenario file or override.
        BadInput: Bad seed, steps, start quarter or output folder.
    """
    from model.scenario import load_scenario, parse_set

    if seed is not None and seed < 0:
        raise BadInput(f"--seed {seed}: expected a non-negative integer")
    try:
        firm_data = firm_data_choice(firm_data)
    except ValueError:
        raise BadInput(f"--firm-data {firm_data!r}: expected one of "
                       f"{', '.join(FIRM_DATA)}") from None
    for item in sets:
        if "=" not in item:
            raise BadInput(f"--set {item!r}: expected KEY=VALUE (VALUE a TOML literal), "
                           "e.g. --set market.markup=0.4")
    base = load_scenario(scenario)
    overrides = dict(parse_set(item, base.declarations) for item in sets)
    resolved = load_scenario(scenario, overrides) if overrides else base
    try:
        steps = horizon(resolved, steps)
    except ValueError as exc:
        raise BadInput(f"--steps {steps}: {exc} (the bounds of time.steps)") from None
    record = horizon_override(resolved, steps)
    if record:  # record the run length in the scenario
        overrides.update(record)
        resolved = load_scenario(scenario, overrides)
    try:
        start = start_of(resolved)
    except ValueError as exc:
        raise BadInput(f"{resolved.path}: meta.start_quarter = "
                       f"{resolved.start_quarter!r}: {exc}") from None
    drawn = seed is None
    if seed is None:
        seed = secrets.randbits(63)
    stem = resolved.path.stem if resolved.path else resolved.name
    out_dir = Path(out) if out else Path("runs") / f"{stem}-seed{seed}"
    check_out_dir(out_dir, force)
    return RunPlan(resolved, overrides, seed, drawn, steps, start, out_dir, firm_data, plot,
                   force, argv)


def check_out_dir(out: Path, force: bool) -> None:
    """Refuse an output folder that holds something, unless ``force`` and it is a run.

    ``--force`` replaces only a folder that holds a previous run (``metadata.json``), and
    never the working directory or one of its parents, so that a mistyped ``--out``
    cannot delete unrelated files.
    """
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out}: exists and is not a folder")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not force:
        raise BadInput(f"--out {out}: folder exists and is not empty; use --force to "
                       "replace it, or choose another --out")
    resolved, cwd = out.resolve(), Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise BadInput(f"--out {out}: is the working directory or one of its parents; "
                       "refusing to replace it even with --force")
    if not (out / "metadata.json").is_file():
        raise BadInput(f"--out {out}: not empty and holds no metadata.json (not a run "
                       "folder); refusing to replace it even with --force")


def temp_dir_for(out: Path) -> Path:
    """The temporary sibling folder a run is written into before it is renamed to ``out``."""
    return out.parent / f".{out.name}.tmp-{os.getpid()}"


def _move_into_place(tmp: Path, out: Path) -> None:
    """Rename ``tmp`` to ``out``, replacing a previous run folder there (``--force``)."""
    old = None
    if out.is_dir() and any(out.iterdir()):
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def execute(plan: RunPlan, progress_stream: TextIO | None = None) -> RunResult:
    """Run the model and write the run folder (see the module docstring).

    Raises:
        KeyboardInterrupt: Passed on after the temporary folder is removed.
    """
    from model.model import IndustryModel
    from model.reporters import FIRM_FIELDS, REGION_REPORTERS

    t0 = time.perf_counter()
    started = now_utc()
    model = IndustryModel(params=plan.scenario, rng=plan.seed)
    t_build = time.perf_counter() - t0
    prov = _provenance(plan, model)
    tmp = temp_dir_for(plan.out)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        timings = {"started_at": started, "build_s": round(t_build, 3)}
        result = _write_run(plan, model, prov, tmp, timings, REGION_REPORTERS, FIRM_FIELDS,
                            progress_stream)
        timings["total_s"] = round(time.perf_counter() - t0, 3)
        timings["finished_at"] = now_utc()
        write_json(tmp / "metadata.json", result.metadata)
        _move_into_place(tmp, plan.out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.out = plan.out
    return result


def _provenance(plan: RunPlan, model: Any) -> dict[str, Any]:
    cfg = model.config
    prov = provenance(plan.argv)
    prov.update(
        scenario={"name": cfg.name, "path": str(Path(cfg.path).resolve()) if cfg.path else None,
                  "overrides": dict(plan.overrides), "resolved": cfg.to_toml_dict()},
        seed=plan.seed, seed_drawn=plan.seed_drawn, seed_entropy=model.seed_entropy,
        seed_spawn_key=list(model.seed_spawn_key),
        steps=plan.steps, start_quarter=quarter_label(plan.start, 0),
        end_quarter=quarter_label(plan.start, plan.steps),
        regions=list(model.region_names), focus_region=model.region_names[model.focus],
        firm_data=plan.firm_data,
    )
    return prov


def _write_run(plan: RunPlan, model: Any, prov: dict[str, Any], tmp: Path,
               timings: dict[str, Any], reporters: dict, firm_fields: dict,
               progress_stream: TextIO | None) -> RunResult:
    from experiments.run.loop import RunLoop
    from experiments.run.tables import TableWriter, firm_schema, region_schema

    docs = {k: (r.unit, r.doc) for k, r in reporters.items()}
    region_writer = TableWriter(tmp / "model.parquet", region_schema(model.region_rows, docs),
                                prov, REGION_ROWS_PER_GROUP)
    firm_writer = None
    if plan.firm_data != "none":
        firm_writer = TableWriter(tmp / "firms.parquet",
                                  firm_schema(model.firm_rows(), firm_fields), prov)
    writers = [w for w in (region_writer, firm_writer) if w is not None]
    focus_rows: list[dict[str, float]] = []
    quarters: list[str] = []
    progress = Progress(plan.steps, stream=progress_stream)
    loop = RunLoop(model, plan.steps, start=plan.start,
                   firm_data="none" if firm_writer is None else plan.firm_data,
                   on_step=progress.update)
    try:
        for _ in loop:  # finishes the run (model.finalize()) after the last step
            rows = loop.collect()
            quarters.append(rows.quarter)
            focus_rows.append(rows.focus_values(model.focus))
            region_writer.write(rows.region_table())
            if rows.firms is not None:
                firm_writer.write(rows.firms)
        if plan.steps == 0:
            progress.update(0)
        t_steps = loop.step_seconds
        timings.update(steps_s=round(t_steps, 3),
                       per_step_s=round(t_steps / plan.steps, 4) if plan.steps else None,
                       phases_s={k: round(v, 4) for k, v in model.phase_seconds.items()})
        for w in writers:
            w.close(timings)
    except BaseException:
        progress.close()
        for w in writers:
            w.abort()
        raise
    files = {"model": "model.parquet",
             "firms": "firms.parquet" if firm_writer is not None else None,
             "figures": []}
    if plan.plot:
        from experiments.run.plots import plot_run

        t = time.perf_counter()
        figures = plot_run(tmp / "model.parquet", tmp / "figures")
        files["figures"] = [str(p.relative_to(tmp)) for p in figures]
        timings["plots_s"] = round(time.perf_counter() - t, 3)
    metadata = {**prov, "files": files,
                "rows": {"model": region_writer.rows,
                         "firms": firm_writer.rows if firm_writer is not None else 0},
                "timings": timings}
    return RunResult(plan.out, metadata, focus_rows, quarters,
                     model.region_names[model.focus])


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as indented JSON (numpy scalars as numbers), creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=False, default=_json_default)
        fh.write("\n")


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")
