"""The validated facts: each is a statistic, a threshold with its reason, and pass or fail.

Every fact is computed on every replication (and, for firm-level facts, on every annual
cross-section after the burn-in); it passes only when its criterion holds in **all** of
them, so a fact that passes on a lucky seed and fails on another fails. The thresholds were
set after looking at ensembles of the full baseline (several seed sets, docs/validation.md)
with a margin between the observed worst case and the threshold, and so that a broken
mechanism (e.g. Gaussian growth shocks, no entry, capability re-drawn every year, no home
bias) would fail them. Facts with ``passed = None`` are reported, not tested.

Size is measured by employees (Axtell 2001), growth by annual log revenue growth of firms
past their first year (Stanley et al. 1996, Bottazzi and Secchi 2006).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from experiments.validation import distributions as dist
from experiments.validation.ensemble import EnsembleRun

# ---------------------------------------------------------------------------- thresholds
# One place for every threshold, with its reason (copied into the report).
THRESHOLDS: dict[str, tuple[Any, str]] = {
    "size_skew": (1.0, "a symmetric distribution has skewness 0; observed ≥ 7 in every panel"),
    "size_vuong_z": (3.0, "Vuong z > 3 (p < 0.003 two-sided) is a decisive win; observed ≥ 14"),
    "size_log_skew": (0.5, "a lognormal body has log sizes near symmetric; observed |skew| ≤ "
                           "0.25"),
    "tail_vuong_z": (1.64, "power law preferred to an exponential tail at the one-sided 5 % "
                           "level; observed z ≥ 3.5 at full size"),
    "hill_range": ((0.8, 3.0), "empirical firm-size tail indices lie in about 1–3 (Axtell "
                               "2001: ≈ 1.06); an exponential tail gives large, rising "
                               "estimates"),
    "growth_vuong_z": (3.0, "Laplace beats Gaussian decisively in every cross-section; "
                            "observed z ≥ 14"),
    "growth_lr_p": (1e-3, "Gaussian (b = 2) rejected inside the Subbotin family"),
    "growth_b": ((0.5, 1.5), "tent-shaped: b closer to 1 (Laplace) than to 2 (Gaussian); "
                             "the lower bound rejects degenerate spikes; observed 0.65–0.95"),
    "beta_ci_low": (0.05, "volatility falls with size: the 95 % bootstrap interval of β "
                          "lies above 0.05 (observed ≥ 0.15)"),
    "beta_max": (0.5, "β = 0.5 would mean independent sub-units; empirical β ≈ 0.15–0.25 "
                      "(Stanley et al. 1996)"),
    "entry_exit_min_rate": (0.01, "both flows at least 1 % of firms per year nationally; "
                                  "observed ≥ 9 %"),
    "entry_exit_rho": (0.2, "Spearman ρ of entry and exit rates across region-years "
                            "(regions with ≥ 20 firms) above 0.2 with p < 0.01; observed "
                            "≥ 0.45"),
    "exit_age_p": (1e-3, "LR test of equal exit rates across age classes"),
    "exit_age_ratio": (2.0, "highest/lowest class exit rate ≥ 2"),
    "app_gap": (0.03, "Shanxi's application share exceeds the national share at every year "
                      "end and by ≥ 3 points on average over the run (step 0: 9 points); "
                      "with ~50–200 firms the yearly gap is noisy (lowest observed 2 "
                      "points in one seed-year, mean ≥ 6 points)"),
    "local_sourcing_max": (0.25, "Shanxi buys most base and technology inputs outside: the "
                                 "annual mean local share stays below a quarter (observed ≤ "
                                 "0.2) and below each of Beijing, Guangdong, Shanghai"),
    "shanxi_rank_min": (15, "Shanxi stays outside the top 15 regions by firm count at every "
                            "year end (rank 20 at step 0, source)"),
}


@dataclass
class Fact:
    """One validated fact.

    Attributes:
        key: Short identifier.
        group: "firm dynamics", "diagnosis" or "experiment".
        title: What the fact says.
        statistic: How it is measured.
        value: Observed values, summarized over replications / cross-sections.
        threshold: The criterion.
        passed: True or False when tested, None when only reported.
        reason: Why the threshold is what it is.
        details: Numbers for results.json.
    """

    key: str
    group: str
    title: str
    statistic: str
    value: str
    threshold: str
    passed: bool | None
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


def _summ(values: Sequence[float], fmt: str = ".3g") -> str:
    v = np.asarray(values, float)
    if v.size == 0:
        return "n/a"
    return (f"median {np.median(v):{fmt}} (min {v.min():{fmt}}, max {v.max():{fmt}}; "
            f"n = {v.size})")


# ---------------------------------------------------------------------------- panels
def growth_pairs(run: EnsembleRun, key: str = "revenue",
                 min_age: int = 4) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Annual growth of firms alive at consecutive year ends.

    Args:
        run: One replication.
        key: Size measure.
        min_age: Minimum age in quarters at the start of the year.

    Returns:
        Per year: (start step, demeaned log growth, size at the start).
    """
    steps = sorted(run.panels)
    out = []
    for a, b in zip(steps[:-1], steps[1:], strict=True):
        p0, p1 = run.panels[a], run.panels[b]
        idx = np.clip(np.searchsorted(p1["firm_id"], p0["firm_id"]), 0,
                      len(p1["firm_id"]) - 1)
        surv = p1["firm_id"][idx] == p0["firm_id"]
        x0 = p0[key].astype(float)
        x1 = np.where(surv, p1[key][idx], np.nan).astype(float)
        ok = surv & (x0 > 0) & (x1 > 0) & (p0["age"] >= min_age)
        g = np.log(x1[ok] / x0[ok])
        out.append((a, g - g.mean(), x0[ok]))
    return out


