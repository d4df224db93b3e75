"""The `ai-chain` command, run as users run it: the installed console script, in a
subprocess, from a temporary working directory (not the repository)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from common import AI_CHAIN, REPO

from agents.instruments import INSTRUMENTS, instrument_params
from experiments.run.tables import read_provenance
from model.reporters import FIRM_FIELDS, REGION_REPORTERS

N_REGIONS = 31

REGION_COLUMNS = [
    "step", "quarter", "region", "firms_base", "firms_tech", "firms_app", "firms_total",
    "base_tech_share", "chain_balance", "leading_firms", "chain_masters", "little_giants",
    "integrators", "integrator_project_share", "local_sourcing_base", "local_sourcing_tech",
    "talent_general", "talent_high_end", "talent_composite", "vacancies_general",
    "vacancies_high_end", "vacancies_composite", "vacancies_unfilled", "net_migration",
    "ai_revenue", "employment", "compute_utilization", "policy_spend", "entries", "exits",
    "branches_opened", "rank", "capability_base", "capability_tech", "capability_app",
    *(f"spend_{name}" for name in INSTRUMENTS),
]
FIRM_COLUMNS = [
    "step", "firm_id", "group_id", "region", "home_region", "layer", "segment", "employees",
    "revenue", "capability", "cash", "age", "leading", "chain_master", "little_giant",
    "integrator",
]


def ai_chain(*args: str, cwd: Path, env: dict | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the installed console script."""
    return subprocess.run([str(AI_CHAIN), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.fixture(scope="session")
def every_run(tmp_path_factory):
    """One 3-step run with firm rows at every step and figures, reused by many tests."""
    cwd = tmp_path_factory.mktemp("every")
    proc = ai_chain("run", "--steps", "3", "--seed", "7", "--firm-data", "every", "--plot",
                    "--out", "out/r1", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return cwd / "out" / "r1", proc


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    """A run with default seed, output folder and firm data."""
    cwd = tmp_path_factory.mktemp("default")
    proc = ai_chain("run", "--steps", "2", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return cwd, proc


@pytest.fixture(scope="session")
def model_table(every_run) -> pa.Table:
    return pq.read_table(every_run[0] / "model.parquet")


def test_help_answers_without_heavy_imports(tmp_path):
    proc = ai_chain("--help", cwd=tmp_path)
    assert proc.returncode == 0
    for command in ("run", "params", "docs"):
        assert command in proc.stdout
    code = ("import sys; from experiments.cli import main; rc = main(['run', '--help']); "
            "print([m for m in ('mesa', 'pandas', 'pyarrow', 'matplotlib') "
            "if m in sys.modules], rc)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert "--firm-data" in proc.stdout
    assert proc.stdout.strip().endswith("[] 0"), proc.stdout


@pytest.mark.slow
def test_model_parquet_one_row_per_step_and_region(model_table):
    cols = model_table.to_pydict()
    assert model_table.num_rows == 4 * N_REGIONS
    assert Counter(cols["step"]) == {s: N_REGIONS for s in range(4)}
    for step in range(4):
        regions = [r for r, s in zip(cols["region"], cols["step"], strict=True) if s == step]
        assert len(set(regions)) == N_REGIONS
    quarters = {s: q for s, q in zip(cols["step"], cols["quarter"], strict=True)}
    assert quarters == {0: "2023Q1", 1: "2023Q2", 2: "2023Q3", 3: "2023Q4"}


def test_model_parquet_columns_and_schema(model_table):
    names = model_table.schema.names
    missing = [c for c in REGION_COLUMNS if c not in names]
    assert not missing
    assert names == ["step", "quarter", "region", *REGION_REPORTERS]
    schema = model_table.schema
    assert schema.field("step").type == pa.int64()
    assert schema.field("quarter").type == pa.string()
    assert schema.field("region").type == pa.string()
    assert schema.field("firms_total").type == pa.float64()
    assert schema.field("policy_spend").metadata[b"unit"] == b"mRMB/quarter"


def test_shanxi_starts_with_50_firms(model_table):
    cols = model_table.to_pydict()
    rows = [i for i, (r, s) in enumerate(zip(cols["region"], cols["step"], strict=True))
            if r == "Shanxi" and s == 0]
    assert len(rows) == 1
    assert cols["firms_total"][rows[0]] == 50
    assert cols["rank"][rows[0]] == 20


def test_firms_parquet_every_step_matches_region_counts(every_run, model_table):
    firms = pq.read_table(every_run[0] / "firms.parquet")
    assert firms.schema.names == ["step", *FIRM_FIELDS]
    assert all(c in firms.schema.names for c in FIRM_COLUMNS)
    assert firms.schema.field("region").type == pa.string()
    assert firms.schema.field("leading").type == pa.bool_()
    f = firms.to_pydict()
    assert set(f["step"]) == {0, 1, 2, 3}
    counted = Counter(zip(f["step"], f["region"], strict=True))
    m = model_table.to_pydict()
    for step, region, total in zip(m["step"], m["region"], m["firms_total"], strict=True):
        assert counted[(step, region)] == total, (step, region)
    assert counted[(0, "Shanxi")] == 50


def test_metadata_records_provenance(every_run):
    out, _ = every_run
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["schema_version"] == 1
    assert meta["seed"] == 7 and meta["seed_entropy"] == 7 and meta["seed_drawn"] is False
    assert meta["steps"] == 3
    assert meta["focus_region"] == "Shanxi"
    assert meta["scenario"]["name"] == "baseline"
    assert meta["scenario"]["resolved"]["regions"]["Shanxi"]["firms"] == 50
    assert meta["scenario"]["resolved"]["time"]["steps"] == 3
    assert {"mesa", "numpy", "pandas", "pyarrow", "python"} <= set(meta["versions"])
    assert meta["versions"]["numpy"]
    assert "git" in meta
    assert meta["command"][:2] == ["ai-chain", "run"] and "--seed" in meta["command"]
    assert meta["timings"]["total_s"] > 0 and meta["timings"]["steps_s"] > 0
    assert meta["rows"]["model"] == 4 * N_REGIONS
    assert meta["files"]["firms"] == "firms.parquet"
    for name in ("model.parquet", "firms.parquet"):
        prov = read_provenance(out / name)
        assert prov["seed"] == 7 and prov["schema_version"] == 1
        assert prov["scenario"]["resolved"] == meta["scenario"]["resolved"]
        assert prov["timings"]["steps_s"] > 0


def test_plot_writes_pngs(every_run):
    out, _ = every_run
    meta = json.loads((out / "metadata.json").read_text())
    figures = meta["files"]["figures"]
    assert "figures/firms_by_layer.png" in figures and "figures/overview.png" in figures
    assert len(figures) >= 7
    for rel in figures:
        data = (out / rel).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_summary_and_progress_printed(every_run):
    _, proc = every_run
    assert "seed: 7" in proc.stdout
    assert re.search(r"^\s+0\s+2023Q1\s+50\s", proc.stdout, re.M), proc.stdout
    assert re.search(r"^\s+3\s+2023Q4\s", proc.stdout, re.M)
    assert "step 3/3" in proc.stderr


def test_no_temporary_folders_left(every_run):
    out, _ = every_run
    assert [p.name for p in out.parent.iterdir()] == [out.name]


def test_default_seed_out_and_firm_data(default_run):
    cwd, proc = default_run
    seed = int(re.search(r"^seed: (\d+)$", proc.stdout, re.M).group(1))
    out = cwd / "runs" / f"baseline-seed{seed}"
    assert sorted(p.name for p in (cwd / "runs").iterdir()) == [out.name]
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["seed"] == seed and meta["seed_drawn"] is True
    steps = pq.read_table(out / "firms.parquet", columns=["step"]).column("step").to_pylist()
    assert set(steps) == {2}
    assert not (out / "figures").exists()


@pytest.mark.slow
def test_firm_data_none_and_same_seed_same_results(tmp_path):
    tables = []
    for i, hashseed in enumerate(("0", "12345")):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        proc = ai_chain("run", "--steps", "2", "--seed", "11", "--firm-data", "none",
                        "--out", f"r{i}", cwd=tmp_path, env=env)
        assert proc.returncode == 0, proc.stderr
        assert sorted(p.name for p in (tmp_path / f"r{i}").iterdir()) == [
            "metadata.json", "model.parquet"]
        tables.append(pq.read_table(tmp_path / f"r{i}" / "model.parquet"))
    assert tables[0].equals(tables[1])


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return path.name


BAD_INPUTS = {
    "unknown key": (["--set", "innovation.zetta=0.5"],
                    ["--set", "innovation.zetta", "0.5", "unknown key", "innovation.zeta"]),
    "wrong type": (["--set", 'innovation.zeta="x"'],
                   ["--set", "innovation.zeta", "'x'", "expected a number in [0, 1000]"]),
    "out of range": (["--set", "market.markup=-1"],
                     ["--set", "market.markup", "-1", "out of range", "[0, 5]"]),
    "bad set syntax": (["--set", "market.markup"], ["--set", "market.markup", "KEY=VALUE"]),
    "malformed toml": (["FILE:bad.toml"], ["bad.toml", "malformed TOML"]),
    "missing file": (["missing.toml"], ["missing.toml", "file not found"]),
    "unknown preset": (["no_such_preset"], ["no_such_preset", "allowed:", "baseline"]),
    "unknown instrument": (["FILE:teleport.toml"],
                           ["teleport.toml", "policy.Shanxi.teleport.budget", "1",
                            "unknown instrument", "talent_training"]),
    "negative steps": (["--steps", "-1"], ["--steps", "-1", "[0, 400]"]),
    "negative seed": (["--seed", "-5"], ["--seed", "-5", "non-negative"]),
    "bad start quarter": (["FILE:quarter.toml"], ["quarter.toml", "start_quarter", "2023Q5"]),
}
FILES = {
    "bad.toml": "[meta]\nextends = \"baseline\"\n[market\nmarkup = 0.4\n",
    "teleport.toml": "[meta]\nextends = \"baseline\"\n[policy.Shanxi.teleport]\nbudget = 1\n",
    "quarter.toml": "[meta]\nextends = \"baseline\"\nstart_quarter = \"2023Q5\"\n",
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_and_writes_nothing(tmp_path, case):
    args, expected = BAD_INPUTS[case]
    args = [_write(tmp_path / a[5:], FILES[a[5:]]) if a.startswith("FILE:") else a
            for a in args]
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = ai_chain("run", *args, "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stderr.startswith("ai-chain: error: ")
    for text in expected:
        assert text in proc.stderr, (text, proc.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_out_folder_refused_unless_force(tmp_path):
    first = ai_chain("run", "--steps", "1", "--seed", "1", "--out", "r", "--firm-data", "none",
                     cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = ai_chain("run", "--steps", "1", "--seed", "2", "--out", "r", cwd=tmp_path)
    assert again.returncode == 2
    assert "--force" in again.stderr and "not empty" in again.stderr
    assert json.loads((tmp_path / "r" / "metadata.json").read_text())["seed"] == 1
    forced = ai_chain("run", "--steps", "1", "--seed", "2", "--out", "r", "--force",
                      cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert json.loads((tmp_path / "r" / "metadata.json").read_text())["seed"] == 2
    assert (tmp_path / "r" / "firms.parquet").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_force_never_deletes_a_folder_that_is_not_a_run(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "thesis.txt").write_text("keep me")
    proc = ai_chain("run", "--steps", "1", "--out", "notes", "--force", cwd=tmp_path)
    assert proc.returncode == 2
    assert "metadata.json" in proc.stderr
    assert (tmp_path / "notes" / "thesis.txt").read_text() == "keep me"


@pytest.mark.slow
def test_params_lists_name_type_value_unit_source(tmp_path):
    proc = ai_chain("params", "--filter", "policy.Shanxi.recruitment.", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    decl = {p.name: p for p in instrument_params("recruitment")}["cash_cap"]
    line = next(x for x in proc.stdout.splitlines()
                if x.startswith("policy.Shanxi.recruitment.cash_cap "))
    assert decl.unit in line and decl.source in line and "float" in line
    proc = ai_chain("params", "--filter", "policy.Shanxi.recruitment.", "--format", "csv",
                    cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [r["name"] for r in rows] == [f"policy.Shanxi.recruitment.{p.name}"
                                         for p in instrument_params("recruitment")]
    cash_cap = next(r for r in rows if r["name"].endswith(".cash_cap"))
    assert cash_cap["unit"] == decl.unit and cash_cap["allowed"] == "[0, 10000]"


def test_params_shows_the_scenario_value(tmp_path):
    proc = ai_chain("params", "--filter", "regions.Shanxi.firms", "--format", "csv",
                    cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [(r["name"], r["default"]) for r in rows] == [("regions.Shanxi.firms", "50")]


def test_committed_docs_are_up_to_date(tmp_path):
    proc = ai_chain("docs", "--out", "generated", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for name in ("outputs.md", "parameters.md"):
        fresh = (tmp_path / "generated" / name).read_text()
        committed = (REPO / "docs" / name).read_text()
        assert fresh == committed, f"docs/{name} is stale: run `ai-chain docs` and commit it"
    assert "policy.<region>.recruitment.cash_cap" in fresh
    assert "`local_sourcing_base`" in (tmp_path / "generated" / "outputs.md").read_text()


def test_interrupt_exits_130_and_leaves_nothing(tmp_path):
    proc = subprocess.Popen(
        [str(AI_CHAIN), "run", "--steps", "400", "--seed", "1", "--out", "big"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while not any(p.name.startswith(".big.tmp-") for p in tmp_path.iterdir()):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert list(tmp_path.iterdir()) == []


def test_shadowing_package_is_named(tmp_path):
    fake = tmp_path / "site"
    (fake / "agents").mkdir(parents=True)
    (fake / "agents" / "__init__.py").write_text("raise RuntimeError('must not run')\n")
    info = fake / "openai_agents-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: openai-agents\n"
                                   "Version: 0.1\n")
    (info / "top_level.txt").write_text("agents\n")
    env = {**os.environ, "PYTHONPATH": str(fake)}
    proc = ai_chain("params", cwd=tmp_path, env=env)
    assert proc.returncode == 2
    assert "package 'agents'" in proc.stderr and "openai-agents" in proc.stderr
    assert "must not run" not in proc.stderr


def test_profile_prints_every_phase_of_the_step(tmp_path):
    proc = ai_chain("run", str(REPO / "scenarios/small.toml"), "--steps", "3", "--seed", "1",
                    "--firm-data", "none", "--out", "p", "--profile", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    table = proc.stdout.split("time per phase of the step")[1]
    phases = ("policy", "talent supply", "migration", "plans", "labour market",
              "trade and accounts", "innovation", "links and roles", "exit",
              "entry and location", "reporters")
    for phase in phases:
        assert f"\n  {phase} " in table, phase
    meta = json.loads((tmp_path / "p" / "metadata.json").read_text())
    recorded = meta["timings"]["phases_s"]
    assert set(recorded) == set(phases) and all(v >= 0 for v in recorded.values())
    assert sum(recorded.values()) <= meta["timings"]["steps_s"] * 1.01 + 1e-3
