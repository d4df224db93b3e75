"""Global sensitivity with SALib: Sobol and Morris indices, on levels and on policy effects.

SALib's estimators rely on the row order of the sample, so the outputs are put back in
sample order by the manifest's ``point`` (the SALib sample index) and no point may be
missing: :func:`check_points` refuses and lists the missing sample indices. A stochastic
model's output is averaged over the replications of each point before the analysis. On
effects, a point's value is its outcome minus the reference policy's outcome for the same
replication (common random numbers), averaged over replications. Confidence intervals are
SALib's bootstrap half-widths (``*_conf``) at the design's confidence level.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from experiments.analysis.data import Experiment
from experiments.analysis.effects import Panel, report_horizons
from experiments.analysis.spec import MissingRuns

METHODS = ("sobol", "morris")


def sensitivity_method(exp: Experiment) -> str | None:
    """``"sobol"`` or ``"morris"`` when the design's sweep is one of them, else None."""
    sweep = exp.design.get("sweep") or {}
    method = sweep.get("method")
    return method if method in METHODS else None


def expected_points(sweep: dict) -> int:
    """Number of sample points SALib's sampler makes for the sweep."""
    problem = sweep["problem"]
    d, n = int(problem["num_vars"]), int(sweep["samples"])
    if sweep["method"] == "sobol":
        return n * (2 * d + 2) if sweep.get("second_order") else n * (d + 2)
    return n * (d + 1)  # morris: trajectories x (D + 1)


def swept_policies(exp: Experiment) -> list[str]:
    """Policies the sweep applies to."""
    sweep = exp.design.get("sweep") or {}
    return list(sweep.get("policies") or exp.policies)


def check_points(exp: Experiment) -> None:
    """Refuse a Sobol or Morris analysis with missing sample points.

    Raises:
        MissingRuns: Listing, per policy, the sample indices with at least one planned run
            (replication) absent from ``runs/``, or never planned.
    """
    if sensitivity_method(exp) is None:
        return
    sweep = exp.design["sweep"]
    total = expected_points(sweep)
    problems = []
    present = set(exp.panel["run_id"].unique())
    for pol in swept_policies(exp):
        man = exp.manifest[(exp.manifest["policy"] == pol) & (exp.manifest["point"] >= 0)]
        done = man["run_id"].isin(present)
        missing = set(man.loc[~done, "point"].astype(int))
        missing |= set(range(total)) - set(man["point"].astype(int))
        if missing:
            idx = sorted(missing)
            problems.append(f"policy {pol!r}: {len(idx)} of {total} sample points missing: "
                            f"{_ranges(idx)}")
    if problems:
        raise MissingRuns(f"{exp.out_dir}: {sweep['method']} analysis refused: SALib needs "
                          "every sample point in order. " + "; ".join(problems)
                          + ". Resume the experiment (the same `ai-chain experiment` "
                          "command, with --retry-failed for failed runs) and report again.")


