"""What ``simengine info`` reports about a store."""

from __future__ import annotations

from typing import Any

from .layout import DONE
from .progress import done_indices
from .reader import open_group_checked


def describe(path: str) -> dict[str, Any]:
    root = open_group_checked(path)
    attrs = root.attrs["simengine"]
    arrays = {}
    for name in [*attrs["arrays"], DONE]:
        a = root[name]
        arrays[name] = {"shape": list(a.shape), "dtype": str(a.dtype), "chunks": list(a.chunks),
                        "shards": list(a.shards) if a.shards else None}
    done = int(done_indices(root, attrs).size)  # costs what was written, not the size
    return {
        "path": str(path), "scene_name": attrs["scene_name"], "scene_hash": attrs["scene_hash"],
        "root_seed": attrs["root_seed"], "engine_version": attrs["engine_version"],
        "schema_version": attrs["schema_version"], "samples_total": int(attrs["num_samples"]),
        "samples_done": done, "block_size": attrs["block_size"],
        "classes": attrs["classes"], "arrays": arrays,
    }
