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

from experiments.errors import BadInput
from experiments.packages import shadowed_packages

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

# Commands that live in their own modules. Each module defines ``register(subparsers)``,
# which adds its parser and sets ``func`` (a function of the parsed arguments returning the
# exit code). Such modules import only argparse-level code at the top; heavy packages are
# imported inside the command function.
COMMAND_MODULES: tuple[str, ...] = (
    "experiments.cli.run",
    "experiments.cli.params",
    "experiments.cli.docs",
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

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


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

