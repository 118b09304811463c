"""Per-object camera labels from the scene geometry: amodal 2D boxes, visibility, 3D boxes in
the camera frame, and dense optical flow between two captures.

Frames: ``T_world_cam`` maps OpenCV optical-frame points (x right, y down, z forward) to the
world; pixel centres sit at integer (u, v) in ``K``'s coordinates, so the image spans
I = [−0.5, W − 0.5] × [−0.5, H − 0.5] and a pixel set's tight box is [u_min − 0.5, u_max + 0.5].

Amodal box rule. Each part of an object becomes 3D segments that lie on the part and whose
projection contains the outline of its image: a box's 12 edges; a sphere's silhouette
(tangent) circle seen from the camera; a cylinder's two cap circles and its generator lines;
a capsule's cylinder plus the silhouette circles of both end spheres; a mesh's triangle
edges (curves as ``CIRCLE`` -gons, error ≤ r·(1 − cos(π/CIRCLE)) ≈ 3e-4·r). Near plane:
segments are clipped to z ≥ ``NEAR`` (1 mm); the crossing points of a convex part are joined
pairwise and those of each mesh triangle joined, and a sphere (or capsule end) cut by the
plane adds its cut circle, so the clipped solid's cut face is outlined too (it projects
≥ 1000 focal lengths out unless it passes within ~1 mm of the lens, which pushes the box to
the image border on that side). Pinhole: projected segments are clipped to I. With
distortion: segments are first clipped, in undistorted normalized coordinates, to a box
holding the undistorted image with a margin (beyond it the polynomial may fold back; points
there lie outside the image), then split into ≤ ``STEP_PX`` pieces, distorted, and clipped
to I. The box is the bounding box of what is left plus the image corners whose corner-pixel
ray hits the object (an object covering a corner). It is therefore the box of the object's
projection inside the image (as the box of its unoccluded mask), zeros when nothing of it
lies in the image or it is entirely behind the near plane. A projection that reaches into
the image only between the outermost pixel centres and the image edge (or slips between
pixel centres) keeps its box with 0 unoccluded pixels.

Unoccluded pixels are the pixel rays (``model.pixel_rays()``, as the camera casts them, no
near/far limit) inside the amodal box, grown by 1 px, that hit the object's parts alone.
"""

from __future__ import annotations

import functools

import numpy as np

from ...geometry.raycast import cast_rays
from ...geometry.scene_geometry import (
    BOX,
    CAPSULE,
    CYLINDER,
    MESH,
    SPHERE,
    SceneGeometry,
    subset,
)
from ...geometry.transforms import invert, matrix_to_quat, pose_matrix, rotate_rows
from .projection import CameraModel

NEAR = 1e-3  # m, near plane (optical z) against which geometry is clipped
CIRCLE = 128  # points per sampled circle
STEP_PX = 2.0  # longest straight piece of a segment before distortion is applied
# Corner k = 4·ix + 2·iy + iz of the local 3D box; index 0 → sign −, 1 → sign + per axis.
CORNER_SIGNS = np.array([[2 * (k >> 2) - 1, 2 * ((k >> 1) & 1) - 1, 2 * (k & 1) - 1]
                         for k in range(8)], dtype=np.float64)
_BOX_EDGES = [(a, b) for a in range(8) for b in range(a + 1, 8) if bin(a ^ b).count("1") == 1]


