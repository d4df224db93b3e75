"""Tests of the experiment report (experiments/analysis/report.py, experiments/analysis/).

Synthetic experiment folders with KNOWN effects are written in the runner's format
(experiment.json, manifest.parquet, runs/part-*.parquet, see docs/experiments.md); the
report must recover the effects, their intervals must cover the truth, Holm's correction
must match a hand computation, Sobol indices of the Ishigami function must come back through
the pipeline from shuffled, duplicated run rows, and missing sample points must be refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from common import REPO

from experiments.analysis.report import validate_analysis, write_report
from experiments.analysis.spec import MissingRuns
from experiments.analysis.stats import holm
from experiments.errors import BadInput

RATE = 0.04


# --- building synthetic experiment folders ----------------------------------------------
def run_id(policy: str, point: int, rep: int) -> str:
    return hashlib.sha256(f"{policy}/{point}/{rep}".encode()).hexdigest()


def write_folder(out: Path, design: dict, manifest: pd.DataFrame, rows: pd.DataFrame,
                 parts: int = 3, duplicate: float = 0.2, shuffle_seed: int = 0) -> None:
    """Write experiment.json, manifest.parquet and runs/part-*.parquet; rows are shuffled
    and a share of them written twice (as after a crash and resume)."""
    (out / "runs").mkdir(parents=True)
    (out / "experiment.json").write_text(json.dumps(design), encoding="utf-8")
    pq.write_table(pa.Table.from_pandas(manifest, preserve_index=False),
                   out / "manifest.parquet")
    rng = np.random.default_rng(shuffle_seed)
    rows = rows.iloc[rng.permutation(len(rows))]
    dup = rows.iloc[: int(duplicate * len(rows))]
    rows = pd.concat([rows, dup], ignore_index=True)
    for k, chunk in enumerate(np.array_split(np.arange(len(rows)), parts)):
        pq.write_table(pa.Table.from_pandas(rows.iloc[chunk], preserve_index=False),
                       out / "runs" / f"part-{k:05d}.parquet")
    # a temporary file of an unfinished write: readers skip dot-files
    (out / "runs" / ".part-tmp.parquet").write_bytes(b"not parquet")


def base_design(**kw: object) -> dict:
    design = {"name": "synthetic", "description": "known effects", "file": "synthetic.toml",
              "scenario": "baseline", "steps": 8, "replications": 20, "seed": 1,
              "outputs": "every", "columns": [], "regions": [], "policies": {},
              "sweep": None, "analysis": {}, "model_version": "test",
              "focus_region": "Shanxi"}
    design.update(kw)
    return design


# Policies of the main synthetic experiment: effect on Shanxi's technology-layer firms
# (from quarter 1), firms moved from Beijing, leading-firm effect, spending per quarter.
POLICIES = {
    "no_policy": dict(effect=0.0, moved=0.0, leading=0, spend=0.0, overrides={}),
    "current": dict(effect=1.0, moved=0.0, leading=0, spend=2.0, overrides={}),
    "create": dict(effect=3.0, moved=0.0, leading=1, spend=10.0, overrides={
        "policy.Shanxi.targeted_subsidy.budget": 40.0}),
    "create_half": dict(effect=1.5, moved=0.0, leading=0, spend=5.0, overrides={
        "policy.Shanxi.targeted_subsidy.budget": 20.0}),
    "relocate": dict(effect=3.0, moved=3.0, leading=0, spend=20.0, overrides={
        "policy.Shanxi.recruitment.budget": 80.0}),
    "sunset": dict(effect=3.0, moved=0.0, leading=0, spend=10.0, overrides={
        "policy.Shanxi.targeted_subsidy.budget": 40.0,
        "policy.Shanxi.targeted_subsidy.end": 4}),
    "adaptive": dict(effect=4.0, moved=0.0, leading=0, spend=10.0, overrides={
        "policy.Shanxi.targeted_subsidy.budget": 20.0,
        "policy.Shanxi.talent_training.budget": 20.0,
        "policy.Shanxi.adaptive.enabled": True}),
}
DOSE = [(b1, b2) for b1 in (0.0, 40.0, 80.0) for b2 in (0.0, 50.0)]  # grid sweep of "dose"


def effect_at(name: str, t: int) -> float:
    """Known effect of a policy on Shanxi's tech firms at step t."""
    p = POLICIES[name]
    if t == 0:
        return 0.0
    if name == "sunset" and t > 4:
        return p["effect"] * 0.5 ** (t - 4)
    return p["effect"]


