"""An experiment folder belongs to one experiment, made by one code with one kind of numbers.

Resume is refused when the plugin or hook code changed (version or files), when this
process's numerical fingerprint differs from the folder's, and when another design points at
the folder; ``--extend`` adds runs keeping the finished ones, ``--replace`` starts anew.
Workers whose fingerprint differs are refused: a local pool's with exit 2, a Dask worker
by name while the others take its runs.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from experiments.batch.design import load_design
from experiments.batch.manifest import plan_runs
from experiments.batch.runner import execute
from experiments.batch.store import done_run_ids, read_runs
from experiments.cli import main
from experiments.errors import BadInput
from experiments.validation.digests import write_dist_info
from model import fingerprint

# Defined here rather than imported from tests/common.py: Dask workers import this module
# to unpickle its functions (client.run), and tests/ is not on their sys.path.
REPO = Path(__file__).resolve().parent.parent
AI_CHAIN = Path(sys.executable).parent / "ai-chain"
PLUGIN_SRC = REPO / "tests" / "data" / "plugin_pkg"

DESIGN = """
[experiment]
name = "ident"
scenario = "small"
steps = 2
replications = {reps}
seed = {seed}
{extra}

[policies.none]
"policy.Shanxi.recruitment.budget" = 0.0
"""


def design_file(folder: Path, reps: int = 2, seed: int = 5, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "design.toml"
    path.write_text(DESIGN.format(reps=reps, seed=seed, extra=extra), encoding="utf-8")
    return path


def run(*args: str) -> int:
    return main(["experiment", *map(str, args), "--workers", "1", "--no-report"])


# ------------------------------------------------------------------ one design per folder

def test_another_design_is_refused_and_nothing_is_overwritten(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(design_file(tmp_path / "a"), "--out", out) == 0
    before = {p.name: p.read_bytes() for p in (out / "experiment.json",
                                               out / "manifest.parquet")}
    capsys.readouterr()
    assert run(design_file(tmp_path / "b", seed=6), "--out", out) == 2
    err = capsys.readouterr().err
    assert "holds another experiment" in err and "seed: 5 -> 6" in err
    assert "--extend" in err and "--replace" in err
    assert {p.name: p.read_bytes() for p in (out / "experiment.json",
                                             out / "manifest.parquet")} == before
    # --extend cannot keep runs whose ids the new design no longer plans (another seed)
    assert run(design_file(tmp_path / "b", seed=6), "--out", out, "--extend") == 2
    assert "only adds runs" in capsys.readouterr().err


def test_extend_keeps_finished_runs_and_adds_the_rest(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(design_file(tmp_path / "a", reps=2), "--out", out) == 0
    first = done_run_ids(out)
    assert len(first) == 2
    assert run(design_file(tmp_path / "b", reps=3), "--out", out) == 2  # not without a flag
    capsys.readouterr()
    assert run(design_file(tmp_path / "b", reps=3), "--out", out, "--extend") == 0
    printed = capsys.readouterr().out
    assert "3 planned, 2 already done, 1 ran now" in printed
    assert first < done_run_ids(out) and len(done_run_ids(out)) == 3
    assert json.loads((out / "experiment.json").read_text())["replications"] == 3
    assert pq.read_table(out / "manifest.parquet").num_rows == 3


def test_replace_discards_the_old_experiment(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(design_file(tmp_path / "a"), "--out", out) == 0
    old = done_run_ids(out)
    capsys.readouterr()
    assert run(design_file(tmp_path / "b", seed=6), "--out", out, "--replace") == 0
    assert "2 planned, 0 already done, 2 ran now" in capsys.readouterr().out
    assert not old & done_run_ids(out) and len(done_run_ids(out)) == 2
    assert set(read_runs(out).column("run_id").to_pylist()) == done_run_ids(out)


# ------------------------------------------------------------------ numbers of another machine

def test_resume_with_another_fingerprint_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    file = design_file(tmp_path / "a")
    assert run(file, "--out", out) == 0
    meta = json.loads((out / "experiment.json").read_text())
    assert meta["fingerprint"]["digest"] == fingerprint.fingerprint()
    assert meta["numerics"]["pinned"] == meta["fingerprint"]["pinned"]
    meta["fingerprint"]["digest"] = "0" * 64  # as if made on a machine with other kernels
    (out / "experiment.json").write_text(json.dumps(meta))
    capsys.readouterr()
    assert run(file, "--out", out) == 2
    err = capsys.readouterr().err
    assert "computes other numbers" in err and "0000000000000000" in err


def test_a_pool_worker_with_another_fingerprint_stops_the_experiment(tmp_path, monkeypatch,
                                                                     capsys):
    """Pool workers share this process's environment: a mismatch is a set-up error."""
    monkeypatch.setitem(fingerprint._cache, "digest", "f" * 64)  # the planning process's
    out = tmp_path / "out"
    code = main(["experiment", str(design_file(tmp_path / "a")), "--out", str(out),
                 "--workers", "2", "--no-report"])
    assert code == 2
    err = capsys.readouterr().err
    assert "refused to run" in err and "differs from the experiment's ffffffffffffffff" in err
    assert done_run_ids(out) == set()


