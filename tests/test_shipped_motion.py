"""The moving parts of the shipped street and warehouse scenes, on drawn instances (no
rendering): the street's sensors ride the ego, which drives along its lane at 5-10 m/s with
traffic in both directions, a cyclist and pedestrians walking the sidewalks; the
warehouse's van drives down the aisle; and no vehicle's bounding box meets another object's
at the start or at any capture (they start where nothing stands and drive clear)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from simengine import Engine
from simengine.geometry.transforms import quat_from_euler
from simengine.instance import boxes_overlap, world_aabb
from simengine.instance.paths import PathMotion

ROOT = Path(__file__).resolve().parents[1]
VEHICLES = {"street": {"ego", "traffic_ahead", "traffic_oncoming", "cyclist"},
            "warehouse": {"van"}}
SAMPLES = range(12)


def box_at(obj, t: float):
    """World bounding box of an object at time t (a moving actor where its path puts it)."""
    lo = np.asarray(obj.center) - np.asarray(obj.size) / 2
    hi = np.asarray(obj.center) + np.asarray(obj.size) / 2
    if obj.motion is None:
        return world_aabb(lo, hi, obj.position, obj.orientation)
    pt = PathMotion(obj.motion["path"], obj.motion["speed"], obj.motion["loop"]).at(t)
    return world_aabb(lo, hi, (*pt.xy, obj.position[2]), quat_from_euler(0.0, 0.0, pt.yaw))


@pytest.fixture(scope="module", params=sorted(VEHICLES))
def instances(request):
    engine = Engine(ROOT / "scenes" / f"{request.param}.yaml", 0)
    return request.param, engine, [engine.instance(i) for i in SAMPLES]


def test_vehicles_start_and_drive_clear_of_everything(instances):
    name, engine, drawn = instances
    times = (0.0, *engine.spec.schedule.capture_times)
    # a surface (the street's road) is what they drive on, not something to keep clear of
    surfaces = {g.name for g in engine.spec.groups if g.template.surface}
    for inst in drawn:
        vehicles = [o for o in inst.objects if o.group in VEHICLES[name]]
        assert vehicles and all(o.motion is not None for o in vehicles)
        for v in vehicles:
            for other in inst.objects:
                if other is v or other.group in surfaces:
                    continue
                for t in times:
                    assert not boxes_overlap(box_at(v, t), box_at(other, t)), (
                        f"sample {inst.index}: {v.group} meets {other.group} at t = {t}")


def test_street_sensors_ride_the_ego_driving_its_lane():
    engine = Engine(ROOT / "scenes" / "street.yaml", 0)
    directions = set()
    for i in SAMPLES:
        inst = engine.instance(i)
        (ego,) = [o for o in inst.objects if o.group == "ego"]
        assert 5.0 <= ego.motion["speed"] <= 10.0 and ego.position[1] == -1.75
        for s in inst.sensors:
            assert s.attach["group"] == "ego" and s.attach["object"] == ego.index
            for t in engine.spec.schedule.capture_times:  # above the ego, moving with it
                pt = PathMotion(ego.motion["path"], ego.motion["speed"], False).at(t)
                position = s.pose_at(t)[0]
                assert math.dist(position[:2], pt.xy) < 0.5
                np.testing.assert_allclose(s.velocity_at(t)[0][:2], pt.velocity, atol=1e-12)
        traffic = [o for o in inst.objects if o.group in ("traffic_ahead", "traffic_oncoming")]
        directions |= {np.sign(o.linear_velocity[0]) for o in traffic}
        assert all(8.3 <= o.motion["speed"] <= 13.9 for o in traffic)
        walkers = [o for o in inst.objects if o.group.startswith("pedestrians")]
        assert walkers
        for w in walkers:  # random walks on the sidewalks (5.5 < |y| < 10)
            ys = np.abs(np.asarray(w.motion["path"])[:, 1])
            assert np.all((ys > 5.5) & (ys < 10.0)) and len(w.motion["path"]) >= 3
    assert directions == {-1.0, 1.0}  # traffic both ways over the samples


def test_street_captures_show_motion():
    scene = yaml.safe_load((ROOT / "scenes" / "street.yaml").read_text(encoding="utf-8"))
    times = scene["simulation"]["capture_times"]
    assert len(times) == 2 and times[1] - times[0] == pytest.approx(0.1)
