"""Is a point inside a solid part? Closed-form tests for the parts the ray caster draws.

A part is what ``scene_geometry`` calls a part: an analytic primitive (box, sphere,
cylinder, capsule) or a triangle mesh, posed in the world. Used to refuse sensors placed
inside solid geometry (a camera there sees only the inside of the object).

Points on a surface count as outside: a sensor resting on a table top is fine. A mesh
point is inside when the generalised winding number of the triangles around it
(Jacobson et al. 2013; each triangle's signed solid angle by Van Oosterom & Strackee 1983)
exceeds 3/4 in magnitude: it is 1 inside a closed surface of either orientation, 1/2 on
it, 0 outside, at least 1 inside any piece of a convex decomposition such as
pybullet_data's VHACD meshes (closed hulls that may overlap), and stays below 1/2 near an
open sheet such as a plane, which has no inside.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .scene_geometry import BOX, CAPSULE, CYLINDER, MESH, SPHERE
from .transforms import quat_to_matrix

KIND_NAMES = {BOX: "box", SPHERE: "sphere", CYLINDER: "cylinder", CAPSULE: "capsule",
              MESH: "mesh"}


class SolidPart(NamedTuple):
    """A part posed in the world: ``params`` as ``PartDesc`` (box half extents; (r,);
    (r, half length); the mesh's scale per axis), ``mesh`` the mesh source of a mesh (an
    .obj file or a GeneratedMesh key)."""

    kind: int
    params: tuple[float, float, float]
    position: tuple[float, float, float]
    orientation: tuple[float, float, float, float]  # xyzw
    mesh: Any = None


def contains(part: SolidPart, points: np.ndarray) -> np.ndarray:
    """(N,) bool: which of ``points`` (N, 3), world frame, lie strictly inside ``part``."""
    points = np.atleast_2d(np.asarray(points, np.float64))
    R = quat_to_matrix(part.orientation)
    local = (points - np.asarray(part.position, np.float64)) @ R  # R^T (p - c), row-wise
    a, b, c = (float(v) for v in part.params)
    if part.kind == BOX:
        return np.all(np.abs(local) < np.array([a, b, c]), axis=1)
    if part.kind == SPHERE:
        return np.einsum("ij,ij->i", local, local) < a * a
    if part.kind == CYLINDER:
        return (local[:, 0] ** 2 + local[:, 1] ** 2 < a * a) & (np.abs(local[:, 2]) < b)
    if part.kind == CAPSULE:  # within r of the axis segment z in [-h, h]
        nearest = np.clip(local[:, 2], -b, b)
        d2 = local[:, 0] ** 2 + local[:, 1] ** 2 + (local[:, 2] - nearest) ** 2
        return d2 < a * a
    if part.kind == MESH:
        return np.abs(winding_number(mesh_triangles(part.mesh, part.params), local)) > 0.75
    raise ValueError(f"unknown part kind {part.kind}")


def mesh_triangles(source: Any, scale: tuple[float, float, float]) -> np.ndarray:
    """(T, 3, 3) triangles of a mesh source in the part's frame (scaled per axis)."""
    from ..assets import mesh_arrays

    vertices, faces = mesh_arrays(source)
    return vertices[faces] * np.asarray(scale, np.float64)


def winding_number(tris: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(N,) generalised winding number of triangles (T, 3, 3) at points (N, 3): the sum of
    each triangle's signed solid angle over 4π (tan(Ω/2) = a·(b×c) / (|a||b||c| +
    (a·b)|c| + (b·c)|a| + (c·a)|b|), a, b, c the corners relative to the point)."""
    out = np.zeros(len(points))
    for start in range(0, len(points), 256):  # bounded memory: 256 points × T at a time
        p = points[start:start + 256, None, None, :]
        rel = tris[None] - p  # (n, T, 3, 3)
        a, b, c = rel[:, :, 0], rel[:, :, 1], rel[:, :, 2]
        la, lb, lc = (np.linalg.norm(v, axis=-1) for v in (a, b, c))
        det = np.einsum("ntk,ntk->nt", a, np.cross(b, c))
        den = (la * lb * lc + np.einsum("ntk,ntk->nt", a, b) * lc
               + np.einsum("ntk,ntk->nt", b, c) * la + np.einsum("ntk,ntk->nt", c, a) * lb)
        out[start:start + 256] = 2.0 * np.arctan2(det, den).sum(axis=1) / (4.0 * np.pi)
    return out
