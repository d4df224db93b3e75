"""Driving the model: the ai-chain command, runs, experiments, reports, validation, the page."""

from model import numerics as _numerics  # noqa: F401  (pins numpy's dispatch first: model/numerics.py)
