"""Generated documentation: ``docs/outputs.md`` and ``docs/parameters.md`` from the
declarations (:mod:`.generate`), ``docs/api.md`` from the docstrings (:mod:`.api`).

Named ``docgen`` rather than ``docs`` so that it is not confused with the repository's
``docs/`` folder nor with the ``ai-chain docs`` command (:mod:`experiments.cli.docs`).
"""
