"""Object-level camera corruptions of Dong et al. (CVPR 2023, KITTI-C: ``ImageBBoxOperation``
for shear / scale / rotation, ``ImageBBoxMotionBlur*`` for moving objects;
docs/references.md#kitti-c), done in 3D: each object's pixels are lifted to camera-frame
points with the metric depth and ``K``, moved exactly as the lidar's object corruptions move
its returns (``lidar/objects.py``, the same box-frame transforms and tables), and projected
back, nearest first (a z-buffer against the static scene).

What the object leaves uncovered was never seen by the camera: the objects are removed and
their pixels filled from the static scene around them (OpenCV's Navier–Stokes inpainting,
which keeps a uniform surround uniform), then redrawn at their new places; every pixel an
object covered before or after is masked. Lens distortion is ignored (rays through ``K``
alone), and a projected point lands on its nearest pixel; a pixel it skipped inside the
moved object (5 of 8 neighbours covered) takes its neighbours' mean (``fill_cracks``).

A moving object (its lidar half shifts the object's returns by c/2 … c along its heading)
is here the exposure of an object travelling c metres along its heading: the mean of the
images with the object at 8 evenly spaced positions from 0 to c.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import cv2
import numpy as np

from ...geometry.transforms import quat_to_matrix
from ..base import Result, register
from ..lidar.objects import rotation_mover, scale_mover, shear_mover
from .imagenet_c import check_rgb8

NEEDS = ("depth", "instance", "K", "box3d_center_cam", "box3d_size", "box3d_orientation_cam")
EXPOSURE_STEPS = 8  # positions averaged for a moving object
INPAINT_RADIUS_PX = 3


def objects_in_view(context: Mapping[str, Any]) -> list[tuple[int, np.ndarray, np.ndarray,
                                                              np.ndarray, np.ndarray]]:
    """(instance id, pixel selection, box centre, size, rotation) per object with pixels of
    known depth and a box, in instance order."""
    depth = np.asarray(context["depth"])
    inst = np.where(depth > 0, np.asarray(context["instance"]), 0)
    sizes = np.asarray(context["box3d_size"], np.float64)
    quats = np.asarray(context["box3d_orientation_cam"], np.float64)
    centres = np.asarray(context["box3d_center_cam"], np.float64)
    found = []
    for obj in np.unique(inst[inst > 0]):
        i = int(obj) - 1
        if i >= len(sizes) or sizes[i].max() <= 0 or np.linalg.norm(quats[i]) == 0:
            continue
        found.append((int(obj), inst == obj, centres[i], sizes[i], quat_to_matrix(quats[i])))
    return found


def lift(sel: np.ndarray, depth: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Camera-frame points of the selected pixels (pixel centres at integer (u, v))."""
    v, u = np.nonzero(sel)
    z = depth[sel].astype(np.float64)
    Kinv = np.linalg.inv(np.asarray(K, np.float64))
    rays = np.stack([u, v, np.ones_like(u)], axis=1).astype(np.float64) @ Kinv.T
    return rays * z[:, None]


