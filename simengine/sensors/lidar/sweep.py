"""A lidar sweep through the shared ray-casting core: every beam at its own firing time.

A beam fired ``tau`` seconds after the capture starts where the sensor is then and points
where it then points (constant linear and angular velocity, as ``SensorInstance.pose_at``),
and meets each part where that part is then: linear extrapolation from the snapshot, the
camera's rolling-shutter model. Static parts are cast in one call of the core's kernel; a
moving part is cast alone, with the candidate rays expressed in its co-moving frame (the ray
moved by −v·tau and turned by −omega·tau about the part's origin is the same ray against the
part frozen at the snapshot). This reuses the one compiled kernel of the core (nothing new to
compile; the small test of which rays can reach which moving part is ``_lidar_kernels``) and
costs one small extra cast per moving part, on the rays that can reach it.

Frames: ``d_body`` in the lidar body frame, everything else world; ranges in metres.
"""

from __future__ import annotations

import numpy as np

from ...geometry.raycast import cast_rays
from ...geometry.scene_geometry import SceneGeometry, subset
from ...geometry.transforms import rotate_rows
from ._kernels import reachable

MOTION_EPS = 1e-5  # m: a hundredth of the reference tests' millimetre


def rotate_by(omega: np.ndarray, tau: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Each row of ``v`` (N, 3) turned at angular velocity ``omega`` (3,) for its ``tau``
    (N,) seconds (Rodrigues)."""
    speed = float(np.linalg.norm(omega))
    if speed == 0.0:
        return v
    k = np.asarray(omega, np.float64) / speed
    angle = speed * tau
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    return v * c + np.cross(k, v) * s + k * (v @ k)[:, None] * (1.0 - c)


def cast_sweep(g: SceneGeometry, T_world_lidar: np.ndarray, velocity, omega,
               d_body: np.ndarray, tau: np.ndarray, t_max: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(range (N,) inf on a miss, part index (N,) -1 on a miss, |cos incidence| (N,), mesh
    triangle (N,) -1 off meshes) of the
    beams ``d_body`` (N, 3) fired at ``tau`` (N,) s from the capture instant, the lidar
    being at ``T_world_lidar`` then and moving with ``velocity`` (m/s) and ``omega`` (rad/s),
    world frame. Nothing nearer than ``t_max`` is missed: a hit inside the minimum range
    is returned too (the caller decides; such a part blocks the beam)."""
    v = np.asarray(velocity, np.float64)
    w = np.asarray(omega, np.float64)
    R0, p0 = T_world_lidar[:3, :3], T_world_lidar[:3, 3]
    d = rotate_rows(np.asarray(d_body, np.float64), R0)
    timed = bool(np.any(tau))
    origins = p0[None, :]
    if timed and (v.any() or w.any()):
        origins = p0 + tau[:, None] * v
        d = rotate_by(w, tau, d)
        d /= np.linalg.norm(d, axis=1, keepdims=True)  # keep unit length to rounding
    speed = np.linalg.norm(g.linear_velocity, axis=1) + np.linalg.norm(
        g.angular_velocity, axis=1) * g.bound_radius
    span = float(np.abs(tau).max()) if timed else 0.0
    # parts that move less than MOTION_EPS within the sweep (objects at rest jitter at
    # ~1e-4 m/s in the simulator) are cast where they are at the capture instant
    moving = np.flatnonzero(speed * span > MOTION_EPS)
    still = np.setdiff1d(np.arange(len(g.kind)), moving)
    scene = g if moving.size == 0 else subset(g, still)
    hits = cast_rays(scene, origins, d, 0.0, t_max)
    t, part, tri = hits.t, np.full(len(d), -1, np.int32), hits.triangle
    part[hits.hit] = still[hits.part[hits.hit]]
    cos = np.abs(np.einsum("ij,ij->i", hits.normal, d))
    if moving.size == 0:
        return t, part, cos, tri
    # rays whose line passes a moving part's bounding sphere, grown by how far the part and
    # the sensor move within the sweep, before their current hit
    reach = float(np.linalg.norm(v)) * span  # how far the ray origins stray from p0
    near = np.empty((moving.size, len(d)), np.bool_)
    reachable(d, np.ascontiguousarray(p0), np.ascontiguousarray(g.bound_center[moving]),
              g.bound_radius[moving] + speed[moving] * span + reach, t, near)
    for k, p in enumerate(moving):
        rays = np.flatnonzero(near[k])
        if rays.size == 0:
            continue
        s = tau[rays]
        o = origins if origins.shape[0] == 1 else origins[rays]
        q = rotate_by(g.angular_velocity[p], -s,
                      o - g.pos[p] - s[:, None] * g.linear_velocity[p])
        dq = rotate_by(g.angular_velocity[p], -s, d[rays])
        dq /= np.linalg.norm(dq, axis=1, keepdims=True)
        h = cast_rays(subset(g, np.array([p])), g.pos[p] + q, dq, 0.0, t[rays])
        better = h.hit & (h.t < t[rays])
        idx = rays[better]
        t[idx] = h.t[better]
        part[idx] = p
        tri[idx] = h.triangle[better]
        cos[idx] = np.abs(np.einsum("ij,ij->i", h.normal[better], dq[better]))
    return t, part, cos, tri
