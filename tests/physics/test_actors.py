"""Kinematic actors (a group's ``motion``): labelled pose and velocity against the path in
closed form, corner turning, a walking pedestrian's planted feet, spawn at the path start,
pushing a dynamic object, and determinism."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import simengine
from simengine.assets.procedural import generated_mesh
from simengine.attempts import simulate_sample
from simengine.spec.loader import scene_from_dict

W, H = 64, 48
DT = 1.0 / 240.0
PEDESTRIAN = {"stature": 1.75, "step_ratio": 0.41, "gait_phase": 0.0, "upper_color": 1,
              "lower_color": 2, "skin_tone": 1}


def scene(objects: list[dict], capture_times, *, settle_time: float = 0.0) -> object:
    return scene_from_dict({
        "name": "actors",
        "world": {"ground": {"material": "asphalt"},
                  "bounds": {"min": [-60, -60, -1], "max": [60, 60, 20]}, "max_speed": 60},
        "objects": objects,
        "simulation": {"time_step": DT, "settle_time": settle_time,
                       "capture_times": list(capture_times), "duration": max(capture_times)},
        "sensors": [{"name": "cam", "preset": "rgbd_d435_640x480",
                     "overrides": {"width": W, "height": H},
                     "pose": {"position": [0.0, -15.0, 3.0], "look_at": [0.0, 0.0, 0.5]}}],
    }, source="<test_actors>")


def sedan(path, speed, **extra) -> dict:
    return {"name": "car", "template": {"shape": "procedural", "generator": "sedan"},
            "motion": {"path": path, "speed": speed, **extra}}


def yaw_of(q) -> float:
    """Heading of the body's x axis from an xyzw quaternion (rotation-matrix first column)."""
    x, y, z, w = q
    return math.atan2(2 * (x * y + z * w), 1 - 2 * (y * y + z * z))


def test_sedan_on_a_straight_path_moves_at_its_speed():
    times = (0.1, 0.2, 0.5)
    out = simengine.Engine(scene([sedan([[-20, 0], [20, 0]], 10.0)], times,
                                 settle_time=0.25), 0).sample(0)
    pos = out["objects/position"][:, 0]
    vel = out["objects/linear_velocity"][:, 0]
    for f, t in enumerate(times):  # from the path start, at 10 m/s from t = 0
        np.testing.assert_allclose(pos[f], [-20 + 10 * t, 0.0, 0.0], atol=1e-3)
        np.testing.assert_allclose(vel[f], [10.0, 0.0, 0.0], atol=1e-9)
        assert yaw_of(out["objects/orientation"][f, 0]) == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(pos[1] - pos[0], vel[0] * (times[1] - times[0]), atol=1e-3)
    np.testing.assert_allclose(out["objects/angular_velocity"][:, 0], 0.0, atol=1e-12)
    assert int(out["objects/count"]) == 1


def test_heading_follows_a_turning_path_and_the_actor_stops_at_its_end():
    speed = 5.0
    times = (0.5, 2.0, 3.0, 5.0)  # on segment 1, at the corner, on segment 2, past the end
    out = simengine.Engine(scene([sedan([[0, 0], [10, 0], [10, 10]], speed)], times), 0
                           ).sample(0)
    pos, q = out["objects/position"][:, 0], out["objects/orientation"][:, 0]
    vel, ang = out["objects/linear_velocity"][:, 0], out["objects/angular_velocity"][:, 0]
    np.testing.assert_allclose(pos[0], [2.5, 0, 0], atol=1e-9)
    assert yaw_of(q[0]) == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(pos[1], [10, 0, 0], atol=1e-9)  # at the corner: half turned,
    assert yaw_of(q[1]) == pytest.approx(math.pi / 4, abs=1e-9)  # turning at a steady rate
    assert ang[1][2] == pytest.approx((math.pi / 2) / (2 * 1.0) * speed)  # over 2 x 1 m
    np.testing.assert_allclose(pos[2], [10, 5, 0], atol=1e-9)
    assert yaw_of(q[2]) == pytest.approx(math.pi / 2, abs=1e-9)
    np.testing.assert_allclose(vel[2], [0, speed, 0], atol=1e-9)
    np.testing.assert_allclose(pos[3], [10, 10, 0], atol=1e-9)  # stopped at the last point
    np.testing.assert_allclose(vel[3], 0.0, atol=1e-12)


def test_a_looping_actor_comes_round_again():
    square = [[0, 0], [4, 0], [4, 4], [0, 4]]
    out = simengine.Engine(scene([sedan(square, 4.0, loop=True)], (1.0, 5.0)), 0).sample(0)
    # 16 m round: 4 s per lap, so t = 5 s is where t = 1 s was
    np.testing.assert_allclose(out["objects/position"][1, 0], out["objects/position"][0, 0],
                               atol=1e-9)
    np.testing.assert_allclose(out["objects/position"][0, 0], [4, 0, 0], atol=1e-9)


