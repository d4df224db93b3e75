"""``summary.md``: the report as a readable Markdown document.

Kept as one module (about 420 lines) on purpose: one short function per section of
``summary.md``, in the document's order, so the report reads top to bottom here.
"""

# size: one short function per section of summary.md, in the document's order.

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from experiments.analysis import effects, sensitivity
from experiments.analysis.data import NATIONAL, Experiment
from experiments.analysis.pipeline import Results
from experiments.analysis.spec import DERIVED_DOCS, LOWER_IS_BETTER


def num(x: object, digits: int = 3) -> str:
    """A number with ``digits`` significant digits (thousands separated); blank for NaN."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(v):
        return "–"
    if v == 0:
        return "0"
    if abs(v) >= 10 ** digits:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


def interval(mean: object, lo: object, hi: object) -> str:
    """``"3.02 [2.5, 3.5]"``."""
    return f"{num(mean)} [{num(lo)}, {num(hi)}]"


def pct(x: object) -> str:
    """A probability as a percentage."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return f"{100 * v:.0f} %" if math.isfinite(v) else "–"


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _design(exp: Experiment) -> list[str]:
    d = exp.design
    planned, done = len(exp.manifest), len(exp.manifest) - len(exp.missing)
    base = (f"model hook `{d['model']}`" if d.get("model") else
            f"base scenario `{d.get('scenario', '')}`")
    out = ["## Design", "",
           f"- File: `{d.get('file', '')}`; {base}; "
           f"{exp.steps} quarters; {exp.replications} replications (seed {d.get('seed')}, "
           f"replication i shares its seed across every policy and sweep point); outputs: "
           f"{d.get('outputs', 'every')}; model version {d.get('model_version', '?')}.",
           f"- Runs: {done} of {planned} planned runs have results.", ""]
    rows = []
    for name, pol in d.get("policies", {}).items():
        over = pol.get("overrides") or {}
        text = ", ".join(f"`{k}` = {v}" for k, v in over.items()) or "(base scenario as is)"
        if pol.get("preset"):
            text = f"preset `{pol['preset']}`; " + text
        rows.append([f"`{name}`", text])
    out += [table(["policy", "package"], rows), ""]
    sweep = d.get("sweep")
    if sweep:
        levers = ", ".join(
            f"`{k}` " + (f"in {v['values']}" if "values" in v else
                         f"in [{num(v.get('low'))}, {num(v.get('high'))}]")
            for k, v in (sweep.get("levers") or {}).items())
        n = len(exp.manifest.loc[exp.manifest["point"] >= 0, "point"].unique())
        out += [f"- Sweep: {sweep.get('method')} over {levers}: {n} sample points, applied to "
                f"{', '.join(sensitivity.swept_policies(exp))}.", ""]
    return out


def _method(exp: Experiment, res: Results) -> list[str]:
    a = exp.analysis
    level = int(round(100 * (1 - a["alpha"])))
    kind = ("Student t interval of the mean paired difference" if a["interval"] == "t" else
            f"percentile bootstrap interval over replications ({a['bootstrap']} resamples, "
            f"seed {a['bootstrap_seed']})")
    primary = a["primary"]
    derived = f" ({DERIVED_DOCS[primary]})" if primary in DERIVED_DOCS else ""
    direction = "lower" if primary in LOWER_IS_BETTER else "higher"
    return ["## Method", "",
            f"- **Primary outcome (declared before the runs)**: `{primary}`{derived} in "
            f"{exp.focus} at {res.horizon} quarters; {direction} is better.",
            "- **Common random numbers**: replication i uses the same seed under every policy,"
            " so each effect is estimated from paired differences Y(policy, i) − "
            "Y(reference, i).",
            f"- **Intervals**: {level} % {kind}. Quantiles of the paired differences show the "
            "distribution; P(A beats B) is the share of paired seeds in which A is better "
            "(ties count one half).",
            f"- **Multiple comparisons**: Holm's step-down correction over the "
            f"{len(res.pairwise)} pairwise comparisons of the primary outcome (family-wise "
            f"error rate {a['alpha']}); other outcomes and horizons are descriptive.",
            f"- **Budgets**: compared by realized spending (`policy_spend`, what was paid out),"
            f" discounted at {a['discount_rate']:.1%} a year, not by the budgets offered.",
            "- **National totals** (sum over all regions) are shown beside "
            f"{exp.focus}'s: a firm moved from another province adds to {exp.focus} but not "
            "to the nation.",
            f"- **Cost-effectiveness**: mean extra discounted spending / mean extra outcome, "
            f"percentile bootstrap interval ({a['bootstrap']} resamples of paired "
            f"replications, seed {a['bootstrap_seed']}).", ""]


