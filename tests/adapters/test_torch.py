"""PyTorch adapter with a real DataLoader(num_workers=2): over generated samples and over a
store, every batch equals engine.sample(k) in the documented order."""

from __future__ import annotations

import numpy as np
import pytest

import simengine
from simengine.jobs.render_store import render_store
from tests.conftest import assert_samples_equal

torch = pytest.importorskip("torch", reason="the torch adapter's tests need torch "
                                            "(the test extra installs it)")
from torch.utils.data import DataLoader  # noqa: E402

from simengine.adapters.torch import (  # noqa: E402
    GeneratedDataset,
    ShardAwareSampler,
    StoreDataset,
    collate,
)

N, BLOCK, B = 7, 2, 3


@pytest.fixture(scope="module")
def engine(mini_scene_path):
    return simengine.Engine(simengine.load_scene(mini_scene_path), seed=9)


@pytest.fixture(scope="module")
def reference(engine):
    return {k: engine.sample(k) for k in range(N + 2)}


def unbatch(batches):
    out = []
    for b in batches:
        n = len(next(iter(b.values())))
        out += [{k: v[i].numpy() for k, v in b.items()} for i in range(n)]
    return out


def loader(ds, workers, **kw):
    extra = {"multiprocessing_context": "spawn"} if workers else {}
    return DataLoader(ds, batch_size=B, num_workers=workers, collate_fn=collate, **extra, **kw)


@pytest.mark.parametrize("workers", [0, 2])
def test_generated_dataset_yields_engine_samples_in_order(engine, reference, workers):
    ds = GeneratedDataset(engine, start=2, stop=2 + N, batch_size=B)
    samples = unbatch(list(loader(ds, workers)))
    assert len(samples) == N
    for k, got in zip(range(2, 2 + N), samples, strict=True):
        assert_samples_equal(got, reference[k])


@pytest.fixture(scope="module")
def store_path(tmp_path_factory, engine):
    path = tmp_path_factory.mktemp("torch") / "s.zarr"
    render_store(engine, str(path), N, block_size=BLOCK, progress=False)
    return path


def test_store_dataset_with_two_workers(store_path, reference):
    ds = StoreDataset(store_path)
    assert len(ds) == N
    samples = unbatch(list(loader(ds, 2)))
    assert len(samples) == N
    for k, got in enumerate(samples):
        assert_samples_equal(got, reference[k])


def test_store_dataset_shard_aware_shuffle(store_path, reference):
    ds = StoreDataset(store_path, keys=["objects", "camera/cam/depth"])
    sampler = ShardAwareSampler(ds, seed=3, window=2)
    sampler.set_epoch(1)
    order = simengine.open_store(store_path).epoch_order(shuffle=True, seed=3, epoch=1,
                                                         window=2)
    samples = unbatch(list(loader(ds, 0, sampler=sampler)))
    assert len(samples) == N
    for k, got in zip(order, samples, strict=True):
        assert_samples_equal(got, {key: reference[k][key] for key in ds.keys})


def test_collate_masks(reference):
    batch = collate([reference[0], reference[1]], masks=True)
    counts = batch["objects/count"].numpy()
    valid = batch["objects/valid"].numpy()
    assert valid.shape == (2, reference[0]["objects/class_id"].shape[0])
    np.testing.assert_array_equal(valid.sum(axis=1), counts)
    assert (batch["objects/class_id"].numpy()[~valid] == -1).all()
