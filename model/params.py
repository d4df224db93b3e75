"""Parameter declarations: every model parameter is declared here once.

Each parameter has one dotted name (for example ``innovation.zeta`` or
``policy.Shanxi.talent_training.budget``) used everywhere: scenario files, ``--set``,
experiment levers, browser controls and output metadata. A declaration carries the
type, default, unit, bounds and source; everything else (validation, ``ai-chain params``,
the docs table, UI controls) is derived from it.

Names containing ``<region>``, ``<leader>`` or ``<instrument>`` are templates, expanded for
the regions, named leaders and instruments of a scenario (see :mod:`model.scenario`).
"""

# size: one declaration per parameter, in one table that `ai-chain params`, the docs and the
# scenario validation read in order; splitting it by topic would scatter that single list.

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from model.vocab import LAYERS, SEGMENT_LAYER, SEGMENTS, TIERS  # noqa: F401  (re-exported)

#: Sentinel default meaning "derived at initialisation when not given" (documented per param).
DERIVED = None


@dataclass(frozen=True)
class Param:
    """One declared parameter.

    Attributes:
        name: Dotted name; may contain a template placeholder such as ``<region>``.
        kind: Python type of the value: ``float``, ``int``, ``bool`` or ``str``.
        default: Default value, or ``None`` when the value is derived if absent.
        unit: Unit of the value (``"1"`` for dimensionless).
        bounds: Inclusive ``(low, high)`` for numbers, or ``None``.
        choices: Allowed values for strings, or ``None``.
        source: Where the default comes from (FACTS.md, a CONTEXT-FIGURES row, or
            ``"assumption: ..."`` with the reason).
        doc: One-line meaning.
    """

    name: str
    kind: type
    default: Any
    unit: str
    bounds: tuple[float, float] | None = None
    choices: tuple[str, ...] | None = None
    source: str = "assumption"
    doc: str = ""
    ui: bool = field(default=False, compare=False)

    def allowed(self) -> str:
        """Describe the allowed values, for error messages and listings."""
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        kind = {float: "a number", int: "an integer", bool: "true or false", str: "a string"}[
            self.kind
        ]
        if self.bounds is not None:
            lo, hi = self.bounds
            return f"{kind} in [{_fmt(lo)}, {_fmt(hi)}]"
        return kind

    def check(self, value: Any) -> Any:
        """Return ``value`` coerced to this parameter's type, or raise ``ValueError``.

        The message of the ``ValueError`` says what is allowed.
        """
        if value is None and self.default is None:
            return None
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ValueError(f"expected {self.allowed()}")
            return value
        if self.kind is str:
            if not isinstance(value, str):
                raise ValueError(f"expected {self.allowed()}")
            if self.choices is not None and value not in self.choices:
                raise ValueError(f"expected {self.allowed()}")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected {self.allowed()}")
        if self.kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(f"expected {self.allowed()}")
            value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise ValueError(f"expected {self.allowed()} (finite)")
        if self.bounds is not None and not (self.bounds[0] <= value <= self.bounds[1]):
            raise ValueError(f"out of range: expected {self.allowed()}")
        return value

    def expand(self, **names: str) -> Param:
        """Return a copy with placeholders such as ``<region>`` replaced."""
        name = self.name
        for key, val in names.items():
            name = name.replace(f"<{key}>", val)
        return Param(name, self.kind, self.default, self.unit, self.bounds, self.choices,
                     self.source, self.doc, self.ui)


def _fmt(x: float) -> str:
    return f"{x:g}"


F = float
I = int  # noqa: E741
CF = "CONTEXT-FIGURES"

