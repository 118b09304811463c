"""open_xarray: every array of a real rendered store (two cameras of different sizes, a lidar,
a microphone array, a corruption set; blocks 0 and 2 of 3 rendered) equals what StoreReader
reads of its done samples, under named dimensions
whose sizes are the scene's (typed here from the scene and the VLP-16 preset); nothing is
read before a value is computed (a shard damaged after opening is only noticed then)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import simengine
from simengine.errors import DamagedStoreError
from simengine.jobs.block import render_block
from simengine.jobs.layout import prepare_render_store
from simengine.spec.loader import scene_from_dict

xr = pytest.importorskip("xarray", reason="open_xarray needs the xarray extra")
da = pytest.importorskip("dask.array", reason="open_xarray needs the xarray extra")

N, BLOCK = 5, 2
DONE = [0, 1, 4]  # blocks 0 and 2 rendered, block 1 not
SIDE_W, SIDE_H = 32, 24  # the second camera; the mini scene's "cam" is 64 × 48
# VLP-16 beam elevations in firing order (docs/references.md#vlp16: the VLP-16 user manual)
VLP16_ELEVATIONS = [-15, 1, -13, 3, -11, 5, -9, 7, -7, 9, -5, 11, -3, 13, -1, 15]


@pytest.fixture(scope="module")
def store(tmp_path_factory, mini_scene_path) -> Path:
    data = yaml.safe_load(mini_scene_path.read_text(encoding="utf-8"))
    data["sensors"].append({"name": "side", "preset": "rgbd_d435_640x480",
                            "overrides": {"width": SIDE_W, "height": SIDE_H},
                            "pose": {"position": [0.0, 2.0, 1.0], "look_at": [0, 0, 0.1]}})
    data["corruptions"] = [{"name": "noise", "corruptions": ["gaussian_noise"],
                            "policy": "all", "severity": 2}]
    engine = simengine.Engine(scene_from_dict(data, source=str(mini_scene_path)), seed=4)
    path = tmp_path_factory.mktemp("xarray") / "s.zarr"
    prepare_render_store(str(path), engine, N, BLOCK, resume=False, overwrite=False)
    for block in (0, 2):
        render_block(str(path), block)
    return path


def _variables(ds) -> dict:
    """Store key → DataArray, coordinates included (``time`` is ``meta/time``)."""
    out = {str(k): v for k, v in ds.data_vars.items()}
    out.update({str(k): v for k, v in ds.coords.items() if isinstance(v.data, da.Array)})
    out["meta/time"] = out.pop("time")
    return out


def test_every_array_equals_the_store_reader(store):
    ds = simengine.open_xarray(store, chunk_blocks=1)
    reader = simengine.open_store(store)
    done = reader.done_indices()
    expected = reader.read(done)
    variables = _variables(ds)
    assert sorted(variables) == sorted(reader.keys)
    assert ds["camera/cam/depth"].chunks[0] == (2, 1)  # one chunk per rendered shard
    # by default a chunk spans as many blocks as ~64 MB allow: all of this small store
    assert simengine.open_xarray(store)["camera/cam/depth"].chunks[0] == (3,)
    with pytest.raises(ValueError, match="chunk_blocks"):
        simengine.open_xarray(store, chunk_blocks=0)
    computed = ds.compute()  # all at once, on dask's threads
    for key, var in variables.items():
        assert isinstance(var.data, da.Array), key  # lazy
        got = np.asarray(computed[var.name].values)
        assert got.dtype == expected[key].dtype, key
        assert got.shape == expected[key].shape, key
        assert got.tobytes() == expected[key].tobytes(), key
        assert var.attrs["unit"] == reader.attrs["arrays"][key]["unit"], key
    np.testing.assert_array_equal(ds["sample"].values, DONE)
    np.testing.assert_array_equal(done, DONE)
    assert ds.attrs["scene_hash"] == reader.attrs["scene_hash"]
    assert ds.attrs["root_seed"] == 4


def test_named_dimensions_and_coordinates(store):
    ds = simengine.open_xarray(store)
    # two cameras of different sizes: their image axes are qualified by the sensor
    assert ds["camera/cam/rgb"].dims == ("sample", "frame", "y_cam", "x_cam", "channel")
    assert ds["camera/side/depth"].dims == ("sample", "frame", "y_side", "x_side")
    assert (ds.sizes["y_cam"], ds.sizes["x_cam"]) == (48, 64)
    assert (ds.sizes["y_side"], ds.sizes["x_side"]) == (SIDE_H, SIDE_W)
    assert ds["corrupted/noise/0/camera/cam/rgb"].dims == ds["camera/cam/rgb"].dims
    assert ds["corrupted/noise/0/severity"].dims == ("sample", "noise_corruption")
    assert ds["lidar/lid/range"].dims == ("sample", "frame", "ring", "column")
    assert (ds.sizes["ring"], ds.sizes["column"], ds.sizes["frame"]) == (16, 90, 2)
    assert ds["objects/position"].dims == ("sample", "frame", "object", "xyz")
    assert ds["objects/orientation"].dims == ("sample", "frame", "object", "xyzw")
    assert ds["events/time"].dims == ("sample", "event") and ds.sizes["event"] == 16
    assert ds["audio/mics/waveform"].dims == ("sample", "mic", "audio_time")
    assert ds.sizes["audio_time"] == 8000 * 0.6  # sample rate × duration of the mini scene
    assert ds["camera/cam/T_world_cam"].dims == ("sample", "frame", "row4", "col4")
    # coordinates: capture times, beam angles, class names
    n = len(DONE)
    np.testing.assert_allclose(ds["time"].values, [[0.3, 0.6]] * n)
    # rows top to bottom; each row's laser is the preset table's row laser_id
    elevation, laser = ds["lidar/lid/elevation"].values, ds["lidar/lid/laser_id"].values
    np.testing.assert_allclose(elevation, [sorted(VLP16_ELEVATIONS, reverse=True)] * n,
                               atol=1e-5)
    np.testing.assert_allclose(elevation, np.asarray(VLP16_ELEVATIONS)[laser], atol=1e-5)
    azimuth = ds["lidar/lid/azimuth"].values[0]
    step = (np.diff(azimuth) + 180) % 360 - 180  # the spin's direction aside
    np.testing.assert_allclose(np.abs(step), 360 / 90, atol=1e-4)  # 90 columns over 360°
    # every sample of the mini scene has its one ball: class names index by objects/class_id
    for k in DONE:
        sample = ds.sel(sample=k)
        count = int(sample["objects/count"])
        ids = sample["objects/class_id"].values[:count]
        names = ds["class_name"].values[ids].tolist()
        assert names.count("ball") == 1 and set(names) <= {"ball", "block"}


def test_nothing_is_read_until_computed(store, tmp_path):
    copy = tmp_path / "copy.zarr"
    shutil.copytree(store, copy)
    ds = simengine.open_xarray(copy, chunk_blocks=1)  # opened first, damaged after
    shard = copy / "camera" / "cam" / "depth" / "c" / "2" / "0" / "0" / "0"  # sample 4
    raw = bytearray(shard.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    shard.write_bytes(bytes(raw))
    again = simengine.open_xarray(copy, chunk_blocks=1)  # a damaged store opens: no reads
    for view in (ds, again):
        with pytest.raises(DamagedStoreError, match="damaged samples 4"):
            view["camera/cam/depth"].values  # noqa: B018 (the read is the point)
        first = view["camera/cam/depth"].isel(sample=slice(0, 2)).values  # block 0 intact
        assert first.shape == (2, 2, 48, 64)
        view["camera/cam/rgb"].values  # noqa: B018 (another array's shard of block 2: fine)


def test_missing_dependency_names_the_extra(store, monkeypatch):
    monkeypatch.setitem(sys.modules, "xarray", None)
    with pytest.raises(ImportError, match=r"simengine\[xarray\]"):
        simengine.open_xarray(store)
