"""The model's vocabulary, declared once: layers, segments, talent tiers, and the defaults
that every part of the project reads (focus region, start quarter).

A leaf module: it imports nothing of the project. The enums' values are the integer codes
stored in the firm table (``FirmTable.layer``, ``FirmTable.segment``) and the column
order of per-tier arrays; the name tuples are the labels used in scenario files, output
columns and documents.
"""

from __future__ import annotations

from enum import IntEnum


class Layer(IntEnum):
    """The three layers of the chain."""

    BASE = 0   #: chips, data, frameworks (and compute)
    TECH = 1   #: general AI technology
    APP = 2    #: applications and system integration


class Segment(IntEnum):
    """Segments within the layers (a firm has one)."""

    CHIPS = 0
    DATA = 1
    FRAMEWORKS = 2
    GENERAL_TECH = 3
    APPLICATIONS = 4
    INTEGRATORS = 5


class Tier(IntEnum):
    """Talent tiers."""

    GENERAL = 0
    HIGH_END = 1
    COMPOSITE = 2


#: Layer labels in code order (``LAYERS[Layer.TECH] == "tech"``).
LAYERS: tuple[str, ...] = tuple(m.name.lower() for m in Layer)
#: Segment labels in code order.
SEGMENTS: tuple[str, ...] = tuple(m.name.lower() for m in Segment)
#: The layer of each segment (``SEGMENT_LAYER[Segment.INTEGRATORS] == Layer.APP``).
SEGMENT_LAYER: tuple[int, ...] = tuple(int(x) for x in (
    Layer.BASE, Layer.BASE, Layer.BASE, Layer.TECH, Layer.APP, Layer.APP))
#: Tier labels in code order.
TIERS: tuple[str, ...] = tuple(m.name.lower() for m in Tier)

#: The focus region when a scenario has it and names no ``meta.focus``.
DEFAULT_FOCUS = "Shanxi"
#: The quarter of step 0 when a scenario names no ``meta.start_quarter``.
DEFAULT_START_QUARTER = "2023Q1"