# ---------------------------------------------------------------------------------------
# Global parameters.  Money is in million RMB (mRMB); time in quarters unless stated.
# ---------------------------------------------------------------------------------------
GLOBAL_PARAMS: tuple[Param, ...] = (
    # time
    Param("time.steps", I, 40, "quarters", (0, 400),
          source="MODEL-SPEC: default horizon 40 quarters", doc="Default run length.", ui=True),
    # national calibration
    Param("national.share_base", F, 0.034, "1", (0.0, 1.0),
          source=f"{CF} §2: CAIDS 2020 report, 797 firms end-2019 (M-H)",
          doc="Base-layer share of AI firms nationally at step 0."),
    Param("national.share_tech", F, 0.238, "1", (0.0, 1.0),
          source=f"{CF} §2: CAIDS 2020 report, 797 firms end-2019 (M-H)",
          doc="Technology-layer share of AI firms nationally at step 0."),
    Param("national.alliance_integrators", I, 534, "firms", (0, 10_000),
          source="FACTS: integrator alliance, 534 members (2020)",
          doc="National members of the intelligent-system integrators alliance."),
    Param("calibration.other_provinces_scale", F, 1.0, "1", (0.25, 4.0),
          source="MODEL-SPEC: the 27 assumed counts are one uncertainty (half to double)",
          doc="Multiplier on every region whose count is marked assumed."),
    Param("calibration.capability_sigma", F, 0.4, "log units", (0.05, 2.0),
          source="assumption: gives log-revenue dispersion ~1.4 via the logit (lognormal body)",
          doc="Std. dev. of initial log capability within a region and layer."),
    Param("calibration.coast_capability", F, 0.25, "log units", (-2.0, 2.0),
          source="assumption: FACTS problem 2 (resources agglomerate on the coast)",
          doc="Initial log-capability advantage of regions marked coast."),
    Param("calibration.leader_quantile", F, 0.965, "1", (0.5, 0.9999),
          source="assumption: named leaders sit in the national top 3.5% of their layer",
          doc="National quantile of competitiveness (capability net of wage cost) given to "
              "named leaders."),
    Param("calibration.leader_brand", F, 1.2, "brand units", (0.0, 10.0),
          source="assumption: named leaders are known national brands",
          doc="Initial brand of named leaders (others start at the no-grant steady state)."),
    Param("calibration.initial_cash_quarters", F, 2.0, "quarters of revenue", (0.0, 20.0),
          source="assumption", doc="Initial cash as a multiple of step-0 quarterly revenue."),
    Param("calibration.mean_initial_age", F, 16.0, "quarters", (0.0, 400.0),
          source=f"{CF} §7: Shenzhen firms' average age 4 years (M); 49.4% of firms are "
                 "younger than 5 years (H, dated)",
          doc="Mean of the exponential distribution of step-0 firm ages (leaders >= 40)."),
    Param("calibration.initial_seeker_ratio", F, 0.08, "1", (0.0, 2.0),
          source="assumption: frictional unemployment of AI-skilled workers",
          doc="Initial job-seekers per employed worker, each region and tier."),
    # demand
    Param("demand.national_final", F, 93_500.0, "mRMB/quarter", (1.0, 1e8),
          source=f"{CF} §1: MIIT AI core industry ~5,000亿 in 2023 (H); final demand = "
                 "500,000/4/(1+a_T+a_T*a_B) with the input coefficients below",
          doc="National final demand for AI applications at step 0."),
    Param("demand.growth", F, 0.2, "1/year", (-0.5, 2.0),
          source=f"{CF} §1: AI core-industry size +18% in 2022 (CAICT, M-H), >20%/yr to "
                 ">7,000亿 in 2024 (CCID, M-H); not the firm-count growth",
          doc="Initial annual growth rate of final demand (logistic path).", ui=True),
    Param("demand.saturation", F, 5.0, "× step-0 level", (1.0, 100.0),
          source="assumption: growth must slow so that 10-year runs stay plausible",
          doc="Long-run ceiling of final demand relative to step 0."),
    Param("demand.gdp_weight", F, 0.5, "1", (0.0, 1.0),
          source="assumption: AI demand follows both the economy and the AI cluster",
          doc="Weight of GDP share (vs firm share) in each region's final-demand share."),
    Param("demand.project_share", F, 0.3, "1", (0.0, 1.0),
          source="assumption: share of demand bought as discrete transformation projects",
          doc="Share of final demand that comes as lumpy projects (default for regions)."),
    Param("demand.project_mean", F, 4.0, "mRMB", (0.01, 10_000.0),
          source="assumption", doc="Mean size of a transformation project."),
    Param("demand.project_duration", F, 4.0, "quarters", (1.0, 40.0),
          source="assumption: a transformation project is delivered over about a year",
          doc="A won project enters the winner's backlog, served at 1/duration per quarter."),
    Param("demand.project_tail", F, 1.6, "1", (1.05, 5.0),
          source="assumption: heavy-tailed project sizes (MODEL-SPEC)",
          doc="Pareto shape of project sizes (smaller = heavier tail)."),
    # market
    Param("market.beta_capability", F, 1.5, "1/log unit", (0.0, 10.0),
          source="assumption", doc="Logit weight of log capability in buyers' choice."),
    Param("market.beta_brand", F, 1.0, "1/brand unit", (0.0, 10.0),
          source="assumption", doc="Logit weight of brand in buyers' choice."),
    Param("market.beta_price", F, 2.0, "1/log unit", (0.0, 10.0),
          source="assumption: price elasticity of a firm's share ~ -2",
          doc="Logit weight of log price in buyers' choice."),
    Param("market.home_bias", F, 1.2, "utils", (0.0, 10.0),
          source="assumption: coordination/distance cost of outside sellers",
          doc="Utility bonus of a local seller for smooth final demand."),
    Param("market.project_home_bias", F, 3.0, "utils", (0.0, 10.0),
          source="assumption: transformation projects need on-site work; FACTS problem 5 "
                 "says Shanxi's projects mostly go to outside providers",
          doc="Utility bonus of a local seller for the region's transformation projects."),
    Param("market.input_home_bias", F, 0.6, "utils", (0.0, 10.0),
          source="assumption: inputs (chips, frameworks, models) travel more easily",
          doc="Utility bonus of a local seller for intermediate inputs."),
    Param("market.leader_pull", F, 0.25, "utils per log(1+leaders)", (0.0, 5.0),
          source="assumption: MODEL-SPEC 'a leading firm pulls suppliers'",
          doc="Extra local-supplier bonus per log(1 + local leading firms in the buyer layer)."),
    Param("market.integrator_project_bonus", F, 1.0, "utils", (0.0, 10.0),
          source="assumption: integrators specialise in transformation projects",
          doc="Utility bonus of integrators when projects choose a seller."),
    Param("market.integrator_local_sourcing", F, 1.0, "utils", (0.0, 10.0),
          source="assumption (plausible 0-2): FACTS problem 5, integrators tie a region's "
                 "projects to its own chain",
          doc="Extra local-supplier bonus of integrators' technology purchases."),
    Param("market.markup", F, 0.5, "1", (0.0, 5.0),
          source=f"{CF} §7: mean gross margin of listed AI firms 35% (M); markup over labour "
                 "cost also covers capital and overheads",
          doc="Price = unit cost × (1 + markup)."),
    Param("market.input_tech_per_app", F, 0.25, "mRMB/mRMB", (0.0, 0.9),
          source="assumption: technology inputs per unit of application output",
          doc="Input coefficient a_T."),
    Param("market.input_base_per_tech", F, 0.35, "mRMB/mRMB", (0.0, 0.9),
          source="assumption: base inputs per unit of technology output",
          doc="Input coefficient a_B."),
    Param("market.input_base_per_base", F, 0.05, "mRMB/mRMB", (0.0, 0.9),
          source="assumption: base firms buy some base inputs (chips for compute)",
          doc="Input coefficient of base output on base inputs."),
    Param("market.fixed_cost", F, 0.1, "mRMB/quarter", (0.0, 100.0),
          source="assumption: office, administration and compliance of a small firm",
          doc="Fixed cost per firm at the national mean wage, scaled by the region's wage."),
    Param("market.capacity_slack", F, 1.25, "1", (1.0, 5.0),
          source="assumption",
          doc="Output capacity above the staffed level a firm can stretch to."),
    Param("market.expectation_weight", F, 0.5, "1", (0.0, 1.0),
          source="assumption", doc="Weight of the latest quarter in expected sales (adaptive)."),
    # labour
    Param("labour.workers_per_output", F, 1.0, "persons per mRMB/quarter", (0.01, 100.0),
          source="assumption: ~4 mRMB revenue per worker-year (no CF row: median firm size "
                 "not found)",
          doc="Workers needed per mRMB of quarterly output at capability 1."),
    Param("labour.high_end_share_base", F, 0.35, "1", (0.0, 1.0), source="assumption",
          doc="High-end share of base-layer jobs."),
    Param("labour.high_end_share_tech", F, 0.30, "1", (0.0, 1.0), source="assumption",
          doc="High-end share of technology-layer jobs."),
    Param("labour.high_end_share_app", F, 0.10, "1", (0.0, 1.0), source="assumption",
          doc="High-end share of application-layer jobs."),
    Param("labour.composite_share_base", F, 0.05, "1", (0.0, 1.0), source="assumption",
          doc="Composite share of base-layer jobs."),
    Param("labour.composite_share_tech", F, 0.10, "1", (0.0, 1.0), source="assumption",
          doc="Composite share of technology-layer jobs."),
    Param("labour.composite_share_app", F, 0.25, "1", (0.0, 1.0),
          source="assumption: composite talent drives application and integration work",
          doc="Composite share of application-layer jobs."),
    Param("labour.substitution", F, 1.5, "1", (0.1, 10.0),
          source="assumption: tiers are imperfect substitutes (CES); 1 = Cobb-Douglas",
          doc="Elasticity of substitution between talent tiers in production."),
    Param("labour.high_end_wage_ratio", F, 2.0, "× general wage", (1.0, 10.0),
          source=f"{CF} §4: AI engineers ~1.8万/month vs IT average (M-H)",
          doc="High-end wage relative to the general tier."),
    Param("labour.composite_wage_ratio", F, 1.5, "× general wage", (1.0, 10.0),
          source="assumption", doc="Composite wage relative to the general tier."),
    Param("labour.wage_adjustment", F, 0.1, "1 per unit vacancy rate", (0.0, 2.0),
          source="assumption",
          doc="Wage change per quarter per unit of excess vacancy rate (capped at ±3%)."),
    Param("labour.target_vacancy", F, 0.05, "1", (0.0, 0.5), source="assumption",
          doc="Vacancy rate at which wages are stable."),
    Param("labour.match_efficiency", F, 0.7, "1", (0.0, 1.0), source="assumption",
          doc="Share of matchable job-seekers hired per quarter."),
    Param("labour.layoff_rate", F, 0.25, "1/quarter", (0.0, 1.0), source="assumption",
          doc="Share of excess staff laid off per quarter."),
    # talent
    Param("talent.national_graduates", F, 250_000.0, "persons/year", (0.0, 1e7),
          source=f"{CF} §4: ~500 universities with an AI major (M) plus adjacent majors; "
                 "assumption for graduates entering AI firms' labour market",
          doc="National graduates entering the AI labour market each year (all tiers)."),
    Param("talent.graduate_firm_weight", F, 0.3, "1", (0.0, 1.0),
          source="assumption: AI-relevant universities cluster where AI firms are",
          doc="Weight of step-0 firm share (vs GDP share) in a region's default graduate share."),
    Param("talent.grad_share_high_end", F, 0.15, "1", (0.0, 1.0), source="assumption",
          doc="High-end share of graduates (master's and PhD)."),
    Param("talent.grad_share_composite", F, 0.08, "1", (0.0, 1.0),
          source="assumption: FACTS problem 2, composite talent scarce",
          doc="Composite share of graduates."),
    Param("talent.retirement", F, 0.012, "1/quarter", (0.0, 0.2), source="assumption",
          doc="Share of each talent stock leaving the AI labour market per quarter."),
    Param("talent.upgrade_high_end", F, 0.003, "1/quarter", (0.0, 0.2), source="assumption",
          doc="Share of general talent upgraded to high-end per quarter without policy."),
    Param("talent.upgrade_composite", F, 0.004, "1/quarter", (0.0, 0.2), source="assumption",
          doc="Share of general talent upgraded to composite per quarter without policy."),
    Param("talent.mobility", F, 0.10, "1/quarter", (0.0, 1.0),
          source=f"{CF} §4: 26% of one Shanxi college's graduates left the province (L-M)",
          doc="Share of job-seekers who consider moving each quarter."),
    Param("talent.employed_mobility", F, 0.02, "1/quarter", (0.0, 1.0),
          source="assumption: on-the-job moves (FACTS problem 2: talent agglomerates on the "
                 "coast)",
          doc="Share of employees who consider moving each quarter."),
    Param("talent.beta_wage", F, 2.0, "1/log unit", (0.0, 20.0), source="assumption",
          doc="Migration logit weight of log wage."),
    Param("talent.beta_jobs", F, 2.0, "1", (0.0, 20.0), source="assumption",
          doc="Migration logit weight of the job-finding rate."),
    Param("talent.home_bias", F, 2.5, "utils", (0.0, 20.0),
          source=f"{CF} §4: 73% of a Shanxi college's graduates stayed (L-M)",
          doc="Utility of staying in the current region."),
    Param("talent.beta_subsidy", F, 8.0, "1/mRMB", (0.0, 100.0), source="assumption",
          doc="Migration logit weight of a talent-introduction subsidy."),
    # innovation
    Param("innovation.rd_intensity", F, 0.08, "1", (0.0, 1.0),
          source=f"{CF} §7: Zhejiang AI firms R&D 8.2% of revenue (M-H)",
          doc="R&D spending as a share of revenue."),
    Param("innovation.zeta", F, 4.0, "1/mRMB", (0.0, 1000.0), source="assumption",
          doc="R&D success per product line: P = 1 - exp(-zeta × effective R&D per line)."),
    Param("innovation.line_size", F, 2.0, "mRMB/quarter", (0.01, 1e4), source="assumption",
          doc="Revenue per product line; a firm runs max(1, revenue/line_size) lines."),
    Param("innovation.step_mean", F, 0.06, "log units", (0.0, 2.0), source="assumption",
          doc="Mean of the exponential log-capability increment on success."),
    Param("innovation.alignment_base", F, 0.45, "1", (0.0, 1.0),
          source="assumption: FACTS problem 5, R&D drifts from market needs",
          doc="Share of an innovation that buyers value, for a firm far from customers."),
    Param("innovation.alignment_close", F, 0.4, "1", (0.0, 1.0), source="assumption",
          doc="Added alignment for closeness to customers (integrators, won projects)."),
    Param("innovation.imitation", F, 0.03, "1/quarter", (0.0, 1.0), source="assumption",
          doc="Share of the gap to the frontier closed per quarter at full absorptive capacity."),
    Param("innovation.compute_share", F, 0.3, "1", (0.0, 1.0), source="assumption",
          doc="Share of R&D spent on compute."),
    Param("innovation.rd_composite_weight", F, 0.4, "1", (0.0, 1.0),
          source="assumption (plausible 0-0.6): FACTS problem 2, composite talent is the "
                 "largest gap",
          doc="Weight of composite staff fill in the R&D talent index (high-end: 1 - it)."),
    Param("innovation.talent_binding", F, 1.0, "1", (0.0, 3.0),
          source="assumption (plausible 0.5-2; 0 switches the limit off): FACTS problem 2",
          doc="Power of the talent index scaling base/tech firms' capability increments."),
    Param("innovation.capability_shock", F, 0.23, "log units/quarter", (0.0, 0.5),
          source="MSM estimate 0.23 (s.e. 0.10), docs/validation.md §2.2",
          doc="Std. dev. per quarter of a product line's log-capability shock (a firm's "
              "shock is the mean over its lines)."),
    Param("innovation.obsolescence", F, 0.01, "log units/quarter", (0.0, 1.0),
          source="assumption", doc="Drift of log capability toward zero (technology ages)."),
    Param("innovation.partnership_rate", F, 0.01, "1/quarter", (0.0, 1.0),
          source="assumption: FACTS problem 6, firms 'fight alone'",
          doc="Chance per quarter that a firm forms a new innovation partnership."),
    Param("innovation.partnership_decay", F, 0.05, "1/quarter", (0.0, 1.0), source="assumption",
          doc="Chance per quarter that a partnership ends."),
    Param("innovation.marketing_intensity", F, 0.02, "1", (0.0, 1.0),
          source="assumption: FACTS problem 5, little brand investment",
          doc="Marketing spending as a share of revenue."),
    Param("innovation.brand_gain", F, 0.7, "brand units", (0.0, 10.0),
          source="assumption: steady brand 0.5 at the common marketing intensity",
          doc="Brand target is brand_gain · log(1 + marketing incl. grants / own marketing)."),
    Param("innovation.brand_decay", F, 0.05, "1/quarter", (0.0, 1.0), source="assumption",
          doc="Brand depreciation per quarter."),
    # entry and exit
    Param("entry.rate", F, 0.035, "entrants per firm-quarter", (0.0, 2.0),
          source="MSM estimate 0.035 (s.e. 0.010), docs/validation.md §2.2",
          doc="Base entry rate per existing firm in the region and layer."),
    Param("entry.agglomeration", F, 0.95, "1", (0.0, 2.0),
          source="assumption; headline uncertainty (MODEL-SPEC)",
          doc="Elasticity of entry to the number of local firms in the layer."),
    Param("entry.seed_entrants", F, 0.15, "entrants/quarter", (0.0, 100.0),
          source="assumption", doc="Entry intensity independent of local firms."),
    Param("entry.beta_profit", F, 2.0, "1", (0.0, 50.0), source="assumption",
          doc="Entry sensitivity to the local layer's mean profit margin."),
    Param("entry.beta_talent", F, 0.5, "1", (0.0, 10.0), source="assumption",
          doc="Entry sensitivity to log job-seekers per firm."),
    Param("entry.beta_demand", F, 4.0, "1", (0.0, 50.0), source="assumption",
          doc="Entry sensitivity to final-demand growth."),
    Param("entry.beta_subsidy", F, 1.0, "1/mRMB per firm-quarter", (0.0, 50.0),
          source="assumption", doc="Entry sensitivity to subsidies per local firm in the layer."),
    Param("entry.initial_sales", F, 0.5, "mRMB/quarter", (0.0, 1000.0), source="assumption",
          doc="Sales an entrant plans for in its first quarter (sets its first hiring)."),
    Param("entry.spinoff", F, 0.02, "entrants per leading firm-quarter", (0.0, 2.0),
          source="assumption", doc="Spin-offs from local leading firms."),
    Param("entry.capability_gap", F, 0.0, "log units", (-5.0, 5.0),
          source="Foster, Haltiwanger and Syverson 2008 (AER 98(1)): entrants are not less "
                 "productive than incumbents (their handicap is demand: here brand); plausible "
                 "0-0.5",
          doc="Entrants' log capability below the local layer mean."),
    Param("entry.seed_cash", F, 3.6, "mRMB", (0.0, 1000.0),
          source="MSM estimate 3.6 (s.e. 4.5: bounded below, not pinned), docs/validation.md "
                 "§2.2",
          doc="Founders' capital of an entrant."),
    Param("exit.hazard", F, 0.006, "1/quarter", (0.0, 1.0),
          source=f"{CF} §7: exit risk peaks at ages 3-7 years (H, dated)",
          doc="Exogenous exit hazard, scaled by an age profile peaking at exit.hazard_peak_age."),
    Param("exit.hazard_peak_age", F, 16.0, "quarters", (1.0, 200.0),
          source=f"{CF} §7: death risk peaks at years 3-7 (H, dated)",
          doc="Age at which the exogenous hazard peaks."),
    Param("exit.loss_quarters", I, 4, "quarters", (1, 40), source="assumption",
          doc="Consecutive loss quarters after which a firm may exit."),
    Param("exit.loss_hazard", F, 0.25, "1/quarter", (0.0, 1.0), source="assumption",
          doc="Exit chance per quarter after sustained losses with a short cash runway."),
    Param("exit.runway_quarters", F, 4.0, "quarters", (0.0, 400.0), source="assumption",
          doc="Losses count as sustained only when cash covers fewer quarters of them."),
    # branches of outside firms
    Param("branches.rate", F, 0.004, "1/quarter", (0.0, 1.0), source="assumption",
          doc="Chance per quarter that a leading firm considers a new branch."),
    Param("branches.lag", I, 2, "quarters", (0, 40), source="MODEL-SPEC: a lag of quarters",
          doc="Quarters between a branch decision and its opening."),
    Param("branches.beta_profit", F, 1.0, "1", (0.0, 50.0), source="assumption",
          doc="Location logit weight of log demand per local firm in the layer (relative)."),
    Param("branches.beta_cluster", F, 0.5, "1", (0.0, 50.0),
          source="assumption: clusters offer suppliers and talent",
          doc="Location logit weight of log local firms in the layer (relative)."),
    Param("branches.beta_offer", F, 35.0, "utils per (offer / quarterly revenue)",
          (0.0, 500.0),
          source="assumption (plausible 10-100): 35 keeps model version 3's weight of "
                 "0.5 utils per mRMB for the median leading firm (70.8 mRMB/quarter)",
          doc="Location logit weight of a courting region's offer (cash + factor × "
              "credibility) relative to the courted firm's smoothed quarterly revenue."),
    Param("branches.beta_wage", F, 1.0, "1/log unit", (0.0, 50.0), source="assumption",
          doc="Location logit weight of log general wage (cost, relative)."),
    Param("branches.no_branch_utility", F, 3.4, "utils", (-50.0, 50.0), source="assumption",
          doc="Utility of opening no branch."),
    Param("branches.relocation_share", F, 0.1, "1", (0.0, 1.0), source="assumption",
          doc="Share of location moves that relocate the whole firm rather than add a branch."),
    Param("branches.profit_remit", F, 0.5, "1", (0.0, 1.0), source="assumption",
          doc="Share of a branch's positive profit sent to its home region."),
    Param("tax.profit_rate", F, 0.15, "1", (0.0, 1.0),
          source="Chinese high-tech enterprise income-tax rate 15%",
          doc="Tax rate on positive profit."),
    # roles
    Param("roles.leading_percentile", F, 95.0, "percentile", (50.0, 99.99),
          source="MODEL-SPEC example: layer's national 95th percentile of revenue",
          doc="Leading firm: smoothed revenue at or above this national percentile of its "
              "layer's live firms (each quarter)."),
    Param("roles.little_giant_share", F, 0.032, "1", (0.0, 0.5),
          source=f"{CF} §1, §8: >400 AI little giants of MIIT's >5,000 AI firms (8 %, 2025, "
                 "H) x MIIT's count / the source's (4,400 / 11,019 in 2023) = 3.2 %",
          doc="Little giants per live firm of a layer: its most capable single-establishment "
              "SMEs that are not leading (each quarter)."),
    Param("roles.sme_max_employees", I, 300, "persons", (1, 100_000),
          source="Chinese SME rule for software and IT services (<300 employees)",
          doc="Largest SME."),
    Param("roles.chain_master_min_local_suppliers", I, 2, "firms", (1, 50),
          source="assumption", doc="Local suppliers a leading firm needs to be a chain master."),
    Param("roles.supplier_slots", I, 4, "links", (1, 50), source="assumption",
          doc="Supplier links each firm keeps (a sample of its purchases)."),
    Param("roles.supplier_churn", F, 0.15, "1/quarter", (0.0, 1.0), source="assumption",
          doc="Share of firms re-drawing their supplier links each quarter."),
    # public compute
    Param("compute.friction_raw", F, 2.0, "utils", (0.0, 20.0),
          source="FACTS problem 4: single raw-hours model, no platform or scenarios",
          doc="Usage friction of a public centre with the raw-hours service model."),
    Param("compute.friction_diversified", F, 0.5, "utils", (0.0, 20.0), source="assumption",
          doc="Usage friction with the diversified service model."),
    Param("compute.beta_price", F, 3.0, "1/log unit", (0.0, 50.0), source="assumption",
          doc="Logit weight of log effective price when firms choose compute."),
    Param("compute.operating_share_tech", F, 0.15, "mRMB per mRMB of revenue", (0.0, 0.9),
          source="assumption (plausible 0.05-0.30; no citable figure for Chinese model "
                 "developers, docs/validation.md §10): part of input_base_per_tech",
          doc="Technology firms' operating compute (training, inference) per mRMB of sales."),
    Param("compute.outside_use", F, 0.25, "1", (0.0, 1.0),
          source="assumption: no utilisation figures exist (CF §5 NOT FOUND)",
          doc="Share of public capacity used by non-AI users (research, other provinces)."),
)

