"""The report of an experiment: ``validate_analysis`` for the ``[analysis]`` table of an
experiment file, and ``write_report`` for ``DIR/report/``.

``write_report`` reads ``DIR/experiment.json``, ``DIR/manifest.parquet`` and ``DIR/runs/``
(deduplicated on ``(run_id, step, region)``) and writes ``DIR/report/``: ``summary.csv``
(tidy: one row per section x policy x outcome x horizon x statistic), ``summary.md`` and
``figures/*.png``. The folder is written under a temporary name and renamed at the end, so a
failed or interrupted report leaves the previous one (or none), never half of one. The
analysis itself lives in :mod:`experiments.analysis`.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.analysis.spec import DEFAULTS, MissingRuns, validate_analysis

if TYPE_CHECKING:
    import pandas as pd

    from experiments.analysis.data import Experiment
    from experiments.analysis.pipeline import Results

__all__ = ["DEFAULTS", "MissingRuns", "validate_analysis", "write_report"]


def _describe_missing(missing: pd.DataFrame, limit: int = 20) -> str:
    rows = missing.sort_values(["policy", "point", "replication"])
    text = [f"{r.policy} point {r.point} replication {r.replication}" if r.point >= 0 else
            f"{r.policy} replication {r.replication}"
            for r in rows.head(limit).itertuples()]
    more = len(rows) - limit
    return "; ".join(text) + (f"; and {more} more" if more > 0 else "")


def write_report(out_dir: Path, *, allow_missing: bool = False,
                 progress: Callable[[str], None] | None = None) -> Path:
    """Analyse an experiment folder and write ``DIR/report/``.

    Args:
        out_dir: Folder written by ``ai-chain experiment``.
        allow_missing: Report on the runs present when some planned runs are missing
            (effects use the replications both policies have). A Sobol or Morris analysis
            is refused whatever this says when sample points are missing.
        progress: Called with a short message as each stage starts (default: silent).

    Returns:
        The report folder ``DIR/report``.

    Raises:
        experiments.errors.BadInput: Not an experiment folder, or unreadable design or
            manifest (exit code 2).
        MissingRuns: Planned runs are missing (listed; for Sobol
            and Morris designs by sample index); nothing is written (exit code 1).
    """
    from experiments.analysis import markdown, pipeline, sensitivity
    from experiments.analysis.data import load_experiment

    say = progress or (lambda s: None)
    out_dir = Path(out_dir)
    say(f"reading {out_dir}")
    exp = load_experiment(out_dir)
    if not len(exp.manifest):
        raise MissingRuns(f"{out_dir / 'manifest.parquet'}: no planned runs")
    sensitivity.check_points(exp)
    if len(exp.missing) and (not allow_missing or len(exp.missing) == len(exp.manifest)):
        raise MissingRuns(
            f"{out_dir}: {len(exp.missing)} of {len(exp.manifest)} planned runs have no "
            f"results: {_describe_missing(exp.missing)}. Resume the experiment (the same "
            "`ai-chain experiment` command; --retry-failed reruns failed runs), or report on "
            "the runs present with `ai-chain report --allow-missing`.")
    if len(exp.missing):
        exp.notes.append(f"{len(exp.missing)} of {len(exp.manifest)} planned runs are missing "
                         f"({_describe_missing(exp.missing, 5)}); effects use the "
                         "replications both sides have.")
    res = pipeline.analyse(exp, progress=lambda s: say(f"analysing: {s}"))

    final = out_dir / "report"
    tmp = out_dir / f".report-tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        (tmp / "figures").mkdir(parents=True)
        say("writing summary.csv")
        pipeline.tidy(exp, res).to_csv(tmp / "summary.csv", index=False)
        say("drawing figures")
        figs = _figures(exp, res, tmp / "figures")
        say("writing summary.md")
        text = markdown.render(exp, res, figs)
        (tmp / "summary.md").write_text(text, encoding="utf-8")
        old = out_dir / f".report-old-{os.getpid()}"
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _figures(exp: Experiment, res: Results, folder: Path) -> list[Path]:
    """Every figure the design supports, in reading order."""
    from experiments.analysis import effects, figures

    out: list[Path | None] = [figures.layers(exp, effects.unswept(exp), folder / "layers.png")]
    for ref in effects.references(exp):
        out.append(figures.effect_bars(exp, res.effects, ref, folder / f"effects_vs_{ref}.png"))
    out.append(figures.distributions(exp, res.diffs, folder / "distributions.png"))
    out.append(figures.dose_response(exp, res.doses, folder / "dose_response.png"))
    out.append(figures.frontier(exp, res.frontier, folder / "frontier.png"))
    sweep = exp.design.get("sweep") or {}
    if sweep.get("method") == "grid":
        out += figures.heatmaps(exp, res.points, list(sweep.get("levers") or {}), folder)
    out += figures.sensitivity_bars(exp, res.sensitivity, res.horizon, folder)
    return [p for p in out if p is not None]


def main() -> int:  # pragma: no cover - convenience: python -m experiments.analysis.report DIR
    """``python -m experiments.analysis.report DIR``."""
    path = write_report(Path(sys.argv[1]), progress=lambda s: print(s, file=sys.stderr))
    print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
