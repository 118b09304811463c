"""Numba kernels of the ray-casting core. They only compute; ``raycast.py`` validates and
allocates. Every ray is independent, so ``prange`` over rays is deterministic whatever the
thread count."""

from __future__ import annotations

import math

import numba
import numpy as np

from .._numba import kernel

BOX, SPHERE, CYLINDER, CAPSULE, MESH = 1, 2, 3, 4, 5
STACK = 64
CHUNK = 256  # rays per parallel work item of cast_kernel


@kernel(inline="always")
def _sphere(ox, oy, oz, dx, dy, dz, r, zsign, tmin, best):
    """Nearest root of |o + t d|² = r² in (tmin, best); d need not be unit (mesh scaling
    keeps t in world units). With ``zsign`` ±1 only the half with zsign·z >= 0 counts: a
    capsule's end cap without its inner half, which lies inside the capsule; 0 = whole."""
    a = dx * dx + dy * dy + dz * dz
    b = ox * dx + oy * dy + oz * dz
    c = ox * ox + oy * oy + oz * oz - r * r
    disc = b * b - a * c
    if disc < 0.0:
        return best
    s = math.sqrt(disc)
    for t in ((-b - s) / a, (-b + s) / a):
        if t > tmin and t < best and zsign * (oz + t * dz) >= 0.0:
            return t
    return best


@kernel(inline="always")
def _slab(o, d, h, k, t0, t1, axis, sign, axis1, sign1):
    """One axis of the slab test: narrow (t0, t1) to the ray's span between the planes ±h,
    remembering which face bounds each end. An empty span is returned as t0 > t1."""
    if d == 0.0:
        if o < -h or o > h:
            return np.inf, -np.inf, axis, sign, axis1, sign1
        return t0, t1, axis, sign, axis1, sign1
    inv = 1.0 / d
    ta = (-h - o) * inv
    tb = (h - o) * inv
    s = -1.0
    if ta > tb:
        ta, tb = tb, ta
        s = 1.0
    if ta > t0:
        t0, axis, sign = ta, k, s
    if tb < t1:
        t1, axis1, sign1 = tb, k, -s
    return t0, t1, axis, sign, axis1, sign1


@kernel(inline="always")
def _box(ox, oy, oz, dx, dy, dz, hx, hy, hz, tmin, best):
    """Slab test; returns (t, face axis 0..2, sign) of the first face crossing beyond tmin:
    the entry face, or the exit face when the entry lies before tmin (as for the other
    primitives and meshes). Unrolled per axis: a loop over tuples is ~3x slower."""
    t0, t1, axis, sign, axis1, sign1 = _slab(ox, dx, hx, 0, -np.inf, np.inf, -1, 1.0, -1, 1.0)
    t0, t1, axis, sign, axis1, sign1 = _slab(oy, dy, hy, 1, t0, t1, axis, sign, axis1, sign1)
    t0, t1, axis, sign, axis1, sign1 = _slab(oz, dz, hz, 2, t0, t1, axis, sign, axis1, sign1)
    if t0 > t1 or axis < 0:
        return best, -1, 1.0
    if t0 > tmin and t0 < best:
        return t0, axis, sign
    if t0 <= tmin and t1 > tmin and t1 < best:
        return t1, axis1, sign1
    return best, -1, 1.0


@kernel(inline="always")
def _cylinder_side(ox, oy, oz, dx, dy, dz, r, h, tmin, best):
    a = dx * dx + dy * dy
    if a == 0.0:
        return best
    b = ox * dx + oy * dy
    c = ox * ox + oy * oy - r * r
    disc = b * b - a * c
    if disc < 0.0:
        return best
    s = math.sqrt(disc)
    for t in ((-b - s) / a, (-b + s) / a):
        if t > tmin and t < best and abs(oz + t * dz) <= h:
            return t
    return best


@kernel(inline="always")
def _caps(ox, oy, oz, dx, dy, dz, r, h, tmin, best):
    if dz == 0.0:
        return best
    for zc in (-h, h):
        t = (zc - oz) / dz
        if t > tmin and t < best:
            x = ox + t * dx
            y = oy + t * dy
            if x * x + y * y <= r * r:
                best = t
    return best


@kernel(inline="always")
def _edges(tris, k):
    """The two edges from vertex 0 of triangle k. (Indexing ``tris`` here rather than taking
    ``tris[k]`` avoids building an array view per triangle.)"""
    return (tris[k, 1, 0] - tris[k, 0, 0], tris[k, 1, 1] - tris[k, 0, 1],
            tris[k, 1, 2] - tris[k, 0, 2], tris[k, 2, 0] - tris[k, 0, 0],
            tris[k, 2, 1] - tris[k, 0, 1], tris[k, 2, 2] - tris[k, 0, 2])


