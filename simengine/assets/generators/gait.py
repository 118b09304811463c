"""Walking gait: joint angles and foot positions of a walking person at a phase of its cycle.

The model is driven by the feet, so a pedestrian carried forward at the walking speed never
slides a stance foot (see ``docs/references.md#people-gait``):

- each foot is on the ground for ``STANCE_FRACTION`` of the cycle (Winter; Perry: ~60 %) and
  its toe moves backwards relative to the pelvis at the walking speed (one stride per cycle),
  so it stays still in the world; in swing the foot moves forward with an eased profile;
- the hip joints sit as high as the leading leg allows (its hip-to-ankle distance stays within
  its length at 5 deg knee flexion; the swing leg leads from late swing on): the pelvis dips
  twice per cycle, at double support, about 1.5-2 times as far as measured (~5 cm), as
  the model has no ankle rocker or pelvic rotation; a trailing stance leg that cannot reach
  the ground lifts its heel (terminal stance heel rise, the foot pivoting on its toe tip);
- the swing foot is lifted so that the swing knee follows Winter's normal-gait knee flexion
  curve (digitised mean, kept as a few Fourier terms);
- hip and knee angles then follow from the leg's two-link inverse kinematics, and the arms
  swing opposite the legs, following Winter's hip curve of the other leg.

Frames: the pose is given in a body frame whose origin is on the ground under the midpoint of
the hip joints, x forward (walking direction), y left, z up. Leg and arm 0 are the right ones
(y < 0); the right heel strikes at phase 0, the left at phase 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STANCE_FRACTION = 0.6  # of the gait cycle, each foot (Winter 2009; Perry 1992)

# Segment lengths and joint heights as fractions of stature H (Winter 2009, Fig. 4.1, after
# Drillis & Contini 1966).
THIGH = 0.245  # hip (greater trochanter) to knee
SHANK = 0.246  # knee to ankle
ANKLE_HEIGHT = 0.039
HIP_HEIGHT = 0.530
SHOULDER_HEIGHT = 0.818
CHIN_HEIGHT = 0.870
UPPER_ARM = 0.186
FOREARM = 0.146
HAND = 0.108
FOOT_LENGTH = 0.152
FOOT_WIDTH = 0.055
TOE_ARM = 0.75  # share of the foot length ahead of the ankle (approximate)
SHOULDER_WIDTH = 0.259
HIP_WIDTH = 0.191
HIP_JOINT_SPACING = 0.5 * HIP_WIDTH  # between the two hip joint centres (approximate)

MIN_KNEE_FLEXION = np.radians(5.0)
# The ankle's stance excursion sits this share of a stride behind the hip's symmetric
# position: the leading leg lands closer and the trailing foot leaves on its toes, as the
# heel rise in terminal stance lengthens the trailing leg (a modelling choice that halves
# the pelvis dip of a symmetric excursion).
STANCE_SHIFT = 0.05  # the knee never locks fully straight in walking

# Winter's normal-cadence sagittal angles (degrees) against % of the cycle from heel strike,
# read off the published mean curves (approximate, about +-2 deg).
_WINTER_KNEE = np.array([
    (0, 5), (5, 12), (10, 17), (15, 19), (20, 17), (30, 10), (40, 5), (45, 6), (50, 10),
    (55, 20), (60, 35), (65, 50), (70, 60), (73, 62), (80, 55), (85, 40), (90, 20), (95, 7)])
_WINTER_HIP = np.array([
    (0, 22), (10, 20), (20, 12), (30, 5), (40, -3), (50, -10), (55, -12), (60, -8), (70, 5),
    (80, 18), (85, 22), (90, 24), (95, 23)])
FOURIER_TERMS = 5
ARM_SWING_GAIN = 0.6  # shoulder excursion / contralateral hip excursion (unverified)


def _fourier_fit(samples: np.ndarray, terms: int) -> np.ndarray:
    """Least-squares coefficients (a0, a1, b1, ..., an, bn) of a periodic curve (degrees)."""
    t = 2.0 * np.pi * samples[:, 0] / 100.0
    return np.linalg.lstsq(_fourier_basis(t, terms), samples[:, 1], rcond=None)[0]


def _fourier_basis(t: np.ndarray, terms: int) -> np.ndarray:
    cols = [np.ones_like(t)]
    for k in range(1, terms + 1):
        cols += [np.cos(k * t), np.sin(k * t)]
    return np.stack(cols, axis=-1)


KNEE_COEFFS = _fourier_fit(_WINTER_KNEE, FOURIER_TERMS)
HIP_COEFFS = _fourier_fit(_WINTER_HIP, FOURIER_TERMS)


def winter_knee(phase) -> np.ndarray:
    """Winter's normal knee flexion (radians) at ``phase`` (0..1 from heel strike)."""
    t = 2.0 * np.pi * np.asarray(phase, np.float64)
    return np.radians(_fourier_basis(t, FOURIER_TERMS) @ KNEE_COEFFS)


def winter_hip(phase) -> np.ndarray:
    """Winter's normal hip flexion (radians, thigh forward of vertical positive)."""
    t = 2.0 * np.pi * np.asarray(phase, np.float64)
    return np.radians(_fourier_basis(t, FOURIER_TERMS) @ HIP_COEFFS)


