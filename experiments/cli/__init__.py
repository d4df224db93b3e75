"""The ``ai-chain`` command: argument parsing and dispatch.

Exit codes: 0 ok; 2 bad input (the message names the file, key, value and what is allowed;
nothing is written); 130 interrupted. Heavy packages (Mesa, pandas, pyarrow, matplotlib)
are imported only inside the commands, so ``ai-chain --help`` answers at once.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import traceback
from pathlib import Path

from experiments.errors import BadInput
from experiments.packages import shadowed_packages

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

# Commands that live in their own modules. Each module defines ``register(subparsers)``,
# which adds its parser and sets ``func`` (a function of the parsed arguments returning the
# exit code). Such modules import only argparse-level code at the top; heavy packages are
# imported inside the command function.
COMMAND_MODULES: tuple[str, ...] = (
    "experiments.cli.experiment",
    "experiments.cli.report",
    "experiments.cli.validate",
    "experiments.cli.serve",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ai-chain`` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="ai-chain",
        description="Agent-based model of a lagging region's (Shanxi's) AI industry chain "
                    "under policy, across 31 Chinese provinces.",
        epilog="Exit codes: 0 ok, 2 bad input (nothing written), 130 interrupted.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario and write a run folder",
                         description="Run one scenario; write model.parquet, firms.parquet, "
                                     "metadata.json (and figures/ with --plot) into --out.")
    run.add_argument("scenario", nargs="?", default="baseline", metavar="SCENARIO",
                     help="shipped preset name or path to a scenario .toml (default: baseline)")
    run.add_argument("--seed", type=int, default=None, metavar="N",
                     help="random seed, a non-negative integer (default: a fresh seed, "
                          "printed and recorded)")
    run.add_argument("--steps", type=int, default=None, metavar="T",
                     help="quarters to run (default: the scenario's time.steps)")
    run.add_argument("--out", default=None, metavar="DIR",
                     help="output folder (default: runs/<scenario>-seed<N>)")
    run.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                     help="override a parameter by dotted name; VALUE is a TOML literal "
                          "(repeatable; see `ai-chain params`)")
    run.add_argument("--firm-data", choices=("every", "end", "none"), default="end",
                     help="firm rows for every step, the final step only (default), or none")
    run.add_argument("--plot", action="store_true", help="also write PNG figures to DIR/figures")
    run.add_argument("--force", action="store_true",
                     help="replace DIR if it holds a previous run")
    run.add_argument("--profile", action="store_true",
                     help="also print the time spent in each phase of the step")
    run.set_defaults(func=cmd_run)

    params = sub.add_parser("params", help="list every parameter of a scenario",
                            description="List every parameter with its dotted name, type, "
                                        "value in the scenario, unit, allowed values and "
                                        "source.")
    params.add_argument("scenario", nargs="?", default="baseline", metavar="SCENARIO",
                        help="shipped preset name or path to a scenario .toml "
                             "(default: baseline)")
    params.add_argument("--filter", default="", metavar="PREFIX",
                        help="only names starting with PREFIX (e.g. policy.Shanxi.)")
    params.add_argument("--format", choices=("table", "csv", "markdown"), default="table",
                        help="output format (default: table)")
    params.set_defaults(func=cmd_params)

    docs = sub.add_parser("docs", help="regenerate docs/outputs.md, parameters.md and api.md",
                          description="Regenerate outputs.md and parameters.md from the "
                                      "declarations in the code, and api.md from the "
                                      "docstrings of the public extension API.")
    docs.add_argument("--out", default="docs", metavar="DIR",
                      help="folder to write into (default: docs, relative to the current "
                           "folder)")
    docs.set_defaults(func=cmd_docs)

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    """``ai-chain run``: validate, run, write the run folder, print Shanxi's summary."""
    from experiments.run import runfolder as runio
    from experiments.run.summary import format_summary

    plan = runio.plan_run(args.scenario, args.sets, seed=args.seed, steps=args.steps,
                          out=args.out, firm_data=args.firm_data, plot=args.plot,
                          force=args.force, argv=args.argv)
    print(f"seed: {plan.seed}", flush=True)
    quarters = f"{plan.steps} quarter" + ("" if plan.steps == 1 else "s")
    print(f"scenario: {plan.scenario.name} ({plan.scenario.path}), {quarters} -> {plan.out}",
          flush=True)
    result = runio.execute(plan)
    print(format_summary(result.focus_region, result.focus_rows, result.quarters))
    timings = result.metadata["timings"]
    print(f"wrote {result.out} in {timings['total_s']:.1f} s "
          f"(model.parquet: {result.metadata['rows']['model']} rows, firms.parquet: "
          f"{result.metadata['rows']['firms']} rows"
          + (f", {len(result.metadata['files']['figures'])} figures" if plan.plot else "")
          + ")")
    if args.profile:
        print(format_phases(timings, plan.steps))
    return EXIT_OK


def format_phases(timings: dict, steps: int) -> str:
    """A table of the time per phase of the step (from a run's ``timings``)."""
    phases = timings.get("phases_s", {})
    total = sum(phases.values())
    lines = [f"time per phase of the step ({steps} steps, {total:.2f} s in phases, "
             f"{timings.get('build_s', 0.0):.2f} s to build the model):",
             f"  {'phase':<22}{'total s':>9}{'ms/step':>10}{'share':>8}"]
    for name, sec in sorted(phases.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {name:<22}{sec:>9.3f}{1000 * sec / max(steps, 1):>10.2f}"
                     f"{sec / total if total else 0.0:>8.1%}")
    return "\n".join(lines)


def cmd_params(args: argparse.Namespace) -> int:
    """``ai-chain params``: list the parameters of a scenario."""
    from experiments.docgen.generate import render_params, scenario_rows
    from model.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    rows = scenario_rows(scenario, args.filter)
    if not rows:
        raise BadInput(f"--filter {args.filter!r}: no parameter name starts with it")
    sys.stdout.write(render_params(rows, args.format))
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    """``ai-chain docs``: regenerate the generated documentation files."""
    from experiments.docgen.generate import write_docs

    for path in write_docs(Path(args.out)):
        print(f"wrote {path}")
    return EXIT_OK


def _error(message: str) -> None:
    print(f"ai-chain: error: {message}", file=sys.stderr)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ai-chain`` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return int(exc.code or 0)
    args.argv = argv
    problems = shadowed_packages()
    if problems:
        for problem in problems:
            _error(problem)
        return EXIT_BAD_INPUT
    if args.command != "docs":  # generated docs describe the model's own code only
        from model.plugins import PluginError, load_plugins

        try:  # installed plugins (entry points): instruments, agent types, reporters
            load_plugins()
        except PluginError as exc:
            _error(str(exc))
            return EXIT_BAD_INPUT
    from model.scenario import ScenarioError

    previous = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, _interrupt)  # clean up the temporary folder too
    except ValueError:  # not the main thread
        previous = None
    try:
        return args.func(args)
    except (ScenarioError, BadInput) as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\nai-chain: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `ai-chain params | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception:
        traceback.print_exc()
        _error("the command failed (traceback above)")
        return EXIT_FAILED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
