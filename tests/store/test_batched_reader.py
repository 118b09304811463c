"""Store reads for training loops: key selection, batched reads of whole shards, seeded
shard-aware shuffling; every batch checked against engine.sample(k)."""

from __future__ import annotations

import numpy as np
import pytest

import simengine
from simengine.jobs.render_store import render_store
from simengine.store.batched import runs
from tests.conftest import assert_samples_equal

N, BLOCK = 10, 2


@pytest.fixture(scope="module")
def engine(mini_scene_path):
    return simengine.Engine(simengine.load_scene(mini_scene_path), seed=4)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory, engine):
    path = tmp_path_factory.mktemp("batched") / "s.zarr"
    render_store(engine, str(path), N, block_size=BLOCK, progress=False)
    return path


@pytest.fixture(scope="module")
def reference(engine):
    return [engine.sample(k) for k in range(N)]


def subset(sample, keys):
    return {k: sample[k] for k in keys}


def test_key_selection(store_path, engine):
    r = simengine.open_store(store_path, keys=["camera/cam/rgb", "objects"])
    want = {"camera/cam/rgb"} | {k for k in engine.outputs() if k.startswith("objects/")}
    assert set(r.keys) == want and set(r._arrays) == want
    assert set(simengine.open_store(store_path, keys="camera/*/depth").keys) == \
        {"camera/cam/depth"}
    with pytest.raises(KeyError, match="no array matches"):
        simengine.open_store(store_path, keys=["camera/nope"])


def test_read_any_order_equals_engine(store_path, reference):
    r = simengine.open_store(store_path, keys=["lidar/lid/range", "objects", "meta"])
    idx = [7, 2, 3, 3, 9]
    batch = r.read(idx)
    for j, k in enumerate(idx):
        assert_samples_equal({key: v[j] for key, v in batch.items()},
                             subset(reference[k], r.keys))


def test_runs_split_at_shard_boundaries():
    assert runs(np.array([0, 1, 2, 3, 5, 6, 7]), 2) == [(0, 2), (2, 4), (5, 6), (6, 8)]


def test_unshuffled_batches_are_index_order(store_path, reference):
    r = simengine.open_store(store_path)
    batches = list(r.batches(4, with_index=True))
    assert [b["index"].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    for b in batches:
        for j, k in enumerate(b["index"]):
            assert_samples_equal({key: v[j] for key, v in b.items() if key != "index"},
                                 reference[k])


def test_shuffle_is_seeded_and_shard_aware(store_path, reference):
    r = simengine.open_store(store_path, keys=["objects/position", "meta/instance_json"])
    a = r.epoch_order(shuffle=True, seed=1, epoch=0, window=2)
    assert sorted(a.tolist()) == list(range(N))
    assert np.array_equal(a, r.epoch_order(shuffle=True, seed=1, epoch=0, window=2))
    assert not np.array_equal(a, r.epoch_order(shuffle=True, seed=1, epoch=1, window=2))
    assert not np.array_equal(a, np.arange(N))
    # every window of 2 blocks (4 positions) holds whole blocks
    for w in range(0, N, 2 * BLOCK):
        blocks = a[w:w + 2 * BLOCK] // BLOCK
        assert all(np.sum(blocks == b) == BLOCK for b in set(blocks.tolist()))
    got = list(r.batches(3, shuffle=True, seed=1, epoch=0, window=2, with_index=True))
    assert np.concatenate([b["index"] for b in got]).tolist() == a.tolist()
    for b in got:
        for j, k in enumerate(b["index"]):
            assert_samples_equal({key: v[j] for key, v in b.items() if key != "index"},
                                 subset(reference[k], r.keys))


def test_partial_store_serves_done_samples_only(tmp_path, engine, reference):
    from simengine.jobs.block import render_block
    from simengine.jobs.layout import prepare_render_store

    path = str(tmp_path / "p.zarr")
    prepare_render_store(path, engine, 6, BLOCK, resume=False, overwrite=False)
    render_block(path, 1)
    r = simengine.open_store(path, keys="objects")
    assert r.epoch_order().tolist() == [2, 3]
    assert [b["objects/count"].tolist() for b in r.batches(5)] == \
        [[int(reference[2]["objects/count"]), int(reference[3]["objects/count"])]]
    with pytest.raises(IndexError, match="not rendered"):
        r.read([1, 2])


def test_fsspec_url_store(engine, reference):
    """A store on an fsspec URL (in-memory filesystem here) renders and reads the same."""
    import uuid

    import fsspec

    url = f"memory://simengine-{uuid.uuid4().hex}/s.zarr"
    try:
        summary = render_store(engine, url, 4, block_size=BLOCK, progress=False)
        assert summary.rendered == 4
        r = simengine.open_store(url, keys=["objects", "camera/cam/rgb"])
        batch = r.read([3, 0])
        for j, k in enumerate([3, 0]):
            assert_samples_equal({key: v[j] for key, v in batch.items()},
                                 subset(reference[k], r.keys))
        with pytest.raises(simengine.StoreError, match="--resume"):
            render_store(engine, url, 4, block_size=BLOCK, progress=False)
        again = render_store(engine, url, 4, block_size=BLOCK, progress=False, resume=True)
        assert again.rendered == 0
    finally:
        fs, root = fsspec.core.url_to_fs(url)
        fs.rm(root.rsplit("/", 1)[0], recursive=True)


def test_threaded_decode_gives_the_same_batches(store_path, reference, monkeypatch):
    from simengine.store import _shards

    monkeypatch.setattr(_shards, "PARALLEL_MIN_BYTES", 0)
    r = simengine.open_store(store_path)
    batch = r.read(range(N))
    for k in range(N):
        assert_samples_equal({key: v[k] for key, v in batch.items()}, reference[k])
