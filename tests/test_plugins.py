"""Plugins: outside code adds an instrument, an agent type and a reporter.

In-process tests register classes programmatically (inside ``isolated_registries`` so no
other test sees them). The CLI tests make the test package ``tests/data/plugin_pkg`` an
installed distribution the way pip would (a ``*.dist-info`` folder with its entry points,
on ``PYTHONPATH`` of the subprocess only; nothing is installed into the project's venv)
and run ``ai-chain run`` and ``ai-chain experiment`` on a scenario that names its
instrument and agent type.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from common import AI_CHAIN, REPO, SMALL

from agents.instruments import INSTRUMENTS
from agents.instruments.base import Instrument
from agents.plugin import AGENT_TYPES, PluginAgent
from experiments.validation.digests import write_dist_info
from model.model import IndustryModel
from model.params import Param
from model.plugins import (
    PluginError,
    isolated_registries,
    load_plugins,
    register_agent,
    register_instrument,
    register_reporter,
)
from model.reporters import REGION_REPORTERS
from model.scenario import ScenarioError, load_scenario

PLUGIN_SRC = REPO / "tests" / "data" / "plugin_pkg"


# --- in-process: programmatic registration ------------------------------------------
class Counter(PluginAgent):
    """Counts its steps; records the order of lifecycle calls."""

    name = "step_counter"
    PARAMS = (Param("increment", int, 1, "1", (0, 10), source="test", doc="Per step."),)

    def initialize(self) -> None:
        self.calls = ["initialize"]
        self.count = 0

    def step(self) -> None:
        # runs after the policy instruments of the same quarter (phase 1b)
        self.calls.append(("step", self.model.steps, float(self.model.spend.sum())))
        self.count += self.settings["increment"]

    def finalize(self) -> None:
        self.calls.append("finalize")


class FlatGrant(Instrument):
    """Pays one local firm a fixed grant per quarter."""

    name = "flat_grant"
    PARAMS = (Param("amount", float, 1.0, "mRMB", (0.0, 10.0), source="test", doc="Grant."),)

    def apply(self, model) -> None:
        if self.quarter_budget(model) > 0:
            rows = model.local_rows(self.region)[:1]
            model.grant(rows, np.full(rows.size, self.settings["amount"]), self.name,
                        self.region)


def counted(ctx) -> np.ndarray:
    out = np.zeros(ctx.n_r)
    for agent in ctx.model.plugin_agents:
        out[agent.region] += agent.count
    return out


def test_registered_agent_instrument_and_reporter_run_in_the_model():
    with isolated_registries():
        register_agent(Counter)
        register_instrument(FlatGrant)
        register_reporter("steps_counted", "steps", "Steps counted.")(counted)
        model = IndustryModel(SMALL, rng=3, params={
            "agents.step_counter.enabled": True, "agents.step_counter.regions": "Shanxi,Beijing",
            "agents.step_counter.increment": 2,
            "policy.Shanxi.flat_grant.budget": 8.0, "policy.Shanxi.flat_grant.amount": 1.5})
        assert [model.region_names[a.region] for a in model.plugin_agents] == [
            "Beijing", "Shanxi"]  # scenario region order
        for _ in range(3):
            model.step()
        model.finalize()
        rows = model.region_rows
        shanxi, beijing = model.region_names.index("Shanxi"), model.region_names.index("Beijing")
        assert rows["steps_counted"][shanxi] == rows["steps_counted"][beijing] == 6
        assert rows["steps_counted"].sum() == 12
        assert rows["spend_flat_grant"][shanxi] == 1.5
        assert rows["spend_flat_grant"].sum() == 1.5
        agent = model.plugin_agents[1]
        assert agent.calls[0] == "initialize" and agent.calls[-1] == "finalize"
        assert [c[1] for c in agent.calls[1:-1]] == [1, 2, 3]
        # phase 1b: the quarter's policy spending already happened when the agent steps
        assert all(c[2] > 0 for c in agent.calls[1:-1])
        assert list(REGION_REPORTERS)[-2:] == ["spend_flat_grant", "steps_counted"]
    assert "step_counter" not in AGENT_TYPES and "flat_grant" not in INSTRUMENTS
    assert "steps_counted" not in REGION_REPORTERS and "spend_flat_grant" not in REGION_REPORTERS


def test_a_disabled_agent_type_changes_nothing():
    plain = IndustryModel(SMALL, rng=5)
    with isolated_registries():
        register_agent(Counter)
        registered = IndustryModel(SMALL, rng=5)
        assert registered.plugin_agents == []
        for _ in range(3):
            plain.step()
            registered.step()
        for key, col in plain.region_rows.items():
            np.testing.assert_array_equal(col, registered.region_rows[key], err_msg=key)


def test_unknown_agent_type_and_bad_settings_are_scenario_errors():
    with pytest.raises(ScenarioError, match="unknown agent type; registered: none") as err:
        load_scenario(SMALL, {"agents.step_counter.enabled": True})
    assert err.value.key == "agents.step_counter.enabled"
    with isolated_registries():
        register_agent(Counter)
        with pytest.raises(ScenarioError, match="unknown key; did you mean "
                                                "agents.step_counter.increment"):
            load_scenario(SMALL, {"agents.step_counter.incremen": 2})
        with pytest.raises(ScenarioError, match=r"out of range: expected an integer in \[0, 10\]"):
            load_scenario(SMALL, {"agents.step_counter.increment": 11})
        with pytest.raises(ScenarioError, match="a comma list of regions of this scenario"):
            load_scenario(SMALL, {"agents.step_counter.regions": "Shanxi,Atlantis"})
        with pytest.raises(ScenarioError, match="unknown agent type; registered: step_counter"):
            load_scenario(SMALL, {"agents.vc.enabled": True})
    with pytest.raises(ScenarioError, match="unknown instrument; allowed: .*targeted_subsidy"):
        load_scenario(SMALL, {"policy.Shanxi.flat_grant.budget": 1.0})


def test_a_taken_name_is_refused():
    class Other(Instrument):
        name = "targeted_subsidy"

    class OtherColumn:
        pass

    with isolated_registries():
        with pytest.raises(ValueError, match="'targeted_subsidy' is already registered"):
            register_instrument(Other)
        with pytest.raises(ValueError, match="'firms_total' is already registered"):
            register_reporter("firms_total", "firms", "x")(counted)
        with pytest.raises(TypeError, match="not a subclass of agents.plugin.PluginAgent"):
            register_agent(OtherColumn)


def test_meta_focus_chooses_the_focus_region(tmp_path):
    path = tmp_path / "focus.toml"
    path.write_text(f'[meta]\nextends = "{SMALL}"\nfocus = "Beijing"\n')
    model = IndustryModel(path, rng=1)
    assert model.region_names[model.focus] == "Beijing"
    child = tmp_path / "child.toml"  # focus is inherited through extends
    child.write_text(f'[meta]\nextends = "{path}"\n')
    assert load_scenario(child).focus == "Beijing"
    assert load_scenario(SMALL).focus == "Shanxi"
    path.write_text(f'[meta]\nextends = "{SMALL}"\nfocus = "Atlantis"\n')
    with pytest.raises(ScenarioError, match="a region of this scenario: Beijing") as err:
        load_scenario(path)
    assert err.value.key == "meta.focus"


# --- the test plugin package, discovered through entry points ------------------------
def install_test_plugin(site: Path) -> dict[str, str]:
    """Make tests/data/plugin_pkg importable and discoverable (as pip would) in ``site``;
    return the environment for a subprocess."""
    write_dist_info(site)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(PLUGIN_SRC)])
    return env


PLUGIN_SCENARIO = f"""
[meta]
name = "with_plugins"
extends = "{SMALL}"

