"""Closed triangle meshes of simple solids, the pieces generators assemble.

Every function returns ``(vertices (V, 3), faces (F, 3))`` of a watertight solid whose faces
wind counter-clockwise seen from outside (positive volume), so a generator that joins
non-overlapping pieces keeps each piece a valid solid.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Piece = tuple[np.ndarray, np.ndarray]


def box(size: Sequence[float], center: Sequence[float] = (0.0, 0.0, 0.0)) -> Piece:
    """An axis-aligned box of edge lengths ``size`` around ``center``."""
    h = np.asarray(size, np.float64) / 2.0
    signs = np.array([[x, y, z] for z in (-1, 1) for y in (-1, 1) for x in (-1, 1)], np.float64)
    vertices = signs * h + np.asarray(center, np.float64)
    # corners: index = x + 2 y + 4 z with x, y, z in {0 (-), 1 (+)}
    faces = np.array([
        [0, 2, 1], [1, 2, 3],  # z-
        [4, 5, 6], [5, 7, 6],  # z+
        [0, 1, 4], [1, 5, 4],  # y-
        [2, 6, 3], [3, 6, 7],  # y+
        [0, 4, 2], [2, 4, 6],  # x-
        [1, 3, 5], [3, 7, 5],  # x+
    ], np.int64)
    return vertices, faces


def lathe(profile: Sequence[Sequence[float]], segments: int = 32) -> Piece:
    """A surface of revolution about the z axis: ``profile`` lists (radius, z) from the
    bottom to the top. An end with radius 0 closes at a pole; an end with radius > 0 is
    capped by a flat disc. The profile may turn back on itself (a cup's wall goes up the
    outside and down the inside) as long as the solid does not cross itself."""
    p = np.asarray(profile, np.float64)
    if p.ndim != 2 or p.shape[1] != 2 or len(p) < 2 or (p[:, 0] < 0).any():
        raise ValueError("profile: expected two or more (radius >= 0, z) points")
    if segments < 3:
        raise ValueError("segments: expected at least 3")
    angles = np.arange(segments) * (2.0 * np.pi / segments)
    cos, sin = np.cos(angles), np.sin(angles)
    vertices: list[np.ndarray] = []
    ring_start: list[int] = []
    count = 0
    for r, z in p:
        ring_start.append(count)
        if r == 0.0:
            vertices.append(np.array([[0.0, 0.0, z]]))
            count += 1
        else:
            vertices.append(np.stack([r * cos, r * sin, np.full(segments, z)], axis=1))
            count += segments
    faces: list[list[int]] = []
    n = segments
    for i in range(len(p) - 1):
        a, b = ring_start[i], ring_start[i + 1]
        ra, rb = p[i, 0], p[i + 1, 0]
        for k in range(n):
            k1 = (k + 1) % n
            if ra == 0.0 and rb == 0.0:
                continue
            if ra == 0.0:
                faces.append([a, b + k1, b + k])
            elif rb == 0.0:
                faces.append([a + k, a + k1, b])
            else:
                faces.append([a + k, a + k1, b + k])
                faces.append([a + k1, b + k1, b + k])
    out = np.concatenate(vertices)
    extra = []
    if p[0, 0] > 0.0:  # bottom cap, seen from below
        c = len(out) + len(extra)
        extra.append([0.0, 0.0, p[0, 1]])
        faces += [[c, ring_start[0] + (k + 1) % n, ring_start[0] + k] for k in range(n)]
    if p[-1, 0] > 0.0:  # top cap, seen from above
        c = len(out) + len(extra)
        extra.append([0.0, 0.0, p[-1, 1]])
        faces += [[c, ring_start[-1] + k, ring_start[-1] + (k + 1) % n] for k in range(n)]
    if extra:
        out = np.concatenate([out, np.asarray(extra)])
    faces_arr = np.asarray(faces, np.int64)
    if _signed_volume(out, faces_arr) < 0:  # a profile listed top to bottom
        faces_arr = faces_arr[:, ::-1].copy()
    return out, faces_arr


def cylinder(radius: float, height: float, segments: int = 24,
             center: Sequence[float] = (0.0, 0.0, 0.0), axis: str = "z") -> Piece:
    """A closed cylinder of ``radius`` and ``height`` along ``axis``, centred at ``center``."""
    v, f = lathe([(radius, -height / 2.0), (radius, height / 2.0)], segments)
    return transform((v, f), rotation=_axis_rotation(axis), translation=center)


def extrude(polygon: Sequence[Sequence[float]], height: float,
            z0: float = 0.0) -> Piece:
    """A prism: the convex ``polygon`` (x, y points, either winding) from z0 to z0 + height."""
    p = np.asarray(polygon, np.float64)
    if p.ndim != 2 or p.shape[1] != 2 or len(p) < 3:
        raise ValueError("polygon: expected three or more (x, y) points")
    area = 0.5 * np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1])
    if area < 0:
        p = p[::-1]
    m = len(p)
    bottom = np.column_stack([p, np.full(m, z0)])
    top = np.column_stack([p, np.full(m, z0 + height)])
    vertices = np.concatenate([bottom, top])
    faces = [[0, k + 1, k] for k in range(1, m - 1)]  # bottom, seen from below
    faces += [[m, m + k, m + k + 1] for k in range(1, m - 1)]  # top
    for k in range(m):
        k1 = (k + 1) % m
        faces += [[k, k1, m + k], [k1, m + k1, m + k]]
    return vertices, np.asarray(faces, np.int64)


def sweep(path: Sequence[Sequence[float]], radius: float, segments: int = 12) -> Piece:
    """A tube of ``radius`` along the open polyline ``path`` (N >= 2 points), capped at both
    ends: handles, rails, frames."""
    pts = np.asarray(path, np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3 or len(pts) < 2:
        raise ValueError("path: expected two or more 3D points")
    tangents = np.gradient(pts, axis=0)
    tangents /= np.linalg.norm(tangents, axis=1, keepdims=True)
    # a normal carried along the path (parallel transport), so the tube does not twist
    ref = np.array([0.0, 0.0, 1.0]) if abs(tangents[0, 2]) < 0.9 else np.array([1.0, 0, 0])
    normal = np.cross(tangents[0], ref)
    normal /= np.linalg.norm(normal)
    angles = np.arange(segments) * (2.0 * np.pi / segments)
    rings = []
    for i, t in enumerate(tangents):
        normal = normal - t * (normal @ t)
        normal /= np.linalg.norm(normal)
        binormal = np.cross(t, normal)
        rings.append(pts[i] + radius * (np.cos(angles)[:, None] * normal
                                        + np.sin(angles)[:, None] * binormal))
    vertices = np.concatenate([*rings, pts[:1], pts[-1:]])
    n, s = len(pts), segments
    faces = []
    for i in range(n - 1):
        a, b = i * s, (i + 1) * s
        for k in range(s):
            k1 = (k + 1) % s
            faces += [[a + k, a + k1, b + k], [a + k1, b + k1, b + k]]
    start, end = n * s, n * s + 1
    faces += [[start, (k + 1) % s, k] for k in range(s)]
    faces += [[end, (n - 1) * s + k, (n - 1) * s + (k + 1) % s] for k in range(s)]
    faces_arr = np.asarray(faces, np.int64)
    if _signed_volume(vertices, faces_arr) < 0:
        faces_arr = faces_arr[:, ::-1].copy()
    return vertices, faces_arr


def transform(piece: Piece, rotation: np.ndarray | None = None,
              translation: Sequence[float] = (0.0, 0.0, 0.0), scale: float = 1.0) -> Piece:
    """``piece`` scaled, then rotated by the 3x3 ``rotation``, then moved by ``translation``."""
    v, f = piece
    v = np.asarray(v, np.float64) * scale
    if rotation is not None:
        v = v @ np.asarray(rotation, np.float64).T
    return v + np.asarray(translation, np.float64), f


def rotation_z(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _axis_rotation(axis: str) -> np.ndarray:
    """Rotation that takes z to ``axis``."""
    if axis == "z":
        return np.eye(3)
    if axis == "x":
        return np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])
    if axis == "y":
        return np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    raise ValueError(f"axis: expected x, y or z, got {axis!r}")


def _signed_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    a, b, c = (vertices[faces[:, i]] for i in range(3))
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)
