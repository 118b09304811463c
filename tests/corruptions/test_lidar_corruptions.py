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