# Per-region parameters; ``<region>`` is a region key of the scenario.
REGION_PARAMS: tuple[Param, ...] = (
    Param("regions.<region>.firms", I, 1, "firms", (0, 1_000_000),
          source="FACTS (four named provinces) or derived", doc="AI firms at step 0."),
    Param("regions.<region>.assumed", bool, False, "flag",
          source="scenario", doc="True when the count is derived, not from the source."),
    Param("regions.<region>.share_base", F, DERIVED, "1", (0.0, 1.0),
          source="derived from the national mix when absent", doc="Base-layer share at step 0."),
    Param("regions.<region>.share_tech", F, DERIVED, "1", (0.0, 1.0),
          source="derived from the national mix when absent", doc="Technology share at step 0."),
    Param("regions.<region>.integrators", I, DERIVED, "firms", (0, 1_000_000),
          source="FACTS alliance figures where known; derived otherwise",
          doc="Integrator-segment establishments at step 0."),
    Param("regions.<region>.gdp_share", F, 0.01, "1", (0.0, 1.0),
          source="NBS 2023 provincial GDP (public, H)", doc="Share of national GDP."),
    Param("regions.<region>.wage", F, 150.0, "thousand RMB/year", (1.0, 10_000.0),
          source=f"{CF} §3", doc="General-tier AI wage at step 0."),
    Param("regions.<region>.amenity", F, 0.0, "utils", (-10.0, 10.0),
          source="assumption", doc="Migration amenity (coast > interior)."),
    Param("regions.<region>.coast", bool, False, "flag", source="assumption",
          doc="Coastal agglomeration region (initial capability advantage)."),
    Param("regions.<region>.graduate_share", F, DERIVED, "1", (0.0, 1.0),
          source="derived when absent: GDP and step-0 firm shares weighted by "
                 "talent.graduate_firm_weight",
          doc="Share of national AI graduates trained in the region."),
    Param("regions.<region>.project_share", F, DERIVED, "1", (0.0, 1.0),
          source="demand.project_share when absent",
          doc="Share of the region's final demand bought as lumpy projects."),
    Param("regions.<region>.compute_capacity", F, 0.0, "mRMB/quarter at market price",
          (0.0, 1e7), source=f"{CF} §5 (capacity only; utilisation NOT FOUND)",
          doc="Capacity of the region's public compute centre."),
    Param("regions.<region>.compute_price", F, 1.0, "× market price", (0.0, 10.0),
          source="assumption: public compute at market price", doc="Public compute list price."),
    Param("regions.<region>.compute_service", str, "raw", "model", choices=("raw", "diversified"),
          source="FACTS problem 4", doc="Service model of the public compute centre."),
)

