"""People: a walking pedestrian posed by the gait model, and a cyclist on a bicycle.

Both are built around the point on the ground under the person's pelvis (x = y = 0), x
forward, z up, resting on z = 0: a walking actor is moved along its path by that point, and
the gait keeps its stance foot still on the ground when the point advances by
``meta["stride"]`` per cycle (walking speed = stride x cycles per second; Winter's normal
cadence, ~105 steps/min, is ~0.87 cycles/s). Every piece is a separate closed solid;
pieces overlap at the joints, so the joined mesh is not one watertight surface
(``watertight=False``).
"""

from __future__ import annotations

import numpy as np

from ..mesh import MeshBuilder, PartMesh
from . import Generator, GenParam, gait
from .body import CLOTHING, SKIN, Skeleton, add_body
from .cyclist import CYCLIST_PARAMS, build_cyclist


def pedestrian_skeleton(pose: gait.GaitPose, stature: float) -> Skeleton:
    """Joint centres of a walking body in the pose ``pose`` (body frame of the gait)."""
    h = stature
    pelvis = np.array([0.0, 0.0, pose.pelvis_height])
    neck = pelvis + np.array([0.0, 0.0, (gait.SHOULDER_HEIGHT - gait.HIP_HEIGHT) * h])
    hips = np.stack([np.zeros(2), pose.hip_y, np.full(2, pose.pelvis_height)], axis=1)
    ankles = pose.feet + np.array([0.0, 0.0, gait.ANKLE_HEIGHT * h])
    side = np.array([-1.0, 1.0])
    shoulders = np.stack([np.zeros(2), side * (0.5 * gait.SHOULDER_WIDTH - 0.03) * h,
                          np.full(2, neck[2] - 0.025 * h)], axis=1)
    swing, bend = pose.shoulder, pose.shoulder + pose.elbow
    out = side * 0.02 * h  # arms hang slightly away from the body
    elbows = shoulders + np.stack([np.sin(swing), out, -np.cos(swing)], axis=1) * (
        gait.UPPER_ARM * h)
    wrists = elbows + np.stack([np.sin(bend), out / 2, -np.cos(bend)], axis=1) * (
        gait.FOREARM * h)
    return Skeleton(h, pelvis, neck, hips, pose.knees(h), ankles, pose.feet,
                    pose.foot_pitch, 0.0, shoulders, elbows, wrists)


def _pedestrian(p: dict[str, float]) -> PartMesh:
    stature = p["stature"]
    step = p["step_ratio"] * stature
    pose = gait.gait_pose(p["gait_phase"] % 1.0, stature, step)
    b = MeshBuilder()
    add_body(b, pedestrian_skeleton(pose, stature), int(p["upper_color"]),
             int(p["lower_color"]), int(p["skin_tone"]))
    head_top = pose.pelvis_height + (1.0 - gait.HIP_HEIGHT) * stature
    return b.build({"feet": pose.feet.tolist(), "toes": pose.toes.tolist(),
                    "stance": pose.stance.tolist(),
                    "pelvis_height": pose.pelvis_height, "head_top": head_top,
                    "stride": pose.stride, "step_length": step, "stature": stature})


_CLOTHING_DOC = (f"palette index into simengine.assets.generators.body.CLOTHING "
                 f"(0..{len(CLOTHING) - 1})")

PERSON_PARAMS = {
    "stature": GenParam(1.52, 1.87, "m", "standing height, 5th percentile women to 95th "
                        "percentile men (ANSUR II; docs/references.md#people-anthropometry)"),
    "upper_color": GenParam(0, len(CLOTHING) - 1, "", "top / jacket colour, " + _CLOTHING_DOC,
                            integer=True),
    "lower_color": GenParam(0, len(CLOTHING) - 1, "", "trousers colour, " + _CLOTHING_DOC,
                            integer=True),
    "skin_tone": GenParam(0, len(SKIN) - 1, "", "index into body.SKIN, light to dark",
                          integer=True),
}

GENERATORS = (
    Generator(
        "pedestrian", "person", "pedestrian", "fabric",
        {**PERSON_PARAMS,
         "gait_phase": GenParam(0.0, 1.0, "cycle", "phase of the walking cycle from the "
                                "right heel strike (1 is the pose of 0; "
                                "docs/references.md#people-gait)"),
         "step_ratio": GenParam(0.33, 0.47, "", "step length (half a stride) / stature, "
                                "slow to fast adult walking; ~0.41 at normal cadence "
                                "(docs/references.md#people-gait)")},
        _pedestrian, watertight=False,
        doc="a walking adult: head, torso, pelvis, arms, legs and shoes as separate closed "
            "solids posed by the gait; meta gives the feet, the pelvis height and the stride"),
    Generator(
        "cyclist", "person", "cyclist", "metal", {**PERSON_PARAMS, **CYCLIST_PARAMS},
        build_cyclist, watertight=False,
        doc="a bicycle (wheels with tyres and rims, frame tubes, handlebar, saddle, cranks) "
            "with a seated rider pedalling; separate closed solids"),
)
