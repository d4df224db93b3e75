"""``ai-chain validate``: stylized facts and the source's diagnosis as statistical tests.

Runs a baseline ensemble (and the neutralization arm with the same seeds), computes every
fact of :mod:`experiments.validation.facts`, runs (or resumes) the policy-response suite
(:mod:`experiments.validation.policy_response`), writes ``report.md``, ``results.json``
and ``figures/*.png`` into ``--out``, and exits 1 when a fact fails.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from experiments.errors import BadInput

DEFAULTS = {"seeds": 5, "steps": 60, "burn_in": 20, "seed": 1}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` subcommand."""
    p = subparsers.add_parser(
        "validate", help="test stylized facts and the source's diagnosis on an ensemble",
        description="Run a baseline ensemble (one agent per real firm), test the stylized "
                    "facts of industry dynamics and the source's diagnosis, run the "
                    "neutralization experiment and the policy-response suite, and write a "
                    "report with figures. Exit 1 when a fact fails.")
    p.add_argument("--out", default="runs/validation", metavar="DIR",
                   help="output folder (default: runs/validation)")
    p.add_argument("--seeds", type=int, default=DEFAULTS["seeds"], metavar="N",
                   help=f"replications (default {DEFAULTS['seeds']}, at least 2)")
    p.add_argument("--steps", type=int, default=DEFAULTS["steps"], metavar="T",
                   help=f"quarters per run (default {DEFAULTS['steps']})")
    p.add_argument("--burn-in", type=int, default=DEFAULTS["burn_in"], metavar="B",
                   help=f"first year-end step of the firm panels (default "
                        f"{DEFAULTS['burn_in']}); T - B must be at least 8")
    p.add_argument("--seed", type=int, default=DEFAULTS["seed"], metavar="S",
                   help=f"base seed; replication i uses SeedSequence(S).spawn(N)[i] "
                        f"(default {DEFAULTS['seed']})")
    p.add_argument("--scenario", default="baseline", metavar="SCENARIO",
                   help="shipped preset or scenario path (default: baseline; the diagnosis "
                        "facts need Beijing, Guangdong, Shanghai and Shanxi)")
    p.add_argument("--no-neutralization", action="store_true",
                   help="skip the neutralization arm")
    p.add_argument("--boot", type=int, default=100, metavar="K",
                   help="bootstrap resamples for the volatility-scaling interval (default 100)")
    p.add_argument("--force", action="store_true", help="replace DIR if it is not empty")
    p.add_argument("--policy-response", default="runs/experiments/policy_response",
                   metavar="PDIR", help="experiment folder of the policy-response suite, run "
                   "there or resumed (default: runs/experiments/policy_response)")
    p.add_argument("--policy-design", default="policy_response", metavar="FILE",
                   help="the suite's experiment design (default: the shipped "
                        "policy_response; a smaller copy for a quick check)")
    p.add_argument("--no-policy-response", action="store_true",
                   help="skip the policy-response suite")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes of the policy-response suite (default: CPUs)")
    p.set_defaults(func=cmd_validate)


def check_args(args: argparse.Namespace) -> None:
    """Raise BadInput for values the validation cannot use."""
    if args.seeds < 2:
        raise BadInput(f"--seeds {args.seeds}: allowed is an integer >= 2")
    if args.burn_in < 0:
        raise BadInput(f"--burn-in {args.burn_in}: allowed is an integer >= 0")
    if args.steps - args.burn_in < 8:
        raise BadInput(f"--steps {args.steps} with --burn-in {args.burn_in}: allowed is "
                       "steps - burn-in >= 8 (at least three year-end panels)")
    if args.seed < 0:
        raise BadInput(f"--seed {args.seed}: allowed is a non-negative integer")
    if args.boot < 10:
        raise BadInput(f"--boot {args.boot}: allowed is an integer >= 10")
    if args.workers is not None and args.workers < 1:
        raise BadInput(f"--workers {args.workers}: allowed is an integer >= 1")
    if not args.no_policy_response:
        from experiments.batch.design import load_design

        load_design(args.policy_design)  # a bad design fails now, before any run
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        previous = out.is_dir() and (out / "results.json").is_file()
        if not args.force:
            raise BadInput(f"--out {out}: exists and is not empty; allowed is a new or empty "
                           "folder, or add --force to replace a previous validation report")
        if not previous:
            raise BadInput(f"--out {out}: --force replaces only a previous validation "
                           "report folder (with results.json); this one is not")