def object_labels(geometry: SceneGeometry, T_world_cam: np.ndarray, model: CameraModel,
                  instance_mask: np.ndarray, positions: np.ndarray, orientations: np.ndarray,
                  sizes: np.ndarray, centers_local: np.ndarray, count: int, max_objects: int
                  ) -> dict[str, np.ndarray]:
    """Per-object labels of one capture, padded to M = ``max_objects`` (object i has
    instance id i + 1; rows ≥ ``count`` are zeros).

    Parameters
    ----------
    geometry : the scene at this capture (parts carry ``instance``)
    T_world_cam : (4, 4) optical frame → world
    instance_mask : (H, W) int32 rendered visible instance ids
    positions, orientations : (M, 3) world positions, (M, 4) world xyzw of the objects
    sizes, centers_local : (M, 3) extents and centre of each object's 3D box, object frame

    Returns
    -------
    ``boxes2d_amodal`` (M, 4) float32 x_min, y_min, x_max, y_max (module docstring);
    ``unoccluded_pixels`` (M,) int32 pixels hit by the object alone; ``visibility`` (M,)
    float32 visible / unoccluded pixels in [0, 1] (0 when unoccluded is 0);
    ``box3d_center_cam`` (M, 3) float64, ``box3d_size`` (M, 3) float32,
    ``box3d_orientation_cam`` (M, 4) float64 xyzw (w ≥ 0): the 3D box in the optical frame
    (filled for every real object, in view or not);
    ``pose_cam`` (M, 4, 4) float64 T_cam_obj; ``box3d_corners_2d`` (M, 8, 2) float32 distorted
    pixels of the corners (order ``CORNER_SIGNS``), NaN where a corner has z ≤ 0.
    """
    M, W = max_objects, model.width
    if not 0 <= count <= M:
        raise ValueError(f"count must be in [0, max_objects = {M}], got {count}")
    if np.shape(instance_mask) != (model.height, W):
        raise ValueError(f"instance_mask must be (H, W) = {(model.height, W)}, got "
                         f"{np.shape(instance_mask)}")
    out = {"boxes2d_amodal": np.zeros((M, 4), np.float32),
           "unoccluded_pixels": np.zeros(M, np.int32), "visibility": np.zeros(M, np.float32),
           "box3d_center_cam": np.zeros((M, 3)), "box3d_size": np.zeros((M, 3), np.float32),
           "box3d_orientation_cam": np.zeros((M, 4)), "pose_cam": np.zeros((M, 4, 4)),
           "box3d_corners_2d": np.zeros((M, 8, 2), np.float32)}
    T_world_cam = np.asarray(T_world_cam, np.float64)
    T_cam_world = invert(T_world_cam)
    origin = T_world_cam[:3, 3]
    rays = PixelRays(model.pixel_rays(), T_world_cam[:3, :3])  # as the camera casts them
    visible = np.bincount(np.asarray(instance_mask).ravel().clip(0), minlength=M + 1)
    for i in range(count):
        T_cam_obj = T_cam_world @ pose_matrix(positions[i], orientations[i])
        out["pose_cam"][i] = T_cam_obj
        R, t = T_cam_obj[:3, :3], T_cam_obj[:3, 3]
        centre = np.asarray(centers_local[i], np.float64)
        out["box3d_center_cam"][i] = R @ centre + t
        out["box3d_size"][i] = sizes[i]
        out["box3d_orientation_cam"][i] = matrix_to_quat(R)
        corners = (centre + 0.5 * CORNER_SIGNS * np.asarray(sizes[i], np.float64)) @ R.T + t
        uv, valid = model.project(corners)
        out["box3d_corners_2d"][i] = np.where(valid[:, None], uv, np.nan)

        parts = np.flatnonzero(geometry.instance == i + 1)
        if parts.size == 0:
            continue
        alone = subset(geometry, parts)
        box = amodal_box(alone, T_world_cam, model, rays)
        if box is None:
            continue
        out["boxes2d_amodal"][i] = box
        u0, v0 = (max(int(np.ceil(c - 1.0)), 0) for c in box[:2])
        u1, v1 = (min(int(np.floor(c + 1.0)), n - 1)
                  for c, n in zip(box[2:], (W, model.height), strict=True))
        uu, vv = np.meshgrid(np.arange(u0, u1 + 1), np.arange(v0, v1 + 1))
        pix = (vv * W + uu).ravel()
        n_hit = int(cast_rays(alone, origin, rays[pix]).hit.sum())
        out["unoccluded_pixels"][i] = n_hit
        if n_hit:
            out["visibility"][i] = min(visible[i + 1] / n_hit, 1.0)
    return out


