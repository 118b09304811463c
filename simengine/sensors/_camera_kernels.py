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
    to_local,
)

TILE = 16


@kernel(parallel=True)
def bin_parts(tile_axis, tile_half, R_wc, cam_pos, bcenter, bradius, pad, near_order,
              out_lists, out_counts):
    """For each tile, the parts (in ``near_order``) whose bounding sphere, grown by ``pad``
    for motion during the exposure, meets the tile's cone of rays."""
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
                c = (ax * vx + ay * vy + az * vz) / dist
                angle = math.acos(min(1.0, max(-1.0, c)))
                keep = angle <= tile_half[i] + math.asin(min(1.0, r / dist))
            if keep:
                out_lists[i, count] = p
                count += 1
        out_counts[i] = count


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
    by omega·tau about its origin)."""
    if tau == 0.0 or (vel[p, 0] == 0.0 and vel[p, 1] == 0.0 and vel[p, 2] == 0.0
                      and omega[p, 0] == 0.0 and omega[p, 1] == 0.0 and omega[p, 2] == 0.0):
        return to_local(rot[p], pos[p], wx, wy, wz, ux, uy, uz)
    qx = wx - pos[p, 0] - vel[p, 0] * tau
    qy = wy - pos[p, 1] - vel[p, 1] * tau
    qz = wz - pos[p, 2] - vel[p, 2] * tau
    qx, qy, qz = _rotate(omega[p, 0], omega[p, 1], omega[p, 2], -tau, qx, qy, qz)
    dx, dy, dz = _rotate(omega[p, 0], omega[p, 1], omega[p, 2], -tau, ux, uy, uz)
    R = rot[p]
    return (R[0, 0] * qx + R[1, 0] * qy + R[2, 0] * qz,
            R[0, 1] * qx + R[1, 1] * qy + R[2, 1] * qz,
            R[0, 2] * qx + R[1, 2] * qy + R[2, 2] * qz,
            R[0, 0] * dx + R[1, 0] * dy + R[2, 0] * dz,
            R[0, 1] * dx + R[1, 1] * dy + R[2, 1] * dz,
            R[0, 2] * dx + R[1, 2] * dy + R[2, 2] * dz)


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


@kernel(inline="always")
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
def _shadowed(x, y, z, lx, ly, lz, skip, tau, grid_origin, grid_axes, grid_cell, grid_n,
              cell_start, cell_parts, kind, rot, pos, params, vel, omega, mesh_node, mesh_tri,
              node_min, node_max, node_left, node_start, node_count, tris, stack):
    """Does anything lie between (x, y, z) and the light (towards −light)? Only the casters
    listed in the point's cell of the light-frame grid are tested."""
    if grid_n == 0:
        return False
    rx, ry, rz = x - grid_origin[0], y - grid_origin[1], z - grid_origin[2]
    a = rx * grid_axes[0, 0] + ry * grid_axes[0, 1] + rz * grid_axes[0, 2]
    b = rx * grid_axes[1, 0] + ry * grid_axes[1, 1] + rz * grid_axes[1, 2]
    ia = int(np.floor(a / grid_cell))
    ib = int(np.floor(b / grid_cell))
    if ia < 0 or ib < 0 or ia >= grid_n or ib >= grid_n:
        return False
    cell = ia * grid_n + ib
    for j in range(cell_start[cell], cell_start[cell + 1]):
        p = cell_parts[j]
        if p == skip and kind[p] != MESH:  # a convex part cannot shadow its own lit side
            continue
        ox, oy, oz, dx, dy, dz = _part_ray(p, tau, rot, pos, vel, omega, x, y, z, -lx, -ly, -lz)
        t, _, _, _ = intersect_local(kind[p], params[p, 0], params[p, 1], params[p, 2],
                                     mesh_node[p], mesh_tri[p], ox, oy, oz, dx, dy, dz, 1e-6,
                                     np.inf, node_min, node_max, node_left, node_start,
                                     node_count, tris, stack)
        if t < np.inf:
            return True
    return False


@kernel(parallel=True)
def render_tiles(rays, width, height, ray_time, R_wc, cam_pos, cam_vel, cam_omega, near, far,
                 tile_lists, tile_counts, near_bound,
                 kind, rot, pos, params, bradius, vel, omega, mesh_node, mesh_tri, node_min,
                 node_max, node_left, node_start, node_count, tris,
                 albedo, albedo2, tex_kind, tex_scale, tex_axis, instance, semantic,
                 light, ambient, intensity, shadows, bg_top, bg_bottom,
                 grid_origin, grid_axes, grid_cell, grid_n, cell_start, cell_parts,
                 out_rgb, out_t, out_depth, out_part, out_inst, out_sem, out_normal):
    """Render every pixel of every tile: nearest hit, normal (camera frame), linear colour.

    ``rays`` (H·W, 3) unit optical-frame rays; ``ray_time`` (H·W,) time offsets (rolling
    shutter, motion-blur sample) at which parts and camera are posed; ``albedo`` linear RGB.
    """
    tiles_x = (width + TILE - 1) // TILE
    n_tiles = tile_counts.shape[0]
    for tile in numba.prange(n_tiles):
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
                if best_part < 0:
                    f = 0.5 * (1.0 + uz)
                    for c in range(3):
                        out_rgb[v, u, c] = bg_bottom[c] + f * (bg_top[c] - bg_bottom[c])
                    out_t[v, u] = np.inf
                    out_depth[v, u] = 0.0
                    out_part[v, u] = -1
                    out_inst[v, u] = 0
                    out_sem[v, u] = 0
                    for c in range(3):
                        out_normal[v, u, c] = 0.0
                    continue
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
                    if _shadowed(px, py, pz, light[0], light[1], light[2], p, tau, grid_origin,
                                 grid_axes, grid_cell, grid_n, cell_start, cell_parts, kind,
                                 rot, pos, params, vel, omega, mesh_node, mesh_tri, node_min,
                                 node_max, node_left, node_start, node_count, tris, stack):
                        lambert = 0.0
                shade = ambient + intensity * max(lambert, 0.0)
                mix = _texture_mix(tex_kind[p], tex_scale[p], tex_axis[p], hx, hy, hz)
                for c in range(3):
                    base = albedo[p, c] + mix * (albedo2[p, c] - albedo[p, c])
                    out_rgb[v, u, c] = shade * base
                out_t[v, u] = best
                out_depth[v, u] = best * rcz
                out_part[v, u] = p
                out_inst[v, u] = instance[p]
                out_sem[v, u] = semantic[p]
                # normal in the optical frame: R_wcᵀ n
                out_normal[v, u, 0] = R_wc[0, 0] * nx + R_wc[1, 0] * ny + R_wc[2, 0] * nz
                out_normal[v, u, 1] = R_wc[0, 1] * nx + R_wc[1, 1] * ny + R_wc[2, 1] * nz
                out_normal[v, u, 2] = R_wc[0, 2] * nx + R_wc[1, 2] * ny + R_wc[2, 2] * nz
