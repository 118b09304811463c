"""Numba kernels of the camera: tile binning, primary visibility, shading, shadows.

The image is cut into TILE×TILE pixel tiles; each tile's rays fit in a cone (computed once
per camera model), so a part can only be hit by a tile's rays if its bounding sphere meets
that cone. Per frame, ``bin_parts`` lists for each tile the parts that can be seen through
it, nearest first. ``render_tiles`` then works by strips of TILE image rows, in two passes:
visibility (``_visibility``), tile by tile, takes the listed parts one at a time and tests
all the tile's pixels against each in a loop specialised to its kind (branch-free, vector
code, for boxes and spheres), with the part's local frame computed once per image row
(rows share a time offset) rather than per ray, and stops at the first part whose nearest
possible distance lies beyond every pixel's hit; shading then walks the strip's image rows,
derives each pixel's normal from its hit point, casts its shadow ray (a grid in the
light's frame, ``shadow_grid``; skipped in tiles that no caster can shadow,
``_tile_may_be_shadowed``), applies texture and tone. Rays and the strip's buffers are
in strip order (shading.strip_order: each tile's pixels contiguous). Everything uses
the geometry core's intersection routines, so the camera sees exactly what the lidar sees.
Every pixel is independent: results do not depend on the thread count.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..._numba import kernel
from ...geometry._raycast_kernels import (
    BOX,
    CAPSULE,
    CYLINDER,
    MESH,
    SPHERE,
    STACK,
    _cylinder_side,
    _mesh,
    _sphere,
    normal_to_world,
)
from ._shadow_kernels import (
    _grid_cell,
    _in_shadow,
    _may_shadow,
    _tile_may_be_shadowed,
)
from ._surface_kernels import (
    _box_face,
    _box_normal,
    _box_t,
    _code,
    _cylinder_t,
    _local_normal,
    _mesh_albedo,
    _part_ray,
    _rotate,
    _sphere_t,
    _texture_mix,
    _world_ray,
)

TILE = 32  # measured against 8, 16 and 64: per-tile overheads vs. looser part lists


@kernel
def bin_parts(tile_axis, tile_cos, tile_sin, R_wc, cam_pos, bcenter, bradius, pad, near_order,
              out_lists, out_counts):
    """For each tile, the parts (in ``near_order``) whose bounding sphere, grown by ``pad``
    for motion during the exposure, meets the tile's cone of rays (half-angle h given as
    cos h, sin h): the sphere's direction a must satisfy a <= h + s with sin s = r / dist,
    i.e. cos a >= cos(h + s), evaluated without trigonometric calls. Serial: ~60 µs for
    300 tiles and 20 parts, where waking the threads for it cost more than that."""
    n_tiles = tile_axis.shape[0]
    for i in range(n_tiles):
        cx, cy, cz = tile_axis[i, 0], tile_axis[i, 1], tile_axis[i, 2]
        ax = R_wc[0, 0] * cx + R_wc[0, 1] * cy + R_wc[0, 2] * cz
        ay = R_wc[1, 0] * cx + R_wc[1, 1] * cy + R_wc[1, 2] * cz
        az = R_wc[2, 0] * cx + R_wc[2, 1] * cy + R_wc[2, 2] * cz
        count = 0
        for j in range(near_order.shape[0]):
            p = near_order[j]
            vx = bcenter[p, 0] - cam_pos[0]
            vy = bcenter[p, 1] - cam_pos[1]
            vz = bcenter[p, 2] - cam_pos[2]
            dist = math.sqrt(vx * vx + vy * vy + vz * vz)
            r = bradius[p] + pad[p]
            keep = dist <= r
            if not keep:
                sin_s = r / dist
                cos_s = math.sqrt(1.0 - sin_s * sin_s)
                cos_hs = tile_cos[i] * cos_s - tile_sin[i] * sin_s
                keep = (ax * vx + ay * vy + az * vz) / dist >= cos_hs or tile_cos[i] < 0.0
            if keep:
                out_lists[i, count] = p
                count += 1
        out_counts[i] = count


@kernel(refcounts=False)
def _part_frame(p, tau, rot, pos, vel, omega, R_wc, cam_pos, cam_vel, cam_omega, f):
    """The camera's rays in part p's frame at time offset tau, written to ``f`` (12,):
    f[0:9] the row-major 3×3 matrix taking an optical-frame ray to the part frame, f[9:12]
    the camera centre there. A ray's local form is linear in its optical direction, so the
    matrix's columns are the local forms of the optical axes (camera turned by its angular
    velocity, part moved and turned by its own, exactly as ``_part_ray`` does per ray)."""
    wx = cam_pos[0] + cam_vel[0] * tau
    wy = cam_pos[1] + cam_vel[1] * tau
    wz = cam_pos[2] + cam_vel[2] * tau
    ox = oy = oz = 0.0
    for k in range(3):
        ux, uy, uz = R_wc[0, k], R_wc[1, k], R_wc[2, k]
        if tau != 0.0:
            ux, uy, uz = _rotate(cam_omega[0], cam_omega[1], cam_omega[2], tau, ux, uy, uz)
        ox, oy, oz, dx, dy, dz = _part_ray(p, tau, rot, pos, vel, omega, wx, wy, wz,
                                           ux, uy, uz)
        f[k], f[3 + k], f[6 + k] = dx, dy, dz
    f[9], f[10], f[11] = ox, oy, oz


@kernel(inline="always")
def _tile_far(tb, tx0, tw, th):
    """The farthest current hit distance among a tile's pixels (strip order: the tile's
    th·tw pixels start at tx0·th)."""
    far = 0.0
    for k in range(tx0 * th, tx0 * th + tw * th):
        far = max(far, tb[np.uint64(k)])
    return far


@kernel(inline="always")
def _bundle_slab(o, lo, hi, bmin, bmax, t0, t1):
    """Narrow (t0, t1) to the t where some ray o + t·d, d in [lo, hi], lies within the slab
    [bmin, bmax] on one axis: o + t·hi >= bmin and o + t·lo <= bmax (each a half-line in
    t >= 0). An empty span comes back as t0 > t1."""
    if o < bmin:
        if hi <= 0.0:
            return np.inf, t1
        t0 = max(t0, (bmin - o) / hi)
    elif hi < 0.0:
        t1 = min(t1, (bmin - o) / hi)
    if o > bmax:
        if lo >= 0.0:
            return np.inf, t1
        t0 = max(t0, (bmax - o) / lo)
    elif lo > 0.0:
        t1 = min(t1, (bmax - o) / lo)
    return t0, t1


@kernel(inline="always")
def _bundle_misses(ox, oy, oz, lx, ly, lz, ux, uy, uz, far, node_min, node_max, n):
    """Do all rays o + t·d, d within [l, u] per axis, miss node n's box for t in
    [0, far]? The box is grown by a margin far above rounding, so that the bundle misses
    it only where each ray's own box test would."""
    n = np.uint64(n)
    x0, y0, z0 = node_min[n, 0], node_min[n, 1], node_min[n, 2]
    x1, y1, z1 = node_max[n, 0], node_max[n, 1], node_max[n, 2]
    eps = 1e-7 * (abs(ox) + abs(oy) + abs(oz) + (x1 - x0) + (y1 - y0) + (z1 - z0)) + 1e-9
    t0, t1 = _bundle_slab(ox, lx, ux, x0 - eps, x1 + eps, 0.0, far * (1.0 + 1e-7) + 1e-9)
    t0, t1 = _bundle_slab(oy, ly, uy, y0 - eps, y1 + eps, t0, t1)
    t0, t1 = _bundle_slab(oz, lz, uz, z0 - eps, z1 + eps, t0, t1)
    return t0 > t1


