"""Speed, scaling and memory of the model, against plain Mesa's simplest model.

Measures, side by side in one run (the machine is shared, so medians and ratios):

1. cost per firm per step over 40-quarter baseline runs, against the per-agent step of
   Mesa's simplest model with the same number of agents (one integer of wealth; each step
   ``model.agents.shuffle_do("step")``; an agent with wealth gives one unit to an agent
   drawn from a cached list with ``model.random``; no grid, no reporter);
2. the baseline's time per step and a 40-quarter run including start-up (model build;
   and a whole ``ai-chain run`` process);
3. time per step at 4x and 16x the baseline's firms (a scaled scenario) relative to the
   firm count;
4. peak RSS of ``ai-chain run`` on the 16x scenario over 40 quarters, firm rows streamed
   every step.

Times are CPU seconds of this process (``time.process_time``): on a shared machine they are
far less disturbed by other work than wall-clock time; wall-clock figures are printed too.

Usage: ``python benchmarks/model_speed.py [--reps 3] [--skip-scaling] [--json FILE]``
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa
import numpy as np

REPO = Path(__file__).resolve().parent.parent
AI_CHAIN = Path(sys.executable).parent / "ai-chain"


class MoneyAgent(mesa.Agent):
    """The simplest Mesa agent: gives one unit of wealth to a random agent."""

    def __init__(self, model: MoneyModel) -> None:
        super().__init__(model)
        self.wealth = 1

    def step(self) -> None:
        if self.wealth > 0:
            other = self.model.random.choice(self.model.agent_list)
            other.wealth += 1
            self.wealth -= 1


class MoneyModel(mesa.Model):
    """Plain Mesa's simplest model (the comparator of issue 7)."""

    def __init__(self, n: int, seed: int = 0) -> None:
        super().__init__(rng=seed)
        MoneyAgent.create_agents(self, n)
        self.agent_list = self.agents.to_list()

    def step(self) -> None:
        self.agents.shuffle_do("step")


def mesa_per_agent_us(n: int, steps: int = 40) -> float:
    """Median microseconds per agent per step of the simplest Mesa model with n agents."""
    model = MoneyModel(n)
    times = []
    for _ in range(steps):
        t = time.process_time()
        model.step()
        times.append(time.process_time() - t)
    return 1e6 * float(np.median(times)) / n


def baseline_run(seed: int, steps: int = 40, overrides: dict | None = None) -> dict:
    """Build and run the baseline; step times and live firms per step."""
    from model.model import IndustryModel

    w0, t0 = time.perf_counter(), time.process_time()
    model = IndustryModel(params=overrides or {}, rng=seed)
    build = time.process_time() - t0
    step_s, firms = [], []
    for _ in range(steps):
        firms.append(int(model.firms.live().size))
        t = time.process_time()
        model.step()
        step_s.append(time.process_time() - t)
    total = time.process_time() - t0
    step_s, firms = np.array(step_s), np.array(firms)
    return {"build_s": build, "run_s": total, "wall_run_s": time.perf_counter() - w0,
            "steps_s": float(step_s.sum()),
            "ms_per_step": 1000 * float(step_s.mean()),
            "median_ms_per_step": 1000 * float(np.median(step_s)),
            "mean_firms": float(firms.mean()), "end_firms": int(model.firms.live().size),
            "us_per_firm_step": 1e6 * float(step_s.sum() / firms.sum()),
            "phases_s": dict(model.phase_seconds)}


def scaled_overrides(k: int) -> dict:
    """A scenario with k times the baseline's firms, demand, graduates, compute and
    budgets in every region (per-firm behaviour unchanged)."""
    from model.scenario import load_scenario

    base = load_scenario("baseline")
    out = {"demand.national_final": base["demand.national_final"] * k,
           "talent.national_graduates": base["talent.national_graduates"] * k,
           "national.alliance_integrators": base["national.alliance_integrators"] * k}
    for region in base.regions:
        for key in ("firms", "integrators", "compute_capacity"):
            name = f"regions.{region}.{key}"
            if base.values.get(name) is not None:
                out[name] = base[name] * k
    for name, value in base.values.items():
        if name.startswith("policy.") and name.endswith(".budget"):
            out[name] = value * k
    return out


