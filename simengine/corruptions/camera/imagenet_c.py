"""ImageNet-C camera corruptions: the shared conventions and helpers.

The 15 corruptions of Hendrycks & Dietterich, "Benchmarking Neural Network Robustness to
Common Corruptions and Perturbations" (ICLR 2019) and the 4 extras (speckle_noise,
gaussian_blur, spatter, saturate) live in ``noise``, ``blur``,
``weather`` and ``digital``; this module holds what they share.

Provenance of the parameter tables: docs/references.md#imagenet-c, checked against and
completed from the public generator
``hendrycks/robustness: ImageNet-C/create_c/make_imagenet_c.py`` (snow, spatter and the
per-severity zoom factors are transcribed from there). Exception: elastic_transform follows
the row there (α = 250·k, σ = 0.01·size), which is monotone in severity; the official
file's (α, σ, affine) tuples are not (see ``digital.elastic_transform``).
The code here is our own (numpy + OpenCV); where it departs from the reference generator
the function's docstring says how.

Conventions
-----------
* Input: one uint8 (H, W, 3) RGB image; output: uint8 of the same shape. Work is done on
  float32 values in [0, 1] (``to_unit``) and written back with clipping and round-half-up
  (``to_uint8``); the published generator truncated and then saved JPEG at quality 85, which
  we do not imitate.
* Size: the tables were made for 224 × 224 crops. A parameter measured in pixels (blur radii
  and σ, glass-blur displacement, motion-blur radius, elastic σ and displacement, the
  feature size of the fog plasma, snow flakes, frost texture and spatter) is multiplied by
  ``s = short side / 224`` (s = 480/224 ≈ 2.14 for 640 × 480), so a corruption covers the
  same fraction of the picture as in ImageNet-C. Texture layers (fog, frost, spatter,
  elastic displacement) are made with the published numbers on a grid of 224-scale pixels
  (``reference_grid``) and resized by s with bilinear interpolation, which scales all their
  lengths at once; snow's flake noise is drawn on cells of zoom·s pixels. Relative
  parameters (noise levels, zoom factors, pixelate factor, JPEG quality, colour changes)
  use the table as is.

Departures from the reference generator (each explained where it is made): glass_blur
scrambles pixels with a vectorised gather instead of a sequential swap loop; motion_blur
rebuilds ImageMagick's one-sided kernel with sub-pixel taps; frost uses a procedural texture
instead of six photographs; jpeg_compression uses OpenCV's libjpeg instead of PIL's;
elastic_transform follows docs/references.md#imagenet-c (above).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

REFERENCE_SHORT_SIDE = 224  # the crop size the ImageNet-C tables were made for


def size_scale(image: np.ndarray) -> float:
    """s = short side / 224: multiplies every length in pixels of the 224-px tables."""
    return min(image.shape[0], image.shape[1]) / REFERENCE_SHORT_SIDE


def check_rgb8(image: np.ndarray) -> None:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected a uint8 (H, W, 3) RGB image, got {image.dtype} "
                         f"{image.shape}")


def to_unit(image: np.ndarray) -> np.ndarray:
    """uint8 -> float32 in [0, 1] (a new array, so callers may work in place)."""
    check_rgb8(image)
    return image.astype(np.float32) * np.float32(1.0 / 255.0)


def to_uint8(x: np.ndarray) -> np.ndarray:
    """float in [0, 1] (values outside are clipped) -> uint8, rounding half up."""
    y = np.multiply(x, np.float32(255.0), dtype=np.float32)
    np.clip(y, 0.0, 255.0, out=y)
    y += np.float32(0.5)
    return y.astype(np.uint8)  # truncation of y + 0.5 >= 0 is round-half-up


def gaussian(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of σ pixels truncated at 4σ (skimage.filters.gaussian's default, which
    the reference generator used), edges reflected."""
    if sigma <= 0.0:
        return x.copy()
    ksize = 2 * math.ceil(4.0 * sigma) + 1
    return cv2.GaussianBlur(x, (ksize, ksize), sigmaX=sigma, sigmaY=sigma,
                            borderType=cv2.BORDER_REFLECT)


def reference_grid(height: int, width: int, scale: float) -> tuple[int, int]:
    """Shape of a layer in 224-scale pixels that covers an (height, width) image."""
    return max(1, math.ceil(height / scale)), max(1, math.ceil(width / scale))


