"""Analysis of an experiment folder: effects, costs, sensitivity, figures and the report.

The public entry points live in :mod:`experiments.analysis.report` (``validate_analysis`` and
``write_report``); the modules here hold the pieces:

- :mod:`~experiments.analysis.spec`: the ``[analysis]`` table, its defaults and validation;
  outcome definitions (region-table columns plus a few derived ones).
- :mod:`~experiments.analysis.data`: reading ``experiment.json``, ``manifest.parquet`` and
  ``runs/`` (deduplicated), the focus region's and the national panels.
- :mod:`~experiments.analysis.stats`: paired intervals, bootstrap, Holm, quantiles.
- :mod:`~experiments.analysis.effects`: paired policy effects and the primary claim.
- :mod:`~experiments.analysis.costs`: discounted realized spending, cost-effectiveness,
  dose-response and the frontier.
- :mod:`~experiments.analysis.adaptive`: adaptive policies tuned and evaluated on disjoint
  replications.
- :mod:`~experiments.analysis.sensitivity`: Sobol and Morris indices with SALib.
- :mod:`~experiments.analysis.figures`: seaborn figures.
- :mod:`~experiments.analysis.markdown`: ``summary.md``.
"""
