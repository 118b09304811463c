"""Camera labels against independent references.

Masks are ray-cast here exactly as the camera does (``model.pixel_rays()`` rotated to the
world, one origin); amodal boxes are compared with the tight box of an object's mask rendered
alone (pixel centres at integers, so a tight box is [u_min − 0.5, u_max + 0.5]); 3D boxes
with ``cv2.projectPoints`` and scipy rotations; flow with ``cv2.projectPoints`` of hit points
moved here by a known rigid motion, and with the rotation-only homography K·R·K⁻¹.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pybullet_data
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from simengine.geometry.raycast import cast_rays
from simengine.geometry.scene_geometry import (
    BOX,
    CAPSULE,
    CYLINDER,
    MESH,
    SPHERE,
    PartDesc,
    build_geometry,
)
from simengine.sensors.camera.labels import object_labels, optical_flow
from simengine.sensors.camera.projection import CameraModel

W, H = 160, 120
PINHOLE = CameraModel.from_params({"width": W, "height": H, "hfov_deg": 70.0})
DISTORTED = CameraModel.from_params({"width": W, "height": H, "hfov_deg": 70.0,
                                     "distortion": [-0.2, 0.05, 0.001, -0.001, 0.0]})
MODELS = pytest.mark.parametrize("model", [PINHOLE, DISTORTED], ids=["pinhole", "distorted"])
DUCK = str(Path(pybullet_data.getDataPath()) / "duck.obj")
BOX_TOL = 1.0  # px, amodal box vs tight mask box (measured ≤ 0.5)
INSIDE_TOL = 0.05  # px, mask pixel centres outside the amodal box (sampled curves)
FLOW_TOL = 1e-6  # px


def look_at(position, target) -> np.ndarray:
    """T_world_cam of an OpenCV optical frame (z forward, x right, y down; world z up)."""
    position = np.asarray(position, float)
    z = np.asarray(target, float) - position
    z /= np.linalg.norm(z)
    x = np.cross(z, [0.0, 0.0, 1.0])
    x /= np.linalg.norm(x)
    T = np.eye(4)
    T[:3, :3] = np.column_stack([x, np.cross(z, x), z])
    T[:3, 3] = position
    return T


T_CAM = look_at([2.5, -1.5, 1.2], [0.0, 0.0, 0.3])


def in_world(p_cam, T=T_CAM) -> np.ndarray:
    return T[:3, :3] @ np.asarray(p_cam, float) + T[:3, 3]


def part(kind, params, pos, quat=(0.0, 0.0, 0.0, 1.0), inst=1, mesh=None):
    return (PartDesc(kind, tuple(params), 0, (0, 0, 0), (0, 0, 0, 1), mesh),
            np.asarray(pos, float), tuple(quat), inst, inst, "wood", (0.5, 0.5, 0.5))


GROUND = part(BOX, (5.0, 5.0, 0.05), (0.0, 0.0, -1.05), inst=0)


def render(geometry, model, T=T_CAM):
    d = model.pixel_rays() @ T[:3, :3].T
    return cast_rays(geometry, T[:3, 3], d)


def mask_of(geometry, model, T=T_CAM) -> np.ndarray:
    return render(geometry, model, T).instance.reshape(H, W)


def mask_box(mask: np.ndarray) -> np.ndarray:
    v, u = np.nonzero(mask)
    return np.array([u.min() - 0.5, v.min() - 0.5, u.max() + 0.5, v.max() + 0.5])


def border_points(model, step=1 / 32) -> np.ndarray:
    """(N, 2) pixel points along the image's outer edges u = −0.5, W − 0.5, v = −0.5, H − 0.5."""
    us, vs = np.arange(-0.5, W - 0.5 + step, step), np.arange(-0.5, H - 0.5 + step, step)
    return np.concatenate([np.c_[us, np.full_like(us, -0.5)], np.c_[us, np.full_like(us, H - .5)],
                           np.c_[np.full_like(vs, -0.5), vs], np.c_[np.full_like(vs, W - .5), vs]])


