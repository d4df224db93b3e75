"""Importing this module registers the package's instrument and agent type directly, for
use without entry points: an experiment's ``plugins = ["ai_chain_demo_plugin.registered"]``
(or ``import`` in a script before building the model)."""

from ai_chain_demo_plugin import RDVoucher, ResearchInstitute
from model.plugins import register_agent, register_instrument

register_instrument(RDVoucher)
register_agent(ResearchInstitute)
