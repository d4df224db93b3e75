"""Reproducibility: same seed, same outputs; named random streams; seeds in every form.

Outputs compared are what a run writes: every region column at every step (the content
of ``model.parquet``), the firm table at the end (``firms.parquet``) and the Mesa
DataCollector's model variables.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from common import REPO, SMALL

from agents.instruments import INSTRUMENTS
from model.model import IndustryModel
from model.scenario import load_scenario

STEPS = 12
START = 8  # start of a delayed instrument


@dataclass
class Run:
    """The outputs of one run."""

    regions: list[dict[str, np.ndarray]]  # region columns at steps 0..steps
    firms: dict[str, np.ndarray]  # firm table at the end
    firms_at: dict[int, dict[str, np.ndarray]]  # firm tables at chosen steps
    collected: object  # DataCollector model variables (DataFrame)
    model: IndustryModel


def run(rng: object = 1, params: dict | None = None, steps: int = STEPS,
        preset: str | Path = SMALL, firms_at: tuple[int, ...] = ()) -> Run:
    model = IndustryModel(preset, params=params or {}, rng=rng)
    regions = [{k: np.array(v, copy=True) for k, v in model.region_rows.items()}]
    tables = {}
    for _ in range(steps):
        model.step()
        regions.append({k: np.array(v, copy=True) for k, v in model.region_rows.items()})
        if model.steps in firms_at:
            tables[model.steps] = model.firm_rows()
    return Run(regions, model.firm_rows(), tables,
               model.datacollector.get_model_vars_dataframe(), model)


def same_table(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(
        np.asarray(a[k]).shape == np.asarray(b[k]).shape and np.array_equal(a[k], b[k])
        for k in a)


def differing(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> list[str]:
    return sorted(k for k in a if not (np.asarray(a[k]).shape == np.asarray(b[k]).shape
                                       and np.array_equal(a[k], b[k])))


def assert_same_run(a: Run, b: Run, upto: int | None = None) -> None:
    """Region columns at every step (up to ``upto``) identical; firm tables identical."""
    steps = range(len(a.regions) if upto is None else upto + 1)
    assert len(a.regions) == len(b.regions)
    for t in steps:
        assert same_table(a.regions[t], b.regions[t]), (
            f"region columns differ at step {t}: {differing(a.regions[t], b.regions[t])}")
    if upto is None:
        assert same_table(a.firms, b.firms), f"firm columns differ: {differing(a.firms, b.firms)}"
        assert a.collected.equals(b.collected)


@pytest.fixture(scope="module")
def reference() -> Run:
    return run(rng=1, firms_at=(START - 1,))


@pytest.fixture(scope="module")
def packages() -> dict[str, dict[str, dict]]:
    return load_scenario(SMALL).packages


def region_without(inst: str, packages: dict[str, dict[str, dict]]) -> str:
    """Shanxi, unless its package already holds ``inst``; then the first region without it.

    Setting the budget of an instrument Shanxi already runs would change its policy, not
    add an instrument, so such instruments are added to another region instead.
    """
    if inst not in packages["Shanxi"]:
        return "Shanxi"
    return next(r for r, pkg in packages.items() if inst not in pkg)


# --- same seed, different seeds -----------------------------------------------------------
def test_same_seed_gives_identical_outputs(reference: Run) -> None:
    again = run(rng=1, firms_at=(START - 1,))
    assert_same_run(reference, again)
    assert same_table(reference.firms_at[START - 1], again.firms_at[START - 1])


def test_different_seeds_give_different_outputs(reference: Run) -> None:
    other = run(rng=2)
    assert differing(reference.regions[0], other.regions[0]), "step 0 does not use the seed"
    changed = differing(reference.regions[-1], other.regions[-1])
    assert {"ai_revenue", "innovations"} <= set(changed)
    assert not same_table(reference.firms, other.firms)


def test_seed_sequence_equals_int_seed(reference: Run) -> None:
    seq = run(rng=np.random.SeedSequence(1))
    assert_same_run(reference, seq)
    assert seq.model.seed_entropy == reference.model.seed_entropy == 1


def test_seed_sequence_7_equals_7() -> None:
    a, b = run(rng=7, steps=6), run(rng=np.random.SeedSequence(7), steps=6)
    assert_same_run(a, b)


def test_spawned_seed_sequence_is_a_different_stream() -> None:
    """A child SeedSequence (as a replication spawner hands out) is not its parent."""
    a = run(rng=7, steps=2)
    b = run(rng=np.random.SeedSequence(7).spawn(1)[0], steps=2)
    assert differing(a.regions[-1], b.regions[-1])


def test_fresh_entropy_is_recorded_and_replays() -> None:
    """``rng=None`` draws OS entropy; the recorded ``seed_entropy`` reproduces the run."""
    a = run(rng=None, steps=3)
    assert isinstance(a.model.seed_entropy, int) and a.model.seed_entropy > 2**64
    b = run(rng=a.model.seed_entropy, steps=3)
    assert_same_run(a, b)
    c = run(rng=None, steps=0)
    assert c.model.seed_entropy != a.model.seed_entropy


def test_negative_or_bool_seed_is_rejected() -> None:
    with pytest.raises(ValueError):
        IndustryModel(SMALL, rng=-1)
    with pytest.raises(TypeError):
        IndustryModel(SMALL, rng=True)


def test_generator_seed_is_reproducible() -> None:
    a = run(rng=np.random.default_rng(3), steps=3)
    b = run(rng=np.random.default_rng(3), steps=3)
    assert_same_run(a, b)


# --- instruments and named streams -----------------------------------------------------
@pytest.mark.parametrize("inst", list(INSTRUMENTS))
def test_adding_an_instrument_with_zero_budget_changes_nothing(
        inst: str, reference: Run, packages: dict) -> None:
    region = region_without(inst, packages)
    other = run(rng=1, params={f"policy.{region}.{inst}.budget": 0.0})
    agent = other.model.policies[other.model.region_names.index(region)]
    assert inst in [i.name for i in agent.instruments], "the instrument was not added"
    assert_same_run(reference, other)


UNFUNDED_IN_SHANXI = [i for i in INSTRUMENTS
                      if i not in load_scenario(SMALL).packages["Shanxi"]]
ADAPTIVE = {"policy.Shanxi.adaptive.enabled": True, "policy.Shanxi.adaptive.every": 2,
            "policy.Shanxi.adaptive.lag": 1, "policy.Shanxi.adaptive.step": 0.3}


@pytest.fixture(scope="module")
def adaptive_reference() -> Run:
    return run(rng=1, params=ADAPTIVE)


def test_adaptive_rule_moves_budget(adaptive_reference: Run, reference: Run) -> None:
    """The adaptive package differs from the static one (so the next test is not vacuous)."""
    agent = adaptive_reference.model.policies[adaptive_reference.model.region_names.index(
        "Shanxi")]
    assert any(i.annual_budget != i.settings["budget"] for i in agent.instruments)
    assert differing(reference.regions[-1], adaptive_reference.regions[-1])


@pytest.mark.parametrize("inst", UNFUNDED_IN_SHANXI)
def test_zero_budget_instrument_changes_nothing_under_adaptive_rule(
        inst: str, adaptive_reference: Run) -> None:
    other = run(rng=1, params={**ADAPTIVE, f"policy.Shanxi.{inst}.budget": 0.0})
    assert_same_run(adaptive_reference, other)


@pytest.mark.parametrize("inst", list(INSTRUMENTS))
def test_delayed_instrument_leaves_earlier_steps_identical(
        inst: str, reference: Run, packages: dict) -> None:
    region = region_without(inst, packages)
    other = run(rng=1, firms_at=(START - 1,), params={
        f"policy.{region}.{inst}.budget": 300.0, f"policy.{region}.{inst}.start": START})
    assert_same_run(reference, other, upto=START - 1)
    assert same_table(reference.firms_at[START - 1], other.firms_at[START - 1])
    i = other.model.region_names.index(region)
    spend = np.array([t[f"spend_{inst}"][i] for t in other.regions])
    assert (spend[:START] == 0).all()
    if inst != "recruitment":  # recruitment pays only when a courted branch opens
        assert spend[START:].sum() > 0, f"{inst} never spent after its start"
        assert any(differing(reference.regions[t], other.regions[t])
                   for t in range(START, STEPS + 1)), f"{inst} changed nothing after start"


# --- processes ---------------------------------------------------------------------------
DIGEST_SCRIPT = """
import hashlib, sys
import numpy as np
from model.model import IndustryModel

