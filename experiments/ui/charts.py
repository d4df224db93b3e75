"""Charts of the browser page, drawn with matplotlib from a :class:`Frame`.

Each function in :data:`CHARTS` draws one figure from a frame
(:mod:`experiments.ui.record`). Nothing is recomputed from model internals: charts read
the output columns. Figures are built with :class:`matplotlib.figure.Figure` (no pyplot
state), so sessions can draw in parallel threads.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter, StrMethodFormatter

from experiments.run import plots
from experiments.run.provenance import quarter_label
from experiments.ui.record import (  # noqa: F401  (re-exported for the page)
    Frame,
    NetworkView,
    RunRecord,
    network_view,
    reference_series,
)
from model.params import LAYERS

PALETTE = plots.PALETTE
LAYER_COLS = ("share_base", "share_tech", "share_app")
LAYER_NAMES = {"base": "base", "tech": "technology", "app": "application"}
#: Figure size (inches) and resolution of the page's charts: ~490 x 290 px images.
FIGSIZE, TALL, DPI = (6.8, 4.0), (6.8, 5.6), 72
#: PNG encoding: fast compression (the images are small; encoding time matters more).
PNG_OPTIONS = {"compress_level": 1}
# ------------------------------------------------------------------------------ drawing
def _marker(frame: Frame) -> str | None:
    """A dot per point while a run has a single step (a line needs two points)."""
    return "o" if len(frame.steps) == 1 else None


def time_axis(ax: Axes, frame: Frame) -> None:
    """Quarter labels on the x axis over the whole horizon (stable while playing)."""
    last = max(frame.horizon, int(frame.steps[-1]))
    stride = 1 if last <= 6 else 4 * max(1, math.ceil(last / 24))
    ticks = list(range(0, last + 1, stride))
    ax.set_xticks(ticks, [quarter_label(frame.start, s) for s in ticks], rotation=45,
                  ha="right", fontsize="small")
    ax.set_xlim(-0.5, last + 0.5)
    ax.set_xlabel("quarter (end of)")


def chart_firms_by_layer(axes: list[Axes], frame: Frame) -> None:
    """The focus region's live firms by chain layer (stacked)."""
    (ax,) = axes
    plots.draw_firms_by_layer(ax, frame)
    ax.legend(fontsize="x-small", loc="upper right")  # the areas grow from the left
    time_axis(ax, frame)


def chart_layer_shares(axes: list[Axes], frame: Frame) -> None:
    """Layer shares of firms in the focus region (solid) against the national mix (dashed)."""
    (ax,) = axes
    colors = sns.color_palette(PALETTE, 3)
    nat = frame.national
    total = nat["firms_total"].to_numpy()
    for color, lay in zip(colors, LAYERS, strict=True):
        ax.plot(frame.steps, 100 * frame.focus[f"share_{lay}"], marker=_marker(frame), color=color,
                label=f"{frame.region}: {LAYER_NAMES[lay]}")
        national = np.divide(nat[f"firms_{lay}"].to_numpy(), total,
                             out=np.zeros(total.size), where=total > 0)
        ax.plot(frame.steps, 100 * national, marker=_marker(frame), color=color, linestyle="--",
                label=f"national: {LAYER_NAMES[lay]}")
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter())
    ax.set_ylabel("share of firms (%)")
    ax.set_title(f"{frame.region}: layer shares vs the national mix")
    ax.legend(fontsize="x-small", ncol=2, loc="center right")
    time_axis(ax, frame)


