"""The validation report: markdown table of facts, details, figures, and results.json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from experiments.validation.facts import Fact


def status(fact: Fact) -> str:
    """PASS, FAIL or REPORTED."""
    return {True: "PASS", False: "FAIL", None: "REPORTED"}[fact.passed]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(facts: Sequence[Fact], settings: dict[str, Any],
           figures: Sequence[Path], sections: Sequence[str] = ()) -> str:
    """Markdown text of the report.

    Args:
        facts: The computed facts.
        settings: Ensemble settings (scenario, seeds, steps, burn-in, base seed, timings).
        figures: Figure paths relative to the report's folder.
        sections: Further markdown lines, placed before the figures (the policy-response
            suite's table).

    Returns:
        The report as markdown.
    """
    failed = [f for f in facts if f.passed is False]
    lines = [
        "# Validation report",
        "",
        f"Scenario `{settings['scenario']}`, {settings['seeds']} seeds (base seed "
        f"{settings['seed']}, replication i = SeedSequence(seed).spawn(n)[i]), "
        f"{settings['steps']} quarters, firm panels at year ends from step "
        f"{settings['burn_in']} (burn-in). Model version {settings.get('model_version', '?')}."
        f" Run time {settings.get('seconds', 0):.0f} s.",
        "",
        f"**{len(facts) - len(failed) - sum(f.passed is None for f in facts)} passed, "
        f"{len(failed)} failed, {sum(f.passed is None for f in facts)} reported.** A fact "
        "passes only if its criterion holds in every seed (and every annual cross-section "
        "for firm-level facts).",
        "",
        "| fact | status | statistic | value | threshold |",
        "|---|---|---|---|---|",
    ]
    for f in facts:
        lines.append(f"| {_cell(f.title)} (`{f.key}`) | **{status(f)}** | {_cell(f.statistic)} "
                     f"| {_cell(f.value)} | {_cell(f.threshold)} |")
    lines += ["", "## Why each threshold", ""]
    for f in facts:
        lines.append(f"- **{f.title}** (`{f.key}`, {status(f)}): {f.reason}")
    lines += ["", *sections, "## Figures", ""]
    for p in figures:
        lines.append(f"![{p.stem}]({p.as_posix()})")
        lines.append("")
    return "\n".join(lines) + "\n"


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (np.floating, float)):
        return None if not np.isfinite(x) else float(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def write(out: Path, facts: Sequence[Fact], settings: dict[str, Any],
          figures: Sequence[Path], sections: Sequence[str] = (),
          extra: dict[str, Any] | None = None) -> Path:
    """Write ``report.md`` and ``results.json`` into ``out``; returns the report path.
    ``sections`` are further markdown lines (see :func:`render`), ``extra`` further
    entries of ``results.json``."""
    rel = [p.relative_to(out) for p in figures]
    report = out / "report.md"
    report.write_text(render(facts, settings, rel, sections), encoding="utf-8")
    payload = {"settings": settings,
               "facts": [{"key": f.key, "group": f.group, "title": f.title,
                          "status": status(f), "statistic": f.statistic, "value": f.value,
                          "threshold": f.threshold, "reason": f.reason,
                          "details": f.details} for f in facts], **(extra or {})}
    (out / "results.json").write_text(json.dumps(_jsonable(payload), indent=1),
                                      encoding="utf-8")
    return report
