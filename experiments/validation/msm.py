"""Method of simulated moments for the identified dynamic block (offline, not in CI).

Most calibration targets pin parameters by construction at step 0 (firm counts, the layer
mix, wages, integrators, R&D intensity: see the identification table in
docs/validation.md). Four dynamic moments remain, defined exactly (and measured the same
way by ``ai-chain validate``) in :mod:`experiments.validation.targets`:

- ``growth``: national firm-count growth from mid-2023 to 2025Q3; target 5.8 %/yr (MIIT's
  > 4,400 and > 5,000 AI firms);
- ``exit_age``: mean age at exit of the firms exiting in the five years after the burn-in;
  target 6.09 years (SAIC 2013, all sectors);
- ``young_share``: share of firms younger than 5 years at the year ends after the burn-in;
  target 0.494 (SAIC 2013);
- ``cap_rho5``: five-year rank correlation of capability within layers; target 0.7
  (plant productivity persistence, Foster, Haltiwanger and Syverson 2008).

Parameters estimated (chosen by the identification screen, :func:`screen`, written to
``docs/validation/screen.json``): ``entry.rate``, ``entry.seed_cash`` and
``innovation.capability_shock``. Runs: the full baseline, 40 quarters, burn-in 20, common
random numbers (every evaluation uses the same seeds, run side by side on two processes).
Usage (about 5 minutes on 2 idle cores)::

    .venv/bin/python -m experiments.validation.msm --out docs/validation/msm.json
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from experiments.run.runfolder import write_json
from experiments.validation.targets import TARGETS, DemographyTracker, moments

PARAMS = ("entry.rate", "entry.seed_cash", "innovation.capability_shock")
# Candidate parameters screened for identification (bounds = plausible ranges).
BOUNDS = {"entry.rate": (0.01, 0.08), "entry.seed_cash": (0.5, 6.0),
          "innovation.capability_shock": (0.0, 0.4), "exit.hazard": (0.001, 0.03),
          "exit.loss_hazard": (0.05, 0.6), "entry.capability_gap": (0.0, 1.0),
          "calibration.mean_initial_age": (8.0, 40.0), "exit.hazard_peak_age": (8.0, 32.0),
          "demand.growth": (0.15, 0.45)}
MOMENTS = ("growth", "exit_age", "young_share", "cap_rho5")
TARGETS_V = np.array([TARGETS[m].value for m in MOMENTS])
TARGET_SE = np.array([TARGETS[m].se for m in MOMENTS])
STEPS = 40
BURN_IN = 20
SEEDS = (11, 12)
WORKERS = 2


def _one(job: tuple[str, int, int, dict[str, float]]) -> list[float]:
    """The moments of one seed (a process-pool task)."""
    from experiments.run.loop import RunLoop

    scenario, seed, steps, overrides = job
    loop = RunLoop.build(scenario, rng=seed, steps=steps, firm_data="none",
                         overrides=overrides)
    tracker = DemographyTracker()
    for t in loop:
        tracker.observe(loop.model, t)
    m = moments(tracker, BURN_IN)
    return [m[k] for k in MOMENTS]


def simulate(theta: Sequence[float], seeds: Sequence[int] = SEEDS, scenario: str = "baseline",
             steps: int = STEPS, params: Sequence[str] = PARAMS) -> np.ndarray:
    """Simulated moments (one row per seed) at values ``theta`` of ``params``."""
    overrides = dict(zip(params, map(float, theta), strict=True))
    jobs = [(scenario, int(s), steps, overrides) for s in seeds]
    with ProcessPoolExecutor(min(WORKERS, len(jobs))) as pool:
        return np.array(list(pool.map(_one, jobs)))


def screen(names: Sequence[str] = tuple(BOUNDS), seeds: Sequence[int] = SEEDS,
           log=print) -> dict:
    """Identification screen at the baseline: central-difference derivatives of every moment
    with respect to each candidate (10 % of its range, common random numbers), scaled to
    "target standard errors per full range" so that entries are comparable.

    Returns:
        JSON-able dict: baseline values and moments, scaled sensitivities (moments x names).
    """
    from model.scenario import load_scenario

    vals = load_scenario("baseline").values
    base = np.array([float(vals[n]) for n in names])
    m0 = simulate(base, seeds, params=names).mean(0)
    log(f"baseline moments {np.round(m0, 3).tolist()}")
    sens = np.zeros((len(MOMENTS), len(names)))
    for j, n in enumerate(names):
        lo, hi = BOUNDS[n]
        h = 0.1 * (hi - lo)
        up, dn = base.copy(), base.copy()
        up[j] = min(base[j] + h, hi)
        dn[j] = max(base[j] - h, lo)
        d = (simulate(up, seeds, params=names).mean(0)
             - simulate(dn, seeds, params=names).mean(0)) / (up[j] - dn[j])
        sens[:, j] = d * (hi - lo) / TARGET_SE
        log(f"{n}: {np.round(sens[:, j], 2).tolist()}")
    return {"names": list(names), "baseline": base.tolist(), "moments": list(MOMENTS),
            "baseline_moments": m0.tolist(), "targets": TARGETS_V.tolist(),
            "target_se": TARGET_SE.tolist(), "scaled_sensitivity": sens.tolist(),
            "seeds": list(seeds), "steps": STEPS, "burn_in": BURN_IN}


def objective(m: np.ndarray) -> float:
    """Weighted squared distance of mean simulated moments from the targets."""
    return float(np.sum(((m - TARGETS_V) / TARGET_SE) ** 2))


def estimate(n_lhs: int = 12, n_nm: int = 16, seed: int = 0,
             log=print) -> dict:
    """Latin-hypercube search, then Nelder–Mead from the best point; standard errors from
    the moment Jacobian (sandwich with data and simulation noise).

    Args:
        n_lhs: Latin-hypercube points.
        n_nm: Maximum Nelder–Mead function evaluations.
        seed: Seed of the Latin hypercube.
        log: Progress printer.

    Returns:
        A JSON-able dict with the design, evaluations, estimate, standard errors and fit.
    """
    # size: the estimator and its sandwich errors, step by step as docs/validation.md §2.2
    from scipy.optimize import minimize
    from scipy.stats import qmc

    lo = np.array([BOUNDS[p][0] for p in PARAMS])
    hi = np.array([BOUNDS[p][1] for p in PARAMS])
    t0 = time.perf_counter()
    evals: list[dict] = []

    def f(theta: np.ndarray) -> float:
        theta = np.clip(theta, lo, hi)
        m = simulate(theta)
        val = objective(m.mean(0))
        evals.append({"theta": theta.tolist(), "moments": m.mean(0).tolist(),
                      "objective": val})
        log(f"[{time.perf_counter() - t0:6.0f} s] eval {len(evals)}: "
            f"{dict(zip(PARAMS, np.round(theta, 4).tolist(), strict=True))} -> moments "
            f"{np.round(m.mean(0), 3).tolist()}, objective {val:.3f}")
        return val

    sample = qmc.scale(qmc.LatinHypercube(d=len(PARAMS), seed=seed).random(n_lhs), lo, hi)
    vals = [f(x) for x in sample]
    start = sample[int(np.argmin(vals))]
    scale = hi - lo

    def g(z: np.ndarray) -> float:  # optimize on the unit cube
        return f(lo + np.clip(z, 0, 1) * scale)

    z0 = (start - lo) / scale
    simplex = np.vstack([z0] + [np.clip(z0 + 0.15 * np.eye(len(PARAMS))[j], 0, 1)
                                for j in range(len(PARAMS))])
    res = minimize(g, z0, method="Nelder-Mead",
                   options={"maxfev": n_nm, "xatol": 1e-3, "fatol": 1e-3,
                            "initial_simplex": simplex})
    best = min(evals, key=lambda e: e["objective"])
    theta = np.array(best["theta"])
    # Jacobian by central differences (common random numbers), 5 % of each range.
    h = 0.05 * scale
    jac = np.zeros((len(MOMENTS), len(PARAMS)))
    for j in range(len(PARAMS)):
        up = theta.copy()
        dn = theta.copy()
        up[j] = min(theta[j] + h[j], hi[j])
        dn[j] = max(theta[j] - h[j], lo[j])
        jac[:, j] = (simulate(up).mean(0) - simulate(dn).mean(0)) / (up[j] - dn[j])
    sims = simulate(theta, seeds=tuple(range(21, 27)))
    omega_sim = np.cov(sims.T) / len(SEEDS)
    omega = np.diag(TARGET_SE ** 2) + omega_sim
    w = np.diag(1 / TARGET_SE ** 2)
    bread = np.linalg.pinv(jac.T @ w @ jac)
    cov = bread @ jac.T @ w @ omega @ w @ jac @ bread
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    m_hat = simulate(theta).mean(0)
    return {
        "params": list(PARAMS), "bounds": {p: list(BOUNDS[p]) for p in PARAMS},
        "moments": list(MOMENTS), "targets": TARGETS_V.tolist(),
        "target_se": TARGET_SE.tolist(), "seeds": list(SEEDS), "steps": STEPS,
        "burn_in": BURN_IN,
        "lhs_points": n_lhs, "nelder_mead_evals": int(res.nfev),
        "estimate": theta.tolist(), "se": se.tolist(),
        "moments_at_estimate": m_hat.tolist(), "objective": objective(m_hat),
        "jacobian": jac.tolist(), "sim_moment_sd_6_seeds": sims.std(0, ddof=1).tolist(),
        "evaluations": evals, "seconds": time.perf_counter() - t0,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: run the estimation and write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="docs/validation/msm.json")
    ap.add_argument("--lhs", type=int, default=12)
    ap.add_argument("--nm", type=int, default=16)
    ap.add_argument("--screen", action="store_true",
                    help="only the identification screen (writes --out)")
    ap.add_argument("--baseline-only", action="store_true",
                    help="only print the moments at the scenario's values")
    a = ap.parse_args(argv)
    if a.baseline_only:
        from model.scenario import load_scenario

        vals = load_scenario("baseline").values
        theta = [vals[p] for p in PARAMS]
        m = simulate(theta)
        print(dict(zip(PARAMS, theta, strict=True)), m.round(3).tolist(),
              objective(m.mean(0)))
        return 0
    result = screen() if a.screen else estimate(a.lhs, a.nm)
    write_json(Path(a.out), result)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
