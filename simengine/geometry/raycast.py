"""The one ray-casting core that camera, lidar (and acoustic occlusion) share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._raycast_kernels import CHUNK, cast_kernel
from .scene_geometry import SceneGeometry


@dataclass(frozen=True)
class Hits:
    """Per ray: distance along the unit direction (inf on a miss), part index (-1 on a miss),
    world-frame unit normal facing the ray, and the part's labels."""

    t: np.ndarray  # (R,) float64
    part: np.ndarray  # (R,) int32
    normal: np.ndarray  # (R, 3) float32
    instance: np.ndarray  # (R,) int32, 0 on a miss or the environment
    semantic: np.ndarray  # (R,) int32 class id, 0 (background) on a miss
    material: np.ndarray  # (R,) int32, -1 on a miss (a mesh triangle's own where it has one)
    triangle: np.ndarray  # (R,) int32 index into the geometry's triangles, -1 off meshes

    @property
    def hit(self) -> np.ndarray:
        return self.part >= 0


def cast_rays(geometry: SceneGeometry, origins: np.ndarray, directions: np.ndarray,
              t_min: float | np.ndarray = 0.0, t_max: float | np.ndarray = np.inf) -> Hits:
    """Nearest hit of each ray.

    Parameters
    ----------
    origins : (R, 3) or (3,) float array, world frame (a single origin is broadcast)
    directions : (R, 3) float array of unit vectors, world frame
    t_min, t_max : scalars or (R,) arrays bounding the accepted distance
    """
    d = np.ascontiguousarray(directions, dtype=np.float64).reshape(-1, 3)
    n = len(d)
    # One shared row (a single origin, scalar bounds) is passed as is; per-ray rows must be
    # writable and contiguous (a read-only view would make Numba compile another version).
    o, lo, hi = (_rows(v, width) for v, width in ((origins, 3), (t_min, 0), (t_max, 0)))
    for name, v in (("origins", o), ("t_min", lo), ("t_max", hi)):
        if len(v) not in (1, n):
            raise ValueError(f"{name}: expected 1 or {n} rows, got {len(v)}")
    t = np.empty(n)
    part = np.empty(n, np.int32)
    normal = np.empty((n, 3), np.float32)
    instance = np.empty(n, np.int32)
    semantic = np.empty(n, np.int32)
    material = np.empty(n, np.int32)
    triangle = np.empty(n, np.int32)
    not_unit = np.zeros(-(-n // CHUNK), np.bool_)
    g = geometry
    cast_kernel(o, d, lo, hi, g.kind, g.rot, g.pos, g.params, g.bound_center, g.bound_radius,
                g.mesh_node, g.mesh_tri, g.node_min, g.node_max, g.node_left, g.node_start,
                g.node_count, g.tris, g.instance, g.semantic, g.material, g.tri_material, t,
                part, normal, instance, semantic, material, triangle, not_unit)
    if not_unit.any():
        raise ValueError("directions must be unit vectors")
    return Hits(t=t, part=part, normal=normal, instance=instance, semantic=semantic,
                material=material, triangle=triangle)


def _rows(value, width: int) -> np.ndarray:
    a = np.asarray(value, np.float64)
    a = a.reshape(-1, width) if width else a.reshape(-1)
    return np.require(a, requirements=("C", "W"))
