"""``ai-chain run``: run one scenario and write a run folder
(:mod:`experiments.run.runfolder`)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` subcommand."""
    run = subparsers.add_parser(
        "run", help="run one scenario and write a run folder",
        description="Run one scenario; write model.parquet, firms.parquet, metadata.json "
                    "(and figures/ with --plot) into --out.")
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
    run.add_argument("--firm-data", choices=("every", "final", "none", "end"), default="final",
                     help="firm rows for every step, the final step only (default; `end` is "
                          "accepted for it, its former name), or none")
    run.add_argument("--plot", action="store_true", help="also write PNG figures to DIR/figures")
    run.add_argument("--force", action="store_true",
                     help="replace DIR if it holds a previous run")
    run.add_argument("--profile", action="store_true",
                     help="also print the time spent in each phase of the step")
    run.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """``ai-chain run``: validate, run, write the run folder, print Shanxi's summary."""
    from experiments.run import runfolder
    from experiments.run.summary import format_summary

    plan = runfolder.plan_run(args.scenario, args.sets, seed=args.seed, steps=args.steps,
                          out=args.out, firm_data=args.firm_data, plot=args.plot,
                          force=args.force, argv=args.argv)
    print(f"seed: {plan.seed}", flush=True)
    quarters = f"{plan.steps} quarter" + ("" if plan.steps == 1 else "s")
    print(f"scenario: {plan.scenario.name} ({plan.scenario.path}), {quarters} -> {plan.out}",
          flush=True)
    result = runfolder.execute(plan)
    print(format_summary(result.focus_region, result.focus_rows, result.quarters))
    timings = result.metadata["timings"]
    print(f"wrote {result.out} in {timings['total_s']:.1f} s "
          f"(model.parquet: {result.metadata['rows']['model']} rows, firms.parquet: "
          f"{result.metadata['rows']['firms']} rows"
          + (f", {len(result.metadata['files']['figures'])} figures" if plan.plot else "")
          + ")")
    if args.profile:
        print(format_phases(timings, plan.steps))
    return 0


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
