"""Camera against PyBullet's TinyRenderer, OpenCV's projection and closed-form spheres.

One scene of primitives (boxes, spheres, cylinders at different depths, some occluding
others, most on the ground) is rendered by ``Engine.sample``; the same view is rendered by
``getCameraImage`` (TinyRenderer) in a fresh DIRECT client holding the same bodies at the
poses the sample reports, built from the sample's decoded scene instance. The projection
follows docs/references.md#pybullet-reference: P[0,2] = 1 − 2·cx/W,
P[1,2] = 2·(cy + 1)/H − 1, view = diag(1, −1, −1, 1)·inverse(T_world_cam), and metric depth
z = far·near / (far − (far − near)·d) from its depth buffer d.

TinyRenderer draws spheres and cylinders as inscribed convex hulls: their reference depth is
never nearer than the true surface and up to several centimetres farther
(docs/references.md#pybullet-reference: ≈ 1 cm on a 0.2 m sphere at 2 m, mask IoU ≈ 0.93),
so curved bodies get one-sided, looser bounds, and spheres are also checked against the
exact ray–sphere formula.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

import simengine
from simengine._pybullet import pybullet as p
from simengine.spec.loader import scene_from_dict
from tests.pybullet_reference import reference_bodies

W, H, NEAR, FAR = 320, 240, 0.1, 20.0
ERODE = np.ones((3, 3), np.uint8)  # away from silhouettes: drop 1 px along every edge

# thresholds (measured errors in the comments; see the module docstring for the curved ones)
BOX_MEDIAN, BOX_P95, BOX_MAX = 0.5e-3, 1e-3, 3e-3  # m; measured ≤ 0.007 / 0.02 / 0.03 mm
BOX_IOU = 0.97  # measured 1.0 on every box
SPHERE_IOU, CYLINDER_IOU = 0.88, 0.95  # measured 0.91–0.93 and 0.98–0.99
SPHERE_FAR_BY = 0.2  # reference − ours ∈ [−1 mm, 0.2·r]; measured 0.4 mm … 0.17·r
CYLINDER_ABS = 0.015  # |reference − ours| ≤ 15 mm; measured ≤ 8.3 mm, median ≤ 1.7 mm
CURVED_MEDIAN = 0.08  # median(reference − ours) ≤ 0.08·r; measured ≤ 0.057·r


def group(name: str, template: dict, position, euler_deg=(0.0, 0.0, 0.0)) -> dict:
    return {"name": name, "template": template, "position": list(position),
            "orientation": {"euler_deg": list(euler_deg)}}


FIXED = {"fixed": True}
BOX_A = {"position": (0.0, 0.0, 0.25), "size": (0.6, 0.4, 0.5), "yaw_deg": 30.0}
SCENE = {
    "name": "camera_reference",
    "world": {"ground": {"material": "concrete", "color": [0.4, 0.4, 0.4]}},
    "objects": [
        group("box_a", {"shape": "box", "size": list(BOX_A["size"]), **FIXED},
              BOX_A["position"], (0, 0, BOX_A["yaw_deg"])),
        # in front of box_a, hiding part of it
        group("box_b", {"shape": "box", "size": [0.3, 0.3, 0.3], **FIXED}, (1.0, -0.15, 0.15),
              (0, 0, -15)),
        # tilted, in the air
        group("box_c", {"shape": "box", "size": [0.25, 0.5, 0.2], **FIXED}, (-0.6, 1.1, 0.6),
              (20, 10, 45)),
        # dynamic: resting on the ground, its pose comes from the physics
        group("box_d", {"shape": "box", "size": [0.2, 0.2, 0.2]}, (1.8, 0.5, 0.1), (0, 0, 10)),
        group("sphere_a", {"shape": "sphere", "radius": 0.25, **FIXED}, (0.3, 1.1, 0.25)),
        group("sphere_b", {"shape": "sphere", "radius": 0.15}, (1.5, 1.0, 0.15)),
        # hides the lower part of sphere_b
        group("box_e", {"shape": "box", "size": [0.15, 0.3, 0.24], **FIXED}, (1.75, 0.8, 0.12)),
        group("cylinder_a", {"shape": "cylinder", "radius": 0.15, "length": 0.6, **FIXED},
              (-0.9, -0.9, 0.3)),
        group("cylinder_b", {"shape": "cylinder", "radius": 0.1, "length": 0.5, **FIXED},
              (1.2, -1.3, 0.1), (90, 0, 20)),
    ],
    "simulation": {"capture_times": [0.05], "duration": 0.05},
    "sensors": [{"name": "cam", "preset": "rgbd_d435_640x480",
                 "overrides": {"width": W, "height": H, "near": NEAR, "far": FAR},
                 "pose": {"position": [3.0, -1.0, 1.6], "look_at": [0.0, 0.0, 0.3]}}],
}


def projection_matrix(K: np.ndarray, width: int, height: int, near: float, far: float
                      ) -> np.ndarray:
    """OpenGL projection whose TinyRenderer pixel (u, v) is OpenCV's pixel centre (u, v)."""
    P = np.zeros((4, 4))
    P[0, 0] = 2 * K[0, 0] / width
    P[0, 2] = 1 - 2 * K[0, 2] / width
    P[1, 1] = 2 * K[1, 1] / height
    P[1, 2] = 2 * (K[1, 2] + 1) / height - 1
    P[2, 2] = -(far + near) / (far - near)
    P[2, 3] = -2 * far * near / (far - near)
    P[3, 2] = -1.0
    return P


