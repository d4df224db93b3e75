"""Every runnable example in examples/ runs, as users run it (a subprocess from a temporary
folder), at the small size (``--small``: the 5-region test scenario, a few quarters).

Each example asserts its own results (the grant is paid, the fund invests, batch_run
returns one row per run, the EMA design has finite outcomes); here we check the exit code
and the lines that show the feature worked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from common import AI_CHAIN, REPO

EXAMPLES = REPO / "examples"


def run_example(name: str, cwd: Path, timeout: float = 120) -> str:
    proc = subprocess.run([sys.executable, str(EXAMPLES / name), "--small"], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_every_example_is_tested():
    tested = {"custom_instrument.py", "custom_agent.py", "batch_run.py", "ema_workbench.py",
              "other_region.toml"}
    assert {p.name for p in EXAMPLES.iterdir() if p.suffix in (".py", ".toml")} == tested


def test_custom_instrument(tmp_path):
    out = run_example("custom_instrument.py", tmp_path)
    assert "unknown key; did you mean policy.Shanxi.startup_grant.max_age" in out
    assert "grants paid" in out
    assert "total_spend_startup_grant" in out


def test_custom_agent(tmp_path):
    out = run_example("custom_agent.py", tmp_path)
    assert "venture_capital in Shanxi: invested" in out
    assert "total_vc_invested" in out


@pytest.mark.slow
def test_batch_run(tmp_path):
    # batch_run sets the "spawn" start method for the whole process: never in pytest's
    out = run_example("batch_run.py", tmp_path)
    assert "mean over seeds and agglomeration values, by targeted-subsidy budget" in out


@pytest.mark.slow
def test_ema_workbench(tmp_path):
    out = run_example("ema_workbench.py", tmp_path)
    assert "20 experiments x 2 seeds" in out
    assert "feature scores" in out and "PRIM:" in out


def test_other_region_by_scenario_file(tmp_path):
    proc = subprocess.run([str(AI_CHAIN), "run", str(EXAMPLES / "other_region.toml"),
                           "--steps", "2", "--seed", "3", "--out", "henan",
                           "--firm-data", "none"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Henan's AI chain" in proc.stdout
    meta = json.loads((tmp_path / "henan" / "metadata.json").read_text())
    assert meta["focus_region"] == "Henan"
    table = pq.read_table(tmp_path / "henan" / "model.parquet").to_pydict()
    henan = [i for i, r in enumerate(table["region"]) if r == "Henan"]
    spend = {n: [table[n][i] for i in henan if table["step"][i] > 0]
             for n in ("spend_compute_service", "spend_targeted_subsidy",
                       "spend_talent_training", "spend_universal_subsidy")}
    assert all(v and all(x > 0 for x in v) for v in spend.values()), spend
