"""What ``simengine info`` reports about a store."""

from __future__ import annotations

from typing import Any

import numpy as np
import zarr

from .integrity import MANIFEST, NBYTES, has_manifest
from .layout import DONE
from .progress import done_indices, written_blocks
from .reader import open_group_checked


def describe(path: str) -> dict[str, Any]:
    root = open_group_checked(path)
    attrs = root.attrs["simengine"]
    arrays = {}
    for name in [*attrs["arrays"], DONE]:
        a = root[name]
        arrays[name] = {"shape": list(a.shape), "dtype": str(a.dtype), "chunks": list(a.chunks),
                        "shards": list(a.shards) if a.shards else None}
    done = done_indices(root, attrs)  # costs what was written, not the size
    missing = missing_shards(root, attrs, done)
    return {
        "path": str(path), "scene_name": attrs["scene_name"], "scene_hash": attrs["scene_hash"],
        "root_seed": attrs["root_seed"], "engine_version": attrs["engine_version"],
        "schema_version": attrs["schema_version"], "samples_total": int(attrs["num_samples"]),
        "samples_done": int(done.size), "block_size": attrs["block_size"],
        "samples_missing_shards": missing,
        "classes": attrs["classes"], "arrays": arrays,
    }


def missing_shards(root: zarr.Group, attrs: dict[str, Any], done: np.ndarray) -> list[int]:
    """Done samples some of whose shards are gone (each array's shard files listed, each
    done block's manifest read: no data is read; ``simengine verify`` checks sizes and
    checksums too). A shard of fill values only is never stored: its row says 0 bytes."""
    if not has_manifest(attrs) or done.size == 0:
        return []
    bs = int(attrs["block_size"])
    blocks = np.unique(done // bs)
    rows = np.asarray(root[MANIFEST].get_orthogonal_selection(
        (blocks.tolist(), slice(None), NBYTES)))  # (blocks, arrays + 1)
    lacking: set[int] = set()
    for a, key in enumerate(attrs["arrays"]):
        present = set(written_blocks(root, key).tolist())
        lacking.update(int(b) for b, wrote in zip(blocks, rows[:, a], strict=True)
                       if wrote and int(b) not in present)
    return [int(k) for k in done if int(k) // bs in lacking]
