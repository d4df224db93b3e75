"""``ai-chain docs``: regenerate docs/outputs.md, parameters.md and api.md
(:mod:`experiments.docgen`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``docs`` subcommand."""
    docs = subparsers.add_parser(
        "docs", help="regenerate docs/outputs.md, parameters.md and api.md",
        description="Regenerate outputs.md and parameters.md from the declarations in the "
                    "code, and api.md from the docstrings of the public extension API.")
    docs.add_argument("--out", default="docs", metavar="DIR",
                      help="folder to write into (default: docs, relative to the current "
                           "folder)")
    docs.set_defaults(func=cmd_docs)


def cmd_docs(args: argparse.Namespace) -> int:
    """``ai-chain docs``: regenerate the generated documentation files."""
    from experiments.docgen.generate import write_docs

    for path in write_docs(Path(args.out)):
        print(f"wrote {path}")
    return 0
