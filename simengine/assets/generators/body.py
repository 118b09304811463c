"""A human body from joint positions: rounded limb pieces, a torso and a head, with clothing
colours per part. Shared by the pedestrian (posed by the gait) and the cyclist's rider.

Proportions are fractions of stature H (Winter 2009, after Drillis & Contini 1966; see
``simengine.assets.generators.gait`` and ``docs/references.md#people-anthropometry``); limb
girths are round figures chosen to look right, not measurements.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..mesh import MeshBuilder
from ..shapes import Piece, box, lathe, transform
from . import gait

# Linear-RGB clothing colours (palette index = GenParam value): dark and muted colours
# dominate street clothing, a few bright ones for variety.
CLOTHING = (
    (0.02, 0.02, 0.02),  # black
    (0.02, 0.03, 0.10),  # navy
    (0.08, 0.08, 0.08),  # charcoal
    (0.35, 0.35, 0.35),  # light grey
    (0.80, 0.80, 0.78),  # white
    (0.06, 0.12, 0.25),  # denim blue
    (0.45, 0.36, 0.20),  # khaki
    (0.12, 0.14, 0.05),  # olive
    (0.55, 0.03, 0.03),  # red
    (0.20, 0.02, 0.04),  # maroon
    (0.03, 0.18, 0.06),  # green
    (0.15, 0.07, 0.03),  # brown
    (0.60, 0.40, 0.03),  # mustard
    (0.70, 0.35, 0.45),  # pink
)
# Linear-RGB skin tones from light to dark (approximate renderings of the range of the
# Fitzpatrick types, not colorimetric data).
SKIN = (
    (0.80, 0.56, 0.44), (0.70, 0.46, 0.33), (0.55, 0.33, 0.21), (0.38, 0.20, 0.11),
    (0.22, 0.11, 0.06), (0.12, 0.06, 0.035))
SHOE = (0.03, 0.03, 0.03)
HAIR = (0.03, 0.02, 0.015)


@dataclass(frozen=True)
class Skeleton:
    """Joint centres in the object frame (metres); arrays hold (right, left) rows."""

    stature: float
    pelvis: np.ndarray  # (3,) midpoint of the hip joints
    neck: np.ndarray  # (3,) base of the neck (between the shoulders)
    hips: np.ndarray  # (2, 3)
    knees: np.ndarray
    ankles: np.ndarray
    feet: np.ndarray  # (2, 3) sole points under the ankles
    foot_pitch: np.ndarray  # (2,) radians, heel up > 0
    foot_yaw: float  # heading of the feet about z (0: +x)
    shoulders: np.ndarray  # (2, 3)
    elbows: np.ndarray
    wrists: np.ndarray


def rotation_to(direction) -> np.ndarray:
    """The rotation taking +z to ``direction`` (Rodrigues; the shortest turn)."""
    u = np.asarray(direction, np.float64)
    u = u / np.linalg.norm(u)
    z = np.array([0.0, 0.0, 1.0])
    c = float(z @ u)
    if c < -1.0 + 1e-12:
        return np.diag([1.0, -1.0, -1.0])
    k = np.cross(z, u)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + kx + kx @ kx / (1.0 + c)


def capsule(a, b, radius_a: float, radius_b: float, segments: int = 14) -> Piece:
    """A closed, rounded limb from point ``a`` to ``b`` (the two end spheres' centres)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    length = max(float(np.linalg.norm(b - a)), 1e-6)
    angles = np.linspace(0.0, np.pi / 2, 5)[1:-1]  # inner points of each quarter circle
    profile = [(0.0, -radius_a)]
    profile += [(radius_a * np.sin(t), -radius_a * np.cos(t)) for t in angles]
    profile += [(radius_a, 0.0), (radius_b, length)]
    profile += [(radius_b * np.cos(t), length + radius_b * np.sin(t)) for t in angles]
    profile.append((0.0, length + radius_b))
    return transform(lathe(profile, segments), rotation_to(b - a), a)


def ellipsoid(center, radii, axis=(0.0, 0.0, 1.0), segments: int = 16) -> Piece:
    """A closed ellipsoid with semi-axes ``radii`` (x, y along the local frame, z along
    ``axis``)."""
    t = np.linspace(0.0, np.pi, 9)
    profile = [(np.sin(a), -np.cos(a)) for a in t]
    profile[0], profile[-1] = (0.0, -1.0), (0.0, 1.0)  # exact poles: no sliver rings
    v, f = lathe(profile, segments)
    v = v * np.asarray(radii, np.float64)
    return transform((v, f), rotation_to(axis), center)


def rotation_y(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def add_body(b: MeshBuilder, sk: Skeleton, upper: int, lower: int, skin: int) -> None:
    """Add a clothed body posed as ``sk`` to ``b`` (parts head, torso, pelvis, upper_arm,
    forearm, hand, thigh, shin, foot). Every piece is a closed solid; pieces overlap at the
    joints as a body's do."""
    h = sk.stature
    top, bottom = CLOTHING[upper], CLOTHING[lower]
    head = b.part("head", SKIN[skin], "default")
    torso = b.part("torso", top, "fabric")
    pelvis = b.part("pelvis", bottom, "fabric")
    upper_arm = b.part("upper_arm", top, "fabric")
    forearm = b.part("forearm", top, "fabric")
    hand = b.part("hand", SKIN[skin], "default")
    thigh = b.part("thigh", bottom, "fabric")
    shin = b.part("shin", bottom, "fabric")
    foot = b.part("foot", SHOE, "rubber")
    hair = b.part("hair", HAIR, "fabric")

    axis = (sk.neck - sk.pelvis) / np.linalg.norm(sk.neck - sk.pelvis)
    trunk = float(np.linalg.norm(sk.neck - sk.pelvis))
    depth = 0.55  # chest depth / chest width
    # torso: from just above the hip joints to the shoulders, flattened front to back
    r_hip, r_waist, r_chest = 0.085 * h, 0.075 * h, 0.090 * h
    profile = [(0.0, 0.0), (r_hip * 0.8, 0.0), (r_hip, 0.03 * h), (r_waist, 0.4 * trunk),
               (r_chest, 0.75 * trunk), (r_chest * 0.9, trunk - 0.015 * h),
               (0.045 * h, trunk + 0.005 * h), (0.0, trunk + 0.01 * h)]
    v, f = lathe(profile, 20)
    v = v * np.array([depth, 1.0, 1.0])
    b.add(torso, transform((v, f), rotation_to(axis), sk.pelvis + 0.02 * h * axis))
    v, f = lathe([(0.0, -0.07 * h), (0.07 * h, -0.06 * h), (0.095 * h, -0.01 * h),
                  (0.09 * h, 0.05 * h), (0.0, 0.06 * h)], 20)
    v = v * np.array([0.65, 1.0, 1.0])
    b.add(pelvis, transform((v, f), rotation_to(axis), sk.pelvis))
    # neck and head: chin at 0.870 H, crown at 1.0 H when standing (head height 0.130 H)
    chin = sk.neck + (gait.CHIN_HEIGHT - gait.SHOULDER_HEIGHT) * h * axis
    b.add(head, capsule(sk.neck - 0.01 * h * axis, chin + 0.01 * h * axis,
                        0.028 * h, 0.026 * h, 12))
    centre = chin + 0.062 * h * axis
    b.add(head, ellipsoid(centre + 0.004 * h * _forward(axis), (0.055 * h, 0.046 * h,
                                                               0.068 * h), axis))
    # hair: a cap over the back and top of the head, its crown at the head's (1.0 H)
    b.add(hair, ellipsoid(centre + 0.018 * h * axis - 0.015 * h * _forward(axis),
                          (0.052 * h, 0.048 * h, 0.050 * h), axis))
    for i in range(2):
        b.add(thigh, capsule(sk.hips[i], sk.knees[i], 0.055 * h, 0.036 * h))
        b.add(shin, capsule(sk.knees[i], sk.ankles[i], 0.034 * h, 0.022 * h))
        b.add(foot, _shoe(sk.feet[i], sk.foot_pitch[i], sk.foot_yaw, h))
        b.add(upper_arm, capsule(sk.shoulders[i], sk.elbows[i], 0.028 * h, 0.024 * h))
        b.add(forearm, capsule(sk.elbows[i], sk.wrists[i], 0.023 * h, 0.018 * h))
        d = (sk.wrists[i] - sk.elbows[i]) / np.linalg.norm(sk.wrists[i] - sk.elbows[i])
        b.add(hand, capsule(sk.wrists[i] + 0.01 * h * d, sk.wrists[i] + 0.06 * h * d,
                            0.019 * h, 0.017 * h, 10))


def _forward(axis: np.ndarray) -> np.ndarray:
    """The body's forward direction (+x turned with the trunk axis)."""
    return rotation_to(axis) @ np.array([1.0, 0.0, 0.0])


def _shoe(sole, pitch: float, yaw: float, h: float) -> Piece:
    """A shoe whose sole point under the ankle is ``sole``; it pitches heel-up about that
    point (so its toe goes down by toe_length * sin(pitch), which the gait keeps >= 0)."""
    length, width, height = gait.FOOT_LENGTH * h, gait.FOOT_WIDTH * h * 1.5, 0.05 * h
    toe = gait.TOE_ARM * length
    piece = box((length, width, height), (toe - length / 2, 0.0, height / 2))
    c, s = np.cos(yaw), np.sin(yaw)
    turn = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return transform(piece, turn @ rotation_y(pitch), sole)