def resize_to(layer: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize of a 224-scale layer to the image (cv2 takes (width, height))."""
    return cv2.resize(layer, (width, height), interpolation=cv2.INTER_LINEAR)


def motion_kernel(radius: float, sigma: float, angle_deg: float
                  ) -> tuple[np.ndarray, tuple[int, int]]:
    """ImageMagick's one-sided motion-blur kernel as an image for ``cv2.filter2D``.

    ImageMagick's MotionBlurImage (what ImageNet-C called through Wand) averages
    ``2·ceil(radius) + 1`` taps at distances i = 0, 1, ... along the direction ``angle``
    (x right, y down, degrees), weighted exp(−i²/2σ²). It rounds each tap to a whole pixel;
    we splat it bilinearly instead (smoother for non-axis angles). Returns the kernel and its
    anchor (x, y) = the tap at distance 0, so the kernel only spans the line's bounding box.
    """
    n_taps = 2 * math.ceil(radius) + 1
    i = np.arange(n_taps, dtype=np.float64)
    weights = np.exp(-(i * i) / (2.0 * sigma * sigma))
    weights /= weights.sum()
    theta = math.radians(angle_deg)
    dx, dy = i * math.cos(theta), i * math.sin(theta)
    x0, y0 = np.floor(dx).astype(int), np.floor(dy).astype(int)
    fx, fy = dx - x0, dy - y0
    min_x, min_y = int(x0.min()), int(y0.min())
    kernel = np.zeros((int(y0.max()) - min_y + 2, int(x0.max()) - min_x + 2), np.float64)
    for ox, oy, w in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                      (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        np.add.at(kernel, (y0 + oy - min_y, x0 + ox - min_x), weights * w)
    return kernel.astype(np.float32), (-min_x, -min_y)


def motion_blur(x: np.ndarray, radius: float, sigma: float, angle_deg: float,
                border: int = cv2.BORDER_REPLICATE) -> np.ndarray:
    """Blur x with ``motion_kernel`` (correlation: output pixel p averages p + tap)."""
    kernel, anchor = motion_kernel(radius, sigma, angle_deg)
    return cv2.filter2D(x, -1, kernel, anchor=anchor, borderType=border)


def plasma_fractal(rng: np.random.Generator, mapsize: int = 256, wibble_decay: float = 3.0
                   ) -> np.ndarray:
    """Diamond-square height map in [0, 1], periodic (np.roll wraps), as ImageNet-C's fog.

    As in the reference generator the random offset at each step is
    ``wibble · U(−wibble, wibble)`` (wibble starts at 100 and is divided by ``wibble_decay``
    per octave), so octaves fall off as decay⁻²; the map tiles seamlessly.
    """
    if mapsize & (mapsize - 1):
        raise ValueError("mapsize must be a power of two")
    height_map = np.zeros((mapsize, mapsize), np.float64)
    step, wibble = mapsize, 100.0

    def wibbled_mean(total: np.ndarray) -> np.ndarray:
        return total / 4 + wibble * rng.uniform(-wibble, wibble, total.shape)

    while step >= 2:
        half = step // 2
        corners = height_map[0::step, 0::step]
        square = corners + np.roll(corners, -1, axis=0)
        square += np.roll(square, -1, axis=1)
        height_map[half::step, half::step] = wibbled_mean(square)
        centres = height_map[half::step, half::step]
        corners = height_map[0::step, 0::step]
        row = centres + np.roll(centres, 1, axis=0) + corners + np.roll(corners, -1, axis=1)
        height_map[0::step, half::step] = wibbled_mean(row)
        col = centres + np.roll(centres, 1, axis=1) + corners + np.roll(corners, -1, axis=0)
        height_map[half::step, 0::step] = wibbled_mean(col)
        step //= 2
        wibble /= wibble_decay
    height_map -= height_map.min()
    return height_map / height_map.max()


def channel_max_min(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """max and min over the colour axis, (H, W) each (elementwise over the three planes:
    ~10× faster than ``image.max(axis=2)`` on a length-3 axis)."""
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    return np.maximum(np.maximum(r, g), b), np.minimum(np.minimum(r, g), b)
