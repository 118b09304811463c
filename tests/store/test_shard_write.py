"""The whole-shard writer (``store._shard_write``, ``store.blocks.write_block``) stores the
very bytes zarr-python writes for the same data: every dtype and sample shape simengine
uses, full and short last blocks, and data given in another dtype or memory order."""

from __future__ import annotations

import numpy as np
import pytest
import zarr
from zarr.core.sync import sync

from simengine.arrays import OutputSpec
from simengine.store._shard_write import array_info, encode_shard
from simengine.store.blocks import write_block
from simengine.store.integrity import block_manifest, fetch_raw, shard_key
from simengine.store.layout import ATTR, DONE, StoreLayout, _create_array, create_store

BLOCK = 4

SPECS = {
    "camera/c/rgb": OutputSpec((2, 6, 5, 3), "uint8"),
    "camera/c/depth": OutputSpec((6, 5), "float32", fill=np.inf),
    "lidar/l/range": OutputSpec((3, 7), "float64", fill=-1.0),
    "audio/m/waveform": OutputSpec((2, 50), "int16"),
    "objects/count": OutputSpec((), "int32"),
    "objects/valid": OutputSpec((4,), "bool", fill=False),
    "objects/id": OutputSpec((4,), "uint64"),
    "objects/score": OutputSpec((4,), "float32", fill=np.nan),
    "meta/empty": OutputSpec((3,), "float32"),  # every sample fill: no shard at all
}


