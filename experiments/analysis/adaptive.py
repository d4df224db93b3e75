"""Adaptive policies: tuned on one set of seeds, evaluated on fresh seeds.

A policy is adaptive when its overrides set ``policy.<focus>.adaptive.enabled = true`` or
when the sweep varies ``policy.<focus>.adaptive.*`` levers for it. Replications ``[0, k)``
tune: among an adaptive policy's sweep points (or the policy itself when it is not swept)
the one with the best mean primary outcome at the primary horizon is chosen, and so is the
best static (non-adaptive, non-reference) package whose discounted realized spending is
within the equal-budget tolerance (if there is none, the one closest in realized spending,
flagged ``same_budget = False``). Replications ``[k, n)``, not used for either choice,
evaluate the chosen adaptive variant against the chosen static package (paired).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from experiments.analysis.costs import DISC
from experiments.analysis.data import NATIONAL, Experiment
from experiments.analysis.effects import Panel, references, sign, unswept
from experiments.analysis.stats import describe, prob_beats


def adaptive_policies(exp: Experiment) -> dict[str, bool]:
    """Adaptive policy -> whether its adaptive parameters are swept."""
    flag = f"policy.{exp.focus}.adaptive."
    sweep = exp.design.get("sweep") or {}
    swept_adaptive = any(k.startswith(flag) for k in (sweep.get("levers") or {}))
    swept_policies = sweep.get("policies") or list(exp.policies)
    out: dict[str, bool] = {}
    for name, pol in exp.design.get("policies", {}).items():
        enabled = bool((pol.get("overrides") or {}).get(flag + "enabled", False))
        swept = bool(swept_adaptive and sweep and name in swept_policies)
        if enabled or swept:
            out[name] = swept
    return out


def _mean_on(series: pd.Series, reps: np.ndarray) -> float:
    sub = series[series.index.isin(reps)]
    return float(sub.mean()) if len(sub) else math.nan


def tune_and_evaluate(exp: Experiment, panel: Panel, horizon: int) -> pd.DataFrame:
    """Tuned adaptive variant vs the best static package at the same budget, on fresh seeds.

    Returns:
        One row per adaptive policy and scope with the chosen point, the chosen static
        package, spending on the tuning seeds, and the paired statistics of
        ``adaptive - static`` on the evaluation seeds; empty when there is no adaptive
        policy or too few replications.
    """
    # size: tune on [0, k), evaluate on [k, n): one pass, kept together so the split is visible
    adaptive = adaptive_policies(exp)
    if not adaptive:
        return pd.DataFrame()
    n = exp.replications
    k = exp.analysis["tune_replications"] or n // 2
    if not 0 < k < n - 1:
        exp.notes.append(f"Adaptive policies are not evaluated: {n} replications leave no "
                         f"fresh seeds after tuning on {k} (need at least 2).")
        return pd.DataFrame()
    tune, test = np.arange(k), np.arange(k, n)
    primary = exp.analysis["primary"]
    s = sign(primary)
    refs = set(references(exp))
    statics = [p for p in unswept(exp) if p not in adaptive and p not in refs]
    tol = exp.analysis["equal_budget_tolerance"]
    a = exp.analysis
    rows = []
    for pol, swept in adaptive.items():
        points = sorted(exp.manifest.loc[exp.manifest["policy"] == pol, "point"].unique())
        if not swept:
            points = [-1]
        scores = {p: s * _mean_on(panel.values(primary, horizon, exp.focus, pol, p), tune)
                  for p in points}
        scores = {p: v for p, v in scores.items() if np.isfinite(v)}
        if not scores:
            continue
        best = max(scores, key=scores.get)
        spend = _mean_on(panel.values(DISC, horizon, exp.focus, pol, best), tune)
        close, nearest = [], []
        for st in statics:
            sp = _mean_on(panel.values(DISC, horizon, exp.focus, st), tune)
            score = s * _mean_on(panel.values(primary, horizon, exp.focus, st), tune)
            if not np.isfinite(score):
                continue
            gap = abs(sp - spend) if np.isfinite(sp) and np.isfinite(spend) else math.inf
            nearest.append((gap, -score, st, sp))
            if gap <= tol * abs(spend):
                close.append((score, st, sp))
        if close:
            _, static, static_spend = max(close)
        elif nearest:  # none at the same budget: the one closest in realized spending
            _, _, static, static_spend = min(nearest)
        else:
            continue
        for scope in (exp.focus, NATIONAL):
            ya = panel.values(primary, horizon, scope, pol, best)
            yb = panel.values(primary, horizon, scope, static)
            both = ya.index.intersection(yb.index).intersection(pd.Index(test))
            d = (ya.loc[both] - yb.loc[both]).to_numpy(dtype=float)
            d = d[np.isfinite(d)]
            if d.size < 2:
                continue
            row = dict(policy=pol, point=int(best), static=static, scope=scope,
                       outcome=primary, horizon=horizon, tune_reps=f"[0, {k})",
                       eval_reps=f"[{k}, {n})", tuned_spend=spend, static_spend=static_spend,
                       same_budget=bool(close))
            row.update(describe(d, a["alpha"], a["quantiles"], a["interval"], a["bootstrap"],
                                a["bootstrap_seed"] + len(rows)))
            row["p_beats"] = prob_beats(s * d)
            rows.append(row)
    return pd.DataFrame(rows)