class PixelRays:
    """The camera's pixel rays turned into the world, only for the pixels asked for (the
    labels need a few boxes' worth, not all H·W rows). Row by row the same arithmetic as
    rotating them all."""

    def __init__(self, rays_cam: np.ndarray, R_world_cam: np.ndarray) -> None:
        self.rays_cam, self.R = rays_cam, R_world_cam

    def __getitem__(self, pixels) -> np.ndarray:
        return rotate_rows(self.rays_cam[pixels], self.R)


def amodal_box(alone: SceneGeometry, T_world_cam: np.ndarray, model: CameraModel,
               d_world: PixelRays | np.ndarray) -> np.ndarray | None:
    """(4,) box of the projection of every part of ``alone`` within the image, or None.
    ``d_world``: the (H*W, 3) pixel rays in the world (indexable by pixel), to test the
    image corners."""
    W, H = model.width, model.height
    R_cw = T_world_cam[:3, :3].T
    segs = [part_segments(int(k), R_cw @ rot, R_cw @ (pos - T_world_cam[:3, 3]), prm,
                          alone.tris[a:a + n] if k == MESH else None)
            for k, rot, pos, prm, a, n in zip(alone.kind, alone.rot, alone.pos, alone.params,
                                               alone.mesh_tri, alone.mesh_tri_count,
                                               strict=True)]
    A = np.concatenate([s[0] for s in segs])
    B = np.concatenate([s[1] for s in segs])
    lo, hi = np.array([-0.5, -0.5]), np.array([W - 0.5, H - 0.5])
    pts = [np.zeros((0, 2))]
    if len(A):
        a, b = A[:, :2] / A[:, 2:], B[:, :2] / B[:, 2:]  # undistorted normalized
        if np.any(model.dist):
            a, b, ok = clip_segments(a, b, *_undistorted_bounds(model))
            a, b = _densify(a[ok], b[ok], model.K[0, 0], model.K[1, 1])
        a, b = (model.project(np.c_[p, np.ones(len(p))])[0] for p in (a, b))
        a, b, ok = clip_segments(a, b, lo, hi)
        pts += [a[ok], b[ok]]
    corner_pix = [0, W - 1, (H - 1) * W, H * W - 1]
    hit = cast_rays(alone, T_world_cam[:3, 3], d_world[corner_pix]).hit
    pts.append(np.array([[lo[0], lo[1]], [hi[0], lo[1]], [lo[0], hi[1]], [hi[0], hi[1]]])[hit])
    p = np.concatenate(pts)
    if len(p) == 0:
        return None
    box = np.r_[p.min(axis=0), p.max(axis=0)]
    return box if box[2] > box[0] and box[3] > box[1] else None