def spend_at(name: str, t: int) -> float:
    if t == 0 or (name == "sunset" and t > 4):
        return 0.0
    return POLICIES[name]["spend"]


def synthetic_rows(policy: str, point: int, rep: int, steps: int, common: np.ndarray,
                   rng: np.random.Generator, dose: tuple[float, float] | None = None) -> list:
    """Region rows of one run: Shanxi, Beijing and the rest, steps 0..steps."""
    rid = run_id(policy, point, rep)
    out = []
    for t in range(steps + 1):
        if dose is None:
            eff, moved, spend = effect_at(policy, t), POLICIES[policy]["moved"], \
                spend_at(policy, t)
            lead = POLICIES[policy]["leading"] if t else 0
        else:
            eff = (dose[0] / 40.0 + dose[1] / 50.0) if t else 0.0
            moved, lead, spend = 0.0, 0, (dose[0] + dose[1]) / 4.0 if t else 0.0
        noise = rng.normal(0.0, 0.3)   # idiosyncratic; common[rep] is shared by policies
        tech = 20.0 + t + common[rep] + eff + noise
        lead_noise = rng.normal(0.0, 0.2)
        for region, base, tech_r, app in (("Shanxi", 5.0, tech, 50.0),
                                          ("Beijing", 40.0, 100.0 + common[rep]
                                           - (moved if t else 0.0), 300.0),
                                          ("Rest", 80.0, 200.0, 600.0)):
            total = base + tech_r + app
            shanxi = region == "Shanxi"
            out.append(dict(
                run_id=rid, step=t, quarter=f"q{t}", region=region, firms_base=base,
                firms_tech=tech_r, firms_app=app, firms_total=total,
                base_tech_share=(base + tech_r) / total,
                leading_firms=(2.0 + lead + lead_noise) if shanxi else 10.0,
                local_sourcing_base=(0.1 + 0.01 * lead + rng.normal(0, 0.002))
                if shanxi else 0.5,
                policy_spend=spend if shanxi else 1.0,
                spend_targeted_subsidy=spend if shanxi else 0.0,
                spend_recruitment=0.0))
    return out


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A policy comparison with known effects, a 3 x 2 grid sweep, and its report."""
    out = tmp_path_factory.mktemp("exp") / "synthetic"
    steps, reps = 8, 20
    common = np.random.default_rng(7).normal(0.0, 4.0, size=reps)
    rng = np.random.default_rng(11)
    policies = {name: {"preset": None, "overrides": p["overrides"]}
                for name, p in POLICIES.items()}
    policies["dose"] = {"preset": None, "overrides": {}}
    levers = {"policy.Shanxi.targeted_subsidy.budget": {"values": [0.0, 40.0, 80.0]},
              "policy.Shanxi.talent_training.budget": {"values": [0.0, 50.0]}}
    design = base_design(policies=policies, sweep={
        "method": "grid", "samples": 0, "second_order": False, "levels": 4,
        "policies": ["dose"], "levers": levers, "problem": None},
        analysis={"horizons": [2, 4, 8], "primary": "base_tech_firms",
                  "tune_replications": 10})
    man, rows = [], []
    for name in POLICIES:
        for rep in range(reps):
            man.append(dict(run_id=run_id(name, -1, rep), policy=name, point=-1,
                            replication=rep))
            rows += synthetic_rows(name, -1, rep, steps, common, rng)
    for point, dose in enumerate(DOSE):
        for rep in range(reps):
            man.append(dict(run_id=run_id("dose", point, rep), policy="dose", point=point,
                            replication=rep, **dict(zip(levers, dose, strict=True))))
            rows += synthetic_rows("dose", point, rep, steps, common, rng, dose=dose)
    manifest = pd.DataFrame(man)
    manifest["seed_entropy"] = "1"
    manifest["spawn_key"] = manifest["replication"].map(lambda r: json.dumps([r]))
    manifest["steps"] = steps
    manifest["overrides"] = "{}"
    write_folder(out, design, manifest, pd.DataFrame(rows))
    write_report(out)
    return out


def summary(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "report" / "summary.csv", keep_default_na=False,
                       na_values=[""], dtype={"parameter": str})


def stat(frame: pd.DataFrame, **where: object) -> dict[str, float]:
    sel = frame
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel), where
    dup = sel.duplicated("statistic")
    assert not dup.any(), sel[dup]
    return dict(zip(sel["statistic"], sel["value"].astype(float), strict=True))


# --- known effects ----------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("horizon", [2, 4, 8])
def test_paired_effect_recovered_with_covering_interval(synthetic: Path, horizon: int) -> None:
    s = summary(synthetic)
    e = stat(s, section="effect", policy="create", reference="no_policy", scope="Shanxi",
             outcome="base_tech_firms", horizon=horizon)
    assert e["n"] == 20
    assert e["lo"] <= 3.0 <= e["hi"]
    assert abs(e["mean"] - 3.0) < 0.3
    # the interval is that of paired differences: much narrower than the seed-to-seed
    # spread of the levels (common noise sd 4 cancels)
    assert e["hi"] - e["lo"] < 0.6
    assert e["p_beats"] == 1.0
    assert e["q05"] < e["q50"] < e["q95"]


def test_relocation_is_not_creation_nationally(synthetic: Path) -> None:
    s = summary(synthetic)
    shanxi = stat(s, section="effect", policy="relocate", reference="no_policy",
                  scope="Shanxi", outcome="base_tech_firms", horizon=8)
    nation = stat(s, section="effect", policy="relocate", reference="no_policy",
                  scope="National", outcome="base_tech_firms", horizon=8)
    created = stat(s, section="effect", policy="create", reference="no_policy",
                   scope="National", outcome="base_tech_firms", horizon=8)
    assert shanxi["lo"] <= 3.0 <= shanxi["hi"]
    assert nation["lo"] <= 0.0 <= nation["hi"] and abs(nation["mean"]) < 0.3
    assert created["lo"] <= 3.0 <= created["hi"]


def test_discounted_realized_spending_and_cost_per_leading_firm(synthetic: Path) -> None:
    s = summary(synthetic)
    disc = {h: sum(10.0 * (1 + RATE) ** (-t / 4) for t in range(1, h + 1)) for h in (2, 4, 8)}
    for h, value in disc.items():
        sp = stat(s, section="spending", policy="create", horizon=h)
        assert sp["mean"] == pytest.approx(value, rel=1e-12)
    sunset = stat(s, section="spending", policy="sunset", horizon=8)
    assert sunset["mean"] == pytest.approx(disc[4], rel=1e-12)
    assert stat(s, section="spending", policy="create", horizon=8)["equal_budget"] == 1.0
    assert stat(s, section="spending", policy="relocate", horizon=8)["equal_budget"] == 0.0
    ce = stat(s, section="cost_effectiveness", policy="create", reference="no_policy",
              scope="Shanxi", outcome="per_leading_firm", horizon=8)
    assert ce["extra_spend"] == pytest.approx(disc[8])
    assert ce["lo"] <= disc[8] <= ce["hi"]      # one extra leading firm
    fq = stat(s, section="cost_effectiveness", policy="create", reference="no_policy",
              scope="Shanxi", outcome="per_base_tech_firm_quarter", horizon=8)
    assert fq["extra_outcome"] == pytest.approx(3.0 * 8, abs=0.5)  # 3 firms x 8 quarters
    assert fq["lo"] <= disc[8] / 24 <= fq["hi"]
    # cost per unit of the design's primary outcome (base_tech_firms here), listed first
    pm = stat(s, section="cost_effectiveness", policy="create", reference="no_policy",
              scope="Shanxi", outcome="per_base_tech_firms", horizon=8)
    assert pm["extra_outcome"] == pytest.approx(3.0, abs=0.3)
    assert pm["lo"] <= disc[8] / 3 <= pm["hi"]
    ce_rows = s[s["section"] == "cost_effectiveness"]
    assert ce_rows["outcome"].iloc[0] == "per_base_tech_firms"
    # no gain in leading firms: no ratio
    none = stat(s, section="cost_effectiveness", policy="sunset", reference="no_policy",
                scope="Shanxi", outcome="per_leading_firm", horizon=8)
    assert none["bounded"] == 0.0 and "lo" not in none   # gain not distinguishable from 0


def test_bootstrap_intervals_are_reproducible(synthetic: Path, tmp_path: Path) -> None:
    from experiments.analysis import pipeline
    from experiments.analysis.data import load_experiment

    exp = load_experiment(synthetic)
    again = pipeline.tidy(exp, pipeline.analyse(exp))
    again.to_csv(tmp_path / "again.csv", index=False)
    first = summary(synthetic)
    pd.testing.assert_frame_equal(first, pd.read_csv(
        tmp_path / "again.csv", keep_default_na=False, na_values=[""],
        dtype={"parameter": str}))
    ce = first[(first["section"] == "cost_effectiveness") & (first["statistic"] == "lo")]
    assert ce["value"].notna().sum() > 5


def test_holm_matches_hand_computation_and_primary_claim(synthetic: Path) -> None:
    # hand computation: sorted 0.01, 0.03, 0.04, 0.2 -> 4*0.01, 3*0.03, max(2*0.04, .09), .2
    assert holm([0.01, 0.04, 0.03, 0.2]) == pytest.approx([0.04, 0.09, 0.09, 0.2])
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])
    s = summary(synthetic)
    pw = s[s["section"] == "pairwise"].pivot_table(
        index=["policy", "reference"], columns="statistic", values="value")
    assert len(pw) == math.comb(len(POLICIES), 2)
    p = pw["p_value"].sort_values()
    m = len(p)
    expect = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p.to_numpy()))
    assert pw.loc[p.index, "p_holm"].to_numpy() == pytest.approx(expect)
    # adaptive (+4) beats create (+3) in every seed and significantly after Holm
    row = pw.loc[("adaptive", "create")]
    assert row["p_beats"] == 1.0 and row["significant"] == 1.0
    text = (synthetic / "report" / "summary.md").read_text()
    assert "**`adaptive` beats every other policy**" in text
    assert "Holm" in text and "Caveats" in text


def test_sunset_persistence(synthetic: Path) -> None:
    s = summary(synthetic)
    at4 = stat(s, section="persistence", policy="sunset", reference="no_policy",
               scope="Shanxi", horizon=4)
    at8 = stat(s, section="persistence", policy="sunset", reference="no_policy",
               scope="Shanxi", horizon=8)
    assert at4["sunset"] == 4 and at4["lo"] <= 3.0 <= at4["hi"]
    assert at8["lo"] <= 3.0 / 16 <= at8["hi"]
    assert at8["share_of_sunset_effect"] == pytest.approx(1 / 16, abs=0.1)


def test_adaptive_tuned_and_evaluated_on_fresh_seeds(synthetic: Path) -> None:
    s = summary(synthetic)
    a = stat(s, section="adaptive", policy="adaptive", scope="Shanxi")
    sel = s[(s["section"] == "adaptive") & (s["scope"] == "Shanxi")]
    assert set(sel["reference"]) == {"create"}   # the best static package at equal spending
    assert a["n"] == 10                           # evaluated on replications [10, 20)
    assert a["lo"] <= 1.0 <= a["hi"] and a["same_budget"] == 1.0
    text = (synthetic / "report" / "summary.md").read_text()
    assert "replications [0, 10)" in text and "[10, 20)" in text


def test_dose_response_and_frontier(synthetic: Path) -> None:
    s = summary(synthetic)
    pts = s[(s["section"] == "sweep_point") & (s["statistic"] == "effect")]
    assert len(pts) == len(DOSE)
    for point, (b1, b2) in enumerate(DOSE):
        value = pts.loc[pts["point"] == point, "value"].item()
        assert value == pytest.approx(b1 / 40 + b2 / 50, abs=0.3)
    # a family of policies differing only in the budget: create_half (20), create (40)
    fam = s[(s["section"] == "dose_response") & (s["parameter"] == "targeted_subsidy")]
    effect = fam[fam["statistic"] == "effect"].set_index("policy")["value"]
    assert effect["create_half"] == pytest.approx(1.5, abs=0.3)
    assert effect["create"] == pytest.approx(3.0, abs=0.3)
    assert set(fam.loc[fam["statistic"] == "levels", "value"]) == {2.0}
    sweep = s[(s["section"] == "dose_response") & (s["statistic"] == "levels")
              & (s["parameter"] == "dose: targeted_subsidy")]
    assert set(sweep["value"]) == {3.0}
    text = (synthetic / "report" / "summary.md").read_text()
    few = next(line for line in text.splitlines() if line.startswith("Fewer than 3 budget"))
    assert "`targeted_subsidy`" in few and "`dose: targeted_subsidy`" not in few
    front = s[(s["section"] == "frontier") & (s["statistic"] == "on_frontier")]
    on = set(front.loc[front["value"] == 1.0, "policy"])
    assert "adaptive" in on and "relocate" not in on   # relocate costs more, achieves less


@pytest.mark.slow
def test_missing_runs_refused_or_reported_with_allow_missing(synthetic: Path,
                                                             tmp_path: Path) -> None:
    from experiments.cli import main

    copy = tmp_path / "partial"
    shutil.copytree(synthetic, copy, ignore=shutil.ignore_patterns("report", "runs"))
    rows = pd.concat([pq.read_table(p).to_pandas() for p in
                      sorted((synthetic / "runs").glob("part-*.parquet"))])
    gone = run_id("create", -1, 3)
    (copy / "runs").mkdir()
    pq.write_table(pa.Table.from_pandas(rows[rows["run_id"] != gone], preserve_index=False),
                   copy / "runs" / "part-0.parquet")
    with pytest.raises(MissingRuns, match="1 of 260 planned runs have no results: create "
                                          "replication 3"):
        write_report(copy)
    assert main(["report", str(copy), "--quiet"]) == 1 and not (copy / "report").exists()
    assert main(["report", str(copy), "--allow-missing", "--quiet"]) == 0
    s = summary(copy)
    e = stat(s, section="effect", policy="create", reference="no_policy", scope="Shanxi",
             outcome="base_tech_firms", horizon=8)
    assert e["n"] == 19 and e["lo"] <= 3.0 <= e["hi"]
    assert "1 of 260 planned runs are missing" in (copy / "report" / "summary.md").read_text()


def test_figures_exist_and_are_not_blank(synthetic: Path) -> None:
    from matplotlib.image import imread

    figs = synthetic / "report" / "figures"
    names = {p.name for p in figs.glob("*.png")}
    assert {"layers.png", "effects_vs_no_policy.png", "effects_vs_current.png",
            "distributions.png", "dose_response.png", "frontier.png",
            "heatmap_dose.png"} <= names
    for name in names:
        img = imread(figs / name)
        assert img.shape[0] > 200 and img.shape[1] > 300, name
        assert img[..., :3].std() > 0.05, name   # not a blank canvas
    text = (synthetic / "report" / "summary.md").read_text()
    for name in names:
        assert f"(figures/{name})" in text


def test_adaptive_sweep_tuned_only_on_tuning_seeds(tmp_path: Path) -> None:
    """The adaptive variant is chosen on replications [0, k): a point that is best only on
    the evaluation seeds must not be chosen."""
    from experiments.analysis import pipeline
    from experiments.analysis.data import load_experiment

    reps, steps = 20, 2
    lever = "policy.Shanxi.adaptive.step"
    # effect on Shanxi's tech firms by (policy, point); the trap: point 2 wins on reps >= 10
    effect = {("no_policy", -1): 0.0, ("static_a", -1): 2.0, ("static_b", -1): 2.5,
              ("adapt", 0): 1.0, ("adapt", 1): 3.0, ("adapt", 2): 2.0}
    common = np.random.default_rng(1).normal(0, 4, size=reps)
    rng = np.random.default_rng(2)
    man, rows = [], []
    for (pol, point), eff in effect.items():
        for rep in range(reps):
            rid = run_id(pol, point, rep)
            man.append(dict(run_id=rid, policy=pol, point=point, replication=rep,
                            **{lever: [0.1, 0.3, 0.5][point] if point >= 0 else np.nan}))
            e = eff + (4.0 if (pol, point) == ("adapt", 2) and rep >= 10 else 0.0)
            for t in range(steps + 1):
                tech = 20 + common[rep] + (e if t else 0.0) + rng.normal(0, 0.3)
                rows.append(dict(run_id=rid, step=t, quarter="", region="Shanxi",
                                 firms_base=5.0, firms_tech=tech, firms_app=50.0,
                                 firms_total=55.0 + tech, leading_firms=2.0,
                                 policy_spend=(10.0 if t and pol != "no_policy" else 0.0)))
    policies = {p: {"preset": None, "overrides": {}} for p, _ in effect}
    design = base_design(steps=steps, replications=reps, policies=policies, sweep={
        "method": "grid", "samples": 0, "second_order": False, "levels": 4,
        "policies": ["adapt"], "levers": {lever: {"values": [0.1, 0.3, 0.5]}},
        "problem": None}, analysis={"horizons": [2], "references": ["no_policy"],
                                    "outcomes": ["base_tech_firms"], "interval": "bootstrap",
                                    "bootstrap": 500})
    out = tmp_path / "adaptive"
    write_folder(out, design, pd.DataFrame(man), pd.DataFrame(rows))
    exp = load_experiment(out)
    res = pipeline.analyse(exp)
    row = res.adaptive[res.adaptive["scope"] == "Shanxi"].iloc[0]
    assert row["point"] == 1 and row["static"] == "static_b" and row["same_budget"]
    assert row["n"] == 10 and row["lo"] <= 0.5 <= row["hi"]
    # bootstrap intervals (interval = "bootstrap") cover the known effects too
    e = res.effects.set_index(["policy", "scope", "horizon"])
    assert e.loc[("static_b", "Shanxi", 2), "lo"] <= 2.5 <= e.loc[("static_b", "Shanxi", 2),
                                                                    "hi"]


# --- sensitivity ------------------------------------------------------------------------
ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}


def ishigami_folder(out: Path, n: int = 1024, drop: list[int] | None = None,
                    method: str = "sobol") -> np.ndarray:
    """An experiment of the Ishigami function sampled with SALib (2 replications whose
    noise cancels in the mean), written in shuffled order with duplicated rows."""
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample
    from SALib.test_functions import Ishigami

    if method == "sobol":
        x = sobol_sample.sample(ISHIGAMI, n, calc_second_order=False, seed=3)
    else:
        x = morris_sample.sample(ISHIGAMI, n, num_levels=4, seed=3)
    y = Ishigami.evaluate(x)
    reps = 2
    design = base_design(steps=1, replications=reps, policies={
        "base": {"preset": None, "overrides": {}},
        "no_policy": {"preset": None, "overrides": {}}}, analysis={
        "primary": "ai_revenue", "outcomes": ["ai_revenue"], "horizons": [1],
        "references": ["no_policy"]},
        sweep={"method": method, "samples": n, "second_order": False, "levels": 4,
               "policies": ["base"], "levers": {k: {"low": -math.pi, "high": math.pi}
                                                for k in ISHIGAMI["names"]},
               "problem": ISHIGAMI})
    man, rows = [], []
    for point in range(len(x)):
        for rep in range(reps):
            rid = run_id("base", point, rep)
            man.append(dict(run_id=rid, policy="base", point=point, replication=rep,
                            **dict(zip(ISHIGAMI["names"], x[point], strict=True))))
            if drop and point in drop:
                continue
            noise = 0.5 if rep == 0 else -0.5
            for t in (0, 1):
                rows.append(dict(run_id=rid, step=t, quarter=f"q{t}", region="Shanxi",
                                 ai_revenue=float(y[point]) + noise if t else 0.0))
    for rep in range(reps):  # the reference: a constant per seed, outside the sweep
        rid = run_id("no_policy", -1, rep)
        man.append(dict(run_id=rid, policy="no_policy", point=-1, replication=rep))
        for t in (0, 1):
            rows.append(dict(run_id=rid, step=t, quarter=f"q{t}", region="Shanxi",
                             ai_revenue=100.0 + rep if t else 0.0))
    write_folder(out, design, pd.DataFrame(man), pd.DataFrame(rows), parts=4,
                 duplicate=0.3, shuffle_seed=5)
    return x


def test_sobol_ishigami_recovered_through_the_pipeline(tmp_path: Path) -> None:
    out = tmp_path / "ishigami"
    ishigami_folder(out)
    write_report(out)
    s = summary(out)
    sel = s[(s["section"] == "sensitivity_level")]
    got = sel.pivot_table(index="parameter", columns="statistic", values="value")
    s1 = got.loc[["x1", "x2", "x3"], "S1"].to_numpy()
    st = got.loc[["x1", "x2", "x3"], "ST"].to_numpy()
    assert s1 == pytest.approx([0.314, 0.442, 0.0], abs=0.03)
    assert st == pytest.approx([0.558, 0.442, 0.244], abs=0.03)
    conf = got.loc[["x1", "x2", "x3"], "S1_conf"].to_numpy()
    assert np.all(np.abs(s1 - [0.314, 0.442, 0.0]) <= conf)   # SALib's intervals cover
    assert (out / "report" / "figures" / "sensitivity_sobol_base.png").stat().st_size > 10_000
    # on the effect against the reference (a constant per seed): the same indices
    eff = s[(s["section"] == "sensitivity_effect")].pivot_table(
        index="parameter", columns="statistic", values="value")
    assert set(s.loc[s["section"] == "sensitivity_effect", "reference"]) == {"no_policy"}
    assert eff.loc[["x1", "x2", "x3"], "S1"].to_numpy() == pytest.approx(s1, abs=1e-6)


def test_sobol_through_runner_and_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    """`ai-chain experiment` on the Ishigami hook, then `ai-chain report`: the report's
    indices equal SALib's on the function evaluated at the manifest's sample, in order."""
    from SALib.analyze import sobol

    from experiments.cli import main

    monkeypatch.syspath_prepend(str(REPO / "tests" / "data"))
    from runner_hooks import ishigami

    levers = "".join(f"[sweep.levers.x{i}]\nlow = {-math.pi!r}\nhigh = {math.pi!r}\n"
                     for i in (1, 2, 3))
    design = tmp_path / "ish.toml"
    design.write_text(f"""[experiment]
