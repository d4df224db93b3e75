"""Mesa agents: firms, talent, universities, policy agents and their instruments, compute."""

import model as _model  # noqa: F401  (pins numpy's dispatch before numpy loads: model/numerics.py)
