"""Lidar corruptions against references built by hand: synthetic captures (flat walls at
known ranges and intensities), closed-form fog attenuation and detection range (solved with
scipy), binomial tolerances, and the ring / column patterns the levels name."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from simengine.corruptions import get, names

LIDAR = ["beam_missing", "cross_sensor", "crosstalk", "incomplete_echo", "lidar_fog",
         "lidar_motion_blur", "lidar_snow", "limited_fov", "range_noise", "wet_ground"]
R_REF = 10.0  # the schema's default intensity reference range


def capture(ranges, reflectivity=0.8, rows=64, dual=False):
    """A wall capture: column c at range ``ranges[c]`` on every ring, intensity
    ρ·min(1, (R_ref/R)²) (normal incidence, clear air), xyz = direction × range."""
    ranges = np.asarray(ranges, np.float64)
    cols = len(ranges)
    elevation = np.linspace(15.0, -15.0, rows)
    azimuth = 180.0 - (np.arange(cols) + 0.5) * 360.0 / cols
    e, a = np.radians(elevation)[:, None], np.radians(azimuth)[None, :]
    d = np.stack(np.broadcast_arrays(np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)),
                 axis=-1)
    r = np.broadcast_to(ranges, (rows, cols)).copy()
    rho = np.broadcast_to(np.asarray(reflectivity, np.float64), r.shape)
    inten = rho * np.minimum(1.0, (R_REF / r) ** 2)
    data = {"range": r.astype(np.float32), "intensity": inten.astype(np.float32),
            "xyz": (d * r[..., None]).astype(np.float32)}
    if dual:
        data = {k: np.stack([v, v]) for k, v in data.items()}
    context = {"elevation": elevation.astype(np.float32), "azimuth": azimuth.astype(np.float32)}
    return data, context


def run(name, data, severity, seed=0, context=None):
    return get(name)(data, severity, np.random.default_rng(seed), context or {})


def test_all_lidar_corruptions_registered():
    assert set(LIDAR) <= set(names("lidar"))


# --- severity tables, pinned to their published sources --------------------------------
# Robo3D (Kong et al., ICCV 2023), the corruption scripts of github.com/ldkong1205/Robo3D at
# commit eb81d5cd3e593a38f6e1dcdfce475dd457842465, create/semantickitti_c/<dir>/ (the light /
# moderate / heavy values are written in each script's comments and .sh file). Ours are
# severities 1 / 3 / 5 = light / moderate / heavy, 2 and 4 between (ROBO3D_MIDPOINTS).
ROBO3D = {  # name: (light, moderate, heavy)
    # fog/fog_simulation.py "beta = [0.008, 0.05, 0.2]": there the backscattering
    # coefficient, with the attenuation α drawn per scan from {0, .005, .01, .02, .03, .06};
    # ours uses the numbers as the extinction coefficient (lidar/weather.py)
    "lidar_fog": (0.008, 0.05, 0.2),
    # motion_blur/gen_motion_blur.py "light:[0.2, 0.2, 0.2]; moderate:[0.25, ...]; heavy:
    # [0.3, ...]": trans_std, metres
    "lidar_motion_blur": (0.2, 0.25, 0.3),
    # beam_missing/gen_beam_missing.py "beam lost (light: 16, moderate: 32, heavy: 48)", of
    # SemanticKITTI's 64 rings
    "beam_missing": (16 / 64, 32 / 64, 48 / 64),
    # crosstalk/gen_crosstalk.py "light: 0.006, moderate: 0.008, heavy: 0.01"
    "crosstalk": (0.006, 0.008, 0.01),
    # incomplete_echo/gen_incomplete_echo.py "(light: 0.75, moderate: 0.85, heavy: 0.95)"
    "incomplete_echo": (0.75, 0.85, 0.95),
    # cross_sensor/gen_cross_sensor.py "cross sensor (light: 16, moderate: 32, heavy: 48)"
    "cross_sensor": (16 / 64, 32 / 64, 48 / 64),
    # snow/simulation.py "light: snowfall_rate = '0.5' ...; moderate: snowfall_rate = '1.0'
    # ...; heavy: snowfall_rate = '2.5'", mm/h water equivalent
    "lidar_snow": (0.5, 1.0, 2.5),
    # wet_ground/augmentation.py "light: water_height=0.2mm ...; moderate: water_height=
    # 1.0mm ...; heavy: water_height=1.2mm"
    "wet_ground": (0.2, 1.0, 1.2),
}
# Severities 2 and 4 halfway between Robo3D's neighbouring levels.
ROBO3D_MIDPOINTS = ("lidar_fog", "lidar_motion_blur", "beam_missing", "crosstalk",
                    "incomplete_echo", "cross_sensor")


def levels(name: str) -> np.ndarray:
    return np.asarray(get(name).levels, np.float64)


def assert_table(name: str, expected) -> None:
    np.testing.assert_allclose(levels(name), np.asarray(expected, np.float64), rtol=0,
                               atol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", ROBO3D_MIDPOINTS)
def test_levels_are_robo3d_with_midpoints(name):
    light, moderate, heavy = ROBO3D[name]
    assert_table(name, (light, (light + moderate) / 2, moderate, (moderate + heavy) / 2, heavy))


def test_snow_levels_are_robo3d_light_and_heavy_geometrically_between():
    # ours between: equal ratios from Robo3D's light to its heavy, rounded to 0.01 mm/h
    # (lidar/weather.py: a linear rate grows the flake cross-section too little at the top)
    light, _, heavy = ROBO3D["lidar_snow"]
    assert_table("lidar_snow", [round(light * (heavy / light) ** (k / 4), 2) for k in range(5)])


def test_wet_ground_light_is_robo3d():
    # severity 1 is Robo3D's light 0.2 mm; the rest is ours (lidar/weather.py: on
    # outdoor_yard's ground every return is gone from ≈ 1.4 mm, so the top level is 1.3 mm)
    assert_table("wet_ground", (ROBO3D["wet_ground"][0], 0.4, 0.6, 0.9, 1.3))


@pytest.mark.xfail(strict=True, reason="ours differ from Robo3D's moderate (and heavy): "
                   "snow 1.12 vs 1.0 mm/h, wet ground 0.6 vs 1.0 and 1.3 vs 1.2 mm")
@pytest.mark.parametrize("name", ["lidar_snow", "wet_ground"])
def test_moderate_and_heavy_are_robo3d(name):
    _, moderate, heavy = ROBO3D[name]
    assert levels(name)[[2, 4]].tolist() == [moderate, heavy]


def test_limited_fov_starts_at_the_published_half_field():
    # Yu et al., "Benchmarking the Robustness of LiDAR-Camera Fusion for 3D Object
    # Detection" (2022), github.com/ADLab-AutoDrive/lidar-camera-robust-benchmark at
    # eee230811a462fe0ede23a7c7c5a578cc2cd3d3f, Toolkit_nuscenes_English.md "Limited LiDAR
    # FOV": point_cloud_angle_range = [-90, 90] or [-60, 60] degrees. Severity 1 is ±90°;
    # ours then narrow linearly to ±45° (±60° is not one of our levels: it lies between
    # severities 3 and 4).
    published = (90.0, 60.0)
    assert_table("limited_fov", (published[0], 78.75, 67.5, 56.25, 45.0))
    assert levels("limited_fov")[3] < published[1] < levels("limited_fov")[2]


def test_range_noise_is_scaled_by_the_os1_precision():
    # No published table: ours, scaled by the Ouster OS1-64 (gen 1) datasheet's range
    # precision, ±1.5 cm at high SNR, ±3 cm at SNR 100, ±10 cm at SNR 12: severity 1 is
    # just above the best case, 3 the SNR-12 precision, 5 twice it.
    os1_precision_m = (0.015, 0.03, 0.10)
    assert_table("range_noise", (0.02, 0.05, 0.10, 0.15, 0.20))
    assert levels("range_noise")[0] > os1_precision_m[0]
    assert levels("range_noise")[2] == os1_precision_m[2]
    assert levels("range_noise")[4] == 2 * os1_precision_m[2]


# Rain rates, mm/h, of every rain corruption (lidar_rain, rain_noise, camera rain,
# weather_rain). No published severity table: ours, on the AMS Glossary of Meteorology's
# "Rain" intensities (light up to 2.5 mm/h, moderate 2.6–7.6, heavy above 7.6) and the
# violent shower of 50 mm/h (Robo3D snow/simulation.py, commit above: "rainfall_rate:
# Varies from 0.5 (slight rain) to 50 (violent shower) [mm/h]").
RAIN_RATES = (2.5, 5.0, 10.0, 25.0, 50.0)
AMS_LIGHT_MAX, AMS_HEAVY_FROM, VIOLENT_SHOWER = 2.5, 7.6, 50.0


def test_rain_rates_span_light_to_violent():
    assert_table("lidar_rain", RAIN_RATES)
    rates = levels("lidar_rain")
    assert rates[0] == AMS_LIGHT_MAX and AMS_LIGHT_MAX < rates[1] < AMS_HEAVY_FROM
    assert rates[2] > AMS_HEAVY_FROM and rates[4] == VIOLENT_SHOWER


# --- fog ------------------------------------------------------------------------------
@pytest.mark.parametrize("severity", [1, 3, 5])
def test_fog_attenuation_and_detection_range(severity):
    beta = get("lidar_fog").level(severity)
    mor = math.log(20.0) / beta
    # the strongest possible fog echo (Hahner: β_π = 0.046/MOR over c·τ_H/2, τ_H = 20 ns,
    # seen no nearer than R1 = 0.9 m): a floor above it leaves only hard returns
    strongest_fog = math.pi * 0.046 / mor * 299_792_458.0 * 20e-9 / 2 / 0.9**2
    floor = 1.5 * strongest_fog
    rho = 0.8
    r_c = brentq(lambda r: rho * math.exp(-2 * beta * r) / r**2 - floor, 0.1, 500.0)
    ranges = np.linspace(1.0, 2.0 * r_c, 256)
    data, ctx = capture(ranges, rho, rows=8)
    ctx["detection_floor"] = floor
    out = run("lidar_fog", data, severity, context=ctx)
    assert out.params["mor_m"] == pytest.approx(mor, rel=1e-9)
    r0 = data["range"][0].astype(np.float64)
    margin = np.abs(r0 - r_c) > 1e-3 * r_c
    inside, beyond = (r0 < r_c) & margin, (r0 > r_c) & margin
    assert inside.any() and beyond.any()
    got_r, got_i = out.data["range"], out.data["intensity"]
    np.testing.assert_array_equal(got_r[:, inside], data["range"][:, inside])
    expect_i = data["intensity"][:, inside] * np.exp(-2 * beta * r0[inside])
    np.testing.assert_allclose(got_i[:, inside], expect_i, rtol=1e-5)
    assert np.all(got_r[:, beyond] == 0) and np.all(out.data["xyz"][:, beyond] == 0)
    assert np.all(out.mask[:, beyond]) and not out.mask[:, inside].any()


def test_fog_returns_replace_weak_far_returns():
    data, ctx = capture(np.full(512, 40.0), 0.05, rows=16)
    ctx["detection_floor"] = 1e-7
    out = run("lidar_fog", data, 5, context=ctx)
    replaced = out.mask & (out.data["range"] > 0)
    assert replaced.mean() > 0.5  # ρ 0.05 at 40 m in MOR 15 m fog: the fog echo wins
    r = out.data["range"][replaced]
    assert np.all((r >= 0.9) & (r < 40.0))
    direction = out.data["xyz"][replaced] / r[:, None]
    np.testing.assert_allclose(direction, data["xyz"][replaced] / 40.0, atol=1e-5)
    assert out.params["fog_return_fraction"] == pytest.approx(replaced.mean())


# --- ring and column patterns ---------------------------------------------------------
@pytest.mark.parametrize("severity", [1, 2, 3, 4, 5])
def test_beam_missing_drops_whole_rings(severity):
    data, _ = capture(np.full(256, 5.0))
    f = get("beam_missing").level(severity)
    out = run("beam_missing", data, severity, seed=severity)
    dead = np.all(out.data["range"] == 0, axis=1)
    assert dead.sum() == round(f * 64) == out.params["rings_dropped"]
    np.testing.assert_array_equal(out.mask, np.broadcast_to(dead[:, None], (*dead.shape, 256)))
    np.testing.assert_array_equal(out.data["range"][~dead], data["range"][~dead])


@pytest.mark.parametrize("severity,removed", [(1, 16), (3, 32), (5, 48)])
def test_cross_sensor_pattern(severity, removed):
    data, _ = capture(np.full(128, 5.0))
    out = run("cross_sensor", data, severity)
    rows_gone = np.all(out.data["range"] == 0, axis=1)
    expect_rows = np.zeros(64, bool)
    expect_rows[[int((j + 0.5) * 64 / removed) for j in range(removed)]] = True
    np.testing.assert_array_equal(rows_gone, expect_rows)
    gaps = np.diff(np.flatnonzero(expect_rows))
    assert gaps.max() - gaps.min() <= 1  # evenly spaced
    kept = out.data["range"][~rows_gone]
    assert np.all(kept[:, 1::2] == 0) and np.all(kept[:, 0::2] == 5.0)


@pytest.mark.parametrize("severity,half", [(1, 90.0), (5, 45.0)])
def test_limited_fov_span(severity, half):
    data, ctx = capture(np.full(1024, 5.0), rows=4)
    out = run("limited_fov", data, severity, context=ctx)
    kept = ctx["azimuth"][out.data["range"][0] > 0]
    step = 360.0 / 1024
    assert np.abs(kept).max() <= half and np.abs(kept).max() > half - step
    assert kept.max() - kept.min() == pytest.approx(2 * half, abs=step)
    np.testing.assert_array_equal(out.mask, out.data["range"] == 0)


# --- statistics -----------------------------------------------------------------------
@pytest.mark.parametrize("severity", [1, 3, 5])
def test_crosstalk_fraction(severity):
    data, _ = capture(np.full(1024, 10.0))
    p = get("crosstalk").level(severity)
    out = run("crosstalk", data, severity, seed=7)
    n = data["range"].size
    realised = out.mask.mean()
    assert abs(realised - p) < 4 * math.sqrt(p * (1 - p) / n)
    assert out.params["realised_fraction"] == pytest.approx(realised)
    dr = (out.data["range"] - data["range"])[out.mask].astype(np.float64)
    assert 2.0 < dr.std() < 4.0  # N(0, 3 m) (reflected at 0: ranges are 10 m here)


@pytest.mark.parametrize("severity", [1, 5])
def test_motion_blur_sigma_and_clip(severity):
    data, _ = capture(np.full(1024, 10.0))
    sigma = get("lidar_motion_blur").level(severity)
    out = run("lidar_motion_blur", data, severity, seed=3)
    shift = np.array([out.params[f"shift_{a}_m"] for a in "xyz"])
    assert np.linalg.norm(shift) == pytest.approx(sigma, rel=1e-6)
    jitter = (out.data["xyz"].astype(np.float64) - data["xyz"]) - shift
    assert jitter.std() == pytest.approx(sigma, rel=0.02)
    assert np.abs(jitter).max() <= 3 * sigma + 1e-4
    np.testing.assert_allclose(out.data["range"], np.linalg.norm(out.data["xyz"], axis=-1),
                               rtol=1e-5)


@pytest.mark.parametrize("severity", [1, 3, 5])
def test_incomplete_echo_drops_dark_returns(severity):
    rho = np.where(np.arange(512) % 2 == 0, 0.1, 0.6)  # dark / bright columns
    data, _ = capture(np.full(512, 8.0), rho)
    f = get("incomplete_echo").level(severity)
    out = run("incomplete_echo", data, severity, seed=1)
    dark = data["intensity"] < 0.2
    assert (out.data["range"][dark] == 0).mean() == pytest.approx(round(f * dark.sum())
                                                                  / dark.sum())
    np.testing.assert_array_equal(out.data["range"][~dark], data["range"][~dark])


@pytest.mark.parametrize("severity", [1, 5])
def test_range_noise_sigma(severity):
    data, _ = capture(np.full(1024, 20.0))
    sigma = get("range_noise").level(severity)
    out = run("range_noise", data, severity, seed=2)
    dr = out.data["range"].astype(np.float64) - data["range"]
    assert dr.std() == pytest.approx(sigma, rel=0.02) and abs(dr.mean()) < 0.01 * sigma
    direction = out.data["xyz"] / out.data["range"][..., None]
    np.testing.assert_allclose(direction, data["xyz"] / 20.0, atol=1e-5)


def test_snow_spurious_returns_near_and_growing():
    data, ctx = capture(np.full(1024, 25.0), 0.5)
    ctx["detection_floor"] = 1e-6
    shares = []
    for severity in range(1, 6):
        share = []
        for seed in range(3):
            out = run("lidar_snow", data, severity, seed, ctx)
            spurious = out.mask & (out.data["range"] > 0)
            assert np.all(out.data["range"][spurious] < data["range"][spurious])
            share.append(spurious.mean())
        shares.append(np.mean(share))
    assert np.all(np.diff(shares) > 0), shares
    assert shares[0] > 0


def test_wet_ground_lowers_ground_intensity():
    data, ctx = capture(np.full(256, 6.0), 0.5, rows=16)
    semantic = np.zeros(data["range"].shape, np.int16)
    semantic[8:] = 1  # the lower rings see the ground class
    ctx = {**ctx, "semantic": semantic, "detection_floor": 1e-6}
    low = [run("wet_ground", data, s, context=ctx).data["intensity"] for s in (1, 5)]
    assert np.all(low[1][8:] < low[0][8:]) and np.all(low[0][8:] < data["intensity"][8:])
    np.testing.assert_array_equal(low[0][:8], data["intensity"][:8])


# --- every corruption -----------------------------------------------------------------
@pytest.mark.parametrize("name", LIDAR)
def test_dual_return_shapes(name):
    data, ctx = capture(np.linspace(2.0, 30.0, 256), dual=True)
    ctx["semantic"] = np.ones(data["range"].shape, np.int16)
    out = run(name, data, 3, context=ctx)
    for key, value in data.items():
        assert out.data[key].shape == value.shape and out.data[key].dtype == value.dtype
    if out.mask is not None:
        assert out.mask.shape == data["range"].shape


@pytest.mark.parametrize("name", LIDAR)
def test_inputs_unchanged_and_deterministic(name):
    data, ctx = capture(np.linspace(2.0, 60.0, 256), np.linspace(0.05, 0.9, 256))
    ctx["semantic"] = np.ones(data["range"].shape, np.int16)
    before = {k: v.copy() for k, v in data.items()}
    for v in data.values():
        v.flags.writeable = False
    a, b = run(name, data, 4, 11, ctx), run(name, data, 4, 11, ctx)
    for k in data:
        np.testing.assert_array_equal(data[k], before[k])
        assert a.data[k].tobytes() == b.data[k].tobytes()
    assert dict(a.params) == dict(b.params)
    assert all(isinstance(v, float) for v in a.params.values())
