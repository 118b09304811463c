"""The block job: render one block of a store, the unit of work of every executor.

``render_block(path, b)`` opens the store, renders samples of block ``b`` with an engine
built from the store's own attributes (so every worker renders exactly the same scene),
writes each array's shard whole, then the block's ``meta/done`` chunk. A block killed
half-way leaves its done flags False and is rendered again on resume; determinism makes
that idempotent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import zarr

from ..engine import Engine
from ..spec.loader import scene_from_dict
from ..store.assets import local_asset_files
from ..store.blocks import write_block
from ..store.layout import ATTR, block_range

_ENGINES: dict[tuple[str, str], Engine] = {}


@dataclass(frozen=True)
class BlockResult:
    """What a worker reports for one rendered block (seconds per engine stage included)."""

    block: int
    samples: int
    seconds: float
    timings: dict[str, float]
    write_seconds: float
    dropped_objects: int = 0  # objects dropped at spawn, over the block's samples
    samples_with_drops: int = 0


def engine_for_store(path: str, attrs: dict, root: zarr.Group | None = None) -> Engine:
    """One engine per (store, scene hash) per process, so Numba and caches warm up once.
    Assets come from the store's own copies (``store.assets``), never from the scene's
    folder, so the store renders from anywhere."""
    key = (path, attrs["scene_hash"])
    if key not in _ENGINES:
        files = None
        if "assets" in attrs:
            files = local_asset_files(path, root if root is not None
                                      else zarr.open_group(path, mode="r"), attrs)
        spec = scene_from_dict(attrs["scene"], source=f"{path}#scene", asset_files=files)
        _ENGINES.clear()
        _ENGINES[key] = Engine(spec, seed=attrs["root_seed"])
        _ENGINES[key].overrides = dict(attrs.get("overrides", {}))  # applied to the scene
    return _ENGINES[key]


def render_block(path: str, block: int) -> BlockResult:
    """Render and write block ``block`` of the store at ``path`` (module documentation)."""
    start_clock = time.perf_counter()
    root = zarr.open_group(path, mode="r+")
    attrs = root.attrs[ATTR]
    engine = engine_for_store(path, attrs, root)
    before = dict(engine.timings)
    indices = block_range(block, attrs["block_size"], attrs["num_samples"])
    samples = [engine.sample(k) for k in indices]
    write_clock = time.perf_counter()
    write_block(root, attrs, block, {key: np.stack([s[key] for s in samples])
                                     for key in engine.outputs()})
    end = time.perf_counter()
    timings = {k: engine.timings[k] - before.get(k, 0.0) for k in engine.timings}
    drops = [int(s["meta/dropped_objects"]) for s in samples]
    return BlockResult(block, len(indices), end - start_clock, timings, end - write_clock,
                       sum(drops), sum(d > 0 for d in drops))
