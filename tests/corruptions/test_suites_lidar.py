"""The Robo3D and KITTI-C suites: their corruption lists, names, order and parameters typed
here from the benchmarks' own code (not read from our registry), the unit conversions to
the registry's levels, and a suite set end to end on the tiny scene (grid policy).

Sources (docs/references.md#robo3d, #kitti-c):
- Robo3D, github.com/ldkong1205/Robo3D at eb81d5cd3e593a38f6e1dcdfce475dd457842465,
  create/semantickitti_c/<dir>/ (each script's comment and .sh give light/moderate/heavy).
- KITTI-C, github.com/thu-ml/3D_Corruptions_AD at 48c23f77fe82beab599f8248b7794928334a3fb5:
  LiDAR_corruptions.py, Camera_corruptions.py, and
  OpenPCDet/OpenPCDet/pcdet/datasets/kitti/utils/bbox_util.py (object level).
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import yaml

from simengine import Engine
from simengine.corruptions import get, suites
from simengine.corruptions.suites import kitti_c
from simengine.seeding import STREAM_CORRUPTION, named_stream, rng_for
from simengine.spec.loader import scene_from_dict

from ..conftest import MINI

# --- Robo3D -------------------------------------------------------------------------------
# Robo3D's Table 1 order: fog, wet ground, snow, motion blur, beam missing, crosstalk,
# incomplete echo, cross-sensor; its script values (file: line of the comment)
ROBO3D = {
    "fog": (0.008, 0.05, 0.2),  # fog/fog_simulation.py:316 (folder names ..._0.008beta etc.)
    # wet_ground/augmentation.py:411 "light: water_height=0.2mm, noise_floor=0.3; moderate:
    # water_height=1.0mm, noise_floor=0.3; heavy: water_height=1.2mm, noise_floor=0.7"
    "wet_ground": ((0.0002, 0.3), (0.001, 0.3), (0.0012, 0.7)),
    # snow/simulation.py:827 "light: snowfall_rate = '0.5' , terminal_velocity = '2.0';
    # moderate: '1.0', '1.6'; heavy: '2.5', '1.6'"
    "snow": ((0.5, 2.0), (1.0, 1.6), (2.5, 1.6)),
    "motion_blur": (0.2, 0.25, 0.3),  # motion_blur/gen_motion_blur.py:44 trans_std
    "beam_missing": (16, 32, 48),  # beam_missing/gen_beam_missing.py:53
    "crosstalk": (0.006, 0.008, 0.01),  # crosstalk/gen_crosstalk.py:49
    "incomplete_echo": (0.75, 0.85, 0.95),  # incomplete_echo/gen_incomplete_echo.py:45
    "cross_sensor": (16, 32, 48),  # cross_sensor/gen_cross_sensor.py:53
}
# what each runs, and the registry level the published value becomes (by hand)
ROBO3D_RUNS = {
    "fog": ("lidar_fog", (0.008, 0.05, 0.2)),
    "wet_ground": ("wet_ground", (0.2, 1.0, 1.2)),  # metres of water → mm
    "snow": ("lidar_snow", (0.5, 1.0, 2.5)),  # the snowfall rate, mm/h
    "motion_blur": ("lidar_motion_blur", (0.2, 0.25, 0.3)),
    "beam_missing": ("beam_missing", (0.25, 0.5, 0.75)),  # beams of 64 → fraction
    "crosstalk": ("crosstalk", (0.006, 0.008, 0.01)),
    "incomplete_echo": ("incomplete_echo", (0.75, 0.85, 0.95)),
    "cross_sensor": ("cross_sensor", (0.25, 0.5, 0.75)),
}


def test_robo3d_lists_its_eight_corruptions_in_order_on_three_levels():
    suite = suites.get("robo3d")
    assert list(suite.names()) == list(ROBO3D)
    assert suite.scale == ("light", "moderate", "heavy")
    assert all(get(e.corruption).modality == "lidar" for e in suite.entries)


@pytest.mark.parametrize("name", list(ROBO3D))
def test_robo3d_levels_are_the_scripts_values(name):
    entry = suites.get("robo3d").entry(name)
    assert entry.levels == ROBO3D[name]
    runs, registry_levels = ROBO3D_RUNS[name]
    assert entry.corruption == runs
    convert = entry.to_level or (lambda v: v)
    np.testing.assert_allclose([convert(v) for v in entry.levels], registry_levels,
                               rtol=1e-12)


def _capture(rows=64, cols=48, seed=0):
    rng = np.random.default_rng(seed)
    r = rng.uniform(2.0, 30.0, (rows, cols))
    e = np.radians(np.linspace(10, -20, rows))[:, None]
    a = np.radians(np.linspace(-180, 180, cols, endpoint=False))[None, :]
    d = np.stack(np.broadcast_arrays(np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)),
                 axis=-1)
    return {"range": r.astype(np.float32),
            "intensity": rng.uniform(0.05, 0.9, (rows, cols)).astype(np.float32),
            "xyz": (d * r[..., None]).astype(np.float32)}


@pytest.mark.parametrize("name", ["wet_ground", "beam_missing", "snow"])
def test_robo3d_entry_is_the_registry_corruption_at_the_converted_level(name):
    """Heavy = the registry corruption called with the hand-converted level."""
    data = _capture()
    runs, registry_levels = ROBO3D_RUNS[name]
    ours = suites.corruption("robo3d", name)(data, 3, np.random.default_rng(4))
    theirs = get(runs).fn(data, registry_levels[2], np.random.default_rng(4), {})
    for key in theirs.data:
        np.testing.assert_array_equal(ours.data[key], theirs.data[key])


# --- KITTI-C ------------------------------------------------------------------------------
# The paper's 27 types (Dong et al. 2023, Fig. 1 / Table 2), by group
KITTI_C_TYPES = {
    "weather": ["snow", "rain", "fog", "strong_sunlight"],
    "sensor": ["density_decrease", "cutout", "crosstalk", "fov_lost", "gaussian_noise_lidar",
               "uniform_noise_lidar", "impulse_noise_lidar", "gaussian_noise_camera",
               "uniform_noise_camera", "impulse_noise_camera"],
    "motion": ["motion_compensation", "moving_object", "motion_blur"],
    "object": ["local_density_decrease", "local_cutout", "local_gaussian_noise",
               "local_uniform_noise", "local_impulse_noise", "shear", "scale", "rotation"],
    "alignment": ["spatial_misalignment", "temporal_misalignment"],
}
RATES = (0.20, 0.73, 1.5625, 3.125, 7.29)  # LiDAR_corruptions.py:22, 33 c[severity - 1]
# ImageNet-C's tables, which imgaug's imgcorruptlike (kitti_c's camera noise/snow/fog) runs
IMAGENET_C_GAUSSIAN = (0.08, 0.12, 0.18, 0.26, 0.38)
IMAGENET_C_IMPULSE = (0.03, 0.06, 0.09, 0.17, 0.27)
KITTI_C = {  # entry: (registry corruption, levels as published, group)
    "snow_lidar": ("lidar_snow", RATES, "weather"),
    "snow_camera": ("snow", None, "weather"),  # imgcorruptlike.Snow
    "rain_lidar": ("lidar_rain", RATES, "weather"),
    "rain_camera": ("rain", RATES, "weather"),  # ours: the lidar's rates (no rate in imgaug)
    "fog_lidar": ("lidar_fog", (0.005, 0.01, 0.02, 0.03, 0.06), "weather"),  # :68
    "fog_camera": ("fog", None, "weather"),  # imgcorruptlike.Fog
    # :78 int(0.010*N) … int(0.050*N) points + N(0, 2²)
    "strong_sunlight_lidar": ("solar_noise", (0.01, 0.02, 0.03, 0.04, 0.05), "weather"),
    # Camera_corruptions.py:59 sun_radius = [30, 40, 50, 60, 70]
    "strong_sunlight_camera": ("sun_glare", (30, 40, 50, 60, 70), "weather"),
    # :104-105 num = int(N*0.3); c = int(0.2*num) … num
    "density_decrease": ("density_decrease", (0.06, 0.12, 0.18, 0.24, 0.30), "sensor"),
    # :133 [(2,num), (3,num), (5,num), (7,num), (10,num)], num = int(N*0.02)
    "cutout": ("point_cutout", ((2, 0.02), (3, 0.02), (5, 0.02), (7, 0.02), (10, 0.02)),
               "sensor"),
    # :93 int(0.004*N) … int(0.020*N)
    "crosstalk": ("crosstalk", (0.004, 0.008, 0.012, 0.016, 0.020), "sensor"),
    "fov_lost": ("limited_fov", (105.0, 90.0, 75.0, 60.0, 45.0), "sensor"),  # :181-182
    "gaussian_noise_lidar": ("point_gaussian_noise", (0.02, 0.04, 0.06, 0.08, 0.10),
                             "sensor"),  # :148
    "uniform_noise_lidar": ("point_uniform_noise", (0.02, 0.04, 0.06, 0.08, 0.10),
                            "sensor"),  # :159
    "impulse_noise_lidar": ("point_impulse_noise", (30, 25, 20, 15, 10), "sensor"),  # :170
    "gaussian_noise_camera": ("gaussian_noise", None, "sensor"),
    # Camera_corruptions.py:1539
    "uniform_noise_camera": ("uniform_noise", (0.08, 0.12, 0.18, 0.26, 0.38), "sensor"),
    "impulse_noise_camera": ("impulse_noise", None, "sensor"),
    # :216-217 ct, cr
    "motion_compensation": ("motion_compensation", ((0.02, 0.002), (0.04, 0.004),
                                                    (0.06, 0.006), (0.08, 0.008),
                                                    (0.10, 0.010)), "motion"),
    "moving_object_lidar": ("moving_object", (0.2, 0.4, 0.6, 0.8, 1.0), "motion"),  # :262
    # ours: the lidar half's metres (the benchmark's camera blur 0.02 … 0.10 has no metres)
    "moving_object_camera": ("image_moving_object", (0.2, 0.4, 0.6, 0.8, 1.0), "motion"),
    # Camera_corruptions.py:1395 corrput_list=[0.02*i for i in range(1,6)]
    "motion_blur": ("zoom_blur", tuple(0.02 * i for i in range(1, 6)), "motion"),
    "local_density_decrease": ("object_density_decrease", (0.1, 0.2, 0.3, 0.4, 0.5),
                               "object"),  # bbox_util.py:70
    "local_cutout": ("object_cutout", (0.3, 0.4, 0.5, 0.6, 0.7), "object"),  # :79
    "local_gaussian_noise": ("object_gaussian_noise", (0.02, 0.04, 0.06, 0.08, 0.10),
                             "object"),  # :93
    "local_uniform_noise": ("object_uniform_noise", (0.02, 0.04, 0.06, 0.08, 0.10),
                            "object"),  # :101
    "local_impulse_noise": ("object_impulse_noise", (30, 25, 20, 15, 10), "object"),  # :109
    "shear_lidar": ("object_shear", (0.05, 0.1, 0.15, 0.2, 0.25), "object"),  # :192
    # README's camera example: c = [0.05, 0.1, 0.15, 0.2, 0.25][bbox_shear.severity - 1]
    "shear_camera": ("image_object_shear", (0.05, 0.1, 0.15, 0.2, 0.25), "object"),
    "scale_lidar": ("object_scale", (0.04, 0.08, 0.12, 0.16, 0.20), "object"),  # :216
    "scale_camera": ("image_object_scale", (0.04, 0.08, 0.12, 0.16, 0.20), "object"),
    "rotation_lidar": ("object_rotation", (1, 3, 5, 7, 9), "object"),  # :245
    "rotation_camera": ("image_object_rotation", (1, 3, 5, 7, 9), "object"),
    # LiDAR_corruptions.py:319-320 [...][severity-1]*2
    "spatial_misalignment": ("extrinsic_noise", tuple((2 * t, 2 * r) for t, r in zip(
        (0.02, 0.04, 0.06, 0.08, 0.10), (0.002, 0.004, 0.006, 0.008, 0.010), strict=True)),
        "alignment"),
    "temporal_misalignment": ("temporal_misalignment", (2, 4, 6, 8, 10), "alignment"),  # :332
}


def test_kitti_c_covers_the_27_types_in_order():
    types = [t for group in KITTI_C_TYPES.values() for t in group]
    assert len(types) == 27 and list(kitti_c.TYPES) == types
    entries = [e for t in types for e in kitti_c.TYPES[t]]
    assert list(suites.get("kitti_c").names()) == entries
    assert set(entries) == set(KITTI_C)
    # the types on both sensors: a lidar and a camera entry each
    both = {"snow", "rain", "fog", "strong_sunlight", "moving_object", "shear", "scale",
            "rotation"}
    for t in both:
        assert [get(suites.get("kitti_c").entry(e).corruption).modality
                for e in kitti_c.TYPES[t]] == ["lidar", "camera"]


@pytest.mark.parametrize("name", sorted(KITTI_C))
def test_kitti_c_entries_run_the_published_parameters(name):
    runs, published, group = KITTI_C[name]
    entry = suites.get("kitti_c").entry(name)
    assert (entry.corruption, entry.group) == (runs, group)
    if published is None:  # the registry's own table is the benchmark's
        expected = {"gaussian_noise": IMAGENET_C_GAUSSIAN,
                    "impulse_noise": IMAGENET_C_IMPULSE}.get(runs, get(runs).levels)
        assert get(runs).levels == expected
    else:
        np.testing.assert_allclose(np.asarray(entry.levels, float), np.asarray(published, float),
                                   rtol=0, atol=1e-15)


def test_kitti_c_conversions():
    motion = suites.get("kitti_c").entry("motion_blur")
    for c in motion.levels:  # ImageMotionBlurFrontBack: np.arange(1, 1 + c, 0.005)
        stop, step = motion.to_level(c)
        np.testing.assert_array_equal(np.arange(1.0, stop, step), np.arange(1, 1 + c, 0.005))
    temporal = suites.get("kitti_c").entry("temporal_misalignment")
    assert [temporal.to_level(f) for f in temporal.levels] == [200, 400, 600, 800, 1000]


# --- end to end: suite sets on the tiny scene ----------------------------------------------
def _mini_with(sets: list) -> dict:
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["corruptions"] = copy.deepcopy(sets)
    return data


@pytest.fixture(scope="module")
def suite_samples():
    sets = [{"name": "r3d", "suite": "robo3d", "corruptions": ["beam_missing", "crosstalk"],
             "policy": "grid"},
            {"name": "kc", "suite": "kitti_c",
             "corruptions": ["local_density_decrease", "strong_sunlight_lidar"],
             "policy": "grid"}]
    engine = Engine(scene_from_dict(_mini_with(sets), source=str(MINI)), seed=3)
    clean = Engine(MINI, seed=3).sample(1)
    return clean, engine.sample(1)


def test_robo3d_grid_gives_each_corruption_at_each_level(suite_samples):
    clean, noisy = suite_samples
    for slot in range(6):
        which, level = divmod(slot, 3)
        assert noisy[f"corrupted/r3d/{slot}/severity"].tolist() == [
            level + 1 if i == which else 0 for i in range(2)]
    assert "corrupted/r3d/6/applied" not in noisy
    # slot 2: beam_missing heavy = 48 of 64 beams = 12 of the VLP-16's rings, every capture
    rng_rows = noisy["corrupted/r3d/2/lidar/lid/range"]
    for f in range(len(rng_rows)):
        assert np.all(rng_rows[f] == 0, axis=1).sum() >= 12
        rng = rng_for(3, 1, STREAM_CORRUPTION, named_stream("r3d"), 2,
                      named_stream("beam_missing"), named_stream("lidar/lid"), f)
        capture = {k: clean[f"lidar/lid/{k}"][f] for k in ("range", "intensity", "xyz")}
        expected = get("beam_missing").fn(capture, 0.75, rng, {})
        np.testing.assert_array_equal(rng_rows[f], expected.data["range"])


def test_kitti_c_object_and_sunlight_entries_in_a_scene(suite_samples):
    clean, noisy = suite_samples
    inst = clean["lidar/lid/instance"]
    rng_clean = clean["lidar/lid/range"]
    for slot, severity in ((4, 5), (9, 5)):
        assert noisy[f"corrupted/kc/{slot}/severity"].tolist() == (
            [severity, 0] if slot < 5 else [0, severity])
    # local density decrease at 5 (50 %): each object loses int(0.5 n) of its n returns,
    # nothing else changes
    out = noisy["corrupted/kc/4/lidar/lid/range"]
    for f in range(len(out)):
        live = rng_clean[f] > 0
        for obj in np.unique(inst[f][live & (inst[f] > 0)]):
            on = live & (inst[f] == obj)
            assert (out[f][on] == 0).sum() == int(0.5 * on.sum())
        np.testing.assert_array_equal(out[f][inst[f] == 0], rng_clean[f][inst[f] == 0])
    # strong sunlight at 5 under mini's (relative) light from above: int(5 % · n) returns
    # pulled nearer along their beams
    out = noisy["corrupted/kc/9/lidar/lid/range"]
    params = json.loads(bytes(noisy["corrupted/kc/9/params_json"]).rstrip(b"\0"))
    for f in range(len(out)):
        n = int((rng_clean[f] > 0).sum())
        changed = out[f] != rng_clean[f]
        assert changed.sum() == int(0.05 * n)
        assert np.all(out[f][changed] < rng_clean[f][changed])
        assert params["strong_sunlight_lidar"]["lidar/lid"][f]["sun_up"] == 1.0
