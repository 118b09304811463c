"""Numba kernels of the camera's ray-surface work: a part's local ray (moving parts
include), the specialised box, sphere and cylinder distances, surface normals, procedural
texture and the tone code. Private to the camera; ``_kernels.render_tiles`` and the shadow
kernels inline them.
"""

from __future__ import annotations

import math

import numpy as np

from ..._numba import kernel
from ...geometry._raycast_kernels import (
    CAPSULE,
    CYLINDER,
    MESH,
    _edges,
    rotate_into,
    to_local,
)


@kernel(inline="always")
def _code(value, thresholds, start):
    """8-bit code of a linear value through the tone curve (see effects.code_tables)."""
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
def _away_from_zero(d):
    """d, or ±1e-100 when |d| is smaller: keeps 1 / (dx·dy·dz) finite for any ray."""
    if abs(d) >= 1e-100:
        return d
    return 1e-100 if d >= 0.0 else -1e-100


@kernel(inline="always", error_model="numpy")
def _box_t(ox, oy, oz, dx, dy, dz, hx, hy, hz, tmin, best):
    """``_box``'s distance alone, branch-free so that a loop of it over a row of pixels
    compiles to vector instructions: the camera tests every pixel against the ground's box.
    The three reciprocals come from one division (1/dx = dy·dz / (dx·dy·dz)); a component
    below 1e-100 is taken as ±1e-100, whose slab then spans ±1e100 m (no constraint) when the
    origin lies between the planes and excludes everything otherwise, as for a zero one."""
    dx, dy, dz = _away_from_zero(dx), _away_from_zero(dy), _away_from_zero(dz)
    inv = 1.0 / (dx * dy * dz)
    ix, iy, iz = dy * dz * inv, dx * dz * inv, dx * dy * inv
    ax, bx = (-hx - ox) * ix, (hx - ox) * ix
    ay, by = (-hy - oy) * iy, (hy - oy) * iy
    az, bz = (-hz - oz) * iz, (hz - oz) * iz
    t0 = max(min(ax, bx), min(ay, by), min(az, bz))
    t1 = min(max(ax, bx), max(ay, by), max(az, bz))
    t = t0 if t0 > tmin else t1  # the entry, or the exit from inside the box
    return t if t0 <= t1 and t > tmin and t < best else best


@kernel(inline="always", error_model="numpy")
def _sphere_t(ox, oy, oz, dx, dy, dz, r, tmin, best):
    """``_sphere``'s distance for a whole sphere, branch-free (see ``_box_t``): the same
    roots, the nearer one in (tmin, best) or best."""
    a = dx * dx + dy * dy + dz * dz
    b = ox * dx + oy * dy + oz * dz
    c = ox * ox + oy * oy + oz * oz - r * r
    disc = b * b - a * c
    s = math.sqrt(max(disc, 0.0))
    t0 = (-b - s) / a
    t1 = (-b + s) / a
    t = t0 if t0 > tmin else t1
    return t if disc >= 0.0 and t > tmin and t < best else best


@kernel(inline="always", error_model="numpy")
def _cylinder_t(ox, oy, oz, dx, dy, dz, r, h, tmin, best):
    """``_caps(.., _cylinder_side(..))`` branch-free (see ``_box_t``): the same roots and
    the same order of tests, so the same distance."""
    a = dx * dx + dy * dy
    b = ox * dx + oy * dy
    c = ox * ox + oy * oy - r * r
    disc = b * b - a * c
    s = math.sqrt(max(disc, 0.0))
    t0 = (-b - s) / a
    t1 = (-b + s) / a
    side = a != 0.0 and disc >= 0.0
    ok0 = side and t0 > tmin and t0 < best and abs(oz + t0 * dz) <= h
    ok1 = side and t1 > tmin and t1 < best and abs(oz + t1 * dz) <= h
    best = t0 if ok0 else (t1 if ok1 else best)
    for zc in (-h, h):  # the caps, each against the nearest so far
        t = (zc - oz) / dz
        x = ox + t * dx
        y = oy + t * dy
        best = t if dz != 0.0 and t > tmin and t < best and x * x + y * y <= r * r else best
    return best


