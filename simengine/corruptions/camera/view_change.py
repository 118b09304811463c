"""3D Common Corruptions' view changes, done on the simulator's depth: ``occlusion`` (an
object passing close in front of the camera) and ``scale`` (the camera nearer the scene).

3DCC picks such views of a scanned building from its amodal masks; it publishes no
per-severity table for them. Ours are physical and stated per level: the share of the image
an occluder covers, and the magnification of the scene's median-depth plane.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cv2
import numpy as np

from ..base import Result, register
from .physical import decode_srgb, encode_srgb

OCCLUDER_AMBIENT = 0.3  # share of the occluder's light that does not depend on its normal
SCALE_ITERATIONS = 4  # fixed-point steps of the inverse magnification (exact for a plane)


def pixel_rays(shape: tuple[int, int], K: np.ndarray) -> np.ndarray:
    """(H, W, 3) unit rays through the pixel centres, camera frame (OpenCV)."""
    height, width = shape
    u = (np.arange(width) - K[0, 2]) / K[0, 0]
    v = (np.arange(height) - K[1, 2]) / K[1, 1]
    rays = np.stack(np.broadcast_arrays(u[None, :], v[:, None], np.ones((1, 1))), axis=-1)
    return rays / np.linalg.norm(rays, axis=-1, keepdims=True)


def sphere_hits(rays: np.ndarray, centre: np.ndarray, radius: float) -> np.ndarray:
    """Distance along each unit ray from the camera to the sphere's near surface, inf where
    the ray misses it (the camera is outside the sphere)."""
    along = rays @ centre
    across = float(centre @ centre) - along * along
    inside = (across < radius * radius) & (along > 0)
    t = np.full(rays.shape[:2], np.inf)
    t[inside] = along[inside] - np.sqrt(radius * radius - across[inside])
    return t


@register("occlusion", "camera", "share of the image hidden by an occluder (a grey sphere "
          "close in front of the camera, drawn in the scene's exposure)",
          (0.05, 0.10, 0.20, 0.30, 0.40), needs=("depth", "K"))
def occlusion(image: np.ndarray, share: float, rng: np.random.Generator,
              context: Mapping[str, Any]) -> Result:
    """An object between the camera and the scene (3DCC's occlusion): a sphere on the ray of
    a drawn pixel, at a drawn 15–40 % of the median hit depth, its radius bisected so that
    the level's share of the pixels see it in front of whatever they saw. It is grey
    (albedo U(0.2, 0.6)), lit from the camera with an ambient share of 0.3, and exposed like
    the scene: its brightest point is the albedo times twice the image's median linear
    luminance. Labels stay the scene's; ``mask``: the occluded pixels."""
    linear = decode_srgb(image)
    depth = np.asarray(context["depth"], dtype=np.float64)
    K = np.asarray(context["K"], dtype=np.float64)
    rays = pixel_rays(depth.shape, K)
    height, width = depth.shape
    row, col = int(rng.integers(height)), int(rng.integers(width))
    hit = depth > 0
    d_m = float(np.median(depth[hit])) if hit.any() else 10.0
    distance = float(rng.uniform(0.15, 0.40)) * d_m
    albedo = float(rng.uniform(0.2, 0.6))
    centre = rays[row, col] * distance
    # along a ray t·r the scene lies at z-depth d, i.e. t = d / r_z
    scene_t = np.where(hit, depth / rays[..., 2], np.inf)
    lo, hi = 0.0, 0.999 * distance  # the camera stays outside the sphere
    for _ in range(40):  # the hidden share grows with the radius
        mid = 0.5 * (lo + hi)
        hidden = float(np.mean(sphere_hits(rays, centre, mid) < scene_t))
        lo, hi = (mid, hi) if hidden < share else (lo, mid)
    radius = hi
    t = sphere_hits(rays, centre, radius)
    covered = t < scene_t
    normals = rays * t[..., None] - centre
    normals /= radius
    facing = np.clip(-np.sum(normals * rays, axis=-1), 0.0, 1.0)
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    exposure = 2.0 * float(np.median(luminance))
    shade = albedo * exposure * (OCCLUDER_AMBIENT + (1.0 - OCCLUDER_AMBIENT) * facing)
    out = linear.copy()
    out[covered] = shade[covered, None].astype(np.float32)
    return Result(encode_srgb(out), {
        "share_target": share, "share": float(covered.mean()), "radius_m": radius,
        "distance_m": distance, "albedo": albedo, "pixel_u": col, "pixel_v": row}, covered)


@register("scale", "camera", "magnification of the scene's median-depth plane by moving the "
          "camera towards it along its axis", (1.15, 1.3, 1.5, 1.75, 2.0), needs=("depth", "K"))
def scale(image: np.ndarray, magnification: float, rng: np.random.Generator,
          context: Mapping[str, Any]) -> Result:
    """The scene seen from nearer (3DCC's scale, a view at another distance): the camera
    moves forward t_z = d_m·(1 − 1/m) along its axis, so the plane at the median hit depth
    d_m grows m times about the principal point; a point at depth z grows z / (z − t_z)
    (nearer things more, the sky not at all; a point the camera would reach is held at 1/4
    of its depth). Each output pixel q looks up the clean pixel p with
    q − c = m(p)·(p − c): a fixed-point iteration from the median plane's m, the
    magnification read at the nearest pixel (no blending across depth edges), then the
    image sampled bilinearly at p. Deterministic."""
    depth = np.asarray(context["depth"], dtype=np.float32)
    K = np.asarray(context["K"], dtype=np.float64)
    hit = depth > 0
    d_m = float(np.median(depth[hit])) if hit.any() else 1.0
    t_z = d_m * (1.0 - 1.0 / magnification)
    z = np.where(hit, depth, np.float32(d_m * 1e6))
    grow = (z / np.maximum(z - np.float32(t_z), np.float32(0.25) * z)).astype(np.float32)
    height, width = depth.shape
    cols = np.arange(width, dtype=np.float32)[None, :] - np.float32(K[0, 2])
    rows = np.arange(height, dtype=np.float32)[:, None] - np.float32(K[1, 2])
    m = np.full(depth.shape, np.float32(magnification))
    for _ in range(SCALE_ITERATIONS):
        map_x, map_y = cols / m + np.float32(K[0, 2]), rows / m + np.float32(K[1, 2])
        m = cv2.remap(grow, map_x, map_y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
    map_x, map_y = cols / m + np.float32(K[0, 2]), rows / m + np.float32(K[1, 2])
    view = cv2.remap(decode_srgb(image), map_x, map_y, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)
    shift = np.hypot(cols - (map_x - np.float32(K[0, 2])), rows - (map_y - np.float32(K[1, 2])))
    return Result(encode_srgb(view), {"magnification": magnification, "median_depth_m": d_m,
                                      "t_z_m": t_z, "max_shift_px": float(shift.max())})
