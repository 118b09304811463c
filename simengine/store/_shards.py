"""Whole-shard reads without zarr's per-chunk machinery, for the layout simengine writes.

A simengine array is one sharding codec whose shards hold ``block_size`` inner chunks of one
sample each (bytes + blosc), with the shard index (little-endian uint64 offset/size pairs +
crc32c) at the end: the Zarr v3 sharding format. Fetching a shard is one ``store.get`` (any
zarr store: local, fsspec); decoding is one blosc call per sample straight into the output
array. zarr-python spends most of its time per inner chunk in Python, which dominates for
small arrays; this path skips it. Arrays in any other layout are read through zarr.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numcodecs.blosc
import numpy as np
import zarr
from zarr.codecs import BloscCodec, BytesCodec, Crc32cCodec, ShardingCodec
from zarr.codecs.sharding import ShardingCodecIndexLocation
from zarr.core.buffer import default_buffer_prototype

MISSING = 2**64 - 1
PARALLEL_MIN_BYTES = 2**20  # decode smaller reads on the calling thread


@dataclass(frozen=True)
class ShardLayout:
    sample_shape: tuple[int, ...]
    dtype: np.dtype
    per_shard: int
    fill: object


def shard_layout(arr: zarr.Array) -> ShardLayout | None:
    """The fast-path layout of ``arr``, or None when it is not simengine's layout."""
    try:
        codecs = arr.metadata.codecs
        shards = arr.shards
    except AttributeError:
        return None
    if len(codecs) != 1 or not isinstance(codecs[0], ShardingCodec) or shards is None:
        return None
    sc = codecs[0]
    sample_shape = tuple(arr.shape[1:])
    if tuple(sc.chunk_shape) != (1, *sample_shape) or tuple(shards[1:]) != sample_shape:
        return None
    if sc.index_location != ShardingCodecIndexLocation.end:
        return None
    ic = sc.index_codecs
    if not (len(ic) == 2 and isinstance(ic[0], BytesCodec) and isinstance(ic[1], Crc32cCodec)):
        return None
    inner = sc.codecs
    if not (len(inner) == 2 and isinstance(inner[0], BytesCodec)
            and isinstance(inner[1], BloscCodec)):
        return None
    dtype = np.dtype(arr.dtype)
    endian = inner[0].endian
    if dtype.itemsize > 1:
        if endian is None or endian.value != "little":
            return None
        dtype = dtype.newbyteorder("<")
    return ShardLayout(sample_shape, dtype, int(shards[0]), arr.fill_value)


async def fetch_shards(arr: zarr.Array, shards: list[int]) -> list[np.ndarray | None]:
    """Raw bytes of the given shards (None where a shard was never written)."""
    store = arr.store_path.store
    base = arr.store_path.path
    nd = len(arr.shape)
    keys = [f"{base}/{arr.metadata.encode_chunk_key((s,) + (0,) * (nd - 1))}"
            for s in shards]
    proto = default_buffer_prototype()
    bufs = await asyncio.gather(*[store.get(k, prototype=proto) for k in keys])
    return [None if b is None else b.as_numpy_array() for b in bufs]


def decode_into(raw: np.ndarray | None, layout: ShardLayout, slots: list[int],
                out: np.ndarray, rows: list[int]) -> None:
    """Decode inner chunks ``slots`` of one shard into ``out[rows]``."""
    if raw is None:
        for r in rows:
            out[r] = layout.fill
        return
    n = layout.per_shard
    index = np.frombuffer(raw[len(raw) - 16 * n - 4:len(raw) - 4].tobytes(), "<u8")
    index = index.reshape(n, 2)
    for slot, r in zip(slots, rows, strict=True):
        offset, size = (int(v) for v in index[slot])
        if offset == MISSING:
            out[r] = layout.fill
            continue
        dest = out[r:r + 1]  # a view even for scalar samples
        if dest.flags.c_contiguous and dest.dtype == layout.dtype:
            numcodecs.blosc.decompress(raw[offset:offset + size], dest)
        else:
            data = numcodecs.blosc.decompress(raw[offset:offset + size])
            dest[...] = np.frombuffer(data, layout.dtype).reshape(dest.shape)


_POOL: list[tuple[int, ThreadPoolExecutor]] = []


def decode_many(jobs: list[tuple]) -> None:
    """``decode_into`` for many (raw, layout, slots, out, rows) jobs, on a few threads (blosc
    releases the GIL while it decompresses)."""
    threads = min(4, os.cpu_count() or 1)
    total = sum(j[3][0:1].nbytes * len(j[2]) for j in jobs)
    if threads == 1 or len(jobs) < 2 or total < PARALLEL_MIN_BYTES:
        for job in jobs:
            decode_into(*job)
        return
    if not _POOL or _POOL[0][0] != os.getpid():  # none yet, or inherited through fork
        _POOL[:] = [(os.getpid(), ThreadPoolExecutor(threads,
                                                     thread_name_prefix="simengine-decode"))]
    pool = _POOL[0][1]
    # biggest first, so the threads finish together
    jobs = sorted(jobs, key=lambda j: -j[3][0:1].nbytes * len(j[2]))
    for f in [pool.submit(decode_into, *job) for job in jobs]:
        f.result()
