"""Sensors riding an actor (``pose: {attach: GROUP}``): the mount pose composed with the
actor's true pose in closed form, a static wall coming nearer by v x dt for the camera and
the lidar of a moving ego, the recorded instance, and the validation of ``attach``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import simengine
from simengine.errors import SpecError
from simengine.instance import SceneInstance
from simengine.spec.loader import scene_from_dict

W, H = 64, 48
SPEED = 5.0
LIDAR_STATIC = {"columns": 360, "range_noise_std": 0.0, "beam_divergence_mrad": 0.0,
                "detection_range_m": None, "snr_noise": None}


def rot_z(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def rot_y(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


# OpenCV optical frame (x right, y down, z forward) in the body frame (x forward, z up)
R_BODY_OPTICAL = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])


def ego_scene(path, times, sensors, *, extra_objects=(), count=1, motion=True) -> dict:
    ego = {"name": "ego", "template": {"shape": "box", "size": [4.0, 1.8, 1.4]},
           "count": count, "position": [0.0, 0.0, 0.7]}
    if motion:
        ego["motion"] = {"path": path, "speed": SPEED}
    return {
        "name": "ego",
        "world": {"ground": {"material": "asphalt"},
                  "bounds": {"min": [-60, -60, -1], "max": [60, 60, 20]}, "max_speed": 60},
        "objects": [ego, *extra_objects],
        "simulation": {"capture_times": list(times), "duration": max(times)},
        "sensors": sensors,
    }


def camera(**pose) -> dict:
    return {"name": "cam", "preset": "rgbd_d435_640x480",
            "overrides": {"width": W, "height": H, "far": 60.0},
            "pose": {"attach": "ego", **pose}}


def test_attached_camera_pose_is_actor_pose_times_mount_pose():
    """On the second leg of an L path (heading +y), at two capture times: T_world_cam =
    [Rz(90°), (10, y(t), 0.7)] x [Ry(pitch), mount] x R_body_optical, y(t) = v t - 10."""
    times = (2.5, 3.0)
    mount, pitch = np.array([1.2, -0.3, 0.9]), math.radians(10.0)
    spec = scene_from_dict(ego_scene([[0, 0], [10, 0], [10, 10]], times,
                                     [camera(position=mount.tolist(),
                                             euler_deg=[0, 10, 0])]), source="<t>")
    out = simengine.Engine(spec, 0).sample(0)
    for f, t in enumerate(times):
        actor = np.array([10.0, SPEED * t - 10.0, 0.7])
        R_actor = rot_z(math.pi / 2)
        expected = np.eye(4)
        expected[:3, :3] = R_actor @ rot_y(pitch) @ R_BODY_OPTICAL
        expected[:3, 3] = actor + R_actor @ mount
        np.testing.assert_allclose(out["camera/cam/T_world_cam"][f], expected, atol=1e-9)
        np.testing.assert_allclose(out["objects/position"][f, 0], actor, atol=1e-9)


def test_attached_sensor_velocity_includes_the_turn():
    """Half a metre before the corner the actor turns at delta / (2 x 1 m) x v and has
    turned by a quarter of delta while still moving along +x: a mount 1.2 m ahead moves with
    v + omega x r (world)."""
    spec = scene_from_dict(ego_scene([[0, 0], [10, 0], [10, 10]], (1.9,),
                                     [camera(position=[1.2, 0.0, 0.9])]), source="<t>")
    inst = simengine.Engine(spec, 0).instance(0)
    s = inst.sensor("cam")
    v, w = s.velocity_at(1.9)
    omega = (math.pi / 2) / 2.0 * SPEED
    yaw = math.pi / 8
    r = rot_z(yaw) @ np.array([1.2, 0.0, 0.9])
    np.testing.assert_allclose(w, [0, 0, omega], atol=1e-12)
    np.testing.assert_allclose(v, np.array([SPEED, 0, 0]) + np.cross([0, 0, omega], r),
                               atol=1e-9)
    # the t = 0 state is written into the constant-velocity fields for their readers
    np.testing.assert_allclose(s.position, [1.2, 0.0, 1.6], atol=1e-12)
    np.testing.assert_allclose(s.linear_velocity, [SPEED, 0, 0], atol=1e-12)
    # and the instance round-trips with its attachment (recorded only for attached sensors)
    d = inst.to_dict()
    assert d["sensors"][0]["attach"]["group"] == "ego"
    again = SceneInstance.from_dict(d).sensor("cam")
    for t in (0.5, 2.0, 2.9):
        for a, b in zip(again.pose_at(t), s.pose_at(t), strict=True):
            np.testing.assert_allclose(a, b, atol=0)


def wall(x: float) -> dict:
    return {"name": "wall", "template": {"shape": "box", "size": [0.2, 40.0, 10.0],
                                          "fixed": True}, "position": [x + 0.1, 0.0, 5.0]}


def test_moving_ego_sees_a_static_wall_come_nearer_by_v_dt():
    """Ego driving +x at 5 m/s towards a wall whose face is at x = 30: between captures
    0.1 s apart, the camera's centre depth and the lidar's forward range both shrink by
    v x dt = 0.5 m (the lidar's beam fires at the same offset from each capture)."""
    times = (0.2, 0.3)
    sensors = [camera(position=[1.0, 0.0, 0.8], euler_deg=[0, 0, 0]),
               {"name": "l", "preset": "vlp16", "overrides": LIDAR_STATIC,
                "pose": {"attach": "ego", "position": [0.0, 0.0, 1.2]}}]
    spec = scene_from_dict(ego_scene([[0, 0], [25, 0]], times, sensors,
                                     extra_objects=[wall(30.0)]), source="<t>")
    out = simengine.Engine(spec, 0).sample(0)
    depth = out["camera/cam/depth"][:, H // 2 - 1:H // 2 + 1, W // 2 - 1:W // 2 + 1]
    for f, t in enumerate(times):
        np.testing.assert_allclose(depth[f], 30.0 - (SPEED * t + 1.0), atol=2e-3)
    np.testing.assert_allclose(depth[0] - depth[1], SPEED * 0.1, atol=1e-3)
    az = out["lidar/l/azimuth"].astype(np.float64)
    el = out["lidar/l/elevation"].astype(np.float64)
    row = int(np.argmin(np.abs(el)))
    col = int(np.argmin(np.abs(az)))
    rng = out["lidar/l/range"][:, row, col].astype(np.float64)
    # the beam points along x within a degree: its range is the wall's distance / cos
    assert rng[0] - rng[1] == pytest.approx(SPEED * 0.1 / (math.cos(math.radians(el[row]))
                                                            * math.cos(math.radians(az[col]))),
                                            abs=2e-3)


@pytest.mark.parametrize("change, message", [
    ({"attach": "nobody"}, "expected the name of an object group (ego)"),
    ({"motion": False}, "expected a group with motion"),
    ({"count": 2}, "expected a group of count 1"),
    ({"count": {"randint": [1, 2]}}, "expected a group of count 1"),
])
def test_attach_is_validated(change, message):
    scene = ego_scene([[0, 0], [25, 0]], (0.1,), [camera(position=[0, 0, 1])],
                      count=change.get("count", 1), motion=change.get("motion", True))
    if "attach" in change:
        scene["sensors"][0]["pose"]["attach"] = change["attach"]
    with pytest.raises(SpecError) as info:
        scene_from_dict(scene, source="<t>")
    assert info.value.path == "sensors[0].pose.attach"
    assert message in str(info.value)


def test_attached_microphone_hears_a_fixed_tone_doppler_shifted():
    """An array riding the ego at 20 m/s straight at a fixed 1 kHz tone hears f (c + v) / c
    (speed of sound 343 m/s, the array's model)."""
    from tests.sensors.test_audio_array import C, peak_frequency

    v, f0 = 20.0, 1000.0
    scene = ego_scene([[0, 0], [40, 0]], (1.0,), [
        {"name": "mic", "preset": "circular4_r32mm",
         "pose": {"attach": "ego", "position": [0.0, 0.0, 1.0]}}])
    scene["objects"][0]["motion"]["speed"] = v
    scene["audio"] = {"ground_reflection": False, "sources": [
        {"name": "tone", "kind": "tone", "position": [60.0, 0.0, 1.7], "frequency": f0,
         "level_db_spl": 90.0}]}
    out = simengine.Engine(scene_from_dict(scene, source="<t>"), 0).sample(0)
    y = out["audio/mic/waveform"][0].astype(np.float64)  # (capsules, samples)
    fs = 16000
    seg = y[int(0.3 * fs):int(0.95 * fs)]
    assert peak_frequency(seg) == pytest.approx(f0 * (C + v) / C, abs=0.5)


def test_a_sensor_whose_actor_is_evicted_stops_the_sample_with_its_key_path():
    """A fixed block listed after the ego, where the ego starts, evicts it at every attempt:
    the sensor has nothing to ride, and the sample is refused naming pose.attach."""
    block = {"name": "block", "template": {"shape": "box", "size": [2.0, 2.0, 2.0],
                                           "fixed": True}, "position": [0.0, 0.0, 1.0]}
    scene = ego_scene([[0, 0], [25, 0]], (0.1,), [camera(position=[0.0, 0.0, 3.0])],
                      extra_objects=[block])
    scene["world"]["max_attempts"] = 2
    with pytest.raises(SpecError) as info:
        simengine.Engine(scene_from_dict(scene, source="<t>"), 0).sample(0)
    assert info.value.path == "sensors[0].pose.attach"
    assert "the actor 'ego' the sensor rides was left out" in str(info.value)


def test_motion_within_a_capture_is_the_actors_at_that_capture():
    """On the second leg of an L path the camera's render pose moves along +y and a riding
    array's capsules follow the path through the corner (within 1 µm of the exact pose at
    every output sample; the rotation within 1e-5 while it turns at 3.9 rad/s), not the
    straight line of the velocity at t = 0."""
    from simengine.sensors.camera.sensor import Camera
    from simengine.sensors.microphone.propagation import ArrayMotion

    times = (2.5, 3.0)
    array = {"name": "mics", "preset": "circular4_r32mm",
             "pose": {"attach": "ego", "position": [0.5, 0.0, 1.0]}}
    spec = scene_from_dict(ego_scene([[0, 0], [10, 0], [10, 10]], times,
                                     [camera(position=[1.0, 0.0, 1.0]), array]), source="<t>")
    instance = simengine.Engine(spec, 0).instance(0)
    cam = Camera(instance.sensor("cam"), len(times), 1)
    pose = cam.pose_at(2.5)[1]
    np.testing.assert_allclose(pose.linear_velocity, [0.0, SPEED, 0.0], atol=1e-12)
    mics = instance.sensor("mics")
    fs, n = 16000.0, 16000 * 3
    motion = ArrayMotion.build(mics, np.zeros((1, 3)), np.array([[1.0, 0.0, 0.0]]), n, fs)
    for k in range(0, n, 997):  # samples before, through and after the corner (t = 2 s)
        position, R = mics.pose_at(k / fs)
        np.testing.assert_allclose(motion.origin[k], position, atol=1e-6)
        np.testing.assert_allclose(motion.rotation[k], R, atol=1e-5)
    assert motion.origin[-1][1] > 4.0  # well up the second leg
