"""The short end-of-run table of the focus region's chain (Shanxi) over time."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

Row = Mapping[str, float]


def _col(name: str, scale: float = 1.0) -> Callable[[Row], float]:
    def get(row: Row) -> float:
        return float(row[name]) * scale
    return get


def _talent(row: Row) -> float:
    return float(row["talent_general"] + row["talent_high_end"] + row["talent_composite"])


#: (header, value from a region row, format) of each summary column.
SUMMARY_COLUMNS: tuple[tuple[str, Callable[[Row], float], str], ...] = (
    ("firms", _col("firms_total"), "{:.0f}"),
    ("base", _col("firms_base"), "{:.0f}"),
    ("tech", _col("firms_tech"), "{:.0f}"),
    ("app", _col("firms_app"), "{:.0f}"),
    ("b+t%", _col("base_tech_share", 100.0), "{:.1f}"),
    ("lead", _col("leading_firms"), "{:.0f}"),
    ("integ", _col("integrators"), "{:.0f}"),
    ("src_b%", _col("local_sourcing_base", 100.0), "{:.1f}"),
    ("src_t%", _col("local_sourcing_tech", 100.0), "{:.1f}"),
    ("talent", _talent, "{:.0f}"),
    ("vacant", _col("vacancies_unfilled"), "{:.0f}"),
    ("net_mig", _col("net_migration"), "{:+.0f}"),
    ("spend", _col("policy_spend"), "{:.1f}"),
    ("rank", _col("rank"), "{:.0f}"),
)

LEGEND = ("firms: live firms (base/tech/app layers); b+t%: base+technology share; lead: "
          "leading firms; integ: integrators;\nsrc_b%/src_t%: base/technology inputs "
          "bought from local firms; talent: all tiers, persons; vacant: unfilled "
          "vacancies;\nnet_mig: job-seekers in minus out; spend: policy spending, "
          "mRMB/quarter; rank: among regions by firms.")


def summary_steps(final: int, every: int = 4, max_rows: int = 41) -> list[int]:
    """Steps shown: 0, every, 2*every, ... and the final step (wider stride for long runs)."""
    stride = every
    while final // stride + 2 > max_rows:
        stride += every
    steps = list(range(0, final + 1, stride))
    if steps[-1] != final:
        steps.append(final)
    return steps


def format_summary(region: str, rows: Sequence[Row], quarters: Sequence[str]) -> str:
    """A fixed-width table of ``rows`` (one per step, step 0 first) at the summary steps.

    Args:
        region: Name shown in the title.
        rows: The region's reporter values, one mapping per step.
        quarters: Quarter label of each step.
    """
    final = len(rows) - 1
    header = ["step", "quarter", *(c[0] for c in SUMMARY_COLUMNS)]
    body = []
    for step in summary_steps(final):
        row = rows[step]
        body.append([str(step), quarters[step],
                     *(fmt.format(get(row)) for _, get, fmt in SUMMARY_COLUMNS)])
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = [f"{region}'s AI chain, {quarters[0]} to {quarters[final]}:"]
    for r in [header, *body]:
        lines.append("  ".join(cell.rjust(w) for cell, w in zip(r, widths, strict=True)))
    lines.append(LEGEND)
    return "\n".join(lines)
