"""Strong sunlight on a lidar (Dong et al., CVPR 2023, KITTI-C ``scene_glare_noise``;
docs/references.md#kitti-c), from the scene's sun.

Sunlight reflected by the scene reaches the receiver as background light; its photons
trigger the detector before the true echo (a false return nearer along the same beam).
The background a beam collects grows with the brightness of the sunlit surface it looks
at, so with the sun up the returns hit are drawn with probability ∝ their apparent
reflectivity (intensity · max(1, (R/R_ref)²)), and each is replaced by a return at a range
drawn uniformly in (0, R) — the first crossing of a constant false-trigger rate that is
small over the range gate — with the weakest detectable power (``detection_floor``).
Without a sun (night, overcast, a closed room; ``context["sun_direction"]`` absent) nothing
changes. The count is the benchmark's int(fraction · N) whenever the sun is up (KITTI's
daylight); its noise is N(0, 2²) m on x, y, z and intensity of uniformly drawn points.

The sun itself blinds only beams that see it, i.e. beams with no return (an object on the
beam hides the sun), so it removes nothing from a capture.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..base import Result, register
from .sensor import (
    MIN_RANGE_M,
    along_beam,
    arrays,
    detection_floor,
    intensity_from_power,
    output,
    reference_range,
)


@register("solar_noise", "lidar", "fraction of the returns replaced by sunlight-triggered "
          "false returns when the scene's sun is up (Dong et al. 2023: 1 … 5 %)",
          (0.01, 0.02, 0.03, 0.04, 0.05))
def solar_noise(data: Mapping[str, np.ndarray], fraction: float, rng: np.random.Generator,
                context: Mapping[str, Any]) -> Result:
    r, i, xyz = arrays(data)
    live = r > 0
    sun = context.get("sun_direction")
    if sun is None:
        return Result(output(data, r, i, xyz), {"fraction": fraction, "sun_up": 0.0,
                                                 "returns_hit": 0})
    r_ref = reference_range(context)
    apparent = np.where(live, i * np.maximum(1.0, (r / r_ref) ** 2), 0.0).ravel()
    candidates = np.flatnonzero(apparent > 0)
    k = min(int(fraction * int(live.sum())), candidates.size)
    weights = apparent[candidates] / apparent[candidates].sum() if k else None
    hit = np.zeros(r.size, bool)
    if k:
        hit[rng.choice(candidates, size=k, replace=False, p=weights)] = True
    hit = hit.reshape(r.shape)
    u = rng.random(r.shape)
    new_r = np.where(hit, np.maximum(u * r, MIN_RANGE_M), r)
    floor = detection_floor(r, i, context)
    new_i = np.where(hit, intensity_from_power(np.full(r.shape, floor), new_r, r_ref), i)
    elevation = float(np.degrees(np.arcsin(np.clip(np.asarray(sun)[2], -1.0, 1.0))))
    return Result(output(data, new_r, new_i, along_beam(xyz, r, new_r)),
                  {"fraction": fraction, "sun_up": 1.0, "returns_hit": k,
                   "sun_elevation_lidar_deg": elevation, "detection_floor": floor}, hit)