@kernel(inline="always")
def _triangle(ox, oy, oz, dx, dy, dz, tris, k, tmin, best):
    """Möller–Trumbore on triangle k; returns t or best. The barycentric tests run on the
    unnormalised values (u·det within [0, det]), so a missed triangle costs no division:
    most tested triangles are missed."""
    e1x, e1y, e1z, e2x, e2y, e2z = _edges(tris, k)
    px = dy * e2z - dz * e2y
    py = dz * e2x - dx * e2z
    pz = dx * e2y - dy * e2x
    det = e1x * px + e1y * py + e1z * pz
    if abs(det) < 1e-18:
        return best
    sx = ox - tris[k, 0, 0]
    sy = oy - tris[k, 0, 1]
    sz = oz - tris[k, 0, 2]
    u = sx * px + sy * py + sz * pz
    sign = 1.0 if det > 0.0 else -1.0
    adet = det * sign
    if u * sign < 0.0 or u * sign > adet:
        return best
    qx = sy * e1z - sz * e1y
    qy = sz * e1x - sx * e1z
    qz = sx * e1y - sy * e1x
    v = dx * qx + dy * qy + dz * qz
    if v * sign < 0.0 or (u + v) * sign > adet:
        return best
    t = (e2x * qx + e2y * qy + e2z * qz) / det
    if t > tmin and t < best:
        return t
    return best


@kernel(inline="always")
def _aabb_entry(ox, oy, oz, ix, iy, iz, node_min, node_max, n, best):
    """Entry distance of the ray into node n's box, or inf if it misses it before best.
    (Unsigned indices: Numba then skips the negative-index wraparound of every load, 7 %
    of a mesh ray's time.)"""
    n = np.uint64(n)
    tx0 = (node_min[n, 0] - ox) * ix
    tx1 = (node_max[n, 0] - ox) * ix
    ty0 = (node_min[n, 1] - oy) * iy
    ty1 = (node_max[n, 1] - oy) * iy
    tz0 = (node_min[n, 2] - oz) * iz
    tz1 = (node_max[n, 2] - oz) * iz
    # plain comparisons: min() and max() carry NaN handling this hot test does not need
    tn = tx0 if tx0 < tx1 else tx1
    tf = tx1 if tx0 < tx1 else tx0
    a, b = (ty0, ty1) if ty0 < ty1 else (ty1, ty0)
    tn = a if a > tn else tn
    tf = b if b < tf else tf
    a, b = (tz0, tz1) if tz0 < tz1 else (tz1, tz0)
    tn = a if a > tn else tn
    tf = b if b < tf else tf
    if tf >= tn and tf >= 0.0 and tn < best:
        return tn
    return np.inf


@kernel
def _mesh(ox, oy, oz, dx, dy, dz, node_off, tri_off, node_min, node_max, node_left,
          node_start, node_count, tris, tmin, best, stack, any_hit=False, start=0):
    """Returns (t, triangle index) of the nearest hit in one mesh's BVH, visiting the nearer
    child first so that farther subtrees are mostly culled by the hit found. ``stack`` is
    the caller's scratch space (STACK int32), so the hot loop allocates nothing. With
    ``any_hit`` it returns the first hit found instead (a shadow ray asks only whether
    there is one: with ``best`` inf, it exists exactly when the nearest-hit search finds
    one, since until a first hit both walk the same nodes). ``start`` (relative to the
    root) begins the walk at that node instead of the root: a caller that knows no ray
    hits anything outside its subtree (a bundle of camera rays) skips the levels above."""
    ix = 1.0 / dx if dx != 0.0 else 1e300
    iy = 1.0 / dy if dy != 0.0 else 1e300
    iz = 1.0 / dz if dz != 0.0 else 1e300
    hit_tri = -1
    if _aabb_entry(ox, oy, oz, ix, iy, iz, node_min, node_max, node_off + start,
                   best) == np.inf:
        return best, hit_tri
    stack[0] = start
    top = 1
    while top > 0:
        top -= 1
        n = np.uint64(node_off + stack[np.uint64(top)])
        cnt = node_count[n]
        if cnt > 0:
            s = tri_off + node_start[n]
            for k in range(s, s + cnt):
                t = _triangle(ox, oy, oz, dx, dy, dz, tris, k, tmin, best)
                if t < best:
                    best = t
                    hit_tri = k
                    if any_hit:
                        return best, hit_tri
            continue
        a = node_left[n]
        ta = _aabb_entry(ox, oy, oz, ix, iy, iz, node_min, node_max, node_off + a, best)
        tb = _aabb_entry(ox, oy, oz, ix, iy, iz, node_min, node_max, node_off + a + 1, best)
        if top + 2 > STACK:  # cannot happen for the trees we build (depth < 64)
            continue
        if ta <= tb:
            if tb < np.inf:
                stack[top] = a + 1
                top += 1
            if ta < np.inf:
                stack[top] = a
                top += 1
        else:
            if ta < np.inf:
                stack[top] = a
                top += 1
            stack[top] = a + 1
            top += 1
    return best, hit_tri


