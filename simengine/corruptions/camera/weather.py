"""ImageNet-C weather corruptions: fog, frost, snow and spatter (extra).

Each adds a random texture layer. Layers are made on the 224-scale grid with the published
parameters and resized to the image (lengths × s = short side / 224, see
``imagenet_c``); the snow flakes are zoomed and streaked at full size for crisp
edges, with zoom and streak lengths × s. Frost uses a procedural texture instead of
ImageNet-C's six frost photographs (``frost_texture``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import cv2
import numpy as np

from ..base import Result, register
from .imagenet_c import (
    gaussian,
    motion_blur,
    plasma_fractal,
    reference_grid,
    resize_to,
    size_scale,
    to_uint8,
    to_unit,
)

PLASMA_SIZE = 256  # the reference's map (periodic), tiled to cover a non-square image


@register("fog", "camera", "(plasma amplitude, plasma octave decay): x + a·plasma, "
          "rescaled by max/(max + a); plasma feature size × s",
          ((1.5, 2.0), (2.0, 2.0), (2.5, 1.7), (2.5, 1.5), (3.0, 1.4)))
def fog(image: np.ndarray, level: tuple[float, float], rng: np.random.Generator,
        context: Mapping[str, Any]) -> Result:
    """Add a diamond-square plasma (same grey on all channels) and rescale so the brightest
    value keeps its place; a depth-free fog (see ``depth_fog`` for the physical one)."""
    amplitude, decay = level
    s = size_scale(image)
    x = to_unit(image)
    height, width = x.shape[:2]
    grid = reference_grid(height, width, s)
    plasma = plasma_fractal(rng, PLASMA_SIZE, decay).astype(np.float32)
    tiles = (math.ceil(grid[0] / PLASMA_SIZE), math.ceil(grid[1] / PLASMA_SIZE))
    plasma = np.tile(plasma, tiles)[:grid[0], :grid[1]]
    peak = float(x.max())
    x += np.float32(amplitude) * resize_to(plasma, height, width)[..., None]
    x *= np.float32(peak / (peak + amplitude))
    return Result(to_uint8(x), {"amplitude": amplitude, "decay": decay})


def frost_texture(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """A procedural frost texture in [0, 1] (H, W) on the 224-scale grid.

    Stands in for ImageNet-C's frost photographs (ice on a window pane): a patchy density
    (smoothed noise, ~50 px features) sets where ice grows; there, a milky base with fine
    grain, and short crystalline needles (sparse seeds streaked along 12 random directions
    of random length, each group its own) that cluster where the density is high. Mean
    ≈ 0.3, white peaks. Deterministic from ``rng``.
    """
    height, width = shape
    coarse = rng.random((math.ceil(height / 48) + 2, math.ceil(width / 48) + 2),
                        dtype=np.float32)
    density = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    density = np.clip((density - density.min()) / max(float(np.ptp(density)), 1e-6), 0, 1)
    density **= 1.5
    needles = np.zeros(shape, np.float32)
    for _ in range(12):
        seeds = (rng.random(shape, dtype=np.float32) < 0.006 * density).astype(np.float32)
        half_length = rng.uniform(1.5, 7.0)
        # flat taps (σ ≫ length): a straight needle from each seed, peak value 1
        streak = motion_blur(seeds, half_length, 1e3, rng.uniform(0.0, 360.0),
                             cv2.BORDER_CONSTANT)
        needles += streak * np.float32(2 * math.ceil(half_length) + 1)
    grain = gaussian(rng.random(shape, dtype=np.float32), 0.7)
    base = density * (0.55 + 0.9 * (grain - 0.5))
    frost = 0.8 * base + 0.7 * np.minimum(needles, 1.0) * (0.4 + 0.6 * density)
    return np.clip(gaussian(frost, 0.5), 0.0, 1.0)


FROST_TINT = np.float32([0.86, 0.93, 1.0])  # cold white: ice scatters blue slightly more


@register("frost", "camera", "(image weight, frost weight): clip(a·x + b·frost); frost "
          "texture feature size × s",
          ((1.0, 0.4), (0.8, 0.6), (0.7, 0.7), (0.65, 0.7), (0.6, 0.75)))
def frost(image: np.ndarray, level: tuple[float, float], rng: np.random.Generator,
          context: Mapping[str, Any]) -> Result:
    """Blend with a procedural frost texture (not ImageNet-C's photographs)."""
    image_weight, frost_weight = level
    s = size_scale(image)
    x = to_unit(image)
    height, width = x.shape[:2]
    texture = resize_to(frost_texture(rng, reference_grid(height, width, s)), height, width)
    out = np.float32(image_weight) * x + (np.float32(frost_weight) * texture)[..., None] \
        * FROST_TINT
    return Result(to_uint8(out), {"image_weight": image_weight, "frost_weight": frost_weight,
                                  "frost_mean": float(texture.mean())})


@register("snow", "camera", "(flake mean, flake std, flake zoom [224-px, × s], threshold, "
          "streak radius [224-px, × s], streak σ [224-px, × s], image weight)",
          ((0.1, 0.3, 3.0, 0.5, 10, 4, 0.8), (0.2, 0.3, 2.0, 0.5, 12, 4, 0.7),
           (0.55, 0.3, 4.0, 0.9, 12, 8, 0.7), (0.55, 0.3, 4.5, 0.85, 12, 8, 0.65),
           (0.55, 0.3, 2.5, 0.85, 12, 12, 0.55)), precipitation=True)
def snow(image: np.ndarray, level: tuple, rng: np.random.Generator,
         context: Mapping[str, Any]) -> Result:
    """Falling snow as the reference: N(mean, std) noise zoomed into flakes, values under
    the threshold dropped, streaked by a one-sided motion blur at U(−135°, −45°) (mostly
    vertical), added twice (the layer and its 180° rotation) to an image brightened towards
    1.5·grey + 0.5 with weight (1 − image weight)."""
    mean, std, zoom, threshold, radius, sigma, image_weight = level
    s = size_scale(image)
    x = to_unit(image)
    height, width = x.shape[:2]
    zoom_px = zoom * s
    flakes = rng.normal(mean, std, (math.ceil(height / zoom_px), math.ceil(width / zoom_px)))
    flakes = resize_to(flakes.astype(np.float32), height, width)
    flakes[flakes < threshold] = 0.0
    np.clip(flakes, 0.0, 1.0, out=flakes)
    angle = float(rng.uniform(-135.0, -45.0))
    flakes = motion_blur(flakes, radius * s, sigma * s, angle)
    grey = cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)[..., None]
    x = image_weight * x + (1.0 - image_weight) * np.maximum(x, grey * 1.5 + 0.5)
    layer = flakes + flakes[::-1, ::-1]
    out = x + layer[..., None]
    return Result(to_uint8(out), {"angle_deg": angle, "flake_zoom_px": zoom_px,
                                  "streak_radius_px": radius * s, "streak_sigma_px": sigma * s,
                                  "snow_cover": float(np.mean(layer > 0.5))})


