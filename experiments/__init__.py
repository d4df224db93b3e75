"""Driving the model: the ai-chain command, runs, experiments, reports, validation, the page."""

import model as _model  # noqa: F401  (pins numpy's dispatch before numpy loads: model/numerics.py)
