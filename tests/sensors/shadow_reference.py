"""Independent shadow reference for camera tests: which rendered pixels face the light and
which of those have an object between their surface point and the light, by cast_rays (the
nearest hit from the root, independent of the renderer's tiles and per-tile skipping)."""

from __future__ import annotations

import numpy as np

from simengine.geometry.raycast import cast_rays
from simengine.geometry.scene_geometry import subset

MIN_COSINE = 0.05  # pixels lit more grazingly than this are left out


def shadow_truth(res, model, ps, g, direction) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(facing, shadowed, cosine) per pixel of ``res`` (a shade_frame result) for a light
    travelling along ``direction``: facing = hit and cos > MIN_COSINE; shadowed = facing and
    a shadow ray from the point (offset 1e-5 m along the normal) meets an object."""
    rays = model.pixel_rays() @ ps.R_world_cam.T
    hit = res.part.ravel() >= 0
    n = res.normal.reshape(-1, 3).astype(np.float64) @ ps.R_world_cam.T
    light = np.asarray(direction, np.float64) / np.linalg.norm(direction)
    cosine = -(n @ light)
    facing = hit & (cosine > MIN_COSINE)
    points = ps.position + res.t.ravel()[:, None] * rays + 1e-5 * n
    casters = np.flatnonzero(g.instance > 0)
    shadow_rays = cast_rays(subset(g, casters), points[facing],
                            np.broadcast_to(-light, (int(facing.sum()), 3)), t_min=1e-6)
    shadowed = np.zeros(len(hit), bool)
    shadowed[np.flatnonzero(facing)] = shadow_rays.hit
    return facing, shadowed, cosine