def cli_run(steps: int, overrides: dict, firm_data: str) -> dict:
    """A whole ``ai-chain run`` process: wall time and peak RSS (MiB)."""
    sets = [a for k, v in overrides.items() for a in ("--set", f"{k}={json.dumps(v)}")]
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t = time.perf_counter()
        proc = subprocess.run([str(AI_CHAIN), "run", "--seed", "1", "--steps", str(steps),
                               "--firm-data", firm_data, "--out", f"{tmp}/run", *sets],
                              capture_output=True, text=True, cwd=tmp)
        wall = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    meta_line = [ln for ln in proc.stdout.splitlines() if ln.startswith("wrote ")]
    return {"wall_s": wall, "peak_rss_mib": max(peak, before) / 1024,
            "peak_rss_is_new": peak > before, "summary": meta_line[-1] if meta_line else ""}


def scaling_child(k: int, steps: int) -> None:
    """Run the k-times scenario in this process and print its step timing as JSON."""
    run = baseline_run(1, steps, scaled_overrides(k) if k > 1 else None)
    run["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(run))


def scaling(steps: int) -> dict:
    """Time per step per firm at 1x, 4x, 16x, each in its own process."""
    out = {}
    for k in (1, 4, 16):
        proc = subprocess.run([sys.executable, __file__, "--scaling-child", str(k),
                               "--steps", str(steps)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr)
        out[k] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"  {k:>2}x: {out[k]['mean_firms']:,.0f} firms on average, "
              f"{out[k]['ms_per_step']:.1f} ms/step, "
              f"{out[k]['us_per_firm_step']:.2f} us/firm-step, "
              f"peak RSS {out[k]['peak_rss_mib']:.0f} MiB", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--json", default=None, help="also write the results here")
    parser.add_argument("--scaling-child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scaling_child is not None:
        scaling_child(args.scaling_child, args.steps)
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, mesa {mesa.__version__}, "
          f"numpy {np.__version__}", flush=True)
    pairs = []
    for rep in range(args.reps):  # ours and Mesa's simplest, alternating
        ours = baseline_run(2023 + rep, args.steps)
        simplest = mesa_per_agent_us(int(round(ours["mean_firms"])), args.steps)
        pairs.append((ours, simplest))
        print(f"rep {rep}: ours {ours['us_per_firm_step']:.2f} us/firm-step "
              f"({ours['ms_per_step']:.1f} ms/step, {ours['mean_firms']:,.0f} firms on "
              f"average), Mesa simplest {simplest:.2f} us/agent-step, ratio "
              f"{ours['us_per_firm_step'] / simplest:.2f}", flush=True)
    result = {
        "us_per_firm_step": float(np.median([o["us_per_firm_step"] for o, _ in pairs])),
        "mesa_us_per_agent_step": float(np.median([s for _, s in pairs])),
        "ratio": float(np.median([o["us_per_firm_step"] / s for o, s in pairs])),
        "ms_per_step": float(np.median([o["ms_per_step"] for o, _ in pairs])),
        "build_s": float(np.median([o["build_s"] for o, _ in pairs])),
        "run_s": float(np.median([o["run_s"] for o, _ in pairs])),
        "mean_firms": float(np.median([o["mean_firms"] for o, _ in pairs])),
        "phases_ms_per_step": {k: 1000 * float(np.median([o["phases_s"][k] for o, _ in pairs]))
                               / args.steps for k in pairs[0][0]["phases_s"]},
    }
    cli = cli_run(args.steps, {}, "end")
    result["cli_run_s"] = cli["wall_s"]
    print(f"median: ours {result['us_per_firm_step']:.2f} us/firm-step, Mesa simplest "
          f"{result['mesa_us_per_agent_step']:.2f} us/agent-step, ratio {result['ratio']:.2f} "
          f"(target <= 0.5)\nbaseline: {result['ms_per_step']:.1f} ms/step (target <= 10); "
          f"40 quarters incl. model build {result['run_s']:.2f} s, whole `ai-chain run` "
          f"process {cli['wall_s']:.2f} s (target <= 3 s)", flush=True)
    if not args.skip_scaling:
        print("scaling (each in its own process):", flush=True)
        sc = scaling(args.steps)
        for k in (4, 16):
            growth = (sc[k]["ms_per_step"] / sc[1]["ms_per_step"]) / (
                sc[k]["mean_firms"] / sc[1]["mean_firms"])
            result[f"scaling_{k}x"] = growth
            print(f"  time per step grows {growth:.2f} x the firm count at {k}x "
                  f"(target <= 1.2)")
        mem = cli_run(args.steps, scaled_overrides(16), "every")
        result["rss_16x_cli_mib"] = mem["peak_rss_mib"]
        result["scaling"] = sc
        print(f"16x `ai-chain run --firm-data every`, {args.steps} quarters: peak RSS "
              f"{mem['peak_rss_mib']:.0f} MiB (target <= 1024), {mem['wall_s']:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
