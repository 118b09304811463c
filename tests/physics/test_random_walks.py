"""Random walks (``motion: {random_walk: ...}``): every drawn path lies in its area with the
stated number of legs, each at least min_leg long; the path is a pure function of seed and
sample (the same twice, different across samples); the actor starts at its first point and
moves along it at its speed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import simengine
from simengine.errors import SpecError
from simengine.spec.loader import scene_from_dict

AREA = [[-10.0, 6.0], [10.0, 9.5]]  # relative to the group's position below
ORIGIN = (2.0, -1.0)


def walk_scene(walk: dict, count=3, speed=1.4, loop=False) -> dict:
    return {
        "name": "walks",
        "world": {"ground": {"material": "asphalt"},
                  "bounds": {"min": [-60, -60, -1], "max": [60, 60, 20]}},
        "objects": [{"name": "walkers", "count": count, "position": [*ORIGIN, 0.9],
                     "template": {"shape": "capsule", "radius": 0.25, "length": 1.2},
                     "motion": {"random_walk": walk, "speed": speed, "loop": loop}}],
        "simulation": {"capture_times": [0.5], "duration": 0.5},
        "sensors": [{"name": "cam", "preset": "rgbd_d435_640x480",
                     "overrides": {"width": 64, "height": 48},
                     "pose": {"position": [0, -15, 3], "look_at": [0, 0, 0.5]}}],
    }


def paths(engine: simengine.Engine, index: int) -> list[tuple]:
    return [o.motion["path"] for o in engine.instance(index).objects]


def test_walks_stay_in_the_area_with_their_legs_and_min_leg():
    spec = scene_from_dict(walk_scene({"area": AREA, "legs": {"randint": [2, 5]},
                                       "min_leg": 2.0}), source="<t>")
    engine = simengine.Engine(spec, 7)
    seen_legs = set()
    for index in range(8):
        for path in paths(engine, index):
            pts = np.asarray(path)
            assert np.all(pts[:, 0] >= AREA[0][0] + ORIGIN[0])
            assert np.all(pts[:, 0] <= AREA[1][0] + ORIGIN[0])
            assert np.all(pts[:, 1] >= AREA[0][1] + ORIGIN[1])
            assert np.all(pts[:, 1] <= AREA[1][1] + ORIGIN[1])
            legs = np.hypot(*np.diff(pts, axis=0).T)
            assert np.all(legs >= 2.0)
            seen_legs.add(len(legs))
    assert seen_legs <= {2, 3, 4, 5} and len(seen_legs) >= 2


def test_a_looping_walk_closes_with_a_leg_of_min_length():
    spec = scene_from_dict(walk_scene({"area": AREA, "legs": 3, "min_leg": 3.0}, loop=True),
                           source="<t>")
    for path in paths(simengine.Engine(spec, 1), 0):
        assert len(path) == 4 and math.dist(path[-1], path[0]) >= 3.0


def test_walks_are_a_pure_function_of_seed_and_sample():
    spec = scene_from_dict(walk_scene({"area": AREA, "legs": 4}), source="<t>")
    a, b = simengine.Engine(spec, 3), simengine.Engine(spec, 3)
    assert paths(a, 0) == paths(b, 0)
    assert paths(a, 0) != paths(a, 1)
    assert paths(a, 0) != paths(simengine.Engine(spec, 4), 0)
    walkers = paths(a, 0)
    assert len({p[0] for p in walkers}) == len(walkers)  # each actor its own walk


def test_walker_starts_at_its_first_point_and_moves_at_its_speed():
    spec = scene_from_dict(walk_scene({"area": AREA, "legs": 1, "min_leg": 5.0}, count=1,
                                      speed=1.5), source="<t>")
    engine = simengine.Engine(spec, 0)
    (path,) = paths(engine, 0)
    out = engine.sample(0)
    (x0, y0), (x1, y1) = path
    u = np.array([x1 - x0, y1 - y0]) / math.dist(path[0], path[1])
    expected = np.array([x0, y0]) + u * 1.5 * 0.5  # 0.5 s in, on the one leg (>= 5 m)
    np.testing.assert_allclose(out["objects/position"][0, 0, :2], expected, atol=1e-9)
    np.testing.assert_allclose(out["objects/linear_velocity"][0, 0, :2], 1.5 * u, atol=1e-9)


@pytest.mark.parametrize("motion, where, message", [
    ({"path": [[0, 0], [1, 0]], "random_walk": {"area": AREA, "legs": 2}, "speed": 1},
     "objects[0].motion", "expected either path or random_walk"),
    ({"speed": 1}, "objects[0].motion", "expected either path or random_walk"),
    ({"random_walk": {"area": [[1, 0], [0, 1]], "legs": 2}, "speed": 1},
     "objects[0].motion.random_walk.area", "x0 < x1"),
    ({"random_walk": {"area": AREA, "legs": 0}, "speed": 1},
     "objects[0].motion.random_walk.legs", ">= 1"),
    ({"random_walk": {"area": [[0, 0], [2, 2]], "legs": 2, "min_leg": 2}, "speed": 1},
     "objects[0].motion.random_walk.min_leg", "half the area's diagonal"),
    ({"random_walk": {"area": AREA, "legs": 2, "turns": 3}, "speed": 1},
     "objects[0].motion.random_walk.turns", "unknown"),
])
def test_random_walk_is_validated(motion, where, message):
    scene = walk_scene({})
    scene["objects"][0]["motion"] = motion
    with pytest.raises(SpecError) as info:
        scene_from_dict(scene, source="<t>")
    assert info.value.path == where, str(info.value)
    assert message in str(info.value)
