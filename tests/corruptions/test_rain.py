"""Rain from one rain rate: the Marshall–Palmer physics against quadrature and Gunn & Kinzer's
measured fall speeds, camera streaks against OpenCV's projection, lidar extinction and drop
echoes against closed forms and binomial counts, rain noise against its SPL, and the rig's
weather label against what each sensor got."""

from __future__ import annotations

import copy
import math

import cv2
import numpy as np
import pytest
import yaml
from scipy.integrate import quad

from simengine import Engine
from simengine.corruptions import get, names
from simengine.corruptions import rain_physics as rp
from simengine.corruptions.camera.rain import streak_opacity
from simengine.dsp import P_REF
from simengine.json_buffer import decode_json
from simengine.spec.loader import scene_from_dict

from ..conftest import MINI
from .test_lidar_corruptions import capture, run

# Gunn & Kinzer (1949), terminal velocity of water drops in still air at sea level, m/s
GUNN_KINZER = {1.0: 4.03, 2.0: 6.49, 3.0: 8.06, 4.0: 8.83, 5.0: 9.09}


def test_registered_with_rain_rates():
    assert {"rain", "lidar_rain", "rain_noise", "weather_rain"} <= set(names())
    for name in ("rain", "lidar_rain", "rain_noise", "weather_rain"):
        assert get(name).levels == (2.5, 5.0, 10.0, 25.0, 50.0)


@pytest.mark.parametrize("rate", [1.0, 2.5, 25.0, 50.0])
def test_drop_statistics_against_quadrature(rate):
    lam = 4.1 * rate**-0.21

    def n(d):
        return 8000.0 * math.exp(-lam * d)

    meet = quad(lambda d: n(d) * math.pi * d * d / 4.0, 0.0, 50.0)[0] * 1e-6
    assert rp.beam_meet_rate(rate) == pytest.approx(meet, rel=1e-6)
    assert rp.extinction_per_m(rate) == pytest.approx(2.0 * meet, rel=1e-6)
    assert rp.number_density(rate, 0.5) == pytest.approx(quad(n, 0.5, 6.0)[0], rel=1e-6)
    d = rp.draw_diameters(np.random.default_rng(0), rate, 200_000, 0.5)
    mean = quad(lambda x: x * n(x), 0.5, 6.0)[0] / quad(n, 0.5, 6.0)[0]
    assert d.min() >= 0.5 and d.max() <= 6.0
    assert d.mean() == pytest.approx(mean, rel=0.01)


def test_fall_speed_matches_gunn_kinzer():
    d = np.array(list(GUNN_KINZER))
    np.testing.assert_allclose(rp.fall_speed(d), list(GUNN_KINZER.values()), rtol=0.02)


def test_noise_level_follows_the_kinetic_energy_flux():
    def flux(r):
        return r * (11.87 + 8.73 * math.log10(r))

    assert rp.noise_level_db_spl(1.0) == pytest.approx(45.0)
    assert rp.noise_level_db_spl(25.0) == pytest.approx(45.0 + 10 * math.log10(flux(25.0)
                                                                              / flux(1.0)))
    assert 40.0 < rp.noise_level_db_spl(2.5) < rp.noise_level_db_spl(50.0) < 70.0


# --- camera ----------------------------------------------------------------------------
K = np.array([[500.0, 0.0, 320.0], [0.0, 500.0, 240.0], [0.0, 0.0, 1.0]])
# a camera looking horizontally along world +y: its x is world x, its y (down) is world −z
R_LEVEL = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])


@pytest.mark.parametrize("d_mm, z", [(2.0, 1.5), (1.0, 0.8), (3.0, 0.4)])
def test_one_streak_against_opencv_projection(d_mm, z):
    centre = np.array([[0.1, -0.05, z]])
    exposure = 1 / 60
    fall = rp.fall_speed(np.array([d_mm]))[0] * exposure
    ends = centre + np.array([[0.0, -fall / 2, 0.0], [0.0, fall / 2, 0.0]])
    px, _ = cv2.projectPoints(ends, np.zeros(3), np.zeros(3), K, None)
    (u0, v0), (_, v1) = px[:, 0]
    length = v1 - v0
    width = d_mm * 1e-3 * K[0, 0] / z
    opacity = streak_opacity(centre, np.array([d_mm]), K, R_LEVEL, exposure,
                             np.zeros((480, 640), np.float32))
    rows, cols = np.nonzero(opacity)
    # samples sit at the centres of ceil(L) equal pieces of the projected segment
    assert rows.min() >= math.floor(v0) and rows.max() <= math.floor(v1)
    assert rows.max() - rows.min() + 1 >= math.floor(length)
    copies = min(8, math.ceil(width))
    assert abs(cols.mean() - u0) < 0.5 + copies / 2
    assert opacity.sum() == pytest.approx(min(1.0, width / copies) * copies
                                          * math.ceil(length) / length, rel=1e-5)


def test_streaks_hide_behind_surfaces():
    centre = np.array([[0.0, 0.0, 1.5]])
    near_wall = np.full((480, 640), 1.0, np.float32)
    assert streak_opacity(centre, np.array([2.0]), K, R_LEVEL, 1 / 60, near_wall).max() == 0
    far_wall = np.full((480, 640), 3.0, np.float32)
    assert streak_opacity(centre, np.array([2.0]), K, R_LEVEL, 1 / 60, far_wall).max() > 0