def part_segments(kind: int, R: np.ndarray, c: np.ndarray, params: np.ndarray,
                  tris: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """3D segments (A, B), each (S, 3) in the optical frame, clipped to z ≥ NEAR, outlining
    the image of one part with rotation ``R`` (R_cam_part) and origin ``c`` (optical frame)."""
    p0, p1 = float(params[0]), float(params[1])
    caps: list[tuple[np.ndarray, float]] = []  # spheres (centre, radius) cut by the plane
    if kind == BOX:
        v = (CORNER_SIGNS * params) @ R.T + c
        A, B = v[[e[0] for e in _BOX_EDGES]], v[[e[1] for e in _BOX_EDGES]]
    elif kind == SPHERE:
        A, B = _loop(_silhouette(c, p0))
        caps = [(c, p0)]
    elif kind in (CYLINDER, CAPSULE):
        ring = _circle(np.zeros(3), R[:, 0], R[:, 1], p0)
        lo, hi = ring + c - p1 * R[:, 2], ring + c + p1 * R[:, 2]
        loops = [_loop(lo), _loop(hi), (lo, hi)]
        if kind == CAPSULE:
            ends = (c - p1 * R[:, 2], c + p1 * R[:, 2])
            loops += [_loop(_silhouette(e, p0)) for e in ends]
            caps = [(e, p0) for e in ends]
        A, B = (np.concatenate([seg[j] for seg in loops]) for j in (0, 1))
    elif kind == MESH and tris is not None:
        v = (tris * params) @ R.T + c  # (T, 3, 3)
        A, B = v.reshape(-1, 3), v[:, [1, 2, 0]].reshape(-1, 3)
    else:
        raise ValueError(f"unknown part kind {kind}")
    A, B = _near_clip(A, B, joined="mesh" if kind == MESH else "convex")
    for centre, r in caps:
        if abs(centre[2] - NEAR) < r:
            rho = np.sqrt(r * r - (centre[2] - NEAR) ** 2)
            a, b = _loop(_circle(np.array([centre[0], centre[1], NEAR]), np.eye(3)[0],
                                 np.eye(3)[1], rho))
            A, B = np.r_[A, a], np.r_[B, b]
    return A, B


def optical_flow(part: np.ndarray, t: np.ndarray, rays_cam: np.ndarray, model: CameraModel,
                 T_world_cam_a: np.ndarray, T_world_cam_b: np.ndarray,
                 geometry_a: SceneGeometry, geometry_b: SceneGeometry) -> np.ndarray:
    """Forward optical flow (H, W, 2) float32, pixels, from capture a to capture b.

    ``part`` (H*W,) or (H, W) hit part index (−1 = miss) and ``t`` distance along the ray of
    the pixel rays ``rays_cam`` (H*W, 3) (unit, optical frame of camera a, row-major — as
    ``model.pixel_rays()``) cast from camera a. A hit point is carried rigidly with its part
    (same index in ``geometry_b``: parts keep their order across captures) and projected by
    camera b; a miss is a direction at infinity (rotation-only flow). flow = (u_b, v_b) −
    (u, v); NaN where the point (or direction) is not in front of camera b.
    """
    if len(geometry_a.kind) != len(geometry_b.kind):
        raise ValueError(f"geometry_a has {len(geometry_a.kind)} parts, geometry_b "
                         f"{len(geometry_b.kind)}: captures must list the same parts")
    W, H = model.width, model.height
    part = np.asarray(part).reshape(-1)
    t = np.asarray(t, np.float64).reshape(-1)
    Ra, Rb = np.asarray(T_world_cam_a, np.float64)[:3, :3], np.asarray(T_world_cam_b)[:3, :3]
    ca, cb = np.asarray(T_world_cam_a, np.float64)[:3, 3], np.asarray(T_world_cam_b)[:3, 3]
    rays = np.asarray(rays_cam, np.float64).reshape(-1, 3)
    pts_b = rotate_rows(rays, Rb.T @ Ra)  # misses: R_cam_b_world · d, a point at infinity
    # A hit X = ca + t·d (world) moves with its part to R_b·R_aᵀ·(X − pos_a) + pos_b; in
    # camera b that is t·(A_p·ray) + c_p with, per part p:
    R_move = geometry_b.rot @ geometry_a.rot.transpose(0, 2, 1)  # (P, 3, 3)
    A = Rb.T @ R_move @ Ra
    c = (R_move @ (ca - geometry_a.pos)[:, :, None])[:, :, 0] + geometry_b.pos - cb
    c = c @ Rb
    hit = part >= 0
    p = part[hit]
    pts_b[hit] = t[hit, None] * np.einsum("nij,nj->ni", A[p], rays[hit]) + c[p]
    uv, valid = model.project(pts_b)
    v, u = np.divmod(np.arange(H * W), W)
    flow = uv - np.c_[u, v]
    flow[~valid] = np.nan
    return flow.reshape(H, W, 2).astype(np.float32)


def clip_segments(a: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Liang–Barsky: 2D segments (S, 2) clipped to the box [lo, hi]; returns the clipped
    ends and (S,) bool, False for segments missing the box."""
    d = b - a
    s0, s1 = np.zeros(len(a)), np.ones(len(a))
    ok = np.ones(len(a), bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in (0, 1):
            for p, q in ((-d[:, k], a[:, k] - lo[k]), (d[:, k], hi[k] - a[:, k])):
                ok &= (p != 0) | (q >= 0)
                r = q / p
                s0 = np.where(p < 0, np.maximum(s0, r), s0)
                s1 = np.where(p > 0, np.minimum(s1, r), s1)
    ok &= s0 <= s1
    return a + s0[:, None] * d, a + s1[:, None] * d, ok


def _densify(a: np.ndarray, b: np.ndarray, fx: float, fy: float
             ) -> tuple[np.ndarray, np.ndarray]:
    """Split normalized segments into pieces no longer than STEP_PX pixels."""
    d = b - a
    n = np.maximum(np.ceil(np.hypot(d[:, 0] * fx, d[:, 1] * fy) / STEP_PX), 1).astype(np.int64)
    seg = np.repeat(np.arange(len(a)), n)
    j = np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)
    s0, s1 = j / n[seg], (j + 1) / n[seg]
    return a[seg] + s0[:, None] * d[seg], a[seg] + s1[:, None] * d[seg]


@functools.lru_cache(maxsize=8)
def _undistorted_bounds(model: CameraModel) -> tuple[np.ndarray, np.ndarray]:
    """Box in undistorted normalized coordinates holding the whole image with a margin."""
    W, H = model.width, model.height
    s = np.linspace(0.0, 1.0, 257)
    edge = np.r_[np.c_[s * W - 0.5, np.full_like(s, -0.5)], np.c_[s * W - 0.5, 0 * s + H - 0.5],
                 np.c_[np.full_like(s, -0.5), s * H - 0.5], np.c_[0 * s + W - 0.5, s * H - 0.5]]
    xy = model.undistort_points(edge)
    lo, hi = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
    margin = 0.02 * (hi - lo) + 2.0 / np.diag(model.K)[:2]
    return lo - margin, hi + margin


def _near_clip(A: np.ndarray, B: np.ndarray, joined: str) -> tuple[np.ndarray, np.ndarray]:
    """Clip (S, 3) segments to z ≥ NEAR and outline the cut: ``convex`` joins all crossing
    points pairwise (the cut face is their hull), ``mesh`` joins each triangle's two (the
    segments come as consecutive triangle edge triples)."""
    za, zb = A[:, 2], B[:, 2]
    fa, fb = za >= NEAR, zb >= NEAR
    cross = fa != fb
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(cross, (NEAR - za) / (zb - za), 0.0)
    X = A + s[:, None] * (B - A)
    X[:, 2] = NEAR
    A2, B2 = np.where(fa[:, None], A, X), np.where(fb[:, None], B, X)
    keep = fa | fb
    extra_a, extra_b = [A2[keep]], [B2[keep]]
    if joined == "convex" and cross.sum() >= 2:
        Xc = X[cross]
        i, j = np.triu_indices(len(Xc), 1)
        extra_a.append(Xc[i])
        extra_b.append(Xc[j])
    elif joined == "mesh" and cross.any():
        c3, X3 = cross.reshape(-1, 3), X.reshape(-1, 3, 3)
        two = c3.sum(axis=1) == 2
        first = np.argmax(c3[two], axis=1)
        last = 2 - np.argmax(c3[two][:, ::-1], axis=1)
        rows = np.flatnonzero(two)
        extra_a.append(X3[rows, first])
        extra_b.append(X3[rows, last])
    return np.concatenate(extra_a), np.concatenate(extra_b)


def _circle(centre: np.ndarray, e1: np.ndarray, e2: np.ndarray, radius: float) -> np.ndarray:
    ang = np.linspace(0.0, 2 * np.pi, CIRCLE, endpoint=False)
    return centre + radius * (np.cos(ang)[:, None] * e1 + np.sin(ang)[:, None] * e2)


def _loop(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return points, np.roll(points, -1, axis=0)


def _silhouette(c: np.ndarray, r: float) -> np.ndarray:
    """(CIRCLE, 3) points of the circle where rays from the origin graze the sphere (c, r);
    empty when the origin is inside it (then it covers the whole view)."""
    d2 = float(c @ c)
    if d2 <= r * r:
        return np.zeros((0, 3))
    w = c / np.sqrt(d2)
    e1 = np.cross(w, [1.0, 0.0, 0.0] if abs(w[0]) < 0.9 else [0.0, 1.0, 0.0])
    e1 /= np.linalg.norm(e1)
    return _circle(c * (1 - r * r / d2), e1, np.cross(w, e1), r * np.sqrt(d2 - r * r) / np.sqrt(d2))
