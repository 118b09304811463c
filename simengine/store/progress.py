"""Which samples of a store are done, at a cost that follows what was written.

``meta/done`` has one chunk per block, and a chunk exists only once its block was written
(fill-valued chunks are only ever written by a finished block). Listing those chunk keys
and reading just them costs O(written blocks) time and memory, so a store created for 10⁹
samples opens as fast as one of 8; reading ``meta/done[:]`` would decode every chunk of a
10⁹-flag array and hold a gigabyte.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import zarr
from zarr.core.sync import sync

from .layout import DONE


async def _list(store: Any, prefix: str) -> list[str]:
    return [k async for k in store.list_prefix(prefix)]


def written_blocks(root: zarr.Group, name: str = DONE) -> np.ndarray:
    """Sorted block indices (first chunk coordinate) of the chunks of ``name`` that are
    stored; for the per-block arrays ``meta/done`` and ``meta/manifest``."""
    arr = root[name]
    zero = arr.metadata.encode_chunk_key((0,) * arr.ndim)  # "c/0/0/..."
    prefix = f"{arr.store_path.path}/{zero[:zero.index('0')]}"
    keys = sync(_list(root.store_path.store, prefix))
    blocks = {int(first) for k in keys if (first := k[len(prefix):].split("/")[0]).isdigit()}
    return np.array(sorted(blocks), dtype=np.int64)


def flagged_blocks(root: zarr.Group, attrs: dict[str, Any]):
    """(block, flags of its samples) for every written done chunk, read a run at a time."""
    n, bs = int(attrs["num_samples"]), int(attrs["block_size"])
    blocks = written_blocks(root)
    blocks = blocks[blocks * bs < n]
    if blocks.size == 0:
        return
    done = root[DONE]
    cuts = np.flatnonzero(np.diff(blocks) != 1) + 1
    for run in np.split(blocks, cuts):  # contiguous written blocks: one read each
        lo, hi = int(run[0]) * bs, min(n, (int(run[-1]) + 1) * bs)
        flags = np.asarray(done[lo:hi], dtype=bool)
        for b in run.tolist():
            yield b, flags[b * bs - lo:min(n, (b + 1) * bs) - lo]


def done_blocks(root: zarr.Group, attrs: dict[str, Any]) -> np.ndarray:
    """Sorted indices of the blocks whose every sample is marked done."""
    return np.array([b for b, flags in flagged_blocks(root, attrs) if flags.all()], np.int64)


def done_indices(root: zarr.Group, attrs: dict[str, Any]) -> np.ndarray:
    """Sorted indices of the samples marked done."""
    bs = int(attrs["block_size"])
    parts = [b * bs + np.flatnonzero(flags) for b, flags in flagged_blocks(root, attrs)]
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def is_done(root: zarr.Group, attrs: dict[str, Any], indices: np.ndarray) -> np.ndarray:
    """Done flags of ``indices`` (reading only the chunks of their blocks)."""
    idx = np.asarray(indices, np.int64).reshape(-1)
    if idx.size == 0:
        return np.zeros(0, bool)
    return np.asarray(root[DONE].get_coordinate_selection(idx), dtype=bool)