def tiny_render(sample: dict, instance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(metric z-depth, instance ids, raw segmentation) of the same view by TinyRenderer."""
    K, T_world_cam = sample["camera/cam/K"], sample["camera/cam/T_world_cam"][0]
    client = p.connect(p.DIRECT)
    try:
        body_to_instance = reference_bodies(client, sample, instance, visual=True)
        view = np.diag([1.0, -1.0, -1.0, 1.0]) @ np.linalg.inv(T_world_cam)
        proj = projection_matrix(K, W, H, NEAR, FAR)
        _, _, _, d, seg = p.getCameraImage(
            W, H, viewMatrix=view.T.ravel().tolist(), projectionMatrix=proj.T.ravel().tolist(),
            renderer=p.ER_TINY_RENDERER, physicsClientId=client)
    finally:
        p.disconnect(client)
    d = np.reshape(np.asarray(d, np.float64), (H, W))
    seg = np.reshape(np.asarray(seg), (H, W))
    z = FAR * NEAR / (FAR - (FAR - NEAR) * d)
    lut = np.zeros(max(body_to_instance) + 2, np.int32)
    for body, inst in body_to_instance.items():
        lut[body] = inst
    ids = np.where(seg >= 0, lut[np.clip(seg, 0, len(lut) - 1)], 0)
    return z, ids, seg


@pytest.fixture(scope="module")
def rendered():
    spec = scene_from_dict(SCENE, source="<test_camera_reference>")
    sample = simengine.Engine(spec, seed=0).sample(0)
    instance = simengine.decode_instance(sample["meta/instance_json"])
    assert len(instance.objects) == len(SCENE["objects"])  # none dropped
    z_ref, ids_ref, seg = tiny_render(sample, instance)
    return sample, instance, z_ref, ids_ref, seg


def eroded(mask: np.ndarray) -> np.ndarray:
    return cv2.erode(mask.astype(np.uint8), ERODE).astype(bool)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def objects_of(instance, *shapes: str):
    return [o for o in instance.objects if o.shape in shapes]


def test_pose_is_the_scene_look_at(rendered) -> None:
    """T_world_cam is the OpenCV optical frame of the mount: at the scene position, z towards
    the look-at target, x to the right (z × up, horizontal), y down."""
    sample, *_ = rendered
    pose = SCENE["sensors"][0]["pose"]
    T = sample["camera/cam/T_world_cam"][0]
    z = np.subtract(pose["look_at"], pose["position"])
    z /= np.linalg.norm(z)
    x = np.cross(z, [0.0, 0.0, 1.0])
    x /= np.linalg.norm(x)
    np.testing.assert_allclose(T[:3, :3], np.stack([x, np.cross(z, x), z], axis=1), atol=1e-12)
    np.testing.assert_allclose(T[:3, 3], pose["position"], atol=1e-12)
    np.testing.assert_array_equal(T[3], [0, 0, 0, 1])
    fx = 0.5 * W / math.tan(math.radians(87.0) / 2)  # the preset's hfov_deg
    np.testing.assert_allclose(sample["camera/cam/K"],
                               [[fx, 0, (W - 1) / 2], [0, fx, (H - 1) / 2], [0, 0, 1]], rtol=1e-12)


def test_box_and_ground_depth_match_tinyrenderer(rendered) -> None:
    sample, instance, z_ref, ids_ref, _ = rendered
    depth, ids = sample["camera/cam/depth"][0], sample["camera/cam/instance"][0]
    masks = {o.group: ids == o.instance_id for o in objects_of(instance, "box")}
    ground = (ids == 0) & (depth > 0) & (ids_ref == 0) & np.isfinite(z_ref) & (z_ref < FAR)
    masks["ground"] = ground
    for key, mask in masks.items():
        sel = eroded(mask) & (ids_ref == ids) & (depth > 0)
        assert sel.sum() > 100, key
        err = np.abs(depth[sel] - z_ref[sel])
        stats = (np.median(err), np.percentile(err, 95), err.max())
        print(f"depth |ours − TinyRenderer| {key}: n={sel.sum()} median/p95/max = "
              + " / ".join(f"{s * 1e3:.4f} mm" for s in stats))
        assert stats[0] < BOX_MEDIAN and stats[1] < BOX_P95 and stats[2] < BOX_MAX, key


def test_curved_depth_within_tessellation_bounds(rendered) -> None:
    sample, instance, z_ref, ids_ref, _ = rendered
    depth, ids = sample["camera/cam/depth"][0], sample["camera/cam/instance"][0]
    for obj in objects_of(instance, "sphere", "cylinder"):
        sel = eroded(ids == obj.instance_id) & (ids_ref == obj.instance_id)
        assert sel.sum() > 100
        diff = z_ref[sel] - depth[sel]  # reference (inscribed hull) − ours
        print(f"depth reference − ours, {obj.shape} r={obj.radius}: min {diff.min() * 1e3:.2f}"
              f" median {np.median(diff) * 1e3:.2f} max {diff.max() * 1e3:.2f} mm")
        assert np.median(diff) <= CURVED_MEDIAN * obj.radius
        if obj.shape == "sphere":
            assert diff.min() >= -1e-3
            assert diff.max() <= SPHERE_FAR_BY * obj.radius
        else:
            assert np.abs(diff).max() <= CYLINDER_ABS


def test_spheres_match_the_closed_form(rendered) -> None:
    """Every pixel ray of OpenCV's pinhole (K⁻¹·[u, v, 1]) against the exact sphere: where the
    sample labels the sphere the depth is the formula's; where the formula hits the sphere
    but the label is another, something nearer is there."""
    sample, instance, *_ = rendered
    depth, ids = sample["camera/cam/depth"][0], sample["camera/cam/instance"][0]
    K, T = sample["camera/cam/K"], sample["camera/cam/T_world_cam"][0]
    u, v = np.meshgrid(np.arange(W, dtype=np.float64), np.arange(H, dtype=np.float64))
    rays_cam = np.stack([u, v, np.ones_like(u)], axis=-1) @ np.linalg.inv(K).T  # z = 1
    rays_world = rays_cam @ T[:3, :3].T
    hidden_total = 0
    for obj in objects_of(instance, "sphere"):
        c = sample["objects/position"][0, obj.index]
        oc = T[:3, 3] - c
        a = np.einsum("hwk,hwk->hw", rays_world, rays_world)
        b = rays_world @ oc
        disc = b * b - a * (oc @ oc - obj.radius**2)
        with np.errstate(invalid="ignore"):
            z = (-b - np.sqrt(disc)) / a  # the ray is scaled to z = 1: s is the z-depth
        inside = disc > 1e-6 * a * obj.radius**2  # not grazing
        mine = ids == obj.instance_id
        assert np.all(inside[mine] | (disc[mine] > 0))
        np.testing.assert_allclose(depth[mine & inside], z[mine & inside], rtol=1e-6)
        hidden = inside & ~mine
        assert np.all((depth[hidden] > 0) & (depth[hidden] < z[hidden]))
        assert (mine & inside).sum() > 100
        print(f"{obj.group}: {(mine & inside).sum()} px, max relative depth error "
              f"{np.max(np.abs(depth[mine & inside] / z[mine & inside] - 1)):.1e}; "
              f"{hidden.sum()} px hidden by nearer objects")
        hidden_total += hidden.sum()
    assert hidden_total > 20  # sphere_b is partly behind box_e


def test_masks_match_the_segmentation_buffer(rendered) -> None:
    sample, instance, _, ids_ref, seg = rendered
    ids, depth = sample["camera/cam/instance"][0], sample["camera/cam/depth"][0]
    for obj in instance.objects:
        ours, ref = ids == obj.instance_id, ids_ref == obj.instance_id
        score = iou(ours, ref)
        print(f"mask IoU {obj.shape} #{obj.instance_id}: {score:.4f} "
              f"({ours.sum()} px ours, {ref.sum()} px TinyRenderer)")
        threshold = {"box": BOX_IOU, "sphere": SPHERE_IOU, "cylinder": CYLINDER_IOU}[obj.shape]
        assert score >= threshold
        if obj.shape != "box":  # the inscribed hull's silhouette lies inside ours
            assert (ref & ~ours).sum() <= 0.01 * ref.sum()
    # nothing (sky beyond the far plane) in the same places
    no_hit_ours, no_hit_ref = depth == 0, seg < 0
    assert no_hit_ours.sum() > 1000
    assert (no_hit_ours ^ no_hit_ref).sum() <= 0.001 * W * H


def mask_boxes(ids: np.ndarray, instance_ids) -> dict[int, tuple[int, int, int, int] | None]:
    out: dict[int, tuple[int, int, int, int] | None] = {}
    for i in instance_ids:
        ys, xs = np.nonzero(ids == i)
        # K's convention: pixel centres at integers, so the box spans the outer pixel edges
        out[i] = None if len(xs) == 0 else (xs.min() - 0.5, ys.min() - 0.5, xs.max() + 0.5,
                                            ys.max() + 0.5)
    return out


def test_boxes2d_are_the_boxes_of_the_mask(rendered) -> None:
    sample, instance, _, ids_ref, _ = rendered
    ids = sample["camera/cam/instance"][0]
    boxes, counts = sample["camera/cam/boxes2d"][0], sample["camera/cam/visible_pixels"][0]
    inst_ids = [o.instance_id for o in instance.objects]
    ours, ref = mask_boxes(ids, inst_ids), mask_boxes(ids_ref, inst_ids)
    for obj in instance.objects:
        i = obj.index
        assert ours[obj.instance_id] is not None
        assert tuple(boxes[i]) == ours[obj.instance_id]
        assert counts[i] == (ids == obj.instance_id).sum()
        tol = 0 if obj.shape == "box" else 1
        assert np.abs(np.subtract(ours[obj.instance_id], ref[obj.instance_id])).max() <= tol
    assert np.all(boxes[len(instance.objects):] == 0) and np.all(counts[len(inst_ids):] == 0)


def opencv_pose(T_world_cam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    T_cam_world = np.linalg.inv(T_world_cam)
    rvec, _ = cv2.Rodrigues(T_cam_world[:3, :3])
    return rvec, T_cam_world[:3, 3].copy()


def test_object_centres_project_inside_their_boxes(rendered) -> None:
    sample, instance, *_ = rendered
    K, T = sample["camera/cam/K"], sample["camera/cam/T_world_cam"][0]
    rvec, tvec = opencv_pose(T)
    centres = np.ascontiguousarray(sample["objects/position"][0, :len(instance.objects)])
    uv, _ = cv2.projectPoints(centres, rvec, tvec, K, np.zeros(5))
    boxes = sample["camera/cam/boxes2d"][0]
    for obj, (u, v) in zip(instance.objects, uv[:, 0], strict=True):
        x0, y0, x1, y1 = boxes[obj.index]
        # same continuous coordinates as K: the projected centre lies inside the box
        assert x0 <= u <= x1 and y0 <= v <= y1, (obj.group, (u, v), boxes[obj.index])


def test_box_corner_projects_like_opencv(rendered) -> None:
    """A corner of box_a known from the scene file: our K and T_world_cam put it where
    ``cv2.projectPoints`` does; a point just inside the top face near it lands on a pixel that
    both renderers give to box_a, and that pixel's depth lies on the top face."""
    sample, _, _, ids_ref, _ = rendered
    K, T = sample["camera/cam/K"], sample["camera/cam/T_world_cam"][0]
    depth, ids = sample["camera/cam/depth"][0], sample["camera/cam/instance"][0]
    yaw = math.radians(BOX_A["yaw_deg"])
    Rz = np.array([[math.cos(yaw), -math.sin(yaw), 0.0], [math.sin(yaw), math.cos(yaw), 0.0],
                   [0.0, 0.0, 1.0]])
    centre = np.asarray(BOX_A["position"])
    np.testing.assert_allclose(sample["objects/position"][0, 0], centre, atol=1e-9)
    half = np.asarray(BOX_A["size"]) / 2
    top = [centre + Rz @ (half * (sx, sy, 1.0)) for sx in (-1, 1) for sy in (-1, 1)]
    corner = min(top, key=lambda c: np.linalg.norm(c - T[:3, 3]))  # faces the camera
    rvec, tvec = opencv_pose(T)
    uv_cv, _ = cv2.projectPoints(corner[None], rvec, tvec, K, np.zeros(5))
    x_cam = np.linalg.inv(T) @ np.append(corner, 1.0)
    uv_ours = (K @ x_cam[:3])[:2] / x_cam[2]
    np.testing.assert_allclose(uv_ours, uv_cv[0, 0], atol=1e-9)
    inset = corner + (centre + np.array([0, 0, half[2]]) - corner) * 0.1
    uv_in, _ = cv2.projectPoints(inset[None], rvec, tvec, K, np.zeros(5))
    col, row = (round(float(x)) for x in uv_in[0, 0])
    assert ids[row, col] == 1 and ids_ref[row, col] == 1
    ray = np.linalg.inv(K) @ np.array([col, row, 1.0])
    point = T[:3, :3] @ (ray * depth[row, col]) + T[:3, 3]
    assert abs(point[2] - (centre[2] + half[2])) < 1e-5