def chart_base_tech_vs_baseline(axes: list[Axes], frame: Frame) -> None:
    """Base+technology share of the run, with the baseline run (same seed) overlaid."""
    (ax,) = axes
    colors = sns.color_palette(PALETTE, 3)
    ax.plot(frame.steps, 100 * frame.focus["base_tech_share"], marker=_marker(frame),
            color=colors[0], label=f"{frame.region}: this run")
    if frame.reference is not None:
        ref = frame.reference
        ax.plot(np.arange(ref.size), 100 * ref, color=colors[1], linestyle="--",
                label=f"{frame.region}: {frame.reference_name} (same seed)")
    else:
        ax.text(0.98, 0.04, f"{frame.reference_name}: computing…", ha="right",
                va="bottom", transform=ax.transAxes, fontsize="small", color="0.4")
    nat = frame.national
    total = nat["firms_total"].to_numpy()
    national = np.divide((nat["firms_base"] + nat["firms_tech"]).to_numpy(), total,
                         out=np.zeros(total.size), where=total > 0)
    ax.plot(frame.steps, 100 * national, marker=_marker(frame), color=colors[2], linestyle=":",
            label="national")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(PercentFormatter())
    ax.set_ylabel("base + technology share (%)")
    ax.set_title(f"{frame.region}: base + technology share of firms")
    ax.legend(fontsize="x-small", loc="lower right")
    time_axis(ax, frame)


def chart_local_sourcing(axes: list[Axes], frame: Frame) -> None:
    """Share of inputs and final demand served by local firms, by layer."""
    (ax,) = axes
    labels = {"local_sourcing_base": "base inputs (incl. compute)",
              "local_sourcing_tech": "technology inputs",
              "local_sourcing_app": "application demand"}
    colors = sns.color_palette(PALETTE, 3)
    for color, (col, label) in zip(colors, labels.items(), strict=True):
        ax.plot(frame.steps, 100 * frame.focus[col], marker=_marker(frame), color=color,
                label=label)
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter())
    ax.set_ylabel("supplied by local firms (%)")
    ax.set_title(f"{frame.region}: local sourcing by layer")
    ax.legend(fontsize="x-small", loc="best")
    time_axis(ax, frame)


def chart_talent(axes: list[Axes], frame: Frame) -> None:
    """Talent stock by tier (top) and net migration of job-seekers (bottom)."""
    top, bottom = axes
    plots.draw_talent(top, frame)
    top.legend(fontsize="x-small", loc="best")
    time_axis(top, frame)
    top.set_xlabel("")
    migration = frame.focus["net_migration"].to_numpy()
    colors = np.where(migration >= 0, "#2a9d8f", "#e76f51")
    bottom.bar(frame.steps, migration, color=colors, width=0.8)
    bottom.axhline(0, color="0.3", linewidth=0.8)
    bottom.set_ylabel("net migration (persons)")
    bottom.yaxis.set_major_formatter(StrMethodFormatter(plots.THOUSANDS))
    bottom.set_title(f"{frame.region}: net migration of job-seekers (in − out)")
    time_axis(bottom, frame)


def chart_vacancies(axes: list[Axes], frame: Frame) -> None:
    """Vacancies left unfilled after matching, by tier (stacked)."""
    (ax,) = axes
    plots.draw_vacancies(ax, frame)
    ax.legend(fontsize="x-small", loc="best")
    time_axis(ax, frame)


def chart_roles(axes: list[Axes], frame: Frame) -> None:
    """Leading firms, little giants and integrators (top); integrators' project share."""
    top, bottom = axes
    labels = {"leading_firms": "leading firms", "little_giants": "little giants",
              "integrators": "integrators", "chain_masters": "chain masters"}
    colors = sns.color_palette(PALETTE, len(labels))
    for color, (col, label) in zip(colors, labels.items(), strict=True):
        top.plot(frame.steps, frame.focus[col], marker=_marker(frame), color=color, label=label)
    top.set_ylim(bottom=0)
    top.set_ylabel("firms (firms)")
    top.set_title(f"{frame.region}: firm roles")
    top.legend(fontsize="x-small", loc="best", ncol=2)
    time_axis(top, frame)
    top.set_xlabel("")
    bottom.plot(frame.steps, 100 * frame.focus["integrator_project_share"],
                marker=_marker(frame), color=colors[2])
    bottom.set_ylim(0, 100)
    bottom.yaxis.set_major_formatter(PercentFormatter())
    bottom.set_ylabel("won by local integrators (%)")
    bottom.set_title(f"{frame.region}: integrators' share of local projects")
    time_axis(bottom, frame)