def feed(h, table):
    for key in sorted(table):
        col = np.asarray(table[key])
        h.update(key.encode())
        if col.dtype == object:
            h.update("\\x1f".join(map(str, col.tolist())).encode())
        else:
            h.update(str(col.dtype).encode())
            h.update(np.ascontiguousarray(col).tobytes())

def digest(preset, seed, steps):
    model = IndustryModel(preset, rng=seed)
    h = hashlib.sha256()
    feed(h, model.region_rows)
    for _ in range(steps):
        model.step()
        feed(h, model.region_rows)
    feed(h, model.firm_rows())
    return h.hexdigest()

if __name__ == "__main__":
    print(digest(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)
    env.update(extra)
    return env


@pytest.mark.slow
def test_outputs_do_not_depend_on_pythonhashseed(tmp_path: Path) -> None:
    script = tmp_path / "digest.py"
    script.write_text(DIGEST_SCRIPT, encoding="utf-8")
    digests = []
    for hashseed in ("0", "4242"):
        out = subprocess.run([sys.executable, str(script), str(SMALL), "11", "8"],
                             env=_env(PYTHONHASHSEED=hashseed), cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        digests.append(out.stdout.strip())
    namespace: dict = {}
    exec(compile(DIGEST_SCRIPT, "digest", "exec"), namespace)
    here = namespace["digest"](str(SMALL), 11, 8)
    assert len(digests[0]) == 64
    assert digests[0] == digests[1] == here
    assert namespace["digest"](str(SMALL), 12, 8) != here  # the digest sees the seed


BATCH_SCRIPT = """
import json
import mesa
from model.model import IndustryModel

if __name__ == "__main__":
    rows = mesa.batch_run(IndustryModel, parameters={}, rng=[1, 2], max_steps=4,
                          display_progress=False)
    again = mesa.batch_run(IndustryModel, parameters={}, rng=[1], max_steps=4,
                           display_progress=False)
    print(json.dumps({"rows": rows, "again": again}, default=repr))
"""


@pytest.mark.slow
def test_mesa_batch_run_works_and_is_reproducible(tmp_path: Path) -> None:
    """``mesa.batch_run`` (which forces the 'spawn' start method, so in a subprocess)."""
    script = tmp_path / "batch.py"
    script.write_text(BATCH_SCRIPT, encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], env=_env(), cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip().splitlines()[-1])
    rows, again = data["rows"], data["again"]
    assert [r["rng"] for r in rows] == [1, 2]
    assert all(r["Step"] == 4 for r in rows + again)
    reporters = ("focus_firms_total", "focus_base_tech_share", "focus_local_sourcing_base",
                 "focus_leading_firms", "focus_rank", "national_firms")
    for r in rows:
        assert set(reporters) <= set(r)
    same = {k: rows[0][k] for k in reporters}
    assert same == {k: again[0][k] for k in reporters}, "same rng gave different rows"
    assert same != {k: rows[1][k] for k in reporters}, "different rng gave the same rows"
    # the default preset is the 31-province baseline (about 11,000 firms)
    assert rows[0]["national_firms"] > 10_000
