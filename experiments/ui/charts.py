"""Charts of the browser page, drawn with matplotlib from a run's region tables.

The page keeps a :class:`RunRecord` per browser session: every step's region table
(``model.region_rows``, columns documented in ``docs/outputs.md``) and a read-only view
of the focus region's links from ``model.snapshot()``. :meth:`RunRecord.frame` freezes
what the charts need into a :class:`Frame`, and each function in :data:`CHARTS` draws one
figure from a frame. Nothing is recomputed from model internals: charts read the output
columns. Figures are built with :class:`matplotlib.figure.Figure` (no pyplot state), so
sessions can draw in parallel threads.
"""

from __future__ import annotations

import functools
import io
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter, StrMethodFormatter
from PIL import Image as PILImage

from experiments.run import plots
from experiments.run.provenance import quarter_label
from model.params import LAYERS

if TYPE_CHECKING:
    from experiments.run.loop import RunLoop, StepRows

PALETTE = plots.PALETTE
LAYER_COLS = ("share_base", "share_tech", "share_app")
LAYER_NAMES = {"base": "base", "tech": "technology", "app": "application"}
#: Figure size (inches) and resolution of the page's charts: ~490 x 290 px images.
FIGSIZE, TALL, DPI = (6.8, 4.0), (6.8, 5.6), 72
#: PNG encoding: fast compression (the images are small; encoding time matters more).
PNG_OPTIONS = {"compress_level": 1}
#: Largest number of outside firms drawn in the network view (most-linked first).
MAX_OUTSIDE_NODES = 300
#: Largest number of the focus region's firms drawn in the network view (most-linked first).
MAX_LOCAL_NODES = 400


@dataclass(frozen=True)
class NetworkView:
    """The focus region's firms, their outside suppliers and partners, and the links.

    Attributes:
        local: Firm ids of the focus region's firms drawn.
        local_layer: Layer index of each local firm.
        outside: Firm ids of outside firms linked to a local firm.
        outside_layer: Layer index of each outside firm.
        supplier_links: (buyer, seller) id pairs with at least one end local.
        partner_links: Innovation partnerships with at least one end local.
        n_local, n_outside: Counts before the drawing caps.
    """

    local: np.ndarray
    local_layer: np.ndarray
    outside: np.ndarray
    outside_layer: np.ndarray
    supplier_links: np.ndarray
    partner_links: np.ndarray
    n_local: int
    n_outside: int


def _top(ids: np.ndarray, links: np.ndarray, cap: int) -> np.ndarray:
    """At most ``cap`` of ``ids``, most-linked first then by id (deterministic)."""
    if ids.size <= cap:
        return ids
    degree = np.zeros(ids.size, dtype=np.int64)
    flat = links.ravel()
    idx = np.searchsorted(ids, flat)
    ok = idx < ids.size
    ok[ok] &= ids[idx[ok]] == flat[ok]
    np.add.at(degree, idx[ok], 1)
    order = np.lexsort((ids, -degree))[:cap]
    return np.sort(ids[order])


