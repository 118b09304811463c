"""Analytic skies and the sun: radiance in cd/m² per channel, linear sRGB primaries (Y of
the RGB is the luminance), world frame z up, directions unit vectors.

- ``PreethamSky``: Preetham, Shirley & Smits 1999, "A practical analytic model for
  daylight" (SIGGRAPH): the Perez et al. 1993 distribution
  F(θ, γ) = (1 + A e^(B / cos θ)) (1 + C e^(D γ) + E cos² γ) for Y, x and y with the
  paper's turbidity-linear coefficients (appendix A.2), the zenith luminance
  Yz = (4.0453 T - 4.9710) tan χ - 0.2155 T + 2.4192 kcd/m², χ = (4/9 - T/120)(π - 2θs),
  and the zenith chromaticities from the paper's matrices; then Yxy -> XYZ -> linear sRGB.
  θ is the view direction's zenith angle, γ its angle to the sun, θs the sun's.
  Below the horizon (dz < 0) the ground: ``ground_albedo`` times the azimuthal mean of the
  horizon radiance (a uniform stand-in, not a lit ground plane).
- ``sun_radiance`` / ``sun_illuminance``: the solar disc after the atmosphere, from
  Preetham's appendix A.3 (after Iqbal 1983): extraterrestrial spectral radiance times the
  Rayleigh, Ångström aerosol (β = 0.04608 T - 0.04586, α = 1.3) and ozone (0.35 cm)
  transmittances; the relative air mass is Kasten & Young 1989's (Preetham used Kasten
  1966's). Mixed-gas and water-vapour bands (> 689 nm, little luminous weight) are left out.
  Spectra -> XYZ by the Wyman, Sloan & Shirley 2013 fit of the CIE 1931 observer.
- ``OvercastSky``: CIE standard overcast sky (Moon & Spencer 1942; CIE S 011/E:2003 type 1),
  L = Lz (1 + 2 sin(elevation)) / 3, neutral (D65) colour.
- ``environment_map`` tabulates a sky over the whole sphere; ``irradiance_map`` convolves it
  with the clipped cosine. The lat-long mapping and the Numba look-ups are in
  ``_sky_kernels``. The sun is not in either table: a renderer adds it as its own light.

Sources and checks: docs/references.md#sky.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .response import xyz_to_linear_srgb

SUN_ANGULAR_RADIUS_DEG = 0.2666  # mean apparent solar radius
DEFAULT_GROUND_ALBEDO = 0.2      # broadband albedo of grass / aged asphalt / soil

# Preetham et al. 1999, appendix A.2: Perez coefficients A..E = slope * T + offset.
PEREZ_Y = np.array([[0.1787, -1.4630], [-0.3554, 0.4275], [-0.0227, 5.3251],
                    [0.1206, -2.5771], [-0.0670, 0.3703]])
PEREZ_X = np.array([[-0.0193, -0.2592], [-0.0665, 0.0008], [-0.0004, 0.2125],
                    [-0.0641, -0.8989], [-0.0033, 0.0452]])
PEREZ_Y_CHROMA = np.array([[-0.0167, -0.2608], [-0.0950, 0.0092], [-0.0079, 0.2102],
                           [-0.0441, -1.6537], [-0.0109, 0.0529]])
# zenith chromaticity = [T², T, 1] · M · [θs³, θs², θs, 1]
ZENITH_X = np.array([[0.00166, -0.00375, 0.00209, 0.0],
                     [-0.02903, 0.06377, -0.03202, 0.00394],
                     [0.11693, -0.21196, 0.06052, 0.25886]])
ZENITH_Y = np.array([[0.00275, -0.00610, 0.00317, 0.0],
                     [-0.04214, 0.08970, -0.04153, 0.00516],
                     [0.15346, -0.26756, 0.06670, 0.26688]])
# T = 1 is pure air; Yz with the sun at the horizon, 2.4192 - 0.2155 T, turns negative
# above T = 11.2. Clear to hazy skies: 2-10.
TURBIDITY_RANGE = (1.7, 10.0)


def _unit(v: np.ndarray, name: str) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    if not np.all(np.isfinite(v)) or np.any(n == 0.0):
        raise ValueError(f"{name}: expected finite non-zero vectors")
    return v / n


def _check_turbidity(turbidity: float) -> float:
    t = float(turbidity)
    if not TURBIDITY_RANGE[0] <= t <= TURBIDITY_RANGE[1]:
        raise ValueError(f"turbidity: expected {TURBIDITY_RANGE[0]}..{TURBIDITY_RANGE[1]}, "
                         f"got {turbidity!r}")
    return t


def perez(cos_theta: np.ndarray, gamma: np.ndarray, coeffs: np.ndarray) -> np.ndarray:
    """Perez et al. 1993 relative distribution for coefficients (A, B, C, D, E)."""
    a, b, c, d, e = coeffs
    with np.errstate(divide="ignore", over="ignore"):
        ct = np.maximum(cos_theta, 0.0)
        # B < 0: at the horizon e^(B / 0) = 0, the limit
        first = 1.0 + a * np.exp(np.where(ct > 0.0, b / np.where(ct > 0.0, ct, 1.0), -np.inf))
    return first * (1.0 + c * np.exp(d * gamma) + e * np.cos(gamma) ** 2)


def zenith_luminance_kcd(sun_zenith: float, turbidity: float) -> float:
    """Preetham's zenith luminance Yz in kcd/m² (sun zenith angle in radians)."""
    chi = (4.0 / 9.0 - turbidity / 120.0) * (math.pi - 2.0 * sun_zenith)
    return (4.0453 * turbidity - 4.9710) * math.tan(chi) - 0.2155 * turbidity + 2.4192