@kernel(inline="always", error_model="numpy")
def _row_entry(m00, m01, m02, m10, m11, m12, m20, m21, m22, ox, oy, oz, rays, base, kb, tw,
               tb, node_min, node_max, node_left, node_count, root):
    """Where a tile row's rays enter a mesh's BVH: the deepest node (relative to ``root``)
    outside of whose subtree none of them can hit anything before its current hit, or -1
    when they all miss the mesh. The row's local directions are bounded per axis by an
    interval and the bundle of rays with such directions is slab-tested as one (interval
    arithmetic), from the root down while only one child is met. Each ray's own walk then
    starts there: it skips only subtrees it cannot hit, in the same order, so the image is
    unchanged. Most rows of a tile that a mesh's bounding sphere touches miss its box
    (long façades, road strips, a car's corners), and a row that meets a large mesh meets
    only a strip of it."""
    lx = ly = lz = np.inf
    ux = uy = uz = -np.inf
    far = 0.0
    for c in range(tw):
        i = np.uint64(base + c)
        rx, ry, rz = rays[0, i], rays[1, i], rays[2, i]
        dx = m00 * rx + m01 * ry + m02 * rz
        dy = m10 * rx + m11 * ry + m12 * rz
        dz = m20 * rx + m21 * ry + m22 * rz
        lx, ux = min(lx, dx), max(ux, dx)
        ly, uy = min(ly, dy), max(uy, dy)
        lz, uz = min(lz, dz), max(uz, dz)
        far = max(far, tb[np.uint64(kb + c)])
    if _bundle_misses(ox, oy, oz, lx, ly, lz, ux, uy, uz, far, node_min, node_max, root):
        return -1
    n = 0
    while node_count[np.uint64(root + n)] == 0:
        a = node_left[np.uint64(root + n)]
        miss_a = _bundle_misses(ox, oy, oz, lx, ly, lz, ux, uy, uz, far, node_min, node_max,
                                root + a)
        miss_b = _bundle_misses(ox, oy, oz, lx, ly, lz, ux, uy, uz, far, node_min, node_max,
                                root + a + 1)
        if miss_a and miss_b:
            return -1
        if miss_a == miss_b:
            break
        n = a + 1 if miss_a else a
    return n


