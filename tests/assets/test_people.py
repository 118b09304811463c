"""People generators: the gait keeps stance feet still on the ground at the walking speed,
with published stance share and joint ranges; pedestrian and cyclist meshes are valid
(each piece a closed solid, no degenerate faces) and their bounds match what they promise.
Checks use trimesh and forward kinematics written here, not the generators' own helpers."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from simengine.assets import generate, generators
from simengine.assets.generators import gait

from ._checks import corners, draws

PHASES = np.arange(0.0, 1.0, 0.005)
BODIES = [(1.52, 0.50), (1.52, 0.72), (1.70, 0.70), (1.87, 0.62), (1.87, 0.88)]
PARTS = {"head", "torso", "pelvis", "upper_arm", "forearm", "hand", "thigh", "shin", "foot"}


def poses(stature, step):
    return [gait.gait_pose(float(p), stature, step) for p in PHASES]


def toe_height(pose, stature):
    """The toe tip's height from the ankle's sole point and the foot's pitch."""
    arm = gait.TOE_ARM * gait.FOOT_LENGTH * stature
    height = pose.feet[:, 2] - arm * np.sin(pose.foot_pitch)
    np.testing.assert_allclose(height, pose.toes[:, 2], atol=1e-12)
    return height


@pytest.mark.parametrize("stature,step", BODIES)
def test_each_foot_is_still_on_the_ground_for_about_60_percent_of_the_cycle(stature, step):
    # a foot is planted when, with the pelvis carried forward one stride per cycle, it does
    # not move in the world and its sole or toe touches z = 0 (Winter; Perry: ~60 % stance)
    ps = poses(stature, step)
    stride = 2.0 * step
    world_x = np.array([[p.phase * stride + p.toes[i, 0] for i in range(2)] for p in ps])
    speed = np.abs(np.gradient(world_x, PHASES, axis=0))  # metres per cycle
    toes = np.array([toe_height(p, stature) for p in ps])
    planted = (speed < 0.01 * stride) & (toes < 1e-9)
    share = planted.mean(axis=0)
    np.testing.assert_allclose(share, 0.6, atol=0.03)


@pytest.mark.parametrize("stature,step", BODIES)
def test_the_stance_foot_moves_back_at_the_walking_speed_so_it_does_not_slide(stature, step):
    # the toe tip is the point that stays planted (under the ankle while the foot is flat,
    # the pivot once the heel rises)
    ps = poses(stature, step)
    stride = 2.0 * step
    for i in range(2):
        stance = np.array([p.stance[i] for p in ps])
        x = np.array([p.toes[i, 0] for p in ps])
        toe_z = np.array([toe_height(p, stature)[i] for p in ps])
        # split at the wrap of the cycle so each stance period is one run of phases
        runs = np.split(np.arange(len(PHASES)), np.flatnonzero(np.diff(stance.astype(int))) + 1)
        for run in runs:
            if not stance[run[0]] or len(run) < 3:
                continue
            slope = np.polyfit(PHASES[run], x[run], 1)[0]
            assert slope == pytest.approx(-stride, rel=1e-9)  # relative to the pelvis
            world = PHASES[run] * stride + x[run]
            assert np.ptp(world) < 1e-9  # still in the world
            assert np.abs(toe_z[run]).max() < 1e-9  # and on the ground


@pytest.mark.parametrize("stature,step", BODIES)
def test_feet_never_go_below_the_ground_and_the_pose_never_jumps(stature, step):
    ps = poses(stature, step)
    toes = np.array([toe_height(p, stature) for p in ps])
    soles = np.array([p.feet[:, 2] for p in ps])
    assert toes.min() >= -1e-12 and soles.min() >= 0.0
    assert (toes.min(axis=1) < 1e-9).all()  # some foot always bears the weight
    feet = np.array([p.feet for p in ps] + [ps[0].feet + np.array([2.0 * step, 0, 0])])
    feet[:-1, :, 0] += PHASES[:, None] * 2.0 * step  # world frame, the cycle closed
    # a swing foot's fastest: 0.6 stride in 0.4 cycle, eased (x pi/2): ~0.024 step per 1/200
    assert np.abs(np.diff(feet, axis=0)).max() < 0.04 * step
    pelvis = np.array([p.pelvis_height for p in ps])
    assert np.abs(np.diff(pelvis)).max() < 0.012  # fastest: settling onto the landing leg


