"""The phases of the model's step: functions of the model that read and write its state.

One module per group of phases, in step order: :mod:`~model.phases.setup` (the initial
state), :mod:`~model.phases.labour` (talent supply, migration, plans, the labour market),
:mod:`~model.phases.trade` (final demand, projects, inputs, compute and every firm's
accounts), :mod:`~model.phases.innovation` (R&D, imitation, brand, partnerships),
:mod:`~model.phases.demography` (exit, entry, branches and relocation). The order in which
:class:`model.model.IndustryModel` runs them is :data:`model.model.PHASES`.
"""
