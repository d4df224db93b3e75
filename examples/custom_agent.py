"""A new agent type and a new output column in a script: a venture-capital investor.

``VentureCapital`` is a Mesa agent with a small lifecycle (``initialize`` once, ``step``
every quarter right after the policy instruments, ``finalize`` at the end), registered by
name. A scenario switches it on and sets its parameters under ``[agents.venture_capital]``
(``enabled = true``, ``regions = "focus"`` ...). The reporter ``vc_invested`` adds a
column to the region table (``model.region_rows``, ``model.parquet``, experiment results).

Run it (``--small``, or ``AI_CHAIN_EXAMPLES_SMALL=1``, uses the 5-region test scenario and
a few quarters)::

    python examples/custom_agent.py [--small] [--steps T] [--seed N]

It runs the scenario with and without a fund in the focus region on the same seed and
prints the difference.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from model import IndustryModel  # first: holds numpy's dispatch below AVX-512 (README)

# isort: split
import numpy as np

from agents.instruments.base import parse_layers
from agents.plugin import PluginAgent
from model.params import Param
from model.plugins import register_agent, register_reporter
from model.reporters import Context

SMALL_SCENARIO = "small"  # the shipped five-region preset (scenarios/small.toml)


@register_agent
class VentureCapital(PluginAgent):
    """A venture-capital fund that invests in young local base and technology firms.

    Every quarter the fund spends a quarter of its annual ``fund`` on tickets of
    ``ticket`` mRMB. Candidates are live firms of the region in ``layers`` that are at
    most ``max_age`` quarters old and not yet funded; the fund picks those with the best
    capability and brand, observed with noise (``screening_noise``). A ticket is equity:
    it enters the firm's cash (booked as outside capital, ``seed_capital``, so the
    region's accounts still close) and ``rd_share`` of it is spent on extra R&D in the
    same quarter.
    """

    name = "venture_capital"
    role = "invests equity tickets in young local base/technology firms"
    PARAMS = (
        Param("fund", float, 40.0, "mRMB/year", (0.0, 1e5), source="assumption: example",
              doc="Money invested per year."),
        Param("ticket", float, 2.0, "mRMB", (0.01, 1e4), source="assumption: example",
              doc="Investment per funded firm."),
        Param("max_age", int, 12, "quarters", (0, 400), source="assumption: example",
              doc="Oldest firm the fund still considers."),
        Param("rd_share", float, 0.5, "1", (0.0, 1.0), source="assumption: example",
              doc="Share of a ticket spent on extra R&D in the quarter it arrives."),
        Param("screening_noise", float, 0.3, "log units", (0.0, 5.0),
              source="assumption: example", doc="Noise in the fund's view of capability."),
        Param("layers", str, "base,tech", "layers",
              choices=("base", "tech", "app", "base,tech", "base,tech,app"),
              source="assumption: example", doc="Layers the fund invests in."),
    )

    def initialize(self) -> None:
        """Set up the portfolio."""
        self.layers = parse_layers(self.settings["layers"])
        self.portfolio: set[int] = set()  # funded firms' agent ids (order never used)
        self.invested = 0.0  # this quarter, mRMB
        self.total_invested = 0.0

    def step(self) -> None:
        """Screen candidates and invest this quarter's money."""
        self.invested = 0.0
        s, model, f = self.settings, self.model, self.model.firms
        n = int(s["fund"] / 4.0 // s["ticket"])
        rows = model.local_rows(self.region)
        ok = np.isin(f.layer[rows], self.layers) & (model.steps - f.born[rows] <= s["max_age"])
        ok &= ~np.isin(f.agent_id[rows], np.fromiter(self.portfolio, np.int64))
        rows = rows[ok]
        if n == 0 or rows.size == 0:
            return
        # keyed draws: each firm's screening noise is its own (paired runs stay paired)
        seen = f.logcap[rows] + f.brand[rows] + s["screening_noise"] * \
            self.draws.normal(f.key[rows])
        picked = rows[np.argsort(-seen, kind="stable")[:n]]
        amount = np.full(picked.size, s["ticket"])
        f.cash[picked] += amount
        f.rd_extra[picked] += s["rd_share"] * amount
        model.ledger.add_by_region("seed_capital", f.region[picked], amount)
        self.portfolio.update(f.agent_id[picked].tolist())
        self.invested = float(amount.sum())
        self.total_invested += self.invested

    def finalize(self) -> None:
        """Report the portfolio."""
        alive = np.isin(self.model.firms.agent_id[self.model.firms.live()],
                        np.fromiter(self.portfolio, np.int64)).sum()
        print(f"  venture_capital in {self.model.region_names[self.region]}: invested "
              f"{self.total_invested:.1f} mRMB in {len(self.portfolio)} firms, "
              f"{alive} still alive")


@register_reporter("vc_invested", "mRMB/quarter",
                   "Venture capital invested in the region's firms in the quarter.")
def vc_invested(ctx: Context) -> np.ndarray:
    """Sum of this quarter's investments of the region's venture-capital agents."""
    out = np.zeros(ctx.n_r)
    for agent in ctx.model.plugin_agents:
        if isinstance(agent, VentureCapital):
            out[agent.region] += agent.invested
    return out


def run(preset: str | Path, steps: int, seed: int, **overrides: float | str | bool) -> dict:
    """Run one model; return the focus region's final row and totals over the run."""
    model = IndustryModel(preset, params=overrides, rng=seed)
    totals = {"total_vc_invested": 0.0, "total_innovations": 0.0, "total_entries": 0.0}
    for _ in range(steps):
        model.step()
        for col in ("vc_invested", "innovations", "entries"):
            totals[f"total_{col}"] += model.region_rows[col][model.focus]
    model.finalize()
    return {**{k: float(v[model.focus]) for k, v in model.region_rows.items()}, **totals}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        default=os.environ.get("AI_CHAIN_EXAMPLES_SMALL") == "1",
                        help="5-region test scenario, few quarters (for CI)")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--seed", type=int, default=20230101)
    args = parser.parse_args()
    preset = SMALL_SCENARIO if args.small else "baseline"
    steps = args.steps or (6 if args.small else 20)

    print(f"running {preset} for {steps} quarters, seed {args.seed}")
    without = run(preset, steps, args.seed)
    fund = run(preset, steps, args.seed, **{
        "agents.venture_capital.enabled": True, "agents.venture_capital.regions": "focus",
        "agents.venture_capital.fund": 40.0, "agents.venture_capital.layers": "base,tech,app"})
    print(f"{'focus region':24s} {'no fund':>10s} {'fund':>10s}")
    for col in ("firms_base", "firms_tech", "firms_total", "total_entries",
                "total_innovations", "total_vc_invested"):
        print(f"{col:24s} {without[col]:10.3f} {fund[col]:10.3f}")
    assert without["total_vc_invested"] == 0.0
    assert fund["total_vc_invested"] > 0.0, "the fund never invested"


if __name__ == "__main__":
    main()
