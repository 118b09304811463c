"""Writing one block of a store: its shards whole, then what they hold, then ``done``.

The order is the contract readers rely on: a block's ``meta/done`` chunk is written only
after every shard and the block's manifest row (``store.integrity``) are on disk, so a
killed writer leaves a block that is not done, and a done block's shards can be checked
against what was written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import zarr
from zarr.core.buffer import default_buffer_prototype
from zarr.core.sync import sync

from ._shard_write import SameChunks, array_info, array_info_of, encode_shard, open_array
from .integrity import MANIFEST, attrs_digest, fetch_raw, has_manifest, shard_key, shard_row
from .layout import DONE, block_range


def write_block(root: zarr.Group, attrs: dict[str, Any], block: int,
                data: Mapping[str, np.ndarray]) -> None:
    """Write block ``block``: ``data`` maps every array of the store to the block's samples
    stacked on axis 0.

    Each array's shard is encoded whole (``store._shard_write``: the bytes zarr would write)
    and all of them are stored in one concurrent batch; the manifest rows come from those
    bytes. Arrays in another layout go through zarr and are read back for their rows."""
    indices = block_range(block, attrs["block_size"], attrs["num_samples"])
    sl = slice(indices.start, indices.stop)
    store = root.store_path.store
    keys = list(attrs["arrays"])
    paths = [_path(root, key) for key in keys]
    meta_paths = [_path(root, DONE), _path(root, MANIFEST)]
    docs = sync(_get_many(store, [f"{p}/zarr.json" for p in paths + meta_paths]))  # one batch
    done_doc, manifest_doc = docs[len(keys):]
    docs = docs[:len(keys)]
    shards: dict[str, bytes | None] = {}  # store key -> shard bytes, for the fast path
    raws: list[np.ndarray | None] = []  # what each array's shard holds, for its manifest row
    slow: list[int] = []
    infos = []
    same = SameChunks()  # a chunk repeated in another array is compressed once
    for i, (key, path, doc) in enumerate(zip(keys, paths, docs, strict=True)):
        info = array_info(doc) if doc is not None else None
        infos.append(info)
        values = data[key]
        if (info is None or info.layout is None
                or np.shape(values)[1:] != info.layout.sample_shape
                or np.shape(values)[0] != len(indices)):
            slow.append(i)
            raws.append(None)
            continue
        raw = encode_shard(values, info.layout, info.blosc, same=same)
        shards[info.shard_key(path, block)] = raw  # None: no shard (every sample is fill)
        raws.append(None if raw is None else np.frombuffer(raw, np.uint8))
    sync(_set_many(store, shards))
    for i in slow:  # zarr's own write (and a read back: the bytes it stored)
        arr = root[keys[i]]
        arr[sl] = data[keys[i]]
        raws[i] = fetch_raw(root, [shard_key(arr, block)])[0]
        infos[i] = array_info_of(arr)
    if has_manifest(attrs):
        rows = [shard_row(raw, info.meta_digest) for raw, info in zip(raws, infos, strict=True)]
        rows.append(np.array([0, 0, 0, 0, attrs_digest(attrs)], np.uint64))
        _open(root, MANIFEST, manifest_doc)[block] = np.stack(rows)
    _open(root, DONE, done_doc)[sl] = True  # last: readers and --resume trust only this


def _open(root: zarr.Group, name: str, doc: bytes | None) -> zarr.Array:
    """``root[name]`` from its metadata document read already (None: zarr reads it)."""
    if doc is None:
        return root[name]
    return open_array(root.store_path.store, _path(root, name), doc)


def _path(root: zarr.Group, key: str) -> str:
    base = root.store_path.path
    return f"{base}/{key}" if base else key


async def _get_many(store: Any, keys: list[str]) -> list[bytes | None]:
    proto = default_buffer_prototype()
    bufs = await asyncio.gather(*[store.get(k, prototype=proto) for k in keys])
    return [None if b is None else b.to_bytes() for b in bufs]


async def _set_many(store: Any, items: Mapping[str, bytes | None]) -> None:
    """Store every item at once (None: delete the key, as zarr does with an empty shard)."""
    proto = default_buffer_prototype()
    await asyncio.gather(*[store.set(k, proto.buffer.from_bytes(v)) if v is not None
                           else store.delete(k) for k, v in items.items()])


def clear_block(root: zarr.Group, block: int, arrays: Iterable[str] = ()) -> None:
    """Forget that ``block`` was written (its done and manifest chunks, and the shards of
    ``arrays``: zarr reads a damaged shard back before rewriting it), so it is rendered
    again and no reader serves it meanwhile. Only called while no worker runs."""
    store = root.store_path.store
    for name in (DONE, MANIFEST, *arrays):
        if name not in root:
            continue
        arr = root[name]
        key = arr.metadata.encode_chunk_key((block,) + (0,) * (arr.ndim - 1))
        sync(store.delete(f"{arr.store_path.path}/{key}"))