def reference_box(geometry, model, T=T_CAM) -> tuple[np.ndarray, np.ndarray | None]:
    """Mask of an object rendered alone, and the box of its projection inside the image: the
    tight box of its pixels joined with the points of the image border it covers (a mask
    alone misses what lies between the outermost pixel centres and the image edge); None
    when it covers neither."""
    mask = mask_of(geometry, model, T) > 0
    edge = border_points(model)
    xy = model.undistort_points(edge)
    d = np.c_[xy, np.ones(len(xy))]
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    on = list(edge[cast_rays(geometry, T[:3, 3], d @ T[:3, :3].T).hit])
    if mask.any():
        v, u = np.nonzero(mask)
        on += [(u.min() - 0.5, v.min() - 0.5), (u.max() + 0.5, v.max() + 0.5)]
    if not on:
        return mask, None
    return mask, np.r_[np.min(on, axis=0), np.max(on, axis=0)]


def labels(parts, model, n_objects=None, T=T_CAM, poses=None):
    """object_labels for a scene; objects get identity boxes unless ``poses`` is given."""
    g = build_geometry(parts)
    n = n_objects or max(p[3] for p in parts)
    M = n + 1  # one padding row
    pos, quat = np.zeros((M, 3)), np.tile([0.0, 0.0, 0.0, 1.0], (M, 1))
    size, centre = np.zeros((M, 3)), np.zeros((M, 3))
    for i, (p, q, s, c) in enumerate(poses or []):
        pos[i], quat[i], size[i], centre[i] = p, q, s, c
    out = object_labels(g, T, model, mask_of(g, model, T), pos, quat, size, centre, n, M)
    return g, out


def rot(*euler_deg) -> tuple:
    return tuple(Rotation.from_euler("xyz", euler_deg, degrees=True).as_quat())


def cam_rot(*euler_deg) -> tuple:
    """World xyzw of a part whose axes are the camera's, then rotated by ``euler_deg``."""
    R = Rotation.from_matrix(T_CAM[:3, :3]) * Rotation.from_euler("xyz", euler_deg,
                                                                   degrees=True)
    return tuple(R.as_quat())


SHAPES = {
    "box": part(BOX, (0.2, 0.1, 0.15), in_world([0.1, -0.05, 2.0]), rot(30, 20, 45)),
    "sphere": part(SPHERE, (0.25, 0, 0), in_world([-0.3, 0.1, 1.8])),
    "cylinder": part(CYLINDER, (0.12, 0.25, 0), in_world([0.2, 0.1, 1.6]), rot(70, 10, 30)),
    "capsule": part(CAPSULE, (0.1, 0.2, 0), in_world([-0.2, -0.1, 1.5]), rot(-40, 60, 0)),
    "mesh": part(MESH, (0.3, 0.3, 0.3), in_world([0.0, 0.0, 1.5]), rot(80, 0, 20), mesh=DUCK),
}


def check_amodal(box, geometry, model, T=T_CAM) -> np.ndarray:
    """Amodal box ≈ the reference box of ``geometry`` (the object alone) and holds every
    pixel centre of its mask; returns the mask."""
    mask, ref = reference_box(geometry, model, T)
    if ref is None:
        assert not box.any()
        return mask
    assert np.abs(box - ref).max() <= BOX_TOL, (box, ref)
    v, u = np.nonzero(mask)
    if mask.any():
        assert u.min() >= box[0] - INSIDE_TOL and u.max() <= box[2] + INSIDE_TOL
        assert v.min() >= box[1] - INSIDE_TOL and v.max() <= box[3] + INSIDE_TOL
    return mask


@MODELS
@pytest.mark.parametrize("shape", list(SHAPES))
def test_amodal_box_of_lone_object_is_its_mask_box(shape, model):
    _, out = labels([GROUND, SHAPES[shape]], model)
    mask = check_amodal(out["boxes2d_amodal"][0], build_geometry([SHAPES[shape]]), model)
    assert mask.sum() > 200
    assert np.abs(out["boxes2d_amodal"][0] - mask_box(mask)).max() <= BOX_TOL
    assert out["unoccluded_pixels"][0] == mask.sum()
    assert out["visibility"][0] == 1.0
    assert not out["boxes2d_amodal"][1].any() and out["unoccluded_pixels"][1] == 0