def _data(key: str, spec: OutputSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    """Random samples, some of them equal to the fill value (zarr leaves those out) or
    differing from it only in the sign of a zero (zarr keeps those)."""
    shape = (n, *spec.shape)
    if spec.dtype == "bool":
        data = rng.random(shape) < 0.5
    elif np.dtype(spec.dtype).kind == "f":
        data = (rng.standard_normal(shape) * 100).astype(spec.dtype)
    else:
        info = np.iinfo(spec.dtype)
        data = rng.integers(max(info.min, -1000), min(info.max, 1000), shape).astype(spec.dtype)
    if key == "meta/empty":
        return np.full(shape, spec.fill, spec.dtype)
    data[1::3] = spec.fill
    if np.dtype(spec.dtype).kind == "f" and n > 2:
        data[2] = -0.0 if spec.fill == 0 else spec.fill  # -0.0 is not the fill 0.0
    return data


@pytest.mark.parametrize("n", [BLOCK, 6, 1])
@pytest.mark.parametrize("key", sorted(SPECS))
def test_encoded_shard_is_what_zarr_writes(tmp_path, key, n):
    spec = SPECS[key]
    data = _data(key, spec, n, np.random.default_rng(3))
    root = zarr.open_group(tmp_path / "s.zarr", mode="w", zarr_format=3)
    _create_array(root, key, n, BLOCK, spec)
    arr = root[key]
    for b in range(-(-n // BLOCK)):
        arr[b * BLOCK:(b + 1) * BLOCK] = data[b * BLOCK:(b + 1) * BLOCK]
    raw = fetch_raw(root, [f"{key}/zarr.json"])[0].tobytes()
    info = array_info(raw)
    assert info.layout is not None and info.blosc is not None
    for b in range(-(-n // BLOCK)):
        want = fetch_raw(root, [shard_key(arr, b)])[0]
        got = encode_shard(data[b * BLOCK:(b + 1) * BLOCK], info.layout, info.blosc)
        assert got == (None if want is None else want.tobytes())


def test_other_dtype_and_order_are_cast_like_zarr(tmp_path):
    spec = SPECS["camera/c/depth"]
    data = np.asfortranarray(np.random.default_rng(1).standard_normal((BLOCK, *spec.shape)))
    root = zarr.open_group(tmp_path / "s.zarr", mode="w", zarr_format=3)
    _create_array(root, "d", BLOCK, BLOCK, spec)
    root["d"][:] = data  # float64, Fortran order: zarr casts
    info = array_info(fetch_raw(root, ["d/zarr.json"])[0].tobytes())
    assert encode_shard(data, info.layout, info.blosc) == fetch_raw(
        root, [shard_key(root["d"], 0)])[0].tobytes()


def _layout(n: int, specs: dict[str, OutputSpec] = SPECS) -> StoreLayout:
    attrs = {"num_samples": n, "block_size": BLOCK, "schema_version": 2,
             "arrays": {k: {"unit": "", "doc": ""} for k in specs}}
    return StoreLayout(arrays=specs, attributes=attrs, assets={})


def _zarr_write_block(root, attrs, block, data):
    """The writer as it was: zarr's own array writes, the manifest from a read back."""
    from simengine.store.integrity import MANIFEST
    from simengine.store.layout import block_range

    idx = block_range(block, attrs["block_size"], attrs["num_samples"])
    arrays = [root[k] for k in attrs["arrays"]]
    for key, arr in zip(attrs["arrays"], arrays, strict=True):
        arr[idx.start:idx.stop] = data[key]
    root[MANIFEST][block] = block_manifest(root, arrays, block, attrs)
    root[DONE][idx.start:idx.stop] = True


def _files(path):
    return {p.relative_to(path).as_posix(): p.read_bytes()
            for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("n", [8, 6])
def test_write_block_stores_the_bytes_zarr_writes(tmp_path, n, monkeypatch):
    from simengine.store import blocks

    def no_slow_path(arr):
        raise AssertionError(f"{arr.path} was written through zarr")

    monkeypatch.setattr(blocks, "array_info_of", no_slow_path)
    rng = np.random.default_rng(5)
    data = {k: _data(k, s, n, rng) for k, s in SPECS.items()}
    for name, writer in (("fast", write_block), ("zarr", _zarr_write_block)):
        root = create_store(tmp_path / f"{name}.zarr", _layout(n))
        attrs = dict(root.attrs[ATTR])
        for b in range(-(-n // BLOCK)):
            writer(root, attrs, b, {k: v[b * BLOCK:(b + 1) * BLOCK] for k, v in data.items()})
    assert _files(tmp_path / "fast.zarr") == _files(tmp_path / "zarr.zarr")


def test_write_block_on_a_group_inside_a_store(tmp_path):
    """Array keys are joined to the group's own path (a store nested in a bigger one)."""
    outer = zarr.open_group(tmp_path / "o.zarr", mode="w", zarr_format=3)
    outer.create_group("inner")
    root = create_store(zarr.storage.StorePath(outer.store_path.store, "inner"), _layout(4))
    attrs = dict(root.attrs[ATTR])
    data = {k: _data(k, s, 4, np.random.default_rng(2)) for k, s in SPECS.items()}
    write_block(root, attrs, 0, data)
    back = zarr.open_group(tmp_path / "o.zarr", mode="r")["inner"]
    for k, v in data.items():
        np.testing.assert_array_equal(back[k][:], v)
    assert back[DONE][:].all()
    assert sync(outer.store_path.store.exists("inner/meta/manifest/c/0/0/0"))


def test_repeated_chunks_are_stored_as_zarr_stores_them(tmp_path):
    """Chunks compressed once for two arrays (``SameChunks``): equal bytes of the same dtype
    share them; one byte off, or the same bytes in another dtype, do not."""
    big = OutputSpec((300, 300), "uint8")
    specs = {"camera/c/img": big, "corrupted/s/camera/c/img": big, "other/img": big,
             "other/as_int16": OutputSpec((300, 150), "int16")}
    rng = np.random.default_rng(9)
    img = rng.integers(0, 4, (BLOCK, 300, 300), dtype=np.uint8)
    copy = img.copy()
    copy[1, 7, 7] ^= 1  # sample 1 differs by one bit
    data = {"camera/c/img": img, "corrupted/s/camera/c/img": copy, "other/img": img.copy(),
            "other/as_int16": img.view(np.int16).copy()}
    for name, writer in (("fast", write_block), ("zarr", _zarr_write_block)):
        root = create_store(tmp_path / f"{name}.zarr", _layout(BLOCK, specs))
        writer(root, dict(root.attrs[ATTR]), 0, data)
    assert _files(tmp_path / "fast.zarr") == _files(tmp_path / "zarr.zarr")
