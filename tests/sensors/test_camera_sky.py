"""Analytic skies and the sun vs the published formulas, closed forms, scipy quadrature and
published illuminance ranges (docs/references.md#sky)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit
from scipy import integrate

from simengine.sensors.camera._sky_kernels import _env_irradiance, _env_radiance
from simengine.sensors.camera.response import luminance
from simengine.sensors.camera.sky import (
    EnvironmentMap,
    OvercastSky,
    PreethamSky,
    environment_map,
    irradiance_map,
    latlong_lookup_np,
    sun_illuminance,
    sun_radiance,
    sun_solid_angle,
)

# Preetham, Shirley & Smits 1999, appendix A.2, retyped from the paper (not the module):
# rows A..E, columns (T coefficient, constant).
PAPER_Y = [(0.1787, -1.4630), (-0.3554, 0.4275), (-0.0227, 5.3251), (0.1206, -2.5771),
           (-0.0670, 0.3703)]
PAPER_X = [(-0.0193, -0.2592), (-0.0665, 0.0008), (-0.0004, 0.2125), (-0.0641, -0.8989),
           (-0.0033, 0.0452)]
PAPER_YC = [(-0.0167, -0.2608), (-0.0950, 0.0092), (-0.0079, 0.2102), (-0.0441, -1.6537),
            (-0.0109, 0.0529)]
PAPER_XZ = [[0.00166, -0.00375, 0.00209, 0.0], [-0.02903, 0.06377, -0.03202, 0.00394],
            [0.11693, -0.21196, 0.06052, 0.25886]]
PAPER_YZ = [[0.00275, -0.00610, 0.00317, 0.0], [-0.04214, 0.08970, -0.04153, 0.00516],
            [0.15346, -0.26756, 0.06670, 0.26688]]


def sun_at(elevation_deg: float, azimuth_deg: float = 0.0) -> np.ndarray:
    e, a = math.radians(elevation_deg), math.radians(azimuth_deg)
    return np.array([math.cos(e) * math.cos(a), math.cos(e) * math.sin(a), math.sin(e)])


def paper_yxy(theta: float, gamma: float, theta_s: float, t: float) -> tuple[float, ...]:
    """The paper's equations written out with scalars."""
    def f(th: float, g: float, table: list) -> float:
        a, b, c, d, e = (k * t + c0 for k, c0 in table)
        return (1 + a * math.exp(b / math.cos(th))) * (1 + c * math.exp(d * g)
                                                       + e * math.cos(g) ** 2)
    chi = (4 / 9 - t / 120) * (math.pi - 2 * theta_s)
    yz = ((4.0453 * t - 4.9710) * math.tan(chi) - 0.2155 * t + 2.4192) * 1000.0
    th = [theta_s**3, theta_s**2, theta_s, 1.0]
    tt = [t * t, t, 1.0]
    xz = sum(tt[i] * PAPER_XZ[i][j] * th[j] for i in range(3) for j in range(4))
    yzc = sum(tt[i] * PAPER_YZ[i][j] * th[j] for i in range(3) for j in range(4))
    return (yz * f(theta, gamma, PAPER_Y) / f(0.0, theta_s, PAPER_Y),
            xz * f(theta, gamma, PAPER_X) / f(0.0, theta_s, PAPER_X),
            yzc * f(theta, gamma, PAPER_YC) / f(0.0, theta_s, PAPER_YC))


@pytest.mark.parametrize(("sun_el", "t"), [(60.0, 2.0), (30.0, 3.0), (10.0, 6.0)])
def test_preetham_matches_the_papers_equations(sun_el: float, t: float) -> None:
    sky = PreethamSky(sun_at(sun_el, 40.0), t)
    rng = np.random.default_rng(3)
    d = rng.normal(size=(50, 3))
    d[:, 2] = np.abs(d[:, 2]) + 0.02
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    got = sky.yxy(d)
    theta_s = math.radians(90.0 - sun_el)
    for k in range(len(d)):
        gamma = math.acos(float(np.clip(d[k] @ sky.sun, -1, 1)))
        want = paper_yxy(math.acos(d[k, 2]), gamma, theta_s, t)
        np.testing.assert_allclose(got[k], want, rtol=1e-12)


