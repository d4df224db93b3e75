"""The model's state containers: plain numpy arrays that agents and phases read and write.

Leaf modules: they import only :mod:`model.vocab`. :mod:`~model.state.firms` (the firm
table), :mod:`~model.state.talent` (job-seekers, wages, talent flows),
:mod:`~model.state.partners` (the partnership network), :mod:`~model.state.levers` (the
quarter's policy levers), :mod:`~model.state.quarter` (the quarter's event counts and
market statistics).
"""