WATER_RGB = np.float32([175, 238, 238]) / 255  # pale turquoise, as the reference
MUD_RGB = np.float32([63, 42, 20]) / 255


def _water_sheen(liquid: np.ndarray) -> np.ndarray:
    """The reference's water highlights on the 224 grid: distance to the drops' edges
    (Canny), truncated at 20 px, equalised and embossed, times the liquid layer."""
    liquid8 = (np.clip(liquid, 0, 1) * 255).astype(np.uint8)
    dist = cv2.distanceTransform(255 - cv2.Canny(liquid8, 50, 150), cv2.DIST_L2, 5)
    _, dist = cv2.threshold(dist, 20, 20, cv2.THRESH_TRUNC)
    dist = cv2.equalizeHist(cv2.blur(dist, (3, 3)).astype(np.uint8))
    emboss = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], np.float32)
    dist = cv2.blur(cv2.filter2D(dist, cv2.CV_8U, emboss), (3, 3)).astype(np.float32)
    sheen = liquid8.astype(np.float32) * dist
    peak = float(sheen.max())
    return sheen / peak if peak > 0 else sheen


@register("spatter", "camera", "(liquid mean, liquid std, blob σ [224-px, × s], threshold, "
          "intensity or mud σ [224-px, × s], mud flag): water (flag 0) or mud (flag 1)",
          ((0.65, 0.3, 4, 0.69, 0.6, 0), (0.65, 0.3, 3, 0.68, 0.6, 0),
           (0.65, 0.3, 2, 0.68, 0.5, 0), (0.65, 0.3, 1, 0.65, 1.5, 1),
           (0.67, 0.4, 1, 0.65, 1.5, 1)))
def spatter(image: np.ndarray, level: tuple, rng: np.random.Generator,
            context: Mapping[str, Any]) -> Result:
    """Drops on the lens (ImageNet-C extra): smoothed noise above a threshold. Water adds
    turquoise highlights; mud replaces the image with brown where its smoothed cover ≥ 0.8
    (``mask``: mud cover > 0.5; None for water, which only adds light)."""
    mean, std, blob_sigma, threshold, strength, is_mud = level
    s = size_scale(image)
    x = to_unit(image)
    height, width = x.shape[:2]
    grid = reference_grid(height, width, s)
    liquid = gaussian(rng.normal(mean, std, grid).astype(np.float32), blob_sigma)
    liquid[liquid < threshold] = 0.0
    if not is_mud:
        sheen = resize_to(_water_sheen(liquid), height, width) * np.float32(strength)
        out = x + sheen[..., None] * WATER_RGB
        return Result(to_uint8(out), {"mud": 0.0, "cover": float(np.mean(sheen > 0))})
    cover = gaussian((liquid > threshold).astype(np.float32), strength)
    cover[cover < 0.8] = 0.0
    cover = resize_to(cover, height, width)
    out = x * (1.0 - cover[..., None]) + cover[..., None] * MUD_RGB
    mask = cover > 0.5
    return Result(to_uint8(out), {"mud": 1.0, "cover": float(mask.mean())}, mask)
