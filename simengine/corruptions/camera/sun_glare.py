"""Strong sunlight on a camera (Dong et al., CVPR 2023, KITTI-C ``ImagePointAddSun``;
docs/references.md#kitti-c), from the scene's sun rather than a sun placed at random.

The benchmark paints a white sun flare of radius 30 … 70 px at a random spot of the upper
image. Ours puts it where the scene's sun is (``context["sun_direction"]``, the camera's
optical frame): pixels within the angular radius θ_c of the sun are saturated white (the
benchmark's radius in KITTI's image, f = 721.5377 px, as an angle: θ_c = atan(r / f), so
the disc covers the same field of view on any camera), and around it the veiling glare of
light scattered in the lens falls off as 1/θ² (Stiles–Holladay), matched to 1 at θ_c:
x' = x + g·(1 − x), g = min(1, (θ_c/θ)²), on the image in [0, 1]. A sun out of the frame
but in front of the camera still veils the image; behind it (or with no sun) nothing
changes. Lens distortion is ignored (rays through ``K`` alone).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..base import Result, register
from .imagenet_c import to_uint8, to_unit

KITTI_FX = 721.5377  # KITTI's P2 focal length, px (the benchmark's images)


def pixel_rays(K: np.ndarray, height: int, width: int) -> np.ndarray:
    """(H, W, 3) unit rays of the pixel centres, optical frame."""
    u, v = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    uv1 = np.stack([u, v, np.ones_like(u)], axis=-1)
    rays = uv1 @ np.linalg.inv(np.asarray(K, np.float64)).T
    return rays / np.linalg.norm(rays, axis=-1, keepdims=True)


@register("sun_glare", "camera", "radius of the saturated sun disc in KITTI pixels "
          "(f = 721.5 px; Dong et al. 2023: 30 / 40 / 50 / 60 / 70), placed at the scene's "
          "sun, with 1/θ² veiling glare around it", (30, 40, 50, 60, 70), needs=("K",))
def sun_glare(image: np.ndarray, radius_px: float, rng: np.random.Generator,
              context: Mapping[str, Any]) -> Result:
    theta_c = math.atan(radius_px / KITTI_FX)
    sun = context.get("sun_direction")
    if sun is None or float(np.asarray(sun)[2]) <= 0.0:
        return Result(np.array(image), {"core_radius_deg": math.degrees(theta_c),
                                         "sun_in_front": 0.0})
    sun = np.asarray(sun, np.float64) / np.linalg.norm(sun)
    rays = pixel_rays(context["K"], image.shape[0], image.shape[1])
    theta = np.arccos(np.clip(rays @ sun, -1.0, 1.0))
    g = np.minimum(1.0, (theta_c / np.maximum(theta, 1e-12)) ** 2).astype(np.float32)
    x = to_unit(image)
    x += g[..., None] * (1.0 - x)
    core = np.broadcast_to((theta <= theta_c)[..., None], image.shape)
    u, v, w = np.asarray(context["K"], np.float64) @ sun
    return Result(to_uint8(x), {"core_radius_deg": math.degrees(theta_c), "sun_in_front": 1.0,
                                "sun_u": u / w, "sun_v": v / w,
                                "core_pixels": int(core[..., 0].sum())}, core.copy())