def zenith_chromaticity(sun_zenith: float, turbidity: float) -> tuple[float, float]:
    """Preetham's zenith chromaticity (x, y)."""
    t = np.array([turbidity**2, turbidity, 1.0])
    th = np.array([sun_zenith**3, sun_zenith**2, sun_zenith, 1.0])
    return float(t @ ZENITH_X @ th), float(t @ ZENITH_Y @ th)


class PreethamSky:
    """Clear sky of Preetham et al. 1999 for a sun direction (z up, elevation >= 0) and a
    turbidity T in [1.7, 10] (2 very clear, 3 clear, 6 hazy)."""

    def __init__(self, sun_direction: np.ndarray, turbidity: float, *,
                 ground_albedo: float = DEFAULT_GROUND_ALBEDO) -> None:
        self.sun = _unit(sun_direction, "sun_direction").reshape(3)
        if self.sun[2] < 0.0:
            raise ValueError(f"sun_direction: the Preetham sky needs the sun above the horizon "
                             f"(z >= 0), got {self.sun.tolist()}")
        self.turbidity = _check_turbidity(turbidity)
        if not 0.0 <= ground_albedo <= 1.0:
            raise ValueError(f"ground_albedo: expected 0..1, got {ground_albedo!r}")
        self.ground_albedo = float(ground_albedo)
        t = self.turbidity
        self.sun_zenith = math.acos(min(1.0, self.sun[2]))
        self.coeffs = np.stack([m @ np.array([t, 1.0])
                                for m in (PEREZ_Y, PEREZ_X, PEREZ_Y_CHROMA)])  # (3, 5)
        xz, yz = zenith_chromaticity(self.sun_zenith, t)
        self.zenith_Yxy = np.array([1000.0 * zenith_luminance_kcd(self.sun_zenith, t), xz, yz])
        self._f0 = np.array([perez(np.float64(1.0), np.float64(self.sun_zenith), c)
                             for c in self.coeffs])
        az = np.linspace(0.0, 2.0 * math.pi, 360, endpoint=False)
        horizon = np.stack([np.cos(az), np.sin(az), np.zeros_like(az)], axis=1)
        self.ground_radiance = self.ground_albedo * self._sky(horizon).mean(axis=0)

    def yxy(self, directions: np.ndarray) -> np.ndarray:
        """(N, 3) luminance Y (cd/m²) and chromaticity x, y of directions with dz >= 0."""
        d = _unit(directions, "directions").reshape(-1, 3)
        cos_gamma = np.clip(d @ self.sun, -1.0, 1.0)
        gamma = np.arccos(cos_gamma)
        ratios = np.stack([perez(d[:, 2], gamma, c) / f0
                           for c, f0 in zip(self.coeffs, self._f0, strict=True)], axis=1)
        return self.zenith_Yxy * ratios

    def _sky(self, d: np.ndarray) -> np.ndarray:
        yxy = self.yxy(d)
        big_y, x, y = yxy[:, 0], yxy[:, 1], yxy[:, 2]
        xyz = np.stack([x / y * big_y, big_y, (1.0 - x - y) / y * big_y], axis=1)
        return xyz_to_linear_srgb(xyz)

    def radiance(self, directions: np.ndarray) -> np.ndarray:
        """(N, 3) float64 radiance (cd/m², linear sRGB) seen along unit ``directions``."""
        d = _unit(directions, "directions").reshape(-1, 3)
        out = np.empty((d.shape[0], 3))
        up = d[:, 2] >= 0.0
        out[up] = self._sky(d[up])
        out[~up] = self.ground_radiance
        return out