def test_walking_pedestrian_keeps_its_stance_foot_planted_and_above_ground():
    stride = 2 * PEDESTRIAN["step_ratio"] * PEDESTRIAN["stature"]  # the gait's stride
    speed = 0.9 * stride  # ~0.9 cycles/s, a normal cadence
    times = tuple(round(0.05 * i, 4) for i in range(24))
    spec = scene([{"name": "walker", "template": {
        "shape": "procedural", "generator": "pedestrian", "params": PEDESTRIAN},
        "motion": {"path": [[-5, 1], [5, 1]], "speed": speed}}], times)
    _, result = simulate_sample(spec, 0, 0)
    planted = 0
    toes_world, phases = [], []
    for snap in result.snapshots:
        st = snap.objects[0]
        mesh = generated_mesh(st.mesh_source)  # the posed mesh the sensors see at this capture
        R = _matrix(st.orientation)
        world_v = mesh.vertices @ R.T + st.position
        assert world_v[:, 2].min() > -1e-6  # feet never below the ground
        toes_world.append((np.asarray(mesh.meta["toes"]) @ R.T + st.position,
                           np.asarray(mesh.meta["stance"])))
        phases.append(dict(st.mesh_source.params)["gait_phase"])
    for (toe_a, stance_a), (toe_b, stance_b) in itertools.pairwise(toes_world):
        for leg in (0, 1):
            if stance_a[leg] and stance_b[leg]:
                planted += 1
                assert np.linalg.norm(toe_b[leg] - toe_a[leg]) < 0.02  # no foot slide
    assert planted >= 10
    # the limbs do move: the phase advanced by the distance walked over the stride
    assert len(set(phases)) > 15
    assert phases[4] == pytest.approx(speed * times[4] / stride, abs=1 / 256)


def test_actors_spawn_clear_of_each_other_at_their_path_start():
    # two copies on one path would start inside each other: the second is dropped
    group = {**sedan([[0, 0], [30, 0]], 10.0), "count": 2}
    inst = simengine.Engine(scene([group], (0.1,)), 0).instance(0)
    assert len(inst.objects) == 1 and inst.dropped_objects == 1
    assert inst.objects[0].position == (0.0, 0.0, 0.0)
    assert inst.objects[0].motion["path"] == ((0.0, 0.0), (30.0, 0.0))


def test_a_driving_actor_pushes_a_box_in_its_way():
    box = {"name": "crate", "template": {"shape": "box", "size": [0.5, 0.5, 0.5], "mass": 5},
           "position": [6.0, 0.0, 0.25]}
    out = simengine.Engine(scene([sedan([[0, 0], [30, 0]], 8.0), box], (0.05, 1.0)), 0
                           ).sample(0)
    assert out["objects/position"][1, 1, 0] > 6.5  # pushed along +x
    # the actor itself kept its path and speed regardless of the contact
    np.testing.assert_allclose(out["objects/position"][1, 0], [8.0, 0, 0], atol=1e-9)


def test_two_engines_give_identical_samples():
    objects = [sedan([[-10, -2], [10, -2], [10, 8]], {"uniform": [5, 12]}),
               {"name": "walker", "template": {"shape": "procedural",
                                               "generator": "pedestrian"},
                "motion": {"path": [[-3, 3], [3, 3]], "speed": 1.3}}]
    times = (0.0, 0.1)
    a = simengine.Engine(scene(objects, times), 3).sample(1)
    b = simengine.Engine(scene(objects, times), 3).sample(1)
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].tobytes() == b[key].tobytes(), key


def _matrix(q) -> np.ndarray:
    x, y, z, w = q
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def test_a_long_path_fits_in_the_stored_instance():
    angles = np.linspace(0.0, 2 * math.pi, 256, endpoint=False) + 1e-3
    ring = [[40 * math.cos(a) + 1e-9, 40 * math.sin(a) - 1e-9] for a in angles]
    group = {**sedan(ring, 10.0, loop=True), "count": 2,
             "position": [{"uniform": [-0.3, 0.3]}, {"uniform": [-0.3, 0.3]}, 0.0]}
    out = simengine.Engine(scene([group], (0.1,)), 0).sample(0)
    assert int(out["objects/count"]) == 1  # the second copy starts on the first: dropped
    assert out["meta/instance_json"][-1] == 0  # stored, with room to spare


CYCLIST = {"stature": 1.75, "pedal_phase": 0.1, "upper_color": 1, "lower_color": 2,
           "skin_tone": 1, "frame_color": 3, "tyre_width": 0.035, "wheelbase": 1.02}


def test_riding_cyclist_turns_its_cranks_by_the_distance_over_the_development():
    """Crank angle read from the posed mesh's pedals (right pedal about their midpoint,
    0 at the top, forward positive) advances by distance / (pi x wheel diameter x 2.4)
    turns: a 700C rim (622 mm bead seat) with a 35 mm tyre as tall as it is wide."""
    speed, times = 5.0, (0.1, 0.3, 0.5)
    spec = scene([{"name": "rider", "template": {
        "shape": "procedural", "generator": "cyclist", "params": CYCLIST},
        "motion": {"path": [[-5, 1], [15, 1]], "speed": speed}}], times)
    _, result = simulate_sample(spec, 0, 0)
    development = math.pi * (0.622 + 2 * CYCLIST["tyre_width"]) * 2.4  # m per crank turn
    angles = []
    for snap in result.snapshots:
        pedals = np.asarray(generated_mesh(snap.objects[0].mesh_source).meta["pedals"])
        rel = pedals[0] - pedals.mean(axis=0)
        angles.append(math.atan2(rel[0], rel[2]) / (2 * math.pi))  # turns
    assert angles[0] == pytest.approx(CYCLIST["pedal_phase"] + speed * times[0] / development,
                                      abs=1 / 256 + 1e-9)
    for a, b, dt in ((angles[0], angles[1], 0.2), (angles[1], angles[2], 0.2)):
        turned = (b - a) % 1.0
        assert turned == pytest.approx(speed * dt / development, abs=1 / 128 + 1e-9)