def _scenario(args: argparse.Namespace):
    """The scenario, which must hold the regions the diagnosis compares (BadInput if not)."""
    from experiments.run.defaults import DEFAULT_FOCUS
    from experiments.validation.diagnosis import COAST3
    from model.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    missing = [r for r in (*COAST3, DEFAULT_FOCUS) if r not in scenario.regions]
    if missing:
        raise BadInput(f"--scenario {args.scenario}: regions {', '.join(missing)} missing; "
                       f"allowed is a scenario with {', '.join(COAST3)} and {DEFAULT_FOCUS}")
    return scenario


def cmd_validate(args: argparse.Namespace) -> int:
    """Run the validation; return 0 if every tested fact passes, else 1."""
    check_args(args)
    from model import MODEL_VERSION

    scenario = _scenario(args)
    from experiments.validation import figures, report
    from experiments.validation.diagnosis import all_facts
    from experiments.validation.ensemble import run_ensemble

    out = Path(args.out)
    t0 = time.perf_counter()
    total = args.seeds * (1 if args.no_neutralization else 2)

    def progress(arm: str, offset: int):
        def show(done: int) -> None:
            el = time.perf_counter() - t0
            print(f"validate: {arm} run {done}/{args.seeds} done ({offset + done}/{total}, "
                  f"{el:.0f} s)", file=sys.stderr, flush=True)
        return show

    base = run_ensemble(args.scenario, args.seed, args.seeds, args.steps, args.burn_in,
                        flows=True, progress=progress("baseline", 0))
    neutral = None
    if not args.no_neutralization:
        focus = scenario.focus
        over = {f"regions.{focus}.share_base": scenario.values["national.share_base"],
                f"regions.{focus}.share_tech": scenario.values["national.share_tech"]}
        neutral = run_ensemble(args.scenario, args.seed, args.seeds, args.steps,
                               args.burn_in, overrides=over, panels=False, flows=True,
                               progress=progress("neutralization", args.seeds))
    facts = all_facts(base, neutral, args.burn_in, boot=args.boot)
    sections, extra = _policy_response(args, scenario.focus)
    settings = {"scenario": args.scenario, "seeds": args.seeds, "seed": args.seed,
                "steps": args.steps, "burn_in": args.burn_in, "boot": args.boot,
                "model_version": MODEL_VERSION,
                "neutralization": not args.no_neutralization}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        figs = figures.write_all(base, neutral, tmp / "figures")
        settings["seconds"] = time.perf_counter() - t0
        report.write(tmp, facts, settings, figs, sections, extra)
        tmp.chmod(0o755)  # mkdtemp creates it private
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for f in facts:
        print(f"{report.status(f):8s} {f.key}: {f.value}")
    failed = [f.key for f in facts if f.passed is False]
    print(f"wrote {out / 'report.md'} ({len(facts)} facts, {len(failed)} failed) in "
          f"{time.perf_counter() - t0:.0f} s")
    return 1 if failed else 0


def _policy_response(args: argparse.Namespace, focus: str) -> tuple[list[str], dict]:
    """Run (or resume) the policy-response suite and return its report section."""
    if args.no_policy_response:
        return [], {}
    import os

    from experiments.validation import policy_response

    print(f"validate: policy-response suite {args.policy_design} in {args.policy_response}",
          file=sys.stderr, flush=True)
    lines, payload = policy_response.report_section(
        Path(args.policy_response), args.policy_design,
        args.workers or os.cpu_count() or 1, focus)
    return lines, {"policy_response": payload}
