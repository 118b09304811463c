"""`simengine report` and `simengine contact-sheet --boxes` on every shipped scene and on a
scene of thin, tiny and cut-off objects (issue 17, item 2: a one-pixel-wide box shrunk into a
tile used to become a reversed rectangle and crash Pillow).

The drawn boxes are checked against an independent reference: each object's pixel bounds
taken from the store's instance mask, mapped to the tile with exact integer arithmetic (the
tile pixels a box overlaps), outlined here in NumPy on the sheet drawn without boxes."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pytest
import zarr
from PIL import Image

from simengine.cli import main
from simengine.report.contact_sheet import contact_sheet
from simengine.report.plots import PALETTE

from ..conftest import BOX_SCENES

TILE_WIDTHS = [160, 37, 8, 1]  # 160 keeps thin_tiny's cameras at their own size


def mask_bounds(instance: np.ndarray, iid: int) -> tuple[int, int, int, int] | None:
    """First and last column and row (u0, v0, u1, v1) of the instance's pixels, or None."""
    vs, us = np.nonzero(instance == iid)
    return None if us.size == 0 else (int(us.min()), int(vs.min()), int(us.max()),
                                      int(vs.max()))


def tile_span(first: int, last: int, tile: int, full: int) -> tuple[int, int]:
    """Pixels first..last of an image ``full`` pixels wide cover [first, last + 1); shrunk to
    ``tile`` pixels that is [first·t/f, (last + 1)·t/f): the tile pixels it overlaps, at
    least one. Exact in integers."""
    lo = first * tile // full
    hi = -(-(last + 1) * tile // full) - 1  # ceil - 1
    return lo, max(hi, lo)


def expected_sheet(plain: np.ndarray, sheet, store: Path) -> np.ndarray:
    """``plain`` (the sheet without boxes) with every visible object's outline painted,
    in the order the sheet draws them (tiles in order, objects by index)."""
    root = zarr.open_group(str(store), mode="r")
    out = plain.copy()
    lay = sheet.layout
    for i, k in enumerate(sheet.samples):
        instance = np.asarray(root[f"camera/{sheet.camera}/instance"][k, sheet.frame])
        H, W = instance.shape
        ox, oy = lay.tile_origin(i)
        count = int(root["objects/count"][k])
        ids = np.asarray(root["objects/instance_id"][k])
        classes = np.asarray(root["objects/class_id"][k])
        for m in range(count):
            bounds = mask_bounds(instance, int(ids[m]))
            if bounds is None:
                continue
            u0, v0, u1, v1 = bounds
            x0, x1 = tile_span(u0, u1, lay.tile_w, W)
            y0, y1 = tile_span(v0, v1, lay.tile_h, H)
            colour = PALETTE[int(classes[m]) % len(PALETTE)]
            tile = out[oy:oy + lay.tile_h, ox:ox + lay.tile_w]  # a view: paints ``out``
            tile[[y0, y1], x0:x1 + 1] = colour
            tile[y0:y1 + 1, [x0, x1]] = colour
    return out


@pytest.mark.parametrize("scene", BOX_SCENES, ids=lambda p: p.stem)
def test_report_of_every_scene_draws_the_boxes(scene, scene_store, tmp_path):
    store = scene_store(scene)
    out = tmp_path / "report.html"
    assert main(["report", str(store), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    sheets = re.findall(r'<img[^>]* alt="camera ([^",]+), capture (\d+): samples ([\d, ]+) '
                        r'\(clean, visible 2D boxes\)" src="data:image/png;base64,([^"]+)"',
                        text)
    assert len(sheets) == len(cameras_and_frames(store))
    for camera, frame, samples, data in sheets:
        got = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))
        picked = [int(k) for k in samples.split(", ")]
        kw = dict(camera=camera, frame=int(frame), max_samples=len(picked))
        plain = contact_sheet(str(store), **kw)
        assert plain.samples == picked
        assert np.array_equal(got, expected_sheet(np.asarray(plain.image), plain, store))


def cameras_and_frames(store: Path) -> list[tuple[str, int]]:
    root = zarr.open_group(str(store), mode="r")
    cams = [s["name"] for s in root.attrs["simengine"]["sensors"] if s["kind"] == "camera"]
    return [(c, f) for c in cams for f in range(root[f"camera/{c}/rgb"].shape[1])]


@pytest.mark.parametrize("scene", BOX_SCENES, ids=lambda p: p.stem)
def test_contact_sheet_boxes_outline_each_visible_mask(scene, scene_store):
    store = scene_store(scene)
    thin = 0
    for camera, frame in cameras_and_frames(store):
        for tw in TILE_WIDTHS:
            kw = dict(camera=camera, frame=frame, columns=2, tile_width=tw)
            plain = np.asarray(contact_sheet(str(store), **kw).image)
            boxed = contact_sheet(str(store), boxes=True, **kw)
            assert boxed.image.size == (plain.shape[1], plain.shape[0])
            want = expected_sheet(plain, boxed, store)
            got = np.asarray(boxed.image)
            bad = np.argwhere(np.any(got != want, axis=-1))
            assert bad.size == 0, (camera, frame, tw, bad[:5].tolist())
            thin += int(tw < 160)
    assert thin > 0


def test_thin_tiny_scene_has_one_pixel_and_cut_off_boxes(scene_store):
    """The scene does what it is for: one-pixel-wide and one-pixel-high visible boxes,
    sub-pixel amodal boxes and boxes cut by the image border, in each camera."""
    store = scene_store(BOX_SCENES[-1])
    root = zarr.open_group(str(store), mode="r")
    for cam in ("cam", "wide"):
        vis = np.asarray(root[f"camera/{cam}/visible_pixels"][:])
        box = np.asarray(root[f"camera/{cam}/boxes2d"][:])[vis > 0]
        amodal = np.asarray(root[f"camera/{cam}/boxes2d_amodal"][:])
        H, W = root[f"camera/{cam}/rgb"].shape[2:4]
        assert np.any(box[:, 2] - box[:, 0] == 1) and np.any(box[:, 3] - box[:, 1] == 1)
        a_w = amodal[..., 2] - amodal[..., 0]
        assert np.any((a_w > 0) & (a_w < 1))
        on_border = (box[:, 0] == -0.5) | (box[:, 1] == -0.5) | (box[:, 2] == W - 0.5) | \
            (box[:, 3] == H - 0.5)
        assert np.any(on_border)


def test_cli_contact_sheet_with_boxes_at_a_tiny_tile_width(scene_store, tmp_path, capsys):
    store = scene_store(BOX_SCENES[-1])
    out = tmp_path / "sheet.png"
    assert main(["contact-sheet", str(store), "-o", str(out), "--boxes",
                 "--tile-width", "5"]) == 0
    Image.open(out).load()