@dataclass(frozen=True)
class GaitPose:
    """A walking pose; arrays hold (right, left) along their first axis."""

    phase: float
    stride: float  # metres per cycle: the walking speed is stride x cycles per second
    pelvis_height: float  # height of the hip joint centres above the ground
    hip_y: np.ndarray  # (2,) lateral positions of the hip joints
    feet: np.ndarray  # (2, 3) sole points under the ankles (z = 0 flat on the ground, > 0
    #                   heel raised or foot in the air)
    toes: np.ndarray  # (2, 3) toe tips on the sole: a stance foot's toe stays put in the world
    stance: np.ndarray  # (2,) bool
    foot_pitch: np.ndarray  # (2,) radians, heel up > 0: the toe stays at or above z = 0
    hip: np.ndarray  # (2,) hip flexion, radians (thigh forward of vertical > 0)
    knee: np.ndarray  # (2,) knee flexion, radians (>= 0)
    shoulder: np.ndarray  # (2,) shoulder flexion, radians (arm forward > 0)
    elbow: np.ndarray  # (2,) elbow flexion, radians

    def knees(self, stature: float) -> np.ndarray:
        """(2, 3) knee joint centres by forward kinematics from the hip angles."""
        t = THIGH * stature
        hip = self.hip
        return np.stack([t * np.sin(hip), self.hip_y,
                         self.pelvis_height - t * np.cos(hip)], axis=1)


def gait_pose(phase: float, stature: float, step_length: float) -> GaitPose:
    """The walking pose at ``phase`` in [0, 1) of a person of ``stature`` (m) taking steps
    of ``step_length`` (m; a stride is two steps)."""
    if not 0.0 <= phase < 1.0:
        raise ValueError(f"phase: expected a value in [0, 1), got {phase!r}")
    t, s, ankle = THIGH * stature, SHANK * stature, ANKLE_HEIGHT * stature
    stride = 2.0 * step_length
    reach = np.sqrt(t * t + s * s + 2.0 * t * s * np.cos(MIN_KNEE_FLEXION))
    local = np.mod(phase - np.array([0.0, 0.5]), 1.0)  # each leg's phase from its heel strike
    stance = local < STANCE_FRACTION
    half = 0.5 * STANCE_FRACTION * stride
    land = half - STANCE_SHIFT * stride  # the ankle lands here and leaves at land - 0.6 stride
    swing = np.clip((local - STANCE_FRACTION) / (1.0 - STANCE_FRACTION), 0.0, 1.0)
    x = np.where(stance, land - stride * local,
                 land - 2 * half + half * (1.0 - np.cos(np.pi * swing)))
    if np.abs(x).max() >= reach:
        raise ValueError("step_length too long for the stature: the legs cannot reach")
    # as high as the leading leg allows (continuous over the cycle); a trailing stance leg
    # that cannot reach lifts its heel and rolls over the toes, as in terminal stance
    # (the swing leg counts from late swing on, so the pelvis settles onto it by heel strike)
    landing = _smoothstep((swing - 0.5) / 0.5)
    lead = np.maximum(x, 0.0) * np.where(stance, 1.0, landing)
    hip_over_ankle = float(np.sqrt(reach**2 - lead.max() ** 2))
    pelvis = hip_over_ankle + ankle
    # ... the foot pivoting on its toe tip, which stays where it is: the ankle rolls forward
    # by arm (1 - cos pitch) (a fixed point, found by iteration: each step shrinks the error
    # by ~tan(pitch) / 2); the pitch fades out early in swing
    w = _smoothstep(swing / 0.25)
    fade = np.where(stance, 1.0, 1.0 - w)
    arm = TOE_ARM * FOOT_LENGTH * stature
    toe_x = x + arm
    for _ in range(40):
        heel_rise = np.maximum(hip_over_ankle - np.sqrt(reach**2 - x * x), 0.0)
        pitch = np.arcsin(np.clip(heel_rise / arm, 0.0, 1.0)) * fade
        x, previous = toe_x - arm * np.cos(pitch), x
        if np.abs(x - previous).max() < 1e-14:
            break
    # swing foot: raised until the swing knee bends as Winter's curve says, blended in from
    # the heel rise over the first quarter of swing so the foot does not jump at toe-off
    k = np.maximum(winter_knee(local), MIN_KNEE_FLEXION)
    d = np.sqrt(t * t + s * s + 2.0 * t * s * np.cos(k))
    lift = np.maximum(hip_over_ankle - np.sqrt(np.maximum(d * d - x * x, 0.0)), 0.0)
    z = np.where(stance, heel_rise, (1.0 - w) * heel_rise + w * np.maximum(lift, heel_rise))
    # two-link inverse kinematics in the sagittal plane
    down = hip_over_ankle - z
    dist = np.hypot(x, down)
    knee = np.pi - np.arccos(np.clip((t * t + s * s - dist**2) / (2 * t * s), -1.0, 1.0))
    hip = np.arctan2(x, down) + np.arccos(
        np.clip((t * t + dist**2 - s * s) / (2 * t * dist), -1.0, 1.0))
    other = local[::-1]
    shoulder = ARM_SWING_GAIN * (winter_hip(other) - np.radians(HIP_COEFFS[0]))
    elbow = np.radians(20.0) + 0.5 * np.maximum(shoulder, 0.0)
    hip_y = np.array([-0.5, 0.5]) * HIP_JOINT_SPACING * stature
    feet = np.stack([x, hip_y, z], axis=1)
    toes = np.stack([x + arm * np.cos(pitch), hip_y, z - arm * np.sin(pitch)], axis=1)
    return GaitPose(float(phase), stride, float(pelvis), hip_y, feet, toes, stance, pitch,
                    hip, knee, shoulder, elbow)


def _smoothstep(u):
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)
