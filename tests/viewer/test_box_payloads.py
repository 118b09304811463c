"""The viewer's box payloads on every shipped scene and on a scene of thin, tiny and cut-off
objects (issue 17, item 2), through the viewer's routes: each visible box is the pixel bounds
of the object's instance mask (read here from the store with zarr), every box is ordered and
inside the image, and the JSON is strict (no NaN)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import zarr

from simengine.viewer.routes import App
from simengine.viewer.store_view import StoreView

from ..conftest import BOX_SCENES


def strict_json(body: bytes):
    def refuse(name: str):
        raise ValueError(f"not JSON: {name}")

    return json.loads(body, parse_constant=refuse)


def get(app: App, target: str):
    status, ctype, body = app.handle(target)
    assert status == 200
    return ctype, body


@pytest.mark.parametrize("scene", BOX_SCENES, ids=lambda p: p.stem)
def test_camera_boxes_json_is_each_instance_mask_bounds(scene, scene_store):
    store = scene_store(scene)
    app, root = App(StoreView(store)), zarr.open_group(str(store), mode="r")
    sensors = {s["name"]: s for s in root.attrs["simengine"]["sensors"]}
    cams = [n for n, s in sensors.items() if s["kind"] == "camera"]
    seen = 0
    for k in np.flatnonzero(root["meta/done"][:]).tolist():
        count, ids = int(root["objects/count"][k]), root["objects/instance_id"][k]
        for cam in cams:
            for f in range(root[f"camera/{cam}/rgb"].shape[1]):
                ctype, body = get(app, f"/api/sample/{k}/camera/{cam}/{f}/boxes.json")
                assert ctype == "application/json"
                payload = strict_json(body)
                instance = np.asarray(root[f"camera/{cam}/instance"][k, f])
                H, W = instance.shape
                assert (payload["width"], payload["height"]) == (W, H)
                assert len(payload["objects"]) == count
                for m, obj in enumerate(payload["objects"]):
                    assert obj["instance"] == int(ids[m])
                    vs, us = np.nonzero(instance == ids[m])
                    if us.size == 0:
                        assert obj["box2d"] is None
                    else:
                        assert obj["box2d"] == [us.min() - 0.5, vs.min() - 0.5,
                                                us.max() + 0.5, vs.max() + 0.5]
                        seen += 1
                    amodal = obj["box2d_amodal"]
                    if amodal is None:
                        assert not np.any(root[f"camera/{cam}/boxes2d_amodal"][k, f, m])
                        assert us.size == 0  # whatever is seen has a projection
                        continue
                    x0, y0, x1, y1 = amodal
                    assert -0.5 <= x0 <= x1 <= W - 0.5 and -0.5 <= y0 <= y1 <= H - 0.5
                    # the visible pixels' centres lie in the projection, unless the image
                    # spans an exposure or readout time (the labels are for one instant)
                    p = sensors[cam]["params"]
                    if us.size and p["rolling_shutter_s"] == p["motion_blur_s"] == 0:
                        tol = 0.01
                        assert x0 - tol <= us.min() and us.max() <= x1 + tol
                        assert y0 - tol <= vs.min() and vs.max() <= y1 + tol
    assert seen > 0


@pytest.mark.parametrize("scene", BOX_SCENES, ids=lambda p: p.stem)
def test_thumbnails_and_lidar_boxes_are_served(scene, scene_store):
    store = scene_store(scene)
    app, root = App(StoreView(store)), zarr.open_group(str(store), mode="r")
    lidars = [s["name"] for s in root.attrs["simengine"]["sensors"] if s["kind"] == "lidar"]
    for k in np.flatnonzero(root["meta/done"][:]).tolist():
        assert get(app, f"/api/sample/{k}/thumb.png")[0] == "image/png"
        for lid in lidars:
            for f in range(root[f"lidar/{lid}/range"].shape[1]):
                payload = strict_json(get(app, f"/api/sample/{k}/lidar/{lid}/{f}/points.json")[1])
                for box in payload["boxes"]:
                    assert np.all(np.isfinite(np.asarray(box["corners"], float)))
                    assert len(box["corners"]) == 8
