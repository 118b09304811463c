"""Tileable noise and bump slopes for the procedural surfaces (numpy only).

Every field is periodic over the S × S tile by construction: white noise is filtered in the
Fourier domain of the tile, whose basis functions all repeat with period S, so the right
edge continues into the left and the bottom into the top with no seam.
"""

from __future__ import annotations

import numpy as np


def blurred_noise(rng: np.random.Generator, size: int, sigma_x: float,
                  sigma_y: float | None = None, angle: float = 0.0) -> np.ndarray:
    """(size, size) periodic Gaussian-filtered white noise, zero mean, unit deviation.

    ``sigma_x`` and ``sigma_y`` are the filter's standard deviations in texels along the
    columns (u) and the rows, before turning the filter by ``angle`` radians; a long
    ``sigma_x`` and a short ``sigma_y`` give streaks along u (brushing, wood fibres)."""
    sigma_y = sigma_x if sigma_y is None else sigma_y
    white = rng.standard_normal((size, size))
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    c, s = np.cos(angle), np.sin(angle)
    a = c * fx + s * fy  # frequency along the turned u axis
    b = -s * fx + c * fy
    gain = np.exp(-2.0 * np.pi**2 * ((sigma_x * a) ** 2 + (sigma_y * b) ** 2))
    field = np.fft.irfft2(np.fft.rfft2(white) * gain, s=(size, size))
    field -= field.mean()
    deviation = field.std()
    return field / deviation if deviation > 0 else field


def fbm(rng: np.random.Generator, size: int, sigma: float, octaves: int = 4,
        gain: float = 0.5) -> np.ndarray:
    """Fractal sum of ``blurred_noise`` octaves (sigma halving, amplitude × gain each),
    zero mean, unit deviation."""
    total = np.zeros((size, size))
    for k in range(octaves):
        total += gain**k * blurred_noise(rng, size, max(sigma / 2**k, 0.5))
    return (total - total.mean()) / total.std()


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def slope_from_height(height_m: np.ndarray, tile_m: float) -> np.ndarray:
    """(S, S, 2) float32 (dh/du, dh/dv) in metres per metre of a periodic height map
    (metres), by central differences with wrap-around; u along the columns, v up the image
    (rows run down, as texture v does in ``_mesh_albedo``)."""
    step = tile_m / height_m.shape[1]
    dh_du = (np.roll(height_m, -1, axis=1) - np.roll(height_m, 1, axis=1)) / (2.0 * step)
    step_v = tile_m / height_m.shape[0]
    dh_dv = (np.roll(height_m, 1, axis=0) - np.roll(height_m, -1, axis=0)) / (2.0 * step_v)
    return np.stack([dh_du, dh_dv], axis=-1).astype(np.float32)