[policy.Shanxi.rd_voucher]
budget = 20.0
rate = 0.3

[agents.research_institute]
enabled = true
regions = "focus"
links = 4
"""


def ai_chain(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(AI_CHAIN), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory) -> dict[str, str]:
    return install_test_plugin(tmp_path_factory.mktemp("site"))


def test_load_plugins_registers_entry_points_in_a_fresh_process(plugin_env, tmp_path):
    code = ("from model.plugins import load_plugins\n"
            "from agents.instruments import INSTRUMENTS\n"
            "from agents.plugin import AGENT_TYPES\n"
            "from model.reporters import REGION_REPORTERS\n"
            "assert 'rd_voucher' not in INSTRUMENTS  # never on import\n"
            "loaded = load_plugins()\n"
            "print(sorted((p.group, p.name, p.distribution) for p in loaded))\n"
            "print(list(INSTRUMENTS)[-1], list(AGENT_TYPES), list(REGION_REPORTERS)[-2:])\n")
    proc = subprocess.run([sys.executable, "-c", code], env=plugin_env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.splitlines()
    assert first == ("[('ai_chain.agents', 'research_institute', 'ai-chain-demo-plugin'), "
                     "('ai_chain.instruments', 'rd_voucher', 'ai-chain-demo-plugin'), "
                     "('ai_chain.reporters', 'institute_links', 'ai-chain-demo-plugin')]")
    # the reporter registers itself when the module is imported (by the first entry point)
    assert second == ("rd_voucher ['research_institute'] "
                      "['institute_links', 'spend_rd_voucher']")


@pytest.mark.slow
def test_ai_chain_run_with_an_installed_plugin(plugin_env, tmp_path):
    scenario = tmp_path / "with_plugins.toml"
    scenario.write_text(PLUGIN_SCENARIO)
    proc = ai_chain("run", str(scenario), "--steps", "3", "--seed", "2", "--out", "out",
                    cwd=tmp_path, env=plugin_env)
    assert proc.returncode == 0, proc.stderr
    table = pq.read_table(tmp_path / "out" / "model.parquet").to_pydict()
    shanxi = [i for i, r in enumerate(table["region"]) if r == "Shanxi"]
    later = [i for i in shanxi if table["step"][i] > 0]
    assert all(table["spend_rd_voucher"][i] > 0 for i in later)
    assert all(table["institute_links"][i] > 0 for i in later)
    others = [i for i, r in enumerate(table["region"]) if r != "Shanxi"]
    assert all(table["spend_rd_voucher"][i] == 0 for i in others)
    assert all(table["institute_links"][i] == 0 for i in others)
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text())
    assert meta["scenario"]["resolved"]["policy"]["Shanxi"]["rd_voucher"]["budget"] == 20.0
    voucher = next(p for p in meta["plugins"] if p["name"] == "rd_voucher")
    assert {k: v for k, v in voucher.items() if k != "hash"} == {
        "group": "ai_chain.instruments", "name": "rd_voucher",
        "value": "ai_chain_demo_plugin:RDVoucher", "distribution": "ai-chain-demo-plugin",
        "version": "0.1.0"}
    assert len(voucher["hash"]) == 64 and meta["code"]["plugins"] == meta["plugins"]

    # without the plugin the same scenario is bad input naming the key: exit 2
    bare = {k: v for k, v in plugin_env.items() if k != "PYTHONPATH"}
    proc = ai_chain("run", str(scenario), "--steps", "1", "--out", "out2", cwd=tmp_path,
                    env=bare)
    assert proc.returncode == 2, proc.stderr
    assert "policy.Shanxi.rd_voucher.budget = 20.0: unknown instrument" in proc.stderr
    assert not (tmp_path / "out2").exists()


def test_ai_chain_params_lists_plugin_parameters(plugin_env, tmp_path):
    proc = ai_chain("params", str(SMALL), "--format", "csv", cwd=tmp_path, env=plugin_env)
    assert proc.returncode == 0, proc.stderr
    rows = {line.split(",")[0]: line for line in proc.stdout.splitlines()[1:]}
    assert [n for n in rows if n.startswith("agents.")] == [
        "agents.research_institute.enabled", "agents.research_institute.regions",
        "agents.research_institute.links"]
    assert "test plugin" in rows["policy.Shanxi.rd_voucher.rate"]  # its declared source


def test_a_broken_plugin_is_bad_input(plugin_env, tmp_path):
    site = Path(plugin_env["PYTHONPATH"].split(os.pathsep)[0])
    info = next(site.glob("*.dist-info"))
    text = (info / "entry_points.txt").read_text()
    broken = tmp_path / "site"
    (broken / info.name).mkdir(parents=True)
    (broken / info.name / "METADATA").write_text((info / "METADATA").read_text())
    (broken / info.name / "entry_points.txt").write_text(
        text.replace("ai_chain_demo_plugin:RDVoucher", "ai_chain_demo_plugin:NoSuchClass"))
    env = dict(plugin_env, PYTHONPATH=os.pathsep.join([str(broken), str(PLUGIN_SRC)]))
    proc = ai_chain("params", "--filter", "time.", cwd=tmp_path, env=env)
    assert proc.returncode == 2
    assert "entry point rd_voucher = 'ai_chain_demo_plugin:NoSuchClass'" in proc.stderr
    assert "ai-chain-demo-plugin" in proc.stderr


def test_load_plugins_rejects_a_bad_module():
    with pytest.raises(PluginError, match="plugin module 'no_such_module_xyz'"):
        load_plugins(["no_such_module_xyz"], kinds=())


DESIGN = """
[experiment]
name = "plugins"
scenario = "with_plugins.toml"
steps = 2
replications = 2
seed = 7
{plugins}

