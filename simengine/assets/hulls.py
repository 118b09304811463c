"""Closed convex pieces built as the convex hull of a few points: chamfered boxes, tapered
blocks (a car's cabin: narrower and shorter at the roof than at the belt line) and thin slabs
laid on a face (windows, lamps, plates).

Kept apart from :mod:`simengine.assets.shapes` (which builds each solid by hand) because all
of these share one construction: Qhull's hull, with every face turned to wind
counter-clockwise seen from outside, and only the hull's own vertices kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.spatial import ConvexHull

from .shapes import Piece


def hull(points: Sequence[Sequence[float]]) -> Piece:
    """The convex hull of ``points`` (N >= 4, not all in one plane) as a closed solid."""
    p = np.asarray(points, np.float64)
    if p.ndim != 2 or p.shape[1] != 3 or len(p) < 4:
        raise ValueError("points: expected four or more 3D points")
    h = ConvexHull(p)
    used = np.unique(h.simplices)
    index = np.full(len(p), -1, np.int64)
    index[used] = np.arange(len(used))
    vertices = p[used]
    faces = index[h.simplices]
    # Qhull's simplices have no set winding: turn each to face away from the hull's centre
    # (inside every face's plane, as the hull is convex).
    centre = vertices.mean(axis=0)
    a, b, c = (vertices[faces[:, i]] for i in range(3))
    outward = np.einsum("ij,ij->i", np.cross(b - a, c - a), a - centre) < 0
    faces[outward] = faces[outward][:, ::-1]
    return vertices, faces


def chamfered_box(low: Sequence[float], high: Sequence[float],
                  chamfer: float | Sequence[float]) -> Piece:
    """The box from corner ``low`` to ``high`` with every edge bevelled: ``chamfer`` is how
    far each bevel cuts in along x, y and z (one value or three)."""
    lo, hi = np.asarray(low, np.float64), np.asarray(high, np.float64)
    c = np.broadcast_to(np.asarray(chamfer, np.float64), (3,))
    if (hi - lo <= 2 * c).any() or (c <= 0).any():
        raise ValueError("chamfer: expected 0 < chamfer < half of each edge")
    points = []
    for corner in ((x, y, z) for x in (0, 1) for y in (0, 1) for z in (0, 1)):
        outer = np.where(corner, hi, lo)
        inner = np.where(corner, hi - c, lo + c)
        for axis in range(3):  # the corner cut off: one point on each of its three edges
            q = inner.copy()
            q[axis] = outer[axis]
            points.append(q)
    return hull(points)


def tapered_block(x_bottom: tuple[float, float], x_top: tuple[float, float],
                  half_width_bottom: float, half_width_top: float,
                  z: tuple[float, float]) -> Piece:
    """A block symmetric about y = 0 whose bottom face spans ``x_bottom`` and
    ±``half_width_bottom`` at z[0], and whose top face spans ``x_top`` and ±``half_width_top``
    at z[1]: sloped front and back, sides leaning in."""
    points = [(x, s * half_width_bottom, z[0]) for x in x_bottom for s in (-1, 1)]
    points += [(x, s * half_width_top, z[1]) for x in x_top for s in (-1, 1)]
    return hull(points)


def slab(corners: Sequence[Sequence[float]], normal: Sequence[float],
         thickness: float) -> Piece:
    """A thin plate over the flat convex polygon ``corners``, from ``thickness``/2 behind it
    to ``thickness``/2 in front of it along ``normal``: a window pane or lamp lens laid on a
    face of a larger piece, standing just proud of it."""
    c = np.asarray(corners, np.float64)
    n = np.asarray(normal, np.float64)
    n = n / np.linalg.norm(n) * (thickness / 2.0)
    return hull(np.concatenate([c - n, c + n]))