model = "runner_hooks:ishigami"
steps = 1
seed = 1
[sweep]
method = "sobol"
samples = 128
{levers}""", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["experiment", str(design), "--out", str(out), "--workers", "1"]) == 0
    assert main(["report", str(out), "--quiet"]) == 0
    man = pq.read_table(out / "manifest.parquet").to_pandas().sort_values("point")
    y = np.array([ishigami(dict(x1=a, x2=b, x3=c), None, 1)["y"][0]
                  for a, b, c in man[["x1", "x2", "x3"]].to_numpy()])
    problem = json.loads((out / "experiment.json").read_text())["sweep"]["problem"]
    want = sobol.analyze(problem, y, calc_second_order=False, num_resamples=1000, seed=12345)
    s = summary(out)
    got = s[s["section"] == "sensitivity_level"].pivot_table(
        index="parameter", columns="statistic", values="value").loc[["x1", "x2", "x3"]]
    for key in ("S1", "ST", "S1_conf", "ST_conf"):
        assert got[key].to_numpy() == pytest.approx(want[key], abs=1e-9), key


def test_sobol_refuses_missing_points_and_lists_them(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "ishigami"
    ishigami_folder(out, n=64, drop=[7, 8, 9, 100])
    with pytest.raises(MissingRuns, match=r"'base': 4 of 320 sample points missing: 7-9, 100"):
        write_report(out, allow_missing=True)
    assert not (out / "report").exists()
    from experiments.cli import main

    assert main(["report", str(out), "--quiet"]) == 1
    assert "7-9, 100" in capsys.readouterr().err and not (out / "report").exists()


def test_morris_on_a_linear_function(tmp_path: Path) -> None:
    out = tmp_path / "morris"
    x = ishigami_folder(out, n=20, method="morris")
    # overwrite the runs with y = 2 x1 + 0.5 x2 (x3 inert) for "base" and a reference
    # crossed with the same sample, y = 0.5 x2 (effect = 2 x1, paired at the same point)
    shutil.rmtree(out / "runs")
    design = json.loads((out / "experiment.json").read_text())
    design["policies"]["no_policy"] = {"preset": None, "overrides": {}}
    design["sweep"]["policies"] = ["base", "no_policy"]
    (out / "experiment.json").write_text(json.dumps(design))
    # as the runner does, a run_id stands for (parameters, seed): Morris trajectories repeat
    # points, and those share one run (one set of rows) but keep a manifest row per point
    def rid(pol: str, point: int, rep: int) -> str:
        return run_id(pol, hash(tuple(np.round(x[point], 9))), rep)

    man, rows = pq.read_table(out / "manifest.parquet").to_pandas(), []
    man = man[man["policy"] == "base"]
    man = pd.concat([man.assign(policy=pol, run_id=[rid(pol, p, r) for p, r in zip(
        man["point"], man["replication"], strict=True)]) for pol in ("base", "no_policy")],
        ignore_index=True)
    assert man["run_id"].duplicated().any()
    pq.write_table(pa.Table.from_pandas(man, preserve_index=False), out / "manifest.parquet")
    for point in range(len(x)):
        for rep in range(2):
            for pol, y in (("base", 2 * x[point, 0] + 0.5 * x[point, 1]),
                           ("no_policy", 0.5 * x[point, 1] + rep)):
                for t in (0, 1):
                    rows.append(dict(run_id=rid(pol, point, rep), step=t, quarter="",
                                     region="Shanxi", ai_revenue=y if t else 0.0))
    rows = pd.DataFrame(rows).drop_duplicates(["run_id", "step"])
    (out / "runs").mkdir()
    pq.write_table(pa.Table.from_pandas(rows), out / "runs" / "part-0.parquet")
    write_report(out)
    s = summary(out)
    assert "do not keep every quarter" not in (out / "report" / "summary.md").read_text()

    def mu_star(section: str, policy: str) -> np.ndarray:
        got = s[(s["section"] == section) & (s["policy"] == policy)].pivot_table(
            index="parameter", columns="statistic", values="value")
        return got.loc[["x1", "x2", "x3"], "mu_star"].to_numpy()

    # SALib scales the steps to [0, 1]: mu* = |coefficient| x range (2 pi)
    two_pi = 2 * math.pi
    assert mu_star("sensitivity_level", "base") == pytest.approx([2 * two_pi, 0.5 * two_pi, 0],
                                                                  abs=1e-9)
    assert mu_star("sensitivity_effect", "base") == pytest.approx([2 * two_pi, 0, 0], abs=1e-9)
    assert (out / "report" / "figures" / "sensitivity_morris_base.png").is_file()
    # sweep-point effects paired at the same point and seed: 2 x1 - mean(rep) = 2 x1 - 0.5
    pts = s[(s["section"] == "sweep_point") & (s["policy"] == "base")
            & (s["statistic"] == "effect")].set_index("point")["value"].sort_index()
    assert pts.to_numpy() == pytest.approx(2 * x[:, 0] - 0.5, abs=1e-9)
    assert "## Effects across the sweep's sample" in (out / "report" / "summary.md").read_text()


# --- validation and the command ---------------------------------------------------------
def test_validate_analysis_defaults() -> None:
    a = validate_analysis({"outcomes": ["leading_firms"], "horizons": [40, 8]}, "x.toml")
    assert a["outcomes"] == ["base_tech_firms", "leading_firms"]   # primary first
    assert a["horizons"] == [8, 40] and a["references"] == ["no_policy", "current"]


@pytest.mark.parametrize(("table", "key", "shown", "allowed"), [
    ({"primry": "leading_firms"}, "primry", "'leading_firms'", "allowed keys: alpha,"),
    ({"primary": "firms"}, "primary", "'firms'", "region-table column"),
    ({"outcomes": ["leading_firms", "nonsense"]}, "outcomes", "'nonsense'",
     "region-table column"),
    ({"horizons": [8, 0]}, "horizons", "[8, 0]", "positive integers"),
    ({"horizons": [8, 8.5]}, "horizons", "[8, 8.5]", "positive integers"),
    ({"alpha": 0.7}, "alpha", "0.7", "(0.0, 0.5]"),
    ({"discount_rate": -0.1}, "discount_rate", "-0.1", "[0.0, 1.0)"),
    ({"interval": "z"}, "interval", "'z'", '"t"'),
    ({"references": ["no_policy", "nope"]}, "references", "'nope'",
     "policy names of the design: no_policy, current"),
    ({"primary_horizon": 12}, "primary_horizon", "12", "one of horizons [8, 20, 40]"),
    ({"bootstrap": 10}, "bootstrap", "10", "integer >= 100"),
])
def test_validate_analysis_rejects(table: dict, key: str, shown: str, allowed: str) -> None:
    with pytest.raises(BadInput) as err:
        validate_analysis(table, "designs/x.toml", policies=["no_policy", "current"])
    msg = str(err.value)
    assert msg.startswith(f"designs/x.toml: analysis.{key} = {shown}: "), msg
    assert allowed in msg, msg


def test_report_command_bad_folder(tmp_path: Path) -> None:
    from experiments.cli import main

    assert main(["report", str(tmp_path / "nothing")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 2


# --- end to end through the runner ------------------------------------------------------
TINY = """
[experiment]
name = "tiny"
scenario = "{scenario}"
steps = 4
replications = 3
seed = 5

