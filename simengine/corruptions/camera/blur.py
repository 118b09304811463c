"""ImageNet-C blur corruptions: defocus, glass, motion, zoom and gaussian (extra) blur.

Lengths in the tables are pixels of a 224-px image and are multiplied here by
s = short side / 224 (``imagenet_c``); zoom factors are relative and used as is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import cv2
import numpy as np

from ..base import Result, register
from .imagenet_c import gaussian, motion_blur, size_scale, to_uint8, to_unit


def disk_kernel(radius: float, alias_sigma: float) -> np.ndarray:
    """A normalised pixel disk of ``radius``, softened by a Gaussian of ``alias_sigma`` (the
    reference generator's anti-aliasing), float32."""
    blur_half = max(1, math.ceil(3.0 * alias_sigma))
    half = math.ceil(radius) + blur_half
    grid = np.arange(-half, half + 1, dtype=np.float32)
    disk = (grid[None, :] ** 2 + grid[:, None] ** 2 <= np.float32(radius * radius))
    disk = disk.astype(np.float32)
    disk /= disk.sum()
    if alias_sigma > 0.0:
        size = 2 * blur_half + 1
        disk = cv2.GaussianBlur(disk, (size, size), sigmaX=alias_sigma)
    return disk / disk.sum()


@register("defocus_blur", "camera", "disk radius and anti-alias σ in 224-px pixels "
          "(both × s = short side / 224)", ((3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5)))
def defocus_blur(image: np.ndarray, level: tuple[float, float], rng: np.random.Generator,
                 context: Mapping[str, Any]) -> Result:
    """Convolution with an anti-aliased disk (pillbox) of radius r·s."""
    s = size_scale(image)
    radius, alias_sigma = level[0] * s, level[1] * s
    out = cv2.filter2D(to_unit(image), -1, disk_kernel(radius, alias_sigma),
                       borderType=cv2.BORDER_REFLECT_101)
    return Result(to_uint8(out), {"radius_px": radius, "alias_sigma_px": alias_sigma})


@register("glass_blur", "camera", "Gaussian σ (224-px pixels, × s), max pixel displacement "
          "(224-px pixels, × s, rounded), iterations",
          ((0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2)))
def glass_blur(image: np.ndarray, level: tuple[float, int, int], rng: np.random.Generator,
               context: Mapping[str, Any]) -> Result:
    """Blur, locally scramble pixels ``iterations`` times, blur again (frosted glass).

    The reference generator swaps each pixel with a random neighbour in a sequential Python
    loop over the image (minutes at 640 × 480). Here each pass is one vectorised gather:
    every pixel takes the value at a random integer offset in [−δ, δ]² (cv2.remap, nearest),
    δ = round(max delta · s). The local-scramble statistics are the same; unlike a swap, a
    gather may repeat a neighbour and skip another, and the symmetric range avoids the
    half-pixel drift of the reference's randint(−δ, δ).
    """
    s = size_scale(image)
    sigma, delta, iterations = level[0] * s, max(1, round(level[1] * s)), int(level[2])
    x = to_uint8(gaussian(to_unit(image), sigma))  # the reference requantises here too
    height, width = x.shape[:2]
    cols = np.arange(width, dtype=np.float32)[None, :]
    rows = np.arange(height, dtype=np.float32)[:, None]
    for _ in range(iterations):
        offsets = rng.integers(-delta, delta + 1, size=(2, height, width), dtype=np.int16)
        x = cv2.remap(x, offsets[0] + cols, offsets[1] + rows, cv2.INTER_NEAREST,
                      borderMode=cv2.BORDER_REFLECT_101)
    out = gaussian(x.astype(np.float32) * np.float32(1.0 / 255.0), sigma)
    return Result(to_uint8(out), {"sigma_px": sigma, "max_delta_px": float(delta),
                                  "iterations": float(iterations)})


@register("motion_blur", "camera", "ImageMagick motion-blur radius and σ in 224-px pixels "
          "(both × s); angle ~ U(−45°, 45°)", ((10, 3), (15, 5), (15, 8), (15, 12), (20, 15)))
def motion_blur_corruption(image: np.ndarray, level: tuple[float, float],
                           rng: np.random.Generator, context: Mapping[str, Any]) -> Result:
    """A one-sided linear motion kernel (``imagenet_c.motion_kernel``: 2·ceil(r)+1
    taps weighted exp(−i²/2σ²)) at a random angle, applied with cv2.filter2D. The reference
    called ImageMagick through Wand; this reimplements that kernel."""
    s = size_scale(image)
    radius, sigma = level[0] * s, level[1] * s
    angle = float(rng.uniform(-45.0, 45.0))
    out = motion_blur(to_unit(image), radius, sigma, angle)
    return Result(to_uint8(out), {"radius_px": radius, "sigma_px": sigma,
                                  "angle_deg": angle})


@register("zoom_blur", "camera", "zoom factors np.arange(1, stop, step) as (stop, step); "
          "relative, no scaling",
          ((1.11, 0.01), (1.16, 0.01), (1.21, 0.02), (1.26, 0.02), (1.31, 0.03)))
def zoom_blur(image: np.ndarray, level: tuple[float, float], rng: np.random.Generator,
              context: Mapping[str, Any]) -> Result:
    """Mean of the image and its zooms about the centre by each factor (bilinear), as the
    reference's ``clipped_zoom``; the factor list is the reference's np.arange, float quirks
    included (severity 1 has 12 factors, 1.00 … 1.11)."""
    factors = np.arange(1.0, level[0], level[1])
    x = to_unit(image)
    height, width = x.shape[:2]
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    total = x.copy()
    for z in factors:
        # dst = z · (src − c) + c: magnify about the centre and keep the middle
        M = np.array([[z, 0.0, (1.0 - z) * cx], [0.0, z, (1.0 - z) * cy]])
        total += cv2.warpAffine(x, M, (width, height), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REFLECT_101)
    total *= np.float32(1.0 / (len(factors) + 1))
    return Result(to_uint8(total), {"max_zoom": float(factors[-1]),
                                    "n_zooms": float(len(factors))})


@register("gaussian_blur", "camera", "Gaussian σ in 224-px pixels (× s)", (1, 2, 3, 4, 6))
def gaussian_blur(image: np.ndarray, sigma: float, rng: np.random.Generator,
                  context: Mapping[str, Any]) -> Result:
    """Gaussian blur of σ·s pixels, truncated at 4σ (ImageNet-C extra)."""
    sigma_px = sigma * size_scale(image)
    return Result(to_uint8(gaussian(to_unit(image), sigma_px)), {"sigma_px": sigma_px})
