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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from zarr.codecs import BloscCodec

from .._version import __version__
from ..arrays import OutputSpec
from .assets import asset_records, write_assets
from .integrity import create_manifest

# 2: every block records what it wrote in meta/manifest (store.integrity)
SCHEMA_VERSION = 2
ATTR = "simengine"
DONE = "meta/done"
COMPRESSOR = BloscCodec(cname="zstd", clevel=3, shuffle="shuffle")
# Only the array objects made here carry this runtime setting (zarr does not store it): the
# writers open arrays afresh, with zarr's default, so a sample equal to the fill value is
# left out of its shard (and a shard of fill only is not stored), as store._shard_write
# reproduces; determinism keeps a re-rendered shard byte-identical all the same.
ARRAY_CONFIG = {"write_empty_chunks": True}
UNITS = {"length": "m", "time": "s", "angle_in_arrays": "see each array's unit",
         "quaternion_order": "xyzw", "camera_frame": "OpenCV (x right, y down, z fwd)",
         "sensor_body_frame": "x forward, y left, z up"}


@dataclass(frozen=True)
class StoreLayout:
    """Everything a new store is made of, known before any sample renders. The job that
    renders the store builds it (``jobs.layout``); the store never sees an engine."""

    arrays: Mapping[str, OutputSpec]  # every array of a sample, key -> spec
    attributes: Mapping[str, Any]  # the root attribute ``ATTR`` (``store_attributes``)
    assets: Mapping[str, Sequence[Path]]  # asset name -> its bundle's files, main file first

    @property
    def num_samples(self) -> int:
        return int(self.attributes["num_samples"])

    @property
    def block_size(self) -> int:
        return int(self.attributes["block_size"])


def store_attributes(*, root_seed: int, num_samples: int, block_size: int, scene_name: str,
                     scene_hash: str, scene: dict[str, Any], overrides: dict[str, Any],
                     assets: Mapping[str, Sequence[Path]], sensors: list[dict[str, Any]],
                     classes: list[str], materials: list[str], shapes: list[str],
                     parts: list[str], arrays: Mapping[str, OutputSpec]) -> dict[str, Any]:
    """The root attribute: what a reader needs, and what decides whether an existing store
    was made by the same render (``store.prepare.IDENTITY``)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "engine_version": __version__,
        "root_seed": root_seed,
        "num_samples": num_samples,
        "block_size": block_size,
        "scene_name": scene_name,
        "scene_hash": scene_hash,
        "scene": scene,  # self-contained: the store renders without the scene file
        "overrides": overrides,  # already applied to "scene"; the record
        "assets": asset_records(assets),  # copies in the store (store.assets)
        "sensors": sensors,
        "classes": classes,
        "materials": materials,
        "shapes": shapes,
        "parts": parts,  # part label vocabulary (empty: the scene has no named parts)
        "units": UNITS,
        "arrays": {k: {"unit": o.unit, "doc": o.doc} for k, o in arrays.items()},
    }


def create_store(path: Any, layout: StoreLayout) -> zarr.Group:
    """Create every array at full size (nothing written yet) and the root attributes."""
    n, block_size = layout.num_samples, layout.block_size
    root = zarr.open_group(path, mode="w", zarr_format=3)
    for key, out in layout.arrays.items():
        _create_array(root, key, n, block_size, out)
    root.create_array(DONE, shape=(n,), chunks=(block_size,), dtype="bool",
                      fill_value=False, compressors=COMPRESSOR, config=ARRAY_CONFIG)
    create_manifest(root, num_blocks(n, block_size), len(layout.arrays))
    write_assets(root, layout.assets)
    # Attributes are written last: a store without them is an unfinished creation.
    root.attrs[ATTR] = dict(layout.attributes)
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