[policies.none]
"policy.Shanxi.rd_voucher.budget" = 0.0
"agents.research_institute.enabled" = false

[policies.plugins]
"""


def run_experiment(folder: Path, env: dict, plugins: str,
                   engine: tuple[str, ...] = ("--workers", "2")) -> dict[str, list]:
    """Run the two-policy design (default: 2 worker processes); return Shanxi's rows."""
    folder.mkdir()
    (folder / "with_plugins.toml").write_text(PLUGIN_SCENARIO)
    (folder / "design.toml").write_text(DESIGN.format(plugins=plugins))
    proc = ai_chain("experiment", "design.toml", "--out", "out", *engine, cwd=folder, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = pq.read_table(folder / "out" / "manifest.parquet").to_pydict()
    policy = dict(zip(manifest["run_id"], manifest["policy"], strict=True))
    rep = dict(zip(manifest["run_id"], manifest["replication"], strict=True))
    rows = pq.ParquetDataset(folder / "out" / "runs").read().to_pylist()
    rows = [r for r in rows if r["region"] == "Shanxi"]
    rows.sort(key=lambda r: (policy[r["run_id"]], rep[r["run_id"]], r["step"]))
    return {"policy": [policy[r["run_id"]] for r in rows],
            "replication": [rep[r["run_id"]] for r in rows],
            **{k: [r[k] for r in rows] for k in ("run_id", "step", "firms_total",
                                                 "spend_rd_voucher", "institute_links")}}


@pytest.mark.slow
def test_ai_chain_experiment_with_plugins_in_pool_and_dask_workers(plugin_env, tmp_path):
    # (a) the installed plugin (entry points), loaded by every worker process
    installed = run_experiment(tmp_path / "installed", plugin_env, "")
    # (b) no installed plugin: the experiment names a module that registers the classes
    bare = dict(plugin_env, PYTHONPATH=str(PLUGIN_SRC))
    named = run_experiment(tmp_path / "named", bare,
                           'plugins = ["ai_chain_demo_plugin.registered"]')
    for res in (installed, named):
        assert len(res["step"]) == 2 * 2 * 3  # policies x replications x steps 0..2
        for pol, step, spend, links in zip(res["policy"], res["step"],
                                           res["spend_rd_voucher"], res["institute_links"],
                                           strict=True):
            active = pol == "plugins" and step > 0
            assert (spend > 0) == active and (links > 0) == active, (pol, step)
    # same runs, same numbers, however the plugin was loaded; the run ids differ, since
    # they know which code was loaded (entry points and their distribution's files, or the
    # named module's file: experiments/run/codeid.py)
    assert {k: v for k, v in installed.items() if k != "run_id"} == \
        {k: v for k, v in named.items() if k != "run_id"}
    assert set(installed["run_id"]).isdisjoint(named["run_id"])
    # (c) a Dask cluster's worker processes load the installed plugin too
    assert run_on_dask(tmp_path, plugin_env) == installed


def run_on_dask(tmp_path: Path, env: dict) -> dict[str, list]:
    """The design on a local Dask cluster started (in its own process) with ``env``."""
    code = ("import time\n"
            "from distributed import LocalCluster\n"
            "c = LocalCluster(n_workers=1, threads_per_worker=1, processes=True,\n"
            "                 host='127.0.0.1', dashboard_address=None)\n"
            "print(c.scheduler_address, flush=True)\n"
            "time.sleep(300)\n")
    cluster = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               start_new_session=True)
    try:
        address = cluster.stdout.readline().strip()
        assert address.startswith("tcp://127.0.0.1:"), address
        return run_experiment(tmp_path / "dask", env, "", ("--scheduler", address))
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        cluster.wait(timeout=60)