[policies.no_policy]
"policy.Shanxi.universal_subsidy.budget" = 0.0
"policy.Shanxi.recruitment.budget" = 0.0
"policy.Shanxi.talent_introduction.budget" = 0.0
"policy.Shanxi.talent_training.budget" = 0.0
[policies.current]
[policies.targeted]
"policy.Shanxi.targeted_subsidy.budget" = 80.0

[analysis]
horizons = [2, 4, 8]
"""


@pytest.mark.slow
def test_end_to_end_tiny_experiment(tmp_path: Path) -> None:
    from experiments.cli import main

    design = tmp_path / "tiny.toml"
    design.write_text(TINY.format(scenario=REPO / "scenarios" / "small.toml"),
                      encoding="utf-8")
    out = tmp_path / "out"
    assert main(["experiment", str(design), "--out", str(out), "--workers", "1"]) == 0
    report = out / "report"
    text = (report / "summary.md").read_text(encoding="utf-8")
    for part in ("## Primary claim", "## Effects against `no_policy`",
                 "## Effects against `current`", "## Realized spending",
                 "## Cost-effectiveness", "Holm", "## Caveats", "Horizons [8]"):
        assert part in text, part
    s = summary(out)
    eff = s[(s["section"] == "effect") & (s["policy"] == "targeted")]
    assert set(eff["horizon"]) == {2, 4} and set(eff["scope"]) == {"Shanxi", "National"}
    assert set(eff["reference"]) == {"no_policy", "current"}
    spend = stat(s, section="spending", policy="targeted", horizon=4)
    free = stat(s, section="spending", policy="no_policy", horizon=4)
    assert spend["mean"] > 0 and free["mean"] == 0.0
    figs = {p.name for p in (report / "figures").glob("*.png")}
    assert {"layers.png", "effects_vs_no_policy.png", "distributions.png",
            "frontier.png"} <= figs
    assert all((report / "figures" / f).stat().st_size > 10_000 for f in figs)

