"""Zarr v3 store layout: created at full size before any sample is written.

- every array has the sample index on axis 0, one sample per chunk, ``block_size`` samples
  per shard; a worker renders a whole block and writes each array's shard whole;
- ``meta/done`` holds one flag per sample, chunked by block (one chunk per block, so two
  workers never share one), written last for each block;
- ``meta/manifest`` holds, per block, the size and checksums of every shard the block
  wrote (``store.integrity``), written just before the block's ``meta/done``;
- root attribute ``simengine`` holds everything a reader needs: schema and engine
  versions, root seed, the scene spec (self-contained) and its hash, sensor specs, the
  class, material and shape vocabularies, units and docs of every array.
Nothing is resized and no attribute changes while workers run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import zarr
from zarr.codecs import BloscCodec

from .._version import __version__
from ..engine import Engine
from ..materials import MATERIAL_NAMES
from ..sensors.base import OutputSpec
from ..spec.distributions import to_plain
from ..spec.scene import SHAPES
from .assets import asset_records, spec_assets, write_assets
from .integrity import create_manifest

# 2: every block records what it wrote in meta/manifest (store.integrity)
SCHEMA_VERSION = 2
ATTR = "simengine"
DONE = "meta/done"
COMPRESSOR = BloscCodec(cname="zstd", clevel=3, shuffle="shuffle")
# Writing fill-only chunks too keeps a re-rendered (resumed) shard byte-identical to a
# first render and makes "every chunk is on disk" true of finished blocks.
ARRAY_CONFIG = {"write_empty_chunks": True}


def store_attributes(engine: Engine, num_samples: int, block_size: int) -> dict[str, Any]:
    spec = engine.spec
    return {
        "schema_version": SCHEMA_VERSION,
        "engine_version": __version__,
        "root_seed": engine.seed,
        "num_samples": num_samples,
        "block_size": block_size,
        "scene_name": spec.name,
        "scene_hash": spec.hash(),
        "scene": spec.to_dict(),
        "overrides": dict(engine.overrides),  # already applied to "scene"; the record
        "assets": asset_records(spec_assets(spec)),  # copies in the store (store.assets)
        "sensors": [{"name": s.name, "kind": s.kind, "preset": s.preset,
                     "params": {k: to_plain(v) for k, v in s.params.items()}}
                    for s in spec.sensors],
        "classes": list(spec.classes),
        "materials": list(MATERIAL_NAMES),
        "shapes": list(SHAPES),
        "units": {"length": "m", "time": "s", "angle_in_arrays": "see each array's unit",
                  "quaternion_order": "xyzw", "camera_frame": "OpenCV (x right, y down, z fwd)",
                  "sensor_body_frame": "x forward, y left, z up"},
        "arrays": {k: {"unit": o.unit, "doc": o.doc} for k, o in engine.outputs().items()},
    }


def create_store(path: str, engine: Engine, num_samples: int, block_size: int) -> zarr.Group:
    """Create every array at full size (nothing written yet) and the root attributes."""
    root = zarr.open_group(path, mode="w", zarr_format=3)
    for key, out in engine.outputs().items():
        _create_array(root, key, num_samples, block_size, out)
    root.create_array(DONE, shape=(num_samples,), chunks=(block_size,), dtype="bool",
                      fill_value=False, compressors=COMPRESSOR, config=ARRAY_CONFIG)
    create_manifest(root, num_blocks(num_samples, block_size), len(engine.outputs()))
    write_assets(root, spec_assets(engine.spec))
    # Attributes are written last: a store without them is an unfinished creation.
    root.attrs[ATTR] = store_attributes(engine, num_samples, block_size)
    return root


def _create_array(root: zarr.Group, key: str, n: int, block: int, out: OutputSpec) -> None:
    shape = (n, *out.shape)
    root.create_array(key, shape=shape, chunks=(1, *out.shape), shards=(block, *out.shape),
                      dtype=out.dtype, fill_value=np.array(out.fill, dtype=out.dtype).item(),
                      compressors=COMPRESSOR, config=ARRAY_CONFIG,
                      attributes={"unit": out.unit, "doc": out.doc})


def block_range(block: int, block_size: int, num_samples: int) -> range:
    start = block * block_size
    return range(start, min(start + block_size, num_samples))


def num_blocks(num_samples: int, block_size: int) -> int:
    return -(-num_samples // block_size)
