"""KITTI export (3D object detection layout): one camera and one lidar, one KITTI frame per
sample and capture frame.

Layout (KITTI object devkit, ``readme.txt``)::

    DIR/training/image_2/NNNNNN.png    RGB as rendered
    DIR/training/velodyne/NNNNNN.bin   float32 x, y, z, reflectance per return
    DIR/training/label_2/NNNNNN.txt    one line per object
    DIR/training/calib/NNNNNN.txt      P0..P3, R0_rect, Tr_velo_to_cam, Tr_imu_to_velo
    DIR/ImageSets/train.txt            every frame id
    DIR/simengine_export.json          manifest, with frame id -> (sample, capture)

Frames: simengine's camera frame is OpenCV's (x right, y down, z forward), which is KITTI's
rectified camera frame, and its lidar frame is x forward, y left, z up like KITTI's
velodyne, so no axis swap is needed. There is one camera: P0..P3 are all its ``[K | 0]``
and R0_rect is the identity; Tr_velo_to_cam is T_cam_lidar at the capture instant; there
is no IMU (Tr_imu_to_velo is the identity). KITTI images are undistorted: a camera with
lens distortion is exported as rendered and P2 ignores the distortion (a note says so).
Velodyne: every return (both slots of a dual-return lidar) with range > 0, in the store's
order (slot, ring, column); reflectance = the store's intensity.

Labels: ``type`` is the class name (spaces → ``_``); objects with at least one visible
pixel only. ``bbox`` is the visible-mask box in ``K``'s coordinates (pixel centres at
integers, as P2 projects). ``truncated`` = the share of the bounding box of the projected
3D box corners that lies outside the image (1 when a corner is behind the camera);
``occluded`` from the visibility v: 0 if v ≥ 0.95, 1 if v ≥ 0.5, 2 otherwise, 3 when
unknown (no unoccluded pixel). 3D values carry 4 decimals (0.1 mm), pixels 2.

3D boxes: KITTI boxes turn about the camera's y axis only; simengine's objects have any
orientation. The export keeps the exact centre and extents and projects the rotation: the
box axis closest to the camera y axis becomes the height h, the longer of the other two
the length l (the object's x in KITTI's box frame), the third the width w;
``rotation_y`` = the heading of the length axis in the camera's x-z plane,
atan2(−a_z, a_x); ``location`` = the centre moved down (+y) by h / 2 (KITTI's bottom
centre); ``alpha`` = rotation_y − atan2(x, z). Lost: the tilt of the box about the other
two axes (a tumbling object's KITTI box is its true box turned upright about its centre),
and a tilted camera's y axis is not gravity's, so "upright" means upright in the image.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..box2d import PixelBox
from ..geometry.transforms import invert, quat_to_matrix
from .common import (
    ExportSummary,
    done_batches,
    open_store,
    pick_sensor,
    prepare_target,
    save_png,
    write_manifest,
)

CALIB_KEYS = ("P0", "P1", "P2", "P3", "R0_rect", "Tr_velo_to_cam", "Tr_imu_to_velo")


def yaw_box(center_cam: np.ndarray, size: np.ndarray, quat_cam: np.ndarray
            ) -> tuple[tuple[float, float, float], np.ndarray, float, tuple[int, int, int]]:
    """KITTI's (h, w, l), bottom-centre location and rotation_y for a box of any
    orientation (module docstring); also the local axes chosen as (h, w, l)."""
    R = quat_to_matrix(quat_cam)  # columns: the box axes in the camera frame
    size = np.asarray(size, np.float64)
    h_axis = int(np.argmax(np.abs(R[1])))
    rest = [i for i in range(3) if i != h_axis]
    l_axis = max(rest, key=lambda i: (size[i], -i))
    w_axis = rest[0] if rest[1] == l_axis else rest[1]
    a = R[:, l_axis]
    ry = math.atan2(-a[2], a[0])
    h, w, l_ = float(size[h_axis]), float(size[w_axis]), float(size[l_axis])
    location = np.asarray(center_cam, np.float64) + np.array([0.0, h / 2, 0.0])
    return (h, w, l_), location, ry, (h_axis, w_axis, l_axis)


def wrap(angle: float) -> float:
    return (angle + math.pi) % (2 * math.pi) - math.pi


def label_line(name: str, truncated: float, occluded: int, alpha: float,
               box: Sequence[float], dims: tuple[float, float, float], location: np.ndarray,
               ry: float) -> str:
    """One label_2 line; ``box`` is in order (x_min <= x_max, y_min <= y_max)."""
    x0, y0, x1, y1 = (float(v) for v in box)
    h, w, l_ = dims
    x, y, z = (float(v) + 0.0 for v in location)  # + 0.0: no "-0.0000"
    return (f"{name.replace(' ', '_')} {truncated:.2f} {occluded:d} {alpha:.4f} "
            f"{x0:.2f} {y0:.2f} {x1:.2f} {y1:.2f} {h:.4f} {w:.4f} {l_:.4f} "
            f"{x:.4f} {y:.4f} {z:.4f} {ry:.4f}")


def calib_text(K: np.ndarray, T_cam_lidar: np.ndarray) -> str:
    P = np.hstack([np.asarray(K, np.float64), np.zeros((3, 1))])
    mats = {"P0": P, "P1": P, "P2": P, "P3": P, "R0_rect": np.eye(3),
            "Tr_velo_to_cam": np.asarray(T_cam_lidar, np.float64)[:3],
            "Tr_imu_to_velo": np.hstack([np.eye(3), np.zeros((3, 1))])}
    return "".join(f"{k}: " + " ".join(f"{v:.12e}" for v in mats[k].ravel()) + "\n"
                   for k in CALIB_KEYS)


def truncation(corners_2d: np.ndarray, width: int, height: int) -> float:
    """Share of the projected 3D box's bounding box outside the image (1 when a corner is
    behind the camera)."""
    if not np.all(np.isfinite(corners_2d)):
        return 1.0
    lo, hi = corners_2d.min(axis=0), corners_2d.max(axis=0)
    full = float(np.prod(hi - lo))
    inside = np.clip(np.minimum(hi, [width - 0.5, height - 0.5])
                     - np.maximum(lo, [-0.5, -0.5]), 0.0, None)
    return float(np.clip(1.0 - np.prod(inside) / full, 0.0, 1.0)) if full > 0 else 0.0


def occlusion(visibility: float, unoccluded: int) -> int:
    if unoccluded <= 0:
        return 3
    return 0 if visibility >= 0.95 else 1 if visibility >= 0.5 else 2


def export_kitti(store: str, out: str | Path, *, camera: str | None = None,
                 lidar: str | None = None, overwrite: bool = False) -> ExportSummary:
    probe = open_store(store)
    attrs = probe.attrs
    cam, lid = (pick_sensor(store, attrs, "camera", camera),
                pick_sensor(store, attrs, "lidar", lidar))
    frames = int(probe.root["meta/time"].shape[1])
    target = prepare_target(out, overwrite)
    write_manifest(target, "kitti", store, attrs, {"complete": False})
    c, ld = f"camera/{cam}", f"lidar/{lid}"
    keys = ["objects/count", "objects/class_id",
            *(f"{c}/{k}" for k in ("rgb", "K", "distortion", "T_world_cam", "boxes2d",
                                   "boxes2d_amodal", "visible_pixels", "unoccluded_pixels",
                                   "visibility", "box3d_center_cam", "box3d_size",
                                   "box3d_orientation_cam", "box3d_corners_2d")),
            *(f"{ld}/{k}" for k in ("range", "intensity", "xyz", "T_world_lidar"))]
    names, frame_map, n_labels, distorted = list(attrs["classes"]), [], 0, False
    root = target / "training"
    for indices, b in done_batches(store, keys):
        for j, k in enumerate(indices.tolist()):
            distorted |= bool(np.any(b[f"{c}/distortion"][j]))
            for f in range(frames):
                fid = f"{len(frame_map):06d}"
                frame_map.append({"id": fid, "sample": int(k), "frame": f})
                save_png(root / "image_2" / f"{fid}.png", b[f"{c}/rgb"][j, f])
                T_cam_lidar = invert(b[f"{c}/T_world_cam"][j, f]) @ b[f"{ld}/T_world_lidar"][j, f]
                _write(root / "calib" / f"{fid}.txt", calib_text(b[f"{c}/K"][j], T_cam_lidar))
                _velodyne(root / "velodyne" / f"{fid}.bin", b[f"{ld}/range"][j, f],
                          b[f"{ld}/xyz"][j, f], b[f"{ld}/intensity"][j, f])
                lines = _labels(b, c, j, f, names)
                n_labels += len(lines)
                _write(root / "label_2" / f"{fid}.txt", "".join(x + "\n" for x in lines))
    _write(target / "ImageSets" / "train.txt", "".join(m["id"] + "\n" for m in frame_map))
    notes = [f"camera {cam} has lens distortion: images are exported as rendered (not "
             "rectified) and P2 ignores the distortion"] if distorted else []
    write_manifest(target, "kitti", store, attrs, {
        "complete": True, "camera": cam, "lidar": lid, "frames": frame_map, "notes": notes,
        "box_convention": "K's pixel coordinates (pixel centres at integers)"})
    samples = len({m["sample"] for m in frame_map})
    return ExportSummary("kitti", str(target), samples, len(frame_map), n_labels,
                         4 * len(frame_map) + 2, notes)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="ascii")


def _velodyne(path: Path, rng_: np.ndarray, xyz: np.ndarray, intensity: np.ndarray) -> None:
    hit = rng_ > 0
    points = np.concatenate([xyz[hit], intensity[hit][:, None]], axis=1).astype("<f4")
    path.parent.mkdir(parents=True, exist_ok=True)
    points.tofile(path)


def _labels(b: dict, c: str, j: int, f: int, names: list[str]) -> list[str]:
    lines = []
    H, W = b[f"{c}/rgb"].shape[2:4]
    for m in range(int(b["objects/count"][j])):
        center = b[f"{c}/box3d_center_cam"][j, f, m]
        box = PixelBox.from_stored(b[f"{c}/boxes2d"][j, f, m])
        if b[f"{c}/visible_pixels"][j, f, m] <= 0 or box is None or center[2] <= 0:
            continue
        dims, location, ry, _ = yaw_box(center, b[f"{c}/box3d_size"][j, f, m],
                                        b[f"{c}/box3d_orientation_cam"][j, f, m])
        alpha = wrap(ry - math.atan2(float(center[0]), float(center[2])))
        lines.append(label_line(
            names[int(b["objects/class_id"][j, m])],
            truncation(b[f"{c}/box3d_corners_2d"][j, f, m], W, H),
            occlusion(float(b[f"{c}/visibility"][j, f, m]),
                      int(b[f"{c}/unoccluded_pixels"][j, f, m])),
            alpha, box.k_box(), dims, location, wrap(ry)))
    return lines