def _sorted_panels(runs: Sequence[EnsembleRun]) -> None:
    for run in runs:
        for p in run.panels.values():
            order = np.argsort(p["firm_id"], kind="stable")
            if np.any(np.diff(order) < 0):
                for k in p:
                    p[k] = p[k][order]


# ---------------------------------------------------------------------------- firm facts
def size_facts(runs: Sequence[EnsembleRun]) -> list[Fact]:
    """Firm-size facts on every year-end panel after the burn-in (employees > 0)."""
    skews, log_skews, z_exp, z_gam, z_tail, hills, rev = [], [], [], [], [], [], []
    for run in runs:
        for p in run.panels.values():
            s = dist.size_shape(p["employees"])
            skews.append(s.skew_levels)
            log_skews.append(s.skew_logs)
            z_exp.append(s.lognormal_vs_exponential.z)
            z_gam.append(s.lognormal_vs_gamma.z)
            z_tail.append(s.powerlaw_vs_exponential.z)
            hills.append(s.hill_alpha)
            r = dist.size_shape(p["revenue"])
            rev.append((r.skew_logs, r.lognormal_vs_gamma.z, r.hill_alpha,
                        r.powerlaw_vs_exponential.z))
    t_skew = THRESHOLDS["size_skew"][0]
    t_z = THRESHOLDS["size_vuong_z"][0]
    t_ls = THRESHOLDS["size_log_skew"][0]
    t_tail = THRESHOLDS["tail_vuong_z"][0]
    lo, hi = THRESHOLDS["hill_range"][0]
    rev = np.array(rev)
    return [
        Fact("size_skewed", "firm dynamics", "Firm sizes are right-skewed",
             "skewness of employees per firm, each year-end panel", _summ(skews, ".1f"),
             f"skewness > {t_skew} in every panel", bool(min(skews) > t_skew),
             THRESHOLDS["size_skew"][1], {"skewness": skews}),
        Fact("size_lognormal_body", "firm dynamics",
             "Firm sizes have a lognormal body",
             "Vuong z, lognormal vs exponential and vs gamma (MLE fits); skewness of log "
             "employees",
             f"z vs exponential {_summ(z_exp, '.1f')}; z vs gamma {_summ(z_gam, '.1f')}; "
             f"log skew {_summ(log_skews, '.2f')}",
             f"both z > {t_z} and |log skew| < {t_ls} in every panel",
             bool(min(z_exp) > t_z and min(z_gam) > t_z
                  and max(abs(x) for x in log_skews) < t_ls),
             f"{THRESHOLDS['size_vuong_z'][1]}; {THRESHOLDS['size_log_skew'][1]}. "
             f"Revenue (reported, not tested): log skew {_summ(rev[:, 0], '.2f')}, "
             f"z lognormal vs gamma {_summ(rev[:, 1], '.1f')} — by revenue the body is "
             "left-skewed in logs (many entrants with little revenue) and a gamma fits it "
             "better.",
             {"z_exponential": z_exp, "z_gamma": z_gam, "log_skew": log_skews,
              "revenue_log_skew": rev[:, 0].tolist(), "revenue_z_gamma": rev[:, 1].tolist()}),
        Fact("size_heavy_tail", "firm dynamics", "Firm sizes have a heavy (Pareto) upper tail",
             "top 5 % of firms by employees: Vuong z of power law vs exponential above the "
             "threshold; Hill tail index α",
             f"z {_summ(z_tail, '.1f')}; α {_summ(hills, '.2f')}",
             f"z > {t_tail} and {lo} ≤ α ≤ {hi} in every panel",
             bool(min(z_tail) > t_tail and min(hills) >= lo and max(hills) <= hi),
             f"{THRESHOLDS['tail_vuong_z'][1]}; {THRESHOLDS['hill_range'][1]}. Revenue "
             f"(reported): α {_summ(rev[:, 2], '.2f')}, tail z {_summ(rev[:, 3], '.1f')}.",
             {"z_tail": z_tail, "hill_alpha": hills,
              "revenue_hill_alpha": rev[:, 2].tolist()}),
    ]