@kernel(inline="always", error_model="numpy")
def _convex_row(kp, p, p0, p1, p2, frames, r, near, rays, inv_rz, base, kb, tw, tb, tp, hx, hy,
                hz):
    """Test one tile row's pixels against a box, sphere or cylinder (``kp`` a constant at each
    call, so that each call site compiles to its own loop; capsules, rarer, stay in the
    per-pixel loop: each of these loops adds to the first compilation).
    Branch-free tests and selects: the loop compiles to vector code (no calls, no exits);
    the ground's box is tested at every pixel."""
    m00, m01, m02 = frames[r, 0], frames[r, 1], frames[r, 2]
    m10, m11, m12 = frames[r, 3], frames[r, 4], frames[r, 5]
    m20, m21, m22 = frames[r, 6], frames[r, 7], frames[r, 8]
    ox, oy, oz = frames[r, 9], frames[r, 10], frames[r, 11]
    for c in range(tw):
        # unsigned: no negative-index wraparound, whose selects kept LLVM from bounding the
        # accesses (and so from vectorising)
        i = np.uint64(base + c)
        k = np.uint64(kb + c)
        rx, ry, rz = rays[0, i], rays[1, i], rays[2, i]
        dx = m00 * rx + m01 * ry + m02 * rz
        dy = m10 * rx + m11 * ry + m12 * rz
        dz = m20 * rx + m21 * ry + m22 * rz
        best = tb[k]
        t_min = near * inv_rz[i]
        if kp == BOX:
            t = _box_t(ox, oy, oz, dx, dy, dz, p0, p1, p2, t_min, best)
        elif kp == SPHERE:
            t = _sphere_t(ox, oy, oz, dx, dy, dz, p0, t_min, best)
        else:
            t = _cylinder_t(ox, oy, oz, dx, dy, dz, p0, p1, t_min, best)
        nearer = t < best
        tb[k] = t
        tp[k] = p if nearer else tp[k]
        hx[k] = ox + t * dx if nearer else hx[k]
        hy[k] = oy + t * dy if nearer else hy[k]
        hz[k] = oz + t * dz if nearer else hz[k]


