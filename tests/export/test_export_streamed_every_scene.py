"""The Rerun, Hugging Face and WebDataset exports of every shipped scene (their sensors,
lidar return layouts and corruption-free stores differ from the mini scene's), read back
with each tool's reader: every done sample is there and each camera's images and every
other array equal the store's."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path

import numpy as np
import pytest

from simengine import open_store
from simengine.cli import main

from ..conftest import BOX_SCENES

SCENE_IDS = [p.stem for p in BOX_SCENES]


@pytest.mark.parametrize("scene", BOX_SCENES, ids=SCENE_IDS)
def test_every_scene_exports_to_rerun_hf_and_webdataset(scene: Path, scene_store, tmp_path):
    rr = pytest.importorskip("rerun")
    datasets = pytest.importorskip("datasets")
    wds = pytest.importorskip("webdataset")
    store = scene_store(scene)
    reader = open_store(store)
    done = reader.done_indices().tolist()
    cameras = [s["name"] for s in reader.attrs["sensors"] if s["kind"] == "camera"]

    assert main(["export", str(store), "--format", "rerun", "-o", str(tmp_path / "r.rrd")]) == 0
    seen: dict[tuple[str, int], list[bytes]] = {}
    for chunk in rr.chunk.RrdReader(tmp_path / "r.rrd").stream().collect().stream():
        table = chunk.to_record_batch().to_pydict()
        if "Image:buffer" in table and chunk.entity_path.startswith("/world/clean/"):
            for k, buf in zip(table["sample"], table["Image:buffer"], strict=True):
                seen.setdefault((chunk.entity_path, k), []).append(bytes(buf[0]))
    for k in done:
        s = reader[k]
        for c in cameras:
            frames = [f.tobytes() for f in s[f"camera/{c}/rgb"]]
            assert seen[(f"/world/clean/camera/{c}/rgb", k)] == frames

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