@settings(max_examples=40, deadline=None, derandomize=True)
@given(kind=st.sampled_from([BOX, SPHERE, CYLINDER, CAPSULE, MESH]),
       distorted=st.booleans(),
       xy=st.tuples(st.floats(-1.3, 1.3), st.floats(-1.0, 1.0)),
       depth=st.floats(-0.5, 4.0), dims=st.tuples(st.floats(0.05, 0.6), st.floats(0.05, 0.6),
                                                  st.floats(0.05, 0.6)),
       euler=st.tuples(*[st.floats(-180, 180)] * 3))
def test_amodal_box_random_poses(kind, distorted, xy, depth, dims, euler):
    """Anywhere in view, partly outside it, across the near plane or behind the camera: the
    box of the projection inside the image."""
    model = DISTORTED if distorted else PINHOLE
    p_cam = [xy[0] * max(depth, 0.3), xy[1] * max(depth, 0.3), depth]
    p = part(kind, dims, in_world(p_cam), rot(*euler), mesh=DUCK if kind == MESH else None)
    g, out = labels([p], model)
    mask = check_amodal(out["boxes2d_amodal"][0], g, model)
    assert out["unoccluded_pixels"][0] == mask.sum()


@MODELS
def test_amodal_box_is_clipped_to_the_image(model):
    sphere = part(SPHERE, (0.3, 0, 0), in_world([-1.35, 0.0, 2.0]))  # across the left edge
    cyl = part(CYLINDER, (0.15, 0.4, 0), in_world([1.3, -1.0, 2.0]), rot(0, 60, 20), inst=2)
    _, out = labels([sphere, cyl], model)
    for i, p in enumerate((sphere, cyl)):
        check_amodal(out["boxes2d_amodal"][i], build_geometry([p]), model)
    assert out["boxes2d_amodal"][0][0] == -0.5  # left edge
    assert out["boxes2d_amodal"][1][2] == W - 0.5 and out["boxes2d_amodal"][1][1] == -0.5


@MODELS
def test_near_plane_outside_and_behind(model):
    """A wall from behind the camera to beyond it, objects behind or beside the camera, and
    a box holding the camera."""
    wall = part(BOX, (0.05, 0.5, 2.0), in_world([0.5, 0.1, 0.5]), cam_rot(0, 5, 0))
    behind = part(SPHERE, (0.3, 0, 0), in_world([0.0, 0.0, -2.0]), inst=2)
    beside = part(BOX, (0.2, 0.2, 0.2), in_world([3.0, 0.0, 0.5]), inst=3)
    _, out = labels([wall, behind, beside], model)
    check_amodal(out["boxes2d_amodal"][0], build_geometry([wall]), model)
    for i in (1, 2):
        assert not out["boxes2d_amodal"][i].any()
        assert out["unoccluded_pixels"][i] == 0 and out["visibility"][i] == 0
    room = part(BOX, (2.0, 2.0, 2.0), in_world([0.3, 0.2, 0.5]))
    _, out = labels([room], model)
    np.testing.assert_array_equal(out["boxes2d_amodal"][0], [-0.5, -0.5, W - 0.5, H - 0.5])
    assert out["unoccluded_pixels"][0] == W * H


@MODELS
def test_occluded_object_box_and_visibility(model):
    far = part(BOX, (0.35, 0.3, 0.3), in_world([0.0, 0.0, 3.0]), rot(0, 0, 20))
    near = part(BOX, (0.12, 0.4, 0.2), in_world([0.15, -0.1, 1.6]), cam_rot(0, 0, 10), inst=2)
    g, out = labels([GROUND, far, near], model)
    full = mask_of(g, model)
    visible = full == 1
    box = out["boxes2d_amodal"][0]
    alone = check_amodal(box, build_geometry([far]), model)
    vis_box = mask_box(visible)
    assert (box[:2] <= vis_box[:2]).all() and (box[2:] >= vis_box[2:]).all()
    assert (box[2] - box[0]) * (box[3] - box[1]) > 1.3 * (
        (vis_box[2] - vis_box[0]) * (vis_box[3] - vis_box[1]))
    assert out["unoccluded_pixels"][0] == alone.sum()
    expected = visible.sum() / alone.sum()
    assert 0.2 < expected < 0.8
    assert out["visibility"][0] == pytest.approx(expected, abs=1e-6)
    assert out["visibility"][1] == 1.0
    check_amodal(out["boxes2d_amodal"][1], build_geometry([near]), model)


