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
from typing import Any

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


def open_array(store: Any, path: str, doc: bytes) -> zarr.Array:
    """The array at ``path`` of ``store`` whose ``zarr.json`` holds ``doc``, opened without
    reading it again (as ``group[name]`` opens it: the default runtime config)."""
    return zarr.Array(zarr.AsyncArray(ArrayV3Metadata.from_dict(json.loads(doc)),
                                      StorePath(store, path)))


def array_info_of(arr: zarr.Array) -> ArrayInfo:
    """``ArrayInfo`` of an array already open (no cache: the slow path's arrays)."""
    layout = shard_layout(arr)
    blosc = _blosc(arr) if layout is not None else None
    return ArrayInfo(arr.metadata, array_meta_digest(arr),
                     layout if blosc is not None else None, blosc)


def _blosc(arr: zarr.Array) -> numcodecs.abc.Codec | None:
    """The numcodecs Blosc that zarr's ``BloscCodec`` of this array encodes with (one object
    per configuration and process)."""
    inner = arr.metadata.codecs[0].codecs[1]
    if not isinstance(inner, BloscCodec) or inner.typesize is None:
        return None
    config = (inner.cname.value, inner.clevel, _SHUFFLE[inner.shuffle.value], inner.blocksize,
              inner.typesize)
    if config not in _BLOSC:
        cname, clevel, shuffle, blocksize, typesize = config
        _BLOSC[config] = numcodecs.Blosc(cname=cname, clevel=clevel, shuffle=shuffle,
                                         blocksize=blocksize, typesize=typesize)
    return _BLOSC[config]


_BLOSC: dict[tuple, numcodecs.abc.Codec] = {}


DEDUP_MIN_BYTES = 1 << 16  # smaller chunks compress faster than they are checksummed


class SameChunks:
    """Compressed chunks of one block by content: a sample array that repeats another one
    byte for byte (a corruption set that left a modality alone, two identical masks) is
    compressed once. Same bytes, dtype, shape and codec give the same compressed bytes."""

    def __init__(self) -> None:
        self._seen: dict[tuple, list[tuple[np.ndarray, numcodecs.abc.Codec, bytes]]] = {}

    def encode(self, chunk: np.ndarray, blosc: numcodecs.abc.Codec) -> bytes:
        if chunk.nbytes < DEDUP_MIN_BYTES:
            return blosc.encode(chunk)
        flat = chunk.reshape(-1).view(np.uint8)
        # one codec object per configuration (``_blosc``), so the object stands for it
        key = (chunk.dtype.str, chunk.shape, id(blosc), google_crc32c.value(flat))
        for other, codec, part in self._seen.get(key, ()):
            if codec is blosc and memoryview(other) == memoryview(flat):  # crc is no proof
                return part
        part = blosc.encode(chunk)
        self._seen.setdefault(key, []).append((flat, blosc, part))
        return part


def encode_shard(data: np.ndarray, layout: ShardLayout, blosc: numcodecs.abc.Codec,
                 write_empty_chunks: bool | None = None,
                 same: SameChunks | None = None) -> bytes | None:
    """The shard of ``data`` (samples on axis 0, at most ``layout.per_shard`` of them; slots
    past the last sample stay empty, as zarr leaves them in a short last block), or None
    when zarr would store no shard at all (every sample equal to the fill value).

    As zarr does with an array opened for writing (its ``array.write_empty_chunks`` setting,
    off by default: the store's creation config is not stored with the array), a sample equal
    to the fill value is not stored and reads back as the fill. ``same`` shares compressed
    chunks between the arrays of one block."""
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
        part = blosc.encode(chunk) if same is None else same.encode(chunk, blosc)
        parts.append(part)
        index[i] = (offset, len(part))
        offset += len(part)
    if not parts:
        return None
    index_bytes = index.tobytes()
    crc = np.uint32(google_crc32c.value(index_bytes)).astype("<u4").tobytes()
    return b"".join([*parts, index_bytes, crc])


def _all_fill(chunk: np.ndarray, fill: object) -> bool:
    """zarr's own test for an empty chunk (NaN equals NaN, -0.0 differs from 0.0). Most
    chunks differ from the fill in their first element: a first element that compares
    unequal and is not NaN settles it without zarr's per-call overhead (zarr's test can only
    find equal what compares equal or is NaN)."""
    flat = chunk.reshape(-1)
    if flat.size:
        first = flat[0]
        if first != fill and first == first:  # noqa: PLR0124 (first == first: not NaN)
            return False
        head = flat[:FILL_PROBE]  # then a vectorised look at the start, same reasoning
        if np.any((head != fill) & (head == head)):  # noqa: PLR0124
            return False
    return _PROTO.nd_buffer.from_numpy_array(chunk).all_equal(fill)


FILL_PROBE = 4096  # elements looked at before zarr's test of the whole chunk


_PROTO = default_buffer_prototype()
