"""Policy instruments, each a small class registered by name (see :mod:`.base`).

Importing this package registers the nine built-in instruments of MODEL-SPEC. Their order
in the registry — which fixes the order of the ``spend_<instrument>`` output columns and
of the model's spending matrix — is pinned by :data:`BUILTIN_ORDER`, not by the order in
which their modules happen to be imported; instruments registered later (plugins) follow.
"""

from agents.instruments.base import (
    INSTRUMENTS,
    Instrument,
    instrument_params,
    register_instrument,
)
from agents.instruments.recruitment import Recruitment
from agents.instruments.services import (
    BrandSupport,
    CoInnovation,
    ComputeService,
    IntegratorSupport,
)
from agents.instruments.subsidies import TargetedSubsidy, UniversalSubsidy
from agents.instruments.talent import TalentIntroduction, TalentTraining

#: The built-in instruments in registry (and output column) order.
BUILTIN_ORDER: tuple[str, ...] = (
    "recruitment", "compute_service", "integrator_support", "co_innovation",
    "brand_support", "targeted_subsidy", "universal_subsidy", "talent_training",
    "talent_introduction",
)


def _pin_builtin_order() -> None:
    builtins = {name: INSTRUMENTS.pop(name) for name in BUILTIN_ORDER}
    others = dict(INSTRUMENTS)
    INSTRUMENTS.clear()
    INSTRUMENTS.update(builtins)
    INSTRUMENTS.update(others)


_pin_builtin_order()

__all__ = [
    "BUILTIN_ORDER", "INSTRUMENTS", "Instrument", "instrument_params", "register_instrument",
    "TargetedSubsidy", "UniversalSubsidy", "Recruitment", "TalentTraining",
    "TalentIntroduction", "ComputeService", "IntegratorSupport", "CoInnovation",
    "BrandSupport",
]