def test_zenith_values_pinned() -> None:
    """Hand evaluation of the paper's formulas at T = 3, θs = 30°: χ = (4/9 - 1/40)·2π/3,
    Yz = 7.1649 tan χ + 1.7727 kcd/m²."""
    sky = PreethamSky(sun_at(60.0), 3.0)
    chi = (4 / 9 - 3 / 120) * (2 * math.pi / 3)
    assert sky.zenith_Yxy[0] == pytest.approx((7.1649 * math.tan(chi) + 1.7727) * 1000, 1e-9)
    assert sky.zenith_Yxy[0] == pytest.approx(10413, abs=1)
    np.testing.assert_allclose(sky.yxy(np.array([[0.0, 0.0, 1.0]]))[0], sky.zenith_Yxy)


def test_rgb_carries_the_luminance_and_chromaticity() -> None:
    sky = PreethamSky(sun_at(35.0, 10.0), 2.5)
    d = np.array([[0.0, 0.0, 1.0], [0.6, 0.0, 0.8], [-0.8, 0.6, 0.05]])
    yxy = sky.yxy(d)
    rgb = sky.radiance(d)
    np.testing.assert_allclose(luminance(rgb), yxy[:, 0], rtol=1e-9)
    # IEC 61966-2-1 matrix (4 decimals) back to XYZ, then xy
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                  [0.0193, 0.1192, 0.9505]])
    xyz = rgb @ m.T
    np.testing.assert_allclose(xyz[:, :2] / xyz.sum(axis=1, keepdims=True), yxy[:, 1:],
                               atol=2e-4)
    assert np.all(rgb[:, 2] > rgb[:, 0])  # a clear sky is blue


def test_symmetric_about_the_suns_azimuth() -> None:
    sky = PreethamSky(sun_at(40.0, 30.0), 3.0)
    el = np.radians(np.array([5.0, 20.0, 45.0, 70.0]))
    for off in np.radians([10.0, 60.0, 120.0, 175.0]):
        left = np.stack([np.cos(el) * np.cos(np.radians(30) + off),
                         np.cos(el) * np.sin(np.radians(30) + off), np.sin(el)], axis=1)
        right = np.stack([np.cos(el) * np.cos(np.radians(30) - off),
                          np.cos(el) * np.sin(np.radians(30) - off), np.sin(el)], axis=1)
        np.testing.assert_allclose(sky.radiance(left), sky.radiance(right), rtol=1e-12)


def test_brightens_towards_the_sun_and_the_horizon() -> None:
    sky = PreethamSky(sun_at(30.0), 3.0)
    # towards the sun: along its almucantar from 150° to 10° of azimuth away (past ~150°
    # the backscatter term E cos²γ brightens the sky again)
    az = np.radians(np.linspace(150.0, 10.0, 15))
    e = math.radians(30.0)
    ring = np.stack([math.cos(e) * np.cos(az), math.cos(e) * np.sin(az),
                     np.full_like(az, math.sin(e))], axis=1)
    assert np.all(np.diff(luminance(sky.radiance(ring))) > 0)
    # towards the horizon at a fixed angle γ = 90° from the sun: the gradation term alone
    s = sky.sun
    u = np.cross(s, [0.0, 1.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(s, u)
    phi = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    circle = np.cos(phi)[:, None] * u + np.sin(phi)[:, None] * v
    circle = circle[circle[:, 2] > 0.01]
    order = np.argsort(-circle[:, 2])  # from high to low elevation
    lum = luminance(sky.radiance(circle[order]))
    assert np.all(np.diff(lum) > -1e-9 * lum[:-1])
    assert lum[-1] > 1.5 * lum[0]


def test_ground_is_albedo_times_the_mean_horizon() -> None:
    sky = PreethamSky(sun_at(50.0, 0.0), 3.0, ground_albedo=0.25)
    az = np.linspace(0, 2 * np.pi, 3600, endpoint=False)
    horizon = np.stack([np.cos(az), np.sin(az), np.zeros_like(az)], axis=1)
    want = 0.25 * sky.radiance(horizon).mean(axis=0)
    below = sky.radiance(np.array([[0.3, 0.1, -0.9], [0.0, 0.0, -1.0]]))
    np.testing.assert_allclose(below, np.vstack([want, want]), rtol=1e-3)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="turbidity"):
        PreethamSky(sun_at(30.0), 12.0)
    with pytest.raises(ValueError, match="above the horizon"):
        PreethamSky(sun_at(-5.0), 3.0)
    with pytest.raises(ValueError, match="zenith_luminance"):
        OvercastSky(-1.0)
    with pytest.raises(ValueError, match="float32"):
        EnvironmentMap(np.ones((8, 16, 3)))  # float64
    with pytest.raises(ValueError, match="radiance map"):
        irradiance_map(irradiance_map(EnvironmentMap(np.ones((8, 16, 3), np.float32))))


def test_cie_overcast_zenith_to_horizon_is_three() -> None:
    sky = OvercastSky(9000.0)
    z, h = sky.radiance(np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]))
    assert z[0] == 9000.0 and h[0] == 3000.0
    assert z[0] / h[0] == 3.0
    el = math.radians(30.0)
    assert sky.radiance(np.array([[math.cos(el), 0, math.sin(el)]]))[0, 1] == \
        pytest.approx(9000.0 * 2.0 / 3.0)


