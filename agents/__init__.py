"""Mesa agents: firms, talent, universities, policy agents and their instruments, compute."""

from model import numerics as _numerics  # noqa: F401  (pins numpy's dispatch first: model/numerics.py)
