"""Validation: the statistics on synthetic data with known answers, and `ai-chain validate`
end to end at a CI size (full baseline, fixed seeds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from common import REPO

from experiments.validation import distributions as dist


# ------------------------------------------------------------------ statistics
def test_vuong_prefers_laplace_on_laplace_samples():
    rng = np.random.default_rng(1)
    g = rng.laplace(0.0, 0.2, 5000)
    sh = dist.growth_shape(g)
    assert sh.laplace_vs_gauss.z > 3
    assert sh.laplace_vs_gauss.favours == "Laplace"
    assert sh.subbotin_vs_gauss.p < 1e-3
    assert 0.85 < sh.b < 1.15


def test_gaussian_samples_are_not_beaten_by_laplace():
    rng = np.random.default_rng(2)
    g = rng.normal(0.0, 0.3, 5000)
    sh = dist.growth_shape(g)
    assert sh.laplace_vs_gauss.z < 0  # the Gaussian fits better
    assert sh.laplace_vs_gauss.favours == "Gaussian"
    assert sh.subbotin_vs_gauss.p > 0.01  # b = 2 not rejected
    assert 1.7 < sh.b < 2.3


def test_vuong_of_identical_models_is_zero():
    ll = np.log(np.linspace(0.1, 1, 100))
    c = dist.vuong(ll, ll)
    assert c.z == 0 and c.p == 1.0


def test_lognormal_sizes_beat_exponential_and_pareto_tail_is_found():
    rng = np.random.default_rng(3)
    x = rng.lognormal(2.0, 1.0, 20000)
    s = dist.size_shape(x)
    assert s.lognormal_vs_exponential.z > 3 and s.lognormal_vs_gamma.z > 3
    assert abs(s.skew_logs) < 0.1 and s.skew_levels > 1
    pareto = (rng.pareto(1.5, 20000) + 1) * 10.0  # tail index 1.5
    assert dist.hill(pareto, 1000) == pytest.approx(1.5, rel=0.1)
    assert dist.tail_comparison(pareto, np.quantile(pareto, 0.95)).z > 3
    expo = rng.exponential(5.0, 20000)
    assert dist.tail_comparison(expo, np.quantile(expo, 0.95)).z < 0


def test_volatility_scaling_recovers_known_beta():
    rng = np.random.default_rng(4)
    size = rng.lognormal(1.0, 1.5, 20000)
    g = rng.normal(0, 1, size.size) * 0.5 * size ** -0.2
    sc = dist.volatility_scaling(g, size, boot=50)
    assert sc.beta == pytest.approx(0.2, abs=0.02)
    assert sc.ci[0] < 0.2 < sc.ci[1]
    flat = dist.volatility_scaling(rng.normal(0, 1, size.size), size, boot=50)
    assert abs(flat.beta) < 0.03


def test_gibrat_slope_recovered():
    rng = np.random.default_rng(5)
    size = rng.lognormal(1.0, 1.0, 10000)
    g = 0.1 - 0.05 * np.log(size) + rng.normal(0, 0.2, size.size)
    gb = dist.gibrat(g, size)
    assert gb.slope == pytest.approx(-0.05, abs=3 * gb.se)
    assert gb.se < 0.005


def test_exit_age_lr_detects_and_accepts():
    rng = np.random.default_rng(6)
    cls = rng.integers(0, 4, 20000)
    same = rng.random(cls.size) < 0.1
    assert dist.exit_age_lr(cls, same)[1] > 0.001
    varying = rng.random(cls.size) < np.array([0.05, 0.2, 0.1, 0.02])[cls]
    g, p, rates = dist.exit_age_lr(cls, varying)
    assert p < 1e-10 and rates.argmax() == 1


def _synthetic_run(shock, n: int = 4000, years: int = 4, seed: int = 7):
    """A EnsembleRun whose firms' revenues evolve by the given annual log shocks."""
    from experiments.validation.ensemble import EnsembleRun

    rng = np.random.default_rng(seed)
    rev = rng.lognormal(1.0, 1.2, n)
    panels = {}
    for y in range(years + 1):
        panels[4 * y] = {"firm_id": np.arange(n), "revenue": rev.copy(),
                         "employees": np.maximum(rev * 10, 1.0), "age": np.full(n, 8 + 4 * y),
                         "capability": rev.copy()}
        rev = rev * np.exp(shock(rng, n) * rev ** -0.2)
    return EnsembleRun(0, ["A"], np.array([False]), 0, {}, panels)


def test_growth_fact_fails_for_gaussian_shocks_and_passes_for_laplace():
    from experiments.validation.facts import growth_facts

    gauss = _synthetic_run(lambda rng, n: rng.normal(0, 0.3, n))
    lap = _synthetic_run(lambda rng, n: rng.laplace(0, 0.2, n))
    f_gauss = {f.key: f for f in growth_facts([gauss], boot=20)}
    f_lap = {f.key: f for f in growth_facts([lap], boot=20)}
    # scale-mixed Gaussian shocks (volatility ∝ size^-0.2) are mildly fat-tailed but not a tent
    assert f_gauss["growth_tent"].passed is False
    assert f_lap["growth_tent"].passed is True
    assert f_lap["volatility_scaling"].passed is True
    assert f_lap["gibrat"].passed is None


