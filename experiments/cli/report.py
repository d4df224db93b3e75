"""``ai-chain report DIR``: (re)write an experiment folder's report into ``DIR/report/``.

Exit codes: 0 written; 1 planned runs are missing (listed; nothing written); 2 not an
experiment folder or an invalid design (the message names the path); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report", help="write an experiment's report (summary.md, summary.csv, figures)",
        description="Analyse an experiment folder written by `ai-chain experiment` and write "
                    "DIR/report/: summary.md (primary claim with Holm's correction, paired "
                    "effects against the counterfactuals, realized spending, "
                    "cost-effectiveness, dose-response, sensitivity), summary.csv (tidy) and "
                    "figures/*.png. Refuses (exit 1) when planned runs are missing.",
        epilog="Exit codes: 0 ok, 1 runs missing (nothing written), 2 bad input, "
               "130 interrupted.")
    parser.add_argument("dir", metavar="DIR", help="experiment folder (holds experiment.json, "
                                                   "manifest.parquet and runs/)")
    parser.add_argument("--allow-missing", action="store_true",
                        help="report on the runs present when some planned runs are missing "
                             "(never for Sobol or Morris designs)")
    parser.add_argument("--quiet", action="store_true", help="no progress messages")
    parser.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """Run ``ai-chain report``; returns the exit code."""
    from pathlib import Path

    from experiments.analysis.report import MissingRuns, write_report
    from experiments.errors import BadInput

    out_dir = Path(args.dir)
    if not out_dir.is_dir():
        raise BadInput(f"{out_dir}: no such folder; give an experiment folder written by "
                       "`ai-chain experiment` (it holds experiment.json, manifest.parquet and "
                       "runs/)")
    start = time.perf_counter()

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - start:6.1f} s] {message}", file=sys.stderr,
                  flush=True)

    try:
        path = write_report(out_dir, allow_missing=args.allow_missing, progress=progress)
    except MissingRuns as exc:
        print(f"ai-chain: error: {exc}", file=sys.stderr)
        return 1
    files = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
    print(f"wrote {path} in {time.perf_counter() - start:.1f} s: {', '.join(files)}")
    return 0
