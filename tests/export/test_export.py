"""`simengine export --format coco|kitti`, read back with the formats' own readers:
pycocotools for COCO, pykitti (calib and velodyne) plus the KITTI devkit's label and box
conventions for KITTI, and checked against the store's arrays read with zarr."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
import zarr
from PIL import Image
from scipy.spatial.transform import Rotation

from simengine.cli import main

from ..conftest import MINI

pycocotools = pytest.importorskip("pycocotools")
pykitti_utils = pytest.importorskip("pykitti.utils")
from pycocotools import mask as mask_utils  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402

# pycocotools' compiled decoder trips NumPy 2's __array__(copy=...) deprecation: not ours
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """The mini scene with a closer, sharper camera and a denser, closer lidar (objects
    cover tens of pixels and points), no microphones (not exported)."""
    tmp = tmp_path_factory.mktemp("export")
    scene = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    cam, lid = scene["sensors"][:2]
    cam["overrides"] = {"width": 128, "height": 96}
    cam["pose"] = {"position": [1.2, 0.3, 0.8], "look_at": [0, 0, 0.1]}
    lid["overrides"] = {"columns": 360, "range_noise_std": 0.01}
    lid["pose"] = {"position": [-1.2, 0.0, 0.5], "euler_deg": [0, 0, 0]}
    scene["sensors"] = [cam, lid]
    path = tmp / "scene.yaml"
    path.write_text(yaml.safe_dump(scene), encoding="utf-8")
    out = tmp / "s.zarr"
    assert main(["render", str(path), "-n", "3", "-o", str(out), "--no-progress"]) == 0
    return out


def sample(store: Path, k: int) -> dict[str, np.ndarray]:
    root = zarr.open_group(str(store), mode="r")
    return {name: np.asarray(root[name][k]) for name in root.attrs["simengine"]["arrays"]}


@pytest.fixture(scope="module")
def coco_dir(store) -> Path:
    out = store.parent / "coco"
    assert main(["export", str(store), "--format", "coco", "-o", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def kitti_dir(store) -> Path:
    out = store.parent / "kitti"
    assert main(["export", str(store), "--format", "kitti", "-o", str(out)]) == 0
    return out


def test_coco_masks_boxes_and_images_read_back_with_pycocotools(store, coco_dir):
    classes = zarr.open_group(str(store), mode="r").attrs["simengine"]["classes"]
    for f in (0, 1):
        coco = COCO(str(coco_dir / "annotations" / f"instances_cam_f{f}.json"))
        cats = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
        assert cats == {3: "block", 4: "ball"} and classes[3:] == ["block", "ball"]
        assert sorted(coco.getImgIds()) == [0, 1, 2]
        n = 0
        for img in coco.loadImgs(coco.getImgIds()):
            s = sample(store, img["id"])
            rgb = np.asarray(Image.open(coco_dir / "images" / img["file_name"]))
            assert np.array_equal(rgb, s["camera/cam/rgb"][f])
            anns = coco.loadAnns(coco.getAnnIds(imgIds=img["id"]))
            visible = np.flatnonzero(s["camera/cam/visible_pixels"][f][:s["objects/count"]])
            assert sorted(a["instance_id"] for a in anns) == (visible + 1).tolist()
            for a in anns:
                m = a["instance_id"] - 1
                mask = coco.annToMask(a).astype(bool)
                assert np.array_equal(mask, s["camera/cam/instance"][f] == m + 1)
                assert a["area"] == mask.sum() == s["camera/cam/visible_pixels"][f, m]
                assert a["category_id"] == s["objects/class_id"][m]
                x0, y0, x1, y1 = s["camera/cam/boxes2d"][f, m]
                assert a["bbox"] == [x0 + 0.5, y0 + 0.5, x1 - x0, y1 - y0]
                assert mask_utils.toBbox(coco.annToRLE(a)).tolist() == a["bbox"]
                assert a["iscrowd"] == 0
                assert a["visibility"] == pytest.approx(s["camera/cam/visibility"][f, m])
                n += 1
        assert n > 0


def read_label(path: Path) -> list[dict]:
    """A label_2 file, fields as the KITTI object devkit's readme.txt lists them."""
    out = []
    for line in path.read_text().splitlines():
        v = line.split()
        assert len(v) == 15
        out.append({"type": v[0], "truncated": float(v[1]), "occluded": int(v[2]),
                    "alpha": float(v[3]), "bbox": np.array(v[4:8], float),
                    "hwl": np.array(v[8:11], float), "location": np.array(v[11:14], float),
                    "rotation_y": float(v[14])})
    return out


