"""The demography targets: each defined exactly (which firms, which years, which source),
measured the same way by the method of simulated moments (:mod:`.msm`) and by
``ai-chain validate`` (:mod:`.facts`), with its tolerance and the tolerance's reason.

A run is observed every quarter by :class:`DemographyTracker` (public model API only:
``firm_rows()`` and the step counter); :func:`moments` turns what it saw into the target
statistics. Steps count quarters from the start of 2023Q1 (step t is the end of quarter t).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

#: Exit-hazard age bands (quarters): under 1 year, 1-3, 3-7 and 7 years or more.
AGE_BANDS = (4, 12, 28)
AGE_BAND_LABELS = ("0–1 y", "1–3 y", "3–7 y", "7+ y")
#: The band in which the source puts the peak of exit risk (years 3-7).
PEAK_BAND = 2
#: The MIIT window of the growth target: end of 2023Q2 (step 2) to end of 2025Q3 (step 11).
GROWTH_STEPS = (2, 11)
#: The little-giant count's date (MIIT, September 2025): end of 2025Q3.
LITTLE_GIANT_STEP = 11
#: Years after the burn-in over which exit ages and capability persistence are measured.
WINDOW_YEARS = 5


@dataclass(frozen=True)
class Target:
    """One calibration or validation target.

    Attributes:
        key: Moment name.
        value: Target value.
        se: Its uncertainty (the MSM weight is 1 / se**2).
        band: Pass band used by ``ai-chain validate``.
        definition: Exactly what is measured in the model.
        source: Where the value comes from, with its reliability grade.
        tolerance: Why the band is what it is.
    """

    key: str
    value: float
    se: float
    band: tuple[float, float]
    definition: str
    source: str
    tolerance: str


TARGETS: dict[str, Target] = {t.key: t for t in (
    Target("growth", (5000 / 4400) ** (1 / 2.25) - 1, 0.03, (0.0, 0.15),
           "annual growth of the national firm count from the end of 2023Q2 (step 2) to the "
           "end of 2025Q3 (step 11), i.e. (N11 / N2)^(4/9) - 1",
           "MIIT, two officials of the same ministry: > 4,400 AI firms (June 2023) and > 5,000 "
           "(September 2025), CONTEXT-FIGURES §1, H; neither states the definition, both are "
           "read as MIIT's count: 5.8 %/yr between the two lower bounds",
           "both figures are rounded lower bounds (> 5,000 may be up to ~5,500: ≈ 10 %/yr); "
           "the band allows no shrinking industry and at most 15 %/yr"),
    Target("exit_age", 6.09, 1.0, (5.0, 7.5),
           "mean age in years at exit (age at the last quarter alive + 1 quarter) of all "
           "firms that exit in the five years after the burn-in (steps burn-in+1 to "
           "burn-in+20); relocations are not exits",
           "SAIC, 全国内资企业生存时间分析报告 (2013): firms exiting 2008–12 lived 6.09 years "
           "on average (CONTEXT-FIGURES §7, H, dated, all sectors); exited SMEs: median "
           "5.03 years (China Economic Review 2025, Kaplan–Meier on 2001–13 registrations, "
           "SMEs by registered capital, M-H)",
           "the band reaches down to the other source's 5.03 (a median, which for a "
           "right-skewed age distribution lies below the mean) and 1.41 years above 6.09, "
           "since an industry that grows faster than the 2008–12 economy has younger exits"),
    Target("exit_peak", PEAK_BAND, 0.0, (PEAK_BAND, PEAK_BAND),
           "annual exit hazard by age band (under 1 year, 1–3, 3–7, 7+ years) of firms alive "
           "at each quarter after the burn-in; the band with the highest hazard",
           "SAIC (2013): death risk peaks at years 3–7 (CONTEXT-FIGURES §7, H, dated)",
           "the peak band itself: the 3–7 year hazard must exceed each other band's"),
    Target("young_share", 0.494, 0.1, (0.40, 0.76),
           "share of live firms younger than 5 years (20 quarters), mean over the year ends "
           "after the burn-in",
           "SAIC (2013): 49.4 % of firms < 5 years old (CONTEXT-FIGURES §7, H, dated, all "
           "sectors); Shenzhen 2018: 76 % (CONTEXT-FIGURES §7, M); AI-related firms mid-2023 "
           "(天眼查, broad registry definition, CONTEXT-FIGURES §1): 55.4 % aged 1–5 years "
           "(L-M; not the same age class)",
           "from the national all-sector share (minus 0.09, a tenth of the range of "
           "national figures) up to Shenzhen's share, the highest-growth city figure"),
    Target("cap_rho5", 0.7, 0.1, (0.5, 0.9),
           "Spearman rank correlation of firm capability, ranked within each layer, between "
           "the burn-in year end and five years later (firms alive at both)",
           "plant-level productivity persistence over five years of about 0.6–0.8 (Foster, "
           "Haltiwanger and Syverson 2008, AER 98(1), U.S. manufacturing; surveyed in "
           "Syverson 2011, JEL 49(2)); grade M: capability is a quality-adjusted technology "
           "level, not measured TFP, and the figures are not for China or for AI",
           "the literature's range widened by 0.1 on each side (capability is not TFP, and "
           "survivor samples of a few thousand firms)"),
    Target("little_giants", 400.0, 50.0, (350.0, 600.0),
           "national count of little giants at the end of 2025Q3 (step 11)",
           "MIIT (September 2025): > 400 national AI 'little giants' (CONTEXT-FIGURES §1, "
           "§8, H); pinned by the rule roles.little_giant_share (derived from the same "
           "figure), so this is a consistency check, not an independent test",
           "> 400 is a lower bound; a count above 600 would have been reported as > 600"),
    Target("shanxi_integrators", 13 / 534, 0.01, (13 / 534 / 2, 13 / 534 * 2),
           "Shanxi's share of the national integrator segment, at every year end after the "
           "burn-in",
           "FACTS: integrators' alliance, 13 of 534 members in Shanxi (2020)",
           "within a factor 2 of the step-0 share (Shanxi has only 15–60 integrators, so "
           "single entries and exits move its share by several per cent)"),
)}


@dataclass
class DemographyTracker:
    """Collects, quarter by quarter, what the demography targets need from one run."""

    firms: list[int] = field(default_factory=list)
    exits: list[tuple[int, int]] = field(default_factory=list)  # (step, age at exit)
    at_risk: dict[int, np.ndarray] = field(default_factory=dict)  # step -> band counts
    exited: dict[int, np.ndarray] = field(default_factory=dict)
    year_ends: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    little_giants: dict[int, int] = field(default_factory=dict)
    _prev_ids: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    _prev_ages: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def observe(self, model, step: int) -> None:
        """Record the firm table of ``model`` after ``step`` (call at 0, 1, 2, ...)."""
        rows = model.firm_rows()
        ids, ages = np.asarray(rows["firm_id"]), np.asarray(rows["age"])
        self.firms.append(int(ids.size))
        if step > 0 and self._prev_ids.size:
            gone = ~np.isin(self._prev_ids, ids)
            self.exits += [(step, int(a) + 1) for a in self._prev_ages[gone]]
            band = np.digitize(self._prev_ages, AGE_BANDS)
            self.at_risk[step] = np.bincount(band, minlength=4)
            self.exited[step] = np.bincount(band[gone], minlength=4)
        self._prev_ids, self._prev_ages = ids.copy(), ages.copy()
        self.little_giants[step] = int(np.count_nonzero(rows["little_giant"]))
        if step % 4 == 0:
            integ = np.asarray(rows["integrator"], bool)
            self.year_ends[step] = {
                "firm_id": ids.copy(), "age": ages.copy(), "layer": rows["layer"].copy(),
                "capability": rows["capability"].copy(),
                "integrators": integ.sum(), "integrator_regions": rows["region"][integ].copy()}


def hazard_profile(tr: DemographyTracker, burn_in: int) -> np.ndarray:
    """Annual exit hazard per age band over the quarters after ``burn_in``."""
    steps = [s for s in tr.at_risk if s > burn_in]
    risk = sum((tr.at_risk[s] for s in steps), np.zeros(4))
    gone = sum((tr.exited[s] for s in steps), np.zeros(4))
    quarterly = np.divide(gone, risk, out=np.zeros(4), where=risk > 0)
    return 1.0 - (1.0 - quarterly) ** 4


def capability_rho(tr: DemographyTracker, a: int, b: int) -> float:
    """Spearman correlation of capability ranked within layer, survivors from ``a`` to ``b``."""
    p0, p1 = tr.year_ends[a], tr.year_ends[b]
    both, i0, i1 = np.intersect1d(p0["firm_id"], p1["firm_id"], return_indices=True)
    if both.size < 10:
        return float("nan")
    lay = p0["layer"][i0]
    r0, r1 = np.empty(both.size), np.empty(both.size)
    for k in np.unique(lay):
        m = lay == k
        r0[m] = stats.rankdata(p0["capability"][i0][m]) / m.sum()
        r1[m] = stats.rankdata(p1["capability"][i1][m]) / m.sum()
    return float(stats.spearmanr(r0, r1)[0])


def moments(tr: DemographyTracker, burn_in: int, focus: str = "Shanxi") -> dict[str, float]:
    """Every target statistic of one run (NaN where the run is too short)."""
    g0, g1 = GROWTH_STEPS
    n = tr.firms
    growth = (n[g1] / n[g0]) ** (4 / (g1 - g0)) - 1 if len(n) > g1 else float("nan")
    end = burn_in + 4 * WINDOW_YEARS
    ages = [a for s, a in tr.exits if burn_in < s <= end]
    years = sorted(s for s in tr.year_ends if s >= burn_in)
    young = [float(np.mean(tr.year_ends[s]["age"] < 20)) for s in years]
    shares = [float(np.mean(tr.year_ends[s]["integrator_regions"] == focus))
              for s in years if tr.year_ends[s]["integrators"] > 0]
    profile = hazard_profile(tr, burn_in)
    return {
        "growth": float(growth),
        "exit_age": float(np.mean(ages)) / 4 if ages else float("nan"),
        "exit_peak": float(np.argmax(profile)) if profile.any() else float("nan"),
        "young_share": float(np.mean(young)) if young else float("nan"),
        "cap_rho5": capability_rho(tr, burn_in, end) if end in tr.year_ends
        else float("nan"),
        "little_giants": float(tr.little_giants.get(LITTLE_GIANT_STEP, np.nan)),
        "shanxi_integrators": float(np.mean(shares)) if shares else float("nan"),
        "shanxi_integrators_min": float(min(shares)) if shares else float("nan"),
        "shanxi_integrators_max": float(max(shares)) if shares else float("nan"),
        "hazard_profile": profile.tolist(),
        "cap_rho1": capability_rho(tr, burn_in, burn_in + 4) if burn_in + 4 in tr.year_ends
        else float("nan"),
    }
