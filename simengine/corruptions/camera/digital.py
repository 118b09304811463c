"""ImageNet-C digital corruptions: brightness, contrast, saturate (extra), JPEG compression,
pixelate and the elastic transform.

Colour changes are written in closed form instead of an RGB -> HSV -> RGB round trip: with
hue and saturation held, skimage's ``hsv2rgb(rgb2hsv(x))`` with a new value V' scales a pixel
by V'/V, and with a new saturation S' (hue and V held) moves each channel as
``V − (V − x)·S'/S``; grey pixels (S = 0) have hue 0 (red), as in skimage. Tests compare both
with OpenCV's HSV conversion. Only elastic_transform has lengths in pixels (× s, see
``imagenet_c``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import cv2
import numpy as np

from ..base import Result, register
from .imagenet_c import (
    REFERENCE_SHORT_SIDE,
    channel_max_min,
    check_rgb8,
    reference_grid,
    resize_to,
    size_scale,
    to_uint8,
    to_unit,
)


@register("brightness", "camera", "added to HSV value V (fraction of full scale)",
          (0.1, 0.2, 0.3, 0.4, 0.5))
def brightness(image: np.ndarray, shift: float, rng: np.random.Generator,
               context: Mapping[str, Any]) -> Result:
    """V' = min(V + shift, 1), hue and saturation kept: x·V'/V (black becomes grey V').
    The gain depends on V only, so it is a 256-entry table indexed by max(R, G, B)."""
    check_rgb8(image)
    value = np.arange(256, dtype=np.float64) / 255.0
    new_value = np.minimum(value + shift, 1.0)
    gain = np.divide(new_value, value, out=np.zeros(256), where=value > 0)
    offset = np.where(value > 0, 0.0, new_value)  # black: V = 0 has no hue, becomes grey
    v_code, _ = channel_max_min(image)
    out = image * gain.astype(np.float32)[v_code][..., None] * np.float32(1 / 255) \
        + offset.astype(np.float32)[v_code][..., None]
    return Result(to_uint8(out), {"shift": shift})


@register("contrast", "camera", "factor scaling each channel about its image mean",
          (0.4, 0.3, 0.2, 0.1, 0.05))
def contrast(image: np.ndarray, factor: float, rng: np.random.Generator,
             context: Mapping[str, Any]) -> Result:
    """(x − mean_c)·factor + mean_c with the per-channel mean over the image."""
    x = to_unit(image)
    # per-channel mean of the codes (cv2.mean accumulates in double: exact, and ~10× faster
    # than numpy's reduction over the first two axes)
    means = np.float32(cv2.mean(image)[:3]) * np.float32(1.0 / 255.0)
    return Result(to_uint8((x - means) * np.float32(factor) + means), {"factor": factor})


@register("saturate", "camera", "(a, b): HSV saturation S' = clip(S·a + b, 0, 1)",
          ((0.3, 0.0), (0.1, 0.0), (2.0, 0.0), (5.0, 0.1), (20.0, 0.2)))
def saturate(image: np.ndarray, level: tuple[float, float], rng: np.random.Generator,
             context: Mapping[str, Any]) -> Result:
    """Scale and shift the HSV saturation, hue and value kept (ImageNet-C extra).

    S = (V − m)/V depends on V = max and m = min only, so the channel factor S'/S (and the
    grey pixels' drop V·S') is a 256 × 256 table indexed by (V, m)."""
    check_rgb8(image)
    scale, offset = level
    v = np.arange(256, dtype=np.float64)[:, None] / 255.0
    m = np.arange(256, dtype=np.float64)[None, :] / 255.0
    coloured = v > m
    sat = np.divide(v - m, v, out=np.zeros((256, 256)), where=coloured)
    new_sat = np.clip(sat * scale + offset, 0.0, 1.0)
    ratio = np.divide(new_sat, sat, out=np.zeros((256, 256)), where=coloured)
    # grey pixels have hue 0 (red): R = V, G = B = V·(1 − S')
    grey_drop = np.where(coloured, 0.0, v * new_sat)
    v_code, m_code = channel_max_min(image)
    key = v_code.astype(np.intp) * 256 + m_code
    value = (v_code.astype(np.float32) * np.float32(1 / 255))[..., None]
    x = image.astype(np.float32) * np.float32(1 / 255)
    out = value - (value - x) * ratio.astype(np.float32).ravel()[key][..., None]
    out[..., 1:] -= grey_drop.astype(np.float32).ravel()[key][..., None]
    return Result(to_uint8(out), {"scale": scale, "offset": offset})


def jpeg_round_trip(image: np.ndarray, quality: int) -> tuple[np.ndarray, int]:
    """Encode with OpenCV's libjpeg at ``quality`` (4:2:0 chroma, like PIL's default) and
    decode; returns the RGB result and the encoded size in bytes."""
    ok, encoded = cv2.imencode(".jpg", np.ascontiguousarray(image[..., ::-1]),
                               [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("cv2.imencode failed")
    decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    return np.ascontiguousarray(decoded[..., ::-1]), int(encoded.size)


@register("jpeg_compression", "camera", "JPEG quality (libjpeg scale 1–100)",
          (25, 18, 15, 10, 7))
def jpeg_compression(image: np.ndarray, quality: int, rng: np.random.Generator,
                     context: Mapping[str, Any]) -> Result:
    """A JPEG round trip (the reference used PIL; both wrap IJG libjpeg's tables)."""
    check_rgb8(image)
    out, n_bytes = jpeg_round_trip(image, quality)
    bits_per_pixel = 8.0 * n_bytes / (image.shape[0] * image.shape[1])
    return Result(out, {"quality": quality, "bits_per_pixel": bits_per_pixel})


@register("pixelate", "camera", "resize factor (relative, no scaling): box-downsample to "
          "factor × size, then back up", (0.6, 0.5, 0.4, 0.3, 0.25))
def pixelate(image: np.ndarray, factor: float, rng: np.random.Generator,
             context: Mapping[str, Any]) -> Result:
    """PIL's BOX down and up: cv2 INTER_AREA (area average) down, and centre-aligned
    nearest (INTER_NEAREST_EXACT, as PIL's BOX upsampling) back up."""
    check_rgb8(image)
    height, width = image.shape[:2]
    small_size = (max(1, int(width * factor)), max(1, int(height * factor)))
    small = cv2.resize(image, small_size, interpolation=cv2.INTER_AREA)
    out = cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST_EXACT)
    return Result(out, {"factor": factor, "small_width": float(small_size[0]),
                        "small_height": float(small_size[1])})


