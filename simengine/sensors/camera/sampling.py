"""Where in a pixel the anti-aliasing samples go: a rank-1 lattice of N points.

Sample k of N sits at ((k + ½) / N, ({k·g / N} + ½ / N)) of the pixel, for the generator g
coprime to N whose lattice has the largest smallest (toroidal) distance between points
(a Korobov lattice). Every column and every row of the N × N grid holds exactly one point,
so an axis-aligned edge is counted within 1 / N of its covered fraction, and the lattice's
spacing keeps slanted edges close to it too (tests/sensors/test_camera_antialiasing.py).
The pattern is the same for every pixel and every frame: a deterministic estimator, no
random draws.
"""

from __future__ import annotations

import functools
import math

import numpy as np

MAX_SAMPLES = 64


@functools.cache
def lattice_generator(n: int) -> int:
    """The generator g of the best-spread rank-1 lattice of ``n`` points (1 for n <= 2)."""
    if n <= 2:
        return 1
    k = np.arange(n)
    best, best_g = -1.0, 1
    for g in range(1, n):
        if math.gcd(g, n) != 1:
            continue
        x = k / n
        y = (k * g % n) / n
        dx = np.abs(x[:, None] - x[None, :])
        dy = np.abs(y[:, None] - y[None, :])
        dx, dy = np.minimum(dx, 1 - dx), np.minimum(dy, 1 - dy)
        d = dx * dx + dy * dy
        np.fill_diagonal(d, np.inf)
        if d.min() > best + 1e-12:
            best, best_g = float(d.min()), g
    return best_g


def subpixel_offsets(n: int) -> tuple[tuple[float, float], ...]:
    """The ``n`` sample points as offsets (du, dv) from the pixel centre, in pixels."""
    if not 1 <= n <= MAX_SAMPLES:
        raise ValueError(f"samples per pixel must be in [1, {MAX_SAMPLES}], got {n}")
    g = lattice_generator(n)
    return tuple(((k + 0.5) / n - 0.5, ((k * g % n) + 0.5) / n - 0.5) for k in range(n))
