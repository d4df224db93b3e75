"""Seaborn figures of an experiment's report, written as PNGs into ``DIR/report/figures``.

Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot, no global backend
switch), styled with seaborn, like :mod:`experiments.run.plots`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from experiments.analysis.data import NATIONAL, Experiment

STYLE = "whitegrid"
PALETTE = "colorblind"
DPI = 110
LAYERS = {"firms_base": "base-layer firms", "firms_tech": "technology-layer firms",
          "firms_app": "application-layer firms", "base_tech_share": "base+tech share"}


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")


def layers(exp: Experiment, policies: list[str], path: Path) -> Path | None:
    """The focus region's firms by layer over time per policy: mean line and 5-95 % band
    across replications."""
    cols = [c for c in LAYERS if c in exp.panel.columns]
    sel = exp.panel[(exp.panel["scope"] == exp.focus) & (exp.panel["point"] == -1)
                    & exp.panel["policy"].isin(policies)]
    if sel.empty or not cols or sel["step"].nunique() < 2:
        return None
    with sns.axes_style(STYLE):
        fig = Figure(figsize=(4.2 * len(cols), 4.0), layout="constrained")
        axes = fig.subplots(1, len(cols), squeeze=False).ravel()
        palette = dict(zip(policies, sns.color_palette(PALETTE, len(policies)), strict=True))
        grouped = sel.groupby(["policy", "step"])[cols]
        mean, low, high = grouped.mean(), grouped.quantile(0.05), grouped.quantile(0.95)
        for ax, col in zip(axes, cols, strict=True):
            for pol in policies:
                if pol not in mean.index.get_level_values("policy"):
                    continue
                m, lo, hi = mean.loc[pol, col], low.loc[pol, col], high.loc[pol, col]
                ax.plot(m.index, m.to_numpy(), color=palette[pol], label=pol)
                ax.fill_between(m.index, lo.to_numpy(), hi.to_numpy(), color=palette[pol],
                                alpha=0.2, linewidth=0)
            if col == cols[0]:
                ax.legend(loc="upper left", fontsize="small", title="policy")
            ax.set_title(f"{exp.focus}: {LAYERS[col]}")
            ax.set_xlabel("quarter (step)")
            ax.set_ylabel(LAYERS[col])
        fig.suptitle("Mean over replications; band: 5-95 % of replications")
        return _save(fig, path)


def effect_bars(exp: Experiment, effects: pd.DataFrame, reference: str,
                path: Path) -> Path | None:
    """Mean paired effects against ``reference`` with their intervals: one panel per
    outcome (rows) and scope (columns), bars per policy, one colour per horizon."""
    sel = effects[effects["reference"] == reference] if not effects.empty else effects
    if sel.empty:
        return None
    outcomes = list(dict.fromkeys(sel["outcome"]))
    scopes = [s for s in (exp.focus, NATIONAL) if s in set(sel["scope"])]
    policies = list(dict.fromkeys(sel["policy"]))
    horizons = sorted(sel["horizon"].unique())
    colors = sns.color_palette(PALETTE, len(horizons))
    width = 0.8 / len(horizons)
    with sns.axes_style(STYLE):
        fig = Figure(figsize=(5.5 * len(scopes), 0.5 + (0.45 * len(policies) + 1.2)
                              * len(outcomes)), layout="constrained")
        axes = fig.subplots(len(outcomes), len(scopes), squeeze=False)
        for r, outcome in enumerate(outcomes):
            for c, scope in enumerate(scopes):
                ax = axes[r, c]
                part = sel[(sel["outcome"] == outcome) & (sel["scope"] == scope)]
                if part.empty:
                    ax.set_visible(False)
                    continue
                for k, h in enumerate(horizons):
                    ph = part[part["horizon"] == h].set_index("policy").reindex(policies)
                    y = np.arange(len(policies)) + (k - (len(horizons) - 1) / 2) * width
                    mean = ph["mean"].to_numpy(dtype=float)
                    err = np.vstack([mean - ph["lo"].to_numpy(dtype=float),
                                     ph["hi"].to_numpy(dtype=float) - mean])
                    ax.barh(y, mean, height=width, color=colors[k], label=f"{h} quarters")
                    ax.errorbar(mean, y, xerr=np.nan_to_num(err), fmt="none", ecolor="black",
                                elinewidth=1, capsize=2)
                ax.axvline(0, color="black", linewidth=0.8)
                ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
                ax.set_yticks(np.arange(len(policies)), policies)
                ax.invert_yaxis()
                ax.set_title(f"{outcome} ({scope})", fontsize="medium")
                ax.set_xlabel(f"effect vs {reference}")
                if r == 0 and c == 0:
                    ax.legend(fontsize="small", title="horizon")
        level = int(round(100 * (1 - exp.analysis["alpha"])))
        fig.suptitle(f"Paired effects against {reference} (mean, {level} % "
                     f"{exp.analysis['interval']} interval)")
        return _save(fig, path)


def distributions(exp: Experiment, diffs: pd.DataFrame, path: Path) -> Path | None:
    """Paired differences of the primary outcome per policy (one dot per replication)."""
    if diffs.empty:
        return None
    with sns.axes_style(STYLE):
        n = diffs["policy"].nunique()
        fig = Figure(figsize=(7.5, 1.0 + 0.5 * n), layout="constrained")
        ax = fig.subplots()
        sns.boxplot(data=diffs, x="difference", y="policy", color="0.9", whis=(5, 95),
                    showfliers=False, ax=ax)
        sns.stripplot(data=diffs, x="difference", y="policy", hue="policy", palette=PALETTE,
                      legend=False, size=4, alpha=0.8, ax=ax)
        ax.axvline(0, color="black", linewidth=0.8)
        first = diffs.iloc[0]
        ax.set_xlabel(f"{first['outcome']} at {first['horizon']} quarters, minus "
                      f"{first['reference']} (same seed)")
        ax.set_title(f"{exp.focus}: paired differences per replication (box: quartiles, "
                     "whiskers 5-95 %)", fontsize="medium")
        return _save(fig, path)


def dose_response(exp: Experiment, dose: pd.DataFrame, path: Path) -> Path | None:
    """Effect of the primary outcome against the budget offered and against the discounted
    realized spending it bought, one line per family (band: interval of the paired effect;
    dashed: national effect)."""
    if dose.empty:
        return None
    families = list(dict.fromkeys(dose["family"]))
    colors = dict(zip(families, sns.color_palette(PALETTE, len(families)), strict=True))
    with sns.axes_style(STYLE):
        fig = Figure(figsize=(12, 4.6), layout="constrained")
        axes = fig.subplots(1, 2).ravel()
        for ax, x, label in ((axes[0], "budget", "budget offered (mRMB/year)"),
                             (axes[1], "extra_spend", "extra discounted realized spending vs "
                              f"{dose['reference'].iloc[0]} (mRMB)")):
            for fam in families:
                grp = dose[dose["family"] == fam].sort_values(x)
                ax.plot(grp[x], grp["effect"], marker="o", color=colors[fam],
                        label=f"{fam} ({exp.focus})")
                ax.fill_between(grp[x], grp["lo"], grp["hi"], color=colors[fam], alpha=0.2)
                ax.plot(grp[x], grp["national_effect"], marker="s", linestyle="--",
                        color=colors[fam], alpha=0.7, label=f"{fam} (national)")
            ax.axhline(0, color="black", linewidth=0.8)
            ax.set_xlabel(label)
            ax.set_ylabel(f"effect on {exp.analysis['primary']} vs "
                          f"{dose['reference'].iloc[0]}")
        axes[0].legend(fontsize="small")
        fig.suptitle(f"Dose-response at {int(dose['horizon'].iloc[0])} quarters (band: "
                     "interval of the paired effect; sweeps: mean over the other levers)",
                     fontsize="medium")
        return _save(fig, path)


def frontier(exp: Experiment, front: pd.DataFrame, path: Path) -> Path | None:
    """Extra discounted spending against effect, with the cost-effectiveness frontier."""
    if front.empty or not np.isfinite(front["extra_spend"]).any():
        return None
    with sns.axes_style(STYLE):
        fig = Figure(figsize=(7.5, 5.0), layout="constrained")
        ax = fig.subplots()
        pol = front[front["point"] == -1]
        pts = front[front["point"] != -1]
        if len(pts):
            ax.scatter(pts["extra_spend"], pts["effect"], s=14, color="0.6",
                       label="sweep points")
        ax.errorbar(pol["extra_spend"], pol["effect"],
                    yerr=np.nan_to_num(np.vstack([pol["effect"] - pol["lo"],
                                                  pol["hi"] - pol["effect"]])),
                    fmt="o", color=sns.color_palette(PALETTE)[0], capsize=3,
                    label="policies (interval)")
        for rec in pol.itertuples():
            ax.annotate(rec.label, (rec.extra_spend, rec.effect), fontsize="small",
                        xytext=(4, 4), textcoords="offset points")
        on = front[front["on_frontier"]].sort_values("extra_spend")
        ax.step(on["extra_spend"], on["effect"], where="post", color="black",
                linewidth=1.2, label="frontier")
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xlabel(f"extra discounted realized spending vs {front['reference'].iloc[0]} "
                      f"(mRMB, {exp.analysis['discount_rate']:.0%}/year)")
        ax.set_ylabel(f"effect on {exp.analysis['primary']} ({exp.focus})")
        ax.set_title(f"Cost-effectiveness frontier at {int(front['horizon'].iloc[0])} quarters",
                     fontsize="medium")
        ax.legend(fontsize="small")
        return _save(fig, path)


def heatmaps(exp: Experiment, points: pd.DataFrame, levers: list[str],
             folder: Path) -> list[Path]:
    """Grid sweeps over two levers: mean effect (or level) of the primary outcome."""
    if points.empty or len(levers) != 2 or not all(lv in points.columns for lv in levers):
        return []
    value = "effect" if "effect" in points.columns else "level"
    out = []
    for pol, grp in points.groupby("policy"):
        table = grp.pivot_table(index=levers[0], columns=levers[1], values=value,
                                aggfunc="mean").sort_index(ascending=False)
        with sns.axes_style("white"):
            fig = Figure(figsize=(1.2 + 1.1 * table.shape[1], 1.2 + 0.8 * table.shape[0]),
                         layout="constrained")
            ax = fig.subplots()
            sns.heatmap(table, annot=True, fmt=".3g", cmap="vlag", center=0 if
                        value == "effect" else None, ax=ax,
                        cbar_kws={"label": f"{value} of {exp.analysis['primary']}"})
            ax.set_title(f"{pol}: {value} at {int(grp['horizon'].iloc[0])} quarters",
                         fontsize="medium")
            out.append(_save(fig, folder / f"heatmap_{_slug(pol)}.png"))
    return out


def sensitivity_bars(exp: Experiment, indices: pd.DataFrame, horizon: int,
                     folder: Path) -> list[Path]:
    """Sensitivity indices of the primary outcome at ``horizon`` with SALib's intervals."""
    if indices.empty:
        return []
    primary = exp.analysis["primary"]
    sel = indices[(indices["outcome"] == primary) & (indices["horizon"] == horizon)]
    if "S2" in sel.columns:
        sel = sel[sel["S2"].isna()]
    out = []
    for pol, grp in sel.groupby("policy"):
        kinds = list(dict.fromkeys(grp["kind"]))
        method = grp["method"].iloc[0]
        with sns.axes_style(STYLE):
            fig = Figure(figsize=(5.5 * len(kinds), 1.5 + 0.5 * grp["parameter"].nunique()),
                         layout="constrained")
            axes = fig.subplots(1, len(kinds), squeeze=False).ravel()
            for ax, kind in zip(axes, kinds, strict=True):
                part = grp[grp["kind"] == kind].reset_index(drop=True)
                y = np.arange(len(part))
                if method == "sobol":
                    bars = [("S1", -0.2), ("ST", 0.2)]
                else:
                    bars = [("mu_star", 0.0)]
                colors = sns.color_palette(PALETTE, len(bars))
                for (name, off), color in zip(bars, colors, strict=True):
                    ax.barh(y + off, part[name], height=0.38 if len(bars) > 1 else 0.6,
                            color=color, label=name,
                            xerr=np.nan_to_num(part[f"{name}_conf"].to_numpy(dtype=float)),
                            error_kw={"elinewidth": 1, "capsize": 2})
                ax.set_yticks(y, [p.removeprefix(f"policy.{exp.focus}.") for p in
                                  part["parameter"]])
                ax.invert_yaxis()
                ax.axvline(0, color="black", linewidth=0.8)
                ax.set_title(f"{kind} of {primary}" + (f" vs {part['reference'].iloc[0]}"
                                                       if kind == "effect" else ""),
                             fontsize="medium")
                ax.legend(fontsize="small")
            level = int(round(100 * (1 - exp.analysis["alpha"])))
            fig.suptitle(f"{pol}: {method} indices at {horizon} quarters\n"
                         f"(error bars: SALib's {level} % bootstrap interval)",
                         fontsize="medium")
            out.append(_save(fig, folder / f"sensitivity_{method}_{_slug(pol)}.png"))
    return out
