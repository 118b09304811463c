"""Procedural objects end to end: a scene names a generator and its parameters, the sampler
draws them, physics, sensors and labels all see the generated mesh.

References independent of the engine: trimesh's bounds of the generated mesh, OpenCV's
projection (``cv2.projectPoints``), and closed-form ray/plane and point/box geometry.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from simengine.assets import generate
from simengine.engine import Engine
from simengine.geometry.transforms import quat_to_matrix
from simengine.labels import decode_instance
from simengine.spec.loader import load_scene

SCENE = Path(__file__).resolve().parents[1] / "data" / "scenes" / "procedural.yaml"
MM = 1e-3
CARTON = {"length": 0.4, "width": 0.3, "height": 0.2}  # as the scene fixes them


@pytest.fixture(scope="module")
def spec():
    return load_scene(SCENE)


@pytest.fixture(scope="module")
def sample0(spec):
    return Engine(spec, seed=0).sample(0)


@pytest.fixture(scope="module")
def instance0(sample0):
    return decode_instance(sample0["meta/instance_json"])


def index_of(instance, group: str) -> int:
    return next(o.index for o in instance.objects if o.group == group)


def test_class_and_material_default_to_the_generator(spec, instance0) -> None:
    assert "box" in spec.classes  # cardboard_box's label
    for o in instance0.objects:
        assert (o.shape, o.generator, o.class_name, o.material) == \
            ("procedural", "cardboard_box", "box", "cardboard")


def test_box_labels_are_the_trimesh_bounds_of_the_generated_mesh(sample0, instance0) -> None:
    for o in instance0.objects:
        lo, hi = generate(o.generator, o.params).to_trimesh().bounds
        i = o.index
        np.testing.assert_allclose(sample0["objects/size"][i], hi - lo, atol=MM)
        np.testing.assert_allclose(sample0["objects/box_center_local"][i], (lo + hi) / 2,
                                   atol=MM)
        R = quat_to_matrix(sample0["objects/orientation"][0, i])
        world_center = R @ ((lo + hi) / 2) + sample0["objects/position"][0, i]
        np.testing.assert_allclose(sample0["objects/box3d_center"][0, i], world_center,
                                   atol=MM)
    carton = instance0.objects[index_of(instance0, "carton")]
    assert carton.params == CARTON
    np.testing.assert_allclose(sample0["objects/size"][carton.index],
                               [CARTON["length"], CARTON["width"], CARTON["height"]], atol=MM)


def test_objects_rest_on_the_ground_and_the_fixed_one_stays(sample0, instance0) -> None:
    for o in instance0.objects:
        i = o.index
        R = quat_to_matrix(sample0["objects/orientation"][0, i])
        lo, hi = generate(o.generator, o.params).to_trimesh().bounds
        corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])
                            for z in (lo[2], hi[2])])
        bottom = (corners @ R.T + sample0["objects/position"][0, i])[:, 2].min()
        assert abs(bottom) < 5 * MM, (o.group, bottom)  # no sinking, no floating
    crate = index_of(instance0, "crate")
    np.testing.assert_allclose(sample0["objects/position"][0, crate], [0.0, 0.8, 0.0],
                               atol=1e-9)


def test_camera_depth_at_the_top_face_centre(sample0, instance0) -> None:
    i = index_of(instance0, "carton")
    R_obj = quat_to_matrix(sample0["objects/orientation"][0, i])
    top_center = R_obj @ np.array([0.0, 0.0, CARTON["height"]]) \
        + sample0["objects/position"][0, i]
    K = sample0["camera/cam/K"].astype(np.float64)
    dist = sample0["camera/cam/distortion"].astype(np.float64)
    T_world_cam = sample0["camera/cam/T_world_cam"][0]
    T_cam_world = np.linalg.inv(T_world_cam)
    rvec, _ = cv2.Rodrigues(T_cam_world[:3, :3])
    uv, _ = cv2.projectPoints(top_center[None], rvec, T_cam_world[:3, 3], K, dist)
    u, v = (round(float(c)) for c in uv.reshape(2))
    assert sample0["camera/cam/instance"][0, v, u] == instance0.objects[i].instance_id
    # closed form: the ray through that pixel's centre meets the top face's plane
    ray = cv2.undistortPoints(np.array([[[u, v]]], np.float64), K, dist).reshape(2)
    d_cam = np.array([ray[0], ray[1], 1.0])  # z = 1: its scale is the z-depth
    d_world = T_world_cam[:3, :3] @ d_cam
    normal = R_obj[:, 2]
    depth = normal @ (top_center - T_world_cam[:3, 3]) / (normal @ d_world)
    assert sample0["camera/cam/depth"][0, v, u] == pytest.approx(depth, abs=MM)


def test_lidar_returns_lie_on_the_generated_boxes(sample0, instance0) -> None:
    hits = sample0["lidar/lid/instance"][0]
    xyz = sample0["lidar/lid/xyz"][0].astype(np.float64)
    T = sample0["lidar/lid/T_world_lidar"][0]
    seen = 0
    for o in instance0.objects:
        mask = hits == o.instance_id
        if not mask.any():
            continue
        seen += 1
        points = xyz[mask] @ T[:3, :3].T + T[:3, 3]
        R = quat_to_matrix(sample0["objects/orientation"][0, o.index])
        center = sample0["objects/box3d_center"][0, o.index]
        half = sample0["objects/size"][o.index].astype(np.float64) / 2
        local = (points - center) @ R  # R^T (p - c), row-wise
        # distance to the box surface: 0 on a face, whether just inside or outside
        outside = np.linalg.norm(np.maximum(np.abs(local) - half, 0.0), axis=1)
        inside = np.clip((half - np.abs(local)).min(axis=1), 0.0, None)
        np.testing.assert_array_less(outside + inside, MM, err_msg=o.group)
    assert seen >= 2


def test_two_engines_give_identical_samples(spec, sample0) -> None:
    again = Engine(spec, seed=0).sample(0)
    assert sorted(again) == sorted(sample0)
    for key, value in sample0.items():
        assert again[key].dtype == value.dtype and again[key].tobytes() == value.tobytes(), key


def test_a_drawn_parameter_varies_and_is_recorded(spec, sample0, instance0) -> None:
    sample1 = Engine(spec, seed=0).sample(1)
    instance1 = decode_instance(sample1["meta/instance_json"])
    heights = []
    for sample, instance in ((sample0, instance0), (sample1, instance1)):
        o = instance.objects[index_of(instance, "parcel")]
        assert 0.1 <= o.params["height"] <= 0.3
        assert (o.params["length"], o.params["width"]) == (0.2, 0.2)
        np.testing.assert_allclose(sample["objects/size"][o.index],
                                   [o.params["length"], o.params["width"], o.params["height"]],
                                   atol=MM)
        heights.append(o.params["height"])
    assert abs(heights[0] - heights[1]) > MM


def test_instance_round_trip_keeps_the_params(instance0) -> None:
    from simengine.instance import SceneInstance

    assert SceneInstance.from_dict(instance0.to_dict()) == instance0


def test_spec_round_trips_through_plain_data(spec) -> None:
    from simengine.spec.loader import scene_from_dict

    again = scene_from_dict(spec.to_dict(), source=str(SCENE))
    assert again.groups == spec.groups
    assert again.classes == spec.classes


def test_unset_params_are_drawn_over_the_generators_ranges(tmp_path: Path) -> None:
    from simengine.assets import generator
    from simengine.spec.distributions import Uniform

    scene = tmp_path / "s.yaml"
    scene.write_text("name: s\nobjects:\n  - template: {shape: procedural, "
                     "generator: cardboard_box, params: {height: 0.2}, class: carton}\n"
                     "sensors:\n  - {name: cam, preset: rgbd_d435_640x480, pose: "
                     "{position: [2, 0, 1], look_at: [0, 0, 0]}}\n", encoding="utf-8")
    t = load_scene(scene).groups[0].template
    ranges = generator("cardboard_box").params
    assert t.params["length"] == Uniform(ranges["length"].low, ranges["length"].high)
    assert t.params["width"] == Uniform(ranges["width"].low, ranges["width"].high)
    assert list(t.params) == list(ranges)  # the generator's order: the draw order


def test_the_stores_shape_names_index_procedural_objects(spec, sample0, instance0) -> None:
    from simengine.jobs.layout import shape_names

    names = shape_names(spec)
    for o in instance0.objects:
        assert names[sample0["objects/shape"][o.index]] == "procedural"
    mini = load_scene(SCENE.parent / "mini.yaml")
    assert "procedural" not in shape_names(mini)  # other stores keep their attributes
