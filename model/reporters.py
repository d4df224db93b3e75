"""Reporters: the built-in per-region output columns, each declared once with unit and meaning.

A reporter is a named function ``f(ctx) -> array of shape (regions,)`` registered with
:func:`~model.reporting.reporter` (the registry and :class:`~model.reporting.Context` are in
:mod:`model.reporting`; this module re-exports them, and the firm columns of
:mod:`model.firm_rows`, as the public API); ``ctx`` holds the step's aggregates computed once.
``docs/outputs.md`` is generated from these declarations (``ai-chain docs``). Flow columns
(entries, exits, spending, migration, ...) are totals over the quarter ending at the step
and are 0 at step 0. Ratios with a zero denominator take the value stated in ``zero``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from agents.instruments import INSTRUMENTS
from agents.instruments.base import REGISTRATION_HOOKS
from model.firm_rows import FIRM_FIELDS, firm_table
from model.params import LAYERS, SEGMENTS, TIERS
from model.reporters_value import register_value_reporters
from model.reporting import (
    REGION_REPORTERS,
    Context,
    Reporter,
    ratio,
    region_table,
    register_reporter,
    reporter,
)
from model.vocab import Layer


# --- firms and chain structure ------------------------------------------------------
def _layer_count(lay: int) -> Callable[[Context], np.ndarray]:
    def func(ctx: Context) -> np.ndarray:
        return ctx.by_layer[:, lay]
    func.__name__ = f"firms_{LAYERS[lay]}"
    return func


for _lay, _name in enumerate(LAYERS):
    reporter(f"firms_{_name}", "firms", f"Live firm establishments in the {_name} layer.")(
        _layer_count(_lay))


@reporter("firms_total", "firms", "Live firm establishments in the region.")
def firms_total(ctx: Context) -> np.ndarray:
    return ctx.by_layer.sum(axis=1)


def _segment_count(seg: int) -> Callable[[Context], np.ndarray]:
    def func(ctx: Context) -> np.ndarray:
        return ctx.count(ctx.field("segment") == seg)
    func.__name__ = f"firms_{SEGMENTS[seg]}"
    return func


for _seg, _name in enumerate(SEGMENTS):
    reporter(f"firms_{_name}", "firms", f"Live firms in the {_name} segment.")(
        _segment_count(_seg))


def _share(lay: int) -> Callable[[Context], np.ndarray]:
    def func(ctx: Context) -> np.ndarray:
        return ratio(ctx.by_layer[:, lay], ctx.by_layer.sum(axis=1))
    func.__name__ = f"share_{LAYERS[lay]}"
    return func


for _lay, _name in enumerate(LAYERS):
    reporter(f"share_{_name}", "1", f"Share of the region's firms in the {_name} layer.",
             zero="0 without firms")(_share(_lay))


@reporter("base_tech_share", "1", "Share of the region's firms in the base or technology layer.",
          zero="0 without firms")
def base_tech_share(ctx: Context) -> np.ndarray:
    by_layer = ctx.by_layer
    return ratio(by_layer[:, Layer.BASE] + by_layer[:, Layer.TECH], by_layer.sum(axis=1))


def _tv_distance(counts: np.ndarray, reference: np.ndarray) -> np.ndarray:
    total = counts.sum(axis=1, keepdims=True)
    mix = np.divide(counts, total, out=np.zeros(counts.shape), where=total > 0)
    dist = 0.5 * np.abs(mix - reference[None, :]).sum(axis=1)
    return np.where(total[:, 0] > 0, dist, 1.0)


@reporter("chain_balance", "1",
          "Total-variation distance between the region's layer mix (by count) and the "
          "step-0 national mix; 0 = same mix.", zero="1 without firms")
def chain_balance(ctx: Context) -> np.ndarray:
    return _tv_distance(ctx.by_layer, ctx.model.national_mix0)


@reporter("chain_balance_revenue", "1",
          "As chain_balance, by revenue against the step-0 national revenue mix.",
          zero="1 without revenue")
def chain_balance_revenue(ctx: Context) -> np.ndarray:
    return _tv_distance(ctx.revenue_by_layer, ctx.model.national_mix0_revenue)


@reporter("leading_firms", "firms", "Firms with smoothed revenue at or above the quarter's "
          "national percentile of their layer (roles.leading_percentile).")
def leading_firms(ctx: Context) -> np.ndarray:
    return ctx.count(ctx.field("leading"))


@reporter("chain_masters", "firms", "Leading firms with at least "
          "roles.chain_master_min_local_suppliers local suppliers.")
def chain_masters(ctx: Context) -> np.ndarray:
    return ctx.count(ctx.field("chain_master"))


@reporter("little_giants", "firms", "The most capable single-establishment SMEs "
          "(roles.sme_max_employees) that are not leading, roles.little_giant_share of their "
          "layer's live firms.")
def little_giants(ctx: Context) -> np.ndarray:
    return ctx.count(ctx.field("little_giant"))


@reporter("integrators", "firms", "Live firms in the integrators segment.")
def integrators(ctx: Context) -> np.ndarray:
    return ctx.count(ctx.field("segment") == SEGMENTS.index("integrators"))


@reporter("projects", "projects", "Transformation projects bought by the region's buyers "
          "in the quarter.")
def projects(ctx: Context) -> np.ndarray:
    return ctx.model.market_stats.projects.astype(float)


@reporter("integrator_project_share", "1", "Share of the region's transformation projects "
          "won by the region's own integrators (step 0, before any project is drawn: the expected "
          "share where the region buys projects, else 0).",
          zero="0 without projects")
def integrator_project_share(ctx: Context) -> np.ndarray:
    s = ctx.model.market_stats
    if ctx.model.steps == 0:  # no projects drawn yet: the expected share at step 0
        return np.where(ctx.model.project_share > 0, s.integrator_expected, 0.0)
    return ratio(s.projects_local_integrator, s.projects)


@reporter("local_sourcing_base", "1", "Share of base-layer inputs (incl. commercial compute) "
          "bought by the region's firms that local firms supply.", zero="0 without purchases")
def local_sourcing_base(ctx: Context) -> np.ndarray:
    return ctx.model.market_stats.local_base.copy()


@reporter("local_sourcing_tech", "1", "Share of technology-layer inputs bought by the "
          "region's application firms that local firms supply.", zero="0 without purchases")
def local_sourcing_tech(ctx: Context) -> np.ndarray:
    return ctx.model.market_stats.local_tech.copy()


@reporter("local_sourcing_app", "1", "Share of the region's smooth final demand for "
          "applications served by local firms.", zero="0 without demand")
def local_sourcing_app(ctx: Context) -> np.ndarray:
    return ctx.model.market_stats.local_final.copy()


# --- talent -------------------------------------------------------------------------
def _talent(k: int) -> Callable[[Context], np.ndarray]:
    def func(ctx: Context) -> np.ndarray:
        return (ctx.employed[:, k] + ctx.model.talent.seekers[:, k]).astype(float)
    func.__name__ = f"talent_{TIERS[k]}"
    return func


def _vacancies(k: int) -> Callable[[Context], np.ndarray]:
    def func(ctx: Context) -> np.ndarray:
        return ctx.model.talent.unfilled[:, k].astype(float)
    func.__name__ = f"vacancies_{TIERS[k]}"
    return func


def _wage(k: int) -> Callable[[Context], np.ndarray]:
    def func(ctx: Context) -> np.ndarray:
        return ctx.model.talent.wages[:, k] * 4000.0
    func.__name__ = f"wage_{TIERS[k]}"
    return func


def _employed(k: int) -> Callable[[Context], np.ndarray]:
    def func(ctx: Context) -> np.ndarray:
        return ctx.employed[:, k].astype(float)
    func.__name__ = f"employed_{TIERS[k]}"
    return func


for _k, _name in enumerate(TIERS):
    reporter(f"talent_{_name}", "persons", f"Talent stock, {_name} tier: employed in AI "
             "firms + job-seekers.")(_talent(_k))
    reporter(f"employed_{_name}", "persons", f"Employed in the region's AI firms, {_name} "
             "tier.")(_employed(_k))
    reporter(f"vacancies_{_name}", "jobs", f"Vacancies left unfilled after matching, {_name} "
             "tier.")(_vacancies(_k))
    reporter(f"wage_{_name}", "thousand RMB/year", f"Wage, {_name} tier.")(_wage(_k))


@reporter("vacancies_unfilled", "jobs", "Unfilled vacancies, all tiers.")
def vacancies_unfilled(ctx: Context) -> np.ndarray:
    return ctx.model.talent.unfilled.sum(axis=1).astype(float)


@reporter("graduates", "persons", "Graduates entering the region's AI labour market "
          "(incl. policy-funded).")
def graduates(ctx: Context) -> np.ndarray:
    return ctx.model.talent.flows["graduates"].sum(axis=1).astype(float)


@reporter("net_migration", "persons", "Job-seekers moving in minus moving out.")
def net_migration(ctx: Context) -> np.ndarray:
    fl = ctx.model.talent.flows
    return (fl["inflow"] - fl["outflow"]).sum(axis=1).astype(float)


@reporter("employment", "persons", "People employed in the region's AI firms.")
def employment(ctx: Context) -> np.ndarray:
    return ctx.employed.sum(axis=1).astype(float)


# --- money ----------------------------------------------------------------------------
@reporter("ai_revenue", "mRMB/quarter", "Revenue of the region's AI firms.")
def ai_revenue(ctx: Context) -> np.ndarray:
    return ctx.revenue_by_layer.sum(axis=1)


@reporter("value_added_retained", "mRMB/quarter", "Wages, taxes and after-tax profits "
          "kept in the region (branches' remittances excluded; remittances received added).")
def value_added_retained(ctx: Context) -> np.ndarray:
    fl = ctx.model.ledger.flows
    return fl["wages"] + fl["taxes"] + fl["profit"] + fl["remittances_in"]


register_value_reporters()


def _capability(lay: int) -> Callable[[Context], np.ndarray]:
    def func(ctx: Context) -> np.ndarray:
        mask = ctx.layer == lay
        return ratio(ctx.total(ctx.capability, mask), ctx.count(mask))
    func.__name__ = f"capability_{LAYERS[lay]}"
    return func


for _lay, _name in enumerate(LAYERS):
    reporter(f"capability_{_name}", "index", f"Mean capability of {_name}-layer firms.",
             zero="0 without firms")(_capability(_lay))


@reporter("brand_mean", "brand units", "Mean brand of the region's firms.",
          zero="0 without firms")
def brand_mean(ctx: Context) -> np.ndarray:
    return ratio(ctx.total(ctx.field("brand")), ctx.count())


@reporter("innovations", "innovations", "Successful R&D draws in the quarter.")
def innovations(ctx: Context) -> np.ndarray:
    return ctx.model.counts.innovations.astype(float)


@reporter("partnerships_per_firm", "links per firm", "Innovation partnerships per live firm "
          "(a link counts for both ends).", zero="0 without firms")
def partnerships_per_firm(ctx: Context) -> np.ndarray:
    deg = ctx.model.partners.degree(ctx.model.firms.n)[ctx.rows]
    return ratio(ctx.total(deg.astype(float)), ctx.count())


@reporter("compute_utilization", "1", "Share of the public compute centre's capacity used.",
          zero="0 without a centre")
def compute_utilization(ctx: Context) -> np.ndarray:
    out = np.zeros(ctx.n_r)
    for c in ctx.model.centers:
        out[c.region] = c.utilization
    return out


@reporter("compute_local_share", "1", "Share of the public centre's use by local AI firms.",
          zero="0 when unused")
def compute_local_share(ctx: Context) -> np.ndarray:
    out = np.zeros(ctx.n_r)
    for c in ctx.model.centers:
        out[c.region] = c.local_share
    return out


@reporter("policy_spend", "mRMB/quarter", "Realized spending of the region's policy package.")
def policy_spend(ctx: Context) -> np.ndarray:
    return ctx.model.spend.sum(axis=1)


def _spend(j: int, name: str) -> Callable[[Context], np.ndarray]:
    def func(ctx: Context) -> np.ndarray:
        return ctx.model.spend[:, j].copy()
    func.__name__ = f"spend_{name}"
    return func


def register_spend_reporters() -> None:
    """Declare ``spend_<instrument>`` for every registered instrument (registry order)."""
    for j, name in enumerate(INSTRUMENTS):
        if f"spend_{name}" not in REGION_REPORTERS:
            reporter(f"spend_{name}", "mRMB/quarter",
                     f"Realized spending on the {name} instrument.")(_spend(j, name))


register_spend_reporters()


def _spend_for_new_instrument(cls: type) -> None:
    register_spend_reporters()


# an instrument registered later (a plugin) gets its spend column appended at the end
REGISTRATION_HOOKS.append(_spend_for_new_instrument)


@reporter("firms_courted", "firms", "Outside leading firms courted by the region's "
          "recruitment programme in the quarter (each promise backed by its fund).")
def firms_courted(ctx: Context) -> np.ndarray:
    return ctx.model.recruiting.courted.astype(float)


@reporter("recruitment_credibility", "1", "The region's recruitment delivery record: the "
          "share of promised factor support courted firms expect to receive.",
          zero="0 before the region's programme first acts")
def recruitment_credibility(ctx: Context) -> np.ndarray:
    return np.nan_to_num(ctx.model.recruiting.credibility, nan=0.0)


# --- demography -------------------------------------------------------------------------
@reporter("entries", "firms", "Start-ups and spin-offs in the quarter.")
def entries(ctx: Context) -> np.ndarray:
    return ctx.model.counts.entries.astype(float)


@reporter("exits", "firms", "Firms that exited in the quarter.")
def exits(ctx: Context) -> np.ndarray:
    return ctx.model.counts.exits.astype(float)


@reporter("branches_opened", "firms", "Branches of outside firms opened in the quarter.")
def branches_opened(ctx: Context) -> np.ndarray:
    return ctx.model.counts.branches_opened.astype(float)


@reporter("relocations_in", "firms", "Whole firms that moved into the region (not entries).")
def relocations_in(ctx: Context) -> np.ndarray:
    return ctx.model.counts.relocations_in.astype(float)


@reporter("relocations_out", "firms", "Whole firms that moved out (not exits).")
def relocations_out(ctx: Context) -> np.ndarray:
    return ctx.model.counts.relocations_out.astype(float)


@reporter("rank", "rank", "Rank among regions by firms_total (1 = most); ties broken by "
          "ai_revenue.")
def rank(ctx: Context) -> np.ndarray:
    firms = ctx.by_layer.sum(axis=1)
    rev = ctx.revenue_by_layer.sum(axis=1)
    order = np.lexsort((-rev, -firms))
    out = np.empty(ctx.n_r)
    out[order] = np.arange(1, ctx.n_r + 1)
    return out


__all__ = ["FIRM_FIELDS", "REGION_REPORTERS", "Context", "Reporter", "firm_table", "ratio",
           "region_table", "register_reporter", "reporter"]
