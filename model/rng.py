"""Random streams keyed by purpose name, derived from one seed.

Every random draw of the model comes from a stream named for its purpose ("entry",
"innovation", ...). A stream's generator depends only on the run's seed and the stream's
name, never on creation order, so adding an instrument (with its own stream) leaves every
other stream's numbers unchanged, and a policy run shares its baseline's random numbers.
Names are hashed with SHA-256 (not Python's ``hash``), so results do not depend on
``PYTHONHASHSEED``.
"""

from __future__ import annotations

import hashlib

import numpy as np


def name_key(name: str) -> int:
    """A stable 32-bit integer key for a stream name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")


def root_sequence(rng: int | np.random.SeedSequence | np.random.Generator | None
                  ) -> np.random.SeedSequence:
    """The run's root seed sequence from what the user passed as ``rng``.

    An int or SeedSequence is used as is; a Generator is asked for 128 bits of entropy;
    ``None`` draws fresh entropy from the OS (recorded in the outputs).
    """
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(0, 2**63)))
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng: seed must be a non-negative integer, got {rng}")
        return np.random.SeedSequence(int(rng))
    raise TypeError(f"rng: expected an int, SeedSequence, Generator or None, got {rng!r}")


class Streams:
    """Named random generators derived from a root :class:`numpy.random.SeedSequence`."""

    def __init__(self, root: np.random.SeedSequence) -> None:
        self.root = root
        self._streams: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        """The generator for ``name`` (created on first use)."""
        gen = self._streams.get(name)
        if gen is None:
            seq = np.random.SeedSequence(self.root.entropy,
                                         spawn_key=(*self.root.spawn_key, name_key(name)))
            gen = np.random.Generator(np.random.PCG64(seq))
            self._streams[name] = gen
        return gen
