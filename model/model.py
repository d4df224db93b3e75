"""IndustryModel: the wiring of agents, markets and reporters, and the step order."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from agents import plugin
from agents.compute import ComputeCenter
from agents.firms import Firm
from agents.instruments import INSTRUMENTS
from agents.policy import PolicyAgent
from agents.talent import TalentPool, University
from model import numerics
from model.accounts import Ledger
from model.datacollector import model_reporters
from model.keyed import Keyed, KeyedStreams, seed_key
from model.params import ADAPTIVE_PARAMS, SEGMENTS, TIERS
from model.phases import demography, quarter, setup
from model.phases.firms import compact_rows
from model.phases.links import refresh_suppliers, update_roles
from model.phases.quarter import Phase
from model.reporters import firm_table, region_table
from model.rng import Streams, name_key, root_sequence
from model.scenario import Scenario, load_scenario
from model.state.firms import FirmTable
from model.state.levers import Levers
from model.state.partners import PartnerNetwork
from model.state.quarter import Counts, MarketStats, StepState
from model.state.recruiting import RecruitmentBook
from model.state.talent import TalentStock
from model.vocab import Layer

#: Region tables kept for the adaptive rule: the latest one and the largest lag allowed.
HISTORY_STEPS = int(next(p for p in ADAPTIVE_PARAMS if p.name.endswith(".lag")).bounds[1]) + 1

#: The step, in order: the one list of phases that the step runs, times and documents.
PHASES: tuple[Phase, ...] = (
    Phase("Policy", "policy", quarter.policy,
          "every region's policy agent reviews budgets (if adaptive) and applies its "
          "instruments: grants, training enrolment, and this quarter's levers (recruitment "
          "offers, compute vouchers, introduction subsidies, procurement preference); then "
          "every agent of an enabled plugin agent type (:mod:`agents.plugin`, "
          "``[agents.<name>]``) steps, in registration then region order (none exist unless "
          "a scenario enables them)."),
    Phase("Talent supply", "talent supply", quarter.talent_supply,
          "graduates (and due policy-funded cohorts) join job-seekers; general talent is "
          "upgraded; seekers and employees retire."),
    Phase("Migration", "migration", quarter.migration,
          "job-seekers move between regions (logit with home bias); some employees move "
          "on the job, leaving vacancies behind."),
    Phase("Plans", "plans", quarter.plans,
          "prices (unit cost × markup), R&D budgets and staffing needs from expected sales."),
    Phase("Labour market", "labour market", quarter.labour_market,
          "layoffs, matching of seekers to vacancies, wage adjustment."),
    Phase("Trade and accounts", "trade and accounts", quarter.trade_and_accounts,
          "final demand and projects, technology and base inputs, compute, and every "
          "firm's accounts (wages, taxes, remittances, cash)."),
    Phase("Innovation", "innovation", quarter.innovation,
          "R&D draws, imitation, brand, partnerships."),
    Phase("Links and roles", "links and roles", quarter.links_and_roles,
          "supplier links re-drawn for some firms; roles updated."),
    Phase("Exit", "exit", quarter.exits, "insolvent, loss-making and hazard exits."),
    Phase("Entry and location", "entry and location", quarter.entry_and_location,
          "branches due open; start-ups and spin-offs enter; leading firms plan new "
          "branches."),
    Phase("Reporters", "reporters", quarter.reporters, "the per-region table of the step."),
)


def phase_list(indent: str = "") -> str:
    """The numbered list of :data:`PHASES` (for docstrings and documents)."""
    import textwrap

    lines = []
    for n, ph in enumerate(PHASES, 1):
        lines += textwrap.wrap(f"{n}. **{ph.title}** — {ph.doc}", 88,
                               initial_indent=indent, subsequent_indent=indent + "   ",
                               break_on_hyphens=False)
    return "\n".join(lines)


class IndustryModel(mesa.Model):
    """Agent-based model of a lagging region's AI industry chain among competing regions.

    Args:
        preset: A shipped scenario name (``"baseline"``) or a path to a scenario TOML.
        params: Overrides by dotted name (``{"innovation.zeta": 0.5}``), or a validated
            :class:`~model.scenario.Scenario` to use as is.
        rng: Seed: an int, a :class:`numpy.random.SeedSequence`, a Generator, or ``None``
            for fresh OS entropy (recorded as ``model.seed_entropy``).
        **overrides: More overrides, with ``__`` standing for ``.`` in dotted names
            (``innovation__zeta=0.5``), so that Mesa's ``batch_run`` and SolaraViz can pass
            them as keyword arguments.

    One step is one quarter; step ``t`` is the end of quarter ``t`` (step 0 = start of
    2023Q1). Each step runs the phases of :data:`PHASES`, in this order:

    {PHASES}
    """

    def __init__(self, preset: str | Path = "baseline", *,
                 params: Mapping[str, Any] | Scenario | None = None,
                 rng: int | np.random.SeedSequence | np.random.Generator | None = None,
                 **overrides: Any) -> None:
        numerics.check()  # once per process: warns if numpy's AVX-512 kernels are active
        if isinstance(overrides.get("scenario"), mesa.experimental.scenarios.Scenario):
            overrides.pop("scenario")  # SolaraViz passes Mesa's own empty scenario
        if isinstance(params, Scenario) and not overrides:
            config = params
        else:
            merged = dict(params.values if isinstance(params, Scenario) else (params or {}))
            merged.update({k.replace("__", "."): v for k, v in overrides.items()})
            source = params.path if isinstance(params, Scenario) and params.path else preset
            config = load_scenario(source, merged)
        root = root_sequence(rng)
        super().__init__(rng=np.random.SeedSequence(
            root.entropy, spawn_key=(*root.spawn_key, name_key("mesa"))))
        self.config = config
        self.p = config.values
        self.seed_entropy = root.entropy
        self.seed_spawn_key = tuple(root.spawn_key)
        self.stream = Streams(root)
        #: Keyed draws (:mod:`model.keyed`): every random number of the model comes from
        #: here, keyed by purpose, quarter and the entity it is about.
        self.keyed = KeyedStreams(seed_key(root), config.regions)
        self.region_names = list(config.regions)
        self.n_regions = len(self.region_names)
        self.focus = self.region_names.index(config.focus)  # meta.focus, default Shanxi
        self._build_state()
        setup.populate(self)
        self._build_agents()
        self._reset_quarter()
        self.region_rows = region_table(self)
        #: Wall-clock seconds spent in each phase of the step, summed over steps (the
        #: phases of the class docstring; ``ai-chain run --profile`` prints them).
        self.phase_seconds: dict[str, float] = {}
        #: Region tables of the latest completed steps, as many as the adaptive rule's
        #: largest lag can look back (``policy.<region>.adaptive.lag``).
        self.history: deque = deque(maxlen=HISTORY_STEPS)
        self.history.append(self.region_rows)
        self.datacollector = mesa.DataCollector(model_reporters=model_reporters())
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ construction
    def _build_state(self) -> None:
        p, n_r = self.p, self.n_regions
        self.firms = FirmTable(16_384, p["roles.supplier_slots"])
        self._firm_by_row: list[Firm | None] = []
        self.partners = PartnerNetwork()
        self.talent = TalentStock(n_r)
        self.levers, self.recruiting = Levers(n_r), RecruitmentBook(n_r)
        self.ledger, self.counts, self.market_stats = Ledger(n_r), Counts(n_r), MarketStats(n_r)
        self.spend = np.zeros((n_r, len(INSTRUMENTS)))
        self.pending: list[demography.PendingBranch] = []
        self.group_names: dict[int, str] = {}
        self.leader_rows: dict[str, int] = {}
        self.wage_ratios = np.array([1.0, p["labour.high_end_wage_ratio"],
                                     p["labour.composite_wage_ratio"]])
        self.tier_mix = setup.tier_mix(p)
        self.layer_high_end_share = self.tier_mix[:, 1]
        self.input_coef = np.array([p["market.input_base_per_base"],
                                    p["market.input_base_per_tech"],
                                    p["market.input_tech_per_app"]])
        cfg = self.config
        self.demand_share, self.project_share, self.graduate_share = setup.region_shares(self)
        self.amenity = np.array([cfg.region(r, "amenity") for r in self.region_names])
        self.center_capacity = np.array([cfg.region(r, "compute_capacity")
                                         for r in self.region_names])
        self.center_price = np.array([cfg.region(r, "compute_price") for r in self.region_names])
        self.centers = [
            ComputeCenter(self, r, float(self.center_capacity[r]), float(self.center_price[r]),
                          cfg.region(name, "compute_service"))
            for r, name in enumerate(self.region_names) if self.center_capacity[r] > 0]
        for c in self.centers:
            c.used_outside = p["compute.outside_use"] * c.capacity
        k = p["demand.saturation"]
        g = np.log1p(p["demand.growth"]) / 4.0
        self._logistic_rate = g / (1.0 - 1.0 / k) if k > 1.0 else 0.0

    def _build_agents(self) -> None:
        cfg, p = self.config, self.p
        self.universities = [University(self, r, float(self.graduate_share[r]))
                             for r in range(self.n_regions)]
        self.pools = [TalentPool(self, r) for r in range(self.n_regions)]
        adaptive_keys = ("enabled", "lag", "every", "step")
        self.policies = [
            PolicyAgent(self, r, cfg.packages[name],
                        {k: p[f"policy.{name}.adaptive.{k}"] for k in adaptive_keys})
            for r, name in enumerate(self.region_names)]
        for agent in self.policies:
            agent.initialize()
        rows = self.firms.live()
        f = self.firms
        wage0 = self.talent.wages[:, 0]
        employed = self.employed_by_region()[:, 0]
        mean_wage = float((wage0 * employed).sum() / max(employed.sum(), 1))
        self.fixed_cost = p["market.fixed_cost"] * wage0 / mean_wage
        lay = f.layer[rows]
        app = lay == Layer.APP
        ints = np.bincount(f.region[rows][app], f.segment[rows][app] == SEGMENTS.index(
            "integrators"), minlength=self.n_regions)
        apps = np.bincount(f.region[rows][app], minlength=self.n_regions)
        self.integrator_share0 = np.divide(ints, apps, out=np.zeros(self.n_regions),
                                           where=apps > 0)
        refresh_suppliers(self, rows, everyone=True)
        update_roles(self, rows)
        rev = np.bincount(f.region[rows] * 3 + lay, f.revenue[rows],
                          minlength=self.n_regions * 3).reshape(self.n_regions, 3)
        n_rl = np.bincount(f.region[rows] * 3 + lay,
                           minlength=self.n_regions * 3).reshape(self.n_regions, 3)
        self.initial_layer_revenue = rev
        self.entry_reference = {
            "margin": setup.initial_margin(self, rows),
            "talent": demography.entry_talent(self, n_rl.sum(axis=1)),
            "growth": self.demand_growth(0),
            "mean_firms": n_rl.mean(axis=0),
        }
        self.plugin_agents = plugin.build_agents(self)  # enabled extra agent types

    # ------------------------------------------------------------------ helpers
    def register_firms(self, agents: list[Firm]) -> None:
        """Map firms' table rows to their agents."""
        by_row = self._firm_by_row
        rows = [agent.row for agent in agents]
        top = max(rows, default=-1) + 1
        if top > len(by_row):
            by_row.extend([None] * (top - len(by_row)))
        for agent, row in zip(agents, rows, strict=True):
            by_row[row] = agent

    def unregister_firms(self, rows: np.ndarray) -> list[Firm]:
        """Forget the agents of table rows (firms that exit); return them."""
        by_row, agents = self._firm_by_row, []
        for row in rows.tolist():
            agent = by_row[row]
            by_row[row] = None
            if agent is not None:
                agents.append(agent)
        return agents

    def compact(self) -> None:
        """Drop dead firms' rows, keeping order (:func:`model.phases.firms.compact_rows`)."""
        compact_rows(self)

    def draws(self, purpose: str) -> Keyed:
        """Keyed draws for ``purpose`` in the current quarter (:mod:`model.keyed`)."""
        return self.keyed(purpose, self.steps)

    def firm_at(self, row: int) -> Firm:
        """The Firm agent of a table row."""
        agent = self._firm_by_row[row]
        if agent is None:
            raise KeyError(f"firm row {row} is not alive")
        return agent

    def local_rows(self, region: int) -> np.ndarray:
        """Rows of live firms operating in ``region`` (in row order)."""
        if self._live_bounds is None:  # group the live rows by region once per change
            order = np.argsort(self.firms.region[self._live], kind="stable")
            self._live_order = self._live[order]
            self._live_bounds = np.searchsorted(self.firms.region[self._live_order],
                                                np.arange(self.n_regions + 1))
        return self._live_order[self._live_bounds[region]:self._live_bounds[region + 1]]

    def set_live(self, rows: np.ndarray) -> None:
        """Record the live rows that policy instruments and entry see (see local_rows)."""
        self._live = rows
        self._live_bounds = None

    def charge(self, region: int, instrument: str, amount: float) -> None:
        """Record ``amount`` (mRMB) of realized spending by a region's instrument."""
        self.spend[region, list(INSTRUMENTS).index(instrument)] += amount

    def grant(self, rows: np.ndarray, amounts: np.ndarray, instrument: str, region: int) -> None:
        """Pay cash grants to firms and record them as the instrument's spending."""
        self.firms.cash[rows] += amounts
        self.firms.subsidy[rows] += amounts
        total = float(np.sum(amounts))
        self.ledger.add("subsidies", region, total)
        self.charge(region, instrument, total)

    def employed_by_region(self) -> np.ndarray:
        """(regions, tiers) people employed in live firms."""
        f = self.firms
        rows = f.live()
        cell = (f.region[rows] * len(TIERS))[:, None] + np.arange(len(TIERS))
        return np.bincount(cell.ravel(), f.employees[rows].ravel(),
                           minlength=self.n_regions * len(TIERS)
                           ).reshape(self.n_regions, len(TIERS)).astype(np.int64)

    def talent_stock(self) -> np.ndarray:
        """(regions, tiers) talent stock: employed + job-seekers."""
        return self.employed_by_region() + self.talent.seekers

    def demand_level(self, step: int | None = None) -> float:
        """National final demand at ``step`` relative to step 0 (logistic path)."""
        t = self.steps if step is None else step
        k = self.p["demand.saturation"]
        if k <= 1.0:
            return 1.0
        return k / (1.0 + (k - 1.0) * np.exp(-self._logistic_rate * t))

    def demand_growth(self, step: int | None = None) -> float:
        """Quarterly growth rate of national final demand into ``step``."""
        t = self.steps if step is None else step
        return self.demand_level(t + 1) / self.demand_level(t) - 1.0

    def final_demand(self) -> np.ndarray:
        """Final demand for AI applications per region this quarter (mRMB)."""
        return self.p["demand.national_final"] * self.demand_level() * self.demand_share

    def layer_demand(self) -> np.ndarray:
        """(regions, layers) demand faced by sellers of each layer last quarter (mRMB)."""
        s = self.market_stats
        return np.stack([s.base_purchases, s.tech_purchases, self.final_demand()], axis=1)

    def observed(self, region: int, lag: int) -> tuple[dict, dict] | None:
        """Region row and national aggregates ``lag`` quarters before the latest completed
        one (``lag = 0``: the latest; None if too early)."""
        if lag >= len(self.history):
            return None
        table = self.history[-1 - lag]
        row = {k: float(v[region]) for k, v in table.items()}
        firms = table["firms_total"].sum()
        national = {k: float(v.sum()) for k, v in table.items()}
        national["base_tech_share"] = float(
            (table["firms_base"].sum() + table["firms_tech"].sum()) / firms) if firms else 0.0
        return row, national

    # ------------------------------------------------------------------ the step
    def _reset_quarter(self) -> None:
        self.ledger.reset()
        self.counts.reset()
        self.spend[:] = 0.0
        self.levers.reset()
        self.recruiting.reset_quarter()
        self.talent.reset_flows()
        f = self.firms
        for col in (f.subsidy, f.rd_extra, f.marketing_extra):
            col[: f.n] = 0.0

    def step(self) -> None:
        """Advance one quarter: the phases of :data:`PHASES`, in order, each timed."""
        self._reset_quarter()
        self.set_live(self.firms.live())
        q = StepState()
        lap = time.perf_counter()
        for phase in PHASES:
            phase.run(self, q)
            now = time.perf_counter()
            self.phase_seconds[phase.label] = self.phase_seconds.get(phase.label, 0.0) + now - lap
            lap = now

    def record_quarter(self) -> None:
        """The reporters phase: this step's region table, its history (for the adaptive
        rule) and Mesa's DataCollector."""
        self.region_rows = region_table(self)
        self.history.append(self.region_rows)
        self.datacollector.collect(self)

    def finalize(self) -> None:
        """End the run: let every policy instrument and plugin agent finalize (call once,
        after the last step)."""
        for agent in self.policies:
            agent.finalize()
        for extra in self.plugin_agents:
            extra.finalize()

    # ------------------------------------------------------------------ outputs
    def firm_rows(self) -> dict[str, np.ndarray]:
        """Firm-level columns for live firms (see :data:`model.reporters.FIRM_FIELDS`)."""
        return firm_table(self)

    def snapshot(self) -> dict[str, Any]:
        """A read-only view for displays: firms, supplier links and partnerships."""
        f = self.firms
        rows = f.live()
        sup = f.suppliers[rows]
        buyer = np.repeat(rows, f.slots)
        seller = sup.ravel()
        ok = seller >= 0
        ok[ok] &= f.alive[seller[ok]]
        return {
            "step": self.steps,
            "firms": firm_table(self),
            "supplier_links": (f.agent_id[buyer[ok]], f.agent_id[seller[ok]]),
            "partner_links": (f.agent_id[self.partners.a], f.agent_id[self.partners.b]),
            "regions": list(self.region_names),
        }


IndustryModel.__doc__ = (IndustryModel.__doc__ or "").replace("{PHASES}", phase_list())
