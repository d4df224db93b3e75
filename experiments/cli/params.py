"""``ai-chain params``: list every parameter of a scenario."""

from __future__ import annotations

import argparse
import sys

from experiments.errors import BadInput


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``params`` subcommand."""
    params = subparsers.add_parser("params", help="list every parameter of a scenario",
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


def cmd_params(args: argparse.Namespace) -> int:
    """``ai-chain params``: list the parameters of a scenario."""
    from experiments.docgen.generate import render_params, scenario_rows
    from model.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    rows = scenario_rows(scenario, args.filter)
    if not rows:
        raise BadInput(f"--filter {args.filter!r}: no parameter name starts with it")
    sys.stdout.write(render_params(rows, args.format))
    return 0