def smooth_noise_field(rng: np.random.Generator, shape: tuple[int, int], sigma: float
                       ) -> np.ndarray:
    """U(−1, 1) white noise on ``shape`` blurred by a Gaussian of ``sigma`` pixels,
    truncated at 3σ with reflected edges (the reference's skimage call)."""
    noise = rng.uniform(-1.0, 1.0, shape).astype(np.float32)
    ksize = 2 * math.ceil(3.0 * sigma) + 1
    return cv2.GaussianBlur(noise, (ksize, ksize), sigmaX=sigma, borderType=cv2.BORDER_REFLECT)


ELASTIC_SIGMA = 0.01  # of the image size (docs/references.md#imagenet-c: σ ≈ 0.01·size)
ELASTIC_NOISE = 0.005  # noise amplitude U(−0.005·size, 0.005·size) before smoothing


@register("elastic_transform", "camera",
          "k: displacement gain α = 250·k × s on a field smoothed by σ = 0.01·short side "
          "(docs/references.md#imagenet-c; not the official generator's tuples)",
          (0.05, 0.065, 0.085, 0.1, 0.12))
def elastic_transform(image: np.ndarray, k: float, rng: np.random.Generator,
                      context: Mapping[str, Any]) -> Result:
    """A smooth random displacement field dx, dy = α·G_σ * U(−a, a), sampled bilinearly.

    The row of docs/references.md#imagenet-c (α = 250·k, σ = 0.01·size, a = 0.005·size, no
    affine part): at
    224 px the displacement's RMS per axis is ≈ 0.08·α px (1.0 … 2.4 px). The field is made
    on the 224-scale grid and multiplied by s as it is resized, so displacements scale with
    the image (α × s). The official generator (make_imagenet_c.py) uses (α, σ, affine
    jitter) = 244·(2, .7, .1), 244·(2, .08, .2), 244·(.05, .01, .02), 244·(.07, .01, .02),
    244·(.12, .01, .02): its severities 1–2 are large affine warps and degrade more than 3–5,
    so it is not monotone; we follow docs/references.md#imagenet-c.
    """
    s = size_scale(image)
    alpha = 250.0 * k
    x = to_unit(image)
    height, width = x.shape[:2]
    grid = reference_grid(height, width, s)
    sigma = ELASTIC_SIGMA * REFERENCE_SHORT_SIDE
    gain = np.float32(alpha * ELASTIC_NOISE * REFERENCE_SHORT_SIDE * s)
    dx = resize_to(smooth_noise_field(rng, grid, sigma) * gain, height, width)
    dy = resize_to(smooth_noise_field(rng, grid, sigma) * gain, height, width)
    cols = np.arange(width, dtype=np.float32)[None, :]
    rows = np.arange(height, dtype=np.float32)[:, None]
    out = cv2.remap(x, cols + dx, rows + dy, cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REFLECT_101)
    return Result(to_uint8(out), {
        "alpha": alpha * s, "sigma_px": sigma * s,
        "rms_displacement_px": float(np.sqrt(np.mean(dx * dx + dy * dy)))})
