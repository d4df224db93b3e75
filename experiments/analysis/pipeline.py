"""Every analysis of an experiment, in one pass, and the tidy ``summary.csv`` table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from experiments.analysis import adaptive, costs, effects, sensitivity
from experiments.analysis.data import Experiment, primary_horizon
from experiments.analysis.effects import Panel


@dataclass
class Results:
    """The tables of a report (empty frames where a section does not apply)."""

    horizon: int
    horizons: list[int]
    effects: pd.DataFrame
    pairwise: pd.DataFrame
    pareto: pd.DataFrame
    persistence: pd.DataFrame
    spending: pd.DataFrame
    cost_effectiveness: pd.DataFrame
    points: pd.DataFrame
    frontier: pd.DataFrame
    adaptive: pd.DataFrame
    sensitivity: pd.DataFrame
    doses: pd.DataFrame = field(default_factory=pd.DataFrame)
    diffs: pd.DataFrame = field(default_factory=pd.DataFrame)


def primary_diffs(exp: Experiment, panel: Panel, horizon: int) -> pd.DataFrame:
    """Per-replication paired differences of the primary outcome against the first
    reference, for the distribution figure."""
    refs = effects.references(exp)
    if not refs:
        return pd.DataFrame()
    ref, primary = refs[0], exp.analysis["primary"]
    rows = []
    for pol in effects.unswept(exp):
        if pol == ref:
            continue
        ya = panel.values(primary, horizon, exp.focus, pol)
        yb = panel.values(primary, horizon, exp.focus, ref)
        both = ya.index.intersection(yb.index)
        for rep in both:
            rows.append(dict(policy=pol, reference=ref, outcome=primary, horizon=horizon,
                             replication=int(rep), difference=float(ya[rep] - yb[rep])))
    return pd.DataFrame(rows)


def analyse(exp: Experiment, progress: Callable[[str], None] = lambda s: None) -> Results:
    """Run every analysis that the design supports.

    Args:
        exp: The experiment, read by :func:`~experiments.analysis.data.load_experiment`.
        progress: Called with the name of each stage as it starts.
    """
    if not exp.horizons:
        raise ValueError(f"{exp.out_dir}: no horizon to report (the runs hold steps "
                         f"{exp.available_steps[:5]}...)")
    if exp.replications < 5:
        exp.notes.append(f"Only {exp.replications} replication(s): intervals are wide (or "
                         "undefined with one) and tests have little power; a claim needs "
                         "more seeds.")
    progress("cumulative spending")
    costs.add_cumulative(exp)
    panel = Panel(exp)
    horizon = primary_horizon(exp)
    horizons = effects.report_horizons(exp)
    progress("effects")
    eff = effects.policy_effects(exp, panel)
    pair = effects.pairwise(exp, panel, horizon)
    par = effects.pareto(exp, panel, horizon)
    pers = effects.persistence(eff, exp)
    progress("costs")
    spend = costs.spending(exp, panel, horizons)
    ce = costs.cost_effectiveness(exp, panel, [horizon])
    points = costs.sweep_points(exp, panel, horizon)
    front = costs.frontier(exp, panel, eff, points, horizon)
    dose = costs.doses(exp, panel, eff, points, horizon)
    progress("adaptive policies")
    adapt = adaptive.tune_and_evaluate(exp, panel, horizon)
    progress("sensitivity")
    sens = sensitivity.analyze(exp, panel)
    return Results(horizon, horizons, eff, pair, par, pers, spend, ce, points, front, adapt,
                   sens, dose, primary_diffs(exp, panel, horizon))


TIDY = ["section", "policy", "point", "reference", "scope", "outcome", "horizon", "parameter",
        "statistic", "value"]


def _melt(frame: pd.DataFrame, section: str, ids: dict[str, str], stats: list[str],
          const: dict | None = None) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=TIDY)
    stats = [s for s in stats if s in frame.columns]
    base = pd.DataFrame({tidy: frame[col] for tidy, col in ids.items()})
    parts = []
    for s in stats:
        part = base.copy()
        part["statistic"] = s
        part["value"] = pd.to_numeric(frame[s], errors="coerce").astype(float)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["section"] = section
    for k, v in (const or {}).items():
        out[k] = v
    return out.reindex(columns=TIDY)


def tidy(exp: Experiment, res: Results) -> pd.DataFrame:
    """``summary.csv``: one row per section x policy x outcome x horizon x statistic."""
    # size: one declarative list of the sections of summary.csv, in file order
    q = [c for c in res.effects.columns if c.startswith("q")]
    desc = ["n", "mean", "sd", "lo", "hi", "p_value", "p_beats"] + q
    common = {"policy": "policy", "reference": "reference", "scope": "scope",
              "outcome": "outcome", "horizon": "horizon"}
    frames = [
        _melt(res.effects, "effect", common, desc, {"point": -1}),
        _melt(res.pairwise, "pairwise", common, desc + ["p_holm", "significant",
                                                        "national_mean"], {"point": -1}),
        _melt(res.persistence, "persistence", common, ["sunset", "mean", "lo", "hi",
                                                       "share_of_sunset_effect"],
              {"point": -1}),
        _melt(res.spending, "spending", {"policy": "policy", "horizon": "horizon"},
              [c for c in res.spending.columns if c not in ("policy", "horizon")],
              {"point": -1, "scope": exp.focus, "outcome": "discounted_realized_spending"}),
        _melt(res.cost_effectiveness, "cost_effectiveness",
              {"policy": "policy", "reference": "reference", "scope": "scope",
               "outcome": "measure", "horizon": "horizon"},
              ["n", "extra_spend", "extra_outcome", "outcome_lo", "outcome_hi", "ratio", "lo",
               "hi", "bounded"], {"point": -1}),
        _melt(res.frontier, "frontier", {"policy": "policy", "point": "point",
                                         "reference": "reference", "horizon": "horizon"},
              ["extra_spend", "effect", "lo", "hi", "on_frontier"],
              {"scope": exp.focus, "outcome": exp.analysis["primary"]}),
        _melt(res.adaptive, "adaptive", {"policy": "policy", "point": "point",
                                         "reference": "static", "scope": "scope",
                                         "outcome": "outcome", "horizon": "horizon"},
              desc + ["tuned_spend", "static_spend", "same_budget"]),
    ]
    if not res.doses.empty:
        d = res.doses.assign(outcome=exp.analysis["primary"], scope=exp.focus, point=-1,
                             parameter=res.doses["family"])
        frames.append(_melt(d, "dose_response", {"policy": "policy", "point": "point",
                                                 "reference": "reference", "scope": "scope",
                                                 "outcome": "outcome", "horizon": "horizon",
                                                 "parameter": "parameter"},
                            ["budget", "extra_spend", "effect", "lo", "hi", "national_effect",
                             "levels"]))
    if not res.points.empty:
        frames.append(_melt(res.points, "sweep_point",
                            {"policy": "policy", "point": "point", "horizon": "horizon"},
                            ["n", "level", "spend", "effect", "lo", "hi", "national_effect",
                             "extra_spend"],
                            {"scope": exp.focus, "outcome": exp.analysis["primary"],
                             "reference": res.points.get("reference",
                                                         pd.Series([""])).iloc[0]}))
    if not res.sensitivity.empty:
        s = res.sensitivity
        for kind, grp in s.groupby("kind", sort=False):
            frames.append(_melt(grp.reset_index(drop=True), f"sensitivity_{kind}",
                                {"policy": "policy", "reference": "reference",
                                 "outcome": "outcome", "horizon": "horizon",
                                 "parameter": "parameter"},
                                ["S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf", "mu",
                                 "mu_star", "mu_star_conf", "sigma"],
                                {"scope": exp.focus, "point": -1}))
    out = pd.concat([f for f in frames if not f.empty], ignore_index=True) \
        if any(not f.empty for f in frames) else pd.DataFrame(columns=TIDY)
    out = out[np.isfinite(out["value"].astype(float)) | out["value"].isna()]
    out = out.dropna(subset=["value"])
    out["point"] = out["point"].fillna(-1).astype("int64")
    out["horizon"] = out["horizon"].astype("int64")
    for col in ("policy", "reference", "scope", "outcome", "parameter"):
        out[col] = out[col].astype(object).where(out[col].notna(), "").astype(str)
    return out.reset_index(drop=True)