@pytest.mark.slow
def test_dask_workers_with_another_fingerprint_are_refused_by_name(tmp_path):
    from distributed import Client, LocalCluster

    design = load_design(design_file(tmp_path / "a", reps=4))
    reference = execute(design, tmp_path / "serial", workers=1)
    assert reference.succeeded == 4
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        bad, good = sorted(client.scheduler_info()["workers"])
        client.run(_poison, workers=[bad])
        stream = io.StringIO()
        summary = execute(design, tmp_path / "dask", scheduler=cluster.scheduler_address,
                          progress_stream=stream)
        said = stream.getvalue()
        assert f"dask worker {bad} refused: numerical fingerprint" in said
        assert good not in said
        assert summary.succeeded == 4 and summary.failed == 0
        assert read_runs(tmp_path / "dask").sort_by("run_id").equals(
            read_runs(tmp_path / "serial").sort_by("run_id"))
        client.run(_poison, workers=[good])
        with pytest.raises(BadInput, match="no Dask worker may run this experiment"):
            execute(design, tmp_path / "dask2", scheduler=cluster.scheduler_address,
                    progress_stream=io.StringIO())


def _poison() -> None:
    from model import fingerprint as fp

    fp._cache["digest"] = "0" * 64  # as if this worker's CPU computed other numbers


# ------------------------------------------------------------------ code that changed

def _site_with_plugin(tmp_path: Path, version: str = "0.1.0") -> dict[str, str]:
    """A copy of the test plugin package discoverable through its entry points."""
    src = tmp_path / "src"
    if not src.exists():
        shutil.copytree(PLUGIN_SRC, src)
    site = tmp_path / "site"
    shutil.rmtree(site, ignore_errors=True)
    write_dist_info(site, src, version)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(src)])
    return env


def _cli(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(AI_CHAIN), "experiment", "design.toml", "--out", "out",
                           "--workers", "1", "--no-report", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_changed_plugin_code_means_new_runs_never_reused_results(tmp_path):
    design_file(tmp_path)
    env = _site_with_plugin(tmp_path)
    proc = _cli(tmp_path, env)
    assert proc.returncode == 0, proc.stderr
    meta = json.loads((tmp_path / "out" / "experiment.json").read_text())
    plugins = {p["name"]: p for p in meta["code"]["plugins"]}
    assert set(plugins) == {"rd_voucher", "research_institute", "institute_links"}
    assert {p["version"] for p in plugins.values()} == {"0.1.0"}
    assert all(len(p["hash"]) == 64 for p in plugins.values())
    ids = done_run_ids(tmp_path / "out")
    assert _cli(tmp_path, env).stdout.count("2 already done, 0 ran now") == 1  # same code

    # the plugin's files change (same version): refused, naming the plugin and why
    init = tmp_path / "src" / "ai_chain_demo_plugin" / "__init__.py"
    init.write_text(init.read_text() + "\n# a changed line\n")
    proc = _cli(tmp_path, env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "runs were made by other code" in proc.stderr
    assert "plugin rd_voucher (ai_chain.instruments) of ai-chain-demo-plugin: files changed" \
        in proc.stderr
    assert "--replace" in proc.stderr

    # a new version: refused too; the run ids themselves know the code
    env2 = _site_with_plugin(tmp_path, version="0.2.0")
    proc = _cli(tmp_path, env2)
    assert proc.returncode == 2 and "version 0.1.0 -> 0.2.0" in proc.stderr
    proc = _cli(tmp_path, env2, "--replace")
    assert proc.returncode == 0, proc.stderr
    assert "2 planned, 0 already done, 2 ran now" in proc.stdout
    assert not ids & done_run_ids(tmp_path / "out")


def test_run_ids_know_the_hook_module(tmp_path, monkeypatch):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    module = hooks / "ident_hook.py"
    module.write_text("def run(overrides, seed, steps):\n"
                      "    return {'step': [0], 'region': ['x'], 'y': [1.0]}\n")
    monkeypatch.syspath_prepend(str(hooks))
    file = design_file(tmp_path / "a", extra='model = "ident_hook:run"\nfirm_data = false')
    first = [s.run_id for s in plan_runs(load_design(file))]
    assert [s.run_id for s in plan_runs(load_design(file))] == first
    module.write_text(module.read_text() + "# changed\n")
    assert set(s.run_id for s in plan_runs(load_design(file))).isdisjoint(first)


def test_run_ids_without_outside_code_depend_on_the_model_version_alone(tmp_path):
    from experiments.run.codeid import code_digest, code_identity

    assert code_digest(code_identity()) == ""  # no plugins loaded in this process
    assert plan_runs(load_design(design_file(tmp_path)))[0].fingerprint == \
        fingerprint.fingerprint()
