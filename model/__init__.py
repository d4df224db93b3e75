"""The industry-chain model: parameters, wiring, step order, markets, reporters."""

# First of all, before anything imports numpy: hold numpy's dispatch below AVX-512 so that
# the model's numbers are the same on every x86-64 machine (model/numerics.py).
from model import numerics as _numerics

_numerics.pin()

#: Version of the model's behaviour, part of every experiment run's ``run_id``. Bump it
#: deliberately when a change alters results for a given scenario and seed, so that resumed
#: experiments re-run instead of mixing old and new numbers (not the git commit, or every
#: commit would re-plan everything).
MODEL_VERSION = "6"

__all__ = ["MODEL_VERSION", "IndustryModel"]


def __getattr__(name: str):
    """``from model import IndustryModel`` (loaded on first use, so that ``import model``
    stays cheap for the command line)."""
    if name == "IndustryModel":
        from model.model import IndustryModel

        return IndustryModel
    raise AttributeError(f"module 'model' has no attribute {name!r}")