def composite(image: np.ndarray, context: Mapping[str, Any], moved: list[tuple]
              ) -> tuple[np.ndarray, np.ndarray]:
    """The image with each (selection, new points) object redrawn at its new points over the
    static scene (the objects' old pixels inpainted from it), nearest first. Returns
    (image, replaced)."""
    depth = np.asarray(context["depth"], np.float64)
    K = np.asarray(context["K"], np.float64)
    h, w = depth.shape
    moving = np.zeros((h, w), bool)
    for sel, _ in moved:
        moving |= sel
    static_z = np.where(moving | (depth <= 0), np.inf, depth).ravel()
    targets, zs, colours = [], [], []
    for sel, points in moved:
        uvw = points @ K.T
        z = points[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.rint(uvw[:, 0] / uvw[:, 2])
            v = np.rint(uvw[:, 1] / uvw[:, 2])
        ok = (z > 0) & (u >= 0) & (u < w) & (v >= 0) & (v < h)
        t = (v[ok] * w + u[ok]).astype(np.int64)
        targets.append(t)
        zs.append(z[ok])
        colours.append(image[sel][ok])
    t, z, c = np.concatenate(targets), np.concatenate(zs), np.concatenate(colours)
    front = z < static_z[t]
    t, z, c = t[front], z[front], c[front]
    # the scene behind the objects, from the static pixels only
    background = cv2.inpaint(np.ascontiguousarray(image), moving.astype(np.uint8),
                             INPAINT_RADIUS_PX, cv2.INPAINT_NS)
    order = np.argsort(-z, kind="stable")  # far first: the nearest is written last
    flat = background.reshape(-1, 3).copy()
    flat[t[order]] = c[order]
    covered = np.zeros(h * w, bool)
    covered[t] = True
    out, covered = fill_cracks(flat.reshape(image.shape), covered.reshape(h, w))
    return out, moving | covered


def fill_cracks(image: np.ndarray, covered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixels an enlarged or sheared object skipped (a point lands on one pixel): an
    uncovered pixel with at least 5 of its 8 neighbours covered takes their mean colour."""
    kernel = np.ones((3, 3), np.float32)
    kernel[1, 1] = 0.0
    cov = covered.astype(np.float32)
    count = cv2.filter2D(cov, -1, kernel, borderType=cv2.BORDER_CONSTANT)
    crack = ~covered & (count >= 5)
    if not crack.any():
        return image, covered
    sums = cv2.filter2D(image.astype(np.float32) * cov[..., None], -1, kernel,
                        borderType=cv2.BORDER_CONSTANT)
    out = image.copy()
    out[crack] = np.rint(sums[crack] / count[crack][:, None]).astype(np.uint8)
    return out, covered | crack


def _warp(image, context, rng, mover: Callable, params: dict) -> Result:
    check_rgb8(image)
    depth = np.asarray(context["depth"])
    found = objects_in_view(context)
    if not found:
        return Result(np.array(image), {**params, "objects": 0})
    moved = [(sel, mover(lift(sel, depth, context["K"]), centre, size, R, rng))
             for _, sel, centre, size, R in found]
    out, replaced = composite(np.asarray(image), context, moved)
    return Result(out, {**params, "objects": len(found)},
                  np.broadcast_to(replaced[..., None], image.shape).copy())


@register("image_object_shear", "camera", "c: each object sheared in 3D in its normalised box "
          "frame (as object_shear), redrawn with its depth (Dong et al. 2023: c = 0.05 … "
          "0.25)", (0.05, 0.10, 0.15, 0.20, 0.25), needs=NEEDS)
def image_object_shear(image, c, rng: np.random.Generator, context) -> Result:
    return _warp(image, context, rng, shear_mover(c), {"c": c})


@register("image_object_scale", "camera", "c: one box axis of each object scaled by 1 ± c in "
          "3D (as object_scale), redrawn with its depth (Dong et al. 2023: c = 0.04 … 0.20)",
          (0.04, 0.08, 0.12, 0.16, 0.20), needs=NEEDS)
def image_object_scale(image, c, rng: np.random.Generator, context) -> Result:
    return _warp(image, context, rng, scale_mover(c), {"c": c})


@register("image_object_rotation", "camera", "c in degrees: each object turned about its box's "
          "up axis by ±U(c − 1, c + 1) in 3D (as object_rotation), redrawn with its depth "
          "(Dong et al. 2023: c = 1 … 9°)", (1.0, 3.0, 5.0, 7.0, 9.0), needs=NEEDS)
def image_object_rotation(image, c, rng: np.random.Generator, context) -> Result:
    return _warp(image, context, rng, rotation_mover(c), {"c_deg": c})


@register("image_moving_object", "camera", "c in metres each object travels along its heading "
          "during the exposure (the lidar half's 0.2 … 1.0 m; the benchmark's camera half is "
          "an image-space blur of 0.02 … 0.10)", (0.2, 0.4, 0.6, 0.8, 1.0), needs=NEEDS)
def image_moving_object(image, c, rng: np.random.Generator, context) -> Result:
    """Mean of the images with every object shifted by c·k/7, k = 0 … 7, along its box's
    forward axis (uint8, rounded). Deterministic."""
    check_rgb8(image)
    depth = np.asarray(context["depth"])
    found = objects_in_view(context)
    if not found:
        return Result(np.array(image), {"shift_m": c, "objects": 0})
    lifted = [(sel, lift(sel, depth, context["K"]), R[:, 0]) for _, sel, _, _, R in found]
    total = np.zeros(image.shape, np.float64)
    replaced = np.zeros(image.shape[:2], bool)
    for k in range(EXPOSURE_STEPS):
        s = c * k / (EXPOSURE_STEPS - 1)
        frame, covered = composite(np.asarray(image),
                                   context, [(sel, p + s * fwd) for sel, p, fwd in lifted])
        total += frame
        replaced |= covered & (k > 0)
    out = np.clip(np.rint(total / EXPOSURE_STEPS), 0, 255).astype(np.uint8)
    return Result(out, {"shift_m": c, "objects": len(found)},
                  np.broadcast_to((replaced | (out != image).any(-1))[..., None],
                                  image.shape).copy())
