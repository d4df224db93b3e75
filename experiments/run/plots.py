"""Figures of the focus region's (Shanxi's) AI chain over time, from a run's model.parquet.

Each ``draw_*`` function draws one panel on a matplotlib Axes; :func:`plot_run` writes one
PNG per topic plus ``overview.png`` with every panel. Figures are built with
:class:`matplotlib.figure.Figure` directly: no pyplot, no global backend switch (PNGs are
drawn by the Agg renderer whatever the session's backend), styled with seaborn.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from experiments.run.defaults import DEFAULT_FOCUS

STYLE = "whitegrid"
THOUSANDS = "{x:,.0f}"  # tick format of large counts
PALETTE = "colorblind"
LAYER_LABELS = {"firms_base": "base (chips, data, frameworks)",
                "firms_tech": "technology (general AI tech)",
                "firms_app": "application (incl. integrators)"}
TIER_LABELS = {"talent_general": "general", "talent_high_end": "high-end",
               "talent_composite": "composite"}
ROLE_LABELS = {"leading_firms": "leading firms", "little_giants": "little giants",
               "integrators": "integrators", "chain_masters": "chain masters"}


class PlotData:
    """The focus region's rows and national totals of a run, indexed by step."""

    def __init__(self, model_parquet: Path, region: str | None = None) -> None:
        table = pq.read_table(model_parquet)
        meta = table.schema.metadata or {}
        prov = json.loads(meta.get(b"ai_chain.provenance", b"{}"))
        frame = table.to_pandas()
        self.region = region or prov.get("focus_region") or DEFAULT_FOCUS
        self.n_regions = int(frame["region"].nunique())
        self.focus = frame[frame["region"] == self.region].set_index("step").sort_index()
        if self.focus.empty:
            raise ValueError(f"{model_parquet}: no rows for region {self.region!r}")
        numeric = frame.drop(columns=["quarter", "region"])
        self.national = numeric.groupby("step").sum().sort_index()
        self.steps = self.focus.index.to_numpy()
        self.quarters = self.focus["quarter"].astype(str).to_list()


def quarter_axis(ax: Axes, data: PlotData) -> None:
    """Quarter labels (2023Q1, ...) on the x axis, at most about ten of them."""
    last = int(data.steps[-1]) if len(data.steps) else 0
    stride = 1 if last <= 8 else 4 * max(1, math.ceil(last / 40))
    ticks = [s for s in data.steps if s % stride == 0]
    labels = dict(zip(data.steps, data.quarters, strict=True))
    ax.set_xticks(ticks, [labels[s] for s in ticks], rotation=45, ha="right")
    ax.set_xlim(data.steps[0] - 0.5, last + 0.5)
    ax.set_xlabel("quarter (end of)")


def _stack(ax: Axes, data: PlotData, cols: list[str], labels: list[str], colors: Any) -> None:
    """Stacked area over steps (stacked bars when there is a single step to show)."""
    values = [data.focus[c].to_numpy() for c in cols]
    if len(data.steps) > 1:
        ax.stackplot(data.steps, *values, labels=labels, colors=colors, alpha=0.85)
        return
    bottom = np.zeros(len(data.steps))
    for v, label, color in zip(values, labels, colors, strict=True):
        ax.bar(data.steps, v, bottom=bottom, label=label, color=color, alpha=0.85, width=0.6)
        bottom += v


def draw_firms_by_layer(ax: Axes, data: PlotData) -> None:
    """Stacked area of live firms by chain layer."""
    cols = list(LAYER_LABELS)
    colors = sns.color_palette(PALETTE, len(cols))
    _stack(ax, data, cols, [LAYER_LABELS[c] for c in cols], colors)
    ax.set_ylabel("live firms (firms)")
    ax.set_title(f"{data.region}: firms by chain layer")
    ax.legend(loc="upper left", fontsize="small")


def draw_base_tech_share(ax: Axes, data: PlotData) -> None:
    """Base + technology share of firms, the region against the whole country."""
    nat = data.national
    national = np.divide((nat["firms_base"] + nat["firms_tech"]).to_numpy(),
                         nat["firms_total"].to_numpy(),
                         out=np.zeros(len(nat)), where=nat["firms_total"].to_numpy() > 0)
    colors = sns.color_palette(PALETTE, 2)
    ax.plot(data.steps, 100 * data.focus["base_tech_share"], color=colors[0],
            marker=".", label=data.region)
    ax.plot(nat.index, 100 * national, color=colors[1], linestyle="--", label="national")
    ax.set_ylabel("base + technology share of firms (%)")
    ax.set_ylim(bottom=0)
    ax.set_title("Base + technology layers: share of firms")
    ax.legend(fontsize="small")


def _lines(ax: Axes, data: PlotData, labels: dict[str, str], scale: float = 1.0) -> None:
    colors = sns.color_palette(PALETTE, len(labels))
    for color, (col, label) in zip(colors, labels.items(), strict=True):
        ax.plot(data.steps, scale * data.focus[col], color=color, marker=".", label=label)
    ax.legend(fontsize="small")


