"""Writing one block of a store: its shards whole, then what they hold, then ``done``.

The order is the contract readers rely on: a block's ``meta/done`` chunk is written only
after every shard and the block's manifest row (``store.integrity``) are on disk, so a
killed writer leaves a block that is not done, and a done block's shards can be checked
against what was written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import zarr
from zarr.core.sync import sync

from .integrity import MANIFEST, has_manifest, write_manifest
from .layout import DONE, block_range


def write_block(root: zarr.Group, attrs: dict[str, Any], block: int,
                data: Mapping[str, np.ndarray]) -> None:
    """Write block ``block``: ``data`` maps every array of the store to the block's samples
    stacked on axis 0."""
    indices = block_range(block, attrs["block_size"], attrs["num_samples"])
    sl = slice(indices.start, indices.stop)
    arrays = [root[key] for key in attrs["arrays"]]  # each opened once (a metadata read)
    for key, arr in zip(attrs["arrays"], arrays, strict=True):
        arr[sl] = data[key]
    if has_manifest(attrs):
        write_manifest(root, arrays, block, attrs)
    root[DONE][sl] = True  # last: readers and --resume trust only this


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