# Named leading establishments (FACTS Table 2); ``<leader>`` is a key of [leaders].
LEADER_PARAMS: tuple[Param, ...] = (
    Param("leaders.<leader>.group", str, "", "name", source="FACTS Table 2",
          doc="Group (firm) name; establishments of one group share a group_id."),
    Param("leaders.<leader>.region", str, "", "region", source="FACTS Table 2",
          doc="Region where the establishment operates."),
    Param("leaders.<leader>.home_region", str, "", "region", source="public company facts",
          doc="Region of the group's headquarters."),
    Param("leaders.<leader>.layer", str, "app", "layer", choices=("base", "tech", "app"),
          source="FACTS Table 2", doc="Chain layer."),
    Param("leaders.<leader>.segment", str, "applications", "segment",
          choices=("chips", "data", "frameworks", "general_tech", "applications", "integrators"),
          source="FACTS Table 2", doc="Segment within the layer."),
)

# Adaptive rule of each region's policy agent.
ADAPTIVE_PARAMS: tuple[Param, ...] = (
    Param("policy.<region>.adaptive.enabled", bool, False, "flag", source="MODEL-SPEC",
          doc="Move budget between instruments by observed gaps."),
    Param("policy.<region>.adaptive.lag", I, 2, "quarters", (0, 20), source="assumption",
          doc="Quarters before the latest completed one that the adaptive rule observes."),
    Param("policy.<region>.adaptive.every", I, 4, "quarters", (1, 40), source="assumption",
          doc="Quarters between budget reviews."),
    Param("policy.<region>.adaptive.step", F, 0.1, "1", (0.0, 1.0), source="assumption",
          doc="Share of the package's budget moved per review."),
)

TEMPLATE_GROUPS = {"regions": REGION_PARAMS, "leaders": LEADER_PARAMS}

