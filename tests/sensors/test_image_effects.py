"""Camera development pipeline and stereo depth model vs closed forms and statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from simengine.sensors.camera.effects import (
    develop,
    optical_rays,
    sample_noise_params,
    stereo_depth,
)

LSB = 1.0 / 255.0


def _intrinsics(fx: float, fy: float, cx: float, cy: float) -> np.ndarray:
    return np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])


K_VGA = _intrinsics(500.0, 500.0, 319.5, 239.5)


def _flat(value: float, h: int = 512, w: int = 512) -> np.ndarray:
    return np.full((h, w, 3), value, np.float32)


def _srgb(x: np.ndarray) -> np.ndarray:
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.maximum(x, 0.0) ** (1 / 2.4) - 0.055)


def _code(y: np.ndarray) -> np.ndarray:
    return np.floor(255.0 * y + 0.5).astype(np.uint8)


# --- noise -------------------------------------------------------------------------------


@pytest.mark.parametrize(("shot", "read"), [(0.002, 1e-4), (1e-4, 1e-6)])
@pytest.mark.parametrize("x", [0.1, 0.3, 0.5, 0.8])
def test_noise_variance_and_mean_match_poisson_gaussian(x: float, shot: float, read: float):
    rng = np.random.default_rng(7)
    out, used = develop(_flat(x), K_VGA, {"gamma": 1.0, "noise": {"shot": shot, "read": read}},
                        rng)
    assert used["noise_shot"] == shot and used["noise_read"] == read
    values = out.astype(np.float64) / 255.0
    n = values.size
    model = shot * x + read
    # Rounding to the LSB grid adds a uniform error of variance LSB²/12 (Sheppard), which is
    # 2.5 % of the total for the (1e-4, 1e-6) case, so the fit below would fail without it.
    measured = values.var() - LSB**2 / 12.0
    assert measured == pytest.approx(model, rel=0.01)
    assert abs(values.mean() - np.float32(x)) < 5.0 * math.sqrt((model + LSB**2 / 12) / n)


@pytest.mark.parametrize("noise", [None, "off", {"shot": 0.0, "read": 0.0}])
def test_noise_off_draws_nothing_and_is_the_closed_form(noise):
    rng = np.random.default_rng(3)
    before = rng.bit_generator.state
    levels = np.array([0.0, 0.001, 0.05, 0.18, 0.5, 0.73, 1.0, 1.7], np.float32)
    image = np.tile(levels[None, :, None], (4, 1, 3))
    out, used = develop(image, K_VGA, {"noise": noise}, rng)
    assert rng.bit_generator.state == before
    assert used["noise_shot"] == 0.0 and used["noise_read"] == 0.0
    expected = _code(np.clip(levels.astype(np.float64), 0, 1) ** (1 / 2.2))
    np.testing.assert_array_equal(out, np.broadcast_to(expected[None, :, None], out.shape))


def test_noise_on_draws_one_float32_normal_per_value():
    rng, ref = np.random.default_rng(11), np.random.default_rng(11)
    develop(_flat(0.5, 6, 5), K_VGA, {"noise": {"shot": 0.01, "read": 1e-4}}, rng)
    ref.standard_normal((6, 5, 3), dtype=np.float32)
    assert rng.bit_generator.state == ref.bit_generator.state


def test_random_noise_model_statistics():
    rng = np.random.default_rng(0)
    draws = np.array([sample_noise_params(rng) for _ in range(20000)])
    shot, read = draws[:, 0], draws[:, 1]
    assert shot.min() >= 1e-4 and shot.max() <= 0.012
    residual = np.log(read) - 2.18 * np.log(shot) - 1.20
    assert abs(residual.mean()) < 4 * 0.26 / math.sqrt(len(residual))
    assert residual.std() == pytest.approx(0.26, rel=0.03)
    log_span = (math.log(1e-4), math.log(0.012) - math.log(1e-4))
    assert stats.kstest(np.log(shot), stats.uniform(*log_span).cdf).pvalue > 1e-3


def test_random_noise_in_develop_records_the_drawn_values():
    out_rng, ref = np.random.default_rng(5), np.random.default_rng(5)
    _, used = develop(_flat(0.4, 8, 8), K_VGA, {"noise": "random"}, out_rng)
    assert (used["noise_shot"], used["noise_read"]) == sample_noise_params(ref)


# --- vignetting --------------------------------------------------------------------------


def test_cos4_vignetting_matches_ray_angle():
    h, w = 241, 321
    K = _intrinsics(200.0, 200.0, 160.0, 120.0)  # corner ray at 45°: cos⁴ = 0.25
    out, used = develop(_flat(1.0, h, w), K, {"vignetting": "cos4", "gamma": 1.0},
                        np.random.default_rng(0))
    u, v = np.meshgrid(np.arange(w), np.arange(h))
    theta = np.arctan(np.hypot((u - 160.0) / 200.0, (v - 120.0) / 200.0))
    expected = np.cos(theta) ** 4
    assert np.abs(out[..., 0] / 255.0 - expected).max() <= 0.5 * LSB + 1e-9
    assert out[120, 160, 0] == 255
    assert out[0, 0, 0] / out[120, 160, 0] == pytest.approx(0.25, abs=0.5 * LSB)
    assert used["vignetting_cos4"] == 1.0
    assert used["vignetting_strength"] == pytest.approx(0.75)


@pytest.mark.parametrize("strength", [0.0, 0.3, 0.8])
def test_polynomial_vignetting(strength: float):
    h, w = 200, 300
    fx, fy, cx, cy = 250.0, 180.0, 100.0, 60.0  # non-square, off-centre: farthest is (299, 199)
    K = _intrinsics(fx, fy, cx, cy)
    out, used = develop(_flat(1.0, h, w), K, {"vignetting": strength, "gamma": 1.0},
                        np.random.default_rng(0))
    u, v = np.meshgrid(np.arange(w), np.arange(h))
    r2 = ((u - cx) / fx) ** 2 + ((v - cy) / fy) ** 2
    expected = 1.0 - strength * r2 / r2[-1, -1]
    assert np.abs(out[..., 1] / 255.0 - expected).max() <= 0.5 * LSB + 1e-9
    assert out[-1, -1, 1] == _code(np.array(1.0 - strength))
    assert used["vignetting_strength"] == strength and used["vignetting_cos4"] == 0.0


# --- tone curves and quantisation -------------------------------------------------------


def test_srgb_and_gamma_closed_forms_at_points():
    x = np.array([0.0, 0.001, 0.0031308, 0.0031309, 0.01, 0.18, 0.5, 1.0], np.float32)
    image = np.repeat(x[None, :, None], 3, axis=2)
    srgb, used = develop(image, K_VGA, {"gamma": "srgb"}, np.random.default_rng(0))
    assert used["gamma"] == 0.0
    np.testing.assert_array_equal(srgb[0, :, 0], _code(_srgb(x.astype(np.float64))))
    assert srgb[0, 5, 0] == 118 and srgb[0, 6, 0] == 188  # 18 % grey, 50 % (sRGB tables)
    g22, _ = develop(image, K_VGA, {}, np.random.default_rng(0))
    np.testing.assert_array_equal(g22[0, :, 0], _code(x.astype(np.float64) ** (1 / 2.2)))
    assert g22[0, 6, 0] == 186
    half, used = develop(image / 2, K_VGA, {"exposure_gain": 2.0}, np.random.default_rng(0))
    np.testing.assert_array_equal(half, g22)
    assert used["exposure_gain"] == 2.0


@pytest.mark.parametrize("gamma", [1.0, 2.2, "srgb"])
def test_dense_values_match_closed_form_exactly(gamma):
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.random(200_000), rng.random(50_000) * 0.01,
                        (np.arange(256) + 0.5) / 255.0]).astype(np.float32)  # half-way codes
    out, _ = develop(np.repeat(x[None, :, None], 3, axis=2), K_VGA, {"gamma": gamma}, rng)
    x64 = x.astype(np.float64)
    ref = _code(_srgb(x64) if gamma == "srgb" else x64 ** (1 / gamma))
    np.testing.assert_array_equal(out[0, :, 2], ref)


@settings(max_examples=30, deadline=None)
@given(gamma=st.floats(0.3, 5.0), x=st.lists(st.floats(-0.5, 1.5, width=32), min_size=1,
                                                max_size=64))
def test_any_gamma_is_round_half_up_of_the_power_law(gamma: float, x: list[float]):
    values = np.array(x, np.float32)
    out, _ = develop(np.repeat(values[None, :, None], 3, axis=2), K_VGA, {"gamma": gamma},
                     np.random.default_rng(0))
    expected = _code(np.clip(values.astype(np.float64), 0, 1) ** (1 / gamma))
    np.testing.assert_array_equal(out[0, :, 0], expected)


def test_bad_params_are_rejected():
    rng = np.random.default_rng(0)
    for params in ({"gama": 2.2}, {"vignetting": 1.5}, {"gamma": -1}, {"noise": "loud"},
                   {"noise": {"shot": -1.0}}):
        with pytest.raises(ValueError):
            develop(_flat(0.5, 2, 2), K_VGA, params, rng)


# --- stereo depth ------------------------------------------------------------------------

D435_W, D435_H = 848, 480
D435_FX = 0.5 * D435_W / math.tan(math.radians(87.0) / 2)
D435_K = _intrinsics(D435_FX, D435_FX, (D435_W - 1) / 2, (D435_H - 1) / 2)
RAYS = optical_rays(D435_K, D435_H, D435_W)


@pytest.mark.parametrize(("z", "reference_mm"), [(1.0, 4.0), (2.0, 15.0), (4.0, 60.0)])
def test_stereo_rms_error_on_a_facing_wall(z: float, reference_mm: float):
    depth = np.full((D435_H, D435_W), z, np.float32)
    normals = np.broadcast_to(np.array([0.0, 0.0, -1.0]), RAYS.shape)
    noisy, holes, used = stereo_depth(depth, normals, RAYS, D435_FX, 0.05, 0.08,
                                      np.random.default_rng(2))
    assert not holes.any() and noisy.dtype == np.float32
    err = noisy.astype(np.float64) - z
    sigma_model = z**2 * 0.08 / (D435_FX * 0.05)
    rms = math.sqrt(np.mean(err**2))
    assert rms == pytest.approx(sigma_model, rel=0.05)
    assert rms * 1e3 == pytest.approx(reference_mm, rel=0.15)
    assert abs(err.mean()) < 0.05 * sigma_model
    assert used["baseline_m"] == 0.05 and used["subpixel"] == 0.08


def test_holes_exactly_at_grazing_incidence_on_a_tilted_plane():
    alpha = math.radians(60.0)  # plane through (0, 0, 2) turned 60° about the y axis
    n = np.array([math.sin(alpha), 0.0, -math.cos(alpha)])
    n_dot_r = RAYS @ n
    with np.errstate(divide="ignore"):
        t = np.where(n_dot_r < 0, (n @ [0.0, 0.0, 2.0]) / n_dot_r, -1.0)
    depth = np.where(t > 0, t * RAYS[..., 2], 0.0).astype(np.float32)
    normals = np.broadcast_to(n, RAYS.shape)
    depth_in, normals_in = depth.copy(), normals.copy()
    noisy, holes, _ = stereo_depth(depth, normals, RAYS, D435_FX, 0.05, 0.08,
                                   np.random.default_rng(4), max_incidence_deg=75.0,
                                   max_depth=1e6)
    angle = np.degrees(np.arccos(np.clip(-n_dot_r, -1, 1)))
    expected = (angle > 75.0) | (depth == 0)
    decided = np.abs(angle - 75.0) > 1e-6
    assert 0.05 < expected.mean() < 0.95
    np.testing.assert_array_equal(holes[decided], expected[decided])
    assert np.all(noisy[holes] == 0) and np.all(noisy[~holes] > 0)
    np.testing.assert_array_equal(depth, depth_in)  # the input is not written into
    np.testing.assert_array_equal(normals, normals_in)
    assert not np.shares_memory(noisy, depth)


def test_no_hit_range_and_zero_noise():
    depth = np.full((60, 80), 1.0, np.float32)
    depth[:10] = 0.0
    rays = optical_rays(_intrinsics(60.0, 60.0, 39.5, 29.5), 60, 80)
    normals = -rays  # facing every pixel head-on
    exact, holes, _ = stereo_depth(depth, normals, rays, 60.0, 0.05, 0.0,
                                   np.random.default_rng(0))
    np.testing.assert_array_equal(holes, depth == 0)
    np.testing.assert_array_equal(exact, depth)
    # range gate applies to the measured depth: about half the pixels fall under Z = 1 m
    _, holes, _ = stereo_depth(depth, normals, rays, 60.0, 0.05, 0.5,
                               np.random.default_rng(0), min_depth=1.0)
    assert 0.4 < holes[10:].mean() < 0.6
    _, holes, _ = stereo_depth(depth, normals, rays, 60.0, 0.05, 0.5,
                               np.random.default_rng(0), max_depth=0.5)
    assert holes.all()


# --- determinism -------------------------------------------------------------------------


def test_same_seed_same_bytes():
    linear = np.random.default_rng(9).random((48, 64, 3), dtype=np.float32) * 1.3
    params = {"exposure_gain": 1.2, "vignetting": "cos4", "noise": "random", "gamma": "srgb"}
    a, pa = develop(linear, K_VGA, params, np.random.default_rng(123))
    b, pb = develop(linear, K_VGA, params, np.random.default_rng(123))
    c, _ = develop(linear, K_VGA, params, np.random.default_rng(124))
    assert a.tobytes() == b.tobytes() and pa == pb and a.tobytes() != c.tobytes()
    depth = np.full((D435_H, D435_W), 2.0, np.float32)
    normals = np.broadcast_to(np.array([0.0, 0.0, -1.0]), RAYS.shape)
    d1 = stereo_depth(depth, normals, RAYS, D435_FX, 0.05, 0.08, np.random.default_rng(1))
    d2 = stereo_depth(depth, normals, RAYS, D435_FX, 0.05, 0.08, np.random.default_rng(1))
    assert d1[0].tobytes() == d2[0].tobytes() and d1[1].tobytes() == d2[1].tobytes()
