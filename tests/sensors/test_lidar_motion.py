"""Lidar timing and motion distortion against closed forms.

The firing time of every beam is rebuilt here from the preset (VLP-16: columns turn
clockwise at rotation_hz, the capture instant is when the head faces +x, lasers fire 2.304 µs
apart in table order); a wall seen by a sensor translating towards it must then be sheared
by velocity × firing time, a wall moving towards a static sensor likewise, and the
motion-compensated sweep must be flat again. Determinism: 1 vs 2 Numba threads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from simengine.spec.loader import scene_from_dict
from tests.conftest import assert_samples_equal
from tests.sensors.test_lidar_returns import fixed, lidar_scene, render
from tests.test_engine import samples_with_threads

SENSORS = Path(__file__).resolve().parents[2] / "sensors"
T_CAPTURE = 0.05
WALL_FACE = 9.9
STATIC = {"columns": 360, "range_noise_std": 0.0, "beam_divergence_mrad": 0.0,
          "detection_range_m": None, "snr_noise": None}


def wall(**template) -> dict:
    return {"name": "wall", "template": {"shape": "box", "size": [0.2, 60.0, 60.0], **template},
            "position": [WALL_FACE + 0.1, 0.0, 0.0]}


def timed(scene: dict) -> dict:
    scene["simulation"] = {"capture_times": [T_CAPTURE], "duration": 0.1}
    return scene


def vlp16_times(sample: dict) -> np.ndarray:
    """(R, C) firing times from the VLP-16 preset: −azimuth/(360°·10 Hz) + laser·2.304 µs."""
    table = yaml.safe_load((SENSORS / "vlp16.yaml").read_text(encoding="utf-8"))
    assert table["rotation_hz"] == 10.0 and table["laser_spacing_us"] == 2.304
    az = sample["lidar/l/azimuth"].astype(np.float64)
    return sample["lidar/l/laser_id"][:, None] * 2.304e-6 - az[None, :] / 3600.0


def test_time_matches_the_firing_table():
    s = render(timed(lidar_scene([wall(fixed=True)], "vlp16", STATIC)))
    np.testing.assert_allclose(s["lidar/l/time"][0], vlp16_times(s), atol=1e-8, rtol=0)


def test_raster_preset_layout_and_timing():
    """The solid-state preset: rows and columns from its table over 120°, one frame drawn
    row by row (top first), alternating direction, centred on the capture instant."""
    table = yaml.safe_load((SENSORS / "mems_raster_120x25.yaml").read_text(encoding="utf-8"))
    s = render(timed(lidar_scene([wall(fixed=True)], "mems_raster_120x25", {})))
    np.testing.assert_array_equal(s["lidar/l/elevation"],
                                  np.sort(np.float32(table["elevations_deg"]))[::-1])
    az = s["lidar/l/azimuth"].astype(np.float64)
    C = table["columns"]
    np.testing.assert_allclose(az, 60.0 - (np.arange(C) + 0.5) * 120.0 / C, atol=1e-4)
    t = s["lidar/l/time"][0].astype(np.float64)
    R = t.shape[0]
    dt = 1.0 / (table["rotation_hz"] * R * C)
    order = np.concatenate([t[r] if r % 2 == 0 else t[r, ::-1] for r in range(R)])
    np.testing.assert_allclose(np.diff(order), dt, rtol=1e-3)
    np.testing.assert_allclose(order.mean(), 0.0, atol=1e-7)
    assert s["lidar/l/range"].shape == (1, 2, R, C)  # dual return: a returns axis
    assert (s["lidar/l/range"][0, 0] > 0).mean() > 0.9


def test_translating_sensor_shears_a_wall():
    v = 5.0  # m/s towards the wall
    scene = timed(lidar_scene([wall(fixed=True)], "vlp16", STATIC,
                              pose_extra={"velocity": [v, 0.0, 0.0]}))
    s = render(scene)
    tau = vlp16_times(s)
    np.testing.assert_allclose(s["lidar/l/T_world_lidar"][0][:3, 3], [v * T_CAPTURE, 0, 0])
    hit = s["lidar/l/range"][0] > 0
    x = s["lidar/l/xyz"][0][..., 0].astype(np.float64)
    want = WALL_FACE - v * (T_CAPTURE + tau)  # the sensor's distance to the wall at firing
    assert hit.sum() > 1000 and np.ptp(want[hit]) > 0.15  # a visible shear
    np.testing.assert_allclose(x[hit], want[hit], atol=2e-5, rtol=0)
    scene["sensors"][0]["overrides"] = {**STATIC, "motion_compensation": True}
    flat = render(scene)["lidar/l/xyz"][0][..., 0].astype(np.float64)
    np.testing.assert_allclose(flat[hit], WALL_FACE - v * T_CAPTURE, atol=2e-5, rtol=0)


def rz(angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    z, o = np.zeros_like(angle), np.ones_like(angle)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1),
                     np.stack([z, z, o], -1)], -2)


def test_turning_sensor_points_lie_on_the_wall():
    """A sensor turning at 2 rad/s about z (and moving along y): each raw point, placed in
    the world with the pose at its own firing time (yaw = ω·(t + τ), position v·(t + τ)),
    lies on the wall's face; so does each motion-compensated point placed with the pose
    of the capture instant."""
    w, vy = 2.0, 1.5
    scene = timed(lidar_scene([wall(fixed=True)], "vlp16", STATIC, pose_extra={
        "velocity": [0.0, vy, 0.0], "angular_velocity": [0.0, 0.0, w]}))
    s = render(scene)
    hit = s["lidar/l/range"][0] > 0
    t = T_CAPTURE + vlp16_times(s)[hit]
    xyz = s["lidar/l/xyz"][0][hit].astype(np.float64)
    world = np.einsum("nij,nj->ni", rz(w * t), xyz) + np.stack(
        [np.zeros_like(t), vy * t, np.zeros_like(t)], -1)
    assert hit.sum() > 1000
    np.testing.assert_allclose(world[:, 0], WALL_FACE, atol=5e-5)
    scene["sensors"][0]["overrides"] = {**STATIC, "motion_compensation": True}
    c = render(scene)
    T = c["lidar/l/T_world_lidar"][0]
    np.testing.assert_allclose(T[:3, :3], rz(np.array(w * T_CAPTURE)), atol=1e-12)
    pts = c["lidar/l/xyz"][0][hit].astype(np.float64) @ T[:3, :3].T + T[:3, 3]
    np.testing.assert_allclose(pts[:, 0], WALL_FACE, atol=5e-5)


def test_moving_wall_is_captured_where_it_is_at_firing_time():
    scene = timed(lidar_scene([{**wall(mass=50.0), "linear_velocity": [-4.0, 0.0, 0.0]}],
                              "vlp16", STATIC))
    s = render(scene)
    x0 = s["objects/position"][0, 0, 0] - 0.1  # the wall's face at the capture instant
    vx = s["objects/linear_velocity"][0, 0, 0]
    assert vx < -3.5
    hit = s["lidar/l/range"][0] > 0
    want = x0 + vx * vlp16_times(s)
    assert hit.sum() > 1000 and np.ptp(want[hit]) > 0.1
    np.testing.assert_allclose(s["lidar/l/xyz"][0][..., 0][hit], want[hit], atol=2e-5, rtol=0)


def test_static_scene_ranges_do_not_depend_on_timing():
    scene = timed(lidar_scene([wall(fixed=True)], "os1_64", {**STATIC, "columns": 256}))
    a = render(scene)
    scene["sensors"][0]["overrides"]["motion_distortion"] = False
    b = render(scene)
    assert np.all(b["lidar/l/time"] == 0)
    np.testing.assert_array_equal(a["lidar/l/range"], b["lidar/l/range"])


def test_full_model_is_thread_count_independent():
    """Dual returns, SNR noise, divergence, a moving sensor and a moving object."""
    scene = timed(lidar_scene(
        [{**wall(mass=50.0), "linear_velocity": [-4.0, 0.0, 0.0]},
         fixed("box", {"shape": "box", "size": [1.0, 1.0, 1.0]}, (4.0, 1.0, 0.0))],
        "os1_64", {"columns": 256, "return_mode": "dual", "beam_divergence_mrad": 5.0},
        pose_extra={"velocity": [3.0, 0.5, 0.0], "angular_velocity": [0.0, 0.0, 1.0]}))
    spec = scene_from_dict(scene, source="<threads>")
    one, many = samples_with_threads(spec, 3, 1)
    assert_samples_equal(one, many)
    assert (one["lidar/l/return_count"][0] == 2).sum() > 10
