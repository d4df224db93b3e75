"""Experiment runner against ``mesa.batch_run``; parallel efficiency; Dask overhead; memory.

Measured side by side in one run, each timing repeated and the median reported:

1. Throughput on a 50-run job (the same model, scenario, horizon and number of runs):
   our runner on 2 workers (process pool, per-step region rows written to Parquet) vs
   ``mesa.batch_run`` with ``number_processes=1`` and ``2`` (its DataCollector rows kept
   in memory). ``batch_run`` sets the "spawn" start method for the whole process, so each
   of its timings runs in a fresh subprocess (timed inside it, after imports).
2. Parallel efficiency on 2 workers for runs of about 1 s: serial time / (2 x pool time).
3. A local Dask cluster (2 workers x 1 thread, started before timing) vs the pool.
4. Parent memory over 1,000 short runs with per-step output of baseline size (31 regions x
   41 steps x 64 columns per run, from a hook), in a subprocess: peak RSS and RSS samples.

Usage: ``.venv/bin/python benchmarks/runner_throughput.py [--repeats 3] [--quick]``.
Prints a Markdown section for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SMALL = REPO / "scenarios" / "small.toml"
BENCH = Path(__file__).resolve().parent


#: Steps of the parallel-efficiency runs: about 1 s per run of the baseline (the issue's
#: "runs of 1 s or more").
EFF_STEPS = 24


def design_text(name: str, scenario: Path | str, steps: int, runs: int,
                model: str = "") -> str:
    hook = f'model = "{model}"\n' if model else f'scenario = "{scenario}"\n'
    return (f'[experiment]\nname = "{name}"\n{hook}steps = {steps}\n'
            f"replications = {runs}\nseed = 7\noutputs = \"every\"\n")


def spin(n: int = 4_000_000) -> float:
    """Seconds of a pure-Python loop (a probe of the CPU this session gets)."""
    t = time.perf_counter()
    x = 0
    for i in range(n):
        x += i
    return time.perf_counter() - t


def available_parallelism(repeats: int) -> float:
    """How many cores two busy processes of this session actually get: 2 x (time of one
    spin alone) / (time of a spin while another runs beside it). 2.0 on an idle machine;
    less when other sessions load the CPU (Linux autogroup scheduling shares the CPU per
    session, not per process)."""
    import concurrent.futures as cf
    import multiprocessing

    ratios = []
    ctx = multiprocessing.get_context("forkserver")
    with cf.ProcessPoolExecutor(2, mp_context=ctx) as ex:
        list(ex.map(spin, [100_000] * 2))
        for _ in range(repeats):
            alone = ex.submit(spin).result()
            pair = list(ex.map(spin, [4_000_000] * 2))
            ratios.append(2 * alone / max(pair))
    return statistics.median(ratios)


LAST: dict = {}


def time_runner(text: str, workers: int = 2, scheduler: str | None = None) -> float:
    """Seconds for our runner to plan, run and store the design (pool start included);
    the summary is kept in ``LAST``."""
    from experiments.batch.design import load_design
    from experiments.batch.runner import execute

    tmp = Path(tempfile.mkdtemp(prefix="bench-runner-"))
    try:
        (tmp / "d.toml").write_text(text)
        design = load_design(tmp / "d.toml")
        devnull = open(os.devnull, "w")  # noqa: SIM115
        t = time.perf_counter()
        summary = execute(design, tmp / "out", workers=workers, scheduler=scheduler,
                          progress_stream=devnull)
        elapsed = time.perf_counter() - t
        assert summary.failed == 0 and summary.succeeded == design.run_count, summary
        LAST["summary"] = summary
        return elapsed
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


BATCH_CHILD = r"""
import sys, time
import mesa
from model.model import IndustryModel
preset, steps, runs, procs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
t = time.perf_counter()
rows = mesa.batch_run(IndustryModel, parameters={"preset": preset}, number_processes=procs,
                      rng=list(range(runs)), data_collection_period=1, max_steps=steps,
                      display_progress=False)
print(time.perf_counter() - t, len(rows))
"""


def time_batch_run(preset: Path, steps: int, runs: int, procs: int) -> float:
    """Seconds ``mesa.batch_run`` takes (timed inside a fresh process, after imports)."""
    out = subprocess.run([sys.executable, "-c", BATCH_CHILD, str(preset), str(steps),
                          str(runs), str(procs)], capture_output=True, text=True, check=True,
                         cwd=REPO)
    seconds, rows = out.stdout.split()
    assert int(rows) == runs * (steps + 1), (rows, runs, steps)
    return float(seconds)


MEMORY_CHILD = r"""
import json, os, sys, threading, time, resource
from pathlib import Path
import psutil
from experiments.batch.design import load_design
from experiments.batch.runner import execute
tmp = Path(sys.argv[1])
design = load_design(tmp / "d.toml")
proc = psutil.Process()
samples = []
stop = threading.Event()
def sample():
    while not stop.is_set():
        samples.append(proc.memory_info().rss / 2**20)
        time.sleep(0.5)
th = threading.Thread(target=sample, daemon=True); th.start()
t = time.perf_counter()
s = execute(design, tmp / "out", workers=2, progress_stream=open(os.devnull, "w"))
elapsed = time.perf_counter() - t
stop.set(); th.join()
n = len(samples)
print(json.dumps({"runs": s.succeeded, "seconds": elapsed,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rss_quartiles_mb": [samples[min(n - 1, int(q * n))] for q in
                                       (0.1, 0.25, 0.5, 0.75, 1.0)] if n else []}))
"""


def memory_run(runs: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    try:
        (tmp / "d.toml").write_text(design_text("mem", "", 40, runs, "bench_hooks:wide"))
        env = {**os.environ, "PYTHONPATH": str(BENCH) + os.pathsep
               + os.environ.get("PYTHONPATH", "")}
        out = subprocess.run([sys.executable, "-c", MEMORY_CHILD, str(tmp)],
                             capture_output=True, text=True, check=True, env=env, cwd=REPO)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        rows = 0
        import pyarrow.parquet as pq

        for part in (tmp / "out" / "runs").glob("part-*.parquet"):
            rows += pq.read_metadata(part).num_rows
        result["rows"] = rows
        result["parts"] = len(list((tmp / "out" / "runs").glob("part-*.parquet")))
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    args = parser.parse_args()
    sys.path.insert(0, str(BENCH))
    reps = args.repeats
    n_runs, steps = (10, 10) if args.quick else (50, 20)
    lines = []
    load0 = os.getloadavg()

    # 1. throughput on a 50-run job
    ours, b1, b2 = [], [], []
    text = design_text("tp", SMALL, steps, n_runs)
    for _ in range(reps):
        ours.append(time_runner(text, workers=2))
        b1.append(time_batch_run(SMALL, steps, n_runs, 1))
        b2.append(time_batch_run(SMALL, steps, n_runs, 2))
        print(f"throughput repeat: ours {ours[-1]:.1f} s, batch_run(1) {b1[-1]:.1f} s, "
              f"batch_run(2) {b2[-1]:.1f} s", file=sys.stderr)
    best = min(med(b1), med(b2))
    ratio = best / med(ours)
    par1 = available_parallelism(3)
    lines += [
        f"**1. Throughput, {n_runs} runs of scenarios/small.toml x {steps} steps** "
        f"(medians of {reps}; wall time from the call, pool start-up included):", "",
        "| engine | median s | runs/s |", "|---|---|---|",
        f"| ai-chain runner, process pool, 2 workers | {med(ours):.1f} | "
        f"{n_runs / med(ours):.2f} |",
        f"| mesa.batch_run, number_processes=1 | {med(b1):.1f} | {n_runs / med(b1):.2f} |",
        f"| mesa.batch_run, number_processes=2 | {med(b2):.1f} | {n_runs / med(b2):.2f} |",
        "", f"Ratio to the better batch_run: **{ratio:.2f}x** (target >= 2x: "
        f"{'met' if ratio >= 2 else 'NOT met'}). Two workers can at most double the "
        f"throughput of one process, so 2x over `number_processes=1` is the ceiling on 2 "
        f"cores; cores this session got for two busy processes (probe after the "
        f"repeats): {par1:.2f} of 2.", ""]

    # 2. parallel efficiency, ~1 s runs (baseline, EFF_STEPS steps)
    eff_runs = 8 if args.quick else 20
    text1 = design_text("eff", "baseline", EFF_STEPS, eff_runs)
    serial, pool, par = [], [], []
    cpu_serial, cpu_pool = [], []
    for _ in range(reps):
        serial.append(time_runner(text1, workers=1))
        cpu_serial.append(med(LAST["summary"].run_cpu_seconds))
        pool.append(time_runner(text1, workers=2))
        cpu_pool.append(med(LAST["summary"].run_cpu_seconds))
        par.append(available_parallelism(1))
        print(f"efficiency repeat: serial {serial[-1]:.1f} s, pool {pool[-1]:.1f} s, "
              f"available parallelism {par[-1]:.2f}", file=sys.stderr)
    eff = med(serial) / (2 * med(pool))
    per_run = med(serial) / eff_runs
    lines += [
        f"**2. Parallel efficiency**, {eff_runs} runs of the baseline x {EFF_STEPS} steps "
        f"({per_run:.2f} s per run serially): serial {med(serial):.1f} s, pool of 2 "
        f"{med(pool):.1f} s -> efficiency **{eff:.0%}** (target >= 85 %: "
        f"{'met' if eff >= 0.85 else 'NOT met'}). CPU time per run: {med(cpu_serial):.2f} s "
        f"serially, {med(cpu_pool):.2f} s in pool workers. Cores this session actually got "
        f"for two busy processes, measured beside each repeat with a pure-Python probe: "
        f"{med(par):.2f} of 2 (so the best efficiency possible here was "
        f"{med(par) / 2:.0%}); efficiency relative to that: {eff / (med(par) / 2):.0%}.", ""]

    # 3. Dask vs pool (cluster start-up excluded)
    from distributed import LocalCluster

    t = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    # start-up includes the workers' first imports of the model (one tiny job), as the
    # pool's time includes its fork server preloading the same modules
    time_runner(design_text("warm", SMALL, 1, 2), scheduler=cluster.scheduler_address)
    start = time.perf_counter() - t
    dask, pool2 = [], []
    try:
        for _ in range(reps):
            dask.append(time_runner(text1, scheduler=cluster.scheduler_address))
            pool2.append(time_runner(text1, workers=2))
            print(f"dask repeat: dask {dask[-1]:.1f} s, pool {pool2[-1]:.1f} s",
                  file=sys.stderr)
    finally:
        cluster.close()
    over = med(dask) / med(pool2) - 1
    lines += [
        f"**3. Local Dask cluster** (2 workers x 1 thread; start-up incl. the workers' first "
        f"model imports {start:.1f} s, not "
        f"counted) on the same {eff_runs} runs: {med(dask):.1f} s vs pool {med(pool2):.1f} s "
        f"(pool start-up included) -> overhead **{over:+.0%}** (target <= 10 %: "
        f"{'met' if over <= 0.10 else 'NOT met'}).", ""]

    # 4. parent memory
    mem_runs = 100 if args.quick else 1000
    mem = memory_run(mem_runs)
    q = ", ".join(f"{x:.0f}" for x in mem["rss_quartiles_mb"])
    lines += [
        f"**4. Parent memory**, {mem['runs']} runs with per-step output "
        f"({mem['rows']:,} rows of 64 float columns, {mem['parts']} part files, "
        f"{mem['seconds']:.0f} s): peak RSS **{mem['peak_mb']:.0f} MB** (target < 500 MB: "
        f"{'met' if mem['peak_mb'] < 500 else 'NOT met'}); RSS at 10/25/50/75/100 % of the "
        f"run: {q} MB.", ""]

    load1 = os.getloadavg()
    header = [
        "## Experiments runner", "",
        f"`benchmarks/runner_throughput.py --repeats {reps}`, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; load average "
        f"{load0[0]:.1f} at the start, {load1[0]:.1f} at the end (a shared machine).", ""]
    print("\n".join(header + lines))


if __name__ == "__main__":
    main()