@pytest.mark.parametrize("stature,step", BODIES)
def test_joint_angles_put_the_ankles_where_the_feet_are(stature, step):
    t, s = gait.THIGH * stature, gait.SHANK * stature
    for p in poses(stature, step)[::7]:
        h, k = p.hip, p.knee
        ankle_x = t * np.sin(h) + s * np.sin(h - k)
        ankle_z = p.pelvis_height - t * np.cos(h) - s * np.cos(h - k)
        np.testing.assert_allclose(ankle_x, p.feet[:, 0], atol=1e-9)
        np.testing.assert_allclose(ankle_z, p.feet[:, 2] + gait.ANKLE_HEIGHT * stature,
                                   atol=1e-9)
        assert (k >= np.radians(4.99)).all()  # knees never hyperextend


def test_joint_ranges_follow_published_normal_gait():
    ps = poses(1.75, 0.7)
    hip = np.degrees([p.hip[0] for p in ps])
    knee = np.degrees([p.knee[0] for p in ps])
    # Winter: hip ~ +30 deg flexion to ~ -10..-20 deg extension, swing knee peak ~ 60-65 deg
    assert 20 < hip.max() < 40 and -30 < hip.min() < -5
    assert 55 < knee.max() < 70
    assert knee[PHASES < 0.5].max() < 25  # stance: loading-response flexion only (~15-20)
    assert np.argmax(knee) / len(PHASES) == pytest.approx(0.72, abs=0.06)
    # the model's hip follows Winter's curve in shape
    assert np.corrcoef(hip, np.degrees(gait.winter_hip(PHASES)))[0, 1] > 0.9
    shoulder = np.degrees([p.shoulder[0] for p in ps])
    assert 10 < np.ptp(shoulder) < 40  # arms swing opposite the legs
    assert np.corrcoef(shoulder, hip)[0, 1] < -0.5


def test_fourier_terms_reproduce_the_digitised_winter_curves():
    for samples, curve in ((gait._WINTER_KNEE, gait.winter_knee),
                           (gait._WINTER_HIP, gait.winter_hip)):
        fitted = np.degrees(curve(samples[:, 0] / 100.0))
        np.testing.assert_allclose(fitted, samples[:, 1], atol=2.0)


def test_bad_phase_and_unreachable_steps_are_refused():
    with pytest.raises(ValueError, match="phase"):
        gait.gait_pose(1.0, 1.7, 0.7)
    with pytest.raises(ValueError, match="step_length"):
        gait.gait_pose(0.0, 1.0, 1.5)


# --- generated meshes ------------------------------------------------------------------

def check_mesh(mesh):
    tm = mesh.to_trimesh()
    assert (tm.area_faces > 1e-10).all()
    pieces = tm.split(only_watertight=False)
    assert len(pieces) > 10
    for piece in pieces:  # every piece a closed, outward-wound solid
        assert piece.is_watertight and piece.is_winding_consistent and piece.volume > 0
    return tm


def test_people_are_registered():
    assert {"pedestrian", "cyclist"} <= set(generators("person"))


@pytest.mark.parametrize("values", corners("pedestrian"))
def test_pedestrian_is_valid_at_the_corners_of_its_ranges(values):
    mesh = generate("pedestrian", values)
    check_mesh(mesh)
    assert set(mesh.parts) >= PARTS


@pytest.mark.parametrize("values", draws("pedestrian"))
def test_pedestrian_bounds_at_random_draws(values):
    mesh = generate("pedestrian", values)
    stature = values["stature"]
    lo, hi = mesh.bounds
    assert lo[2] == pytest.approx(0.0, abs=1e-9)  # rests on the ground
    assert hi[2] == pytest.approx(mesh.meta["head_top"], abs=1e-3)
    assert 0.88 * stature < hi[2] <= stature + 1e-9  # walking dips below standing height
    step = values["step_ratio"] * stature
    assert mesh.meta["stride"] == pytest.approx(2 * step)
    feet = np.asarray(mesh.meta["feet"])
    assert np.abs(feet[:, 0]).max() <= 0.7 * step + 1e-9  # within 0.35 stride of the hip
    reach = 0.7 * step + 0.2 * stature  # foot excursion plus the shoe's toe
    assert (np.abs(lo[:2]) < reach).all() and (np.abs(hi[:2]) < reach).all()