# ---- environment and irradiance maps ------------------------------------------------

@njit
def _read(table, irr, dirs):  # pragma: no cover - compiled
    n_el, n_az = table.shape[0], table.shape[1]
    out = np.empty((dirs.shape[0], 6))
    for k in range(dirs.shape[0]):
        r, g, b = _env_radiance(table, n_el, n_az, dirs[k, 0], dirs[k, 1], dirs[k, 2])
        out[k, 0], out[k, 1], out[k, 2] = r, g, b
        r, g, b = _env_irradiance(irr, irr.shape[0], irr.shape[1],
                                  dirs[k, 0], dirs[k, 1], dirs[k, 2])
        out[k, 3], out[k, 4], out[k, 5] = r, g, b
    return out


def test_device_lookups_match_numpy_and_the_sky() -> None:
    sky = PreethamSky(sun_at(45.0, 200.0), 2.5)
    env = environment_map(sky, 64, 128)
    irr = irradiance_map(env, 16, 32, supersample=2)
    assert env.table.dtype == np.float32 and env.table.shape == (64, 128, 3)
    rng = np.random.default_rng(7)
    d = rng.normal(size=(400, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    d[0] = [0.0, 0.0, 1.0]
    d[1] = [0.0, 0.0, -1.0]
    d[2] = [1.0, -1e-12, 0.3]  # azimuth just below 2π: wraps onto column 0
    d[2] /= np.linalg.norm(d[2])
    got = _read(env.table, irr.table, d)
    np.testing.assert_allclose(got[:, :3], latlong_lookup_np(env.table, d), rtol=1e-12)
    np.testing.assert_allclose(got[:, 3:], latlong_lookup_np(irr.table, d), rtol=1e-12)
    # bilinear read vs the sky itself, away from the horizon's step
    up = d[:, 2] > 0.1
    rel = np.abs(got[up, :3] / sky.radiance(d[up]) - 1.0)
    assert np.median(rel) < 2e-3 and rel.max() < 0.1


def test_constant_sky_irradiance_is_pi_l() -> None:
    env = EnvironmentMap(np.full((32, 64, 3), 250.0, np.float32))
    irr = irradiance_map(env, 16, 32)
    np.testing.assert_allclose(irr.table, math.pi * 250.0, rtol=2e-4)


def test_overcast_horizontal_illuminance_is_seven_ninths_pi_lz() -> None:
    """E_h = ∫ Lz (1 + 2 sin e)/3 sin e dΩ = 7π Lz / 9 (closed form); the map's horizon
    row blends sky and ground over one row, hence 1 %."""
    irr = irradiance_map(environment_map(OvercastSky(3000.0)))
    e_up = latlong_lookup_np(irr.table, np.array([[0.0, 0.0, 1.0]]))[0]
    np.testing.assert_allclose(e_up, 7 * math.pi / 9 * 3000.0, rtol=0.01)


def _gauss_legendre_irradiance(sky: PreethamSky, n: np.ndarray) -> float:
    """∫ Y(ω) max(0, n·ω) dΩ over the upper hemisphere of the continuous sky: Gauss-Legendre
    product rule, 300 nodes in zenith angle, 600 in azimuth (numpy, vectorised)."""
    xt, wt = np.polynomial.legendre.leggauss(300)
    xp, wp = np.polynomial.legendre.leggauss(600)
    theta, w_theta = (xt + 1) * math.pi / 4, wt * math.pi / 4
    phi, w_phi = (xp + 1) * math.pi, wp * math.pi
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    d = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], axis=-1)
    f = sky.yxy(d.reshape(-1, 3))[:, 0].reshape(th.shape) * np.maximum(d @ n, 0) * np.sin(th)
    return float(w_theta @ f @ w_phi)