def _budget_check(exp: Experiment, res: Results, winner: str) -> list[str]:
    """Which comparisons of the winner are not at equal discounted realized spending."""
    sp = res.spending
    if sp.empty:
        return []
    at = sp[sp["horizon"] == res.horizon].set_index("policy")["mean"]
    if winner not in at.index:
        return []
    tol = exp.analysis["equal_budget_tolerance"]
    mine = float(at[winner])
    refs = set(effects.references(exp))
    other = [(p, float(v)) for p, v in at.items() if p != winner and p not in refs
             and abs(v - mine) > tol * max(abs(mine), 1e-9)]
    text = (f"Its discounted realized spending over {res.horizon} quarters is {num(mine)} mRMB"
            + (". Not at equal budget (beyond ±" + f"{tol:.0%}" + "): "
               + ", ".join(f"`{p}` ({num(v)})" for p, v in other)
               + "; compare those by cost-effectiveness." if other else
               f"; every other non-reference package is within ±{tol:.0%} of it."))
    return ["", text]


def _national_check(exp: Experiment, res: Results, winner: str) -> list[str]:
    """The winner's effect in the focus region beside its national effect."""
    eff = res.effects
    if eff.empty:
        return []
    sel = eff[(eff["policy"] == winner) & (eff["outcome"] == exp.analysis["primary"])
              & (eff["horizon"] == res.horizon)]
    foc = sel[sel["scope"] == exp.focus]
    nat = sel[sel["scope"] == NATIONAL]
    if foc.empty or nat.empty:
        return []
    f, n = foc.iloc[0], nat.iloc[0]
    return ["", f"Against `{f['reference']}`: {interval(f['mean'], f['lo'], f['hi'])} in "
                f"{exp.focus}, {interval(n['mean'], n['lo'], n['hi'])} nationally (firms "
                f"moved from other provinces count in {exp.focus} only)."]


def _claim(exp: Experiment, res: Results) -> list[str]:
    out = ["## Primary claim", ""]
    pw = res.pairwise
    if pw.empty:
        return out + ["No pairwise comparison is possible (fewer than two policies with "
                      "unswept runs).", ""]
    primary, alpha = exp.analysis["primary"], exp.analysis["alpha"]
    sig = pw[pw["significant"]]
    winners = []
    for pol in effects.unswept(exp):
        others = set(effects.unswept(exp)) - {pol}
        beaten = set(sig.loc[sig["policy"] == pol, "reference"])
        if others and beaten == others:
            winners.append(pol)
    if winners:
        w = winners[0]
        out.append(f"**`{w}` beats every other policy** on `{primary}` in {exp.focus} at "
                   f"{res.horizon} quarters after Holm's correction (α = {alpha}).")
        out += _budget_check(exp, res, w) + _national_check(exp, res, w)
    elif not sig.empty:
        out.append(f"After Holm's correction (α = {alpha}), these differences on `{primary}` "
                   f"at {res.horizon} quarters are significant: "
                   + "; ".join(f"`{r.policy}` > `{r.reference}`" for r in sig.itertuples())
                   + ". No policy beats every other one.")
    else:
        out.append(f"No difference on `{primary}` at {res.horizon} quarters is significant "
                   f"after Holm's correction (α = {alpha}).")
    out.append("")
    rows = [[f"`{r.policy}` − `{r.reference}`", interval(r.mean, r.lo, r.hi),
             pct(r.p_beats), num(r.p_value), num(r.p_holm), "yes" if r.significant else "no",
             num(r.national_mean)] for r in pw.itertuples()]
    out += [table(["comparison", f"{exp.focus}: mean [interval]", "P(beats)", "p",
                   "p (Holm)", "significant", "national mean"], rows), ""]
    if not res.pareto.empty:
        dom = [f"`{r.policy}` ≻ `{r.reference}`" + (" (all intervals exclude 0)"
                                                    if r.by_intervals else "")
               for r in res.pareto.itertuples()]
        out += [f"Pareto dominance over all outcomes ({res.pareto['outcomes'].iloc[0]}) at "
                f"{res.horizon} quarters, by mean paired differences: " + "; ".join(dom) + ".",
                ""]
    return out


