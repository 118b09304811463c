"""The engine's contracts: every shipped scene renders with its declared layout, samples are
pure functions of (scene, seed, k) whatever the thread count, the instance is stored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import simengine
import simengine.spec.loader
from tests.conftest import assert_samples_equal, on_one_and_two_threads

SCENES = sorted((Path(__file__).resolve().parents[1] / "scenes").glob("*.yaml"))


def test_three_or_more_scenes_ship():
    assert {p.stem for p in SCENES} >= {"tabletop", "indoor_room", "outdoor_yard"}


@pytest.mark.parametrize("path", SCENES, ids=[p.stem for p in SCENES])
def test_shipped_scene_renders_its_declared_layout(path):
    engine = simengine.Engine(path, seed=0)
    sample = engine.sample(0)
    layout = engine.outputs()
    assert sample.keys() == layout.keys()
    for key, spec in layout.items():
        assert sample[key].shape == spec.shape and sample[key].dtype == np.dtype(spec.dtype)
    kinds = {k.split("/")[0] for k in sample}
    assert {"camera", "lidar", "audio", "objects", "events", "meta"} <= kinds
    n = int(sample["objects/count"])
    assert n >= 1 and n == len(simengine.decode_instance(sample["meta/instance_json"]).objects)
    # something is seen and heard
    cam = next(k for k in sample if k.endswith("/instance") and k.startswith("camera"))
    assert (sample[cam] > 0).any()
    rng = next(k for k in sample if k.endswith("/range"))
    assert (sample[rng] > 0).mean() > 0.2
    wav = next(k for k in sample if k.endswith("/waveform"))
    assert np.isfinite(sample[wav]).all() and np.abs(sample[wav]).max() > 0


def samples_with_threads(spec, seed: int, k: int) -> tuple[dict, dict]:
    """Sample k rendered with one Numba thread and with two (a fresh engine each time)."""
    return on_one_and_two_threads(lambda: simengine.Engine(spec, seed=seed).sample(k))


def test_samples_do_not_depend_on_thread_count(mini_scene_path):
    one, many = samples_with_threads(simengine.load_scene(mini_scene_path), 5, 2)
    assert_samples_equal(one, many)


def test_sample_order_does_not_matter(mini_scene_path):
    spec = simengine.load_scene(mini_scene_path)
    e = simengine.Engine(spec, seed=1)
    forward = [e.sample(k) for k in range(3)]
    e2 = simengine.Engine(spec, seed=1)
    backward = [e2.sample(k) for k in (2, 1, 0)][::-1]
    for a, b in zip(forward, backward, strict=True):
        assert_samples_equal(a, b)


def test_seed_zero_is_a_seed_and_bad_seeds_are_refused(mini_scene_path):
    spec = simengine.load_scene(mini_scene_path)
    a = simengine.Engine(spec, seed=0).sample(0)
    b = simengine.Engine(spec, seed=1).sample(0)
    assert not np.array_equal(a["objects/position"], b["objects/position"])
    for bad in (-1, 1.5, True, "0"):
        with pytest.raises(ValueError):
            simengine.Engine(spec, seed=bad)
    with pytest.raises(ValueError):
        simengine.Engine(spec, seed=0).sample(-1)


def test_stored_instance_replays_the_scene(mini_scene_path):
    engine = simengine.Engine(mini_scene_path, seed=3)
    sample = engine.sample(4)
    inst = simengine.decode_instance(sample["meta/instance_json"])
    assert inst == engine.instance(4, int(sample["meta/attempt"]))
    assert inst.root_seed == 3 and inst.index == 4
    for obj in inst.objects:
        assert sample["objects/class_id"][obj.index] == obj.class_id
        assert sample["objects/instance_id"][obj.index] == obj.index + 1
    assert (sample["objects/class_id"][len(inst.objects):] == -1).all()


def _world_box(obj) -> tuple[np.ndarray, np.ndarray]:
    """World AABB of an object's local box, from its 8 corners (scipy's rotation, not ours)."""
    from scipy.spatial.transform import Rotation

    signs = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)])
    corners = np.asarray(obj.center) + signs * np.asarray(obj.size) / 2
    world = Rotation.from_quat(obj.orientation).apply(corners) + np.asarray(obj.position)
    return world.min(axis=0), world.max(axis=0)


def test_objects_do_not_overlap_at_spawn(mini_scene_path):
    engine = simengine.Engine(mini_scene_path, seed=0)
    for k in range(30):
        boxes = [_world_box(o) for o in engine.instance(k).objects]
        for i, (lo, hi) in enumerate(boxes):
            assert lo[2] >= -1e-9  # above the ground
            for lo2, hi2 in boxes[:i]:
                assert not (np.all(lo < hi2) and np.all(lo2 < hi))


def test_camera_with_every_effect_is_thread_count_independent(mini_scene_path):
    """Noise, blur, rolling shutter, distortion, depth noise, textures and shadows on: the
    samples are byte-identical with 1 thread and with 2."""
    import yaml

    raw = yaml.safe_load(mini_scene_path.read_text())
    raw["world"]["ground"]["texture"] = {"kind": "noise", "scale": 0.2}
    raw["world"]["light"] = {"direction": [0.3, 0.2, -1.0], "shadows": True}
    raw["sensors"][0]["overrides"].update({
        "distortion": [-0.2, 0.05, 0.001, 0.0, 0.0], "noise_random": True,
        "vignetting_cos4": True, "motion_blur_s": 0.02, "motion_blur_samples": 3,
        "rolling_shutter_s": 0.02, "depth_noise": True, "output_range": True})
    raw["sensors"][0]["pose"]["velocity"] = [0.2, 0.0, 0.0]
    spec = simengine.spec.loader.scene_from_dict(raw, source=str(mini_scene_path))
    one, many = samples_with_threads(spec, 2, 1)
    assert_samples_equal(one, many)
    assert (one["camera/cam/depth_sensor"] != one["camera/cam/depth"]).any()
    assert one["camera/cam/effects/noise_shot"].min() > 0


def test_semantic_masks_agree_with_instances_and_object_classes(mini_scene_path):
    """Camera and lidar classes: an object pixel carries its object's class id from the
    labels; a hit with no object is ground (class 1); a miss is background (0)."""
    s = simengine.Engine(mini_scene_path, seed=4).sample(0)
    class_of = np.concatenate([[1], s["objects/class_id"]])  # instance 0 hit = ground here
    for key, hit in (("camera/cam", s["camera/cam/depth"] > 0),
                     ("lidar/lid", s["lidar/lid/range"] > 0)):
        inst, sem = s[f"{key}/instance"], s[f"{key}/semantic"]
        assert (inst > 0).any() and (hit & (inst == 0)).any()
        np.testing.assert_array_equal(sem[hit], class_of[inst[hit]])
        assert np.all(sem[~hit] == 0)
