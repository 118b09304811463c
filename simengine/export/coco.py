"""COCO export: 2D boxes and instance masks of every camera, one COCO JSON per camera and
capture frame.

Layout::

    DIR/images/<camera>/f<frame>/<sample:06d>.png        RGB as rendered (lossless)
    DIR/annotations/instances_<camera>_f<frame>.json
    DIR/simengine_export.json                             manifest

- ``images``: ``id`` = the sample index; ``file_name`` relative to ``DIR/images``; extra
  fields ``sample``, ``frame``, ``camera``, ``capture_time``.
- ``categories``: the object classes only, i.e. the store's classes that objects can have
  (``objects/class_id``; ``simengine.spec.classes``); the built-in stuff classes
  (background, ground, wall) and the classes only sound sources have (the ``audio``
  section's, e.g. ``speech``) have no instances and are left out. ``id`` = the store's
  class id (not renumbered, so ids agree with ``camera/<c>/semantic``).
- ``annotations``: one per object with at least one visible pixel: ``bbox`` [x, y, w, h]
  of the visible mask, ``area`` = its pixel count, ``segmentation`` = the instance mask as
  compressed RLE (COCO's own string format, encoded here so the core needs no pycocotools),
  ``iscrowd`` 0; extra fields ``instance_id`` (the store's), ``visibility`` (visible /
  unoccluded pixels) and ``bbox_amodal`` (the box of the whole projected object, clipped to
  the image; may be narrower than a pixel; null if none).

Coordinates: COCO puts the top-left corner of pixel (0, 0) at the origin, simengine (like
``K``) its centre, so boxes shift by +0.5: COCO x = simengine x_min + 0.5.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..box2d import PixelBox
from ..errors import UserError
from ..spec.classes import object_classes
from .common import (
    ExportSummary,
    done_batches,
    open_store,
    pick_sensor,
    prepare_target,
    save_png,
    sensor_names,
    write_manifest,
)


def rle_counts(mask: np.ndarray) -> list[int]:
    """Run lengths of a binary mask in column-major order, starting with a run of zeros
    (possibly empty): COCO's uncompressed RLE ``counts``."""
    flat = np.asarray(mask, bool).T.ravel()
    if flat.size == 0:
        return []
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    runs = np.diff(np.r_[0, change, flat.size]).tolist()
    return [0, *runs] if flat[0] else runs


def rle_string(counts: list[int]) -> str:
    """COCO's compressed RLE string (pycocotools ``maskApi.c: rleToString``): each count,
    minus the count two before it from the third on, in 5-bit groups, low first, with a
    continuation bit, offset into printable ASCII by 48."""
    out = []
    for i, count in enumerate(counts):
        x = count - counts[i - 2] if i > 2 else count
        more = True
        while more:
            c = x & 0x1F
            x >>= 5  # arithmetic shift: negative differences end at -1
            more = x != -1 if c & 0x10 else x != 0
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def encode_mask(mask: np.ndarray) -> dict:
    h, w = mask.shape
    return {"size": [int(h), int(w)], "counts": rle_string(rle_counts(mask))}


def coco_box(box: np.ndarray) -> list[float] | None:
    """simengine (x_min, y_min, x_max, y_max), pixel centres at integers → COCO [x, y, w, h],
    pixel corners at integers, w and h never negative; None for no box (all zeros)."""
    pixel_box = PixelBox.from_stored(box)
    return None if pixel_box is None else pixel_box.xywh()


def export_coco(store: str, out: str | Path, *, cameras: list[str] | None = None,
                overwrite: bool = False) -> ExportSummary:
    probe = open_store(store)
    attrs = probe.attrs
    cams = [pick_sensor(store, attrs, "camera", c) for c in cameras] if cameras else \
        sensor_names(attrs, "camera")
    if not cams:
        raise UserError(f"{store}: the store has no camera")
    # object classes only: not the stuff classes, nor classes only sound sources have
    objects = set(object_classes(attrs["scene"]))
    categories = [{"id": i, "name": n, "supercategory": "object"}
                  for i, n in enumerate(attrs["classes"]) if n in objects]
    frames = int(probe.root["meta/time"].shape[1])
    target = prepare_target(out, overwrite)
    write_manifest(target, "coco", store, attrs, {"complete": False})
    docs = {(c, f): _empty_doc(attrs, c, f, categories) for c in cams for f in range(frames)}
    keys = ["objects/count", "objects/instance_id", "objects/class_id", "meta/time"]
    for c in cams:
        keys += [f"camera/{c}/{k}" for k in ("rgb", "instance", "boxes2d", "boxes2d_amodal",
                                             "visible_pixels", "visibility")]
    samples = images = 0
    for indices, batch in done_batches(store, keys):
        samples += len(indices)
        for j, k in enumerate(indices.tolist()):
            for (c, f), doc in docs.items():
                _add_image(doc, target, batch, j, int(k), c, f)
                images += 1
    n_ann = 0
    for (c, f), doc in docs.items():
        path = target / "annotations" / f"instances_{c}_f{f}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
        n_ann += len(doc["annotations"])
    write_manifest(target, "coco", store, attrs, {
        "complete": True, "cameras": cams, "frames": frames, "samples": samples,
        "annotation_files": [f"annotations/instances_{c}_f{f}.json" for c, f in docs],
        "box_convention": "COCO: pixel corners at integers (simengine boxes + 0.5)"})
    return ExportSummary("coco", str(target), samples, images, n_ann,
                         images + len(docs) + 1)


def _empty_doc(attrs: dict, camera: str, frame: int, categories: list[dict]) -> dict:
    return {"info": {"description": f"simengine store of scene {attrs['scene_name']}, "
                                    f"camera {camera}, capture {frame}",
                     "version": attrs["engine_version"], "year": 0, "contributor": "simengine",
                     "date_created": ""},
            "licenses": [], "images": [], "annotations": [], "categories": categories}


def _add_image(doc: dict, target: Path, batch: dict, j: int, k: int, camera: str,
               frame: int) -> None:
    rgb = batch[f"camera/{camera}/rgb"][j, frame]
    rel = f"{camera}/f{frame}/{k:06d}.png"
    save_png(target / "images" / rel, rgb)
    H, W = rgb.shape[:2]
    doc["images"].append({"id": k, "file_name": rel, "width": int(W), "height": int(H),
                          "sample": k, "frame": frame, "camera": camera,
                          "capture_time": float(batch["meta/time"][j, frame])})
    instance = batch[f"camera/{camera}/instance"][j, frame]
    visible = batch[f"camera/{camera}/visible_pixels"][j, frame]
    for m in range(int(batch["objects/count"][j])):
        bbox = coco_box(batch[f"camera/{camera}/boxes2d"][j, frame, m])
        if visible[m] <= 0 or bbox is None:
            continue  # nothing of it in view: no mask to annotate
        iid = int(batch["objects/instance_id"][j, m])
        doc["annotations"].append({
            "id": len(doc["annotations"]) + 1, "image_id": k,
            "category_id": int(batch["objects/class_id"][j, m]),
            "bbox": bbox,
            "area": int(visible[m]), "segmentation": encode_mask(instance == iid),
            "iscrowd": 0, "instance_id": iid,
            "visibility": float(batch[f"camera/{camera}/visibility"][j, frame, m]),
            "bbox_amodal": coco_box(batch[f"camera/{camera}/boxes2d_amodal"][j, frame, m])})
