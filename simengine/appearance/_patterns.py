"""What every pattern generator returns, and the helpers they share."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._tileable import blurred_noise


class Pattern(NamedTuple):
    """A material's tile before normalisation: linear colour (S, S, 3) up to a scale (the
    surface scales it to the material's albedo), roughness (S, S) before clipping, height
    (S, S) in metres, and the metres of surface the tile spans."""

    color: np.ndarray
    roughness: np.ndarray
    height_m: np.ndarray
    tile_m: float


def tinted(light: np.ndarray, hue) -> np.ndarray:
    """(S, S, 3): a brightness field times a linear RGB hue."""
    return np.clip(light, 0.02, None)[..., None] * np.asarray(hue, np.float64)


def mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """a where t = 0, b where t = 1 (t broadcast over the colour axis)."""
    t = t[..., None] if a.ndim == t.ndim + 1 else t
    return a * (1.0 - t) + b * t


def roughness_field(p: dict, rng: np.random.Generator, size: int, sigma: float,
                    extra: np.ndarray | None = None) -> np.ndarray:
    """The base roughness varied by ``roughness_variation`` × (smooth noise, or ``extra``,
    a unit-scale field the pattern wants the roughness to follow)."""
    field = blurred_noise(rng, size, sigma) if extra is None else extra
    return p["roughness"] + p["roughness_variation"] * np.clip(field, -2.0, 2.0)
