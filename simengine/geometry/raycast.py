"""The one ray-casting core that camera, lidar (and acoustic occlusion) share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._raycast_kernels import cast_kernel
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
    material: np.ndarray  # (R,) int32, -1 on a miss

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
    # Writable, contiguous copies: a read-only view would make Numba compile a second
    # specialisation of the kernel.
    o, lo, hi = (np.require(np.broadcast_to(np.asarray(v, np.float64), shape),
                            requirements=("C", "W"))
                 for v, shape in ((origins, (n, 3)), (t_min, (n,)), (t_max, (n,))))
    if not np.allclose(np.einsum("ij,ij->i", d, d), 1.0, atol=1e-6):
        raise ValueError("directions must be unit vectors")
    t = np.empty(n)
    part = np.empty(n, np.int32)
    normal = np.empty((n, 3), np.float32)
    g = geometry
    cast_kernel(o, d, lo, hi, g.kind, g.rot, g.pos, g.params, g.bound_center, g.bound_radius,
                g.mesh_node, g.mesh_tri, g.node_min, g.node_max, g.node_left, g.node_start,
                g.node_count, g.tris, t, part, normal)
    hit = part >= 0
    safe = np.where(hit, part, 0)
    return Hits(t=t, part=part, normal=normal,
                instance=np.where(hit, g.instance[safe], 0).astype(np.int32),
                semantic=np.where(hit, g.semantic[safe], 0).astype(np.int32),
                material=np.where(hit, g.material[safe], -1).astype(np.int32))
