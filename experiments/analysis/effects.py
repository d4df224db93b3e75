"""Policy effects as paired differences under common random numbers; the primary claim.

An effect of policy A against reference R on an outcome at horizon h is estimated from the
differences ``Y_A,i(h) - Y_R,i(h)`` over replications i (both runs share seed i), in the
focus region and nationally. Pairwise comparisons between every two policies on the
pre-declared primary outcome at the primary horizon form the family that the Holm
correction covers.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from experiments.analysis import spec
from experiments.analysis.data import NATIONAL, Experiment
from experiments.analysis.stats import describe, holm, prob_beats

INDEX = ["scope", "step", "policy", "point", "replication"]


class Panel:
    """Fast look-ups of one outcome's values by (scope, step, policy, point).

    Attributes:
        frame: The panel indexed by (scope, step, policy, point, replication), sorted.
    """

    def __init__(self, exp: Experiment) -> None:
        self.frame = exp.panel.set_index(INDEX).sort_index()
        flat = exp.panel.reset_index(drop=True)
        self._cols = {c: flat[c].to_numpy() for c in flat.columns if c not in INDEX}
        self._reps = flat["replication"].to_numpy()
        self._groups = {tuple(k): np.sort(v) for k, v in
                        flat.groupby(INDEX[:-1], sort=False).indices.items()}

    def values(self, column: str, step: int, scope: str, policy: str,
               point: int = -1) -> pd.Series:
        """Values indexed by replication, NaNs dropped (empty when absent)."""
        pos = self._groups.get((scope, int(step), policy, int(point)))
        if pos is None or column not in self._cols:
            return pd.Series(dtype=float)
        vals = self._cols[column][pos].astype(float)
        reps = self._reps[pos]
        ok = ~np.isnan(vals)
        order = np.argsort(reps[ok], kind="stable")
        return pd.Series(vals[ok][order], index=reps[ok][order])


def unswept(exp: Experiment) -> list[str]:
    """Policies (design order) that have runs outside any sweep (``point == -1``)."""
    have = set(exp.panel.loc[exp.panel["point"] == -1, "policy"].unique())
    return [p for p in exp.policies if p in have] + sorted(have - set(exp.policies))


def references(exp: Experiment) -> list[str]:
    """Declared references that have unswept runs."""
    present = unswept(exp)
    refs = [r for r in exp.analysis["references"] if r in present]
    lost = [r for r in exp.analysis["references"] if r not in present]
    swept = set(exp.panel["policy"].unique())
    for r in lost:
        note = (f"Reference `{r}` is swept with the sample: effects against it appear in the "
                "sensitivity analysis and sweep points, paired at the same point and seed."
                if r in swept else f"Reference `{r}` has no runs in this experiment: no "
                "effects against it.")
        if note not in exp.notes:
            exp.notes.append(note)
    return refs


def sign(outcome: str) -> float:
    """+1 where higher is better, -1 where lower is better."""
    return -1.0 if outcome in spec.LOWER_IS_BETTER else 1.0


def sunset_ends(exp: Experiment) -> dict[str, int]:
    """Policies whose focus-region instruments all end before the last step: policy -> the
    last quarter in which any of them acts."""
    prefix = f"policy.{exp.focus}."
    out: dict[str, int] = {}
    for name, pol in exp.design.get("policies", {}).items():
        ends = [int(v) for k, v in (pol.get("overrides") or {}).items()
                if k.startswith(prefix) and k.endswith(".end")]
        if ends and max(ends) < exp.steps:
            out[name] = max(ends)
    return out


def report_horizons(exp: Experiment) -> list[int]:
    """Design horizons plus, for sunset policies, the sunset quarter and the last step."""
    available = set(exp.available_steps)
    extra = set()
    for end in sunset_ends(exp).values():
        extra |= {end, exp.steps}
    return sorted(set(exp.horizons) | {h for h in extra if h in available and h > 0})


def paired(panel: Panel, column: str, step: int, scope: str, a: tuple[str, int],
           b: tuple[str, int]) -> np.ndarray:
    """Paired differences A - B over the replications both have."""
    ya = panel.values(column, step, scope, *a)
    yb = panel.values(column, step, scope, *b)
    both = ya.index.intersection(yb.index)
    return (ya.loc[both] - yb.loc[both]).to_numpy(dtype=float)


def _stats(exp: Experiment, d: np.ndarray, outcome: str, salt: int) -> dict[str, float]:
    a = exp.analysis
    out = describe(d, a["alpha"], a["quantiles"], a["interval"], a["bootstrap"],
                   a["bootstrap_seed"] + salt)
    out["p_beats"] = prob_beats(sign(outcome) * d[np.isfinite(d)])
    return out


def policy_effects(exp: Experiment, panel: Panel) -> pd.DataFrame:
    """Effects of every unswept policy against every reference.

    Returns:
        One row per (policy, reference, scope, outcome, horizon) with ``n``, ``mean``,
        ``sd``, ``lo``, ``hi``, ``p_value``, ``p_beats`` and the quantiles of the paired
        differences.
    """
    rows = []
    policies = unswept(exp)
    refs = references(exp)
    for k, ref in enumerate(refs):
        for pol in policies:
            if pol == ref or pol in refs[:k]:  # an earlier reference: shown the other way
                continue
            for scope in (exp.focus, NATIONAL):
                for outcome in exp.outcome_columns():
                    for h in report_horizons(exp):
                        d = paired(panel, outcome, h, scope, (pol, -1), (ref, -1))
                        if d.size == 0 or not np.isfinite(d).any():
                            continue
                        row = dict(policy=pol, reference=ref, scope=scope, outcome=outcome,
                                   horizon=h)
                        row.update(_stats(exp, d, outcome, len(rows)))
                        rows.append(row)
    return pd.DataFrame(rows)


def pairwise(exp: Experiment, panel: Panel, horizon: int) -> pd.DataFrame:
    """Every two unswept policies on the primary outcome at ``horizon`` in the focus region,
    oriented so that ``policy`` is the better one on average, with Holm-adjusted p-values
    (``p_holm``) over this family and the national difference beside it."""
    primary = exp.analysis["primary"]
    rows = []
    for a, b in itertools.combinations(unswept(exp), 2):
        d = paired(panel, primary, horizon, exp.focus, (a, -1), (b, -1))
        if d.size == 0:
            continue
        if sign(primary) * np.nanmean(d) < 0:
            a, b, d = b, a, -d
        row = dict(policy=a, reference=b, scope=exp.focus, outcome=primary, horizon=horizon)
        row.update(_stats(exp, d, primary, len(rows)))
        dn = paired(panel, primary, horizon, NATIONAL, (a, -1), (b, -1))
        row["national_mean"] = float(np.nanmean(dn)) if np.isfinite(dn).any() else math.nan
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["p_holm"] = holm(frame["p_value"].to_numpy())
    frame["significant"] = frame["p_holm"] < exp.analysis["alpha"]
    return frame.sort_values("p_holm", kind="stable", ignore_index=True)


def pareto(exp: Experiment, panel: Panel, horizon: int) -> pd.DataFrame:
    """Pareto dominance between unswept policies over all outcomes in the focus region.

    ``by_means``: A is at least as good as B on every outcome's mean paired difference and
    better on one. ``by_intervals``: A is better on every outcome with the paired interval
    excluding zero.
    """
    rows = []
    outcomes = [o for o in exp.outcome_columns()]
    for a, b in itertools.permutations(unswept(exp), 2):
        means, los = [], []
        for o in outcomes:
            d = sign(o) * paired(panel, o, horizon, exp.focus, (a, -1), (b, -1))
            d = d[np.isfinite(d)]
            if d.size < 2:
                break
            s = describe(d, exp.analysis["alpha"], [], "t", 0, 0)
            means.append(s["mean"])
            los.append(s["lo"])
        else:
            if not means:
                continue
            by_means = all(m >= 0 for m in means) and any(m > 0 for m in means)
            by_int = all(lo > 0 for lo in los)
            if by_means:
                rows.append(dict(policy=a, reference=b, horizon=horizon, by_means=by_means,
                                 by_intervals=by_int, outcomes=", ".join(outcomes)))
    return pd.DataFrame(rows)


def persistence(effects: pd.DataFrame, exp: Experiment) -> pd.DataFrame:
    """For sunset policies: the primary effect at the sunset quarter and after it, and the
    share of the sunset effect that remains (only when that effect's interval excludes 0)."""
    ends = sunset_ends(exp)
    if effects.empty or not ends:
        return pd.DataFrame()
    primary = exp.analysis["primary"]
    rows = []
    sel = effects[(effects["outcome"] == primary)]
    for pol, end in ends.items():
        mine = sel[sel["policy"] == pol]
        for (ref, scope), grp in mine.groupby(["reference", "scope"], sort=False):
            grp = grp.set_index("horizon")
            if end not in grp.index:
                continue
            base = grp.loc[end, "mean"]
            # a share is meaningful only if the effect at the sunset is distinguishable from 0
            real = bool(grp.loc[end, "lo"] > 0 or grp.loc[end, "hi"] < 0)
            for h in grp.index[grp.index >= end]:
                rows.append(dict(policy=pol, reference=ref, scope=scope, outcome=primary,
                                 sunset=end, horizon=int(h), mean=grp.loc[h, "mean"],
                                 lo=grp.loc[h, "lo"], hi=grp.loc[h, "hi"],
                                 share_of_sunset_effect=(grp.loc[h, "mean"] / base
                                                         if real else math.nan)))
    return pd.DataFrame(rows)
