"""Numba device functions of the physically based pass: the GGX (Cook–Torrance) lobe, its
environment approximation, and the sample points of a pixel.

The microfacet model is the one of Walter et al. 2007 and Heitz 2014: Trowbridge–Reitz (GGX)
distribution D, the height-correlated Smith visibility V = G / (4 n·l n·v), and Schlick's
Fresnel. ``roughness`` is the perceptual roughness r (Burley 2012), α = r². The diffuse lobe
is Lambert, weighted by (1 − F) so that diffuse and specular together never reflect more
than arrives. Sources in docs/references.md (camera shading).
"""

from __future__ import annotations

import math

from ..._numba import kernel

INV_PI = 1.0 / math.pi
GOLDEN = 0.6180339887498949  # the 1D golden-ratio (Kronecker) sequence's step


@kernel(inline="always")
def _ggx_d(n_h, alpha):
    """GGX normal distribution D(h) (per steradian of half-vector)."""
    a2 = alpha * alpha
    d = n_h * n_h * (a2 - 1.0) + 1.0
    return a2 * INV_PI / (d * d)


@kernel(inline="always")
def _smith_v(n_l, n_v, alpha):
    """Height-correlated Smith visibility V = G₂ / (4 n·l n·v) (Heitz 2014, eq. 99)."""
    a2 = alpha * alpha
    gv = n_l * math.sqrt(n_v * n_v * (1.0 - a2) + a2)
    gl = n_v * math.sqrt(n_l * n_l * (1.0 - a2) + a2)
    return 0.5 / (gv + gl)


@kernel(inline="always")
def _schlick(f0, cos_theta):
    m = 1.0 - cos_theta
    m2 = m * m
    return f0 + (1.0 - f0) * m2 * m2 * m


@kernel(inline="always")
def _env_brdf(roughness, n_v):
    """Karis 2014's analytic fit of the GGX lobe's directional albedo split into
    (scale, bias): the specular a uniform environment reflects is L·(F0·scale + bias)."""
    c0x, c0y, c0z, c0w = -1.0, -0.0275, -0.572, 0.022
    c1x, c1y, c1z, c1w = 1.0, 0.0425, 1.04, -0.04
    rx = roughness * c0x + c1x
    ry = roughness * c0y + c1y
    rz = roughness * c0z + c1z
    rw = roughness * c0w + c1w
    a004 = min(rx * rx, 2.0 ** (-9.28 * n_v)) * rx + ry
    return a004 * -1.04 + rz, a004 * 1.04 + rw


@kernel(inline="always")
def _hash01(a, b, c):
    """A uniform number in [0, 1) from three integers (a 32-bit integer hash): the
    per-pixel shift of the sample sequences, so neighbouring pixels decorrelate while the
    image stays a pure function of its inputs (no random state, any thread count)."""
    h = (a * 73856093) ^ (b * 19349663) ^ (c * 83492791)
    h &= 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x7FEB352D) & 0xFFFFFFFF
    h ^= h >> 15
    h = (h * 0x846CA68B) & 0xFFFFFFFF
    h ^= h >> 16
    return h / 4294967296.0


@kernel(inline="always")
def _sample_2d(k, n, shift_x, shift_y):
    """Point k of n of a shifted rank-1 lattice in the unit square: (k + ½)/n against the
    golden-ratio sequence, each dimension shifted modulo 1 (Cranley–Patterson)."""
    x = (k + 0.5) / n + shift_x
    y = k * GOLDEN + shift_y
    return x - math.floor(x), y - math.floor(y)


@kernel(inline="always")
def _basis(nx, ny, nz):
    """Two unit tangents completing n to a right-handed frame (Duff et al. 2017)."""
    s = 1.0 if nz >= 0.0 else -1.0
    a = -1.0 / (s + nz)
    b = nx * ny * a
    return (1.0 + s * nx * nx * a, s * b, -s * nx), (b, s + ny * ny * a, -ny)


@kernel(inline="always")
def _cosine_direction(nx, ny, nz, x, y):
    """A direction about the unit normal n with density cos θ / π (Malley's method)."""
    t, b = _basis(nx, ny, nz)
    r = math.sqrt(x)
    phi = 2.0 * math.pi * y
    a, c = r * math.cos(phi), r * math.sin(phi)
    h = math.sqrt(max(0.0, 1.0 - x))
    return (a * t[0] + c * b[0] + h * nx, a * t[1] + c * b[1] + h * ny,
            a * t[2] + c * b[2] + h * nz)


@kernel(inline="always")
def _cone_direction(ax, ay, az, cos_max, x, y):
    """A direction uniform in solid angle inside the cone about the unit axis a of
    half-angle acos(cos_max) (the sun's disc)."""
    t, b = _basis(ax, ay, az)
    c = 1.0 - x * (1.0 - cos_max)
    s = math.sqrt(max(0.0, 1.0 - c * c))
    phi = 2.0 * math.pi * y
    u, v = s * math.cos(phi), s * math.sin(phi)
    return (u * t[0] + v * b[0] + c * ax, u * t[1] + v * b[1] + c * ay,
            u * t[2] + v * b[2] + c * az)


@kernel(inline="always")
def _brdf_cos(nx, ny, nz, vx, vy, vz, lx, ly, lz, dr, dg, db, f0r, f0g, f0b, alpha):
    """Cook–Torrance GGX + (1 − F)-weighted Lambert, times n·l, for unit normal n, view v
    and light l (both pointing away from the surface). ``d*``: diffuse albedo, ``f0*``:
    specular reflectance at normal incidence. Returns the RGB factor that multiplies the
    light's irradiance at normal incidence."""
    n_l = nx * lx + ny * ly + nz * lz
    if n_l <= 0.0:
        return 0.0, 0.0, 0.0
    n_v = max(nx * vx + ny * vy + nz * vz, 1e-4)
    hx, hy, hz = lx + vx, ly + vy, lz + vz
    norm = math.sqrt(hx * hx + hy * hy + hz * hz)
    hx, hy, hz = hx / norm, hy / norm, hz / norm
    n_h = max(nx * hx + ny * hy + nz * hz, 0.0)
    v_h = max(vx * hx + vy * hy + vz * hz, 0.0)
    spec = _ggx_d(n_h, alpha) * _smith_v(n_l, n_v, alpha)
    fr, fg, fb = _schlick(f0r, v_h), _schlick(f0g, v_h), _schlick(f0b, v_h)
    return (((1.0 - fr) * dr * INV_PI + fr * spec) * n_l,
            ((1.0 - fg) * dg * INV_PI + fg * spec) * n_l,
            ((1.0 - fb) * db * INV_PI + fb * spec) * n_l)
