"""Whole-shard writes without zarr's per-chunk machinery, for the layout simengine writes.

The write-side twin of ``store._shards``: a block's shard of one array is encoded here in one
pass (one blosc call per sample, then the shard index and its CRC-32C) and stored with one
``store.set``. The bytes are exactly what zarr-python's sharding codec writes for a whole
shard of this layout (inner chunks in order, chunks equal to the fill value left out, the
index at the end; no shard at all when every chunk is fill):
``tests/store/test_shard_write.py`` compares the two. zarr-python spends most of a block's
write time per array and per inner chunk in Python (a metadata read to open the array, an
async pipeline per chunk, a read-back for the manifest); a store of ~125 small arrays made
that ~80 ms per sample.

``array_info`` keeps what the write needs (layout, codec, metadata digest) per metadata
document's content, so a worker parses each document once per process, however many blocks
it writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import google_crc32c
import numcodecs
import numpy as np
import zarr
from zarr.codecs import BloscCodec
from zarr.core.buffer import default_buffer_prototype
from zarr.core.metadata.v3 import ArrayV3Metadata
from zarr.storage import MemoryStore, StorePath

from ._shards import MISSING, ShardLayout, shard_layout
from .integrity import array_meta_digest

_SHUFFLE = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2}


@dataclass(frozen=True)
class ArrayInfo:
    """What writing one array's shards needs, from its metadata document alone."""

    metadata: ArrayV3Metadata
    meta_digest: int  # integrity.array_meta_digest of the document
    layout: ShardLayout | None  # None: not simengine's layout, written through zarr
    blosc: numcodecs.abc.Codec | None

    def shard_key(self, path: str, shard: int) -> str:
        """The store key of shard ``shard`` of the array at ``path``."""
        nd = len(self.metadata.shape)
        return f"{path}/{self.metadata.encode_chunk_key((shard,) + (0,) * (nd - 1))}"


_INFO: dict[bytes, ArrayInfo] = {}
_INFO_MAX = 4096  # documents kept per process (a store has a few hundred arrays)


def array_info(doc: bytes) -> ArrayInfo:
    """What an array whose ``zarr.json`` holds ``doc`` needs for writing (cached on the
    document's bytes: an edited or regrown array has another document, never stale info)."""
    info = _INFO.get(doc)
    if info is not None:
        return info
    meta = ArrayV3Metadata.from_dict(json.loads(doc))
    # an Array over an empty store: only its metadata is used (layout and digest)
    arr = zarr.Array(zarr.AsyncArray(meta, StorePath(MemoryStore())))
    layout = shard_layout(arr)
    blosc = _blosc(arr) if layout is not None else None
    info = ArrayInfo(meta, array_meta_digest(arr), layout if blosc is not None else None,
                     blosc)
    if len(_INFO) >= _INFO_MAX:
        _INFO.clear()
    _INFO[doc] = info
    return info


def array_info_of(arr: zarr.Array) -> ArrayInfo:
    """``ArrayInfo`` of an array already open (no cache: the slow path's arrays)."""
    layout = shard_layout(arr)
    blosc = _blosc(arr) if layout is not None else None
    return ArrayInfo(arr.metadata, array_meta_digest(arr),
                     layout if blosc is not None else None, blosc)


def _blosc(arr: zarr.Array) -> numcodecs.abc.Codec | None:
    """The numcodecs Blosc that zarr's ``BloscCodec`` of this array encodes with."""
    inner = arr.metadata.codecs[0].codecs[1]
    if not isinstance(inner, BloscCodec) or inner.typesize is None:
        return None
    return numcodecs.Blosc(cname=inner.cname.value, clevel=inner.clevel,
                           shuffle=_SHUFFLE[inner.shuffle.value], blocksize=inner.blocksize,
                           typesize=inner.typesize)


def encode_shard(data: np.ndarray, layout: ShardLayout, blosc: numcodecs.abc.Codec,
                 write_empty_chunks: bool | None = None) -> bytes | None:
    """The shard of ``data`` (samples on axis 0, at most ``layout.per_shard`` of them; slots
    past the last sample stay empty, as zarr leaves them in a short last block), or None
    when zarr would store no shard at all (every sample equal to the fill value).

    As zarr does with an array opened for writing (its ``array.write_empty_chunks`` setting,
    off by default: the store's creation config is not stored with the array), a sample equal
    to the fill value is not stored and reads back as the fill."""
    n = data.shape[0]
    if n > layout.per_shard or tuple(data.shape[1:]) != layout.sample_shape:
        raise ValueError(f"shard data of shape {data.shape} does not fit {layout}")
    if write_empty_chunks is None:
        write_empty_chunks = bool(zarr.config.get("array.write_empty_chunks"))
    # zarr casts to the array's dtype (numpy's unsafe cast) and stores C order, little-endian
    data = np.ascontiguousarray(data, dtype=layout.dtype)
    index = np.full((layout.per_shard, 2), MISSING, dtype="<u8")
    parts = []
    offset = 0
    for i in range(n):
        chunk = data[i:i + 1]
        if not write_empty_chunks and _all_fill(chunk, layout.fill):
            continue
        part = blosc.encode(chunk)
        parts.append(part)
        index[i] = (offset, len(part))
        offset += len(part)
    if not parts:
        return None
    index_bytes = index.tobytes()
    crc = np.uint32(google_crc32c.value(index_bytes)).astype("<u4").tobytes()
    return b"".join([*parts, index_bytes, crc])


def _all_fill(chunk: np.ndarray, fill: object) -> bool:
    """zarr's own test for an empty chunk (NaN equals NaN, -0.0 differs from 0.0)."""
    return _PROTO.nd_buffer.from_numpy_array(chunk).all_equal(fill)


_PROTO = default_buffer_prototype()