def _q(name: str | None) -> str:
    """``"q05"`` -> ``"5"``."""
    return "" if name is None else f"{float(name[1:]):g}"


def _effects(exp: Experiment, res: Results) -> list[str]:
    eff = res.effects
    if eff.empty:
        return []
    out = []
    q = [c for c in eff.columns if c.startswith("q")]
    qlo, qhi = (q[0], q[-1]) if q else (None, None)
    for ref, grp in eff.groupby("reference", sort=False):
        out += [f"## Effects against `{ref}`", "",
                f"Mean paired difference [interval], P(better than `{ref}`), the "
                f"{_q(qlo)}–{_q(qhi)} % quantiles of the paired differences over seeds, and the "
                "national effect." if q else "", ""]
        rows = []
        foc = grp[grp["scope"] == exp.focus]
        nat = grp[grp["scope"] == NATIONAL].set_index(["policy", "outcome", "horizon"])
        for r in foc.itertuples():
            key = (r.policy, r.outcome, r.horizon)
            n = nat.loc[key] if key in nat.index else None
            rows.append([f"`{r.policy}`", f"`{r.outcome}`", str(r.horizon),
                         interval(r.mean, r.lo, r.hi), pct(r.p_beats),
                         f"{num(getattr(r, qlo))} … {num(getattr(r, qhi))}" if q else "",
                         interval(n["mean"], n["lo"], n["hi"]) if n is not None else "–"])
        out += [table(["policy", "outcome", "quarters", f"{exp.focus}", "P(better)",
                       f"{_q(qlo)}–{_q(qhi)} % of seeds", "national"], rows), ""]
    return out


def _spending(exp: Experiment, res: Results) -> list[str]:
    sp = res.spending
    if sp.empty:
        return []
    last = sp["horizon"].max()
    at = sp[sp["horizon"] == last]
    instr = [c for c in sp.columns if c not in ("policy", "horizon", "n", "mean", "lo", "hi",
                                                "equal_budget")]
    rows = []
    for r in at.to_dict("records"):
        used = ", ".join(f"{k} {num(r[k])}" for k in instr if r[k] and r[k] > 0) or "–"
        eq = r.get("equal_budget")
        rows.append([f"`{r['policy']}`", interval(r["mean"], r["lo"], r["hi"]), used,
                     "–" if eq is pd.NA or eq is None else ("yes" if eq else "**no**")])
    tol = exp.analysis["equal_budget_tolerance"]
    return [f"## Realized spending ({exp.focus}, first {last} quarters)", "",
            f"Discounted realized spending in mRMB [interval]; undiscounted spending by "
            f"instrument; equal budget = within {tol:.0%} of the median of the non-reference "
            "policies. Compare effects only between policies of equal realized budget, or "
            "use the cost-effectiveness table.", "",
            table(["policy", "discounted spending", "by instrument (mRMB)", "equal budget"],
                  rows), ""]


def _cost(exp: Experiment, res: Results) -> list[str]:
    ce = res.cost_effectiveness
    if ce.empty:
        return []
    rows = []
    for r in ce.itertuples():
        if not r.extra_outcome > 0:
            ratio = "no gain"
        elif not r.bounded:
            ratio = f"{num(r.ratio)} [unbounded]"
        else:
            ratio = interval(r.ratio, r.lo, r.hi)
        rows.append([f"`{r.policy}`", f"`{r.reference}`", r.scope, r.unit, num(r.extra_spend),
                     interval(r.extra_outcome, r.outcome_lo, r.outcome_hi), ratio])
    return [f"## Cost-effectiveness at {res.horizon} quarters", "",
            "Extra discounted realized spending (mRMB) per extra unit of outcome, as a ratio of "
            "mean paired differences. \"no gain\": the mean gain is not positive; "
            "\"unbounded\": the bootstrap interval of the gain includes zero, so the cost per "
            "unit has no upper bound.", "",
            table(["policy", "against", "scope", "unit", "extra spend",
                   "extra outcome [bootstrap interval]", "cost per unit [bootstrap interval]"],
                  rows), ""]


