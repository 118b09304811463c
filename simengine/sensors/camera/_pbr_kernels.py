"""Numba kernels of the camera's physically based pass (``quality`` standard and high).

One call renders one sample of every pixel (a point in the pixel, a time in the exposure)
and adds it, weighted, into a linear radiance image. Primary visibility is the draft
renderer's (``_kernels._visibility``, strip by strip, tile by tile); shading then gives each
hit its material (base colour × the material's detail map, roughness, metalness, bump), and
sums, in photometric units (cd/m² per channel):

- the sun: a disc of the sun's angular size, one point of it per sample (soft shadows as
  the samples of a pixel accumulate), through the GGX + Lambert BRDF (``_brdf_kernels``);
- the sky: its irradiance on the normal (a cosine-convolved map) for the diffuse lobe and
  its radiance in the mirror direction for the specular one (Karis's split-sum fit), both
  darkened by ambient occlusion: the fraction of cosine-distributed rays that leave within
  ``ao_radius`` without meeting anything;
- lamps (point, spot, rectangular area), one point of each lamp per sample, with shadows.

Every pixel is independent and every sample point a pure function of (pixel, sample index):
the image does not depend on the thread count.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..._numba import kernel
from ...appearance._mip_kernels import _mip_lod, _sample_mip
from ...appearance.packing import _filtered_shading
from ...geometry._raycast_kernels import BOX, MESH, STACK, intersect_local, normal_to_world
from ._brdf_kernels import (
    INV_PI,
    _basis,
    _brdf_cos,
    _cone_direction,
    _cosine_direction,
    _env_brdf,
    _hash01,
    _sample_2d,
)
from ._kernels import TILE, _visibility, strip_schedule
from ._sky_kernels import latlong_lookup
from ._surface_kernels import (
    _box_face,
    _box_normal,
    _local_normal,
    _mesh_surface,
    _part_ray,
    _rotate,
    _sphere_missed,
    _texture_mix,
    _uv_per_metre,
    _world_ray,
)

POINT, SPOT, AREA = 0, 1, 2  # lamp types (lighting.LAMP_TYPES order)
LAMP_COLUMNS = 14  # type, position (3), axis (3), rgb (3), cos outer, cos inner, size (2)
EPS = 1e-4  # a secondary ray's start off the surface (m)


@kernel(refcounts=False)
def _occluder(px, py, pz, dx, dy, dz, tmax, skip, tau, cand, n_cand, kind, rot, pos, params,
              bcenter, bradius, pad, vel, omega, mesh_node, mesh_tri, node_min, node_max,
              node_left, node_start, node_count, tris, stack):
    """A part lying on the ray from P along the unit d within (0, tmax), or -1: the first
    found, not the nearest (any hit ends the search). Only the ``n_cand`` parts of ``cand``
    are tested (``_candidates``). Part ``skip`` (the one shaded) is left out when it is
    convex: a ray leaving a convex surface on its outer side cannot meet it again."""
    for jj in range(n_cand):
        q = cand[jj]
        if q == skip and kind[q] != MESH:
            continue
        if _sphere_missed(bcenter, bradius, pad, q, px, py, pz, dx, dy, dz, 0.0, tmax):
            continue
        ox, oy, oz, lx, ly, lz = _part_ray(q, tau, rot, pos, vel, omega, px, py, pz, dx, dy, dz)
        t, _, _, _, _ = intersect_local(kind[q], params[q, 0], params[q, 1], params[q, 2],
                                        mesh_node[q], mesh_tri[q], ox, oy, oz, lx, ly, lz,
                                        1e-6, tmax, node_min, node_max, node_left, node_start,
                                        node_count, tris, stack)
        if t < tmax:
            return q
    return -1


@kernel(refcounts=False)
def _candidates(tb, tp, k0, n, cam_x, cam_y, cam_z, rays, first, R_wc, sun_dir, sun_cos,
                lamps, ao_radius, bcenter, bradius, pad, cand, n_cand):
    """The parts each kind of secondary ray from a tile's hit points can meet: row 0 of
    ``cand`` toward the sun, row 1 the occlusion rays, row 2 + j toward lamp j (``n_cand``
    the counts). The tile's hits (its ``n`` strip-order pixels from ``k0``) lie in a sphere
    (centre c, radius r); a part's bounding sphere must come within r of the ray from c to
    the sun (widened by the disc), of c within the occlusion reach, or of the segment from
    c to the lamp (widened by the lamp's size). No hit: nothing listed."""
    lo0 = lo1 = lo2 = np.inf
    hi0 = hi1 = hi2 = -np.inf
    for k in range(k0, k0 + n):
        if tp[k] < 0:
            continue
        i = first + k
        t = tb[k]
        rx, ry, rz = rays[0, i], rays[1, i], rays[2, i]
        x = cam_x + t * (R_wc[0, 0] * rx + R_wc[0, 1] * ry + R_wc[0, 2] * rz)
        y = cam_y + t * (R_wc[1, 0] * rx + R_wc[1, 1] * ry + R_wc[1, 2] * rz)
        z = cam_z + t * (R_wc[2, 0] * rx + R_wc[2, 1] * ry + R_wc[2, 2] * rz)
        lo0, lo1, lo2 = min(lo0, x), min(lo1, y), min(lo2, z)
        hi0, hi1, hi2 = max(hi0, x), max(hi1, y), max(hi2, z)
    for row in range(n_cand.shape[0]):
        n_cand[row] = 0
    if lo0 > hi0:
        return
    c0, c1, c2 = 0.5 * (lo0 + hi0), 0.5 * (lo1 + hi1), 0.5 * (lo2 + hi2)
    r = 0.5 * math.sqrt((hi0 - lo0) ** 2 + (hi1 - lo1) ** 2 + (hi2 - lo2) ** 2) + 1e-3
    tan_sun = math.sqrt(max(1.0 - sun_cos * sun_cos, 0.0)) / max(sun_cos, 1e-6)
    for q in range(bcenter.shape[0]):
        w0, w1, w2 = bcenter[q, 0] - c0, bcenter[q, 1] - c1, bcenter[q, 2] - c2
        reach = r + bradius[q] + pad[q]
        # toward the sun: distance to the ray c + s·l, s ≥ 0, the disc widening it
        s = max(w0 * sun_dir[0] + w1 * sun_dir[1] + w2 * sun_dir[2], 0.0)
        e0, e1, e2 = w0 - s * sun_dir[0], w1 - s * sun_dir[1], w2 - s * sun_dir[2]
        if e0 * e0 + e1 * e1 + e2 * e2 <= (reach + s * tan_sun) ** 2:
            cand[0, n_cand[0]] = q
            n_cand[0] += 1
        if w0 * w0 + w1 * w1 + w2 * w2 <= (reach + ao_radius) ** 2:
            cand[1, n_cand[1]] = q
            n_cand[1] += 1
        for j in range(lamps.shape[0]):
            d0, d1, d2 = lamps[j, 1] - c0, lamps[j, 2] - c1, lamps[j, 3] - c2
            length2 = d0 * d0 + d1 * d1 + d2 * d2
            f = 0.0
            if length2 > 0.0:
                f = min(max((w0 * d0 + w1 * d1 + w2 * d2) / length2, 0.0), 1.0)
            e0, e1, e2 = w0 - f * d0, w1 - f * d1, w2 - f * d2
            size = math.sqrt(lamps[j, 12] ** 2 + lamps[j, 13] ** 2)
            if e0 * e0 + e1 * e1 + e2 * e2 <= (reach + size) ** 2:
                cand[2 + j, n_cand[2 + j]] = q
                n_cand[2 + j] += 1


@kernel(refcounts=False)
def _lamp_light(lamps, j, px, py, pz, x, y):
    """One sample point of lamp j seen from P: the unit direction to it, its distance, and
    the RGB irradiance it gives at normal incidence (lux)."""
    kind = int(lamps[j, 0])
    ax, ay, az = lamps[j, 4], lamps[j, 5], lamps[j, 6]
    qx, qy, qz = lamps[j, 1], lamps[j, 2], lamps[j, 3]
    w, h = lamps[j, 12], lamps[j, 13]
    if kind == AREA:  # a point of the rectangle about its axis
        t, b = _basis(ax, ay, az)
        su, sv = (x - 0.5) * w, (y - 0.5) * h
    else:  # a point of the bulb, across the line of sight
        t, b = _basis(px - qx + 1e-12, py - qy, pz - qz)
        su, sv = (x - 0.5) * w, (y - 0.5) * w
    qx += su * t[0] + sv * b[0]
    qy += su * t[1] + sv * b[1]
    qz += su * t[2] + sv * b[2]
    dx, dy, dz = qx - px, qy - py, qz - pz
    d2 = dx * dx + dy * dy + dz * dz
    dist = math.sqrt(d2)
    if dist == 0.0:
        return 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0
    dx, dy, dz = dx / dist, dy / dist, dz / dist
    cos_axis = -(dx * ax + dy * ay + dz * az)  # the lamp's axis against the way to P
    if kind == AREA:  # Lambertian emitter of luminance L: E = L·A·cos θ_lamp / d²
        scale = max(cos_axis, 0.0) * w * h / d2
    elif kind == SPOT:  # full intensity inside the inner cone, smooth fall to the outer
        c_out, c_in = lamps[j, 10], lamps[j, 11]
        s = min(max((cos_axis - c_out) / max(c_in - c_out, 1e-9), 0.0), 1.0)
        scale = s * s * (3.0 - 2.0 * s) / d2
    else:  # isotropic: E = I / d²
        scale = 1.0 / d2
    return (dx, dy, dz, dist, lamps[j, 7] * scale, lamps[j, 8] * scale, lamps[j, 9] * scale)


@kernel(refcounts=False)
def _shade_hit(p, k, best, tri, hx, hy, hz, wx, wy, wz, ux, uy, uz, tau, u, v, first, n_light,
               n_samples, n_area, pixel_angle, kind, rot, pos, params, bcenter, bradius, pad, vel,
               omega, mesh_node, mesh_tri, node_min, node_max, node_left, node_start, node_count,
               tris, albedo, albedo2, tex_kind, tex_scale, tex_axis, material, look_offset,
               look_color, tri_part, tri_uv, tri_color, tri_texture, tri_material, tex_t, tex_s,
               tex_w, tex_h, tex_n, detail_t, detail_s, detail_w, detail_h, detail_n, shade_t,
               shade_s, shade_w, shade_h, shade_n, surf_tile, surf_f0, texel3, texel6, sun_dir,
               sun_cos, sun_rgb, env_light, irr_map, lamps, shadows, ao_rays, ao_radius, ao_bounce,
               cand, n_cand, stack):
    """Linear RGB radiance (cd/m²) leaving the hit of pixel (u, v)'s ray toward the camera,
    over light samples ``first`` .. ``first + n_light - 1`` of the pixel's ``n_samples``:
    the sun's light, the sky's share unoccluded and the open fraction of the sky (ambient
    occlusion; 1 without AO rays), the lamps' light unshadowed, and the luminance of the
    lamps' light that is seen and in all. The ray stands for 1/``n_area`` of the pixel's
    area (its texture footprint)."""
    q0, q1, q2 = params[p, 0], params[p, 1], params[p, 2]
    kp = kind[p]
    if kp == BOX:
        axis, sign = _box_face(q0, q1, q2, hx, hy, hz)
        nx, ny, nz = _box_normal(axis, sign, rot[p, 0, 0], rot[p, 0, 1], rot[p, 0, 2],
                                 rot[p, 1, 0], rot[p, 1, 1], rot[p, 1, 2], rot[p, 2, 0],
                                 rot[p, 2, 1], rot[p, 2, 2])
        if nx * ux + ny * uy + nz * uz > 0.0:
            nx, ny, nz = -nx, -ny, -nz
    else:
        nlx, nly, nlz = _local_normal(kp, q0, q1, q2, hx, hy, hz, tri, tris)
        nx, ny, nz = normal_to_world(rot[p], nlx, nly, nlz, ux, uy, uz)
        # the surface maps are projected along the local axis the normal is closest to
        ax_, ay_, az_ = abs(nlx), abs(nly), abs(nlz)
        axis = 0 if ax_ >= ay_ and ax_ >= az_ else (1 if ay_ >= az_ else 2)
    if tau != 0.0:
        nx, ny, nz = _rotate(omega[p, 0], omega[p, 1], omega[p, 2], tau, nx, ny, nz)
    # base colour: the part's (a mesh's look), with the legacy solid texture
    a0, a1, a2 = albedo[p, 0], albedo[p, 1], albedo[p, 2]
    m = material[p]
    cos_view = max(abs(nx * ux + ny * uy + nz * uz), 0.02)
    # this sample's share of the pixel's footprint on the surface (m)
    footprint = best * pixel_angle / math.sqrt(n_area * cos_view)
    if kp == MESH:
        a0, a1, a2, tu, tv = _mesh_surface(tri, hx / q0, hy / q1, hz / q2, look_offset[p],
                                           tris, look_color, tri_part, tri_uv, tri_color)
        tex = tri_texture[tri]
        if tex >= 0:  # the asset's texture, mip-mapped (v up, as _mesh_albedo reads it)
            lod = _mip_lod(footprint * _uv_per_metre(tri, tris, tri_uv, q0, q1, q2)
                           * tex_w[tex, 0], 1.0)
            _sample_mip(tex_t, tex_s, tex_w, tex_h, tex_n, tex, tu, tv, lod, texel3)
            a0 *= texel3[0]
            a1 *= texel3[1]
            a2 *= texel3[2]
        if tri_material[tri] >= 0:
            m = tri_material[tri]
    if tex_kind[p] != 0:
        mix = _texture_mix(tex_kind[p], tex_scale[p], tex_axis[p], hx, hy, hz)
        a0 += mix * (albedo2[p, 0] - a0)
        a1 += mix * (albedo2[p, 1] - a1)
        a2 += mix * (albedo2[p, 2] - a2)
    # the material's maps, planar along that axis (metres of the part's frame over the
    # tile), at the level of detail of this sample's share of the pixel's footprint
    ia, ib = (1, 2) if axis == 0 else ((0, 2) if axis == 1 else (0, 1))
    hit = (hx, hy, hz)
    tile = surf_tile[m]
    su, sv = hit[ia] / tile, hit[ib] / tile
    lod = _mip_lod(footprint, tile / detail_w[m, 0])
    _sample_mip(detail_t, detail_s, detail_w, detail_h, detail_n, m, su, sv, lod, texel3)
    a0 *= texel3[0]
    a1 *= texel3[1]
    a2 *= texel3[2]
    _sample_mip(shade_t, shade_s, shade_w, shade_h, shade_n, m, su, sv, lod, texel6)
    rough, metal, slope_u, slope_v = _filtered_shading(texel6)
    f0 = surf_f0[m]
    if slope_u != 0.0 or slope_v != 0.0:  # bump: tilt the normal against the height's rise
        tux, tuy, tuz = rot[p, 0, ia], rot[p, 1, ia], rot[p, 2, ia]
        tvx, tvy, tvz = rot[p, 0, ib], rot[p, 1, ib], rot[p, 2, ib]
        if tau != 0.0:
            tux, tuy, tuz = _rotate(omega[p, 0], omega[p, 1], omega[p, 2], tau, tux, tuy, tuz)
            tvx, tvy, tvz = _rotate(omega[p, 0], omega[p, 1], omega[p, 2], tau, tvx, tvy, tvz)
        bx = nx - slope_u * tux - slope_v * tvx
        by = ny - slope_u * tuy - slope_v * tvy
        bz = nz - slope_u * tuz - slope_v * tvz
        norm = math.sqrt(bx * bx + by * by + bz * bz)
        if bx * ux + by * uy + bz * uz < 0.0:  # still facing the camera
            nx, ny, nz = bx / norm, by / norm, bz / norm
    alpha = max(rough * rough, 0.002)
    d0, d1, d2 = a0 * (1.0 - metal), a1 * (1.0 - metal), a2 * (1.0 - metal)
    f0r = f0 * (1.0 - metal) + a0 * metal
    f0g = f0 * (1.0 - metal) + a1 * metal
    f0b = f0 * (1.0 - metal) + a2 * metal
    vx, vy, vz = -ux, -uy, -uz
    px = wx + best * ux + EPS * nx
    py = wy + best * uy + EPS * ny
    pz = wz + best * uz + EPS * nz
    # the sky (or a room's ambient): irradiance on the normal, mirror-direction radiance;
    # returned apart (``ar``, ``ag``, ``ab``), to be scaled by the (filtered) open fraction
    e0, e1, e2 = latlong_lookup(irr_map, irr_map.shape[0], irr_map.shape[1], nx, ny, nz)
    n_v = max(nx * vx + ny * vy + nz * vz, 1e-4)
    scale, bias = _env_brdf(rough, n_v)
    k_r = f0r * scale + bias
    k_g = f0g * scale + bias
    k_b = f0b * scale + bias
    n_u = nx * ux + ny * uy + nz * uz
    rx, ry, rz = ux - 2.0 * n_u * nx, uy - 2.0 * n_u * ny, uz - 2.0 * n_u * nz
    s0, s1, s2 = latlong_lookup(env_light, env_light.shape[0], env_light.shape[1], rx, ry,
                                rz)
    # a rough lobe sees the sky's average over the hemisphere rather than one direction
    w = min(rough * rough, 1.0)
    ar = (1.0 - k_r) * d0 * e0 * INV_PI + k_r * ((1.0 - w) * s0 + w * e0 * INV_PI)
    ag = (1.0 - k_g) * d1 * e1 * INV_PI + k_g * ((1.0 - w) * s1 + w * e1 * INV_PI)
    ab = (1.0 - k_b) * d2 * e2 * INV_PI + k_b * ((1.0 - w) * s2 + w * e2 * INV_PI)
    # light samples first .. first + n_light - 1 of the pixel's n_samples: a point of the
    # sun's disc, ``ao_rays`` occlusion rays and a point of every lamp each
    sx, sy = _hash01(u, v, 1), _hash01(u, v, 2)
    ox_, oy_ = _hash01(u, v, 3), _hash01(u, v, 4)
    cr = cg = cb = 0.0
    light_back = 0.0
    lr = lg = lb = 0.0
    seen = total = 0.0
    for sample in range(first, first + n_light):
        if sun_rgb[0] + sun_rgb[1] + sun_rgb[2] > 0.0:
            x, y = _sample_2d(sample, n_samples, sx, sy)
            lx, ly, lz = _cone_direction(sun_dir[0], sun_dir[1], sun_dir[2], sun_cos, x, y)
            fr, fg, fb = _brdf_cos(nx, ny, nz, vx, vy, vz, lx, ly, lz, d0, d1, d2, f0r, f0g,
                                   f0b, alpha)
            if fr + fg + fb > 0.0 and not (shadows and _occluder(
                    px, py, pz, lx, ly, lz, np.inf, p, tau, cand[0], n_cand[0], kind, rot, pos,
                    params, bcenter, bradius, pad, vel, omega, mesh_node, mesh_tri, node_min,
                    node_max, node_left, node_start, node_count, tris, stack) >= 0):
                cr += fr * sun_rgb[0]
                cg += fg * sun_rgb[1]
                cb += fb * sun_rgb[2]
        for r in range(ao_rays):
            x, y = _sample_2d(sample * ao_rays + r, n_samples * ao_rays, ox_, oy_)
            dx, dy, dz = _cosine_direction(nx, ny, nz, x, y)
            q = _occluder(px, py, pz, dx, dy, dz, ao_radius, p, tau, cand[1], n_cand[1], kind,
                          rot, pos, params, bcenter, bradius, pad, vel, omega, mesh_node,
                          mesh_tri, node_min, node_max, node_left, node_start, node_count,
                          tris, stack)
            # an occluder still reflects the sky it sees: its albedo's share comes back
            # (a one-bounce estimate that takes the occluder as lit like this point)
            if q < 0:
                light_back += 1.0
            elif ao_bounce:
                light_back += (0.2126 * albedo[q, 0] + 0.7152 * albedo[q, 1]
                               + 0.0722 * albedo[q, 2])
        # lamps: their light apart from its visibility (the ratio estimator of Heitz et al.
        # 2018: the seen share of a pixel's lamp light is smoothed over its surface, then
        # multiplies the unshadowed light)
        for j in range(lamps.shape[0]):
            x, y = _sample_2d(sample, n_samples, _hash01(u, v, 5 + j), _hash01(u, v, 105 + j))
            lx, ly, lz, dist, er, eg, eb = _lamp_light(lamps, j, px, py, pz, x, y)
            if er + eg + eb <= 0.0:
                continue
            fr, fg, fb = _brdf_cos(nx, ny, nz, vx, vy, vz, lx, ly, lz, d0, d1, d2, f0r, f0g,
                                   f0b, alpha)
            if fr + fg + fb <= 0.0:
                continue
            lr += fr * er
            lg += fg * eg
            lb += fb * eb
            share = 0.2126 * fr * er + 0.7152 * fg * eg + 0.0722 * fb * eb
            total += share
            if not (shadows and _occluder(
                    px, py, pz, lx, ly, lz, dist - 2.0 * EPS, p, tau, cand[2 + j],
                    n_cand[2 + j], kind, rot, pos, params, bcenter, bradius, pad, vel, omega,
                    mesh_node, mesh_tri, node_min, node_max, node_left, node_start,
                    node_count, tris, stack) >= 0):
                seen += share
    inv = 1.0 / n_light
    open_fraction = light_back / (ao_rays * n_light) if ao_rays > 0 else 1.0
    cr, cg, cb, lr, lg, lb = cr * inv, cg * inv, cb * inv, lr * inv, lg * inv, lb * inv
    return cr, cg, cb, ar, ag, ab, open_fraction, lr, lg, lb, seen, total


@kernel(parallel=True, error_model="numpy")
def pbr_tiles(rays, inv_rz, width, height, row_time, R_wc, cam_pos, cam_vel, cam_omega, near, far,
              tile_lists, tile_counts, near_bound, kind, rot, pos, params, bcenter, bradius, pad,
              vel, omega, mesh_node, mesh_tri, node_min, node_max, node_left, node_start,
              node_count, tris, albedo, albedo2, tex_kind, tex_scale, tex_axis, instance, material,
              look_offset, look_color, tri_part, tri_uv, tri_color, tri_texture, tri_material,
              tex_t, tex_s, tex_w, tex_h, tex_n, detail_t, detail_s, detail_w, detail_h, detail_n,
              shade_t, shade_s, shade_w, shade_h, shade_n, surf_tile, surf_f0, sun_dir, sun_cos,
              sun_rgb, env_light, env_bg, irr_map, lamps, shadows, ao_rays, ao_radius, ao_bounce,
              light_first, n_light, n_samples, n_area, mask, pixel_angle, weight, n_thr, out_rgb,
              out_sky, out_open, out_lamp, out_lamp_seen, out_lamp_total, out_inst):
    """Add ``weight`` × this sample's direct radiance into ``out_rgb`` (H, W, 3) float32 (the
    background's too), its unoccluded sky light into ``out_sky`` (H, W, 3) and its open
    fraction into ``out_open`` (H, W), its unshadowed lamp light into ``out_lamp`` (H, W, 3)
    and the luminance of it that is seen and in all into ``out_lamp_seen`` and
    ``out_lamp_total`` (H, W); write the instance each pixel's sample sees into
    ``out_inst`` (H, W). Rays, tiles and the strip order are those of
    ``_kernels.render_tiles``. Each hit takes light samples ``light_first`` ..
    ``light_first + n_light - 1`` of ``n_samples`` and stands for 1/``n_area`` of its
    pixel. ``mask`` (H, W), or (1, 1) for every pixel: the pixels to render (the others
    cost no visibility test and are left alone)."""
    tiles_x = (width + TILE - 1) // TILE
    n_strips = (height + TILE - 1) // TILE
    strips = strip_schedule(n_strips, n_thr)
    c00, c01, c02 = R_wc[0, 0], R_wc[0, 1], R_wc[0, 2]
    c10, c11, c12 = R_wc[1, 0], R_wc[1, 1], R_wc[1, 2]
    c20, c21, c22 = R_wc[2, 0], R_wc[2, 1], R_wc[2, 2]
    for jj in numba.prange(n_strips):
        strip = strips[jj]
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
        n_rows = 2 + lamps.shape[0]
        cand = np.empty((tiles_x, n_rows, kind.shape[0]), np.int32)
        n_cand = np.empty((tiles_x, n_rows), np.int32)
        texel3 = np.empty(3)  # a mip sample of the detail maps
        texel6 = np.empty(6)  # and of the shading maps
        first = ty0 * width
        masked = mask.shape[0] == height
        for tx in range(tiles_x):
            tx0 = tx * TILE
            tw = min(TILE, width - tx0)
            for r in range(th):
                for c in range(tw):
                    k = tx0 * th + r * tw + c
                    # a far limit of 0 fails every test: a masked-out pixel costs nothing
                    tb[k] = far * inv_rz[first + k] if not masked or mask[ty0 + r, tx0 + c] \
                        else 0.0
                    tp[k] = -1
        for tx in range(tiles_x):
            tile = strip * tiles_x + tx
            tx0 = tx * TILE
            _visibility(tile, tx0, ty0, min(TILE, width - tx0), th, tile_counts[tile], rays,
                        inv_rz, width, row_time, R_wc, cam_pos, cam_vel, cam_omega, near,
                        tile_lists, near_bound, kind, rot, pos, params, vel, omega, mesh_node,
                        mesh_tri, node_min, node_max, node_left, node_start, node_count, tris,
                        tb, tp, ta, hx, hy, hz, frames, stack)
            # (at the strip's mean time: the motion pads cover the rest)
            _candidates(tb, tp, tx0 * th, min(TILE, width - tx0) * th, cam_pos[0], cam_pos[1],
                        cam_pos[2], rays, first, R_wc, sun_dir, sun_cos, lamps, ao_radius,
                        bcenter, bradius, pad, cand[tx], n_cand[tx])
        for r in range(th):
            v = ty0 + r
            tau = row_time[v]
            wx, wy, wz = cam_pos[0], cam_pos[1], cam_pos[2]
            if tau != 0.0:
                wx += cam_vel[0] * tau
                wy += cam_vel[1] * tau
                wz += cam_vel[2] * tau
            for tx in range(tiles_x):
                tx0 = tx * TILE
                tw = min(TILE, width - tx0)
                kb = tx0 * th + r * tw
                for c in range(tw):
                    u = tx0 + c
                    if masked and not mask[v, u]:
                        continue
                    k = kb + c
                    i = first + k
                    ux, uy, uz = _world_ray(c00, c01, c02, c10, c11, c12, c20, c21, c22,
                                            rays[0, i], rays[1, i], rays[2, i], tau, cam_omega)
                    p = tp[k]
                    if p < 0:
                        cr, cg, cb = latlong_lookup(env_bg, env_bg.shape[0],
                                                    env_bg.shape[1], ux, uy, uz)
                        ar = ag = ab = lr = lg = lb = seen = total = 0.0
                        op = 1.0
                        out_inst[v, u] = 0
                    else:
                        (cr, cg, cb, ar, ag, ab, op, lr, lg, lb, seen,
                         total) = _shade_hit(
                            p, k, tb[k], ta[k], hx[k], hy[k], hz[k], wx, wy, wz, ux, uy, uz,
                            tau, u, v, light_first, n_light, n_samples, n_area, pixel_angle,
                            kind, rot, pos, params,
                            bcenter, bradius, pad, vel, omega, mesh_node, mesh_tri, node_min,
                            node_max, node_left, node_start, node_count, tris, albedo, albedo2,
                            tex_kind, tex_scale, tex_axis, material, look_offset, look_color,
                            tri_part, tri_uv, tri_color, tri_texture, tri_material,
                            tex_t, tex_s, tex_w, tex_h, tex_n, detail_t,
                            detail_s, detail_w, detail_h, detail_n, shade_t, shade_s, shade_w,
                            shade_h, shade_n, surf_tile, surf_f0, texel3, texel6, sun_dir,
                            sun_cos, sun_rgb, env_light, irr_map, lamps, shadows, ao_rays,
                            ao_radius, ao_bounce, cand[tx], n_cand[tx], stack)
                        out_inst[v, u] = instance[p]
                    out_rgb[v, u, 0] += np.float32(weight * cr)
                    out_rgb[v, u, 1] += np.float32(weight * cg)
                    out_rgb[v, u, 2] += np.float32(weight * cb)
                    out_sky[v, u, 0] += np.float32(weight * ar)
                    out_sky[v, u, 1] += np.float32(weight * ag)
                    out_sky[v, u, 2] += np.float32(weight * ab)
                    out_open[v, u] += np.float32(weight * op)
                    if total > 0.0:
                        out_lamp[v, u, 0] += np.float32(weight * lr)
                        out_lamp[v, u, 1] += np.float32(weight * lg)
                        out_lamp[v, u, 2] += np.float32(weight * lb)
                        out_lamp_seen[v, u] += np.float32(weight * seen)
                        out_lamp_total[v, u] += np.float32(weight * total)
