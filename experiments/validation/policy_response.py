"""The policy-response suite: does each instrument move its own target, and the chain?

The shipped design ``policy_response`` (``experiments/batch/designs/policy_response.toml``)
runs each of Shanxi's instruments alone on the current package at two budgets (doubled, or
80 mRMB/yr where it is 0, and 320) and the recruitment arms that change the offer, every arm
paired with ``current`` on the same seeds. :func:`run_suite` runs (or resumes) it through
the experiment runner and writes its report; :func:`verdicts` reads the report's
``summary.csv`` and states, per arm, whether the instrument moves its own target (the
paired effect's interval excludes zero with the expected sign) and which chain outcomes it
moves, with the national effect beside the Shanxi one (a Shanxi gain that is not a national
gain is relocation). ``ai-chain validate`` puts the table in its report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from experiments.analysis.data import NATIONAL

DESIGN = "policy_response"

#: Instrument (the arm's name prefix) -> its own target, the outcome it acts on first.
OWN = {"universal": "firms_total", "targeted": "base_tech_firms",
       "recruitment": "leading_firms", "introduction": "talent_high_end",
       "training": "talent_composite", "compute": "compute_utilization",
       "integrator": "integrator_project_share", "brand": "local_sourcing_app",
       "co_innovation": "partnerships_per_firm"}

#: The chain outcomes judged for every arm (higher is better for each).
CHAIN = ("capability_weighted_base_tech", "value_added_base_tech", "base_tech_share",
         "base_tech_share_value_added", "leading_firms", "local_sourcing_base",
         "local_sourcing_tech", "value_added_local")

#: Outcomes whose national effect is shown beside the Shanxi effect.
NATIONAL_BESIDE = ("firms_total", "value_added_local")


@dataclass(frozen=True)
class Effect:
    """A paired effect: mean and interval."""

    mean: float
    lo: float
    hi: float

    @property
    def sign(self) -> int:
        """+1 / -1 when the interval excludes zero above / below, else 0."""
        return 1 if self.lo > 0 else -1 if self.hi < 0 else 0

    def text(self) -> str:
        """``mean [lo, hi]`` with three significant digits below 1 in absolute value."""
        def fmt(x: float) -> str:
            return f"{x:.3g}" if abs(self.mean) < 1 else f"{x:.1f}"
        return f"{fmt(self.mean)} [{fmt(self.lo)}, {fmt(self.hi)}]"


@dataclass
class Verdict:
    """One arm of the suite at one horizon."""

    arm: str
    instrument: str
    own: str
    own_effect: Effect | None
    chain: dict[str, Effect] = field(default_factory=dict)
    national: dict[str, Effect] = field(default_factory=dict)
    shanxi: dict[str, Effect] = field(default_factory=dict)

    @property
    def moves_own(self) -> bool:
        """The own target's interval excludes zero, above (every own target is a more-is-
        better outcome)."""
        return self.own_effect is not None and self.own_effect.sign > 0

    @property
    def large(self) -> bool:
        """The large-budget arm (``_320``) or a recruitment offer arm (not a budget)."""
        return self.arm.endswith("_320") or self.arm in ("recruitment_cap_10",
                                                          "recruitment_factor")

    def moved(self) -> list[str]:
        """Chain outcomes whose interval excludes zero, with the direction (``+``/``-``)."""
        return [f"{'+' if e.sign > 0 else '−'}{name}" for name, e in self.chain.items()
                if e.sign]


def instrument_of(arm: str) -> str | None:
    """The instrument an arm's name starts with (None for ``current`` or unknown arms)."""
    return next((k for k in sorted(OWN, key=len, reverse=True) if arm.startswith(k)), None)


def verdicts(summary: pd.DataFrame, horizon: int | None = None) -> tuple[int, list[Verdict]]:
    """Per arm, the effects against ``current`` at ``horizon`` (default: the last).

    Args:
        summary: The report's ``summary.csv`` of a policy-response experiment.
        horizon: Quarter of the effects.

    Returns:
        The horizon and one :class:`Verdict` per arm, in the design's order.
    """
    eff = summary[(summary["section"] == "effect") & (summary["reference"] == "current")]
    if eff.empty:
        raise ValueError("no effects against `current` in the summary: is this the report of "
                         "the policy_response design?")
    horizon = int(eff["horizon"].max()) if horizon is None else horizon
    eff = eff[eff["horizon"] == horizon]
    scopes = [s for s in eff["scope"].unique() if s != NATIONAL]
    focus = scopes[0] if scopes else NATIONAL
    table = eff.pivot_table(index=["policy", "scope", "outcome"], columns="statistic",
                            values="value", aggfunc="first")

    def get(policy: str, scope: str, outcome: str) -> Effect | None:
        key = (policy, scope, outcome)
        if key not in table.index:
            return None
        row = table.loc[key]
        return Effect(float(row["mean"]), float(row["lo"]), float(row["hi"]))

    out = []
    for arm in dict.fromkeys(eff["policy"]):
        inst = instrument_of(arm)
        if inst is None:
            continue
        v = Verdict(arm, inst, OWN[inst], get(arm, focus, OWN[inst]))
        v.chain = {o: e for o in CHAIN if (e := get(arm, focus, o)) is not None}
        v.national = {o: e for o in NATIONAL_BESIDE if (e := get(arm, NATIONAL, o)) is not None}
        v.shanxi = {o: e for o in NATIONAL_BESIDE if (e := get(arm, focus, o)) is not None}
        out.append(v)
    return horizon, out


