"""Figures of the validation report (matplotlib, Agg backend, PNG)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import stats

from experiments.validation import distributions as dist
from experiments.validation.ensemble import EnsembleRun
from experiments.validation.facts import growth_pairs


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def rank_size(runs: Sequence[EnsembleRun], path: Path) -> Path:
    """Rank–size plot of employees at the last panel of each seed, with a lognormal fit."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for run in runs:
        last = max(run.panels)
        x = np.sort(run.panels[last]["employees"].astype(float))[::-1]
        x = x[x > 0]
        ax.loglog(np.arange(1, x.size + 1), x, ".", ms=2, alpha=0.5,
                  label=f"seed {run.seed_index} (step {last})")
    run = runs[0]
    x = np.sort(run.panels[max(run.panels)]["employees"].astype(float))[::-1]
    x = x[x > 0]
    lx = np.log(x)
    ranks = np.arange(1, x.size + 1)
    fit = np.exp(stats.norm.ppf(1 - (ranks - 0.5) / x.size, lx.mean(), lx.std()))
    ax.loglog(ranks, fit, "k-", lw=1, label="lognormal fit (seed 0)")
    k = max(int(0.05 * x.size), 10)
    alpha = dist.hill(x, k)
    ax.loglog(ranks[:k], x[k] * (ranks[:k] / k) ** (-1 / alpha), "r--", lw=1.2,
              label=f"Pareto tail, Hill α = {alpha:.2f} (top 5 %)")
    ax.set_xlabel("rank")
    ax.set_ylabel("employees")
    ax.set_title("Rank–size of firms (employees)")
    ax.legend(fontsize=7, markerscale=4)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def growth_density(runs: Sequence[EnsembleRun], path: Path) -> Path:
    """Density of pooled annual growth rates on a log scale with Gaussian, Laplace and
    Subbotin fits."""
    plt = _plt()
    g = np.concatenate([x[1] for run in runs for x in growth_pairs(run)])
    g = g[np.abs(g) < np.quantile(np.abs(g), 0.9995)]
    sh = dist.growth_shape(g)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    bins = np.linspace(-3, 3, 121)
    h, e = np.histogram(g, bins=bins, density=True)
    c = 0.5 * (e[1:] + e[:-1])
    ax.semilogy(c[h > 0], h[h > 0], "o", ms=3, color="0.2", label=f"model (n = {g.size})")
    xx = np.linspace(-3, 3, 601)
    ax.semilogy(xx, stats.norm.pdf(xx, g.mean(), g.std()), "b-", lw=1, label="Gaussian")
    loc = np.median(g)
    ax.semilogy(xx, stats.laplace.pdf(xx, loc, np.mean(np.abs(g - loc))), "g-", lw=1,
                label="Laplace")
    b, loc_s, scale_s = stats.gennorm.fit(g, 1.0, loc=loc, scale=np.mean(np.abs(g - loc)))
    ax.semilogy(xx, stats.gennorm.pdf(xx, b, loc_s, scale_s), "r--", lw=1.2,
                label=f"Subbotin b = {sh.b:.2f}")
    ax.set_ylim(max(h[h > 0].min() / 3, 1e-5), h.max() * 3)
    ax.set_xlabel("annual log revenue growth (demeaned per year)")
    ax.set_ylabel("density (log scale)")
    ax.set_title("Growth-rate density, firms aged ≥ 4 quarters")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def volatility_size(runs: Sequence[EnsembleRun], path: Path) -> Path:
    """Standard deviation of growth against size (binned, log–log) with the fitted slope."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    gs, xs = [], []
    for run in runs:
        for _, g, x0 in growth_pairs(run):
            gs.append(g)
            xs.append(x0)
    g = np.concatenate(gs)
    x0 = np.concatenate(xs)
    sc = dist.volatility_scaling(g, x0, bins=20, boot=50)
    ax.loglog(np.exp(sc.bins_size), sc.bins_sigma, "o", label="20 equal-count size bins")
    fit = np.polyfit(sc.bins_size, np.log(sc.bins_sigma), 1)
    xx = np.linspace(sc.bins_size.min(), sc.bins_size.max(), 50)
    ax.loglog(np.exp(xx), np.exp(np.polyval(fit, xx)), "r-",
              label=f"σ ∝ size^−β, β = {sc.beta:.3f} [{sc.ci[0]:.3f}, {sc.ci[1]:.3f}]")
    ax.set_xlabel("revenue at the start of the year (mRMB/quarter)")
    ax.set_ylabel("s.d. of annual log growth")
    ax.set_title("Growth volatility against size (all seeds and years pooled)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def entry_exit(runs: Sequence[EnsembleRun], path: Path, start_year: int = 2023) -> Path:
    """National entry and exit rates per year for each seed."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for i, run in enumerate(runs):
        r = run.regions
        last = r["entries"].shape[0] - 1
        years = list(range(0, last - 3, 4))
        n = np.array([r["firms_total"][y].sum() for y in years])
        e = np.array([r["entries"][y + 1:y + 5].sum() for y in years]) / n
        x = np.array([r["exits"][y + 1:y + 5].sum() for y in years]) / n
        yr = start_year + np.arange(len(years))
        ax.plot(yr, e, "g-", alpha=0.6, label="entry rate" if i == 0 else None)
        ax.plot(yr, x, "r-", alpha=0.6, label="exit rate" if i == 0 else None)
    ax.set_xlabel("year")
    ax.set_ylabel("firms per firm at the start of the year")
    ax.set_title("Entry and exit, national (one line per seed)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def neutralization(base: Sequence[EnsembleRun], neutral: Sequence[EnsembleRun], path: Path,
                   start_year: int = 2023) -> Path:
    """Shanxi's base+tech share over time, baseline vs neutralized, and the national share."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for i, (rb, rn) in enumerate(zip(base, neutral, strict=True)):
        f = rb.focus
        t = start_year + np.arange(rb.regions["base_tech_share"].shape[0]) / 4
        ax.plot(t, rb.regions["base_tech_share"][:, f], "b-", alpha=0.5,
                label="Shanxi, baseline" if i == 0 else None)
        ax.plot(t, rn.regions["base_tech_share"][:, f], "r-", alpha=0.5,
                label="Shanxi, started at the national mix" if i == 0 else None)
        r = rb.regions
        nat = (r["firms_base"].sum(1) + r["firms_tech"].sum(1)) / r["firms_total"].sum(1)
        ax.plot(t, nat, "k:", alpha=0.6, label="national (baseline)" if i == 0 else None)
    ax.set_xlabel("year")
    ax.set_ylabel("share of firms in base + technology layers")
    ax.set_title("Neutralization experiment (same seeds)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_all(base: Sequence[EnsembleRun], neutral: Sequence[EnsembleRun] | None,
              folder: Path) -> list[Path]:
    """Write every figure into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    out = [rank_size(base, folder / "rank_size.png"),
           growth_density(base, folder / "growth_density.png"),
           volatility_size(base, folder / "volatility_size.png"),
           entry_exit(base, folder / "entry_exit.png")]
    if neutral is not None:
        out.append(neutralization(base, neutral, folder / "neutralization.png"))
    return out
