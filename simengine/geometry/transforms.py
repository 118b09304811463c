"""Rotations and rigid transforms (quaternions are xyzw, PyBullet's order, everywhere).

Frame names follow ``T_world_cam``: the transform taking points in the camera frame to the
world frame. Sensor body frames are x forward, y left, z up; a camera's optical frame is
OpenCV's (x right, y down, z forward) and is derived from its body frame.
"""

from __future__ import annotations

import math

import numpy as np

# Optical (OpenCV) axes expressed in the body frame: x_opt = -y_body, y_opt = -z_body,
# z_opt = x_body. Columns are the optical axes in body coordinates.
R_BODY_OPTICAL = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])


def quat_to_matrix(q: np.ndarray | tuple) -> np.ndarray:
    x, y, z, w = (float(v) for v in q)
    n = math.sqrt(x * x + y * y + z * z + w * w)
    x, y, z, w = x / n, y / n, z / n, w / n
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def matrix_to_quat(R: np.ndarray) -> tuple[float, float, float, float]:
    """Rotation matrix to a unit quaternion (xyzw) with w >= 0."""
    m = np.asarray(R, dtype=np.float64)
    tr = m[0, 0] + m[1, 1] + m[2, 2]
    if tr > 0:
        s = math.sqrt(tr + 1.0) * 2
        w, x, y, z = (0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s,
                      (m[1, 0] - m[0, 1]) / s)
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = math.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2]) * 2
        w, x, y, z = ((m[2, 1] - m[1, 2]) / s, 0.25 * s, (m[0, 1] + m[1, 0]) / s,
                      (m[0, 2] + m[2, 0]) / s)
    elif m[1, 1] > m[2, 2]:
        s = math.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2]) * 2
        w, x, y, z = ((m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, 0.25 * s,
                      (m[1, 2] + m[2, 1]) / s)
    else:
        s = math.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1]) * 2
        w, x, y, z = ((m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s,
                      (m[1, 2] + m[2, 1]) / s, 0.25 * s)
    q = np.array([x, y, z, w])
    q /= np.linalg.norm(q)
    if q[3] < 0:
        q = -q
    return tuple(float(v) for v in q)  # type: ignore[return-value]


def quat_from_euler(roll: float, pitch: float, yaw: float) -> tuple[float, float, float, float]:
    """Radians; R = Rz(yaw)·Ry(pitch)·Rx(roll), as PyBullet's getQuaternionFromEuler."""
    cr, sr = math.cos(roll / 2), math.sin(roll / 2)
    cp, sp = math.cos(pitch / 2), math.sin(pitch / 2)
    cy, sy = math.cos(yaw / 2), math.sin(yaw / 2)
    return (sr * cp * cy - cr * sp * sy, cr * sp * cy + sr * cp * sy,
            cr * cp * sy - sr * sp * cy, cr * cp * cy + sr * sp * sy)


def random_quaternion(rng: np.random.Generator) -> tuple[float, float, float, float]:
    """Uniformly distributed rotation (Shoemake's method)."""
    u1, u2, u3 = rng.random(3)
    a, b = math.sqrt(1 - u1), math.sqrt(u1)
    q = (a * math.sin(2 * math.pi * u2), a * math.cos(2 * math.pi * u2),
         b * math.sin(2 * math.pi * u3), b * math.cos(2 * math.pi * u3))
    return q if q[3] >= 0 else tuple(-v for v in q)  # type: ignore[return-value]


def pose_matrix(position, quaternion) -> np.ndarray:
    T = np.eye(4)
    T[:3, :3] = quat_to_matrix(quaternion)
    T[:3, 3] = np.asarray(position, dtype=np.float64)
    return T


def look_at_body(position, target, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """Rotation of a body frame (x forward, z up) at ``position`` facing ``target``."""
    x = np.asarray(target, np.float64) - np.asarray(position, np.float64)
    x /= np.linalg.norm(x)
    up_v = np.asarray(up, np.float64)
    y = np.cross(up_v, x)
    if np.linalg.norm(y) < 1e-9:  # looking straight along up: pick any perpendicular
        y = np.cross(np.array([1.0, 0.0, 0.0]) if abs(x[0]) < 0.9 else np.array([0.0, 1.0, 0.0]), x)
    y /= np.linalg.norm(y)
    z = np.cross(x, y)
    return np.stack([x, y, z], axis=1)


def invert(T: np.ndarray) -> np.ndarray:
    Ti = np.eye(4)
    Ti[:3, :3] = T[:3, :3].T
    Ti[:3, 3] = -T[:3, :3].T @ T[:3, 3]
    return Ti


def rotation_about(omega, t: float) -> np.ndarray:
    """Rotation after turning at angular velocity ``omega`` (rad/s, world) for ``t`` s
    (Rodrigues' formula)."""
    w = np.asarray(omega, np.float64) * t
    angle = float(np.linalg.norm(w))
    if angle < 1e-15:
        return np.eye(3)
    k = w / angle
    Kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + math.sin(angle) * Kx + (1 - math.cos(angle)) * (Kx @ Kx)


def rotate_rows(v: np.ndarray, R: np.ndarray) -> np.ndarray:
    """``v @ R.T`` for many row vectors (N, 3). einsum, not BLAS: numpy's matmul of a tall
    (N, 3) by (3, 3) was measured 15-20× slower here (a poor BLAS path)."""
    return np.einsum("ij,kj->ik", v, R)
