"""Rain on a camera, from the rain rate: the rain's extinction veils the scene by depth and
the drops within reach of the lens leave streaks during the exposure.

- **Veil.** Koschmieder on metric depth (``physical.koschmieder``, as ``depth_fog``)
  with MOR = ln 20 / α, α the rain's optical extinction (``rain_physics``): ≈ 4.6 km at
  2.5 mm/h, 0.7 km at 50 mm/h, so the veil only shows on far surfaces and the sky.
- **Streaks** (after Garg & Nayar, "Photorealistic rendering of rain streaks", 2006, much
  simplified). Drops of diameter ≥ 0.5 mm are placed uniformly in the camera's frustum
  (Marshall–Palmer number density) between 0.3 m and the depth where a 2 mm drop spans a
  quarter pixel (z = 0.008·f: 2.7 m at 640×480 and 87°); beyond that drops only add to
  the veil. Each falls at its terminal velocity (straight down in the world, turned into
  the camera frame by ``T_world_cam``) during the exposure (1/60 s unless the context
  gives ``exposure_s``), centred on the capture time; its streak is the projected segment.
  A drop of width w = D·f/z pixels crosses a pixel of its streak (length L pixels) in 1/L of
  the exposure, so it adds opacity min(1, w)/L there (copies side by side for w > 1);
  the opacities of all drops add up and are clipped at 1. A drop refracts light from a
  cone of ≈ 165° around the view direction (Garg & Nayar 2004), dominated under rain by the
  sky, so its radiance is taken as the veil's airlight: the scene's sky as the camera
  renders it (``scene_light``; a grey 0.8 for a bare image without a scene).
  Drops behind a surface (z > the pixel's depth) are hidden. Lens distortion and the
  camera's own motion are left out of the streak geometry.
- ``mask``: pixels whose streak opacity reaches 0.5, or that the veil hides (t < 5 %).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..base import Result, register
from ..rain_physics import (
    RAIN_RATES,
    draw_diameters,
    extinction_per_m,
    fall_speed,
    number_density,
)
from ._rain_kernels import splat_streaks
from .physical import (
    CONTRAST_THRESHOLD,
    airlight_of,
    airlight_params,
    decode_srgb,
    encode_srgb,
    koschmieder,
)

NEAREST_DROP_M = 0.3
MIN_DROP_MM = 0.5
FARTHEST_DROP_PER_F = 0.008  # z_max / f: a 2 mm drop is a quarter pixel wide there
DEFAULT_EXPOSURE_S = 1.0 / 60.0
MAX_DROPS = 200_000
MAX_STREAK_PX = 512
MAX_WIDTH_COPIES = 8
REPLACED_OPACITY = 0.5


def _drops(rng: np.random.Generator, rate: float, K: np.ndarray, height: int, width: int
           ) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Drop centres (n, 3) in the camera frame and diameters (n,) in mm."""
    f = float(K[0, 0])
    z0, z1 = NEAREST_DROP_M, max(NEAREST_DROP_M, FARTHEST_DROP_PER_F * f)
    volume = width * height / (K[0, 0] * K[1, 1]) * (z1**3 - z0**3) / 3.0
    expected = number_density(rate, MIN_DROP_MM) * volume
    n = min(int(rng.poisson(expected)), MAX_DROPS)
    z = np.cbrt(z0**3 + rng.random(n) * (z1**3 - z0**3))  # uniform in the frustum's volume
    u, v = rng.random(n) * width, rng.random(n) * height
    centres = np.stack([(u - K[0, 2]) * z / K[0, 0], (v - K[1, 2]) * z / K[1, 1], z], axis=1)
    return centres, draw_diameters(rng, rate, n, MIN_DROP_MM), {
        "drops": float(n), "drops_expected": float(expected), "farthest_drop_m": z1}


def _project(K: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.stack([K[0, 0] * p[:, 0] / p[:, 2] + K[0, 2],
                     K[1, 1] * p[:, 1] / p[:, 2] + K[1, 2]], axis=1)


def streak_opacity(centres: np.ndarray, d_mm: np.ndarray, K: np.ndarray,
                   R_world_cam: np.ndarray, exposure_s: float, depth: np.ndarray
                   ) -> np.ndarray:
    """(H, W) streak opacity in [0, 1] of drops at ``centres`` (camera frame, m) of
    diameters ``d_mm`` falling straight down in the world (module docstring)."""
    down_cam = R_world_cam.T @ np.array([0.0, 0.0, -1.0])
    half = (fall_speed(d_mm) * exposure_s / 2.0)[:, None] * down_cam
    a, b = centres - half, centres + half
    ok = (a[:, 2] > 0.05) & (b[:, 2] > 0.05)
    a, b, d_mm = a[ok], b[ok], d_mm[ok]
    width_px = d_mm * 1e-3 * K[0, 0] / (0.5 * (a[:, 2] + b[:, 2]))
    total = np.zeros(depth.shape, np.float64)
    splat_streaks(np.ascontiguousarray(_project(K, a)), np.ascontiguousarray(_project(K, b)),
                  np.ascontiguousarray(a[:, 2]), np.ascontiguousarray(b[:, 2]), width_px,
                  np.ascontiguousarray(depth, np.float32), MAX_STREAK_PX, MAX_WIDTH_COPIES,
                  total)
    return np.minimum(total, 1.0).astype(np.float32)


@register("rain", "camera", "rain rate in mm/h (Marshall–Palmer drops: streaks within reach "
          "of the exposure and the rain's extinction by depth)", RAIN_RATES,
          needs=("depth", "K", "T_world_cam"), precipitation=True)
def rain(image: np.ndarray, rate: float, rng: np.random.Generator,
         context: Mapping[str, Any]) -> Result:
    """Rain streaks over a rain veil (module docstring)."""
    depth = np.asarray(context["depth"], np.float32)
    K = np.asarray(context["K"], np.float64)
    T = np.asarray(context["T_world_cam"], np.float64)
    exposure = float(context.get("exposure_s", DEFAULT_EXPOSURE_S))
    mor = math.log(20.0) / extinction_per_m(rate)
    airlight = airlight_of(context)
    linear, transmission = koschmieder(decode_srgb(image), depth, K, mor, airlight)
    height, width = depth.shape
    centres, d_mm, drawn = _drops(rng, rate, K, height, width)
    opacity = streak_opacity(centres, d_mm, K, T[:3, :3], exposure, depth)
    o = opacity[..., None]
    out = linear * (1.0 - o) + airlight * o
    return Result(encode_srgb(out), {
        "rate_mm_per_h": rate, "extinction_per_m": extinction_per_m(rate), "mor_m": mor,
        **airlight_params(airlight),
        "exposure_s": exposure, **drawn, "mean_streak_opacity": float(opacity.mean()),
        "streak_fraction": float((opacity >= REPLACED_OPACITY).mean())},
        (opacity >= REPLACED_OPACITY) | (transmission < CONTRAST_THRESHOLD))
