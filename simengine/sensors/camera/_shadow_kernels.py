"""Numba kernels of the camera's shadows: the grid of shadow casters in the light's frame
(``shadow_cells``), which tiles any caster may shadow, and the shadow ray of one pixel.
Private to the camera; ``_kernels.render_tiles`` inlines them.
"""

from __future__ import annotations

import math

import numpy as np

from ..._numba import kernel
from ...geometry._raycast_kernels import (
    MESH,
    _mesh,
    intersect_local,
)
from ._surface_kernels import (
    _part_ray,
    _sphere_missed,
)


@kernel
def shadow_cells(ab, radius, lo, inv_cell, n, start, flat, casters):
    """Fill the light-frame grid: ``start`` (n·n + 1) CSR offsets, ``flat`` part lists.
    Called twice: first with ``flat`` empty to count (returns the total), then to fill.
    Cells are found as in ``_grid_cell``, by multiplying with 1 / the cell size."""
    counts = np.zeros(n * n, np.int64)
    fill = flat.shape[0] > 0
    for k in range(ab.shape[0]):
        a0 = max(0, min(n - 1, int(np.floor((ab[k, 0] - radius[k] - lo[0]) * inv_cell))))
        a1 = max(0, min(n - 1, int(np.floor((ab[k, 0] + radius[k] - lo[0]) * inv_cell))))
        b0 = max(0, min(n - 1, int(np.floor((ab[k, 1] - radius[k] - lo[1]) * inv_cell))))
        b1 = max(0, min(n - 1, int(np.floor((ab[k, 1] + radius[k] - lo[1]) * inv_cell))))
        for a in range(a0, a1 + 1):
            for b in range(b0, b1 + 1):
                c = a * n + b
                if fill:
                    flat[start[c] + counts[c]] = casters[k]
                counts[c] += 1
    if not fill:
        start[0] = 0
        for c in range(n * n):
            start[c + 1] = start[c] + counts[c]
    return start[n * n]


@kernel(inline="always")
def _grid_cell(x, y, z, o0, o1, o2, e00, e01, e02, e10, e11, e12, inv_cell, grid_n):
    """Index of the light-frame grid cell holding a point, or -1 outside the grid (origin
    o, axes e0 and e1; ``inv_cell`` 1 / the cell size: two divisions per lit pixel were
    a measurable part of the shadow test)."""
    if grid_n == 0:
        return -1
    rx, ry, rz = x - o0, y - o1, z - o2
    a = rx * e00 + ry * e01 + rz * e02
    b = rx * e10 + ry * e11 + rz * e12
    ia = int(np.floor(a * inv_cell))
    ib = int(np.floor(b * inv_cell))
    if ia < 0 or ib < 0 or ia >= grid_n or ib >= grid_n:
        return -1
    return ia * grid_n + ib


@kernel
def _tile_may_be_shadowed(tb, tp, k0, n, ax, ay, az, cone, wx, wy, wz, reach, lx, ly, lz,
                          casters, bcenter, bradius, pad):
    """Can any caster shadow a point that a tile's pixels see? The points lie in the tile's
    cone of rays (world axis a, half-angle ``cone``) between the nearest and farthest hit
    distance t0, t1, so within R = t1·2·sin(cone/2) + (t1 − t0)/2 (+ ``reach``: how far
    the camera moves, and the shadow ray's offset) of the point at (t0 + t1)/2 on the axis.
    A caster's bounding sphere (b, r) can shadow a point x only if it lies towards the
    light from x within r of x's ray, so only if it lies so from that centre within r + R.
    On the benchmark's 20-primitive scene about two thirds of the hit pixels lie in tiles
    that no caster can shadow (counted with each tile's tightest sphere; this bound is a
    little looser): they skip the per-pixel test."""
    t0, t1 = np.inf, -np.inf
    for k in range(k0, k0 + n):
        if tp[k] >= 0:
            t0 = min(t0, tb[k])
            t1 = max(t1, tb[k])
    if t1 < t0:
        return False  # no hit: only sky
    m = 0.5 * (t0 + t1)
    cx, cy, cz = wx + m * ax, wy + m * ay, wz + m * az
    big_r = (t1 * 2.0 * math.sin(0.5 * cone) + 0.5 * (t1 - t0) + reach) * (1.0 + 1e-9) + 1e-9
    for j in range(casters.shape[0]):
        q = casters[j]
        dx, dy, dz = bcenter[q, 0] - cx, bcenter[q, 1] - cy, bcenter[q, 2] - cz
        proj = -(dx * lx + dy * ly + dz * lz)  # towards the light
        rr = bradius[q] + pad[q] + big_r
        if proj >= -rr and dx * dx + dy * dy + dz * dz - proj * proj <= rr * rr:
            return True
    return False


@kernel(inline="always")
def _may_shadow(px, py, pz, cell, p, lx, ly, lz, cell_start, cell_parts, kind, bcenter,
                bradius, pad):
    """Does the shadow ray from the point (towards -l, l the light's direction) meet the
    bounding sphere of a caster of its cell? (Testing boxes and spheres exactly here, inline,
    saved ~3 % of a frame but cost 15 s more compilation.)"""
    for jj in range(cell_start[cell], cell_start[cell + 1]):
        q = cell_parts[jj]
        if (q != p or kind[q] == MESH) and not _sphere_missed(
                bcenter, bradius, pad, q, px, py, pz, -lx, -ly, -lz, 0.0, np.inf):
            return True
    return False


@kernel(refcounts=False)
def _in_shadow(px, py, pz, cell, p, tau, light, cell_start, cell_parts, kind, rot, pos,
               params, bcenter, bradius, pad, vel, omega, mesh_node, mesh_tri, node_min,
               node_max, node_left, node_start, node_count, tris, stack):
    """Does anything lie between the point and the light? Only the casters listed in the
    point's cell of the light-frame grid are tested. A call, not inlined: a second inlined
    copy of the intersection code costs seconds of compilation. Compiled without reference
    counts (``kernel(refcounts=False)``): with them, each call updated the counts of its
    ~20 array arguments on entry and exit, atomically on counters both threads share,
    ~400 ns a call, about 1 ms of a 20-primitive frame."""
    for jj in range(cell_start[cell], cell_start[cell + 1]):
        q = cell_parts[jj]
        if q == p and kind[q] != MESH:
            continue  # a convex part cannot shadow its own lit side
        if _sphere_missed(bcenter, bradius, pad, q, px, py, pz, -light[0], -light[1],
                          -light[2], 0.0, np.inf):
            continue
        ox, oy, oz, dx, dy, dz = _part_ray(q, tau, rot, pos, vel, omega, px, py, pz,
                                           -light[0], -light[1], -light[2])
        if kind[q] == MESH:  # any hit will do: the first triangle found ends the walk
            p0, p1, p2 = params[q, 0], params[q, 1], params[q, 2]
            ts, _ = _mesh(ox / p0, oy / p1, oz / p2, dx / p0, dy / p1, dz / p2, mesh_node[q],
                          mesh_tri[q], node_min, node_max, node_left, node_start, node_count,
                          tris, 1e-6, np.inf, stack, True)
        else:
            ts, _, _, _, _ = intersect_local(kind[q], params[q, 0], params[q, 1],
                                             params[q, 2], mesh_node[q], mesh_tri[q], ox, oy,
                                             oz, dx, dy, dz, 1e-6, np.inf, node_min, node_max,
                                             node_left, node_start, node_count, tris, stack)
        if ts < np.inf:
            return True
    return False
