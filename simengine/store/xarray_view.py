"""A rendered store as an ``xarray.Dataset`` (``simengine.open_xarray``), read lazily.

Every array of the store is a variable under its store key (``camera/front/rgb``), backed
by a dask array holding the done samples only, in sample order: ``ds[key].values`` equals
``open_store(path).read(done)[key]``. A chunk is a run of whole blocks (shards), the same
for every array: as many blocks as keep the largest array's chunk near ``CHUNK_BYTES``
(each chunk read costs a few milliseconds however small, so a chunk per shard of a small
array would cost more than its data). A chunk is read by ``StoreReader.read``, so every
shard is checked against what its block wrote, as any other read of the store is; nothing
is read until a value is computed.

Dimensions are named (``store.dims``): sample, frame, y, x, channel, ring, column, object,
event, source, mic, audio_time ... Coordinates: ``sample`` (the sample indices), ``time``
(the capture times, sample × frame), each lidar's beam ``.../elevation`` (sample × ring)
and ``.../azimuth`` (sample × column), and the vocabularies of the root attributes:
``class_name`` (dimension ``class``: ``objects/class_id`` and the semantic maps index it),
``material_name`` and ``shape_name``. Variables keep the store's ``unit`` and ``doc``;
the Dataset's attributes carry the store's provenance (engine version, scene, seed).

Needs xarray and dask (``pip install simengine[xarray]``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from .dims import SAMPLE, array_dims
from .reader import StoreReader

EXTRA_HINT = "open_xarray needs xarray and dask: pip install 'simengine[xarray]'"
PROVENANCE = ("engine_version", "schema_version", "scene_name", "scene_hash", "root_seed",
              "num_samples", "block_size")
CHUNK_BYTES = 64 * 2**20  # dask's advice: chunks of tens to hundreds of MB
VOCABULARIES = {"classes": ("class", "class_name"), "materials": ("material", "material_name"),
                "shapes": ("shape", "shape_name")}


def open_xarray(path: str | Path, keys: Any = None, *, chunk_blocks: int | None = None
                ) -> Any:
    """The store at ``path`` as a lazy ``xarray.Dataset`` (see module docs); ``keys``
    selects arrays as ``open_store`` does; ``chunk_blocks`` sets the blocks per chunk
    (default: from ``CHUNK_BYTES``)."""
    try:
        import dask.array as da
        import xarray as xr
    except ImportError as exc:
        raise ImportError(f"{EXTRA_HINT} ({exc.name} is missing)") from None
    reader = StoreReader(path, keys=keys)
    attrs = reader.attrs
    done = reader.done_indices()
    shapes = {k: tuple(reader.root[k].shape) for k in attrs["arrays"]}  # all: sizes & names
    dims = array_dims(shapes)
    if chunk_blocks is None:
        largest = max((_sample_bytes(reader.root[k]) for k in reader.keys), default=1)
        chunk_blocks = max(1, CHUNK_BYTES // max(1, largest * reader.block_size))
    elif isinstance(chunk_blocks, bool) or not isinstance(chunk_blocks, int) or chunk_blocks < 1:
        raise ValueError(f"chunk_blocks must be a positive integer, got {chunk_blocks!r}")
    chunks = _chunks(done, reader.block_size, chunk_blocks)
    index = da.from_array(done, chunks=(chunks,))
    variables, coords = {}, {}
    for key in reader.keys:
        array = reader.root[key]
        data = index.map_blocks(_read_block, reader.path, key, dtype=np.dtype(array.dtype),
                                chunks=(chunks, *((n,) for n in array.shape[1:])),
                                new_axis=list(range(1, array.ndim)))
        var = xr.Variable(dims[key], data, attrs=dict(attrs["arrays"][key]))
        (coords if _is_coordinate(key) else variables)[_name(key)] = var
    coords[SAMPLE] = (SAMPLE, done)
    for attr, (dim, name) in VOCABULARIES.items():
        coords[name] = (dim, np.asarray(attrs.get(attr, []), dtype=str))
    ds = xr.Dataset(variables, coords=coords,
                    attrs={k: attrs[k] for k in PROVENANCE if k in attrs})
    ds.attrs["store"] = reader.path
    return ds


def _is_coordinate(key: str) -> bool:
    """Capture times and beam angles label other arrays' axes."""
    parts = key.split("/")
    return key == "meta/time" or (parts[0] == "lidar" and len(parts) == 3
                                  and parts[2] in ("elevation", "azimuth"))


def _name(key: str) -> str:
    return "time" if key == "meta/time" else key


def _sample_bytes(array: Any) -> int:
    return int(np.prod(array.shape[1:], dtype=np.int64)) * np.dtype(array.dtype).itemsize


def _chunks(done: np.ndarray, block_size: int, chunk_blocks: int) -> tuple[int, ...]:
    """The done samples of each run of ``chunk_blocks`` blocks (runs without any left
    out): a chunk never splits a shard."""
    if not done.size:
        return (0,)
    _, counts = np.unique(done // (block_size * chunk_blocks), return_counts=True)
    return tuple(int(c) for c in counts)


def _read_block(indices: np.ndarray, path: str, key: str) -> np.ndarray:
    return _reader(path, key).read(indices)[key]


@functools.lru_cache(maxsize=256)
def _reader(path: str, key: str) -> StoreReader:
    """One reader per array and process (a dask worker opens its own), reused by chunks."""
    return StoreReader(path, keys=[key])