def growth_facts(runs: Sequence[EnsembleRun], boot: int = 100) -> list[Fact]:
    """Growth-rate shape, volatility scaling and Gibrat's regression per seed-year."""
    bs, zl, lrp, kurt, betas, beta_lo, slopes, ses = [], [], [], [], [], [], [], []
    for run in runs:
        for step, g, x0 in growth_pairs(run):
            sh = dist.growth_shape(g)
            bs.append(sh.b)
            zl.append(sh.laplace_vs_gauss.z)
            lrp.append(sh.subbotin_vs_gauss.p)
            kurt.append(sh.kurtosis)
            sc = dist.volatility_scaling(g, x0, boot=boot, seed=step)
            betas.append(sc.beta)
            beta_lo.append(sc.ci[0])
            gb = dist.gibrat(g, x0)
            slopes.append(gb.slope)
            ses.append(gb.se)
    b_lo, b_hi = THRESHOLDS["growth_b"][0]
    t_z = THRESHOLDS["growth_vuong_z"][0]
    t_p = THRESHOLDS["growth_lr_p"][0]
    t_blo = THRESHOLDS["beta_ci_low"][0]
    t_bmax = THRESHOLDS["beta_max"][0]
    return [
        Fact("growth_tent", "firm dynamics",
             "Annual growth rates are tent-shaped (Laplace/Subbotin beats Gaussian)",
             "annual log revenue growth of firms aged ≥ 4 quarters, demeaned per year; Vuong "
             "z of Laplace vs Gaussian; LR test of Subbotin vs Gaussian; Subbotin shape b",
             f"z {_summ(zl, '.1f')}; b {_summ(bs, '.2f')}; LR p max {max(lrp):.1e}; excess "
             f"kurtosis {_summ(kurt, '.1f')}",
             f"z > {t_z}, p < {t_p:g}, {b_lo} ≤ b ≤ {b_hi} in every seed-year",
             bool(min(zl) > t_z and max(lrp) < t_p and min(bs) >= b_lo and max(bs) <= b_hi),
             f"{THRESHOLDS['growth_vuong_z'][1]}; {THRESHOLDS['growth_b'][1]}. Pooling firms "
             "of all sizes mixes scales, so b < 1 (fatter than Laplace) is expected.",
             {"b": bs, "z_laplace_gauss": zl, "lr_p": lrp, "kurtosis": kurt}),
        Fact("volatility_scaling", "firm dynamics", "Growth volatility falls with size",
             "σ(g | size) ∝ size^−β: slope of log σ on mean log revenue over 10 equal-count "
             f"size bins; 95 % bootstrap interval ({boot} resamples of firms)",
             f"β {_summ(betas, '.3f')}; lower CI bound {_summ(beta_lo, '.3f')}",
             f"lower CI bound > {t_blo} and β < {t_bmax} in every seed-year",
             bool(min(beta_lo) > t_blo and max(betas) < t_bmax),
             f"{THRESHOLDS['beta_ci_low'][1]}; {THRESHOLDS['beta_max'][1]}",
             {"beta": betas, "beta_ci_low": beta_lo}),
        Fact("gibrat", "firm dynamics", "Gibrat's regression (reported)",
             "OLS of annual log revenue growth on log initial revenue (firms aged ≥ 4 "
             "quarters), HC1 standard errors; Gibrat's law: slope 0",
             f"slope {_summ(slopes, '.4f')}; s.e. {_summ(ses, '.4f')}",
             "reported, not tested", None,
             "Empirical slopes are usually slightly negative (small firms grow faster); the "
             "model's are near zero and often slightly positive, so Gibrat's law holds "
             "approximately and its small-firm violation is not reproduced.",
             {"slope": slopes, "se": ses}),
    ]