def _dose(exp: Experiment, res: Results) -> list[str]:
    out = []
    dose, front = res.doses, res.frontier
    if not dose.empty:
        out += [f"## Dose–response at {res.horizon} quarters", "",
                f"Effect on `{exp.analysis['primary']}` in {exp.focus} against "
                f"`{dose['reference'].iloc[0]}` by budget offered, with the discounted "
                "realized spending it bought (extra vs the reference) and the national effect."
                " Sweep rows average the points' effects and interval bounds over the other "
                "levers' values.", ""]
        few = sorted({r.family for r in dose.itertuples() if r.levels < 3})
        if few:
            out += ["Fewer than 3 budget levels (not a dose–response): "
                    + ", ".join(f"`{f}`" for f in few) + ".", ""]
        rows = [[f"`{r.family}`", f"`{r.policy}`", num(r.budget), num(r.extra_spend),
                 interval(r.effect, r.lo, r.hi), num(r.national_effect)]
                for r in dose.itertuples()]
        out += [table(["family", "policy", "budget (mRMB/year)", "extra discounted spending",
                       "effect [interval]", "national effect"], rows), ""]
    if not front.empty:
        on = front[front["on_frontier"]]
        out += [f"## Cost-effectiveness frontier at {res.horizon} quarters", "",
                f"Against `{front['reference'].iloc[0]}`; on the frontier: no other package "
                "costs less and achieves more. Frontier: "
                + (", ".join(f"`{lab}` ({num(c)} mRMB → {num(e)})" for lab, c, e in
                             zip(on["label"], on["extra_spend"], on["effect"], strict=True))
                   or "–") + ".", ""]
    return out


def _across_sample(exp: Experiment, res: Results) -> list[str]:
    """Effects of swept policies over the sample points (robustness to the swept levers)."""
    pts = res.points
    if pts.empty or "effect" not in pts.columns:
        return []
    ref = pts["reference"].iloc[0]
    rows = []
    for pol, grp in pts.groupby("policy", sort=False):
        if pol == ref:
            continue
        e = grp["effect"].dropna()
        if e.empty:
            continue
        q = e.quantile([0.05, 0.5, 0.95])
        sig = ((grp["lo"] > 0) | (grp["hi"] < 0)).mean()
        rows.append([f"`{pol}`", str(len(e)), num(e.mean()),
                     f"{num(q.iloc[0])} / {num(q.iloc[1])} / {num(q.iloc[2])}",
                     pct((e > 0).mean()), pct(sig), num(grp["national_effect"].mean())])
    if not rows:
        return []
    return [f"## Effects across the sweep's sample at {res.horizon} quarters", "",
            f"Effect on `{exp.analysis['primary']}` in {exp.focus} against `{ref}` at each "
            "sample point (mean over seeds, paired by seed, and by point when the reference is"
            " swept too), summarised over the points: how robust the effect is to the swept "
            "levers.", "",
            table(["policy", "points", "mean effect", "5 / 50 / 95 % over points",
                   "points with effect > 0", "points with interval excluding 0",
                   "mean national effect"], rows), ""]


def _persistence(exp: Experiment, res: Results) -> list[str]:
    p = res.persistence
    if p.empty:
        return []
    rows = [[f"`{r.policy}`", f"`{r.reference}`", r.scope, str(r.sunset), str(r.horizon),
             interval(r.mean, r.lo, r.hi), pct(r.share_of_sunset_effect)]
            for r in p.itertuples()]
    return ["## Persistence after the sunset", "",
            "Effect of the primary outcome at the quarter the policy ends and later; the "
            "share of the sunset effect that remains is shown only when the effect at the "
            "sunset is distinguishable from zero.", "",
            table(["policy", "against", "scope", "ends at", "quarter", "effect [interval]",
                   "share of effect at sunset"], rows), ""]