def test_camera_rain_drop_count_and_veil():
    depth = np.full((480, 640), 2.0, np.float32)
    depth[:100] = 0.0  # sky
    image = np.full((480, 640, 3), 60, np.uint8)
    ctx = {"depth": depth, "K": K, "T_world_cam": np.eye(4)}
    ctx["T_world_cam"][:3, :3] = R_LEVEL
    counts = []
    for seed in range(4):
        out = get("rain")(image, 5, np.random.default_rng(seed), ctx)
        counts.append(out.params["drops"])
    z0, z1 = 0.3, 0.008 * K[0, 0]
    expected = rp.number_density(50.0, 0.5) * 640 * 480 / 500**2 * (z1**3 - z0**3) / 3
    assert abs(np.mean(counts) - expected) < 4 * math.sqrt(expected / 4)
    # the sky is the veil's airlight; the streaks brighten the dark wall, more at 50 mm/h
    assert np.all(out.data[:100] == out.data[0, 0]) and out.data[0, 0, 0] > 200
    light = get("rain")(image, 1, np.random.default_rng(0), ctx).data[100:].mean()
    assert 60 < light < out.data[100:].mean()


# --- lidar -----------------------------------------------------------------------------
def test_lidar_rain_extinction_and_drops_met():
    wall = 25.0
    data, ctx = capture(np.full(2048, wall), 0.5)
    ctx["detection_floor"] = 1e-9
    out = run("lidar_rain", data, 5, 0, ctx)
    kappa = rp.beam_meet_rate(50.0)
    ratio = out.data["intensity"][~out.mask] / data["intensity"][~out.mask]
    clear = math.exp(-2.0 * 2.0 * kappa * wall)
    assert np.all(ratio <= clear * (1 + 1e-5))
    assert np.median(ratio) == pytest.approx(clear, rel=1e-5)
    # beams that met a drop: an echo from it, or the wall dimmed by the drop's shadow
    met = out.mask.sum() + (ratio < clear * (1 - 1e-5)).sum()
    p = 1.0 - math.exp(-kappa * (wall - 1.0))
    n = data["range"].size
    assert abs(met - p * n) < 4 * math.sqrt(n * p * (1 - p))
    echoes = out.mask & (out.data["range"] > 0)
    assert echoes.any() and np.all(out.data["range"][echoes] >= 1.0)
    assert np.all(out.data["range"][echoes] < wall)


# --- audio -----------------------------------------------------------------------------
@pytest.mark.parametrize("severity", [1, 5])
def test_rain_noise_level_in_db_spl(severity):
    mics = np.array([[0.0, 0.0, 0.0], [0.04, 0.0, 0.0], [0.0, 0.04, 0.0], [0.04, 0.04, 0.0]])
    silence = np.zeros((4, 16000), np.float32)
    out = get("rain_noise")(silence, severity, np.random.default_rng(1),
                            {"sample_rate": 16000.0, "mic_positions": mics})
    spl = 20 * math.log10(math.sqrt(np.mean(out.data.astype(np.float64) ** 2)) / P_REF)
    assert spl == pytest.approx(rp.noise_level_db_spl(get("rain_noise").level(severity)),
                                abs=0.01)


# --- one rain state for the rig ----------------------------------------------------------
def test_weather_rain_label_drives_every_sensor():
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["corruptions"] = copy.deepcopy(
        [{"name": "rain", "corruptions": ["weather_rain"], "policy": "all", "severity": 4}])
    sample = Engine(scene_from_dict(data, source=str(MINI)), seed=2).sample(0)
    label = decode_json(sample["corrupted/rain/0/params_json"])["weather_rain"]["rig"][0]
    assert label["rate_mm_per_h"] == 25.0
    assert label["mor_m"] == pytest.approx(math.log(20) / rp.extinction_per_m(25.0))
    # the microphones: rain noise at the label's level
    added = (sample["corrupted/rain/0/audio/mics/waveform"].astype(np.float64)
             - sample["audio/mics/waveform"])
    spl = 20 * math.log10(math.sqrt(np.mean(added**2)) / P_REF)
    assert spl == pytest.approx(label["noise_level_db_spl"], abs=0.05)
    # the lidar: every return kept and not replaced is dimmed by exp(−2αR), α the label's
    r = sample["lidar/lid/range"].astype(np.float64)
    keep = (r > 0) & ~sample["corrupted/rain/0/lidar/lid/range_mask"]
    ratio = (sample["corrupted/rain/0/lidar/lid/intensity"][keep]
             / sample["lidar/lid/intensity"][keep])
    expected = np.exp(-2.0 * label["extinction_per_m"] * r[keep])
    assert np.mean(np.isclose(ratio, expected, rtol=1e-4)) > 0.99
    # the camera: the sky (no hit) turns to the rain's airlight, the scene's own sky (one
    # colour in mini.yaml: the default background [0.62, 0.72, 0.85], codes 158, 184, 217)
    sky = sample["camera/cam/depth"] == 0
    rgb = sample["corrupted/rain/0/camera/cam/rgb"]
    assert sky.any() and np.all(rgb[sky] == [158, 184, 217])
