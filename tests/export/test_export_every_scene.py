"""COCO and KITTI exports of every shipped scene and of a scene of thin, tiny and cut-off
objects (issue 17, items 2 and 7), read back with pycocotools and pykitti's calibration
reader; the Rerun, Hugging Face and WebDataset exports of the same stores (their sensors,
lidar return layouts and corruption-free stores differ from the mini scene's), read back
with each tool's reader: every done sample is there and each array equals the store's.
Each 2D box is checked against the visible-pixel bounds of the object's instance
mask, read here from the store with zarr (independent of the stored boxes), and the COCO
categories against the object classes written in the scene file."""

from __future__ import annotations

import gc
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml
import zarr

from simengine import open_store
from simengine.assets import generator
from simengine.cli import main

from ..conftest import BOX_SCENES, SHIPPED_SCENES

pytest.importorskip("pycocotools")
pykitti_utils = pytest.importorskip("pykitti.utils")
from pycocotools import mask as mask_utils  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402

# pycocotools' compiled decoder trips NumPy 2's __array__(copy=...) deprecation: not ours
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

SCENE_IDS = [p.stem for p in BOX_SCENES]


@pytest.fixture(scope="module")
def exports(scene_store, tmp_path_factory):
    """``exports(scene, fmt) -> directory``, each exported once per module."""
    done: dict[tuple[Path, str], Path] = {}

    def get(scene: Path, fmt: str) -> Path:
        if (scene, fmt) not in done:
            out = tmp_path_factory.mktemp(f"{scene.stem}-{fmt}")
            assert main(["export", str(scene_store(scene)), "--format", fmt, "-o",
                         str(out), "--overwrite"]) == 0
            done[scene, fmt] = out
        return done[scene, fmt]

    return get


def visible_bounds(instance: np.ndarray, iid: int) -> tuple[int, int, int, int] | None:
    vs, us = np.nonzero(instance == iid)
    return None if us.size == 0 else (int(us.min()), int(vs.min()), int(us.max()),
                                      int(vs.max()))


def scene_object_classes(scene: Path) -> set[str]:
    """The classes the scene file gives its objects (group class, else template class,
    else a procedural object's generator label, else the shape; a choice gives each of its
    values)."""
    data = yaml.safe_load(scene.read_text(encoding="utf-8"))
    out: set[str] = set()
    for group in data["objects"]:
        t = group["template"]
        t = data["templates"][t] if isinstance(t, str) else t
        default = (generator(t["generator"]).label if t["shape"] == "procedural"
                   else t["shape"])
        c = group.get("class", t.get("class", default))
        out |= {c} if isinstance(c, str) else set(c["choice"])
    return out


@pytest.mark.parametrize("scene", BOX_SCENES, ids=SCENE_IDS)
def test_coco_boxes_are_the_visible_pixel_bounds_of_each_mask(scene, scene_store, exports):
    store, out = scene_store(scene), exports(scene, "coco")
    root = zarr.open_group(str(store), mode="r")
    manifest = json.loads((out / "simengine_export.json").read_text())
    n_ann = 0
    for rel in manifest["annotation_files"]:
        coco = COCO(str(out / rel))
        for img in coco.loadImgs(coco.getImgIds()):
            k, f, cam = img["sample"], img["frame"], img["camera"]
            instance = np.asarray(root[f"camera/{cam}/instance"][k, f])
            ids = root["objects/instance_id"][k][:int(root["objects/count"][k])]
            anns = coco.loadAnns(coco.getAnnIds(imgIds=img["id"]))
            want = {int(i): b for i in ids if (b := visible_bounds(instance, int(i)))}
            assert sorted(a["instance_id"] for a in anns) == sorted(want)
            for a in anns:
                u0, v0, u1, v1 = want[a["instance_id"]]
                assert min(a["bbox"][2:]) >= 1  # a visible object covers a pixel
                assert a["bbox"] == [u0, v0, u1 - u0 + 1, v1 - v0 + 1]
                mask = coco.annToMask(a).astype(bool)
                assert np.array_equal(mask, instance == a["instance_id"])
                assert mask_utils.toBbox(coco.annToRLE(a)).tolist() == a["bbox"]
                assert a["area"] == int(mask.sum())
                if a["bbox_amodal"] is not None:
                    assert min(a["bbox_amodal"][2:]) >= 0
                n_ann += 1
    assert n_ann > 0


@pytest.mark.parametrize("scene", BOX_SCENES, ids=SCENE_IDS)
def test_coco_categories_are_the_object_classes_only(scene, scene_store, exports):
    store, out = scene_store(scene), exports(scene, "coco")
    classes = zarr.open_group(str(store), mode="r").attrs["simengine"]["classes"]
    data = yaml.safe_load(scene.read_text(encoding="utf-8"))
    sounds = {s.get("class", s["kind"]) for s in (data.get("audio") or {}).get("sources", [])}
    objects = scene_object_classes(scene)
    manifest = json.loads((out / "simengine_export.json").read_text())
    for rel in manifest["annotation_files"]:
        cats = json.loads((out / rel).read_text())["categories"]
        assert {c["name"] for c in cats} == objects
        assert all(classes[c["id"]] == c["name"] for c in cats)  # ids are the store's
        assert not {c["name"] for c in cats} & (sounds - objects)