def demography_facts(runs: Sequence[EnsembleRun], burn_in: int) -> list[Fact]:
    """Entry and exit every year, their correlation, exit risk varying with age."""
    v: dict[str, list] = {k: [] for k in ("min_rates", "rhos", "rho_ps", "g_ps", "ratios",
                                          "profiles")}
    for run in runs:
        _entry_exit_stats(run, burn_in, v)
        _age_stats(run, v)
    min_rates, rhos, rho_ps, g_ps, ratios, profiles = v.values()
    t_rate = THRESHOLDS["entry_exit_min_rate"][0]
    t_rho = THRESHOLDS["entry_exit_rho"][0]
    t_p = THRESHOLDS["exit_age_p"][0]
    t_ratio = THRESHOLDS["exit_age_ratio"][0]
    prof = np.array(profiles).mean(0)
    labels = ["0–3", "4–7", "8–15", "16–31", "32–63", "64+"]
    profile_txt = ", ".join(f"{lab} q: {v:.3f}" for lab, v in zip(labels, prof, strict=False))
    return [
        Fact("entry_exit_every_year", "firm dynamics", "Entry and exit both occur every year",
             "national entries and exits per year as a share of firms at the start of the year",
             f"lowest of the two rates per seed {_summ(min_rates, '.3f')}",
             f"both ≥ {t_rate} in every year of every seed", bool(min(min_rates) >= t_rate),
             THRESHOLDS["entry_exit_min_rate"][1], {"min_rate": min_rates}),
        Fact("entry_exit_correlated", "firm dynamics",
             "Entry and exit are positively correlated",
             "Spearman ρ of annual entry and exit rates across region-years (regions with ≥ "
             "20 firms at the start of the year)",
             f"ρ {_summ(rhos, '.2f')}; p max {max(rho_ps):.1e}",
             f"ρ > {t_rho} and p < 0.01 in every seed",
             bool(min(rhos) > t_rho and max(rho_ps) < 0.01),
             THRESHOLDS["entry_exit_rho"][1], {"rho": rhos, "p": rho_ps}),
        Fact("exit_risk_varies", "firm dynamics", "Exit risk varies with age",
             "annual exit rate by age class (quarters) of firms alive at a year end; LR "
             "(G) test of equal rates",
             f"mean profile {profile_txt}; max/min {_summ(ratios, '.0f')}; p max "
             f"{max(g_ps):.1e}",
             f"p < {t_p:g} and max/min ≥ {t_ratio} in every seed",
             bool(max(g_ps) < t_p and min(ratios) >= t_ratio),
             f"{THRESHOLDS['exit_age_ratio'][1]}. Where the risk peaks is the demography "
             "target `exit_peak` (years 3–7).",
             {"profile": profiles, "ratio": ratios, "p": g_ps}),
    ]


def _entry_exit_stats(run: EnsembleRun, burn_in: int, v: dict[str, list]) -> None:
    """Append one replication's entry and exit rates and their correlation to ``v``."""
    r = run.regions
    last = r["entries"].shape[0] - 1
    years = list(range(burn_in, last - 3, 4))
    e = np.array([r["entries"][y + 1:y + 5].sum(0) for y in years])
    x = np.array([r["exits"][y + 1:y + 5].sum(0) for y in years])
    n = np.array([r["firms_total"][y] for y in years])
    v["min_rates"].append(float(min((e.sum(1) / n.sum(1)).min(), (x.sum(1) / n.sum(1)).min())))
    ok = n >= 20
    rho, p = stats.spearmanr((e / np.maximum(n, 1))[ok], (x / np.maximum(n, 1))[ok])
    v["rhos"].append(float(rho))
    v["rho_ps"].append(float(p))


def _age_stats(run: EnsembleRun, v: dict[str, list]) -> None:
    """Append one replication's exit rates by age class (between its year-end panels) to
    ``v``."""
    edges = [4, 8, 16, 32, 64]
    steps = sorted(run.panels)
    ages, exited = [], []
    for a, b in zip(steps[:-1], steps[1:], strict=True):
        ages.append(run.panels[a]["age"])
        exited.append(~np.isin(run.panels[a]["firm_id"], run.panels[b]["firm_id"]))
    cls = np.digitize(np.concatenate(ages), edges)
    g_stat, gp, rates = dist.exit_age_lr(cls, np.concatenate(exited))
    v["g_ps"].append(gp)
    v["ratios"].append(float(rates.max() / max(rates.min(), 1e-12)))
    v["profiles"].append(rates.tolist())