def _adaptive(exp: Experiment, res: Results) -> list[str]:
    ad = res.adaptive
    if ad.empty:
        return []
    rows = [[f"`{r.policy}`" + (f" point {r.point}" if r.point >= 0 else ""), f"`{r.static}`",
             r.scope, num(r.tuned_spend), num(r.static_spend),
             "yes" if r.same_budget else "**no**", interval(r.mean, r.lo, r.hi),
             pct(r.p_beats)] for r in ad.itertuples()]
    first = ad.iloc[0]
    return ["## Adaptive policies, evaluated on fresh seeds", "",
            f"Tuned (choice of adaptive variant and of the best static package at the same "
            f"realized budget, or, if none is within ±"
            f"{exp.analysis['equal_budget_tolerance']:.0%}, the one closest in realized "
            f"spending) on replications {first['tune_reps']}; evaluated on replications "
            f"{first['eval_reps']}, which played no part in the choice.", "",
            table(["adaptive", "best static", "scope", "spend (tuned)", "spend (static)",
                   "same budget", "adaptive − static [interval]", "P(adaptive better)"],
                  rows), ""]


def _sensitivity(exp: Experiment, res: Results) -> list[str]:
    s = res.sensitivity
    if s.empty:
        return []
    method = s["method"].iloc[0]
    sel = s[(s["outcome"] == exp.analysis["primary"]) & (s["horizon"] == res.horizon)]
    if "S2" in sel.columns:
        sel = sel[sel["S2"].isna()]
    rows = []
    for r in sel.to_dict("records"):
        if method == "sobol":
            vals = [f"{num(r['S1'])} ± {num(r['S1_conf'])}", f"{num(r['ST'])} ± "
                    f"{num(r['ST_conf'])}"]
        else:
            vals = [f"{num(r['mu_star'])} ± {num(r['mu_star_conf'])}", num(r["sigma"])]
        rows.append([f"`{r['policy']}`", r["kind"], f"`{r['parameter']}`"] + vals)
    head = ["S1 ± conf", "ST ± conf"] if method == "sobol" else ["μ* ± conf", "σ"]
    level = int(round(100 * (1 - exp.analysis["alpha"])))
    return [f"## Sensitivity ({method})", "",
            f"Indices of `{exp.analysis['primary']}` at {res.horizon} quarters; outputs averaged"
            f" over replications per sample point, in SALib's sample order; ± is SALib's "
            f"{level} % bootstrap half-width. \"effect\" rows use the paired difference against"
            " the reference. Every outcome and horizon is in summary.csv.", "",
            table(["policy", "kind", "parameter"] + head, rows), ""]


def render(exp: Experiment, res: Results, figures: list[Path]) -> str:
    """The whole ``summary.md``."""
    d = exp.design
    out = [f"# Experiment report: {d.get('name', exp.out_dir.name)}", ""]
    if d.get("description"):
        out += [str(d["description"]), ""]
    out += _design(exp) + _method(exp, res) + _claim(exp, res) + _effects(exp, res)
    out += _spending(exp, res) + _cost(exp, res) + _dose(exp, res) + _across_sample(exp, res)
    out += _persistence(exp, res)
    out += _adaptive(exp, res) + _sensitivity(exp, res)
    if figures:
        out += ["## Figures", ""]
        out += [f"![{p.stem}](figures/{p.name})" for p in figures] + [""]
    caveats = list(dict.fromkeys(exp.notes)) + [
        "Effects are those of the model, under the scenario's assumptions; they are as good "
        "as its calibration (see README and docs/ODD.md).",
        "Secondary outcomes, other horizons and national effects are not corrected for "
        "multiple comparisons: read them as descriptive.",
        "P(A beats B) is the share of paired seeds, not a posterior probability.",
    ]
    out += ["## Caveats", ""] + [f"- {c}" for c in caveats] + [""]
    out += ["Tables in full: `summary.csv` (one row per section × policy × outcome × horizon "
            "× statistic).", ""]
    return "\n".join(out)