def test_indoor_sound_classes_are_not_coco_categories(scene_store, exports):
    (indoor,) = [p for p in SHIPPED_SCENES if p.stem == "indoor_room"]
    classes = zarr.open_group(str(scene_store(indoor)), mode="r").attrs["simengine"]["classes"]
    assert {"speech", "beeper"} <= set(classes)  # the audio section's source classes
    doc = json.loads((exports(indoor, "coco") / "annotations" /
                      "instances_front_f0.json").read_text())
    assert sorted((c["id"], c["name"]) for c in doc["categories"]) == sorted(
        (classes.index(n), n) for n in ("furniture", "ball", "crate"))


def read_boxes(path: Path) -> list[np.ndarray]:
    """The 2D boxes (fields 5-8) of a label_2 file (KITTI devkit readme.txt)."""
    return [np.array(line.split()[4:8], float) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("scene", BOX_SCENES, ids=SCENE_IDS)
def test_kitti_boxes_are_the_visible_pixel_bounds_of_each_mask(scene, scene_store, exports):
    store, out = scene_store(scene), exports(scene, "kitti")
    root = zarr.open_group(str(store), mode="r")
    manifest = json.loads((out / "simengine_export.json").read_text())
    cam, train, n = manifest["camera"], out / "training", 0
    for fr in manifest["frames"]:
        k, f, fid = fr["sample"], fr["frame"], fr["id"]
        calib = pykitti_utils.read_calib_file(str(train / "calib" / f"{fid}.txt"))
        assert calib["P2"].shape == (12,)
        instance = np.asarray(root[f"camera/{cam}/instance"][k, f])
        ids = root["objects/instance_id"][k][:int(root["objects/count"][k])]
        in_front = root[f"camera/{cam}/box3d_center_cam"][k, f][:len(ids), 2] > 0
        want = [b for i, front in zip(ids, in_front, strict=True)
                if front and (b := visible_bounds(instance, int(i)))]
        got = read_boxes(train / "label_2" / f"{fid}.txt")
        assert len(got) == len(want)
        for box, (u0, v0, u1, v1) in zip(got, want, strict=True):
            assert box[2] >= box[0] + 1 and box[3] >= box[1] + 1
            assert box.tolist() == [u0 - 0.5, v0 - 0.5, u1 + 0.5, v1 + 0.5]
            n += 1
    assert n > 0


@pytest.mark.parametrize("scene", BOX_SCENES, ids=SCENE_IDS)
def test_every_scene_exports_to_rerun_hf_and_webdataset(scene: Path, scene_store, tmp_path):
    rr = pytest.importorskip("rerun")
    pa = pytest.importorskip("pyarrow")
    datasets = pytest.importorskip("datasets")
    wds = pytest.importorskip("webdataset")
    store = scene_store(scene)
    reader = open_store(store)
    done = reader.done_indices().tolist()
    cameras = [s["name"] for s in reader.attrs["sensors"] if s["kind"] == "camera"]

    assert main(["export", str(store), "--format", "rerun", "-o", str(tmp_path / "r.rrd")]) == 0
    # the reader's chunk order is not the logging order: frames are put in order by their
    # capture_time (integer nanoseconds)
    seen: dict[tuple[str, int], list[tuple[int, bytes]]] = {}
    for chunk in rr.chunk.RrdReader(tmp_path / "r.rrd").stream().collect().stream():
        batch = chunk.to_record_batch()
        table = batch.to_pydict()
        if "Image:buffer" in table and chunk.entity_path.startswith("/world/clean/"):
            times = batch.column("capture_time").cast(pa.int64()).to_pylist()
            for k, t, buf in zip(table["sample"], times, table["Image:buffer"], strict=True):
                seen.setdefault((chunk.entity_path, k), []).append((t, bytes(buf[0])))
    for k in done:
        s = reader[k]
        for c in cameras:
            frames = [f.tobytes() for f in s[f"camera/{c}/rgb"]]
            logged = sorted(seen[(f"/world/clean/camera/{c}/rgb", k)])
            assert [buf for _, buf in logged] == frames

    assert main(["export", str(store), "--format", "hf", "-o", str(tmp_path / "hf")]) == 0
    ds = datasets.load_from_disk(str(tmp_path / "hf"))
    assert ds["sample"] == done
    row = ds[len(done) - 1]
    s = reader[done[-1]]
    for name, value in s.items():
        if name.endswith("/rgb"):
            assert np.array_equal(np.stack([np.asarray(i) for i in row[name]]), value)
        elif not name.endswith("_json"):
            assert np.array_equal(np.asarray(row[name], value.dtype), value,
                                  equal_nan=value.dtype.kind == "f"), name

    assert main(["export", str(store), "--format", "webdataset", "-o",
                 str(tmp_path / "wds")]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # webdataset's unclosed shard
        records = list(wds.WebDataset(sorted(str(p) for p in (tmp_path / "wds").glob("*.tar")),
                                      shardshuffle=False, empty_check=False).decode("rgb8"))
        gc.collect()
    assert [r["simengine.json"]["sample"] for r in records] == done
    last = records[-1]
    for name, value in s.items():
        member = name.replace("/", ".").lower()
        if name.endswith("/rgb"):
            assert np.array_equal(last[f"{member}.f0.png"], value[0])
        elif not name.endswith("_json"):
            assert np.array_equal(last[f"{member}.npy"], value,
                                  equal_nan=value.dtype.kind == "f"), name
