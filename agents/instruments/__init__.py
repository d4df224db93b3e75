"""Policy instruments, each a small class registered by name (see :mod:`.base`).

Importing this package registers the nine built-in instruments of MODEL-SPEC, in the
order that fixes the ``spend_<instrument>`` output columns.
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
from agents.instruments.subsidies import TargetedSubsidy, UniversalSubsidy  # noqa: I001
from agents.instruments.talent import TalentIntroduction, TalentTraining

__all__ = [
    "INSTRUMENTS", "Instrument", "instrument_params", "register_instrument",
    "TargetedSubsidy", "UniversalSubsidy", "Recruitment", "TalentTraining",
    "TalentIntroduction", "ComputeService", "IntegratorSupport", "CoInnovation",
    "BrandSupport",
]