def chart_policy_spend(axes: list[Axes], frame: Frame) -> None:
    """Realized policy spending by instrument (stacked)."""
    (ax,) = axes
    plots.draw_policy_spend(ax, frame)
    if ax.get_legend() is not None:
        ax.legend(fontsize="x-small", loc="upper right")  # the areas grow from the left
    time_axis(ax, frame)


def _grid(ids: np.ndarray, x0: float, y0: float, width: float, height: float) -> dict:
    """Deterministic positions of ``ids`` on a grid inside a box (sorted by id)."""
    n = ids.size
    if n == 0:
        return {}
    cols = max(1, math.ceil(math.sqrt(n * width / height)))
    rows = math.ceil(n / cols)
    k = np.arange(n)
    x = x0 + width * ((k % cols) + 0.5) / cols
    y = y0 + height * ((k // cols) + 0.5) / rows
    return {int(i): (float(a), float(b)) for i, a, b in zip(ids, x, y, strict=True)}


def chart_network(axes: list[Axes], frame: Frame) -> None:
    """Supplier and innovation links among the focus region's firms and outside firms.

    Columns are chain layers; the focus region's firms sit in the upper band, outside
    suppliers and partners in the lower band, each on a grid by id (an O(n) layout).
    """
    (ax,) = axes
    view = frame.network
    ax.set_title(f"{frame.region}: supplier and innovation links")
    ax.set_xlim(-0.05, 3.05)
    ax.set_ylim(-1.2, 1.2)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if view is None:
        return
    pos: dict[int, tuple[float, float]] = {}
    for lay in range(len(LAYERS)):
        pos.update(_grid(view.local[view.local_layer == lay], lay + 0.08, 0.1, 0.84, 0.95))
        pos.update(_grid(view.outside[view.outside_layer == lay], lay + 0.08, -1.05, 0.84,
                         0.95))
        ax.text(lay + 0.5, 1.13, LAYER_NAMES[LAYERS[lay]] + " layer", ha="center",
                va="center", fontsize="small")
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.text(0.0, 1.13, frame.quarters[-1], ha="left", va="center", fontsize="small")
    ax.text(0.0, 0.05, f"{frame.region}: {view.n_local} firms", fontsize="x-small",
            va="bottom")
    ax.text(0.0, -0.05, f"outside suppliers and partners: {view.n_outside} firms"
            + (f" (most-linked {view.outside.size} drawn)"
               if view.outside.size < view.n_outside else ""),
            fontsize="x-small", va="top")
    graph = nx.Graph()
    graph.add_nodes_from(pos)
    sup = [tuple(map(int, e)) for e in view.supplier_links]
    par = [tuple(map(int, e)) for e in view.partner_links]
    colors = sns.color_palette(PALETTE, 4)
    if sup:
        nx.draw_networkx_edges(graph, pos, edgelist=sup, ax=ax, width=0.5, alpha=0.35,
                               edge_color="0.35", arrows=False)
    if par:
        nx.draw_networkx_edges(graph, pos, edgelist=par, ax=ax, width=1.0, alpha=0.8,
                               edge_color=[colors[1]], style="--", arrows=False)
    if view.local.size:
        nx.draw_networkx_nodes(graph, pos, nodelist=[int(i) for i in view.local], ax=ax,
                               node_size=14, node_color=[colors[0]], linewidths=0)
    if view.outside.size:
        nx.draw_networkx_nodes(graph, pos, nodelist=[int(i) for i in view.outside], ax=ax,
                               node_size=10, node_color=[colors[3]], linewidths=0)
    handles = [
        Line2D([], [], marker="o", linestyle="", color=colors[0], label=f"{frame.region} firm"),
        Line2D([], [], marker="o", linestyle="", color=colors[3], label="outside firm"),
        Line2D([], [], color="0.35", label="supplier link"),
        Line2D([], [], color=colors[1], linestyle="--", label="innovation partnership"),
    ]
    ax.legend(handles=handles, fontsize="x-small", loc="lower right", ncol=2)


def chart_rank(axes: list[Axes], frame: Frame) -> None:
    """The focus region's rank among regions by firms (1 = most)."""
    (ax,) = axes
    plots.draw_rank(ax, frame)
    time_axis(ax, frame)


def chart_provinces(axes: list[Axes], frame: Frame) -> None:
    """Live firms in every region now (bars) and at step 0 (ticks), the focus region
    highlighted; regions in their step-0 order so that the labels stay put while playing
    (rank changes show in the rank chart)."""
    (ax,) = axes
    ax.set_xscale("symlog", linthresh=10)  # before the bars, so that a redraw is identical
    order = np.argsort(frame.initial["firms_total"], kind="stable")
    names = [frame.region_names[i] for i in order]
    rows = np.arange(len(order))
    totals = frame.latest["firms_total"][order]
    colors = ["#c0392b" if name == frame.region else "0.6" for name in names]
    ax.barh(rows, totals, color=colors, height=0.75, label=f"live firms, {frame.quarters[-1]}")
    ax.plot(frame.initial["firms_total"][order], rows, linestyle="", marker="|",
            markersize=7, color="black", label=f"live firms, {frame.quarters[0]}")
    ax.set_yticks(rows, names, fontsize=7 if len(order) > 12 else "small")
    for tick, name in zip(ax.get_yticklabels(), names, strict=True):
        focus = name == frame.region
        tick.set_fontweight("bold" if focus else "normal")
        tick.set_color("#c0392b" if focus else "black")
    ax.set_xlabel("live firms (firms, log scale)")
    ax.set_ylim(-0.6, len(order) - 0.4)
    ax.set_xlim(0, nice_limit(1.3 * float(max(totals.max(initial=1.0),
                                             frame.initial["firms_total"].max()))))
    ax.set_title("Firms by region")
    ax.text(0.99, 1.005, frame.quarters[-1], ha="right", va="bottom", fontsize="small",
            transform=ax.transAxes)
    ax.legend(fontsize="x-small", loc="lower right")


@dataclass(frozen=True)
class ChartSpec:
    """A chart of the page: title, drawing function, figure size, panels and margins."""

    title: str
    draw: Callable[[list[Axes], Frame], None]
    size: tuple[float, float] = FIGSIZE
    rows: int = 1
    margins: tuple[float, float, float, float] = (0.13, 0.97, 0.91, 0.2)  # l, r, t, b
    nice_y: bool = True
    """Round y limits up to nice values (value axes; not category or layout axes)."""


#: Chart key -> spec, in page order.
CHARTS: dict[str, ChartSpec] = {
    "firms_by_layer": ChartSpec("Firms by layer", chart_firms_by_layer),
    "layer_shares": ChartSpec("Layer shares vs the national mix", chart_layer_shares),
    "base_tech_share": ChartSpec("Base + technology share vs the baseline",
                                 chart_base_tech_vs_baseline),
    "local_sourcing": ChartSpec("Local sourcing by layer", chart_local_sourcing),
    "talent": ChartSpec("Talent and migration", chart_talent, TALL, 2,
                        (0.13, 0.97, 0.94, 0.13)),
    "vacancies": ChartSpec("Unfilled vacancies", chart_vacancies),
    "roles": ChartSpec("Leading firms, little giants, integrators", chart_roles, TALL, 2,
                       (0.13, 0.97, 0.94, 0.13)),
    "policy_spend": ChartSpec("Policy spending by instrument", chart_policy_spend),
    "network": ChartSpec("Supplier and innovation network", chart_network, TALL, 1,
                         (0.02, 0.98, 0.94, 0.02), nice_y=False),
    "rank": ChartSpec("Rank among provinces", chart_rank),
    "provinces": ChartSpec("Comparison of provinces", chart_provinces, TALL, 1,
                           (0.2, 0.97, 0.94, 0.09), nice_y=False),
}


def nice_limit(value: float) -> float:
    """The next value of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (x 10^k) at or above ``value``."""
    if value <= 0 or not math.isfinite(value):
        return value
    scale = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if step * scale >= value * (1 - 1e-12):
            return step * scale
    return 10.0 * scale