def render(horizon: int, rows: list[Verdict], focus: str = "Shanxi") -> list[str]:
    """The verdict table as markdown lines."""
    lines = [
        f"Each arm against `current` at quarter {horizon} (paired seeds; mean [95 % "
        "interval]). *Own target moved*: its interval excludes zero, upwards. *Chain moved*: "
        f"the chain outcomes whose interval excludes zero ({', '.join(CHAIN)}); **bold** "
        f"arms are the large budget (320 mRMB/yr) or an offer change. {focus} firms beside "
        "national firms: a regional gain without a national one is relocation.", "",
        f"| arm | own target | effect | own target moved | chain moved | {focus} firms "
        "| national firms | national value added (mRMB/q) |",
        "|---|---|---|---|---|---|---|---|"]
    for v in rows:
        own = v.own_effect.text() if v.own_effect else "—"
        moved = ", ".join(v.moved()) or "none"
        cells = [f"**{v.arm}**" if v.large else v.arm, f"`{v.own}`", own,
                 "yes" if v.moves_own else "**no**", moved]
        for scope, name in ((v.shanxi, "firms_total"), (v.national, "firms_total"),
                            (v.national, "value_added_local")):
            cells.append(scope[name].text() if name in scope else "—")
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


def by_instrument(rows: list[Verdict]) -> str:
    """One sentence: the instruments whose every arm, some arms only, or no arm moves its
    own target (naming the arms that do not)."""
    groups: dict[str, list[Verdict]] = {}
    for v in rows:
        groups.setdefault(v.instrument, []).append(v)
    every = [k for k, vs in groups.items() if all(v.moves_own for v in vs)]
    none = [k for k, vs in groups.items() if not any(v.moves_own for v in vs)]
    some = [f"{k} (not {', '.join(v.arm for v in vs if not v.moves_own)})"
            for k, vs in groups.items() if k not in every and k not in none]
    return (f"Own target moved by every arm: {', '.join(every) or 'none'}; by some arms "
            f"only: {'; '.join(some) or 'none'}; by no arm: {', '.join(none) or 'none'}.")


def summarize(folder: Path, horizon: int | None = None) -> tuple[int, list[Verdict]]:
    """:func:`verdicts` of the experiment folder ``folder`` (its ``report/summary.csv``)."""
    path = Path(folder) / "report" / "summary.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no report; run `ai-chain experiment {DESIGN} "
                                f"--out {folder}` first")
    return verdicts(pd.read_csv(path), horizon)


def run_suite(folder: Path, design: str | Path = DESIGN, workers: int = 2) -> Path:
    """Run (or resume) the suite's design in ``folder`` and write its report.

    Returns:
        The report's folder.

    Raises:
        RuntimeError: Some runs failed or are missing (the report would be partial).
    """
    from experiments.analysis.report import write_report
    from experiments.batch import runner
    from experiments.batch.design import load_design

    spec = load_design(design)
    summary = runner.execute(spec, Path(folder), workers=workers)
    if summary.failed or summary.skipped_failed or summary.missing:
        raise RuntimeError(runner.format_summary(summary, Path(folder)))
    write_report(Path(folder))
    return Path(folder) / "report"


def report_section(folder: Path, design: str | Path = DESIGN, workers: int = 2,
                   focus: str = "Shanxi") -> tuple[list[str], dict]:
    """Run (or resume) the suite and return its section of the validation report (markdown
    lines) and its ``results.json`` entry."""
    run_suite(folder, design, workers)
    horizon, rows = summarize(folder)
    lines = ["## Policy response: what each instrument moves", "",
             f"The suite `{design}` (experiment folder `{folder}`; `ai-chain report` there "
             f"gives every outcome). {by_instrument(rows)}", "", *render(horizon, rows, focus)]

    def effect(e: Effect | None) -> dict | None:
        return None if e is None else {"mean": e.mean, "lo": e.lo, "hi": e.hi}

    payload = {"folder": str(folder), "design": str(design), "horizon": horizon, "arms": [
        {"arm": v.arm, "instrument": v.instrument, "own_target": v.own,
         "own_effect": effect(v.own_effect), "moves_own_target": v.moves_own,
         "large": v.large, "chain_moved": v.moved(),
         "chain": {k: effect(e) for k, e in v.chain.items()},
         "national": {k: effect(e) for k, e in v.national.items()},
         "focus": {k: effect(e) for k, e in v.shanxi.items()}} for v in rows]}
    return lines, payload