@kernel(error_model="numpy", refcounts=False)
def _visibility(tile, tx0, ty0, tw, th, n_list, rays, inv_rz, width, row_time, R_wc,
                cam_pos, cam_vel, cam_omega, near, tile_lists, near_bound, kind, rot, pos,
                params, vel, omega, mesh_node, mesh_tri, node_min, node_max, node_left,
                node_start, node_count, tris, tb, tp, ta, hx, hy, hz, frames, stack):
    """Nearest hit of every pixel of one tile: part by part (nearest first), each tested
    against all the tile's pixels in a loop specialised to its kind, with the part's
    local frame computed once per distinct row time (rolling shutter, blur offset) instead
    of once per ray. ``tb`` holds each pixel's far limit on entry and its hit distance on
    return; ``tp`` the hit part (-1 none), ``ta`` the hit triangle of a mesh, ``hx``, ``hy``,
    ``hz`` the hit point in the part's frame (what shading needs of the ray). (Three
    arrays, not one (3, n): selects into the rows of one 2D array kept the box loop from
    vectorising well, 9.5 against 3.3 ns a pixel in a micro-benchmark.)"""
    # The farthest hit so far, known only after the first part (the far plane is rarely
    # what stops the list; the first part's test rejects anything beyond it anyway), and
    # recomputed only when another part follows: most tiles list one part, the ground.
    tile_far = np.inf
    for j in range(n_list):
        p = tile_lists[tile, j]
        if j > 0:
            tile_far = _tile_far(tb, tx0, tw, th)
        if near_bound[p] > tile_far:
            break  # parts are listed nearest first: none further can be nearer
        kp = kind[p]
        p0, p1, p2 = params[p, 0], params[p, 1], params[p, 2]
        for r in range(th):
            tau = row_time[ty0 + r]
            if r > 0 and tau == row_time[ty0 + r - 1]:
                for q in range(12):
                    frames[r, q] = frames[r - 1, q]
                continue
            _part_frame(p, tau, rot, pos, vel, omega, R_wc, cam_pos, cam_vel, cam_omega,
                        frames[r])
            if kp == MESH:  # the BVH is in unscaled mesh units: fold the scale in
                for q in range(3):
                    frames[r, q] /= p0
                    frames[r, 3 + q] /= p1
                    frames[r, 6 + q] /= p2
                frames[r, 9] /= p0
                frames[r, 10] /= p1
                frames[r, 11] /= p2
        for r in range(th):
            kb = tx0 * th + r * tw  # strip order (shading.strip_order)
            base = ty0 * width + kb
            # one loop per kind (a shared loop computed every kind's test at every pixel)
            if kp == BOX:
                _convex_row(BOX, p, p0, p1, p2, frames, r, near, rays, inv_rz, base, kb, tw,
                            tb, tp, hx, hy, hz)
                continue
            if kp == SPHERE:
                _convex_row(SPHERE, p, p0, p1, p2, frames, r, near, rays, inv_rz, base, kb,
                            tw, tb, tp, hx, hy, hz)
                continue
            if kp == CYLINDER:
                _convex_row(CYLINDER, p, p0, p1, p2, frames, r, near, rays, inv_rz, base, kb,
                            tw, tb, tp, hx, hy, hz)
                continue
            m00, m01, m02 = frames[r, 0], frames[r, 1], frames[r, 2]
            m10, m11, m12 = frames[r, 3], frames[r, 4], frames[r, 5]
            m20, m21, m22 = frames[r, 6], frames[r, 7], frames[r, 8]
            ox, oy, oz = frames[r, 9], frames[r, 10], frames[r, 11]
            entry = 0
            if kp == MESH:
                entry = _row_entry(m00, m01, m02, m10, m11, m12, m20, m21, m22, ox, oy, oz,
                                   rays, base, kb, tw, tb, node_min, node_max, node_left,
                                   node_count, mesh_node[p])
                if entry < 0:
                    continue
            for c in range(tw):
                i = base + c
                k = kb + c
                rx, ry, rz = rays[0, i], rays[1, i], rays[2, i]
                dx = m00 * rx + m01 * ry + m02 * rz
                dy = m10 * rx + m11 * ry + m12 * rz
                dz = m20 * rx + m21 * ry + m22 * rz
                t_min = near * inv_rz[i]
                best = tb[k]
                tri = -1
                # one branch per kind, each inlining only its own test
                if kp == CAPSULE:
                    t = _cylinder_side(ox, oy, oz, dx, dy, dz, p0, p1, t_min, best)
                    t = _sphere(ox, oy, oz + p1, dx, dy, dz, p0, -1.0, t_min, t)
                    t = _sphere(ox, oy, oz - p1, dx, dy, dz, p0, 1.0, t_min, t)
                else:
                    t, tri = _mesh(ox, oy, oz, dx, dy, dz, mesh_node[p], mesh_tri[p],
                                   node_min, node_max, node_left, node_start, node_count,
                                   tris, t_min, best, stack, False, entry)
                if t < best:
                    tb[k] = t
                    tp[k] = p
                    ta[k] = tri
                    hx[k] = ox + t * dx
                    hy[k] = oy + t * dy
                    hz[k] = oz + t * dz
                    if kp == MESH:  # back from the BVH's unscaled units
                        hx[k] *= p0
                        hy[k] *= p1
                        hz[k] *= p2