def devkit_corners(o: dict) -> np.ndarray:
    """The 8 corners of a label box in the camera frame (devkit ``computeBox3D``)."""
    h, w, l_ = o["hwl"]
    x = [l_ / 2, l_ / 2, -l_ / 2, -l_ / 2, l_ / 2, l_ / 2, -l_ / 2, -l_ / 2]
    y = [0, 0, 0, 0, -h, -h, -h, -h]
    z = [w / 2, -w / 2, -w / 2, w / 2, w / 2, -w / 2, -w / 2, w / 2]
    c, s = np.cos(o["rotation_y"]), np.sin(o["rotation_y"])
    R = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return (R @ np.array([x, y, z])).T + o["location"]


def project(P: np.ndarray, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uvw = np.c_[pts, np.ones(len(pts))] @ P.T
    return uvw[:, :2] / uvw[:, 2:], uvw[:, 2]


def iou(a: np.ndarray, b: np.ndarray) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def kitti_frames(kitti_dir: Path) -> list[dict]:
    manifest = json.loads((kitti_dir / "simengine_export.json").read_text())
    ids = (kitti_dir / "ImageSets" / "train.txt").read_text().split()
    assert ids == [m["id"] for m in manifest["frames"]] and len(ids) == 6  # 3 samples x 2
    return manifest["frames"]


def test_kitti_velodyne_lands_where_the_camera_sees_it(store, kitti_dir):
    train = kitti_dir / "training"
    for fr in kitti_frames(kitti_dir):
        s, f, fid = sample(store, fr["sample"]), fr["frame"], fr["id"]
        calib = pykitti_utils.read_calib_file(str(train / "calib" / f"{fid}.txt"))
        P2, R0 = calib["P2"].reshape(3, 4), calib["R0_rect"].reshape(3, 3)
        Tr = calib["Tr_velo_to_cam"].reshape(3, 4)
        velo = pykitti_utils.load_velo_scan(str(train / "velodyne" / f"{fid}.bin"))
        hit = s["lidar/lid/range"][f] > 0
        assert np.array_equal(velo[:, :3], s["lidar/lid/xyz"][f][hit])
        assert np.array_equal(velo[:, 3], s["lidar/lid/intensity"][f][hit])
        assert np.array_equal(np.asarray(Image.open(train / "image_2" / f"{fid}.png")),
                              s["camera/cam/rgb"][f])
        pts_cam = (R0 @ (np.c_[velo[:, :3], np.ones(len(velo))] @ Tr.T).T).T
        uv, z = project(P2, pts_cam)
        H, W = s["camera/cam/depth"][f].shape
        inside = (z > 0) & (uv[:, 0] >= 0) & (uv[:, 0] <= W - 1) & (uv[:, 1] >= 0) & \
            (uv[:, 1] <= H - 1)
        assert inside.sum() > 500
        # depth: the camera's z-depth at the projected point agrees with the point's z
        depth = cv2.remap(s["camera/cam/depth"][f], uv[inside, :1].astype(np.float32),
                          uv[inside, 1:].astype(np.float32), cv2.INTER_LINEAR).ravel()
        assert np.median(np.abs(depth - z[inside])) < 0.03
        # identity: the camera sees the lidar's object (or stuff) at the nearest pixel
        u, v = np.round(uv[inside]).astype(int).T
        lidar_ids = s["lidar/lid/instance"][f][hit][inside]
        assert np.mean(s["camera/cam/instance"][f][v, u] == lidar_ids) > 0.97
        # every object point falls in that object's amodal box (1 px slack: beam timing)
        on = lidar_ids > 0
        boxes = s["camera/cam/boxes2d_amodal"][f][lidar_ids[on] - 1]
        p = uv[inside][on]
        within = (p[:, 0] >= boxes[:, 0] - 1) & (p[:, 0] <= boxes[:, 2] + 1) & \
            (p[:, 1] >= boxes[:, 1] - 1) & (p[:, 1] <= boxes[:, 3] + 1)
        assert on.sum() > 10 and within.mean() > 0.95


def test_kitti_labels_agree_with_the_store_boxes(store, kitti_dir):
    classes = zarr.open_group(str(store), mode="r").attrs["simengine"]["classes"]
    train, ious = kitti_dir / "training", []
    for fr in kitti_frames(kitti_dir):
        s, f, fid = sample(store, fr["sample"]), fr["frame"], fr["id"]
        P2 = pykitti_utils.read_calib_file(str(train / "calib" / f"{fid}.txt"))["P2"]
        labels = read_label(train / "label_2" / f"{fid}.txt")
        visible = np.flatnonzero(s["camera/cam/visible_pixels"][f][:s["objects/count"]])
        assert len(labels) == len(visible)
        for o, m in zip(labels, visible, strict=True):
            assert o["type"] == classes[s["objects/class_id"][m]]
            assert np.allclose(o["bbox"], s["camera/cam/boxes2d"][f, m], atol=0.005)
            size = s["camera/cam/box3d_size"][f, m].astype(float)
            R = Rotation.from_quat(s["camera/cam/box3d_orientation_cam"][f, m]).as_matrix()
            h_axis = int(np.argmax(np.abs(R[1])))  # the box axis nearest the camera's y
            assert o["hwl"][0] == pytest.approx(size[h_axis], abs=5e-5)
            assert sorted(o["hwl"]) == pytest.approx(sorted(size), abs=5e-5)
            centre = o["location"] - [0, o["hwl"][0] / 2, 0]  # bottom centre -> centre
            # (labels carry 4 decimals: 5e-5 per value, twice here)
            assert centre == pytest.approx(s["camera/cam/box3d_center_cam"][f, m], abs=1.1e-4)
            # rotation_y turns KITTI's x (length) onto the length axis seen in the x-z plane
            # (any axis of that length but the height's, for equal sides)
            heading = np.array([np.cos(o["rotation_y"]), -np.sin(o["rotation_y"])])
            cosines = [R[[0, 2], i] @ heading / np.linalg.norm(R[[0, 2], i]) for i in range(3)
                       if i != h_axis and abs(size[i] - o["hwl"][2]) < 5e-5]
            assert max(cosines) == pytest.approx(1.0, abs=1e-3)
            assert o["alpha"] == pytest.approx(np.angle(np.exp(1j * (
                o["rotation_y"] - np.arctan2(centre[0], centre[2])))), abs=2e-4)
            # the box centre projects inside the object's amodal 2D box
            (uv,), _ = project(P2.reshape(3, 4), centre[None])
            x0, y0, x1, y1 = s["camera/cam/boxes2d_amodal"][f, m]
            assert x0 <= uv[0] <= x1 and y0 <= uv[1] <= y1
            corners, _ = project(P2.reshape(3, 4), devkit_corners(o))
            ious.append(iou(np.r_[corners.min(0), corners.max(0)],
                            s["camera/cam/boxes2d_amodal"][f, m]))
    # the upright (yaw-only) box is the true box turned about its centre: its image
    # overlaps the object's, loosely for tumbled objects under this tilted camera
    assert min(ious) > 0.4 and np.mean(ious) > 0.6


@pytest.mark.parametrize("argv, fragment", [
    (["export", "{tmp}/missing.zarr", "--format", "coco", "-o", "{tmp}/out"], "no such store"),
    (["export", "{tmp}/plain", "--format", "kitti", "-o", "{tmp}/out"], "not a Zarr v3 group"),
    (["export", "{store}", "--format", "voc", "-o", "{tmp}/out"], "invalid choice: 'voc'"),
    (["export", "{store}", "--format", "coco", "-o", "{tmp}/file.txt"], "is a file"),
    (["export", "{tmp}/empty.zarr", "--format", "coco", "-o", "{tmp}/out"],
     "no rendered samples"),
    (["export", "{store}", "--format", "coco", "-o", "{tmp}/taken"], "--overwrite"),
    (["export", "{store}", "--format", "kitti", "-o", "{tmp}/taken", "--overwrite"],
     "not a simengine export"),
    (["export", "{store}", "--format", "kitti", "-o", "{tmp}/out", "--lidar", "x"],
     "no lidar 'x'"),
    (["export", "{store}", "--format", "coco", "-o", "{tmp}/out", "--camera", "x"],
     "no camera 'x'"),
])
def test_bad_input_exits_2_and_writes_nothing(argv, fragment, store, tmp_path, capsys):
    from simengine import Engine
    from simengine.jobs.layout import prepare_render_store

    (tmp_path / "plain").mkdir()
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("precious")
    (tmp_path / "file.txt").write_text("precious")
    prepare_render_store(str(tmp_path / "empty.zarr"), Engine(MINI, seed=0), 2, 2, resume=False,
                         overwrite=False)
    before = {p: p.read_bytes() if p.is_file() else None for p in tmp_path.rglob("*")}
    assert main([a.format(tmp=tmp_path, store=store) for a in argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("simengine: error:") and fragment in err and "\n" not in err
    assert {p: p.read_bytes() if p.is_file() else None for p in tmp_path.rglob("*")} == before


def test_overwrite_replaces_an_earlier_export_only(store, coco_dir, tmp_path, capsys):
    out = tmp_path / "again"
    assert main(["export", str(store), "--format", "coco", "-o", str(out)]) == 0
    assert main(["export", str(store), "--format", "kitti", "-o", str(out)]) == 2
    assert main(["export", str(store), "--format", "kitti", "-o", str(out),
                 "--overwrite"]) == 0
    assert not (out / "annotations").exists() and (out / "training" / "label_2").is_dir()
    manifest = json.loads((out / "simengine_export.json").read_text())
    assert manifest["format"] == "kitti" and manifest["complete"] is True
