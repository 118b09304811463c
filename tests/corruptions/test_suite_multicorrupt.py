"""The multicorrupt suite and its new lidar and cross-sensor corruptions.

List, names, order and values are typed from MultiCorrupt's code, github
ika-rwth-aachen/MultiCorrupt (commit 6cd6225), converter/ (docs/references.md#multicorrupt);
the new corruptions are checked against the reference's beam lists, exact counts and the
statistics of its motion model."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import yaml
from scipy.spatial.transform import Rotation

from simengine import Engine
from simengine.corruptions import get, suites
from simengine.corruptions.cross.multicorrupt import _lidar_motion
from simengine.spec.loader import scene_from_dict

from ..conftest import MINI

# README results table order; names are the converter's --corruption values
MULTICORRUPT = ["beamsreducing", "brightness", "dark", "fog", "missingcamera", "motionblur",
                "pointsreducing", "snow", "spatialmisalignment", "temporalmisalignment"]
MULTICORRUPT_TABLE = {
    "beamsreducing": (16, 8, 4),  # lidar.py:119 reduce_LiDAR_beamsV2
    "brightness": (0.5, 0.6, 0.7),  # img.py:14
    "dark": (0.60, 0.40, 0.30),  # img.py:96 darkness
    "fog": (0.02, 0.03, 0.06),  # lidar.py:396 simulate_fog alpha (beta .008/.008/.05)
    "missingcamera": (0.2, 0.4, 0.6),  # img_converter.py:120
    "motionblur": (0.06, 0.1, 0.13),  # img.py:72 and lidar.py:25
    "pointsreducing": (70, 80, 90),  # lidar.py:147
    "spatialmisalignment": ((0.2, 1), (0.4, 2), (0.6, 3)),  # lidar.py:58 transform_points
    "temporalmisalignment": (0.2, 0.4, 0.6),  # img_converter.py:85, lidar_converter.py:196
}
# lidar.py:1266 (snowfall mm/h, terminal velocity m/s); img.py:272-274 camera snow
SNOW = ((0.5, 1.2, (0.3, 5, 0.9, 7, 7, 0.9)), (2.5, 1.6, (0.4, 4, 0.85, 8, 8, 0.85)),
        (1.5, 0.4, (0.5, 3, 0.8, 10, 10, 0.8)))
# lidar.py:121-126: the beams reduce_LiDAR_beamsV2 keeps of nuScenes' 32
KEPT_BEAMS = {16: [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31],
              8: [1, 5, 9, 13, 17, 21, 25, 29], 4: [1, 9, 17, 25]}


def test_multicorrupt_lists_its_ten_types_with_three_severities():
    suite = suites.get("multicorrupt")
    assert list(suite.names()) == MULTICORRUPT
    assert suite.severities == 3
    for name, expected in MULTICORRUPT_TABLE.items():
        np.testing.assert_allclose(np.asarray(suites.corruption("multicorrupt", name).levels,
                                              dtype=float), np.asarray(expected, dtype=float))
    assert suites.corruption("multicorrupt", "snow").levels == SNOW


def test_converted_levels():
    suite = suites.get("multicorrupt")
    # fog: MOR = ln 20 / α: 149.8, 99.9, 49.9 m
    mors = [suite.entry("fog").to_level(a) for a in MULTICORRUPT_TABLE["fog"]]
    np.testing.assert_allclose(mors, [149.787, 99.858, 49.929], atol=1e-3)
    # snow severity 1 in 224-px units: 5·224/900 = 1.2444, 7·224/900 = 1.7422
    rate, camera = suite.entry("snow").to_level(SNOW[0])
    assert rate == 0.5
    np.testing.assert_allclose(camera, (0.3, 0.3, 1.24444, 0.9, 1.74222, 1.74222, 0.9),
                               atol=1e-5)
    assert [suite.entry("beamsreducing").to_level(b) for b in (16, 8, 4)] == [2, 4, 8]
    assert suite.entry("pointsreducing").to_level(80) == 0.8


def _capture(rows: int = 32, cols: int = 40) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    r = rng.uniform(2.0, 30.0, (rows, cols)).astype(np.float32)
    r[rng.random((rows, cols)) < 0.1] = 0.0  # some beams hit nothing
    direction = rng.normal(size=(rows, cols, 3))
    direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    return {"range": r, "intensity": np.full((rows, cols), 0.4, np.float32),
            "xyz": (direction * r[..., None]).astype(np.float32)}


@pytest.mark.parametrize("beams", [16, 8, 4])
def test_beams_reducing_keeps_the_reference_beams(beams):
    capture = _capture()
    out = suites.corruption("multicorrupt", "beamsreducing")(
        capture, [16, 8, 4].index(beams) + 1, np.random.default_rng(0))
    kept = np.flatnonzero((out.data["range"] > 0).any(axis=1))
    assert kept.tolist() == KEPT_BEAMS[beams]
    for r in KEPT_BEAMS[beams]:
        np.testing.assert_array_equal(out.data["range"][r], capture["range"][r])


def test_points_reducing_keeps_exactly_the_rounded_share():
    capture = _capture()
    live = int((capture["range"] > 0).sum())
    out = suites.corruption("multicorrupt", "pointsreducing")(
        capture, 2, np.random.default_rng(0))
    still = out.data["range"] > 0
    assert still.sum() == round(live * 0.2)
    np.testing.assert_array_equal(out.data["range"][still], capture["range"][still])
    assert out.mask.sum() == live - round(live * 0.2)


def test_lidar_motion_is_pts_motion():
    # a global N(0, s²) shift per axis plus per-point jitter N(0, (share·s)²), share .15/.2/.12
    capture = _capture(200, 200)
    s = 0.13
    out = _lidar_motion(capture, s, np.random.default_rng(3), {})
    live = capture["range"] > 0
    delta = (out.data["xyz"] - capture["xyz"])[live].astype(np.float64)
    np.testing.assert_allclose(delta.std(axis=0), [0.15 * s, 0.2 * s, 0.12 * s], rtol=0.03)
    np.testing.assert_allclose(out.data["range"][live],
                               np.linalg.norm(out.data["xyz"][live], axis=-1), rtol=1e-5)
    assert out.params["shift_m"] == pytest.approx(np.linalg.norm(delta.mean(axis=0)),
                                                  abs=1e-3)


@pytest.fixture(scope="module")
def grid():
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["corruptions"] = copy.deepcopy([{
        "name": "mc", "suite": "multicorrupt", "policy": "grid",
        "corruptions": ["beamsreducing", "missingcamera", "motionblur", "fog"]}])
    engine = Engine(scene_from_dict(data, source=str(MINI)), seed=4)
    return engine, engine.sample(1)


def test_multicorrupt_grid_runs_end_to_end_on_the_mini_scene(grid):
    engine, sample = grid
    assert engine.spec.corruptions[0].slots == 12
    for slot in range(12):
        assert sample[f"corrupted/mc/{slot}/severity"].tolist() == [
            slot % 3 + 1 if i == slot // 3 else 0 for i in range(4)]
    # beamsreducing heavy keeps rings 1 and 9 of the VLP-16's 16 as they were, nothing else
    heavy, lidar = sample["corrupted/mc/2/lidar/lid/range"], sample["lidar/lid/range"]
    np.testing.assert_array_equal(heavy[:, [1, 9]], lidar[:, [1, 9]])
    assert not np.delete(heavy, [1, 9], axis=1).any() and np.delete(lidar, [1, 9], axis=1).any()
    # missingcamera heavy: p = .6 of the 2 captures, stratified: 1 (or 2) black, lidar kept
    black = [not sample["corrupted/mc/5/camera/cam/rgb"][f].any() for f in range(2)]
    assert 1 <= sum(black) <= 2
    np.testing.assert_array_equal(sample["corrupted/mc/5/lidar/lid/range"],
                                  sample["lidar/lid/range"])
    # motionblur moves the lidar's points and blurs the camera (σ = 13 px of 1600: 0.5 px
    # at 64 px wide, a slight blur)
    assert not np.array_equal(sample["corrupted/mc/8/lidar/lid/xyz"], sample["lidar/lid/xyz"])
    clean = sample["camera/cam/rgb"].astype(int)
    assert np.abs(sample["corrupted/mc/8/camera/cam/rgb"] - clean).mean() > 0.02


def test_camera_missing_blanks_only_cameras():
    rgb = np.full((5, 4, 6, 3), 200, np.uint8)
    data = {"camera/a/rgb": rgb, "camera/b/rgb": rgb.copy(),
            "lidar/l/range": np.ones((5, 3, 4), np.float32)}
    shapes = {"camera/a": (5, 4, 6), "camera/b": (5, 4, 6), "lidar/l": (5, 3, 4)}
    out = get("camera_missing")(data, 3, np.random.default_rng(0), {"mask_shapes": shapes})
    black = sum(int(not out.data.get(k, data[k])[f].any())
                for k in ("camera/a/rgb", "camera/b/rgb") for f in range(5))
    assert black == round(0.4 * 10) == out.params["captures_missing"]
    assert "lidar/l/range" not in out.data and not out.mask["lidar/l"].any()
    assert math.isclose(out.params["p"], 0.4)


def test_lidar_misalignment_is_transform_points_in_the_recorded_pose():
    T = np.tile(np.eye(4), (10, 1, 1))
    T[:, :3, 3] = [1.0, 2.0, 0.5]
    data = {"lidar/l/T_world_lidar": T, "camera/c/T_world_cam": np.tile(np.eye(4), (10, 1, 1))}
    out = suites.corruption("multicorrupt", "spatialmisalignment")(
        data, 3, np.random.default_rng(1))  # (0.6, 3°)
    moved = out.data["lidar/l/T_world_lidar"]
    changed = ~np.all(np.isclose(moved, T), axis=(1, 2))
    assert changed.sum() == 6 == out.params["captures_misaligned"]
    assert "camera/c/T_world_cam" not in out.data
    # transform_points writes Rx·Ry·Rz with each matrix turning by −θ: intrinsic XYZ Euler
    # angles (−3°, −3°, −3°), then 2 m along x, in the lidar's frame
    R = Rotation.from_euler("XYZ", [-3, -3, -3], degrees=True).as_matrix()
    p = np.array([4.0, -1.0, 0.3])
    f = int(np.flatnonzero(changed)[0])
    world = moved[f] @ np.append(p, 1.0)
    np.testing.assert_allclose(world[:3], T[f, :3, :3] @ (R @ p + [2, 0, 0]) + T[f, :3, 3])
