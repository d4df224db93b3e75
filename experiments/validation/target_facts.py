"""The demography targets as validated facts: each moment against its target, its pass band
and the band's justification (definitions and sources in :mod:`.targets`).

A target passes only if its statistic lies inside the band in **every** replication (for
Shanxi's integrator share: at every year end of every replication).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from experiments.validation.ensemble import EnsembleRun
from experiments.validation.facts import Fact
from experiments.validation.targets import AGE_BAND_LABELS, PEAK_BAND, TARGETS

GROUP = "demography"


def _values(runs: Sequence[EnsembleRun], key: str) -> list[float]:
    return [float(r.demography[key]) for r in runs]


def _inside(values: Sequence[float], band: tuple[float, float]) -> bool:
    v = np.asarray(values, float)
    return bool(v.size and np.all(np.isfinite(v)) and np.all((v >= band[0]) & (v <= band[1])))


def _fmt(values: Sequence[float], fmt: str) -> str:
    v = np.asarray(values, float)
    return (f"mean {np.nanmean(v):{fmt}} (per seed {', '.join(f'{x:{fmt}}' for x in v)})"
            if v.size else "n/a")


def _band_fact(runs: Sequence[EnsembleRun], key: str, title: str, fmt: str,
               extra: str = "") -> Fact:
    t = TARGETS[key]
    vals = _values(runs, key)
    lo, hi = t.band
    return Fact(key, GROUP, title, t.definition, _fmt(vals, fmt) + extra,
                f"target {t.value:{fmt}}; inside [{lo:{fmt}}, {hi:{fmt}}] in every seed",
                _inside(vals, t.band), f"Source: {t.source}. Tolerance: {t.tolerance}.",
                {"values": vals, "target": t.value, "band": list(t.band)})


def target_facts(runs: Sequence[EnsembleRun]) -> list[Fact]:
    """One fact per demography target (docs/validation.md §1, §2)."""
    profiles = np.array([r.demography["hazard_profile"] for r in runs])
    peak = TARGETS["exit_peak"]
    peaks = profiles.argmax(axis=1) if profiles.size else np.array([])
    mean_prof = profiles.mean(axis=0) if profiles.size else np.zeros(4)
    prof_txt = ", ".join(f"{lab}: {v:.3f}" for lab, v in zip(AGE_BAND_LABELS, mean_prof,
                                                            strict=True))
    rho1 = _values(runs, "cap_rho1")
    sx_lo, sx_hi = _values(runs, "shanxi_integrators_min"), _values(runs,
                                                                    "shanxi_integrators_max")
    integ = TARGETS["shanxi_integrators"]
    return [
        _band_fact(runs, "growth", "National firm count grows as MIIT counted (2023–25)",
                   ".3f"),
        _band_fact(runs, "exit_age", "Exiting firms are about six years old", ".2f"),
        Fact("exit_peak", GROUP, "Exit risk peaks at 3–7 years of age", peak.definition,
             f"mean annual hazard {prof_txt}; peak band per seed "
             f"{', '.join(AGE_BAND_LABELS[int(k)] for k in peaks)}",
             "the 3–7 year band has the highest hazard in every seed",
             bool(peaks.size and np.all(peaks == PEAK_BAND)),
             f"Source: {peak.source}. Tolerance: {peak.tolerance}.",
             {"profiles": profiles.tolist()}),
        _band_fact(runs, "young_share", "About half of the firms are younger than five years",
                   ".3f"),
        _band_fact(runs, "cap_rho5", "Capability ranks persist, but not frozen", ".3f",
                   f"; one year (reported) {_fmt(rho1, '.3f')}"),
        _band_fact(runs, "little_giants", "Little giants as many as MIIT designated (2025)",
                   ".0f"),
        Fact("shanxi_integrators", GROUP, "Shanxi keeps its small share of integrators",
             integ.definition,
             f"lowest {_fmt(sx_lo, '.4f')}; highest {_fmt(sx_hi, '.4f')}",
             f"target {integ.value:.4f} (13/534); every year end inside "
             f"[{integ.band[0]:.4f}, {integ.band[1]:.4f}]",
             _inside(sx_lo + sx_hi, integ.band),
             f"Source: {integ.source}. Tolerance: {integ.tolerance}.",
             {"min": sx_lo, "max": sx_hi, "mean": _values(runs, "shanxi_integrators")}),
    ]
