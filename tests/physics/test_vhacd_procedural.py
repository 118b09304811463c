"""``collision: vhacd`` on a procedural object: a ball dropped into a generated mug.

The mug generator (simengine/assets/generators/household.py) lathes a body of outer radius
R = diameter/2 and height H with a floor 1.5 × wall thick. A ball of radius r narrower than
the opening (R - wall) rests on the rim plane, at z = H + r, against the default convex
hull; against VHACD's pieces it drops in and rests on the floor, at z = 1.5 wall + r.
"""

from __future__ import annotations

import pytest

from simengine.instance import sample_instance
from simengine.spec.loader import scene_from_dict

from .test_vhacd import settled_ball_height

MUG = {"height": 0.1, "diameter": 0.095, "wall": 0.005, "handle_reach": 0.03, "color": 0}
BALL = 0.02  # radius: the opening is 2 × 0.0425 m across
# VHACD's pieces follow its voxel grid, not the true surface: a ray down the mug's axis meets
# its floor piece 3.5 mm above the true floor, 4.7 mm at 30 mm off the axis (measured with
# pybullet.rayTest), so the ball sits up to about 5 mm high
VHACD_TOLERANCE = 0.006


def resting_ball_height(collision: str | None) -> float:
    mug = {"shape": "procedural", "generator": "mug", "params": MUG, "mass": 0.4}
    if collision is not None:
        mug["collision"] = collision
    spec = scene_from_dict({
        "name": "mug", "world": {"ground": {"material": "concrete"}},
        "objects": [{"name": "mug", "template": mug},
                    {"name": "ball", "position": [0, 0, MUG["height"] + 3 * BALL],
                     "template": {"shape": "sphere", "radius": BALL, "mass": 0.02,
                                  "restitution": 0.0}}],
        "sensors": [{"name": "cam", "preset": "rgbd_d435_640x480",
                     "pose": {"position": [1, 0, 1], "look_at": [0, 0, 0]}}],
    }, source="<mug>")
    return settled_ball_height(sample_instance(spec, 0, 0))


def test_hull_holds_the_ball_on_the_rim():
    assert resting_ball_height(None) == pytest.approx(MUG["height"] + BALL, abs=0.003)


def test_vhacd_lets_the_ball_onto_the_mug_floor(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMENGINE_CACHE_DIR", str(tmp_path))
    assert resting_ball_height("vhacd") == pytest.approx(1.5 * MUG["wall"] + BALL,
                                                        abs=VHACD_TOLERANCE)
    assert len(list((tmp_path / "vhacd").glob("*.obj"))) == 1
