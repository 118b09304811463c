"""Camera response (exposure in EV100, white balance, filmic curves) vs published matrices,
loci and formulas (docs/references.md#camera-response), and its step in develop()."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simengine.sensors.camera.effects import develop
from simengine.sensors.camera.response import (
    BRADFORD,
    LINEAR_SRGB_TO_XYZ,
    aces_filmic,
    apply_response,
    auto_ev100,
    bradford_matrix,
    daylight_xy,
    exposure_scale,
    hable_filmic,
    illuminant_xy,
    planckian_xy,
    white_balance_matrix,
    xy_to_xyz,
)

K_VGA = np.array([[525.0, 0.0, 319.5], [0.0, 525.0, 239.5], [0.0, 0.0, 1.0]])


def flat(value: float | tuple, h: int = 4, w: int = 5) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (h, w, 3)).copy()


# ---- exposure --------------------------------------------------------------------------

@pytest.mark.parametrize("ev", [-2.0, 0.0, 9.5, 15.0])
def test_meter_grey_maps_to_documented_value(ev: float) -> None:
    """A surface at the luminance a reflected-light meter (K = 12.5) reads as EV100,
    L = 2^EV · 12.5 / 100, lands at 12.5 / (100 · 1.2) = 0.1041666 (Lagarde 2014)."""
    lum = 2.0**ev * 12.5 / 100.0
    assert lum * exposure_scale(ev) == pytest.approx(0.125 / 1.2, rel=1e-14)
    out, used = apply_response(flat(lum), {"ev100": ev})
    np.testing.assert_allclose(out, 0.125 / 1.2, rtol=1e-14)
    assert used["ev100"] == ev and used["auto_exposure"] == 0.0
    # saturation: L_max = 1.2 · 2^EV maps to exactly 1
    assert 1.2 * 2.0**ev * exposure_scale(ev) == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("lum", [0.5, 80.0, 5000.0])
def test_auto_exposure_of_a_uniform_image_is_scale_invariant(lum: float) -> None:
    a, used_a = apply_response(flat(lum), {"auto_exposure": True})
    b, used_b = apply_response(flat(10.0 * lum), {"auto_exposure": True})
    np.testing.assert_allclose(a, 0.125 / 1.2, rtol=1e-12)
    np.testing.assert_allclose(b, a, rtol=1e-12)
    assert used_b["ev100"] - used_a["ev100"] == pytest.approx(math.log2(10.0), abs=1e-12)
    assert used_a["auto_exposure"] == 1.0
    assert used_a["ev100"] == pytest.approx(math.log2(lum * 8.0), abs=1e-12)


def test_auto_exposure_log_average_compensation_and_percentiles() -> None:
    img = flat(1.0, 10, 10)
    img[:5] = 100.0  # half at 1, half at 100 cd/m²: log-average 10
    assert auto_ev100(img) == pytest.approx(math.log2(10.0 * 8.0), abs=1e-12)
    assert auto_ev100(img, compensation_ev=1.5) == pytest.approx(math.log2(80.0) - 1.5)
    img[0, 0] = 1e7  # one glint (was 100): the percentile window drops it, 49 at 100 remain
    assert auto_ev100(img, percentiles=(1.0, 99.0)) == pytest.approx(
        math.log2(8.0 * 100.0 ** (49 / 99)), abs=1e-12)
    assert auto_ev100(img) > math.log2(80.0) + 0.1
    out, used = apply_response(img, {"auto_exposure": {"compensation_ev": 1.0}})
    assert used["ev100"] == pytest.approx(auto_ev100(img) - 1.0)
    np.testing.assert_allclose(out, img * exposure_scale(used["ev100"]), rtol=1e-15)


def test_bad_response_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="exclusive"):
        apply_response(flat(1.0), {"ev100": 3.0, "auto_exposure": True})
    with pytest.raises(ValueError, match="tone_curve"):
        apply_response(flat(1.0), {"tone_curve": "reinhard"})
    with pytest.raises(ValueError, match="CCT"):
        apply_response(flat(1.0), {"white_balance_k": 40000})
    with pytest.raises(ValueError, match="unknown keys"):
        apply_response(flat(1.0), {"auto_exposure": {"key": 0.18}})


# ---- colour ----------------------------------------------------------------------------

def test_srgb_and_bradford_matrices_pinned() -> None:
    # IEC 61966-2-1, linear sRGB -> XYZ (D65), four decimals as published
    iec = [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    np.testing.assert_allclose(LINEAR_SRGB_TO_XYZ, iec, atol=6e-5)
    # Lam 1985 / Lindbloom, Bradford cone response
    np.testing.assert_array_equal(BRADFORD, [[0.8951, 0.2664, -0.1614],
                                             [-0.7502, 1.7135, 0.0367],
                                             [0.0389, -0.0685, 1.0296]])
    # Lindbloom's published Bradford D65 -> D50 XYZ adaptation matrix
    lindbloom = [[1.0478112, 0.0228866, -0.0501270], [0.0295424, 0.9904844, -0.0170491],
                 [-0.0092345, 0.0150436, 0.7521316]]
    got = bradford_matrix(np.array([0.3127, 0.3290]), np.array([0.3457, 0.3585]))
    np.testing.assert_allclose(got, lindbloom, atol=5e-4)


def test_loci_pinned() -> None:
    # CIE D65 (0.31271, 0.32902) at 6504 K and D50 (0.34567, 0.35850) at 5003 K, CIE 15
    np.testing.assert_allclose(daylight_xy(6504.0), [0.31271, 0.32902], atol=3e-4)
    np.testing.assert_allclose(daylight_xy(5003.0), [0.34567, 0.35850], atol=3e-4)
    # Planckian radiators (CIE 15 tables / Wyszecki & Stiles): 2856 K illuminant A
    # (0.44757, 0.40745), 3000 K (0.43693, 0.40407)
    np.testing.assert_allclose(planckian_xy(2856.0), [0.44757, 0.40745], atol=5e-4)
    np.testing.assert_allclose(planckian_xy(3000.0), [0.43693, 0.40407], atol=5e-4)
    np.testing.assert_array_equal(illuminant_xy(3000.0), planckian_xy(3000.0))
    np.testing.assert_array_equal(illuminant_xy(6500.0), daylight_xy(6500.0))


def test_d65_white_balance_is_the_identity() -> None:
    """Within the gap between the daylight locus at 6504 K and the sRGB D65 white
    (Δy = 1.2e-4)."""
    np.testing.assert_allclose(white_balance_matrix(6504.0), np.eye(3), atol=2e-3)
    out, _ = apply_response(flat((0.2, 0.5, 0.9)), {"white_balance_k": 6504.0})
    np.testing.assert_allclose(out, flat((0.2, 0.5, 0.9)), rtol=3e-3)


@pytest.mark.parametrize("kelvin", [2000.0, 3000.0, 4500.0, 10000.0])
def test_illuminant_white_maps_to_neutral(kelvin: float) -> None:
    white_xyz = xy_to_xyz(illuminant_xy(kelvin), luminance=40.0)
    white_rgb = np.linalg.solve(LINEAR_SRGB_TO_XYZ, white_xyz)
    assert np.ptp(white_rgb) > 0.05 * white_rgb.max()  # visibly tinted before
    out, used = apply_response(flat(tuple(white_rgb)), {"white_balance_k": kelvin})
    np.testing.assert_allclose(out, 40.0, rtol=1e-9)  # neutral, luminance kept
    assert used["white_balance_k"] == kelvin


# ---- tone curves -----------------------------------------------------------------------

def test_filmic_curves_monotone_and_pinned() -> None:
    x = np.concatenate([[0.0], np.geomspace(1e-4, 100.0, 2000)])
    for curve in (aces_filmic, hable_filmic):
        y = curve(x)
        assert y[0] == 0.0 and np.all(np.diff(y) >= 0.0) and y.max() <= 1.0
    # Narkowicz 2015 at 1: (2.51 + 0.03) / (2.43 + 0.59 + 0.14)
    assert aces_filmic(np.array(1.0)) == pytest.approx(2.54 / 3.16, rel=1e-15)
    # at 0.18: 0.18 · 0.4818 / (0.18 · 1.0274 + 0.14)
    assert aces_filmic(np.array(0.18)) == pytest.approx(0.086724 / 0.324932, rel=1e-12)
    assert aces_filmic(np.array(50.0)) == 1.0  # saturates (its asymptote 2.51/2.43 > 1)
    # Hable (A..F = .15 .5 .1 .2 .02 .3): F(1) = .204/.71 - 1/15, F(11.2) = 19.38/24.476
    # - 1/15; white point 11.2 -> 1
    f1, fw = 0.204 / 0.71 - 1 / 15, 19.38 / 24.476 - 1 / 15
    assert hable_filmic(np.array(1.0)) == pytest.approx(f1 / fw, rel=1e-12)
    assert hable_filmic(np.array(11.2)) == pytest.approx(1.0, rel=1e-15)


# ---- inside develop() ------------------------------------------------------------------

def test_develop_without_response_keys_is_unchanged() -> None:
    rng = np.random.default_rng(0)
    img = rng.uniform(0, 1.2, size=(6, 7, 3))
    a, used_a = develop(img, K_VGA, {"gamma": "srgb"}, np.random.default_rng(1))
    b, used_b = develop(img, K_VGA, {"gamma": "srgb", "tone_curve": None},
                        np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert set(used_a) == {"exposure_gain", "vignetting_strength", "vignetting_cos4",
                           "noise_shot", "noise_read", "gamma"}
    assert used_b["tone_curve"] == 0.0


def test_develop_runs_the_response_first() -> None:
    ev = 12.0
    lum = 2.0**ev * 12.5 / 100.0
    out, used = develop(flat(lum), K_VGA, {"ev100": ev, "gamma": 1.0},
                        np.random.default_rng(0))
    assert np.all(out == math.floor(255 * (0.125 / 1.2) + 0.5))  # 27
    assert used["ev100"] == ev and used["tone_curve"] == 0.0
    out, used = develop(flat(lum), K_VGA, {"ev100": ev, "tone_curve": "aces", "gamma": 1.0,
                                           "exposure_gain": 2.0}, np.random.default_rng(0))
    want = math.floor(255 * 2.0 * float(aces_filmic(np.array(0.125 / 1.2))) + 0.5)
    assert np.all(out == want) and used["tone_curve"] == 1.0