@MODELS
def test_3d_boxes_in_the_camera_frame(model):
    rng = np.random.default_rng(7)
    poses = []
    for i in range(4):
        pos = in_world([rng.uniform(-0.6, 0.6), rng.uniform(-0.4, 0.4), rng.uniform(1, 3)])
        poses.append((pos, Rotation.random(random_state=10 + i).as_quat(),
                      rng.uniform(0.1, 0.5, 3), rng.uniform(-0.1, 0.1, 3)))
    # straddling the camera plane: some corners behind the camera
    poses.append((in_world([0.5, 0.0, 0.05]), Rotation.random(random_state=3).as_quat(),
                  np.array([0.4, 0.3, 0.5]), np.zeros(3)))
    parts = [part(BOX, s / 2, p, q, inst=i + 1) for i, (p, q, s, _) in enumerate(poses)]
    _, out = labels(parts, model, poses=poses)
    T_cam_world = np.linalg.inv(T_CAM)
    rvec = cv2.Rodrigues(T_cam_world[:3, :3])[0]
    behind = 0
    for i, (pos, q, size, centre) in enumerate(poses):
        R_wo = Rotation.from_quat(q)
        local = [centre + 0.5 * size * np.array([sx, sy, sz])
                 for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]  # 4·ix + 2·iy + iz
        corners_w = R_wo.apply(local) + pos
        uv = cv2.projectPoints(corners_w, rvec, T_cam_world[:3, 3], model.K, model.dist)[0]
        z = (corners_w @ T_cam_world[:3, :3].T + T_cam_world[:3, 3])[:, 2]
        expected = np.where(z[:, None] > 0, uv.reshape(8, 2), np.nan)
        behind += int((z <= 0).sum())
        np.testing.assert_allclose(out["box3d_corners_2d"][i], expected, atol=2e-3, rtol=1e-6)
        T_world_obj = np.eye(4)
        T_world_obj[:3, :3], T_world_obj[:3, 3] = R_wo.as_matrix(), pos
        np.testing.assert_allclose(T_CAM @ out["pose_cam"][i], T_world_obj, atol=1e-12)
        R_co = T_cam_world[:3, :3] @ R_wo.as_matrix()
        np.testing.assert_allclose(
            Rotation.from_quat(out["box3d_orientation_cam"][i]).as_matrix(), R_co, atol=1e-12)
        np.testing.assert_allclose(out["box3d_center_cam"][i],
                                   T_cam_world[:3, :3] @ (R_wo.apply(centre) + pos)
                                   + T_cam_world[:3, 3], atol=1e-12)
        np.testing.assert_allclose(out["box3d_size"][i], size.astype(np.float32))
    assert 0 < behind < 8
    for key, value in out.items():  # the padding row
        assert not value[len(poses)].any(), key


def moved(p, R_m: Rotation, delta):
    """The part tuple ``p`` rotated by R_m about its origin and shifted by ``delta``."""
    q = (R_m * Rotation.from_quat(p[2])).as_quat()
    return (p[0], p[1] + np.asarray(delta), tuple(q), *p[3:])


