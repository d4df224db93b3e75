"""Discounted realized spending, cost-effectiveness, dose-response and the frontier.

Budgets are compared by what was spent, not what was offered: the region table's realized
spending of the focus region's package (``policy_spend``, mRMB/quarter) is discounted at the
design's annual rate, ``sum_{t=1..h} spend_t (1 + r)^(-t/4)``. Cost-effectiveness ratios are
ratios of means of paired differences (extra discounted spending over the extra outcome
against a reference), with percentile bootstrap intervals over replications (fixed seed).
A ratio is reported only for a positive mean gain, and its interval only when the bootstrap
interval of the gain lies above zero (otherwise the cost per unit is unbounded).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from experiments.analysis.data import NATIONAL, Experiment
from experiments.analysis.effects import Panel, paired, references, unswept
from experiments.analysis.spec import outcome_unit
from experiments.analysis.stats import bootstrap_interval, mean_stat, ratio_stat, t_interval

DISC = "disc_spend"                 # cumulative discounted realized spending (focus region)
FIRMQ = "base_tech_firm_quarters"   # cumulative base+tech firms over quarters 1..h

# measure -> (outcome column, scale of the outcome difference, unit of the ratio); the
# design's primary outcome is added in front of these (measures())
MEASURES = {
    "per_base_tech_firm_quarter": (FIRMQ, 1.0, "mRMB per base/technology firm-quarter"),
    "per_leading_firm": ("leading_firms", 1.0, "mRMB per leading firm"),
    "per_local_sourcing_point": ("local_sourcing_base", 100.0,
                                 "mRMB per percentage point of local base-layer sourcing"),
}


def measures(exp: Experiment) -> dict[str, tuple[str, float, str]]:
    """The cost-effectiveness measures of an experiment: cost per unit of its primary
    outcome first (``per_<primary>``; per percentage point for a share), then
    :data:`MEASURES` (a measure whose column is the primary is not repeated)."""
    primary = exp.analysis["primary"]
    out = dict(MEASURES)
    if primary in exp.panel.columns and all(c != primary for c, _, _ in MEASURES.values()):
        unit = outcome_unit(primary)
        scale, per = ((100.0, f"percentage point of {primary}") if unit == "1"
                      else (1.0, f"unit ({unit}) of {primary}" if unit else f"unit of {primary}"))
        out = {f"per_{primary}": (primary, scale, f"mRMB per {per}"), **out}
    return out


def add_cumulative(exp: Experiment) -> None:
    """Add cumulative columns to the panel: discounted spending and firm-quarters.

    ``disc_spend`` (focus scope only) and ``base_tech_firm_quarters`` are cumulated over
    quarters 1..step; they are NaN where a run's rows do not cover every quarter (outputs =
    "final"). ``cum_spend_<instrument>`` holds the undiscounted cumulative spending.
    """
    # one series per (scope, policy, point, replication): a run_id can stand for several
    # sample points (Morris and grid samples repeat points; the runner runs them once)
    run = ["scope", "policy", "point", "replication"]
    panel = exp.panel.sort_values(run + ["step"], ignore_index=True)
    rate = float(exp.analysis["discount_rate"])
    step = panel["step"].to_numpy()
    factor = np.where(step > 0, (1.0 + rate) ** (-step / 4.0), 0.0)
    keys = [panel[k] for k in run]
    # a run covers quarters 1..step only if it has every step up to it
    count = panel.assign(one=(step > 0).astype(float)).groupby(keys)["one"].cumsum()
    complete = count.to_numpy() == step
    focus = (panel["scope"] == exp.focus).to_numpy()
    if "policy_spend" in panel.columns:
        disc = (panel["policy_spend"].fillna(0.0) * factor).groupby(keys).cumsum()
        panel[DISC] = np.where(complete & focus, disc.to_numpy(), np.nan)
    else:
        panel[DISC] = np.nan
    if {"firms_base", "firms_tech"} <= set(panel.columns):
        firms = (panel["firms_base"] + panel["firms_tech"]) * (step > 0)
        panel[FIRMQ] = np.where(complete, firms.groupby(keys).cumsum().to_numpy(), np.nan)
    else:
        panel[FIRMQ] = np.nan
    for col in exp.spend_columns():
        cum = (panel[col].fillna(0.0) * (step > 0)).groupby(keys).cumsum()
        panel[f"cum_{col}"] = np.where(complete & focus, cum.to_numpy(), np.nan)
    if not complete[step > 0].all():
        exp.notes.append("Some runs do not keep every quarter (outputs = \"final\"): "
                         "discounted spending and firm-quarters are not available for them.")
    exp.panel = panel


def spending(exp: Experiment, panel: Panel, horizons: list[int]) -> pd.DataFrame:
    """Discounted realized spending of every unswept policy at each horizon, with a t interval
    and the undiscounted cumulative spending by instrument (means); ``equal_budget`` flags
    non-reference policies within the tolerance of their median at the last horizon."""
    rows = []
    alpha = exp.analysis["alpha"]
    instr = [f"cum_{c}" for c in exp.spend_columns()]
    for pol in unswept(exp):
        for h in horizons:
            v = panel.values(DISC, h, exp.focus, pol)
            if v.empty:
                continue
            lo, hi = t_interval(v.to_numpy(), alpha)
            row = dict(policy=pol, horizon=h, n=len(v), mean=float(v.mean()), lo=lo, hi=hi)
            for col in instr:
                s = panel.values(col, h, exp.focus, pol)
                row[col.removeprefix("cum_spend_")] = float(s.mean()) if len(s) else math.nan
            rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    last = frame["horizon"].max()
    refs = set(references(exp))
    at = frame[(frame["horizon"] == last) & ~frame["policy"].isin(refs)]
    frame["equal_budget"] = pd.NA
    if len(at):
        median = float(at["mean"].median())
        tol = exp.analysis["equal_budget_tolerance"]
        for i in at.index:
            ok = abs(frame.loc[i, "mean"] - median) <= tol * abs(median) if median else True
            frame.loc[frame["policy"] == frame.loc[i, "policy"], "equal_budget"] = bool(ok)
    return frame


def _ratio(c: np.ndarray, e: np.ndarray) -> float:
    me = float(np.mean(e))
    return float(np.mean(c)) / me if me != 0 else math.nan


def cost_effectiveness(exp: Experiment, panel: Panel, horizons: list[int]) -> pd.DataFrame:
    """Extra discounted spending per extra unit of outcome against each reference.

    Returns:
        One row per (policy, reference, scope, measure, horizon): ``extra_spend`` (mean
        paired difference of discounted spending), ``extra_outcome`` (mean paired
        difference of the outcome, times the measure's scale), ``ratio`` (their quotient)
        and its percentile bootstrap interval ``lo``/``hi``.
    """
    a = exp.analysis
    rows = []
    refs = references(exp)
    measure_set = measures(exp)
    for k, ref in enumerate(refs):
        for pol in unswept(exp):
            if pol == ref or pol in refs[:k]:
                continue
            for h in horizons:
                c = paired(panel, DISC, h, exp.focus, (pol, -1), (ref, -1))
                if c.size < 2 or not np.isfinite(c).all():
                    continue
                for scope in (exp.focus, NATIONAL):
                    for measure, (col, scale, unit) in measure_set.items():
                        ya = panel.values(col, h, scope, pol)
                        yb = panel.values(col, h, scope, ref)
                        cs = panel.values(DISC, h, exp.focus, pol) - \
                            panel.values(DISC, h, exp.focus, ref)
                        both = ya.index.intersection(yb.index).intersection(cs.dropna().index)
                        if len(both) < 2:
                            continue
                        e = scale * (ya.loc[both] - yb.loc[both]).to_numpy(dtype=float)
                        cc = cs.loc[both].to_numpy(dtype=float)
                        seed = a["bootstrap_seed"] + len(rows)
                        elo, ehi = bootstrap_interval([e], mean_stat, a["alpha"], a["bootstrap"],
                                                      seed)
                        # a ratio is bounded only when the gain is distinguishable from 0
                        bounded = bool(np.isfinite(elo) and elo > 0)
                        lo, hi = (bootstrap_interval([cc, e], ratio_stat, a["alpha"],
                                                     a["bootstrap"], seed)
                                  if bounded else (math.nan, math.nan))
                        rows.append(dict(policy=pol, reference=ref, scope=scope,
                                         measure=measure, unit=unit, horizon=h, n=len(both),
                                         extra_spend=float(cc.mean()),
                                         extra_outcome=float(e.mean()),
                                         outcome_lo=elo, outcome_hi=ehi,
                                         ratio=_ratio(cc, e) if e.mean() > 0 else math.nan,
                                         lo=lo, hi=hi, bounded=bounded))
    return pd.DataFrame(rows)


def _group_t(d: pd.Series, keys: list[pd.Series], alpha: float) -> pd.DataFrame:
    """Mean and t interval of ``d`` per group (vectorized over sweep points)."""
    from scipy import stats as sps

    g = d.groupby(keys)
    out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.count()})
    with np.errstate(divide="ignore", invalid="ignore"):
        half = sps.t.ppf(1 - alpha / 2, out["n"] - 1) * out["sd"] / np.sqrt(out["n"])
    out["lo"], out["hi"] = out["mean"] - half, out["mean"] + half
    return out


def sweep_points(exp: Experiment, panel: Panel, horizon: int) -> pd.DataFrame:
    """Per sweep point: levers, mean level and effect (against the first reference, paired
    by replication, with a t interval) of the primary outcome, the national effect, and mean
    discounted spending at ``horizon``. When the reference is swept too (a policy crossed
    with a sample of uncertain parameters), it is paired at the same point and seed."""
    sweep = exp.design.get("sweep") or {}
    levers = list(sweep.get("levers") or {})
    man = exp.manifest[exp.manifest["point"] >= 0]
    primary = exp.analysis["primary"]
    if man.empty or primary not in exp.panel.columns:
        return pd.DataFrame()
    have = set(exp.panel["policy"].unique())
    ref = next((r for r in exp.analysis["references"] if r in have), None)
    alpha = exp.analysis["alpha"]
    at = exp.panel[(exp.panel["step"] == horizon) & (exp.panel["point"] >= 0)]
    foc = at[at["scope"] == exp.focus]
    nat = at[at["scope"] == NATIONAL]
    keys = ["policy", "point"]
    g = foc.groupby(keys)
    out = pd.DataFrame({"n": g[primary].count(), "level": g[primary].mean(),
                        "spend": g[DISC].mean()})
    ref_swept = bool((foc["policy"] == ref).any())
    if ref is not None and not ref_swept and panel.values(primary, horizon, exp.focus,
                                                          ref).empty:
        ref = None  # neither swept with the sample nor run outside it
    if ref is not None:
        out["reference"] = ref
        for frame, col, name in ((foc, primary, "effect"), (nat, primary, "national_effect"),
                                 (foc, DISC, "extra_spend")):
            if ref_swept:  # crossed design: the reference at the same point and seed
                base = frame[frame["policy"] == ref].set_index(["point", "replication"])[col]
                idx = pd.MultiIndex.from_arrays([frame["point"], frame["replication"]])
                d = frame[col] - base.reindex(idx).to_numpy()
            else:
                base = panel.values(col, horizon, exp.focus if frame is foc else NATIONAL,
                                    ref)
                d = frame[col] - frame["replication"].map(base)
            stats = _group_t(d, [frame["policy"], frame["point"]], alpha)
            out[name] = stats["mean"]
            if name == "effect":
                out["lo"], out["hi"] = stats["lo"], stats["hi"]
    out = out.reset_index()
    lever_cols = [c for c in levers if c in man.columns]
    out = out.merge(man[keys + lever_cols].drop_duplicates(keys), on=keys, how="left")
    out["horizon"] = horizon
    return out[keys + lever_cols + [c for c in out.columns if c not in keys + lever_cols]]


def budget_levers(exp: Experiment) -> list[str]:
    """Swept levers that are instrument budgets."""
    sweep = exp.design.get("sweep") or {}
    return [k for k in (sweep.get("levers") or {}) if k.endswith(".budget")]


def frontier(exp: Experiment, panel: Panel, effects: pd.DataFrame, points: pd.DataFrame,
             horizon: int) -> pd.DataFrame:
    """Cost-effectiveness frontier against the first reference: unswept policies and sweep
    points of sweeps over budgets as (extra discounted spending, effect on the primary
    outcome); a point is on the frontier when no other point costs no more and achieves at
    least as much (one strictly).
    """
    refs = references(exp)
    if not refs:
        return pd.DataFrame()
    ref = refs[0]
    primary = exp.analysis["primary"]
    rows = [dict(label=ref, policy=ref, point=-1, effect=0.0, lo=0.0, hi=0.0)]
    if not effects.empty:
        sel = effects[(effects["reference"] == ref) & (effects["outcome"] == primary)
                      & (effects["horizon"] == horizon) & (effects["scope"] == exp.focus)]
        for rec in sel.itertuples(index=False):
            rows.append(dict(label=rec.policy, policy=rec.policy, point=-1,
                             effect=rec.mean, lo=rec.lo, hi=rec.hi))
    for row in rows:
        c = paired(panel, DISC, horizon, exp.focus, (row["policy"], -1), (ref, -1))
        row["extra_spend"] = float(np.mean(c)) if c.size else math.nan
    if not points.empty and "effect" in points.columns and budget_levers(exp):
        for rec in points.to_dict("records"):
            rows.append(dict(label=f"{rec['policy']}#{rec['point']}", policy=rec["policy"],
                             point=rec["point"], effect=rec["effect"], lo=rec["lo"],
                             hi=rec["hi"], extra_spend=rec["extra_spend"]))
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["reference"] = ref
    frame["horizon"] = horizon
    c = frame["extra_spend"].to_numpy(dtype=float)
    e = frame["effect"].to_numpy(dtype=float)
    ok = np.isfinite(c) & np.isfinite(e)
    on = np.zeros(len(frame), dtype=bool)
    for i in np.flatnonzero(ok):
        dominated = ok & (c <= c[i]) & (e >= e[i]) & ((c < c[i]) | (e > e[i]))
        on[i] = not dominated.any()
    frame["on_frontier"] = on
    return frame.sort_values("extra_spend", ignore_index=True)


def _family(pol: dict) -> tuple[object, tuple, tuple[str, ...]]:
    over = pol.get("overrides") or {}
    fixed = tuple(sorted((k, repr(v)) for k, v in over.items() if not k.endswith(".budget")))
    budgets = tuple(sorted(k for k in over if k.endswith(".budget")))
    return pol.get("preset"), fixed, budgets


def doses(exp: Experiment, panel: Panel, effects: pd.DataFrame, points: pd.DataFrame,
          horizon: int) -> pd.DataFrame:
    """Dose-response tables against the first reference at ``horizon``.

    Two sources: families of unswept policies that differ only in their budget overrides
    (same preset and other settings, e.g. ``targeted_20`` ... ``targeted_160``), and sweeps
    over ``*.budget`` levers (averaged over the other levers' values).

    Returns:
        One row per family and budget: ``family``, ``source``, ``policy``, ``budget``
        (mRMB/year offered), ``extra_spend`` (discounted realized, vs the reference),
        ``effect`` with ``lo``/``hi``, ``national_effect``, ``levels`` (budgets in the
        family).
    """
    refs = references(exp)
    if not refs:
        return pd.DataFrame()
    ref, primary = refs[0], exp.analysis["primary"]
    rows = []
    eff = effects
    if not eff.empty:
        eff = eff[(eff["reference"] == ref) & (eff["outcome"] == primary)
                  & (eff["horizon"] == horizon)]
    groups: dict[tuple, list[str]] = {}
    policies = exp.design.get("policies", {})
    for name in unswept(exp):
        if name in refs or name not in policies:
            continue
        key = _family(policies[name])
        if key[2]:
            groups.setdefault(key, []).append(name)
    for key, names in groups.items():
        budgets = {n: sum(float(policies[n]["overrides"][k]) for k in key[2]) for n in names}
        if len(names) < 2 or len(set(budgets.values())) < 2:
            continue
        label = "+".join(k.split(".")[-2] for k in key[2])
        if any(r["family"] == label for r in rows):
            label = f"{label} ({names[0]}...)"
        for n in sorted(names, key=budgets.get):
            foc = eff[(eff["policy"] == n) & (eff["scope"] == exp.focus)]
            nat = eff[(eff["policy"] == n) & (eff["scope"] == NATIONAL)]
            if foc.empty:
                continue
            c = paired(panel, DISC, horizon, exp.focus, (n, -1), (ref, -1))
            rows.append(dict(family=label, source="policies", policy=n, budget=budgets[n],
                             extra_spend=float(np.mean(c)) if c.size else math.nan,
                             effect=float(foc["mean"].iloc[0]), lo=float(foc["lo"].iloc[0]),
                             hi=float(foc["hi"].iloc[0]),
                             national_effect=(float(nat["mean"].iloc[0]) if len(nat)
                                              else math.nan), levels=len(names)))
    if not points.empty and "effect" in points.columns:
        for lever in budget_levers(exp):
            if lever not in points.columns:
                continue
            for pol, grp in points.groupby("policy", sort=False):
                agg = grp.groupby(lever, as_index=False)[
                    ["effect", "lo", "hi", "national_effect", "extra_spend"]].mean()
                for r in agg.to_dict("records"):
                    rows.append(dict(family=f"{pol}: {lever.split('.')[-2]}", source="sweep",
                                     policy=pol, budget=float(r[lever]),
                                     extra_spend=r["extra_spend"], effect=r["effect"],
                                     lo=r["lo"], hi=r["hi"],
                                     national_effect=r["national_effect"],
                                     levels=int(grp[lever].nunique())))
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["reference"], frame["horizon"] = ref, horizon
    return frame