def draw_local_sourcing(ax: Axes, data: PlotData) -> None:
    """Share of base and technology inputs bought from local firms."""
    _lines(ax, data, {"local_sourcing_base": "base inputs (incl. compute)",
                      "local_sourcing_tech": "technology inputs"}, 100.0)
    ax.set_ylabel("bought from local firms (%)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{data.region}: local sourcing of inputs")


def draw_talent(ax: Axes, data: PlotData) -> None:
    """Talent stock (employed + job-seekers) by tier."""
    _lines(ax, data, TIER_LABELS)
    ax.set_ylabel("talent stock (persons)")
    ax.yaxis.set_major_formatter(StrMethodFormatter(THOUSANDS))
    ax.set_ylim(bottom=0)
    ax.set_title(f"{data.region}: AI talent by tier")


def draw_vacancies(ax: Axes, data: PlotData) -> None:
    """Vacancies left unfilled after matching, by tier (stacked bars)."""
    cols = {"vacancies_general": "general", "vacancies_high_end": "high-end",
            "vacancies_composite": "composite"}
    colors = sns.color_palette(PALETTE, len(cols))
    bottom = np.zeros(len(data.steps))
    for color, (col, label) in zip(colors, cols.items(), strict=True):
        values = data.focus[col].to_numpy()
        ax.bar(data.steps, values, bottom=bottom, color=color, label=label, width=0.8)
        bottom += values
    ax.set_ylabel("unfilled vacancies (jobs)")
    ax.yaxis.set_major_formatter(StrMethodFormatter(THOUSANDS))
    ax.set_title(f"{data.region}: unfilled vacancies")
    ax.legend(fontsize="small")


def draw_roles(ax: Axes, data: PlotData) -> None:
    """Leading firms, little giants, integrators and chain masters."""
    _lines(ax, data, ROLE_LABELS)
    ax.set_ylabel("firms (firms)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{data.region}: firm roles")


def draw_policy_spend(ax: Axes, data: PlotData) -> None:
    """Realized policy spending by instrument (stacked area; instruments never used omitted)."""
    cols = [c for c in data.focus.columns
            if c.startswith("spend_") and data.focus[c].abs().sum() > 0]
    if cols:
        colors = sns.color_palette(PALETTE, len(cols))
        _stack(ax, data, cols, [c.removeprefix("spend_").replace("_", " ") for c in cols],
               colors)
        ax.legend(loc="upper left", fontsize="small")
    else:
        ax.text(0.5, 0.5, "no policy spending", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_ylabel("policy spending (mRMB/quarter)")
    ax.set_title(f"{data.region}: policy spending by instrument")


def draw_rank(ax: Axes, data: PlotData) -> None:
    """Rank among regions by number of firms (1 = most, at the top)."""
    ax.plot(data.steps, data.focus["rank"], color=sns.color_palette(PALETTE, 1)[0],
            marker="o")
    ax.set_ylim(data.n_regions + 0.5, 0.5)
    ax.set_yticks([1, *range(5, data.n_regions + 1, 5)])
    ax.set_ylabel(f"rank by firms (1 = most, of {data.n_regions})")
    ax.set_title(f"{data.region}: rank among regions")


#: File name -> panels drawn in it (one row of panels each).
FIGURES: dict[str, tuple[Any, ...]] = {
    "firms_by_layer": (draw_firms_by_layer,),
    "base_tech_share": (draw_base_tech_share,),
    "local_sourcing": (draw_local_sourcing,),
    "talent": (draw_talent, draw_vacancies),
    "roles": (draw_roles,),
    "policy_spend": (draw_policy_spend,),
    "rank": (draw_rank,),
}


def _figure(panels: tuple[Any, ...], data: PlotData, ncols: int = 1) -> Figure:
    nrows = math.ceil(len(panels) / ncols)
    with sns.axes_style(STYLE):
        fig = Figure(figsize=(7.5 * ncols, 4.2 * nrows), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, draw in zip(axes, panels, strict=False):
            draw(ax, data)
            quarter_axis(ax, data)
        for ax in axes[len(panels):]:
            ax.set_visible(False)
    return fig


def plot_run(model_parquet: Path, out_dir: Path, region: str | None = None) -> list[Path]:
    """Write the figures of a run's focus region (or ``region``) as PNGs into ``out_dir``.

    Returns:
        The written files: one per entry of :data:`FIGURES`, then ``overview.png``.
    """
    data = PlotData(Path(model_parquet), region)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, panels in FIGURES.items():
        path = out_dir / f"{name}.png"
        _figure(panels, data).savefig(path, dpi=110)
        written.append(path)
    every = tuple(p for panels in FIGURES.values() for p in panels)
    overview = _figure(every, data, ncols=2)
    overview.suptitle(f"{data.region}'s AI industry chain, {data.quarters[0]} to "
                      f"{data.quarters[-1]}", fontsize="x-large")
    path = out_dir / "overview.png"
    overview.savefig(path, dpi=80)
    written.append(path)
    return written