@MODELS
def test_flow_of_moving_objects_and_camera(model):
    objects = [SHAPES["box"], (*SHAPES["sphere"][:3], 2, 2, *SHAPES["sphere"][5:]),
               (*SHAPES["mesh"][:3], 3, 3, *SHAPES["mesh"][5:])]
    motions = [(Rotation.from_rotvec([0.05, -0.08, 0.1]), [0.03, -0.02, 0.04]),
               (Rotation.from_rotvec([0.0, 0.2, 0.0]), [0.0, 0.0, 0.0]),
               (Rotation.from_rotvec([0.03, 0.0, -0.05]), [-0.02, 0.01, 0.0])]
    parts_a = [GROUND, *objects]
    parts_b = [GROUND, *(moved(o, R_m, dt) for o, (R_m, dt) in zip(objects, motions,
                                                                     strict=True))]
    T_b = look_at([2.52, -1.49, 1.21], [0.0, 0.01, 0.3])
    ga, gb = build_geometry(parts_a), build_geometry(parts_b)
    hits = render(ga, model)
    flow = optical_flow(hits.part, hits.t, model.pixel_rays(), model, T_CAM, T_b, ga, gb)
    assert flow.shape == (H, W, 2) and flow.dtype == np.float32
    d = model.pixel_rays() @ T_CAM[:3, :3].T
    hit = hits.part >= 0
    X = T_CAM[:3, 3] + hits.t[hit, None] * d[hit]
    inst = hits.instance[hit]
    for k, (R_m, dt) in enumerate(motions):
        sel = inst == k + 1
        origin = objects[k][1]
        X[sel] = R_m.apply(X[sel] - origin) + origin + dt
    T_bc = np.linalg.inv(T_b)
    uv = cv2.projectPoints(X, cv2.Rodrigues(T_bc[:3, :3])[0], T_bc[:3, 3], model.K,
                           model.dist)[0].reshape(-1, 2)
    v, u = np.divmod(np.flatnonzero(hit), W)
    expected = uv - np.c_[u, v]
    assert np.abs(expected).max() < 16  # float32 keeps 1e-6 px below 16 px
    assert len(np.unique(inst)) == 4  # ground and the three objects
    np.testing.assert_allclose(flow.reshape(-1, 2)[hit], expected, rtol=0, atol=FLOW_TOL)


def test_flow_of_far_background_is_the_rotation_homography():
    model = PINHOLE
    T_a = look_at([0.0, 0.0, 1.0], [3.0, 0.5, 0.6])  # sky above the ground
    T_b = look_at([0.2, 0.1, 1.05], [3.0, 0.55, 0.66])
    g = build_geometry([GROUND, part(SPHERE, (0.3, 0, 0), [3.0, 0.5, 1.0])])
    hits = render(g, model, T_a)
    miss = hits.part < 0
    assert 1000 < miss.sum() < W * H - 1000
    flow = optical_flow(hits.part, hits.t, model.pixel_rays(), model, T_a, T_b, g, g)
    Hmg = model.K @ T_b[:3, :3].T @ T_a[:3, :3] @ np.linalg.inv(model.K)
    v, u = np.divmod(np.arange(W * H), W)
    p = np.c_[u, v, np.ones(W * H)] @ Hmg.T
    expected = p[:, :2] / p[:, 2:] - np.c_[u, v]
    assert np.abs(expected).max() < 16
    np.testing.assert_allclose(flow.reshape(-1, 2)[miss], expected[miss], rtol=0, atol=FLOW_TOL)


def test_flow_rejects_mismatched_geometries():
    g1, g2 = build_geometry([GROUND]), build_geometry([GROUND, SHAPES["box"]])
    hits = render(g1, PINHOLE)
    with pytest.raises(ValueError, match="same parts"):
        optical_flow(hits.part, hits.t, PINHOLE.pixel_rays(), PINHOLE, T_CAM, T_CAM, g1, g2)


def test_object_labels_rejects_bad_counts_and_masks():
    g = build_geometry([GROUND])
    z, q = np.zeros((2, 3)), np.tile([0.0, 0.0, 0.0, 1.0], (2, 1))
    with pytest.raises(ValueError, match="count"):
        object_labels(g, T_CAM, PINHOLE, np.zeros((H, W), np.int32), z, q, z, z, 3, 2)
    with pytest.raises(ValueError, match="instance_mask"):
        object_labels(g, T_CAM, PINHOLE, np.zeros((W, H), np.int32), z, q, z, z, 1, 2)
