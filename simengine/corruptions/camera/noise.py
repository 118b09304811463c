"""ImageNet-C noise corruptions: gaussian, shot, impulse and speckle (extra) noise.

Per-pixel, per-channel noise on values in [0, 1]; all parameters are relative to the signal
range, so none depends on the image size (tables: docs/references.md#imagenet-c; see
``imagenet_c``). Every value drawn comes from the ``rng`` passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..base import Result, register
from .imagenet_c import check_rgb8, to_uint8, to_unit


@register("gaussian_noise", "camera", "σ of additive N(0, σ²) noise, fraction of full scale",
          (0.08, 0.12, 0.18, 0.26, 0.38))
def gaussian_noise(image: np.ndarray, sigma: float, rng: np.random.Generator,
                   context: Mapping[str, Any]) -> Result:
    """x + N(0, σ²) per channel value, clipped to [0, 1]."""
    x = to_unit(image)
    x += np.float32(sigma) * rng.standard_normal(x.shape, dtype=np.float32)
    return Result(to_uint8(x), {"sigma": sigma})


@register("shot_noise", "camera", "photon count λ at full scale: Poisson(x·λ)/λ "
          "(variance x/λ)", (60, 25, 12, 5, 3))
def shot_noise(image: np.ndarray, photons: float, rng: np.random.Generator,
               context: Mapping[str, Any]) -> Result:
    """Poisson(x·λ)/λ per channel value, clipped to [0, 1]."""
    expected = to_unit(image) * np.float32(photons)
    counts = rng.poisson(expected).astype(np.float32)
    return Result(to_uint8(counts * np.float32(1.0 / photons)), {"photons": photons})


@register("impulse_noise", "camera", "salt-and-pepper amount: fraction of channel values "
          "replaced by 0 or 1 (half each)", (0.03, 0.06, 0.09, 0.17, 0.27))
def impulse_noise(image: np.ndarray, amount: float, rng: np.random.Generator,
                  context: Mapping[str, Any]) -> Result:
    """skimage's ``random_noise(mode='s&p')``: each channel value independently becomes
    pepper (0) with probability amount/2 and salt (1) with amount/2. One uniform per value
    decides both. ``mask``: pixels where any channel was replaced."""
    check_rgb8(image)
    u = rng.random(image.shape, dtype=np.float32)
    half = np.float32(amount / 2.0)
    pepper, salt = u < half, u >= np.float32(1.0) - half
    out = image.copy()
    out[pepper] = 0
    out[salt] = 255
    replaced = pepper | salt
    return Result(out, {"amount": amount, "replaced_fraction": float(replaced.mean())},
                  replaced.any(axis=2))


@register("speckle_noise", "camera", "σ of multiplicative noise: x + x·N(0, σ²), fraction "
          "of the value", (0.15, 0.2, 0.35, 0.45, 0.6))
def speckle_noise(image: np.ndarray, sigma: float, rng: np.random.Generator,
                  context: Mapping[str, Any]) -> Result:
    """x·(1 + N(0, σ²)) per channel value, clipped to [0, 1] (ImageNet-C extra)."""
    x = to_unit(image)
    x *= np.float32(1.0) + np.float32(sigma) * rng.standard_normal(x.shape, dtype=np.float32)
    return Result(to_uint8(x), {"sigma": sigma})
