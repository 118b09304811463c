"""Numba device functions reading the sky's lat-long tables (``sky.EnvironmentMap``):
radiance along a view direction, irradiance for a surface normal. Private to the camera; a
render kernel inlines them. Same arithmetic as ``sky.latlong_lookup_np``.
"""

from __future__ import annotations

import math

from ..._numba import kernel

_TWO_PI = 2.0 * math.pi


@kernel(inline="always")
def latlong_lookup(table, n_el, n_az, dx, dy, dz):
    """Bilinear read of ``table`` (n_el, n_az, 3) along the unit direction (dx, dy, dz):
    row i at elevation π/2 - i π / (n_el - 1) (zenith to nadir), column j at azimuth
    j 2π / n_az, azimuth atan2(dy, dx) in [0, 2π) (wrapping); ``sky.EnvironmentMap``.
    Returns (r, g, b) as float64."""
    z = dz
    if z > 1.0:
        z = 1.0
    elif z < -1.0:
        z = -1.0
    el = math.asin(z)
    az = math.atan2(dy, dx)
    if az < 0.0:
        az += _TWO_PI
    fr = (0.5 * math.pi - el) / math.pi * (n_el - 1)
    if fr < 0.0:
        fr = 0.0
    elif fr > n_el - 1.0:
        fr = n_el - 1.0
    i0 = int(fr)
    i1 = i0 + 1 if i0 + 1 < n_el else n_el - 1
    tr = fr - i0
    fc = az / _TWO_PI * n_az
    j0f = math.floor(fc)
    tc = fc - j0f
    j0 = int(j0f) % n_az
    j1 = (j0 + 1) % n_az
    w00 = (1.0 - tr) * (1.0 - tc)
    w01 = (1.0 - tr) * tc
    w10 = tr * (1.0 - tc)
    w11 = tr * tc
    r = (w00 * table[i0, j0, 0] + w01 * table[i0, j1, 0]
         + w10 * table[i1, j0, 0] + w11 * table[i1, j1, 0])
    g = (w00 * table[i0, j0, 1] + w01 * table[i0, j1, 1]
         + w10 * table[i1, j0, 1] + w11 * table[i1, j1, 1])
    b = (w00 * table[i0, j0, 2] + w01 * table[i0, j1, 2]
         + w10 * table[i1, j0, 2] + w11 * table[i1, j1, 2])
    return r, g, b


@kernel(inline="always")
def _env_radiance(env, n_el, n_az, dx, dy, dz):
    """Sky radiance (cd/m², r, g, b) along the unit view direction (dx, dy, dz), from an
    ``EnvironmentMap(kind="radiance").table``."""
    return latlong_lookup(env, n_el, n_az, dx, dy, dz)


@kernel(inline="always")
def _env_irradiance(irr, n_el, n_az, nx, ny, nz):
    """Sky irradiance (lux, r, g, b) on a surface of unit normal (nx, ny, nz), from an
    ``irradiance_map`` table (a diffuse surface of albedo ρ then has radiance ρ E / π)."""
    return latlong_lookup(irr, n_el, n_az, nx, ny, nz)