def network_view(snapshot: dict[str, Any], region: str) -> NetworkView:
    """Extract the focus region's supplier and innovation network from ``model.snapshot()``.

    Args:
        snapshot: The model's read-only snapshot (firms, supplier and partner links).
        region: Name of the focus region.
    """
    firms = snapshot["firms"]
    ids = np.asarray(firms["firm_id"], dtype=np.int64)
    order = np.argsort(ids)
    ids = ids[order]
    layer = np.array([LAYERS.index(x) for x in np.asarray(firms["layer"])[order]],
                     dtype=np.int64) if ids.size else np.zeros(0, dtype=np.int64)
    is_local = np.asarray(firms["region"])[order] == region
    local_ids = ids[is_local]

    def pairs(links: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        a = np.asarray(links[0], dtype=np.int64)
        b = np.asarray(links[1], dtype=np.int64)
        keep = np.isin(a, local_ids) | np.isin(b, local_ids)
        out = np.stack([a[keep], b[keep]], axis=1) if keep.any() else np.zeros((0, 2), np.int64)
        return np.unique(out, axis=0) if out.size else out

    sup = pairs(snapshot["supplier_links"])
    par = pairs(snapshot["partner_links"])
    ends = np.concatenate([sup.ravel(), par.ravel()])
    outside_ids = np.setdiff1d(np.unique(ends), local_ids)
    links = np.concatenate([sup, par]) if (sup.size or par.size) else np.zeros((0, 2), np.int64)
    local_drawn = _top(local_ids, links, MAX_LOCAL_NODES)
    outside_drawn = _top(outside_ids, links, MAX_OUTSIDE_NODES)
    drawn = np.union1d(local_drawn, outside_drawn)

    def within(pairs_: np.ndarray) -> np.ndarray:
        if not pairs_.size:
            return pairs_
        return pairs_[np.isin(pairs_[:, 0], drawn) & np.isin(pairs_[:, 1], drawn)]

    def layers_of(sel: np.ndarray) -> np.ndarray:
        return layer[np.searchsorted(ids, sel)] if sel.size else np.zeros(0, np.int64)

    return NetworkView(local=local_drawn, local_layer=layers_of(local_drawn),
                       outside=outside_drawn, outside_layer=layers_of(outside_drawn),
                       supplier_links=within(sup), partner_links=within(par),
                       n_local=int(local_ids.size), n_outside=int(outside_ids.size))


@dataclass(frozen=True)
class Frame:
    """What the charts of one step need; immutable once built.

    Attributes mirror :class:`experiments.run.plots.PlotData` (``region``, ``n_regions``,
    ``focus``, ``national``, ``steps``, ``quarters``) so that its ``draw_*`` panels apply.
    """

    key: tuple[int, int]
    region: str
    region_names: list[str]
    n_regions: int
    focus: pd.DataFrame
    national: pd.DataFrame
    steps: np.ndarray
    quarters: list[str]
    latest: dict[str, np.ndarray]
    initial: dict[str, np.ndarray]
    start: tuple[int, int]
    horizon: int
    network: NetworkView | None
    reference: np.ndarray | None = None
    reference_name: str = "baseline"


class RunRecord:
    """Every step's region table of one browser session's run.

    Args:
        run_id: Number of the run within the session (changes on every Reset).
        region_names: Regions in the model's order.
        focus: Index of the focus region.
        start: First quarter as ``(year, quarter)``.
        horizon: Quarters the run is meant to last.
    """

    def __init__(self, run_id: int, region_names: list[str], focus: int,
                 start: tuple[int, int], horizon: int) -> None:
        self.run_id = run_id
        self.region_names = list(region_names)
        self.focus = focus
        self.start = start
        self.horizon = horizon
        self.steps: list[int] = []
        self.tables: list[dict[str, np.ndarray]] = []
        self._focus_rows: list[dict[str, float]] = []
        self._national_rows: list[dict[str, float]] = []

    @classmethod
    def for_loop(cls, run_id: int, loop: RunLoop) -> RunRecord:
        """A record for the run of ``loop`` holding its current step."""
        model = loop.model
        record = cls(run_id, model.region_names, model.focus, loop.start, loop.steps)
        record.append_rows(loop.collect())
        return record

    @classmethod
    def for_model(cls, run_id: int, model: Any, horizon: int) -> RunRecord:
        """A record for ``model`` (run to ``horizon`` quarters) holding its current step."""
        from experiments.run.loop import RunLoop

        return cls.for_loop(run_id, RunLoop(model, horizon, firm_data="none"))

    def append_rows(self, rows: StepRows) -> None:
        """Add the region table of one step collected by a :class:`RunLoop`."""
        self.append(rows.step, rows.regions)

    def append(self, step: int, table: dict[str, np.ndarray]) -> None:
        """Add one step's region table (copied)."""
        table = {k: np.array(v, dtype=float, copy=True) for k, v in table.items()}
        self.steps.append(int(step))
        self.tables.append(table)
        self._focus_rows.append({k: float(v[self.focus]) for k, v in table.items()})
        self._national_rows.append({k: float(v.sum()) for k, v in table.items()})

    def quarter(self, step: int) -> str:
        """Calendar label of a step."""
        return quarter_label(self.start, step)

    def frame(self, network: NetworkView | None, reference: np.ndarray | None = None,
              reference_name: str = "baseline") -> Frame:
        """Freeze the record's current state for drawing."""
        steps = np.array(self.steps, dtype=np.int64)
        return Frame(
            key=(self.run_id, self.steps[-1]), region=self.region_names[self.focus],
            region_names=self.region_names, n_regions=len(self.region_names),
            focus=pd.DataFrame(self._focus_rows, index=steps),
            national=pd.DataFrame(self._national_rows, index=steps),
            steps=steps, quarters=[self.quarter(s) for s in self.steps],
            latest=self.tables[-1], initial=self.tables[0], start=self.start, horizon=self.horizon,
            network=network, reference=reference, reference_name=reference_name)

    def to_csv(self) -> bytes:
        """The run's region rows so far (step, quarter, region, every column) as CSV."""
        parts = []
        names = np.array(self.region_names, dtype=object)
        for step, table in zip(self.steps, self.tables, strict=True):
            part = pd.DataFrame(table)
            part.insert(0, "region", names)
            part.insert(0, "quarter", self.quarter(step))
            part.insert(0, "step", step)
            parts.append(part)
        return pd.concat(parts, ignore_index=True).to_csv(index=False).encode()


@functools.lru_cache(maxsize=16)
def reference_series(preset: str, seed: int, steps: int) -> np.ndarray:
    """The focus region's base+technology share in an unchanged preset run, steps 0..steps.

    Cached (the same preset, seed and horizon give the same numbers), so that every
    Reset with the same seed reuses it.
    """
    from experiments.run.loop import RunLoop

    loop = RunLoop.build(str(preset), rng=seed, steps=steps, firm_data="none")
    focus = loop.model.focus
    out = [float(loop.collect().regions["base_tech_share"][focus]) for _ in loop]
    out_array = np.array(out)
    out_array.setflags(write=False)
    return out_array


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


class ChartCanvas:
    """A chart's figure, kept across steps, redrawn by blitting.

    Each update clears only the data artists (lines, areas, bars, notes) and draws the new
    ones. The static part of the figure (axes, ticks, labels, titles) is rendered only when
    it changes: y limits are rounded up to "nice" values so that they move only now and
    then, and otherwise the data are drawn onto a copy of the stored background (about five
    times cheaper than drawing the whole figure, whose cost is mostly text).

    Args:
        key: Key of :data:`CHARTS`.
    """

    def __init__(self, key: str) -> None:
        spec = CHARTS[key]
        self.lock = threading.RLock()
        self.key = key
        self.spec = spec
        with sns.axes_style(plots.STYLE):
            self.figure = Figure(figsize=spec.size, dpi=DPI)
            self.axes = self.figure.subplots(spec.rows, 1, squeeze=False).ravel().tolist()
        FigureCanvasAgg(self.figure)
        left, right, top, bottom = spec.margins
        self.figure.subplots_adjust(left=left, right=right, top=top, bottom=bottom,
                                    hspace=0.4)
        self._background: Any = None
        self._signature: tuple | None = None
        self.full_draws = 0
        """How many times the whole figure was rendered (the rest were blits)."""

    def update(self, frame: Frame) -> Figure:
        """Replace the data artists with those of ``frame``; returns the figure."""
        for ax in self.axes:
            for container in list(ax.containers):
                container.remove()
            for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts]:
                artist.remove()
            legend = ax.get_legend()
            if legend is not None:
                legend.remove()
            ax.set_prop_cycle(None)
            ax.relim()  # forget the previous step's data limits
            ax.autoscale(True)
        self.spec.draw(self.axes, frame)
        for ax in self.axes if self.spec.nice_y else ():
            low, high = ax.get_ylim()
            if ax.get_yscale() != "linear" or low >= high:  # log scale, or inverted (rank)
                continue
            data = ax.dataLim
            if -0.1 <= low and high <= 0.1 and (not np.isfinite(data.y0) or (
                    data.y0 == 0 and data.height == 0)):
                ax.set_ylim(0, 10)  # nothing but zeros yet: a plain axis
            else:
                ax.set_ylim(-nice_limit(-low) if low < 0 else low, nice_limit(high))
        return self.figure

    def _dynamic(self) -> list[tuple[Axes, list]]:
        """Artists drawn at every step, per axes, in drawing order (legend last)."""
        out = []
        for ax in self.axes:
            artists = sorted([*ax.collections, *ax.patches, *ax.lines, *ax.texts],
                             key=lambda a: a.get_zorder())
            if ax.get_legend() is not None:
                artists.append(ax.get_legend())
            out.append((ax, artists))
        return out

    def _static_signature(self) -> tuple:
        parts = []
        for ax in self.axes:
            parts.append((ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale(),
                          tuple(ax.get_xticks()), tuple(ax.get_yticks()),
                          tuple(t.get_text() for t in ax.get_yticklabels()),
                          tuple(t.get_fontweight() for t in ax.get_yticklabels()),
                          ax.get_title(), ax.get_xlabel(), ax.get_ylabel()))
        return tuple(parts)

    def png(self, frame: Frame) -> bytes:
        """PNG of the chart for ``frame``, blitting onto the stored background if it holds."""
        with self.lock:
            self.update(frame)
            dynamic = self._dynamic()
            for _, artists in dynamic:
                for artist in artists:
                    artist.set_animated(True)
            canvas = self.figure.canvas
            signature = self._static_signature()
            if signature != self._signature or self._background is None:
                canvas.draw()  # everything but the animated (data) artists
                self._background = canvas.copy_from_bbox(self.figure.bbox)
                self._signature = signature
                self.full_draws += 1
            else:
                canvas.restore_region(self._background)
            for ax, artists in dynamic:
                for artist in artists:
                    ax.draw_artist(artist)
            image = PILImage.frombuffer("RGBA", canvas.get_width_height(),
                                        bytes(canvas.buffer_rgba()), "raw", "RGBA", 0, 1)
            buf = io.BytesIO()
            image.save(buf, format="png", **PNG_OPTIONS)
            return buf.getvalue()


def draw_chart(key: str, frame: Frame) -> Figure:
    """A new figure of chart ``key`` for ``frame``."""
    return ChartCanvas(key).update(frame)


def render_png(figure: Figure) -> bytes:
    """PNG bytes of a figure."""
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=DPI, pil_kwargs=PNG_OPTIONS)
    return buf.getvalue()


def write_all(frame: Frame, out_dir: Path) -> list[Path]:
    """Write every chart of a frame as PNG (for checks and docs)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for key in CHARTS:
        path = out_dir / f"{key}.png"
        path.write_bytes(render_png(draw_chart(key, frame)))
        paths.append(path)
    return paths