def test_report_marks_failures(tmp_path):
    from experiments.validation import report
    from experiments.validation.facts import Fact

    facts = [Fact("a", "g", "A holds", "s", "1", "> 0", True, "r"),
             Fact("b", "g", "B holds", "s", "-1", "> 0", False, "r"),
             Fact("c", "g", "C", "s", "x", "reported", None, "r")]
    text = report.render(facts, {"scenario": "x", "seeds": 2, "seed": 1, "steps": 8,
                                 "burn_in": 0}, [])
    assert "**1 passed, 1 failed, 1 reported.**" in text
    assert "| B holds (`b`) | **FAIL** |" in text


# ------------------------------------------------------------------ end to end
SEEDS, STEPS, BURN_IN = 3, 40, 16


@pytest.fixture(scope="module")
def validation_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("validation")
    out = base / "out"
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.cli", "validate", "--out", str(out),
         "--seeds", str(SEEDS), "--steps", str(STEPS), "--burn-in", str(BURN_IN),
         "--seed", "1", "--boot", "50", "--policy-design", "policy_response_quick",
         "--policy-response", str(base / "policy_response_quick"), "--workers", "2"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    return proc, out


#: Facts the model of version 6 fails at this size (3 seeds x 40 quarters, base seed 1),
#: reported as FAIL and explained in docs/validation.md §1.3: with the calibrated demography
#: the lognormal no longer beats the gamma decisively in every panel of employees; exit at
#: ages 3-7 follows entry only weakly across regions (rho about 0.15-0.2, below the 0.2 of
#: the criterion); in one seed Shanxi's application share falls below the national share in
#: some years. The test pins the set: a new failure, or a fix, fails it until this list and
#: §1.3 are updated.
KNOWN_FAILURES = {"size_lognormal_body", "entry_exit_correlated", "shanxi_application_heavy"}


@pytest.mark.slow
def test_validate_lists_every_fact_and_fails_only_the_known_ones(validation_run):
    proc, out = validation_run
    assert proc.returncode == 1, proc.stdout + proc.stderr  # validate exits 1 on a failure
    report = (out / "report.md").read_text(encoding="utf-8")
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    keys = [f["key"] for f in results["facts"]]
    expected = {"size_skewed", "size_lognormal_body", "size_heavy_tail", "growth_tent",
                "volatility_scaling", "gibrat", "entry_exit_every_year",
                "entry_exit_correlated", "exit_risk_varies", "growth", "exit_age",
                "exit_peak", "young_share", "cap_rho5", "little_giants",
                "shanxi_integrators", "shanxi_application_heavy",
                "shanxi_low_local_sourcing", "shanxi_few_leaders_integrators",
                "coast_ahead", "talent_to_coast", "neutralization"}
    assert set(keys) == expected
    for key in expected:
        assert f"`{key}`" in report
    failed = {f["key"] for f in results["facts"] if f["status"] == "FAIL"}
    assert failed == KNOWN_FAILURES
    assert all(f["status"] in ("PASS", "REPORTED") for f in results["facts"]
               if f["key"] not in KNOWN_FAILURES)
    # every demography target is reported against its target with its band and reason
    for key in ("growth", "exit_age", "exit_peak", "young_share", "cap_rho5",
                "little_giants", "shanxi_integrators"):
        fact = next(f for f in results["facts"] if f["key"] == key)
        assert fact["status"] == "PASS"
        assert "Source:" in fact["reason"] and "Tolerance:" in fact["reason"]
    # the policy-response suite's verdicts (the small design here)
    assert "## Policy response: what each instrument moves" in report
    arms = results["policy_response"]["arms"]
    assert [a["arm"] for a in arms][:2] == ["targeted_80", "targeted_320"]
    assert all(f"| {a['arm']} |" in report or f"| **{a['arm']}** |" in report for a in arms)
    assert arms[0]["moves_own_target"] is True
    for name in ("rank_size", "growth_density", "volatility_size", "entry_exit",
                 "neutralization"):
        png = out / "figures" / f"{name}.png"
        assert png.stat().st_size > 5000
        assert f"figures/{name}.png" in report


@pytest.mark.slow
def test_validate_bad_input_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "v"
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.cli", "validate", "--out", str(out),
         "--steps", "10", "--burn-in", "8"],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "--steps 10" in proc.stderr and "steps - burn-in >= 8" in proc.stderr
    assert not out.exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("x")
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.cli", "validate", "--out", str(other), "--force"],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "previous validation report" in proc.stderr
    assert (other / "keep.txt").exists()
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.cli", "validate", "--out", str(out),
         "--policy-design", "no_such_design"],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "no_such_design: experiment file not found" in proc.stderr
    assert not out.exists()
