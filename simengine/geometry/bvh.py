"""Bounding-volume hierarchy over a triangle mesh (built once per asset, in its own frame).

Top-down, each node split where the surface-area heuristic (SAH) says a ray pays least:
over every axis and every cut of the triangles sorted by centroid, the cost
``A_left · n_left + A_right · n_right`` (A: half the surface area of a side's box; the
chance a ray through the node meets it goes with A). A node becomes a leaf when that
beats splitting and it holds at most ``MAX_LEAF`` triangles. Nodes under ``SAH_MIN``
triangles, and any past ``MAX_DEPTH`` levels, split at the median instead (cheaper to
build; the depth bound keeps every tree within the traversal stack). Against the median
split everywhere this measured 1.3x faster primary rays on pybullet_data meshes (section
5 of tools/bench.py), for 2x the build time (0.35 s for duck, soccer ball, teddy and
bunny together). Arrays are flat so the Numba traversal kernel can walk them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..assets import MeshSource, mesh_arrays

LEAF_SIZE = 2  # at most this many triangles: always a leaf
MAX_LEAF = 8  # a leaf may hold up to this many when the SAH finds no better split
MAX_DEPTH = 40  # then median splits: depth stays < 40 + log2(triangles) < 64, the stack size
# smaller nodes split at the median (a leaf at <= 4): 3x faster to build than SAH all the
# way down, for ~5 % slower rays (pybullet_data meshes)
SAH_MIN = 16
TRAVERSAL_COST = 1.0  # one node visit, in units of one triangle test


@dataclass(frozen=True)
class MeshBVH:
    tris: np.ndarray  # (T, 3, 3) float64 vertices, in BVH leaf order
    node_min: np.ndarray  # (N, 3)
    node_max: np.ndarray  # (N, 3)
    node_left: np.ndarray  # (N,) int32 left child, -1 for a leaf (right child = left + 1)
    node_start: np.ndarray  # (N,) int32 first triangle of a leaf
    node_count: np.ndarray  # (N,) int32 triangles in a leaf (0 for inner nodes)
    face_index: np.ndarray  # (T,) int32: the source mesh's face of each triangle in ``tris``

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return self.node_min[0], self.node_max[0]


def _half_area(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Half the surface area of boxes (..., 3)."""
    e = np.maximum(hi - lo, 0.0)
    return e[..., 0] * e[..., 1] + e[..., 1] * e[..., 2] + e[..., 2] * e[..., 0]


def _sah_split(idx: np.ndarray, centroids: np.ndarray, tmin: np.ndarray, tmax: np.ndarray
               ) -> tuple[np.ndarray, int, float]:
    """The best SAH cut of triangles ``idx``: (them sorted along the chosen axis, the
    number going left, the cost A_left·n_left + A_right·n_right). Every cut of every axis
    is scored at once from prefix and suffix boxes (running min/max over the sorted
    triangles' bounds)."""
    n = len(idx)
    counts = np.arange(1, n)
    best = (np.inf, idx, n // 2)
    for axis in range(3):
        s = idx[np.argsort(centroids[idx, axis], kind="stable")]
        lo, hi = tmin[s], tmax[s]
        left = _half_area(np.minimum.accumulate(lo)[:-1], np.maximum.accumulate(hi)[:-1])
        right = _half_area(np.minimum.accumulate(lo[::-1])[::-1][1:],
                           np.maximum.accumulate(hi[::-1])[::-1][1:])
        cost = left * counts + right * counts[::-1]
        k = int(np.argmin(cost))
        if cost[k] < best[0]:
            best = (float(cost[k]), s, k + 1)
    return best[1], best[2], best[0]


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
    stack = [(root, 0, len(tris), 0)]
    while stack:
        node, lo, hi, depth = stack.pop()
        idx = order[lo:hi]
        nodes_min[node] = tmin[idx].min(axis=0)
        nodes_max[node] = tmax[idx].max(axis=0)
        n = hi - lo
        if n <= LEAF_SIZE or (n < SAH_MIN and n <= 2 * LEAF_SIZE):
            start[node], count[node] = lo, n
            continue
        if depth < MAX_DEPTH and n >= SAH_MIN:
            sorted_idx, mid, cost = _sah_split(idx, centroids, tmin, tmax)
            area = _half_area(nodes_min[node], nodes_max[node])
            if n <= MAX_LEAF and (area <= 0.0 or cost / area + TRAVERSAL_COST >= n):
                start[node], count[node] = lo, n
                continue
        else:
            c = centroids[idx]
            axis = int(np.argmax(c.max(axis=0) - c.min(axis=0)))
            mid = n // 2
            sorted_idx = idx[np.argsort(c[:, axis], kind="stable")]
        order[lo:hi] = sorted_idx
        a, b = new_node(), new_node()
        left[node] = a
        stack.append((b, lo + mid, hi, depth + 1))
        stack.append((a, lo, lo + mid, depth + 1))
    return MeshBVH(
        tris=np.ascontiguousarray(tris[order]),
        node_min=np.ascontiguousarray(nodes_min, dtype=np.float64),
        node_max=np.ascontiguousarray(nodes_max, dtype=np.float64),
        node_left=np.asarray(left, dtype=np.int32),
        node_start=np.asarray(start, dtype=np.int32),
        node_count=np.asarray(count, dtype=np.int32),
        face_index=order.astype(np.int32),
    )


@functools.lru_cache(maxsize=128)
def mesh_bvh(source: MeshSource) -> MeshBVH:
    """The BVH of a mesh source (an OBJ asset's path, or a generated mesh's key), cached per
    process (assets are immutable; generators are pure functions of their parameters)."""
    v, f = mesh_arrays(source)
    if len(f) == 0:
        raise ValueError(f"{source}: the mesh has no triangles")
    return build_bvh(v, f)
