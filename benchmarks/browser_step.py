"""Benchmark: what one Step costs the browser page's server, per chart tab.

For the default scenario, each step runs what the page does on Step: the model step, the
record of the region table, the network view from ``model.snapshot()``, and a redraw of
the shown tab's charts (kept figures blitted onto their static background, PNG encoding).
Reports medians of wall and CPU time (CPU time is the honest figure on a shared machine:
wall time includes waiting for other processes).

Usage: ``.venv/bin/python benchmarks/browser_step.py [--preset baseline] [--steps 12]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from experiments.ui import canvas as ui_canvas  # noqa: E402
from experiments.ui import charts as ui_charts  # noqa: E402
from model.model import IndustryModel  # noqa: E402
from server import TABS  # noqa: E402


def _timed(func) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = func()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="baseline")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args()

    model = IndustryModel(args.preset, rng=args.seed)
    record = ui_charts.RunRecord.for_model(1, model, 40)
    canvases = {key: ui_canvas.ChartCanvas(key) for key in ui_charts.CHARTS}
    reference = ui_charts.reference_series(args.preset, args.seed, 40)
    region = model.region_names[model.focus]
    times: dict[str, list[tuple[float, float]]] = {"model step": [], "record + network": []}
    for tab in TABS:
        times[f"charts: {tab}"] = []
    for _ in range(args.steps):
        wall, cpu, _ = _timed(model.step)
        times["model step"].append((wall, cpu))

        def capture():
            record.append(model.steps, model.region_rows)
            return record.frame(ui_charts.network_view(model.snapshot(), region), reference)

        wall, cpu, frame = _timed(capture)
        times["record + network"].append((wall, cpu))
        for tab, keys in TABS.items():
            wall, cpu, _ = _timed(lambda keys=keys, frame=frame: [canvases[k].png(frame)
                                                                  for k in keys])
            times[f"charts: {tab}"].append((wall, cpu))
    print(f"{args.preset}, seed {args.seed}, {args.steps} steps from step 0; "
          f"Shanxi had {int(record.tables[-1]['firms_total'][model.focus])} firms at the end")
    print(f"{'part':<32} {'wall median ms':>15} {'CPU median ms':>14}")
    for part, values in times.items():
        print(f"{part:<32} {1000 * statistics.median(w for w, _ in values):>15.0f} "
              f"{1000 * statistics.median(c for _, c in values):>14.0f}")
    worst = max(statistics.median(c for _, c in times[f"charts: {t}"]) for t in TABS)
    step_cpu = sum(statistics.median(c for _, c in times[p])
                   for p in ("model step", "record + network")) + worst
    print(f"one step with the costliest tab shown (CPU): {1000 * step_cpu:.0f} ms")


if __name__ == "__main__":
    main()
