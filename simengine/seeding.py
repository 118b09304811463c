"""Random streams: every random draw derives from (root seed, sample index, stream id).

Nothing here reads a global RNG, the worker id, time or process order, so sample ``k`` is the
same wherever and whenever it is rendered. Stream ids are fixed forever: changing one changes
every dataset, so append new consumers, never renumber.
"""

from __future__ import annotations

import zlib

import numpy as np

# Fixed stream ids per consumer. Sensors and corruptions derive theirs from their name
# (see ``named_stream``), so adding a sensor never shifts another sensor's noise.
STREAM_SCENE = 1
STREAM_PHYSICS = 2
STREAM_SENSOR = 3
STREAM_CORRUPTION = 4


def named_stream(name: str) -> int:
    """A stable 32-bit id for a named consumer (CRC32 is stable across Python versions)."""
    return zlib.crc32(name.encode("utf-8"))


def rng_for(root_seed: int, index: int, stream: int, *extra: int) -> np.random.Generator:
    """The generator for one consumer of sample ``index``; seed 0 is a valid seed."""
    if root_seed < 0 or index < 0:
        raise ValueError("seeds and sample indices are non-negative integers")
    seq = np.random.SeedSequence([int(root_seed), int(index), int(stream), *map(int, extra)])
    return np.random.Generator(np.random.PCG64(seq))
