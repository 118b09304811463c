"""Numba kernels of the camera: tile binning, primary visibility, shading, shadows.

The image is cut into TILE×TILE pixel tiles; each tile's rays fit in a cone (computed once
per camera model), so a part can only be hit by a tile's rays if its bounding sphere meets
that cone. Per frame, ``bin_parts`` lists for each tile the parts that can be seen through
it, nearest first, and ``render_tiles`` casts each pixel's ray against its tile's list only,
stopping at the first part whose nearest possible distance lies beyond the current hit.
Shadow rays use a grid in the light's frame (``shadow_grid``). Everything goes through the
shared intersection routine of the geometry core, so the camera sees exactly what the lidar
sees. Every pixel is independent: results do not depend on the thread count.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .._numba import kernel
from ..geometry._raycast_kernels import (
    MESH,
    STACK,
    intersect_local,
    normal_to_world,
    rotate_into,
    to_local,
)

TILE = 16


@kernel(parallel=True)
def bin_parts(tile_axis, tile_cos, tile_sin, R_wc, cam_pos, bcenter, bradius, pad, near_order,
              out_lists, out_counts):
    """For each tile, the parts (in ``near_order``) whose bounding sphere, grown by ``pad``
    for motion during the exposure, meets the tile's cone of rays (half-angle h given as
    cos h, sin h): the sphere's direction a must satisfy a <= h + s with sin s = r / dist,
    i.e. cos a >= cos(h + s), evaluated without trigonometric calls."""
    n_tiles = tile_axis.shape[0]
    for i in numba.prange(n_tiles):
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


@kernel
def shadow_cells(ab, radius, lo, cell, n, start, flat, casters):
    """Fill the light-frame grid: ``start`` (n·n + 1) CSR offsets, ``flat`` part lists.
    Called twice: first with ``flat`` empty to count (returns the total), then to fill."""
    counts = np.zeros(n * n, np.int64)
    fill = flat.shape[0] > 0
    for k in range(ab.shape[0]):
        a0 = max(0, min(n - 1, int(np.floor((ab[k, 0] - radius[k] - lo[0]) / cell))))
        a1 = max(0, min(n - 1, int(np.floor((ab[k, 0] + radius[k] - lo[0]) / cell))))
        b0 = max(0, min(n - 1, int(np.floor((ab[k, 1] - radius[k] - lo[1]) / cell))))
        b1 = max(0, min(n - 1, int(np.floor((ab[k, 1] + radius[k] - lo[1]) / cell))))
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
def _code(value, thresholds, start):
    """8-bit code of a linear value through the tone curve (see image_effects.code_tables)."""
    x = np.float64(value)
    if not x > 0.0:
        x = 0.0
    elif x > 1.0:
        x = 1.0
    code = np.int64(start[int(x * (start.shape[0] - 1))])
    while x >= thresholds[code + 1]:
        code += 1
    return np.uint8(code)


@kernel(inline="always")
def _sphere_missed(bcenter, bradius, pad, p, wx, wy, wz, ux, uy, uz, t_min, best):
    """Cheap rejection: the ray cannot meet part p's (motion-grown) bounding sphere in
    (t_min, best)."""
    cx = bcenter[p, 0] - wx
    cy = bcenter[p, 1] - wy
    cz = bcenter[p, 2] - wz
    proj = cx * ux + cy * uy + cz * uz
    d2 = cx * cx + cy * cy + cz * cz - proj * proj
    rr = bradius[p] + pad[p]
    return d2 > rr * rr or proj + rr < t_min or proj - rr > best


@kernel(inline="always")
def _rotate(wx, wy, wz, tau, x, y, z):
    """Rotate (x, y, z) by the rotation of angular velocity w over tau (Rodrigues)."""
    a = math.sqrt(wx * wx + wy * wy + wz * wz) * tau
    if a == 0.0:
        return x, y, z
    n = math.sqrt(wx * wx + wy * wy + wz * wz)
    kx, ky, kz = wx / n, wy / n, wz / n
    c, s = math.cos(a), math.sin(a)
    dot = kx * x + ky * y + kz * z
    cx, cy, cz = ky * z - kz * y, kz * x - kx * z, kx * y - ky * x
    return (x * c + cx * s + kx * dot * (1 - c), y * c + cy * s + ky * dot * (1 - c),
            z * c + cz * s + kz * dot * (1 - c))


@kernel(inline="always")
def _part_ray(p, tau, rot, pos, vel, omega, wx, wy, wz, ux, uy, uz):
    """The world ray in part p's frame at time offset tau (the part moved by v·tau and turned
    by omega·tau about its origin). The moving case is a call, not inlined code: it is the
    rare path, and inlining it everywhere costs seconds of compilation."""
    if tau == 0.0 or (vel[p, 0] == 0.0 and vel[p, 1] == 0.0 and vel[p, 2] == 0.0
                      and omega[p, 0] == 0.0 and omega[p, 1] == 0.0 and omega[p, 2] == 0.0):
        return to_local(rot[p], pos[p], wx, wy, wz, ux, uy, uz)
    return _moving_part_ray(p, tau, rot, pos, vel, omega, wx, wy, wz, ux, uy, uz)


@kernel
def _moving_part_ray(p, tau, rot, pos, vel, omega, wx, wy, wz, ux, uy, uz):
    qx = wx - pos[p, 0] - vel[p, 0] * tau
    qy = wy - pos[p, 1] - vel[p, 1] * tau
    qz = wz - pos[p, 2] - vel[p, 2] * tau
    qx, qy, qz = _rotate(omega[p, 0], omega[p, 1], omega[p, 2], -tau, qx, qy, qz)
    dx, dy, dz = _rotate(omega[p, 0], omega[p, 1], omega[p, 2], -tau, ux, uy, uz)
    return rotate_into(rot[p], qx, qy, qz, dx, dy, dz)


@kernel
def _hash(ix, iy, iz):
    h = (ix * 73856093) ^ (iy * 19349663) ^ (iz * 83492791)
    h = (h ^ (h >> 13)) * 1274126177
    return ((h ^ (h >> 16)) & 0xFFFFFF) / 16777215.0


@kernel
def _value_noise(x, y, z):
    """Smooth 3D value noise in [0, 1] (trilinear over a hashed integer lattice)."""
    fx, fy, fz = math.floor(x), math.floor(y), math.floor(z)
    ix, iy, iz = int(fx), int(fy), int(fz)
    tx, ty, tz = x - fx, y - fy, z - fz
    tx, ty, tz = tx * tx * (3 - 2 * tx), ty * ty * (3 - 2 * ty), tz * tz * (3 - 2 * tz)
    acc = 0.0
    for dx in range(2):
        for dy in range(2):
            for dz in range(2):
                w = (tx if dx else 1 - tx) * (ty if dy else 1 - ty) * (tz if dz else 1 - tz)
                acc += w * _hash(ix + dx, iy + dy, iz + dz)
    return acc


@kernel
def _texture_mix(kind, scale, axis, lx, ly, lz):
    """How much of the second colour a point (part frame, metres) shows: 0..1."""
    if kind == 1:  # checker
        s = np.floor(lx / scale) + np.floor(ly / scale) + np.floor(lz / scale)
        return float(int(s) & 1)
    if kind == 2:  # stripes across the local axis
        c = lx if axis == 0 else (ly if axis == 1 else lz)
        return float(int(np.floor(c / scale)) & 1)
    if kind == 3:  # two octaves of value noise
        n = 0.65 * _value_noise(lx / scale, ly / scale, lz / scale)
        n += 0.35 * _value_noise(2 * lx / scale + 17.0, 2 * ly / scale, 2 * lz / scale)
        return n
    return 0.0


@kernel(inline="always")
def _grid_cell(x, y, z, grid_origin, grid_axes, grid_cell, grid_n):
    """Index of the light-frame grid cell holding a point, or -1 outside the grid."""
    if grid_n == 0:
        return -1
    rx, ry, rz = x - grid_origin[0], y - grid_origin[1], z - grid_origin[2]
    a = rx * grid_axes[0, 0] + ry * grid_axes[0, 1] + rz * grid_axes[0, 2]
    b = rx * grid_axes[1, 0] + ry * grid_axes[1, 1] + rz * grid_axes[1, 2]
    ia = int(np.floor(a / grid_cell))
    ib = int(np.floor(b / grid_cell))
    if ia < 0 or ib < 0 or ia >= grid_n or ib >= grid_n:
        return -1
    return ia * grid_n + ib


@kernel(inline="always")
def _may_shadow(px, py, pz, cell, p, light, cell_start, cell_parts, kind, bcenter, bradius,
                pad):
    """Does the shadow ray from the point meet the bounding sphere of a caster of its cell?"""
    for jj in range(cell_start[cell], cell_start[cell + 1]):
        q = cell_parts[jj]
        if (q != p or kind[q] == MESH) and not _sphere_missed(
                bcenter, bradius, pad, q, px, py, pz, -light[0], -light[1], -light[2], 0.0,
                np.inf):
            return True
    return False


@kernel
def _in_shadow(px, py, pz, cell, p, tau, light, cell_start, cell_parts, kind, rot, pos,
               params, bcenter, bradius, pad, vel, omega, mesh_node, mesh_tri, node_min,
               node_max, node_left, node_start, node_count, tris, stack):
    """Does anything lie between the point and the light? Only the casters listed in the
    point's cell of the light-frame grid are tested. A call, not inlined: a second inlined
    copy of the intersection code costs seconds of compilation."""
    for jj in range(cell_start[cell], cell_start[cell + 1]):
        q = cell_parts[jj]
        if q == p and kind[q] != MESH:
            continue  # a convex part cannot shadow its own lit side
        if _sphere_missed(bcenter, bradius, pad, q, px, py, pz, -light[0], -light[1],
                          -light[2], 0.0, np.inf):
            continue
        ox, oy, oz, dx, dy, dz = _part_ray(q, tau, rot, pos, vel, omega, px, py, pz,
                                           -light[0], -light[1], -light[2])
        ts, _, _, _ = intersect_local(kind[q], params[q, 0], params[q, 1], params[q, 2],
                                      mesh_node[q], mesh_tri[q], ox, oy, oz, dx, dy, dz, 1e-6,
                                      np.inf, node_min, node_max, node_left, node_start,
                                      node_count, tris, stack)
        if ts < np.inf:
            return True
    return False


@kernel(parallel=True)
def render_tiles(rays, width, height, ray_time, R_wc, cam_pos, cam_vel, cam_omega, near, far,
                 tile_lists, tile_counts, near_bound,
                 kind, rot, pos, params, bcenter, bradius, pad, vel, omega, mesh_node,
                 mesh_tri, node_min, node_max, node_left, node_start, node_count, tris,
                 albedo, albedo2, tex_kind, tex_scale, tex_axis, instance, semantic,
                 light, ambient, intensity, shadows, bg_top, bg_bottom,
                 grid_origin, grid_axes, grid_cell, grid_n, cell_start, cell_parts,
                 fused, thresholds, code_start, want_normal,
                 out_rgb, out_u8, out_t, out_depth, out_part, out_inst, out_sem, out_normal):
    """Render every pixel of every tile: nearest hit, normal (camera frame), colour.

    ``rays`` (H·W, 3) unit optical-frame rays; ``ray_time`` (H·W,) time offsets (rolling
    shutter, motion-blur sample) at which parts and camera are posed; ``albedo`` linear RGB.
    With ``fused`` the tone curve and 8-bit quantisation run here (``thresholds`` and
    ``code_start`` from image_effects.code_tables, so the codes are exactly develop()'s on
    the same float32 values) and ``out_u8`` is written instead of the linear ``out_rgb``.
    """
    tiles_x = (width + TILE - 1) // TILE
    n_tiles = tile_counts.shape[0]
    # prange splits the iterations into contiguous blocks per thread; visiting tiles in a
    # strided order gives every thread a share of sky, ground and objects alike.
    stride = 7 if n_tiles % 7 else 11
    for step in numba.prange(n_tiles):
        tile = (step * stride) % n_tiles
        ty0 = (tile // tiles_x) * TILE
        tx0 = (tile % tiles_x) * TILE
        n_list = tile_counts[tile]
        stack = np.empty(STACK, np.int32)
        for v in range(ty0, min(ty0 + TILE, height)):
            for u in range(tx0, min(tx0 + TILE, width)):
                i = v * width + u
                tau = ray_time[i]
                rcx, rcy, rcz = rays[i, 0], rays[i, 1], rays[i, 2]
                ux = R_wc[0, 0] * rcx + R_wc[0, 1] * rcy + R_wc[0, 2] * rcz
                uy = R_wc[1, 0] * rcx + R_wc[1, 1] * rcy + R_wc[1, 2] * rcz
                uz = R_wc[2, 0] * rcx + R_wc[2, 1] * rcy + R_wc[2, 2] * rcz
                wx, wy, wz = cam_pos[0], cam_pos[1], cam_pos[2]
                if tau != 0.0:  # the camera itself moves during the exposure/readout
                    wx += cam_vel[0] * tau
                    wy += cam_vel[1] * tau
                    wz += cam_vel[2] * tau
                    ux, uy, uz = _rotate(cam_omega[0], cam_omega[1], cam_omega[2], tau,
                                         ux, uy, uz)
                t_min = near / rcz
                best = far / rcz
                best_part = -1
                nlx = nly = nlz = 0.0
                hx = hy = hz = 0.0
                for j in range(n_list):
                    p = tile_lists[tile, j]
                    if near_bound[p] > best:
                        break  # parts are listed nearest first: none further can be nearer
                    if _sphere_missed(bcenter, bradius, pad, p, wx, wy, wz, ux, uy, uz, t_min,
                                      best):
                        continue
                    ox, oy, oz, dx, dy, dz = _part_ray(p, tau, rot, pos, vel, omega,
                                                       wx, wy, wz, ux, uy, uz)
                    t, ax, ay, az = intersect_local(
                        kind[p], params[p, 0], params[p, 1], params[p, 2], mesh_node[p],
                        mesh_tri[p], ox, oy, oz, dx, dy, dz, t_min, best, node_min, node_max,
                        node_left, node_start, node_count, tris, stack)
                    if t < best:
                        best, best_part = t, p
                        nlx, nly, nlz = ax, ay, az
                        hx, hy, hz = ox + t * dx, oy + t * dy, oz + t * dz
                nx = ny = nz = 0.0
                if best_part < 0:  # sky: the background gradient by elevation
                    f = 0.5 * (1.0 + uz)
                    cr = bg_bottom[0] + f * (bg_top[0] - bg_bottom[0])
                    cg = bg_bottom[1] + f * (bg_top[1] - bg_bottom[1])
                    cb = bg_bottom[2] + f * (bg_top[2] - bg_bottom[2])
                    out_t[v, u] = np.inf
                    out_depth[v, u] = 0.0
                    out_part[v, u] = -1
                    out_inst[v, u] = 0
                    out_sem[v, u] = 0
                else:
                    p = best_part
                    nx, ny, nz = normal_to_world(rot[p], nlx, nly, nlz, ux, uy, uz)
                    if tau != 0.0:
                        nx, ny, nz = _rotate(omega[p, 0], omega[p, 1], omega[p, 2], tau,
                                             nx, ny, nz)
                    lambert = -(nx * light[0] + ny * light[1] + nz * light[2])
                    if lambert > 0.0 and shadows:
                        px = wx + best * ux + 1e-5 * nx
                        py = wy + best * uy + 1e-5 * ny
                        pz = wz + best * uz + 1e-5 * nz
                        cell = _grid_cell(px, py, pz, grid_origin, grid_axes, grid_cell, grid_n)
                        # only points whose shadow ray meets a caster's bounding sphere pay
                        # for the shadow-ray call (a call passes ~20 arrays: ~100 ns)
                        if cell >= 0 and _may_shadow(px, py, pz, cell, p, light, cell_start,
                                                     cell_parts, kind, bcenter, bradius, pad
                                                     ) and _in_shadow(
                                px, py, pz, cell, p, tau, light, cell_start, cell_parts, kind,
                                rot, pos, params, bcenter, bradius, pad, vel, omega, mesh_node,
                                mesh_tri, node_min, node_max, node_left, node_start,
                                node_count, tris, stack):
                            lambert = 0.0
                    shade = ambient + intensity * max(lambert, 0.0)
                    mix = 0.0
                    if tex_kind[p] != 0:  # a call per pixel costs more than the shading
                        mix = _texture_mix(tex_kind[p], tex_scale[p], tex_axis[p], hx, hy, hz)
                    cr = shade * (albedo[p, 0] + mix * (albedo2[p, 0] - albedo[p, 0]))
                    cg = shade * (albedo[p, 1] + mix * (albedo2[p, 1] - albedo[p, 1]))
                    cb = shade * (albedo[p, 2] + mix * (albedo2[p, 2] - albedo[p, 2]))
                    out_t[v, u] = best
                    out_depth[v, u] = best * rcz
                    out_part[v, u] = p
                    out_inst[v, u] = instance[p]
                    out_sem[v, u] = semantic[p]
                # one quantisation site for sky and surfaces (each inlined copy of the tone
                # lookup costs compile time)
                for c in range(3):
                    value = np.float32(cr if c == 0 else (cg if c == 1 else cb))
                    if fused:
                        out_u8[v, u, c] = _code(value, thresholds, code_start)
                    else:
                        out_rgb[v, u, c] = value
                if want_normal:  # normal in the optical frame: R_wcᵀ n (0 for the sky)
                    out_normal[v, u, 0] = R_wc[0, 0] * nx + R_wc[1, 0] * ny + R_wc[2, 0] * nz
                    out_normal[v, u, 1] = R_wc[0, 1] * nx + R_wc[1, 1] * ny + R_wc[2, 1] * nz
                    out_normal[v, u, 2] = R_wc[0, 2] * nx + R_wc[1, 2] * ny + R_wc[2, 2] * nz