@kernel
def strip_schedule(n_strips, n_thr):
    """The strips in the order a parallel loop takes them: by residue modulo the thread
    count (0, T, 2T, ..., 1, T+1, ...), since prange hands each thread a contiguous block of
    iterations and this spreads every thread's share over the whole image (sky strips at
    the top cost a fraction of the ones holding objects). Measured 7-10 %."""
    strips = np.empty(n_strips, np.int64)
    j = 0
    for residue in range(n_thr):
        for strip in range(residue, n_strips, n_thr):
            strips[j] = strip
            j += 1
    return strips


@kernel(parallel=True, error_model="numpy")
def render_tiles(rays, inv_rz, width, height, row_time, R_wc, cam_pos, cam_vel, cam_omega,
                 near, far, tile_lists, tile_counts, near_bound,
                 kind, rot, pos, params, bcenter, bradius, pad, vel, omega, mesh_node,
                 mesh_tri, node_min, node_max, node_left, node_start, node_count, tris,
                 albedo, albedo2, tex_kind, tex_scale, tex_axis, instance, semantic,
                 look_offset, look_color, tri_part, tri_uv, tri_color, tri_texture, tri_label,
                 tex_texels, tex_start, tex_width, tex_height,
                 light, ambient, intensity, shadows, bg_top, bg_bottom,
                 grid_origin, grid_axes, inv_cell, grid_n, cell_start, cell_parts, casters,
                 tile_axis, tile_cone, reach,
                 fused, thresholds, code_start, want_normal, want_t, want_label, n_thr,
                 out_rgb, out_u8, out_t, out_depth, out_part, out_inst, out_sem, out_normal,
                 out_label):
    """Render every pixel of every tile: nearest hit, normal (camera frame), colour.

    Mesh pixels take their albedo from their triangle's look (``_mesh_albedo``: palette
    colour, corner colours, texture) and, with ``want_label``, their part label
    (``tri_label``) into ``out_label`` (0 elsewhere).

    ``rays`` (3, H·W) unit optical-frame rays by component and ``inv_rz`` (H·W,) their
    1 / z, both in strip order (shading.strip_order: each tile's pixels contiguous);
    ``row_time`` (H,) time offsets (rolling shutter, motion-blur sample) at which parts and
    camera are posed for each image row; ``albedo`` linear RGB. With ``fused`` the tone
    curve and 8-bit quantisation run here (``thresholds`` and ``code_start`` from
    effects.code_tables, so the codes are exactly develop()'s on the same float32
    values) and ``out_u8`` is written instead of the linear ``out_rgb``. Without
    ``want_normal`` (``want_t``) ``out_normal`` (``out_t`` and ``out_part``) are left
    alone. ``casters`` lists the parts that cast shadows, ``tile_axis`` and ``tile_cone``
    give each tile's cone of rays (optical-frame axis, half-angle widened by the camera's
    turn) and ``reach`` how far a shadow ray's origin may lie outside it (camera travel,
    normal offset). ``n_thr`` is numba.get_num_threads() (passed in: calling it here makes the
    kernel uncachable).
    """
    tiles_x = (width + TILE - 1) // TILE
    # Work goes by strips of TILE image rows: visibility tile by tile into the strip's
    # buffers, then shading along whole image rows. Walking the row-major outputs tile by
    # tile (32 rows of 32 pixels each) measured 3-4x slower for the same stores: every tile
    # touches 32 rows of every output array, which collide in the caches and the TLB.
    n_strips = (height + TILE - 1) // TILE
    strips = strip_schedule(n_strips, n_thr)
    # Constants the shading loop reads per pixel, as scalars: read from their arrays, they
    # were reloaded after every store (Numba cannot tell the arrays apart).
    c00, c01, c02 = R_wc[0, 0], R_wc[0, 1], R_wc[0, 2]
    c10, c11, c12 = R_wc[1, 0], R_wc[1, 1], R_wc[1, 2]
    c20, c21, c22 = R_wc[2, 0], R_wc[2, 1], R_wc[2, 2]
    l0, l1, l2 = light[0], light[1], light[2]
    sky0, sky1, sky2 = bg_bottom[0], bg_bottom[1], bg_bottom[2]
    dsky0 = bg_top[0] - bg_bottom[0]
    dsky1 = bg_top[1] - bg_bottom[1]
    dsky2 = bg_top[2] - bg_bottom[2]
    go0, go1, go2 = grid_origin[0], grid_origin[1], grid_origin[2]
    ge00, ge01, ge02 = grid_axes[0, 0], grid_axes[0, 1], grid_axes[0, 2]
    ge10, ge11, ge12 = grid_axes[1, 0], grid_axes[1, 1], grid_axes[1, 2]
    for j in numba.prange(n_strips):
        strip = strips[j]
        ty0 = strip * TILE
        th = min(TILE, height - ty0)
        stack = np.empty(STACK, np.int32)
        tb = np.empty(th * width)
        tp = np.empty(th * width, np.int32)
        ta = np.empty(th * width, np.int32)
        hx = np.empty(th * width)
        hy = np.empty(th * width)
        hz = np.empty(th * width)
        frames = np.empty((TILE, 12))
        may_shadow = np.zeros(tiles_x, np.bool_)  # per tile: can a caster shadow it?
        first = ty0 * width
        for k in range(th * width):
            tb[k] = far * inv_rz[first + k]
            tp[k] = -1
        for tx in range(tiles_x):
            tile = strip * tiles_x + tx
            tx0 = tx * TILE
            _visibility(tile, tx0, ty0, min(TILE, width - tx0), th, tile_counts[tile], rays,
                        inv_rz, width, row_time, R_wc, cam_pos, cam_vel, cam_omega, near,
                        tile_lists, near_bound, kind, rot, pos, params, vel, omega, mesh_node,
                        mesh_tri, node_min, node_max, node_left, node_start, node_count, tris,
                        tb, tp, ta, hx, hy, hz, frames, stack)
            if shadows:
                a0, a1, a2 = tile_axis[tile, 0], tile_axis[tile, 1], tile_axis[tile, 2]
                may_shadow[tx] = _tile_may_be_shadowed(
                    tb, tp, tx0 * th, min(TILE, width - tx0) * th, c00 * a0 + c01 * a1 + c02 * a2,
                    c10 * a0 + c11 * a1 + c12 * a2, c20 * a0 + c21 * a1 + c22 * a2,
                    tile_cone[tile], cam_pos[0], cam_pos[1], cam_pos[2], reach, l0, l1, l2,
                    casters, bcenter, bradius, pad)
        for r in range(th):
            v = ty0 + r
            tau = row_time[v]
            wx, wy, wz = cam_pos[0], cam_pos[1], cam_pos[2]
            if tau != 0.0:  # the camera itself moves during the exposure/readout
                wx += cam_vel[0] * tau
                wy += cam_vel[1] * tau
                wz += cam_vel[2] * tau
            # the row's outputs as 1D views: one base pointer each, no 2D index per store
            row_t, row_part = out_t[v if want_t else 0], out_part[v if want_t else 0]
            row_depth = out_depth[v]
            row_inst, row_sem = out_inst[v], out_sem[v]
            row_u8 = out_u8[v if fused else 0]
            row_rgb = out_rgb[0 if fused else v]
            row_normal = out_normal[v if want_normal else 0]
            row_label = out_label[v if want_label else 0]
            # the codes of the last colour along the row: runs of equal values (sky gradient
            # steps, a lit plane) skip the tone lookup
            last_r = last_g = last_b = np.float32(-1.0)
            code_r = code_g = code_b = np.uint8(0)
            # the last part's constants: neighbouring pixels mostly show the same part, and
            # reloading them per pixel (each load an indexed access) cost more than the
            # shading arithmetic
            last_p = -1
            # and the last box face's (axis, sign) and its normal, facing the camera
            last_axis, last_sign = -1, 0.0
            fnx = fny = fnz = 0.0
            kp = tk = inst_p = 0
            sem_p = np.int16(0)
            q0 = q1 = q2 = a0 = a1 = a2 = b0 = b1 = b2 = 0.0
            r00 = r01 = r02 = r10 = r11 = r12 = r20 = r21 = r22 = 0.0
            for tx in range(tiles_x):
                tx0 = tx * TILE
                tw = min(TILE, width - tx0)
                kb = tx0 * th + r * tw  # strip order: the tile's row r
                shadow_tile = may_shadow[tx]
                for c in range(tw):
                    u = tx0 + c
                    k = kb + c
                    i = first + k
                    rcx, rcy, rcz = rays[0, i], rays[1, i], rays[2, i]
                    p = tp[k]
                    best = tb[k]
                    nx = ny = nz = 0.0
                    # the world ray, computed only where needed: a pixel of a box face
                    # already seen along the row needs it only for its shadow ray
                    ux = uy = uz = 0.0
                    have_u = False
                    if p < 0:  # sky: the background gradient by elevation
                        if tau == 0.0:
                            uz = c20 * rcx + c21 * rcy + c22 * rcz
                        else:
                            ux, uy, uz = _world_ray(c00, c01, c02, c10, c11, c12, c20, c21,
                                                    c22, rcx, rcy, rcz, tau, cam_omega)
                        f = 0.5 * (1.0 + uz)
                        cr = sky0 + f * dsky0
                        cg = sky1 + f * dsky1
                        cb = sky2 + f * dsky2
                        if want_t:
                            row_t[u] = np.inf
                            row_part[u] = -1
                        row_depth[u] = 0.0
                        row_inst[u] = 0
                        row_sem[u] = 0
                        if want_label:
                            row_label[u] = 0
                    else:
                        if p != last_p:
                            last_p = p
                            last_axis = -1
                            kp, tk = kind[p], tex_kind[p]
                            inst_p, sem_p = instance[p], semantic[p]
                            q0, q1, q2 = params[p, 0], params[p, 1], params[p, 2]
                            a0, a1, a2 = albedo[p, 0], albedo[p, 1], albedo[p, 2]
                            b0, b1, b2 = albedo2[p, 0], albedo2[p, 1], albedo2[p, 2]
                            r00, r01, r02 = rot[p, 0, 0], rot[p, 0, 1], rot[p, 0, 2]
                            r10, r11, r12 = rot[p, 1, 0], rot[p, 1, 1], rot[p, 1, 2]
                            r20, r21, r22 = rot[p, 2, 0], rot[p, 2, 1], rot[p, 2, 2]
                        lx, ly, lz = hx[k], hy[k], hz[k]  # the hit point, part frame
                        if kp == BOX:  # most pixels: a column of the cached rotation
                            axis, sign = _box_face(q0, q1, q2, lx, ly, lz)
                            if axis == last_axis and sign == last_sign and tau == 0.0:
                                # the face the previous pixel showed: a static camera sees
                                # a plane from one side only, so the same facing normal
                                nx, ny, nz = fnx, fny, fnz
                            else:
                                ux, uy, uz = _world_ray(c00, c01, c02, c10, c11, c12, c20,
                                                        c21, c22, rcx, rcy, rcz, tau,
                                                        cam_omega)
                                have_u = True
                                nx, ny, nz = _box_normal(axis, sign, r00, r01, r02, r10, r11,
                                                         r12, r20, r21, r22)
                                if nx * ux + ny * uy + nz * uz > 0.0:  # face the ray
                                    nx, ny, nz = -nx, -ny, -nz
                                last_axis, last_sign = axis, sign
                                fnx, fny, fnz = nx, ny, nz
                        else:
                            ux, uy, uz = _world_ray(c00, c01, c02, c10, c11, c12, c20, c21,
                                                    c22, rcx, rcy, rcz, tau, cam_omega)
                            have_u = True
                            nlx, nly, nlz = _local_normal(kp, q0, q1, q2, lx, ly, lz, ta[k],
                                                          tris)
                            nx, ny, nz = normal_to_world(rot[p], nlx, nly, nlz, ux, uy, uz)
                        if tau != 0.0:
                            nx, ny, nz = _rotate(omega[p, 0], omega[p, 1], omega[p, 2], tau,
                                                 nx, ny, nz)
                        lambert = -(nx * l0 + ny * l1 + nz * l2)
                        if lambert > 0.0 and shadow_tile:
                            if not have_u:
                                ux, uy, uz = _world_ray(c00, c01, c02, c10, c11, c12, c20,
                                                        c21, c22, rcx, rcy, rcz, tau,
                                                        cam_omega)
                            px = wx + best * ux + 1e-5 * nx
                            py = wy + best * uy + 1e-5 * ny
                            pz = wz + best * uz + 1e-5 * nz
                            cell = _grid_cell(px, py, pz, go0, go1, go2, ge00, ge01, ge02,
                                              ge10, ge11, ge12, inv_cell, grid_n)
                            # only points whose shadow ray meets a caster's bounding sphere
                            # pay for the shadow-ray call (a call passes ~20 arrays: ~100 ns)
                            if cell >= 0 and _may_shadow(
                                    px, py, pz, cell, p, l0, l1, l2, cell_start, cell_parts,
                                    kind, bcenter, bradius, pad) and _in_shadow(
                                    px, py, pz, cell, p, tau, light, cell_start, cell_parts,
                                    kind, rot, pos, params, bcenter, bradius, pad, vel, omega,
                                    mesh_node, mesh_tri, node_min, node_max, node_left,
                                    node_start, node_count, tris, stack):
                                lambert = 0.0
                        shade = ambient + intensity * max(lambert, 0.0)
                        al0, al1, al2 = a0, a1, a2
                        if kp == MESH:
                            tri = ta[k]
                            al0, al1, al2 = _mesh_albedo(
                                tri, lx / q0, ly / q1, lz / q2, look_offset[p], tris,
                                look_color, tri_part, tri_uv, tri_color, tri_texture,
                                tex_texels, tex_start, tex_width, tex_height)
                            if want_label:
                                row_label[u] = tri_label[tri]
                        elif want_label:
                            row_label[u] = 0
                        mix = 0.0
                        if tk != 0:  # a call per pixel costs more than the shading
                            mix = _texture_mix(tk, tex_scale[p], tex_axis[p], lx, ly, lz)
                        cr = shade * (al0 + mix * (b0 - al0))
                        cg = shade * (al1 + mix * (b1 - al1))
                        cb = shade * (al2 + mix * (b2 - al2))
                        if want_t:
                            row_t[u] = best
                            row_part[u] = p
                        row_depth[u] = best * rcz
                        row_inst[u] = inst_p
                        row_sem[u] = sem_p
                    fr, fg, fb = np.float32(cr), np.float32(cg), np.float32(cb)
                    if fused:
                        if fr != last_r:
                            last_r, code_r = fr, _code(fr, thresholds, code_start)
                        if fg != last_g:
                            last_g, code_g = fg, _code(fg, thresholds, code_start)
                        if fb != last_b:
                            last_b, code_b = fb, _code(fb, thresholds, code_start)
                        row_u8[u, 0] = code_r
                        row_u8[u, 1] = code_g
                        row_u8[u, 2] = code_b
                    else:
                        row_rgb[u, 0] = fr
                        row_rgb[u, 1] = fg
                        row_rgb[u, 2] = fb
                    if want_normal:  # normal in the optical frame: R_wcᵀ n (0 for the sky)
                        row_normal[u, 0] = c00 * nx + c10 * ny + c20 * nz
                        row_normal[u, 1] = c01 * nx + c11 * ny + c21 * nz
                        row_normal[u, 2] = c02 * nx + c12 * ny + c22 * nz