@kernel(inline="always")
def _box_face(p0, p1, p2, hx, hy, hz):
    """(axis, sign) of the face of a box (half extents p) holding the hit point h: the
    point lies on that face, every other coordinate within its bounds, so the face is the
    axis of the largest |h_i| / p_i (compared through products, p > 0: no divisions)."""
    ax, ay, az = abs(hx) * (p1 * p2), abs(hy) * (p0 * p2), abs(hz) * (p0 * p1)
    if ax >= ay and ax >= az:
        return 0, math.copysign(1.0, hx)
    if ay >= az:
        return 1, math.copysign(1.0, hy)
    return 2, math.copysign(1.0, hz)


@kernel(inline="always")
def _world_ray(c00, c01, c02, c10, c11, c12, c20, c21, c22, rx, ry, rz, tau, cam_omega):
    """An optical-frame ray in the world (R_wc = c), turned by the camera's rotation over
    tau."""
    ux = c00 * rx + c01 * ry + c02 * rz
    uy = c10 * rx + c11 * ry + c12 * rz
    uz = c20 * rx + c21 * ry + c22 * rz
    if tau != 0.0:
        ux, uy, uz = _turned(cam_omega[0], cam_omega[1], cam_omega[2], tau, ux, uy, uz)
    return ux, uy, uz


@kernel
def _turned(wx, wy, wz, tau, x, y, z):
    """``_rotate`` as a call: the rare moving-camera path of ``_world_ray``, which is
    inlined at four places of the shading loop (each inlined rotation costs compilation)."""
    return _rotate(wx, wy, wz, tau, x, y, z)


@kernel(inline="always")
def _box_normal(axis, sign, r00, r01, r02, r10, r11, r12, r20, r21, r22):
    """World normal of a box's face (``_box_face``) for the box's orientation r: a column
    of the rotation, already unit."""
    if axis == 0:
        return sign * r00, sign * r10, sign * r20
    if axis == 1:
        return sign * r01, sign * r11, sign * r21
    return sign * r02, sign * r12, sign * r22


@kernel(inline="always")
def _local_normal(k, p0, p1, p2, hx, hy, hz, tri, tris):
    """Part-frame normal (unnormalised) at a hit point (hx, hy, hz) of the surface of a
    part that is not a box; ``tri`` the hit triangle of a mesh. Which face of a cylinder
    was hit follows from the point, as for a box."""
    if k == CYLINDER:  # the cap when the point is relatively nearer the cap's plane
        if (p1 - abs(hz)) * p0 < (p0 - math.sqrt(hx * hx + hy * hy)) * p1:
            return 0.0, 0.0, math.copysign(1.0, hz)
        return hx, hy, 0.0
    if k == CAPSULE:  # away from the nearest point of the axis segment
        return hx, hy, hz - min(max(hz, -p1), p1)
    if k == MESH:  # normal of a scaled triangle: inverse-transpose of the scale
        e1x, e1y, e1z, e2x, e2y, e2z = _edges(tris, tri)
        return ((e1y * e2z - e1z * e2y) / p0, (e1z * e2x - e1x * e2z) / p1,
                (e1x * e2y - e1y * e2x) / p2)
    return hx, hy, hz  # sphere


@kernel
def _texel(texels, start, w, h, x, y):
    """Texel (x, y) of a texture, wrapped (textures repeat, as OBJ and glTF default)."""
    x %= w
    y %= h
    i = start + y * w + x
    return texels[i, 0], texels[i, 1], texels[i, 2]