class OvercastSky:
    """CIE standard overcast sky, L = Lz (1 + 2 sin(elevation)) / 3, grey; below the horizon
    ``ground_albedo`` times the horizon radiance Lz / 3."""

    def __init__(self, zenith_luminance: float, *,
                 ground_albedo: float = DEFAULT_GROUND_ALBEDO) -> None:
        if not (math.isfinite(zenith_luminance) and zenith_luminance >= 0.0):
            raise ValueError(f"zenith_luminance: expected a finite value >= 0 cd/m², "
                             f"got {zenith_luminance!r}")
        if not 0.0 <= ground_albedo <= 1.0:
            raise ValueError(f"ground_albedo: expected 0..1, got {ground_albedo!r}")
        self.zenith_luminance = float(zenith_luminance)
        self.ground_albedo = float(ground_albedo)

    def radiance(self, directions: np.ndarray) -> np.ndarray:
        """(N, 3) float64 radiance (cd/m², R = G = B: the D65 white has Y = R = G = B)."""
        d = _unit(directions, "directions").reshape(-1, 3)
        lum = np.where(d[:, 2] >= 0.0, self.zenith_luminance * (1.0 + 2.0 * d[:, 2]) / 3.0,
                       self.ground_albedo * self.zenith_luminance / 3.0)
        return np.repeat(lum[:, None], 3, axis=1)


# ---- the sun ---------------------------------------------------------------------------

# Preetham et al. 1999 appendix A.3 (data from Iqbal 1983): extraterrestrial solar spectral
# radiance, W / (m² nm sr), 380..750 nm every 10 nm.
_SOL_NM = np.arange(380.0, 751.0, 10.0)
_SOL_RADIANCE = np.array([
    16559.0, 16233.7, 21127.5, 25888.2, 25829.1, 24232.3, 26760.5, 29658.3, 30545.4,
    30057.5, 30663.7, 28830.4, 28712.1, 27825.0, 27100.6, 27233.6, 26361.3, 25503.8,
    25060.2, 25311.6, 25355.9, 25134.2, 24631.5, 24173.2, 23685.3, 23212.1, 22827.7,
    22339.8, 21970.2, 21526.7, 21097.9, 20728.3, 20240.4, 19870.8, 19427.2, 19072.4,
    18628.9, 18259.2])
# ozone absorption coefficient k_o (cm⁻¹), Iqbal 1983 p. 127 as used by Preetham (visible part)
_OZONE_NM = np.array([355.0, 445.0, 450.0, 455.0, 460.0, 465.0, 470.0, 475.0, 480.0, 485.0,
                      490.0, 495.0, 500.0, 505.0, 510.0, 515.0, 520.0, 525.0, 530.0, 535.0,
                      540.0, 545.0, 550.0, 555.0, 560.0, 565.0, 570.0, 575.0, 580.0, 585.0,
                      590.0, 595.0, 600.0, 605.0, 610.0, 620.0, 630.0, 640.0, 650.0, 660.0,
                      670.0, 680.0, 690.0, 700.0, 710.0, 720.0, 730.0, 740.0, 750.0, 760.0])
