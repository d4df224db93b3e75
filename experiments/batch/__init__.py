"""Experiments of many runs: the design file (:mod:`.design`), the plan and run ids
(:mod:`.manifest`), the task a worker runs (:mod:`.tasks`), the engines and the loop that
feeds them (:mod:`.runner`), the result store and the experiment folder, and the shipped
designs (``designs/*.toml``).

Light on purpose: importing this package imports nothing heavy.
"""