@kernel(inline="always")
def _mesh_surface(tri, px, py, pz, offset, tris, look_color, tri_part, tri_uv, tri_color):
    """A mesh's triangle ``tri`` at the point (px, py, pz) (the mesh's own, unscaled frame):
    its part's colour in the posed part's palette (``offset``) times its corner colours, and
    its texture coordinates, both interpolated with the point's barycentric coordinates."""
    e1x, e1y, e1z, e2x, e2y, e2z = _edges(tris, tri)
    wx, wy, wz = px - tris[tri, 0, 0], py - tris[tri, 0, 1], pz - tris[tri, 0, 2]
    d00 = e1x * e1x + e1y * e1y + e1z * e1z
    d01 = e1x * e2x + e1y * e2y + e1z * e2z
    d11 = e2x * e2x + e2y * e2y + e2z * e2z
    d20 = wx * e1x + wy * e1y + wz * e1z
    d21 = wx * e2x + wy * e2y + wz * e2z
    den = d00 * d11 - d01 * d01
    b1 = b2 = 1.0 / 3.0
    if den > 0.0:
        b1 = min(max((d11 * d20 - d01 * d21) / den, 0.0), 1.0)
        b2 = min(max((d00 * d21 - d01 * d20) / den, 0.0), 1.0 - b1)
    b0 = 1.0 - b1 - b2
    c = offset + tri_part[tri]
    r = look_color[c, 0] * (b0 * tri_color[tri, 0, 0] + b1 * tri_color[tri, 1, 0]
                            + b2 * tri_color[tri, 2, 0])
    g = look_color[c, 1] * (b0 * tri_color[tri, 0, 1] + b1 * tri_color[tri, 1, 1]
                            + b2 * tri_color[tri, 2, 1])
    b = look_color[c, 2] * (b0 * tri_color[tri, 0, 2] + b1 * tri_color[tri, 1, 2]
                            + b2 * tri_color[tri, 2, 2])
    u = b0 * tri_uv[tri, 0, 0] + b1 * tri_uv[tri, 1, 0] + b2 * tri_uv[tri, 2, 0]
    v = b0 * tri_uv[tri, 0, 1] + b1 * tri_uv[tri, 1, 1] + b2 * tri_uv[tri, 2, 1]
    return r, g, b, u, v


@kernel
def _mesh_albedo(tri, px, py, pz, offset, tris, look_color, tri_part, tri_uv, tri_color,
                 tri_texture, tex_texels, tex_start, tex_width, tex_height):
    """Linear albedo of a mesh's triangle ``tri`` at the point (px, py, pz) (the mesh's
    own, unscaled frame): ``_mesh_surface``'s colour times its texture (bilinear, by the
    corners' texture coordinates). A call, not inlined: it runs for mesh pixels only."""
    r, g, b, u, v = _mesh_surface(tri, px, py, pz, offset, tris, look_color, tri_part, tri_uv,
                                  tri_color)
    tex = tri_texture[tri]
    if tex >= 0:
        w, h, start = tex_width[tex], tex_height[tex], tex_start[tex]
        # texel centres at half-integers; v runs up the image (OpenGL), rows run down
        x = u * w - 0.5
        y = (1.0 - v) * h - 0.5
        fx, fy = math.floor(x), math.floor(y)
        tx, ty = x - fx, y - fy
        ix, iy = int(fx), int(fy)
        r00, g00, b00 = _texel(tex_texels, start, w, h, ix, iy)
        r10, g10, b10 = _texel(tex_texels, start, w, h, ix + 1, iy)
        r01, g01, b01 = _texel(tex_texels, start, w, h, ix, iy + 1)
        r11, g11, b11 = _texel(tex_texels, start, w, h, ix + 1, iy + 1)
        w00, w10, w01, w11 = (1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty
        r *= w00 * r00 + w10 * r10 + w01 * r01 + w11 * r11
        g *= w00 * g00 + w10 * g10 + w01 * g01 + w11 * g11
        b *= w00 * b00 + w10 * b10 + w01 * b01 + w11 * b11
    return r, g, b


@kernel(inline="always")
def _uv_per_metre(tri, tris, tri_uv, sx, sy, sz):
    """How fast a triangle's texture coordinates change over the surface of its mesh scaled
    by (sx, sy, sz): √(area in uv / area in metres)."""
    e1x, e1y, e1z, e2x, e2y, e2z = _edges(tris, tri)
    e1x, e1y, e1z, e2x, e2y, e2z = e1x * sx, e1y * sy, e1z * sz, e2x * sx, e2y * sy, e2z * sz
    cx, cy, cz = e1y * e2z - e1z * e2y, e1z * e2x - e1x * e2z, e1x * e2y - e1y * e2x
    area = math.sqrt(cx * cx + cy * cy + cz * cz)
    du1, dv1 = tri_uv[tri, 1, 0] - tri_uv[tri, 0, 0], tri_uv[tri, 1, 1] - tri_uv[tri, 0, 1]
    du2, dv2 = tri_uv[tri, 2, 0] - tri_uv[tri, 0, 0], tri_uv[tri, 2, 1] - tri_uv[tri, 0, 1]
    uv_area = abs(du1 * dv2 - du2 * dv1)
    return math.sqrt(uv_area / area) if area > 0.0 else 0.0