_OZONE_K = np.array([0.0, 0.003, 0.003, 0.004, 0.006, 0.008, 0.009, 0.012, 0.014, 0.017,
                     0.021, 0.025, 0.03, 0.035, 0.04, 0.045, 0.048, 0.057, 0.063, 0.07,
                     0.075, 0.08, 0.085, 0.095, 0.103, 0.110, 0.12, 0.122, 0.12, 0.118,
                     0.115, 0.12, 0.125, 0.130, 0.12, 0.105, 0.09, 0.079, 0.067, 0.057,
                     0.048, 0.036, 0.028, 0.023, 0.018, 0.014, 0.011, 0.010, 0.009, 0.007])
OZONE_CM = 0.35
LUMINOUS_EFFICACY = 683.0  # lm / W at 555 nm (the candela's definition)


def cie1931_cmf(nm: np.ndarray) -> np.ndarray:
    """(N, 3) CIE 1931 2° colour matching functions, Wyman, Sloan & Shirley 2013 fit."""
    nm = np.asarray(nm, dtype=np.float64)

    def g(mu: float, inv_lo: float, inv_hi: float) -> np.ndarray:
        t = (nm - mu) * np.where(nm < mu, inv_lo, inv_hi)
        return np.exp(-0.5 * t * t)

    x = 1.056 * g(599.8, 0.0264, 0.0323) + 0.362 * g(442.0, 0.0624, 0.0374) \
        - 0.065 * g(501.1, 0.0490, 0.0382)
    y = 0.821 * g(568.8, 0.0213, 0.0247) + 0.286 * g(530.9, 0.0613, 0.0322)
    z = 1.217 * g(437.0, 0.0845, 0.0278) + 0.681 * g(459.0, 0.0385, 0.0725)
    return np.stack([x, y, z], axis=1)


def relative_air_mass(zenith: float) -> float:
    """Kasten & Young 1989: m = 1 / (cos z + 0.50572 (96.07995° - z)^-1.6364), z in radians."""
    z_deg = math.degrees(zenith)
    return 1.0 / (math.cos(zenith) + 0.50572 * (96.07995 - z_deg) ** -1.6364)