@pytest.mark.parametrize("values", corners("cyclist"))
def test_cyclist_is_valid_at_the_corners_of_its_ranges(values):
    mesh = generate("cyclist", values)
    check_mesh(mesh)
    assert PARTS | {"frame", "tyre", "rim", "saddle", "handlebar", "crank"} <= set(mesh.parts)


@pytest.mark.parametrize("values", draws("cyclist"))
def test_cyclist_bounds_at_random_draws(values):
    mesh = generate("cyclist", values)
    lo, hi = mesh.bounds
    wheel = (0.622 / 2 + values["tyre_width"]) * 2  # ISO 622 mm rim plus tyre height
    assert hi[0] - lo[0] == pytest.approx(values["wheelbase"] + wheel, abs=1e-3)
    assert hi[0] + lo[0] == pytest.approx(0.0, abs=1e-3)  # centred between the contacts
    assert lo[2] == pytest.approx(0.0, abs=1e-12)
    assert hi[1] + lo[1] == pytest.approx(0.0, abs=1e-3) and hi[1] < 0.4
    assert 0.8 * values["stature"] < hi[2] < values["stature"]
    # the rider's feet reach the pedals: shoe pieces touch the pedal spindles
    tm = trimesh.Trimesh(mesh.vertices, mesh.faces[mesh.face_part == mesh.parts.index("foot")],
                         process=False)
    for pedal in mesh.meta["pedals"]:
        near = np.linalg.norm(tm.vertices - pedal, axis=1).min()
        assert near < 0.1


@pytest.mark.parametrize("stature", [1.52, 1.70, 1.87])
def test_cyclist_saddle_height_gives_the_recommended_knee_bend_at_the_bottom(stature):
    # bike-fit rule: 25-35 deg knee flexion with the crank at 6 o'clock (Peveler et al. 2005)
    mesh = generate("cyclist", {"stature": stature, "pedal_phase": 0.5})
    hip, knee, ankle = (np.asarray(mesh.meta[k][0]) for k in ("hips", "knees", "ankles"))
    assert np.linalg.norm(knee - hip) == pytest.approx(gait.THIGH * stature)
    assert np.linalg.norm(ankle - knee) == pytest.approx(gait.SHANK * stature)
    a, b = hip - knee, ankle - knee
    flexion = 180.0 - np.degrees(np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))
    assert 25.0 <= flexion <= 35.0
    assert mesh.meta["pedals"][0][2] < mesh.meta["pedals"][1][2]  # right pedal at the bottom


def test_a_pedestrian_moved_along_at_its_stride_keeps_its_stance_shoe_still():
    # the foot-slide test on the meshes themselves: carry each pose forward by phase x stride;
    # the right shoe's toe-tip vertices, while that foot is in stance, do not move
    values = {"stature": 1.7, "step_ratio": 0.41}
    toes = []
    for phase in np.arange(0.0, 0.6, 0.02):
        mesh = generate("pedestrian", {**values, "gait_phase": float(phase)})
        shoe = np.flatnonzero(mesh.face_part == mesh.parts.index("foot"))
        v = mesh.vertices[np.unique(mesh.faces[shoe])]
        v = v[v[:, 1] < 0]  # right shoe
        v[:, 0] += phase * mesh.meta["stride"]
        # the toe edge's two corners: lowest, then foremost
        front_bottom = v[np.lexsort((-v[:, 0], np.round(v[:, 2], 9)))[:2]]
        toes.append(front_bottom)
    toes = np.asarray(toes)
    assert np.ptp(toes, axis=0).max() < 1e-6
    assert np.abs(toes[:, :, 2]).max() < 1e-9
