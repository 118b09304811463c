"""Bounding-volume hierarchy over a triangle mesh (built once per asset, in its own frame).

Top-down median split on the longest centroid axis; leaves hold at most ``LEAF_SIZE``
triangles. Arrays are flat so the Numba traversal kernel can walk them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..assets import load_obj

LEAF_SIZE = 4


@dataclass(frozen=True)
class MeshBVH:
    tris: np.ndarray  # (T, 3, 3) float64 vertices, in BVH leaf order
    node_min: np.ndarray  # (N, 3)
    node_max: np.ndarray  # (N, 3)
    node_left: np.ndarray  # (N,) int32 left child, -1 for a leaf (right child = left + 1)
    node_start: np.ndarray  # (N,) int32 first triangle of a leaf
    node_count: np.ndarray  # (N,) int32 triangles in a leaf (0 for inner nodes)

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return self.node_min[0], self.node_max[0]


def build_bvh(vertices: np.ndarray, faces: np.ndarray) -> MeshBVH:
    tris = np.ascontiguousarray(vertices[faces], dtype=np.float64)  # (T, 3, 3)
    centroids = tris.mean(axis=1)
    tmin, tmax = tris.min(axis=1), tris.max(axis=1)
    order = np.arange(len(tris))
    nodes_min: list[np.ndarray] = []
    nodes_max: list[np.ndarray] = []
    left: list[int] = []
    start: list[int] = []
    count: list[int] = []

    def new_node() -> int:
        nodes_min.append(np.zeros(3))
        nodes_max.append(np.zeros(3))
        left.append(-1)
        start.append(0)
        count.append(0)
        return len(left) - 1

    # Explicit stack instead of recursion: deep meshes would exceed Python's recursion limit.
    root = new_node()
    stack = [(root, 0, len(tris))]
    while stack:
        node, lo, hi = stack.pop()
        idx = order[lo:hi]
        nodes_min[node] = tmin[idx].min(axis=0)
        nodes_max[node] = tmax[idx].max(axis=0)
        if hi - lo <= LEAF_SIZE:
            start[node], count[node] = lo, hi - lo
            continue
        c = centroids[idx]
        axis = int(np.argmax(c.max(axis=0) - c.min(axis=0)))
        mid = (hi - lo) // 2
        part = np.argpartition(c[:, axis], mid, kind="introselect")
        order[lo:hi] = idx[part]
        a, b = new_node(), new_node()
        left[node] = a
        stack.append((b, lo + mid, hi))
        stack.append((a, lo, lo + mid))
    return MeshBVH(
        tris=np.ascontiguousarray(tris[order]),
        node_min=np.ascontiguousarray(nodes_min, dtype=np.float64),
        node_max=np.ascontiguousarray(nodes_max, dtype=np.float64),
        node_left=np.asarray(left, dtype=np.int32),
        node_start=np.asarray(start, dtype=np.int32),
        node_count=np.asarray(count, dtype=np.int32),
    )


@functools.lru_cache(maxsize=64)
def mesh_bvh(path: str) -> MeshBVH:
    """The BVH of an OBJ asset, cached per process (assets are immutable)."""
    v, f = load_obj(path)
    if len(f) == 0:
        raise ValueError(f"{path}: the mesh has no triangles")
    return build_bvh(v, f)
