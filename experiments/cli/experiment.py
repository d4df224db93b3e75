"""``ai-chain experiment FILE`` and ``ai-chain status DIR``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from experiments.errors import BadInput

EXIT_OK, EXIT_FAILED = 0, 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``experiment`` and ``status`` subcommands."""
    exp = subparsers.add_parser(
        "experiment", help="run an experiment file (policies x sweep points x seeds)",
        description="Plan every run of an experiment file into DIR/manifest.parquet, run "
                    "the missing ones (local process pool, or a Dask cluster with "
                    "--scheduler), stream results into DIR/runs/, record failures in "
                    "DIR/failures.parquet and write DIR/report/ when all runs are done. "
                    "Rerunning the same command resumes. See docs/experiments.md.",
        epilog="Exit codes: 0 all runs done, 1 some runs failed (results kept), 2 bad "
               "input (nothing written), 130 interrupted (finished runs kept).")
    exp.add_argument("file", metavar="FILE",
                     help="experiment .toml, or the name of a shipped design (quick, "
                          "policy_comparison, dose_response, sensitivity, sunset)")
    exp.add_argument("--out", default=None, metavar="DIR",
                     help="experiment folder (default: runs/experiments/<name>); an existing "
                          "folder of the same experiment is resumed")
    exp.add_argument("--workers", type=int, default=None, metavar="N",
                     help="local worker processes (default: the number of CPUs; 1 = serial "
                          "in this process)")
    exp.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run on the Dask cluster at ADDRESS (e.g. tcp://host:8786) instead "
                          "of local processes")
    exp.add_argument("--dry-run", action="store_true",
                     help="validate and plan, print the run count and an ETA; write nothing")
    exp.add_argument("--extend", action="store_true",
                     help="DIR holds this experiment with fewer runs (replications, "
                          "policies or points added): keep its finished runs and add the rest")
    exp.add_argument("--replace", action="store_true",
                     help="discard the experiment in DIR (its runs, failures and report) and "
                          "start anew")
    exp.add_argument("--retry-failed", action="store_true",
                     help="also rerun the runs recorded in DIR/failures.parquet")
    exp.add_argument("--flush-runs", type=int, default=200, metavar="N",
                     help="finished runs kept in memory before a part file is written "
                          "(default: 200; a part is also written every 30 s)")
    exp.add_argument("--no-report", action="store_true",
                     help="do not write DIR/report/ at the end (write it later with "
                          "`ai-chain report DIR`)")
    exp.set_defaults(func=cmd_experiment)

    st = subparsers.add_parser("status", help="runs planned, done, failed and missing",
                               description="Count the planned, done, failed and missing "
                                           "runs of an experiment folder.")
    st.add_argument("dir", metavar="DIR", help="experiment folder")
    st.set_defaults(func=cmd_status)


def cmd_experiment(args: argparse.Namespace) -> int:
    """Run (or dry-run) an experiment file."""
    from experiments.batch import runner
    from experiments.batch.design import load_design
    from experiments.batch.manifest import plan_runs

    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise BadInput(f"--workers {workers}: expected an integer >= 1")
    if args.flush_runs < 1:
        raise BadInput(f"--flush-runs {args.flush_runs}: expected an integer >= 1")
    if args.extend and args.replace:
        raise BadInput("--extend and --replace: choose one (extend keeps the finished runs, "
                       "replace discards them)")
    if workers > 1 and not args.scheduler and not args.dry_run:
        runner.start_fork_server()  # its imports overlap with validation and planning
    design = load_design(args.file)
    specs = plan_runs(design)
    out = Path(args.out) if args.out else Path("runs") / "experiments" / design.name
    policies = len(design.policies)
    points = len(design.sweep.points) if design.sweep else 0
    print(f"experiment {design.name}: {len(specs)} runs ({policies} "
          f"polic{'y' if policies == 1 else 'ies'}"
          + (f", {points} {design.sweep.method} points" if points else "")
          + f", {design.replications} replications, {design.steps} steps) -> {out}",
          flush=True)
    if args.dry_run:
        _dry_run(args, design, specs, out, workers)
        return EXIT_OK
    summary = runner.execute(design, out, workers=workers, scheduler=args.scheduler,
                             retry_failed=args.retry_failed, specs=specs,
                             flush_runs=args.flush_runs, replace=args.replace,
                             extend=args.extend)
    print(runner.format_summary(summary, out))
    if summary.failed or summary.skipped_failed:
        return EXIT_FAILED
    if summary.missing > 0:
        return EXIT_FAILED
    if args.no_report:
        print(f"report: not written (--no-report); `ai-chain report {out}` writes it")
        return EXIT_OK
    if design.model:
        print(f"report: skipped (the runs come from the model hook {design.model!r}; the "
              "report analyses the industry model's region tables)")
        return EXIT_OK
    return _report(out)


def _dry_run(args: argparse.Namespace, design: Any, specs: list, out: Path,
             workers: int) -> None:
    """``--dry-run``: what would run, and how long it would take; nothing is written."""
    from experiments.batch import folder, runner
    from experiments.batch.store import done_run_ids, read_failures
    from experiments.run.progress import format_seconds

    action = folder.prepare(out, runner.experiment_record(design), {s.run_id for s in specs},
                            replace=args.replace, extend=args.extend, apply=False)
    if action == "replace":
        print(f"--replace: the experiment in {out} would be discarded")
    done = done_run_ids(out) if out.is_dir() and action != "replace" else set()
    ids = {s.run_id for s in specs}
    failed = (set(read_failures(out).column("run_id").to_pylist()) - done
              if out.is_dir() and action != "replace" else set())
    todo = len(ids - done - (set() if args.retry_failed else failed))
    per_run, how = runner.estimate(design, specs, workers)
    slots = 1 if args.scheduler else workers
    eta = per_run * todo / slots
    print(f"to run: {todo} ({len(ids & done)} already done"
          + (f", {len(ids & failed)} failed before" if failed & ids else "") + ")")
    print(f"ETA: {format_seconds(eta)} on {slots} worker{'s' if slots > 1 else ''} "
          f"({per_run:.2f} s per run: {how})"
          + ("; with --scheduler divide by the cluster's threads" if args.scheduler
             else ""))
    print("dry run: nothing written")


def _report(out: Path) -> int:
    """Write DIR/report/; a failing report does not undo the runs (exit 1)."""
    import traceback

    try:
        from experiments.analysis.report import write_report
    except ImportError as exc:
        print(f"report: skipped ({exc}); run `ai-chain report {out}` once it is available")
        return EXIT_OK
    try:
        path = write_report(out)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # the results are on disk; say so and exit 1
        traceback.print_exc()
        print(f"report: failed ({type(exc).__name__}: {exc}); the runs are complete in "
              f"{out / 'runs'}; retry with `ai-chain report {out}`")
        return EXIT_FAILED
    print(f"report: {path}")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    """Print the planned, done, failed and missing runs of an experiment folder."""
    from experiments.batch.runner import status

    out = Path(args.dir)
    if not out.is_dir():
        raise BadInput(f"{out}: not a folder")
    st = status(out)
    print(f"{out}: {st['planned']} planned, {st['done']} done, {st['failed']} failed, "
          f"{st['missing']} missing")
    for row in st["failures"][:20]:
        print(f"  failed: {row['run_id'][:12]} policy={row['policy']} point={row['point']} "
              f"replication={row['replication']} attempt={row['attempt']}: {row['error']}")
    if len(st["failures"]) > 20:
        print(f"  ... and {len(st['failures']) - 20} more (DIR/failures.parquet)")
    return EXIT_OK
