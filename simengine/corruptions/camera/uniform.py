"""Camera uniform noise of Dong et al. (CVPR 2023, KITTI-C; ``Camera_corruptions.py``
``ImageAddUniformNoise``, docs/references.md#kitti-c)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..base import Result, register
from .imagenet_c import to_uint8, to_unit


@register("uniform_noise", "camera", "c: additive U(−c, c) noise, fraction of full scale "
          "(Dong et al. 2023: 0.08 / 0.12 / 0.18 / 0.26 / 0.38)",
          (0.08, 0.12, 0.18, 0.26, 0.38))
def uniform_noise(image: np.ndarray, c: float, rng: np.random.Generator,
                  context: Mapping[str, Any]) -> Result:
    """x + U(−c, c) per channel value, clipped to [0, 1] (x = image / 255)."""
    x = to_unit(image)
    x += rng.uniform(-c, c, x.shape).astype(np.float32)
    return Result(to_uint8(x), {"half_width": c})