@kernel(inline="always")
def intersect_local(k, p0, p1, p2, mesh_node, mesh_tri, ox, oy, oz, dx, dy, dz, tmin, best,
                    node_min, node_max, node_left, node_start, node_count, tris, stack):
    """Nearest hit of a ray given in a part's own frame, in (tmin, best).

    Returns (t, nx, ny, nz, tri): t < best on a hit, with the (unnormalised) normal in the
    part frame and, for a mesh, the hit triangle (-1 otherwise); t == best on a miss.
    ``p0..p2`` are the part's params (box half extents, radius, (radius, half length), or
    mesh scale)."""
    if k == BOX:
        t, axis, sign = _box(ox, oy, oz, dx, dy, dz, p0, p1, p2, tmin, best)
        if t < best:
            return (t, sign if axis == 0 else 0.0, sign if axis == 1 else 0.0,
                    sign if axis == 2 else 0.0, -1)
    elif k == SPHERE:
        t = _sphere(ox, oy, oz, dx, dy, dz, p0, 0.0, tmin, best)
        if t < best:
            return t, ox + t * dx, oy + t * dy, oz + t * dz, -1
    elif k == CYLINDER:
        t_side = _cylinder_side(ox, oy, oz, dx, dy, dz, p0, p1, tmin, best)
        t = _caps(ox, oy, oz, dx, dy, dz, p0, p1, tmin, t_side)
        if t < t_side:
            return t, 0.0, 0.0, math.copysign(1.0, oz + t * dz), -1
        if t_side < best:
            return t_side, ox + t_side * dx, oy + t_side * dy, 0.0, -1
    elif k == CAPSULE:
        r, h = p0, p1
        t_side = _cylinder_side(ox, oy, oz, dx, dy, dz, r, h, tmin, best)
        t_lo = _sphere(ox, oy, oz + h, dx, dy, dz, r, -1.0, tmin, t_side)
        t_hi = _sphere(ox, oy, oz - h, dx, dy, dz, r, 1.0, tmin, t_lo)
        if t_hi < best:
            hz = oz + t_hi * dz
            if t_hi < t_lo:
                hz -= h
            elif t_lo < t_side:
                hz += h
            else:
                hz = 0.0
            return t_hi, ox + t_hi * dx, oy + t_hi * dy, hz, -1
    elif k == MESH:
        t, tri = _mesh(ox / p0, oy / p1, oz / p2, dx / p0, dy / p1, dz / p2, mesh_node,
                       mesh_tri, node_min, node_max, node_left, node_start, node_count, tris,
                       tmin, best, stack)
        if tri >= 0:
            e1x, e1y, e1z, e2x, e2y, e2z = _edges(tris, tri)
            # normal of a scaled triangle: inverse-transpose of the scale
            return (t, (e1y * e2z - e1z * e2y) / p0, (e1z * e2x - e1x * e2z) / p1,
                    (e1x * e2y - e1y * e2x) / p2, tri)
    return best, 0.0, 0.0, 0.0, -1


@kernel(inline="always")
def rotate_into(R, qx, qy, qz, ux, uy, uz):
    """Rᵀ q and Rᵀ u: a ray offset and direction expressed in the frame R."""
    return (R[0, 0] * qx + R[1, 0] * qy + R[2, 0] * qz,
            R[0, 1] * qx + R[1, 1] * qy + R[2, 1] * qz,
            R[0, 2] * qx + R[1, 2] * qy + R[2, 2] * qz,
            R[0, 0] * ux + R[1, 0] * uy + R[2, 0] * uz,
            R[0, 1] * ux + R[1, 1] * uy + R[2, 1] * uz,
            R[0, 2] * ux + R[1, 2] * uy + R[2, 2] * uz)


@kernel(inline="always")
def to_local(R, P, wx, wy, wz, ux, uy, uz):
    """A world ray in the frame (R, P) of a part: o' = Rᵀ(o − P), d' = Rᵀ d."""
    return rotate_into(R, wx - P[0], wy - P[1], wz - P[2], ux, uy, uz)


@kernel(inline="always")
def normal_to_world(R, nlx, nly, nlz, ux, uy, uz):
    """Part-frame normal to a unit world normal facing the ray (meshes have either winding)."""
    nx = R[0, 0] * nlx + R[0, 1] * nly + R[0, 2] * nlz
    ny = R[1, 0] * nlx + R[1, 1] * nly + R[1, 2] * nlz
    nz = R[2, 0] * nlx + R[2, 1] * nly + R[2, 2] * nlz
    norm = math.sqrt(nx * nx + ny * ny + nz * nz)
    if norm > 0.0:
        inv = 1.0 / norm  # one division, not three: this runs for every camera pixel
        nx, ny, nz = nx * inv, ny * inv, nz * inv
    if nx * ux + ny * uy + nz * uz > 0.0:
        nx, ny, nz = -nx, -ny, -nz
    return nx, ny, nz


