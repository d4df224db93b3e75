"""Drawing the page's charts into reusable figures: :class:`ChartCanvas` keeps one figure
per chart and redraws only what a new frame changes; :func:`draw_chart`,
:func:`render_png` and :func:`write_all` draw a chart once (tests, benchmarks, exports).
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from experiments.run import plots
from experiments.ui.charts import CHARTS, DPI, PNG_OPTIONS, nice_limit
from experiments.ui.record import Frame


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
