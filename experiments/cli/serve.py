"""``ai-chain serve``: start the browser page (``server.py``) with Solara.

Solara is pointed at the source checkout's top-level ``server.py``, the thin entry that
imports the page from :mod:`experiments.ui.page` (``server.py`` itself is not packaged). The
server binds to 127.0.0.1 unless ``--host`` says otherwise, runs offline (assets come from
``solara-assets``) and has Solara's telemetry switched off in its environment.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from experiments.errors import BadInput

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: The project folder: the parent of the ``experiments`` package.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def server_path(root: Path = PROJECT_ROOT) -> Path:
    """``server.py`` of the project, or :class:`BadInput` saying why it is missing."""
    path = root / "server.py"
    if not path.is_file():
        raise BadInput(f"{path}: server.py not found; `ai-chain serve` needs the project's "
                       "source checkout (install it with `pip install -e .` from the "
                       "checkout)")
    return path


def solara_command(server: Path, host: str, port: int) -> list[str]:
    """The command that runs the page with Solara (production mode, no browser opened)."""
    return [sys.executable, "-m", "solara", "run", str(server), "--host", host,
            "--port", str(port), "--production", "--no-open"]


def server_env(scenario: str | None = None) -> dict[str, str]:
    """The server's environment: telemetry off, and the page's default scenario if given."""
    env = dict(os.environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    if scenario:
        env["AI_CHAIN_SCENARIO"] = scenario
    return env


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``serve`` subcommand."""
    parser = subparsers.add_parser(
        "serve", help="open the model in a browser page (Solara server)",
        description="Start the browser page: Shanxi's policy levers, the chain's charts "
                    "and a baseline overlay. Binds to 127.0.0.1 by default; stop with Ctrl-C.")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default: {DEFAULT_HOST}, this machine "
                             "only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to listen on, 1-65535 (default: {DEFAULT_PORT})")
    parser.add_argument("--scenario", default=None, metavar="SCENARIO",
                        help="the page's default scenario and baseline reference: a shipped "
                             "preset name or a scenario .toml (default: baseline)")
    parser.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the Solara server until it stops or is interrupted; returns its exit code."""
    if not 1 <= args.port <= 65535:
        raise BadInput(f"--port {args.port}: expected a port number in 1-65535")
    scenario = None
    if args.scenario:
        from model.scenario import load_scenario

        load_scenario(args.scenario)  # a bad scenario fails here, with exit 2
        path = Path(args.scenario)
        scenario = str(path.resolve()) if path.suffix == ".toml" else args.scenario
    server = server_path()
    print(f"serving the ai-chain page on http://{args.host}:{args.port} "
          "(Ctrl-C to stop)", flush=True)
    proc = subprocess.Popen(solara_command(server, args.host, args.port),
                            env=server_env(scenario), cwd=server.parent)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise
