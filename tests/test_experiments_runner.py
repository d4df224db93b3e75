"""The experiment runner: plans, engines, resume after kill -9, failures, bad files, Sobol.

CLI tests run the installed ``ai-chain`` console script in a subprocess from a temporary
folder. Model hooks used here live in ``tests/data/runner_hooks.py`` (put on PYTHONPATH).
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from common import AI_CHAIN, REPO, SMALL

from experiments.batch.design import load_design, shipped_designs
from experiments.batch.manifest import manifest_table, plan_runs
from experiments.batch.runner import execute, status
from experiments.batch.store import read_runs
from experiments.errors import BadInput

DATA = REPO / "tests" / "data"

if str(DATA) not in sys.path:
    sys.path.insert(0, str(DATA))  # runner_hooks for in-process and pool runs


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNNER_TEST_")}
    env["PYTHONPATH"] = str(DATA) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def ai_chain(*args: str, cwd: Path, timeout: float = 240, **env: str
             ) -> subprocess.CompletedProcess:
    """Run the installed console script."""
    return subprocess.run([str(AI_CHAIN), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=_env(**env))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


SMALL_DESIGN = f"""
[experiment]
name = "tiny"
scenario = "{SMALL}"
steps = 3
replications = 2
seed = 11
outputs = "every"

[policies.none]
"policy.Shanxi.recruitment.budget" = 0.0

[policies.targeted]
"policy.Shanxi.targeted_subsidy.budget" = 80.0
"policy.Shanxi.targeted_subsidy.layers" = "base,tech"
"""


def sorted_frame(out: Path) -> pd.DataFrame:
    """All result rows, in a canonical order, with a fixed index."""
    df = read_runs(out).to_pandas()
    return df.sort_values(["run_id", "step", "region"]).reset_index(drop=True)


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="session")
def dask_cluster():
    """One local Dask cluster (2 worker processes, 1 thread each) on loopback."""
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    yield cluster.scheduler_address
    cluster.close()


@pytest.fixture(scope="module")
def serial_small(tmp_path_factory):
    """The tiny model experiment run serially (the reference frame)."""
    tmp = tmp_path_factory.mktemp("serial")
    design = load_design(write(tmp / "tiny.toml", SMALL_DESIGN))
    summary = execute(design, tmp / "out", workers=1)
    assert summary.succeeded == 4 and summary.failed == 0
    return tmp / "out"


# ------------------------------------------------------------------ planning

def test_plan_seeds_ids_and_manifest(tmp_path):
    """Replication i shares its seed across policies; ids are stable, unique and depend
    on what determines a run."""
    file = write(tmp_path / "tiny.toml", SMALL_DESIGN)
    design = load_design(file)
    specs = plan_runs(design)
    assert len(specs) == design.run_count == 4
    assert len({s.run_id for s in specs}) == 4
    assert [s.run_id for s in plan_runs(load_design(file))] == [s.run_id for s in specs]
    by_rep = {}
    for s in specs:
        by_rep.setdefault(s.replication, set()).add((s.seed_entropy, s.spawn_key))
    assert by_rep == {0: {(11, (0,))}, 1: {(11, (1,))}}
    table = manifest_table(design, specs)
    assert table.column_names[:8] == ["run_id", "policy", "point", "replication",
                                      "seed_entropy", "spawn_key", "steps", "overrides"]
    assert json.loads(table.column("overrides")[2].as_py()) == {
        "policy.Shanxi.targeted_subsidy.budget": 80.0,
        "policy.Shanxi.targeted_subsidy.layers": "base,tech", "time.steps": 3}
    changed = load_design(write(tmp_path / "t2.toml", SMALL_DESIGN.replace("80.0", "81.0")))
    ids2 = [s.run_id for s in plan_runs(changed)]
    assert ids2[:2] == [s.run_id for s in specs][:2]  # the unchanged policy keeps its ids
    assert not set(ids2[2:]) & {s.run_id for s in specs}


def test_sweep_points_in_salib_order(tmp_path):
    """Sobol points are SALib's sample, in its order, in the manifest's lever columns."""
    from SALib.sample import sobol

    text = SMALL_DESIGN + """
[sweep]
method = "sobol"
samples = 8
policies = ["targeted"]
[sweep.levers."policy.Shanxi.targeted_subsidy.rd_share"]
low = 0.1
high = 0.9
[sweep.levers."policy.Shanxi.talent_training.budget"]
low = 0.0
high = 40.0
"""
    design = load_design(write(tmp_path / "s.toml", text))
    problem = design.sweep.problem
    expected = sobol.sample(problem, 8, calc_second_order=False, seed=11)
    assert len(design.sweep.points) == 8 * 4 == len(expected)
    specs = plan_runs(design)
    assert len(specs) == 2 * (1 + 32)
    table = manifest_table(design, specs).to_pandas()
    swept = table[table.policy == "targeted"]
    assert list(swept.point) == [p for p in range(32) for _ in range(2)]
    got = swept[problem["names"]].to_numpy()[::2]
    np.testing.assert_array_equal(got, expected)
    assert table[table.policy == "none"][problem["names"]].isna().all().all()


BAD = [
    ("[experiment]\nseed = 1\nbogus = 3\n", "experiment.bogus"),
    ("[experiment]\nscenario = 'baseline'\n", "experiment.seed"),
    ("[experiment]\nseed = 1\noutputs = 'some'\n", "experiment.outputs"),
    ("[experiment]\nseed = 1\nsteps = 0\n", "experiment.steps"),
    ("[experiment]\nseed = 1\nscenario = 'nowhere'\n", "experiment.scenario"),
    ("[experiment]\nseed = 1\ncolumns = ['firms_total', 'nope']\n", "experiment.columns[1]"),
    ("[experiment]\nseed = 1\n[policies.a]\n'policy.Shanxi.targeted_subsidy.budgte' = 1.0\n",
     "policy.Shanxi.targeted_subsidy.budgte"),
    ("[experiment]\nseed = 1\n[policies.a]\n'policy.Shanxi.targeted_subsidy.budget' = -5.0\n",
     "policy.Shanxi.targeted_subsidy.budget"),
    ("[experiment]\nseed = 1\n[sweep]\nmethod = 'sobol'\nsamples = 100\n"
     "[sweep.levers.'market.markup']\nlow = 0.1\nhigh = 0.5\n"
     "[sweep.levers.'policy.Shanxi.targeted_subsidy.budget']\nlow = 0.0\nhigh = 9.0\n",
     "sweep.samples"),
    ("[experiment]\nseed = 1\n[sweep]\nmethod = 'grid'\n"
     "[sweep.levers.'policy.Shanxi.nothing.budget']\nvalues = [1.0]\n",
     "sweep.levers.policy.Shanxi.nothing.budget"),
    ("[experiment]\nseed = 1\n[sweep]\nmethod = 'grid'\n"
     "[sweep.levers.'policy.Shanxi.targeted_subsidy.rd_share']\nvalues = [0.5, 2.0]\n",
     "values[1]"),
    ("[experiment]\nseed = 1\n[sweep]\nmethod = 'lhs'\nsamples = 4\npolicies = ['x']\n"
     "[sweep.levers.'market.markup']\nlow = 0.1\nhigh = 0.5\n", "sweep.policies[0]"),
    ("[experiment\nseed = 1\n", "malformed TOML"),
]


@pytest.mark.parametrize(("text", "named"), BAD)
def test_bad_files_name_the_field(tmp_path, text, named):
    with pytest.raises(BadInput) as err:
        load_design(write(tmp_path / "bad.toml", text))
    assert named in str(err.value)
    assert str(tmp_path / "bad.toml") in str(err.value)


def test_cli_bad_file_exit_2_writes_nothing(tmp_path):
    bad = write(tmp_path / "bad.toml", SMALL_DESIGN.replace("steps = 3", "steps = 3\nstep = 4"))
    proc = ai_chain("experiment", str(bad), "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "experiment.step" in proc.stderr and "unknown key" in proc.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_shipped_designs_plan(tmp_path):
    """Every shipped design validates and plans; --dry-run of quick writes nothing."""
    designs = shipped_designs()
    assert {p.stem for p in designs} >= {"quick", "policy_comparison", "dose_response",
                                         "sensitivity"}
    for path in designs:
        design = load_design(path)
        specs = plan_runs(design)
        assert len(specs) == design.run_count > 0
        assert len({s.run_id for s in specs}) == len(specs), path
    proc = ai_chain("experiment", "quick", "--dry-run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "8 runs" in proc.stdout and "ETA" in proc.stdout
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ engines

@pytest.mark.slow
def test_engines_give_identical_frames(tmp_path, serial_small, dask_cluster):
    """Serial, process pool and a local Dask cluster write identical numbers."""
    design = load_design(write(tmp_path / "tiny.toml", SMALL_DESIGN))
    reference = sorted_frame(serial_small)
    assert len(reference) == 4 * 4 * 5  # runs x steps 0..3 x regions
    pool = execute(design, tmp_path / "pool", workers=2)
    assert pool.succeeded == 4
    pd.testing.assert_frame_equal(sorted_frame(tmp_path / "pool"), reference,
                                  check_exact=True)
    dask = execute(design, tmp_path / "dask", scheduler=dask_cluster)
    assert dask.succeeded == 4
    pd.testing.assert_frame_equal(sorted_frame(tmp_path / "dask"), reference,
                                  check_exact=True)


@pytest.mark.slow
def test_hash_seed_does_not_change_results(tmp_path, serial_small):
    """Different PYTHONHASHSEED values (CLI, pool and serial) give the reference numbers."""
    write(tmp_path / "tiny.toml", SMALL_DESIGN)
    reference = sorted_frame(serial_small)
    for seed, workers in (("1", "2"), ("4242", "1")):
        proc = ai_chain("experiment", "tiny.toml", "--out", f"h{seed}", "--workers", workers,
                        "--no-report", cwd=tmp_path, PYTHONHASHSEED=seed)
        assert proc.returncode == 0, proc.stderr
        pd.testing.assert_frame_equal(sorted_frame(tmp_path / f"h{seed}"), reference,
                                      check_exact=True)


# ------------------------------------------------------------------ resume and failures

@pytest.mark.slow
def test_kill_9_then_resume_complete_without_duplicates(tmp_path):
    """The CLI killed with SIGKILL (whole process group) mid-experiment resumes to the
    complete set, with no run duplicated even before deduplication, and writes the report
    once every run is done."""
    steps, reps = 6, 12
    write(tmp_path / "k.toml", SMALL_DESIGN.replace("steps = 3", f"steps = {steps}")
          .replace("replications = 2", f"replications = {reps}")
          + '\n[analysis]\nreferences = ["none"]\nhorizons = [2, 6]\n')
    cmd = [str(AI_CHAIN), "experiment", "k.toml", "--out", "out", "--workers", "2",
           "--flush-runs", "2", "--no-report"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=_env(), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs = tmp_path / "out" / "runs"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(runs.glob("part-*.parquet"))) < 2:
        assert proc.poll() is None, "finished before it could be killed"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    partial = status(tmp_path / "out")
    assert 0 < partial["done"] < 2 * reps, partial
    assert partial["missing"] == 2 * reps - partial["done"]
    again = ai_chain(*cmd[1:-1], cwd=tmp_path)  # the same command, with the report
    assert again.returncode == 0, again.stderr
    assert f"{partial['done']} already done" in again.stdout
    assert (tmp_path / "out" / "report" / "summary.md").is_file()
    files = [str(p) for p in sorted(runs.glob("part-*.parquet"))]
    raw = ds.dataset(files, format="parquet").to_table(
        columns=["run_id", "step", "region"]).to_pandas()
    counts = raw.groupby("run_id").size()
    manifest = pq.read_table(tmp_path / "out" / "manifest.parquet").to_pandas()
    assert set(counts.index) == set(manifest.run_id)
    assert (counts == (steps + 1) * 5).all()
    assert not raw.duplicated().any()
    st = ai_chain("status", "out", cwd=tmp_path)
    assert f"{2 * reps} planned, {2 * reps} done, 0 failed, 0 missing" in st.stdout


FAIL_DESIGN = """
[experiment]
name = "flaky"
model = "runner_hooks:noisy"
steps = 5
replications = 3
seed = 3

[sweep]
method = "grid"
[sweep.levers.drift]
values = [0.0, 1.0, 2.0]
"""


@pytest.mark.slow
def test_failure_recorded_others_complete_retry_reruns(tmp_path):
    write(tmp_path / "f.toml", FAIL_DESIGN)
    first = ai_chain("experiment", "f.toml", "--out", "out", "--workers", "2", cwd=tmp_path,
                     RUNNER_TEST_FAIL="1.0")
    assert first.returncode == 1, first.stderr
    out = tmp_path / "out"
    fails = pq.read_table(out / "failures.parquet").to_pandas()
    assert len(fails) == 3 and set(fails.replication) == {0, 1, 2}
    assert (fails.point == 1).all() and (fails.attempt == 1).all()
    assert fails.traceback.str.contains("deliberate failure at drift 1.0").all()
    assert fails.traceback.str.contains("runner_hooks.py").all()
    st = status(out)
    assert (st["done"], st["failed"], st["missing"]) == (6, 3, 0)
    again = ai_chain("experiment", "f.toml", "--out", "out", cwd=tmp_path)
    assert again.returncode == 1 and "use --retry-failed" in again.stdout
    assert status(out)["failed"] == 3
    retry = ai_chain("experiment", "f.toml", "--out", "out", "--retry-failed", cwd=tmp_path)
    assert retry.returncode == 0, retry.stderr + retry.stdout
    assert status(out) == {"planned": 9, "done": 9, "failed": 0, "missing": 0,
                           "failures": []}
    df = sorted_frame(out)
    assert len(df) == 9 * 6 * 2
    manifest = pq.read_table(out / "manifest.parquet").to_pandas()
    finals = df[(df.step == 5) & (df.region == "A")].merge(manifest, on="run_id")
    # the drift shows: mean final level rises with the lever
    means = finals.groupby("drift")["level"].mean()
    assert means[0.0] < means[1.0] < means[2.0]


def test_output_selection_final_rows_columns_regions_and_firms(tmp_path):
    """outputs = "final", columns, regions (+ the focus region) and firm rows every step."""
    design = load_design(write(tmp_path / "o.toml", f"""
[experiment]
scenario = "{SMALL}"
steps = 2
seed = 5
outputs = "final"
firm_data = "every"
columns = ["firms_total", "base_tech_share"]
regions = ["Beijing"]
"""))
    assert execute(design, tmp_path / "out", workers=1).succeeded == 1
    runs = read_runs(tmp_path / "out")
    assert runs.column_names == ["run_id", "step", "quarter", "region", "firms_total",
                                 "base_tech_share"]
    assert runs.column("region").to_pylist() == ["Beijing", "Shanxi"]
    assert runs.column("step").to_pylist() == [2, 2]
    assert runs.column("quarter").to_pylist() == ["2023Q3", "2023Q3"]
    firms = ds.dataset(str(tmp_path / "out" / "firms"), format="parquet").to_table()
    assert sorted(set(firms.column("step").to_pylist())) == [0, 1, 2]
    shanxi = firms.filter(pa_compute_equal(firms, "region", "Shanxi"))
    final = shanxi.filter(pa_compute_equal(shanxi, "step", 2)).num_rows
    assert final == runs.column("firms_total").to_pylist()[1]


def pa_compute_equal(table, column, value):
    import pyarrow.compute as pc

    return pc.equal(table.column(column), value)


def test_dead_worker_fails_its_runs_pool_restarts(tmp_path):
    """A worker process that dies fails the runs in flight; the pool is restarted, the
    other runs complete, and a retry completes the set."""
    marker = tmp_path / "crash"
    marker.touch()
    design = load_design(write(tmp_path / "c.toml", FAIL_DESIGN.replace(
        "runner_hooks:noisy", "runner_hooks:crashy")
        + f'[policies.base]\nmarker = "{marker}"\n'))
    summary = execute(design, tmp_path / "out", workers=2)
    assert summary.failed >= 1 and summary.succeeded + summary.failed == 9
    fails = pq.read_table(tmp_path / "out" / "failures.parquet").to_pandas()
    assert fails.error.str.contains("BrokenProcessPool").all()
    assert (fails.point == 1).any()
    marker.unlink()
    again = execute(design, tmp_path / "out", workers=2, retry_failed=True)
    assert again.failed == 0 and again.succeeded == summary.failed
    assert status(tmp_path / "out")["done"] == 9


def test_other_outputs_refused_on_resume(tmp_path, serial_small):
    design = load_design(write(tmp_path / "t.toml", SMALL_DESIGN.replace(
        'outputs = "every"', 'outputs = "final"')))
    with pytest.raises(BadInput, match="holds another experiment \\(outputs: 'every' -> 'final'"):
        execute(design, serial_small, workers=1)
    with pytest.raises(BadInput, match="outputs must stay the same \\(outputs: 'every' -> 'fin"):
        execute(design, serial_small, workers=1, extend=True)


# ------------------------------------------------------------------ sensitivity

@pytest.mark.slow
def test_sobol_on_ishigami_through_the_pipeline(tmp_path):
    """Sobol indices of the Ishigami function from results put back in sample order."""
    from SALib.analyze import sobol

    pi = math.pi
    levers = "".join(f"[sweep.levers.x{i}]\nlow = {-pi!r}\nhigh = {pi!r}\n" for i in (1, 2, 3))
    design = load_design(write(tmp_path / "ish.toml", f"""
[experiment]
model = "runner_hooks:ishigami"
steps = 1
seed = 1
[sweep]
method = "sobol"
samples = 512
{levers}"""))
    summary = execute(design, tmp_path / "out", workers=2, flush_runs=1000)
    assert summary.succeeded == 512 * 5
    manifest = pq.read_table(tmp_path / "out" / "manifest.parquet").to_pandas()
    res = read_runs(tmp_path / "out").to_pandas()[["run_id", "y"]]
    y = manifest.merge(res, on="run_id", how="left").sort_values("point")
    assert y.y.notna().all() and list(y.point) == list(range(512 * 5))
    si = sobol.analyze(design.sweep.problem, y.y.to_numpy(), calc_second_order=False,
                       seed=1)
    np.testing.assert_allclose(si["S1"], [0.314, 0.442, 0.0], atol=0.05)
    np.testing.assert_allclose(si["ST"], [0.558, 0.442, 0.244], atol=0.05)