@kernel(inline="always")
def _cast_one(i, origins, dirs, tmin, tmax, kind, rot, pos, params, bcenter, bradius, mesh_node,
              mesh_tri, node_min, node_max, node_left, node_start, node_count, tris, out_t,
              out_part, out_normal, stack, instance, semantic, material, out_instance,
              out_semantic, out_material, out_tri):
    """Nearest hit of ray i over every part (see cast_kernel). ``origins``, ``tmin`` and
    ``tmax`` hold one row per ray or a single row shared by all."""
    n_parts = kind.shape[0]
    io = i if origins.shape[0] > 1 else 0
    wx, wy, wz = origins[io, 0], origins[io, 1], origins[io, 2]
    ux, uy, uz = dirs[i, 0], dirs[i, 1], dirs[i, 2]
    t_lo = tmin[i if tmin.shape[0] > 1 else 0]
    best = tmax[i if tmax.shape[0] > 1 else 0]
    best_part = -1
    best_tri = -1
    nlx, nly, nlz = 0.0, 0.0, 0.0
    for p in range(n_parts):
        # bounding-sphere cull (dirs are unit vectors in the world frame)
        cx = bcenter[p, 0] - wx
        cy = bcenter[p, 1] - wy
        cz = bcenter[p, 2] - wz
        proj = cx * ux + cy * uy + cz * uz
        d2 = cx * cx + cy * cy + cz * cz - proj * proj
        rr = bradius[p]
        if d2 > rr * rr or proj + rr < t_lo or proj - rr > best:
            continue
        ox, oy, oz, dx, dy, dz = to_local(rot[p], pos[p], wx, wy, wz, ux, uy, uz)
        t, ax, ay, az, tri = intersect_local(kind[p], params[p, 0], params[p, 1],
                                             params[p, 2], mesh_node[p], mesh_tri[p], ox, oy,
                                             oz, dx, dy, dz, t_lo, best, node_min, node_max,
                                             node_left, node_start, node_count, tris, stack)
        if t < best:
            best, best_part, best_tri = t, p, tri
            nlx, nly, nlz = ax, ay, az
    out_t[i] = best if best_part >= 0 else np.inf
    out_part[i] = best_part
    if best_part >= 0:
        nx, ny, nz = normal_to_world(rot[best_part], nlx, nly, nlz, ux, uy, uz)
        out_instance[i] = instance[best_part]
        out_semantic[i] = semantic[best_part]
        out_material[i] = material[best_part]
    else:
        nx, ny, nz = 0.0, 0.0, 0.0
        out_instance[i] = 0
        out_semantic[i] = 0
        out_material[i] = -1
    out_tri[i] = best_tri
    out_normal[i, 0] = nx
    out_normal[i, 1] = ny
    out_normal[i, 2] = nz


@kernel(parallel=True)
def cast_kernel(origins, dirs, tmin, tmax, kind, rot, pos, params, bcenter, bradius, mesh_node,
                mesh_tri, node_min, node_max, node_left, node_start, node_count, tris,
                instance, semantic, material, tri_material, out_t, out_part, out_normal,
                out_instance, out_semantic, out_material, out_tri, not_unit):
    """Nearest hit of every ray over every part. Writes t (inf on miss), part index (-1),
    the world-frame unit normal facing the ray, the part's labels (the material of the
    hit triangle where ``tri_material`` gives one) and the mesh triangle hit (-1); flags
    in ``not_unit`` (one per chunk of CHUNK rays) any direction that is not a unit vector."""
    n_rays = dirs.shape[0]
    for c in numba.prange((n_rays + CHUNK - 1) // CHUNK):
        stack = np.empty(STACK, np.int32)
        for i in range(c * CHUNK, min((c + 1) * CHUNK, n_rays)):
            if abs(dirs[i, 0] ** 2 + dirs[i, 1] ** 2 + dirs[i, 2] ** 2 - 1.0) > 2e-6:
                not_unit[c] = True
            _cast_one(i, origins, dirs, tmin, tmax, kind, rot, pos, params, bcenter, bradius,
                      mesh_node, mesh_tri, node_min, node_max, node_left, node_start,
                      node_count, tris, out_t, out_part, out_normal, stack, instance,
                      semantic, material, out_instance, out_semantic, out_material, out_tri)
            # a mesh triangle's own material where its asset names one (a tyre, a window)
            if out_tri[i] >= 0 and tri_material[out_tri[i]] >= 0:
                out_material[i] = tri_material[out_tri[i]]
