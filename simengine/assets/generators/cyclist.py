"""A cyclist: a diamond-frame bicycle on 622 mm (ISO 5775 "700C" / 29") rims and a seated
rider whose feet follow the pedals at ``pedal_phase``.

Frame angles and lengths are typical road / hybrid geometry (docs/references.md#people-bicycle);
the saddle is set so the knee is about 25-35 deg flexed at the bottom of the pedal stroke, the
usual bike-fit rule, and the trunk leans until the hands reach the grips.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..mesh import MeshBuilder, PartMesh
from ..shapes import Piece, cylinder, sweep
from . import GenParam, gait
from .body import CLOTHING, Skeleton, add_body, ellipsoid

RIM_BSD = 0.622  # ISO 5775 bead seat diameter of a 700C / 29" rim, metres
CRANK = 0.1725  # crank length (165-175 mm common)
BB_DROP = 0.07  # bottom bracket below the axles
CHAINSTAY = 0.43
SEAT_ANGLE = np.radians(73.0)  # seat tube from horizontal
HEAD_ANGLE = np.radians(72.0)
PEDAL_HALF_SPAN = 0.09  # half the distance between the pedals (Q-factor and pedal)
BAR_HALF_WIDTH = 0.21
TUBE = 0.016  # frame tube radius
SHOE_ON_PEDAL = 0.012  # sole above the pedal axle
KNEE_AT_BOTTOM = 0.96  # hip-to-ankle distance / leg length at the bottom of the stroke

CYCLIST_PARAMS = {
    "pedal_phase": GenParam(0.0, 1.0, "cycle", "crank angle / 360 deg, 0 with the right "
                            "pedal at the top (1 is the pose of 0)"),
    "tyre_width": GenParam(0.025, 0.05, "m", "ETRTO tyre width on a 622 mm rim, road 25 mm "
                           "to trekking 50 mm (docs/references.md#people-bicycle)"),
    "wheelbase": GenParam(0.97, 1.10, "m", "axle to axle, road to city bikes "
                          "(docs/references.md#people-bicycle)"),
    "frame_color": GenParam(0, len(CLOTHING) - 1, "", "palette index of the frame colour "
                            "(body.CLOTHING)", integer=True),
}


def _wheel(b: MeshBuilder, parts, centre, radius: float, tyre: float) -> None:
    tyre_part, rim_part, metal = parts
    # a tube swept once around the circle, its two capped ends meeting at the top: a closed
    # ring; points at the front, back and bottom keep the wheel's extent exact
    steps = 2.0 * np.pi * np.arange(1, 64) / 64
    angles = np.pi / 2 + np.concatenate([[1e-3], steps, [2.0 * np.pi - 1e-3]])
    ring = np.stack([np.cos(angles), np.zeros_like(angles), np.sin(angles)], axis=1)
    b.add(tyre_part, sweep(centre + (radius - tyre / 2) * ring, tyre / 2, 12))
    rim_r = RIM_BSD / 2
    b.add(rim_part, sweep(centre + (rim_r - 0.008) * ring, 0.011, 8))
    b.add(metal, cylinder(0.02, 0.1, 12, centre, axis="y"))
    for k in range(12):
        a = np.pi * k / 6 + 0.1
        d = np.array([np.cos(a), (-1) ** k * 0.05, np.sin(a)])
        hub = centre + d * [0.02, 0.8, 0.02]
        end = centre + np.array([d[0], 0.0, d[2]]) * (rim_r - 0.015)
        b.add(metal, sweep([hub, end], 0.0015, 5))


def _tube(a, b_, r: float = TUBE) -> Piece:
    return sweep([a, b_], r, 12)


def _two_link(root, target, l1: float, l2: float, bend_dir) -> np.ndarray:
    """The middle joint of a two-link chain from ``root`` to ``target``, bent towards
    ``bend_dir`` (the chain is straightened if the target is out of reach)."""
    d = target - root
    dist = float(np.linalg.norm(d))
    u = d / dist
    dist = min(dist, (l1 + l2) * 0.999)
    along = (l1 * l1 - l2 * l2 + dist * dist) / (2 * dist)
    off = np.sqrt(max(l1 * l1 - along * along, 0.0))
    side = np.asarray(bend_dir, np.float64) - u * (u @ bend_dir)
    side /= np.linalg.norm(side)
    return root + along * u + off * side


def build_cyclist(p: dict[str, float]) -> PartMesh:
    h, tyre, wb = p["stature"], p["tyre_width"], p["wheelbase"]
    radius = RIM_BSD / 2 + tyre  # outer tyre radius (tyre height ~ its width)
    rear = np.array([-wb / 2, 0.0, radius])
    front = np.array([wb / 2, 0.0, radius])
    bb = rear + np.array([np.sqrt(CHAINSTAY**2 - BB_DROP**2), 0.0, -BB_DROP])
    seat_dir = np.array([-np.cos(SEAT_ANGLE), 0.0, np.sin(SEAT_ANGLE)])
    steer_up = np.array([-np.cos(HEAD_ANGLE), 0.0, np.sin(HEAD_ANGLE)])
    head_low = front + 0.045 * np.array([-np.sin(HEAD_ANGLE), 0.0, -np.cos(HEAD_ANGLE)]) \
        + 0.37 * steer_up
    head_high = head_low + 0.16 * steer_up

    # saddle height from the leg: hip-to-ankle distance KNEE_AT_BOTTOM x leg at the bottom
    thigh, shank = gait.THIGH * h, gait.SHANK * h
    ankle_up = gait.ANKLE_HEIGHT * h
    foot_back = 0.3 * gait.FOOT_LENGTH * h  # ankle behind the pedal spindle (ball of foot)
    lowest_ankle = bb + np.array([-foot_back, 0.0, -CRANK + SHOE_ON_PEDAL + ankle_up])
    reach = KNEE_AT_BOTTOM * (thigh + shank)
    w = bb - lowest_ankle  # solve |w + s seat_dir| = reach for s > 0
    bq = w @ seat_dir
    s = -bq + np.sqrt(bq * bq - (w @ w - reach * reach))
    hip_mid = bb + s * seat_dir
    saddle = hip_mid - np.array([0.0, 0.0, 0.035 * h])
    seat_top = bb + min(0.55, s - 0.15) * seat_dir

    b = MeshBuilder()
    frame = b.part("frame", CLOTHING[int(p["frame_color"])], "metal")
    wheel_parts = (b.part("tyre", (0.02, 0.02, 0.02), "rubber"),
                   b.part("rim", (0.5, 0.5, 0.52), "metal"),
                   b.part("hub", (0.4, 0.4, 0.4), "metal"))
    _wheel(b, wheel_parts, rear, radius, tyre)
    _wheel(b, wheel_parts, front, radius, tyre)
    b.add(frame, _tube(bb, seat_top))
    b.add(frame, _tube(seat_top, head_high))
    b.add(frame, _tube(bb, head_low, TUBE * 1.2))
    b.add(frame, _tube(head_low - 0.02 * steer_up, head_high + 0.02 * steer_up, TUBE * 1.3))
    for y in (-0.06, 0.06):  # chain stays, seat stays and fork blades, one each side
        side_y = np.array([0.0, y, 0.0])
        b.add(frame, sweep([bb + 0.6 * side_y, rear + side_y], TUBE * 0.6, 8))
        b.add(frame, sweep([seat_top + 0.4 * side_y, rear + side_y], TUBE * 0.55, 8))
        b.add(frame, sweep([head_low + 0.6 * side_y, front + side_y], TUBE * 0.7, 8))
    saddle_part = b.part("saddle", (0.02, 0.02, 0.02), "plastic")
    b.add(wheel_parts[2], _tube(seat_top - 0.03 * seat_dir, saddle, 0.0135))
    b.add(saddle_part, ellipsoid(saddle + np.array([0.0, 0.0, 0.02]), (0.13, 0.07, 0.025)))
    bar_part = b.part("handlebar", (0.05, 0.05, 0.05), "metal")
    stem = head_high + 0.03 * steer_up + np.array([0.09, 0.0, 0.01])
    b.add(bar_part, _tube(head_high, stem, 0.014))
    grips = stem + np.array([[0.0, -BAR_HALF_WIDTH, 0.0], [0.0, BAR_HALF_WIDTH, 0.0]])
    b.add(bar_part, sweep([grips[0], stem, grips[1]], 0.012, 10))

    # cranks and pedals: right crank at the top at phase 0, left opposite
    crank_part = b.part("crank", (0.3, 0.3, 0.32), "metal")
    angles = 2.0 * np.pi * (p["pedal_phase"] % 1.0) + np.array([0.0, np.pi])
    pedals = np.stack([bb[0] + CRANK * np.sin(angles),
                       np.array([-PEDAL_HALF_SPAN, PEDAL_HALF_SPAN]),
                       bb[2] + CRANK * np.cos(angles)], axis=1)
    b.add(crank_part, cylinder(0.1 * 1.0, 0.006, 24, bb + np.array([0, -0.055, 0]), axis="y"))
    for i in range(2):
        arm_y = np.array([0.0, pedals[i, 1] * 0.8, 0.0])
        b.add(crank_part, _tube(bb + arm_y, pedals[i] + arm_y, 0.012))
        b.add(crank_part, cylinder(0.012, 0.09, 8, pedals[i], axis="y"))

    # rider: hips on the saddle, feet on the pedals, hands on the grips
    side = np.array([-1.0, 1.0])
    hip_y = side * 0.5 * gait.HIP_JOINT_SPACING * h
    hips = hip_mid + np.stack([np.zeros(2), hip_y, np.zeros(2)], axis=1)
    feet = pedals + np.array([-foot_back, 0.0, SHOE_ON_PEDAL])
    feet[:, 1] = hip_y  # feet under the hips, so the legs move in the sagittal plane
    ankles = feet + np.array([0.0, 0.0, ankle_up])
    knees = np.stack([_two_link(hips[i], ankles[i], thigh, shank, [1.0, 0.0, 0.3])
                      for i in range(2)])
    trunk = (gait.SHOULDER_HEIGHT - gait.HIP_HEIGHT) * h
    arm = (gait.UPPER_ARM + gait.FOREARM) * h
    grip_mid = grips.mean(axis=0)
    lean = _lean_to_reach(hip_mid, trunk, grip_mid, 0.9 * arm)
    axis = np.array([np.cos(lean), 0.0, np.sin(lean)])
    neck = hip_mid + trunk * axis
    shoulders = neck - 0.025 * h * axis + np.stack(
        [np.zeros(2), side * (0.5 * gait.SHOULDER_WIDTH - 0.03) * h, np.zeros(2)], axis=1)
    wrists = grips + np.array([-0.02, 0.0, 0.02])
    elbows = np.stack([_two_link(shoulders[i], wrists[i], gait.UPPER_ARM * h,
                                 gait.FOREARM * h, [-0.3, side[i] * 0.5, -1.0])
                       for i in range(2)])
    sk = Skeleton(h, hip_mid, neck, hips, knees, ankles, feet, np.zeros(2), 0.0,
                  shoulders, elbows, wrists)
    add_body(b, sk, int(p["upper_color"]), int(p["lower_color"]), int(p["skin_tone"]))
    mesh = b.build({"wheel_radius": radius, "wheel_centres": [rear.tolist(), front.tolist()],
                    "pedals": pedals.tolist(), "saddle": saddle.tolist(), "stature": h,
                    "hips": hips.tolist(), "knees": knees.tolist(), "ankles": ankles.tolist(),
                    "length": wb + 2 * radius})
    # the tyres' polygonal cross-section may stop a fraction of a millimetre above the ground
    return replace(mesh, vertices=mesh.vertices - [0.0, 0.0, mesh.vertices[:, 2].min()])


def _lean_to_reach(hip, trunk: float, target, reach: float) -> float:
    """Trunk angle above horizontal (radians) at which the shoulders are ``reach`` from
    ``target``; the most upright such angle within 20-85 deg (bisection)."""
    def dist(a):
        return np.linalg.norm(hip + trunk * np.array([np.cos(a), 0.0, np.sin(a)]) - target)
    lo, hi = np.radians(20.0), np.radians(85.0)
    if dist(hi) <= reach:
        return float(hi)
    if dist(lo) > reach:
        return float(lo)
    for _ in range(40):  # dist grows with the angle: more upright is farther from the bar
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if dist(mid) <= reach else (lo, mid)
    return float(lo)