def _ranges(idx: list[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``"1-3, 7"``."""
    out, start, prev = [], idx[0], idx[0]
    for i in idx[1:] + [None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        out.append(f"{start}-{prev}" if prev > start else f"{start}")
        if i is not None:
            start = prev = i
    return ", ".join(out)


def point_means(exp: Experiment, panel: Panel, policy: str, outcome: str, horizon: int,
                reference: str | None) -> np.ndarray:
    """Mean over replications of the outcome (or of its paired effect against
    ``reference``: at the same sample point and seed when the reference is swept too, else
    its unswept run with the same seed) at each sample point, in sample order."""
    total = expected_points(exp.design["sweep"])
    sel = panel.frame.xs((exp.focus, horizon, policy), level=("scope", "step", "policy"))
    if outcome not in sel.columns:
        return np.full(total, np.nan)
    vals = sel[outcome]
    if reference is not None:
        if reference in swept_policies(exp):  # crossed: same point and seed
            ref = panel.frame.xs((exp.focus, horizon, reference),
                                 level=("scope", "step", "policy"))[outcome]
            base = ref.reindex(vals.index).to_numpy()
        else:
            ref = panel.values(outcome, horizon, exp.focus, reference, -1)
            base = ref.reindex(vals.index.get_level_values("replication")).to_numpy()
        vals = pd.Series(vals.to_numpy() - base, index=vals.index)
    means = vals.groupby(level="point").mean()
    return means.reindex(range(total)).to_numpy(dtype=float)


def _sample_matrix(exp: Experiment, policy: str, names: list[str]) -> np.ndarray:
    man = exp.manifest[(exp.manifest["policy"] == policy) & (exp.manifest["point"] >= 0)]
    man = man.drop_duplicates("point").set_index("point").sort_index()
    return man[names].to_numpy(dtype=float)


def _reference(exp: Experiment) -> str | None:
    """The policy sensitivity effects are measured against (``None``: levels only)."""
    ref = exp.analysis.get("sensitivity_reference") or None
    have = set(exp.panel["policy"].unique())
    if ref is None:
        ref = next((r for r in exp.analysis["references"] if r in have), None)
    if ref is not None and ref not in have:
        exp.notes.append(f"sensitivity_reference {ref!r} has no runs: indices of levels only.")
        ref = None
    return ref


def _sobol_rows(sobol: Any, y: np.ndarray, sweep: dict, settings: tuple,
                base: dict) -> list[dict]:
    """Rows of first-, total- (and second-) order Sobol indices of ``y``."""
    problem, names, resamples, conf, seed = settings
    res = sobol.analyze(problem, y, calc_second_order=bool(
        sweep.get("second_order")), num_resamples=resamples,
        conf_level=conf, seed=seed)
    rows = []
    for j, nm in enumerate(names):
        rows.append(dict(base, parameter=nm, S1=res["S1"][j],
                         S1_conf=res["S1_conf"][j], ST=res["ST"][j],
                         ST_conf=res["ST_conf"][j]))
    if sweep.get("second_order"):
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                rows.append(dict(base, parameter=f"{names[i]} x {names[j]}",
                                 S2=res["S2"][i, j], S2_conf=res["S2_conf"][i, j]))
    return rows


def _morris_rows(morris: Any, x: np.ndarray, y: np.ndarray, sweep: dict, settings: tuple,
                 base: dict) -> list[dict]:
    """Rows of Morris elementary-effect statistics of ``y``."""
    problem, names, resamples, conf, seed = settings
    res = morris.analyze(problem, x, y, num_resamples=resamples, conf_level=conf,
                         num_levels=int(sweep.get("levels") or 4), seed=seed)
    return [dict(base, parameter=nm, mu=res["mu"][j], mu_star=res["mu_star"][j],
                 mu_star_conf=res["mu_star_conf"][j], sigma=res["sigma"][j])
            for j, nm in enumerate(names)]


def analyze(exp: Experiment, panel: Panel) -> pd.DataFrame:
    """Sobol or Morris indices for every swept policy, outcome, report horizon and kind
    (``level``; ``effect`` against the sensitivity reference when there is one).

    Returns:
        Sobol: one row per parameter with ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (and rows
        ``a x b`` with ``S2``, ``S2_conf`` for second-order designs). Morris: ``mu``,
        ``mu_star``, ``mu_star_conf``, ``sigma``. Empty without a Sobol/Morris sweep.
    """
    method = sensitivity_method(exp)
    if method is None:
        return pd.DataFrame()
    from SALib.analyze import morris, sobol

    check_points(exp)
    sweep = exp.design["sweep"]
    problem = {k: sweep["problem"][k] for k in ("num_vars", "names", "bounds")}
    names = list(problem["names"])
    a = exp.analysis
    conf = 1.0 - a["alpha"]
    resamples = min(int(a["bootstrap"]), 1000)
    swept = swept_policies(exp)
    ref = _reference(exp)
    settings = (problem, names, resamples, conf, a["bootstrap_seed"])
    rows = []
    for pol in swept:
        kinds = [("level", None)] + ([("effect", ref)] if ref not in (None, pol) else [])
        for outcome in exp.outcome_columns():
            for h in report_horizons(exp):
                for kind, against in kinds:
                    y = point_means(exp, panel, pol, outcome, h, against)
                    if not np.isfinite(y).all():
                        exp.notes.append(f"{method} indices of {outcome} at {h} quarters "
                                         f"({pol}, {kind}) skipped: undefined values.")
                        continue
                    base = dict(method=method, policy=pol, kind=kind,
                                reference=against or "", outcome=outcome, horizon=h)
                    if np.ptp(y) == 0:
                        exp.notes.append(f"{method}: {outcome} at {h} quarters ({pol}, {kind})"
                                         " does not vary over the sample; no indices.")
                        continue
                    if method == "sobol":
                        rows += _sobol_rows(sobol, y, sweep, settings, base)
                    else:
                        x = _sample_matrix(exp, pol, names)
                        rows += _morris_rows(morris, x, y, sweep, settings, base)
    frame = pd.DataFrame(rows)
    for col in frame.columns:
        if frame[col].dtype == object and col not in ("method", "policy", "kind", "reference",
                                                      "outcome", "parameter"):
            frame[col] = frame[col].astype(float)
    return frame