def test_gauss_legendre_agrees_with_scipy_dblquad() -> None:
    """The numpy reference below, checked once against scipy's adaptive quadrature."""
    sky = PreethamSky(sun_at(45.0, 0.0), 2.5)
    n = np.array([0.0, 0.0, 1.0])

    def integrand(theta: float, phi: float) -> float:
        d = np.array([[math.sin(theta) * math.cos(phi), math.sin(theta) * math.sin(phi),
                       math.cos(theta)]])
        return float(sky.yxy(d)[0, 0]) * math.cos(theta) * math.sin(theta)

    want, _ = integrate.dblquad(integrand, 0, 2 * math.pi, 0, math.pi / 2,
                                epsabs=20.0, epsrel=1e-3)
    assert _gauss_legendre_irradiance(sky, n) == pytest.approx(want, rel=2e-3)


@pytest.fixture(scope="module")
def clear_sky_maps() -> tuple[PreethamSky, EnvironmentMap]:
    sky = PreethamSky(sun_at(45.0, 0.0), 2.5)
    return sky, irradiance_map(environment_map(sky, 64, 128), 32, 64, supersample=2)


@pytest.mark.parametrize("normal", [(0.0, 0.0, 1.0), (0.6, 0.0, 0.8), (-0.5, 0.5, 0.707)])
def test_preetham_irradiance_map_vs_quadrature(clear_sky_maps, normal: tuple) -> None:
    sky, irr = clear_sky_maps
    n = np.asarray(normal) / np.linalg.norm(normal)
    want = _gauss_legendre_irradiance(sky, n)
    if n[2] < 1.0:  # the ground the tilted normal sees: albedo x mean horizon, uniform
        g = float(luminance(sky.ground_radiance))
        want += g * math.pi * (1.0 - n[2]) / 2.0  # ∫ below horizon of max(0, n·ω) dΩ
    got = float(luminance(latlong_lookup_np(irr.table, n[None])[0]))
    assert got == pytest.approx(want, rel=0.02)


# ---- sun and daylight illuminance --------------------------------------------------

@pytest.mark.parametrize("elevation", [60.0, 75.0, 90.0])
@pytest.mark.parametrize("turbidity", [2.0, 3.0, 4.0])
def test_direct_normal_illuminance_at_high_sun(elevation: float, turbidity: float) -> None:
    """Clear-sky direct sunlight 70-110 klux at high sun (docs/references.md#sky)."""
    e = float(luminance(sun_illuminance(sun_at(elevation), turbidity)))
    assert 70e3 <= e <= 110e3
    # and it falls with air mass and with haze
    assert e > float(luminance(sun_illuminance(sun_at(20.0), turbidity)))
    assert e > float(luminance(sun_illuminance(sun_at(elevation), turbidity + 2.0)))


def test_sun_radiance_keeps_the_illuminance_and_reddens_low() -> None:
    s = sun_at(60.0)
    e = sun_illuminance(s, 3.0)
    np.testing.assert_allclose(sun_radiance(s, 3.0) * sun_solid_angle(), e, rtol=1e-12)
    wide = sun_radiance(s, 3.0, angular_radius_deg=2.0)
    np.testing.assert_allclose(wide * sun_solid_angle(2.0), e, rtol=1e-12)
    assert float(luminance(sun_radiance(s, 3.0))) == pytest.approx(
        float(luminance(e)) / (2 * math.pi * (1 - math.cos(math.radians(0.2666)))))
    low = sun_illuminance(sun_at(5.0), 3.0)
    assert low[2] / low[0] < e[2] / e[0] < 1.0  # bluer lost first: redder near the horizon
    assert np.all(sun_illuminance(sun_at(-2.0), 3.0) == 0.0)


@pytest.mark.parametrize("elevation", [55.0, 65.0, 75.0, 85.0])
def test_diffuse_horizontal_illuminance_clear_sky(elevation: float) -> None:
    """Clear sky (T = 2) diffuse horizontal illuminance 10-25 klux at high sun (measured
    here: 24.8, 24.1, 23.7, 25.0 klux). Outside this regime the Preetham sky is brighter
    than that range: T = 2 gives 25.2 klux at 45° and 27.4 at 90°, T = 2.5 gives 26-33 klux
    and T = 3 30-40 klux at 45-90° (its known overestimate, Zotti et al. 2007)."""
    sky = PreethamSky(sun_at(elevation), 2.0)
    irr = irradiance_map(environment_map(sky, 64, 128), 16, 32)
    e = float(luminance(latlong_lookup_np(irr.table, np.array([[0.0, 0.0, 1.0]]))[0]))
    assert 10e3 <= e <= 25e3