def solar_spectral_radiance(sun_direction: np.ndarray, turbidity: float,
                            nm: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(wavelengths nm, W/(m² nm sr)) of the solar disc seen from the ground (0 when set)."""
    sun = _unit(sun_direction, "sun_direction").reshape(3)
    t = _check_turbidity(turbidity)
    nm = np.arange(380.0, 751.0, 5.0) if nm is None else np.asarray(nm, dtype=np.float64)
    if sun[2] <= 0.0:
        return nm, np.zeros_like(nm)
    m = relative_air_mass(math.acos(min(1.0, sun[2])))
    um = nm / 1000.0
    beta = 0.04608365822050 * t - 0.04586025928522
    tau = np.exp(-m * (0.008735 * um ** -4.08 + beta * um ** -1.3
                       + OZONE_CM * np.interp(nm, _OZONE_NM, _OZONE_K)))
    return nm, np.interp(nm, _SOL_NM, _SOL_RADIANCE) * tau


def _spectrum_to_rgb(nm: np.ndarray, spectral: np.ndarray) -> np.ndarray:
    step = float(nm[1] - nm[0])
    xyz = LUMINOUS_EFFICACY * step * (spectral @ cie1931_cmf(nm))
    return xyz_to_linear_srgb(xyz)


def sun_solid_angle(angular_radius_deg: float = SUN_ANGULAR_RADIUS_DEG) -> float:
    """Solid angle (sr) of a disc of the given angular radius: 2π (1 - cos r)."""
    return 2.0 * math.pi * (1.0 - math.cos(math.radians(angular_radius_deg)))


def sun_illuminance(sun_direction: np.ndarray, turbidity: float) -> np.ndarray:
    """(3,) direct normal illuminance of the sun (lux per channel; Y of it = lux), i.e. the
    disc's radiance times the real sun's solid angle."""
    nm, spectral = solar_spectral_radiance(sun_direction, turbidity)
    return _spectrum_to_rgb(nm, spectral) * sun_solid_angle()


def sun_radiance(sun_direction: np.ndarray, turbidity: float, *,
                 angular_radius_deg: float = SUN_ANGULAR_RADIUS_DEG) -> np.ndarray:
    """(3,) radiance (cd/m², linear sRGB) of a solar disc of ``angular_radius_deg``.

    The disc's radiance is scaled so it gives the real sun's direct normal illuminance
    whatever its radius (a renderer may widen the disc for softer shadows).
    """
    if not 0.0 < angular_radius_deg < 90.0:
        raise ValueError(f"angular_radius_deg: expected 0..90, got {angular_radius_deg!r}")
    return sun_illuminance(sun_direction, turbidity) / sun_solid_angle(angular_radius_deg)


# ---- environment tables ----------------------------------------------------------------

@dataclass(frozen=True)
class EnvironmentMap:
    """A lat-long table over the whole sphere, float32 (n_elevation, n_azimuth, 3).

    Row i holds elevation π/2 - i π / (n_elevation - 1): row 0 is the zenith, the last row
    the nadir (both poles are samples, so a look-up there is exact); column j holds azimuth
    φ = j 2π / n_azimuth with φ = atan2(dy, dx) in [0, 2π) (x towards φ = 0, y towards
    φ = π/2). An even n_elevation puts the horizon half-way between two rows. Read back
    bilinearly (``_sky_kernels.latlong_lookup``), wrapping in azimuth. ``kind`` is
    "radiance" (cd/m², by view direction) or "irradiance" (lux, by surface normal).
    """

    table: np.ndarray
    kind: str = "radiance"

    def __post_init__(self) -> None:
        t = self.table
        if not (isinstance(t, np.ndarray) and t.dtype == np.float32 and t.ndim == 3
                and t.shape[0] >= 2 and t.shape[1] >= 2 and t.shape[2] == 3
                and t.flags.c_contiguous):
            raise ValueError("EnvironmentMap: table must be a C-contiguous float32 array "
                             f"(n_elevation >= 2, n_azimuth >= 2, 3), got "
                             f"{getattr(t, 'dtype', type(t))} {getattr(t, 'shape', '')}")
        if self.kind not in ("radiance", "irradiance"):
            raise ValueError(f"EnvironmentMap: kind must be radiance or irradiance, "
                             f"got {self.kind!r}")

    @property
    def n_elevation(self) -> int:
        return int(self.table.shape[0])

    @property
    def n_azimuth(self) -> int:
        return int(self.table.shape[1])


def sample_directions(n_elevation: int, n_azimuth: int) -> np.ndarray:
    """(n_elevation, n_azimuth, 3) unit directions of the table's samples (the mapping)."""
    el = math.pi / 2 - np.arange(n_elevation) * math.pi / (n_elevation - 1)
    az = np.arange(n_azimuth) * 2.0 * math.pi / n_azimuth
    el, az = np.meshgrid(el, az, indexing="ij")
    return np.stack([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], axis=-1)


def environment_map(sky: PreethamSky | OvercastSky, n_elevation: int = 32,
                    n_azimuth: int = 64) -> EnvironmentMap:
    """Tabulate ``sky.radiance`` at the samples of the mapping (``EnvironmentMap``)."""
    if n_elevation < 2 or n_azimuth < 2:
        raise ValueError("environment_map: need n_elevation >= 2 and n_azimuth >= 2")
    d = sample_directions(n_elevation, n_azimuth).reshape(-1, 3)
    table = sky.radiance(d).reshape(n_elevation, n_azimuth, 3)
    return EnvironmentMap(np.ascontiguousarray(table, dtype=np.float32))


def latlong_lookup_np(table: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """(N, C) bilinear read of a lat-long table (n_el, n_az, C) along unit ``directions``;
    the numpy twin of ``_sky_kernels.latlong_lookup`` (same arithmetic)."""
    d = np.asarray(directions, dtype=np.float64).reshape(-1, 3)
    n_el, n_az = table.shape[:2]
    el = np.arcsin(np.clip(d[:, 2], -1.0, 1.0))
    az = np.arctan2(d[:, 1], d[:, 0])
    az = np.where(az < 0.0, az + 2.0 * math.pi, az)
    fr = np.clip((math.pi / 2 - el) / math.pi * (n_el - 1), 0.0, n_el - 1.0)
    i0 = fr.astype(np.int64)
    i1 = np.minimum(i0 + 1, n_el - 1)
    tr = (fr - i0)[:, None]
    fc = az / (2.0 * math.pi) * n_az
    j0f = np.floor(fc)
    tc = (fc - j0f)[:, None]
    j0 = j0f.astype(np.int64) % n_az
    j1 = (j0 + 1) % n_az
    t = table.astype(np.float64)
    top = (1.0 - tc) * t[i0, j0] + tc * t[i0, j1]
    bottom = (1.0 - tc) * t[i1, j0] + tc * t[i1, j1]
    return (1.0 - tr) * top + tr * bottom


def _fine_cells(n_el: int, n_az: int) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature cells of an (n_el, n_az) equal-angle grid over the sphere: (N, 3) centre
    directions and (N, 3) exact ∫ ω dΩ over each cell (the clipped-cosine weight of a cell
    wholly in front of a normal n is n · this)."""
    e = math.pi / 2 - np.arange(n_el + 1) * math.pi / n_el   # row edges, top to bottom
    p = np.arange(n_az + 1) * 2.0 * math.pi / n_az
    e0, e1 = e[1:], e[:-1]
    i_cos2 = (e1 - e0) / 2.0 + (np.sin(2.0 * e1) - np.sin(2.0 * e0)) / 4.0
    i_sincos = (np.sin(e1) ** 2 - np.sin(e0) ** 2) / 2.0
    dsin, dcos = np.diff(np.sin(p)), -np.diff(np.cos(p))
    vx = i_cos2[:, None] * dsin[None, :]
    vy = i_cos2[:, None] * dcos[None, :]
    vz = i_sincos[:, None] * np.diff(p)[None, :]
    el, az = np.meshgrid((e0 + e1) / 2.0, (p[:-1] + p[1:]) / 2.0, indexing="ij")
    centres = np.stack([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], axis=-1)
    return centres.reshape(-1, 3), np.stack([vx, vy, vz], axis=-1).reshape(-1, 3)


def irradiance_map(env: EnvironmentMap, n_elevation: int = 16, n_azimuth: int = 32, *,
                   supersample: int = 4) -> EnvironmentMap:
    """Cosine-weighted irradiance E(n) = ∫ L(ω) max(0, n·ω) dΩ (lux) for normals n at the
    samples of an (n_elevation, n_azimuth) lat-long table (the ``EnvironmentMap`` mapping),
    read back like the radiance map (``_sky_kernels._env_irradiance``).

    Quadrature over a grid ``supersample`` times finer than ``env``: the radiance of each
    fine cell is the bilinear read of ``env`` at its centre, its weight max(0, n · ∫ω dΩ)
    (exact for cells wholly in front of n; cells cut by n's horizon are the only error).
    """
    if env.kind != "radiance":
        raise ValueError(f"irradiance_map: expected a radiance map, got {env.kind!r}")
    s = int(supersample)
    if s < 1 or n_elevation < 2 or n_azimuth < 2:
        raise ValueError("irradiance_map: need supersample >= 1 and a table of >= 2 x 2")
    fine_el, fine_az = env.n_elevation * s, env.n_azimuth * s
    centres, moments = _fine_cells(fine_el, fine_az)
    radiance = latlong_lookup_np(env.table, centres)
    normals = sample_directions(n_elevation, n_azimuth).reshape(-1, 3)
    out = np.empty((normals.shape[0], env.table.shape[2]))
    for k in range(0, normals.shape[0], 32):  # bounded memory: 32 normals at a time
        w = np.maximum(normals[k:k + 32] @ moments.T, 0.0)
        out[k:k + 32] = w @ radiance
    table = out.reshape(n_elevation, n_azimuth, -1).astype(np.float32)
    return EnvironmentMap(np.ascontiguousarray(table), kind="irradiance")
