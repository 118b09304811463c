"""Resumable loops: a StatefulDataLoader(num_workers=2) stopped after k batches and restored
from its checkpoint in a new process yields exactly the batches the uninterrupted loop
yields after the k-th; the uninterrupted loop itself is checked against the store's reader
(``StoreReader.epoch_order`` + ``read``) and ``Engine.sample``. Bad states are refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import simengine
from simengine.jobs.render_store import render_store
from simengine.spec.overrides import decode_overrides

torch = pytest.importorskip("torch", reason="the torch adapter's tests need torch")
pytest.importorskip("torchdata", reason="resumable loops are checked with torchdata's "
                                        "StatefulDataLoader (the test extra installs it)")

from simengine.adapters.torch import (  # noqa: E402
    GeneratedDataset,
    ShardAwareSampler,
    StoreDataset,
)

from . import resume_loop  # noqa: E402

# torchdata 0.11 calls torch.set_vital, which torch 2.13 deprecates: not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:'set_vital' is deprecated:UserWarning")

ROOT = Path(__file__).resolve().parents[2]
N, BLOCK = 7, 2


@pytest.fixture(scope="module")
def store(tmp_path_factory, mini_scene_path):
    path = tmp_path_factory.mktemp("resume") / "s.zarr"
    engine = simengine.Engine(simengine.load_scene(mini_scene_path), seed=9)
    render_store(engine, str(path), N, block_size=BLOCK, progress=False)
    return path


def interrupted(loader, k: int, checkpoint: Path) -> list[dict]:
    """Every batch of one uninterrupted pass, saving ``loader.state_dict()`` after the k-th."""
    batches = []
    for i, batch in enumerate(loader):
        batches.append(resume_loop.as_numpy(batch))
        if i + 1 == k:
            torch.save(loader.state_dict(), checkpoint)
    return batches


def resumed_in_new_process(mode: str, source: Path, checkpoint: Path) -> list[dict]:
    out = checkpoint.with_suffix(".out")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    subprocess.run([sys.executable, "-m", "tests.adapters.resume_loop", mode, str(source),
                    str(checkpoint), str(out)], cwd=ROOT, env=env, check=True, timeout=600)
    return torch.load(out, weights_only=False)


def assert_batches_equal(got: list[dict], expected: list[dict]) -> None:
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            assert a[key].dtype == b[key].dtype, key
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_store_loop_resumes_in_a_new_process(store, tmp_path):
    loader = resume_loop.store_loader(store)
    loader.sampler.seed = resume_loop.SEED
    loader.sampler.set_epoch(resume_loop.EPOCH)
    k = 2  # of 4 batches; with 2 workers and prefetching, all 4 were requested by then
    full = interrupted(loader, k, tmp_path / "store.ckpt")

    # the uninterrupted loop serves the reader's shuffled order, read by the reader
    reader = simengine.open_store(store)
    order = reader.epoch_order(shuffle=True, seed=resume_loop.SEED, epoch=resume_loop.EPOCH,
                               window=resume_loop.WINDOW)
    assert sorted(order.tolist()) == list(range(N)) and order.tolist() != list(range(N))
    expected = reader.read(order)
    for i, batch in enumerate(full):
        rows = slice(i * resume_loop.BATCH, (i + 1) * resume_loop.BATCH)
        assert batch.keys() == expected.keys()
        for key, value in batch.items():
            np.testing.assert_array_equal(value, expected[key][rows], err_msg=key)

    rest = resumed_in_new_process("store", store, tmp_path / "store.ckpt")
    assert_batches_equal(rest, full[k:])


def test_generated_loop_resumes_in_a_new_process(mini_scene_path, tmp_path):
    loader = resume_loop.generated_loader(mini_scene_path)
    loader.dataset.set_overrides(resume_loop.CURRICULUM)  # a curriculum step in force
    k = 1  # of 3 batches: [0, 1] by worker 0, [2, 3] by worker 1, [4] by worker 0
    full = interrupted(loader, k, tmp_path / "gen.ckpt")

    engine = simengine.Engine(simengine.load_scene(mini_scene_path), seed=resume_loop.GEN_SEED)
    engine = engine.with_overrides(resume_loop.CURRICULUM)
    samples = [row for batch in full for row in _rows(batch)]
    assert len(samples) == resume_loop.GEN_STOP
    for k_sample, got in enumerate(samples):
        want = engine.sample(k_sample)
        for key, value in got.items():
            np.testing.assert_array_equal(value, want[key], err_msg=key)
        assert decode_overrides(got["meta/overrides_json"]) == resume_loop.CURRICULUM

    rest = resumed_in_new_process("generated", mini_scene_path, tmp_path / "gen.ckpt")
    assert_batches_equal(rest, full[k:])


def _rows(batch: dict) -> list[dict]:
    n = len(next(iter(batch.values())))
    return [{k: v[i] for k, v in batch.items()} for i in range(n)]


@pytest.mark.parametrize("case", ["store shuffled", "store in index order", "generated"])
def test_single_process_loop_resumes(case, store, mini_scene_path, tmp_path):
    """num_workers=0: the states live in the main process (the loader's own objects)."""
    def build():
        if case == "generated":
            return resume_loop.generated_loader(mini_scene_path, workers=0)
        return resume_loop.store_loader(store, workers=0, shuffle=case == "store shuffled")

    loader = build()
    if case == "generated":
        loader.dataset.set_overrides(resume_loop.CURRICULUM)
    elif case == "store shuffled":
        loader.sampler.seed = resume_loop.SEED
        loader.sampler.set_epoch(resume_loop.EPOCH)
    k = 1
    full = interrupted(loader, k, tmp_path / "ckpt")
    again = build()
    again.load_state_dict(torch.load(tmp_path / "ckpt", weights_only=False))
    rest = [resume_loop.as_numpy(b) for b in again]
    assert_batches_equal(rest, full[k:])
    if case == "store in index order":
        np.testing.assert_array_equal(
            np.concatenate([b["objects/count"] for b in full]),
            simengine.open_store(store, keys="objects").read(range(N))["objects/count"])


# --- bad states -----------------------------------------------------------------------------

def test_sampler_state_round_trips_and_resumes_in_process(store):
    ds = StoreDataset(store)
    sampler = ShardAwareSampler(ds, seed=5, window=2)
    sampler.set_epoch(3)
    it = iter(sampler)
    head = [next(it) for _ in range(3)]
    state = sampler.state_dict()
    rest = list(it)
    fresh = ShardAwareSampler(StoreDataset(store))
    fresh.load_state_dict(state)
    assert (fresh.seed, fresh.window, fresh.epoch) == (5, 2, 3)
    assert list(fresh) == rest
    assert sorted(head + rest) == list(range(N))
    assert len(list(fresh)) == N  # the next epoch starts from its beginning


def test_bad_states_are_refused_with_a_clear_error(store, tmp_path, mini_scene_path):
    ds = StoreDataset(store)
    sampler = ShardAwareSampler(ds)
    good = sampler.state_dict()
    bad = {
        "written by another class": (ds.state_dict(), "written by 'StoreDataset'"),
        "not a dict": ([1, 2], "expected a dict"),
        "missing position": ({k: v for k, v in good.items() if k != "position"},
                             "lacks position"),
        "position as text": ({**good, "position": "3"}, "position must be int"),
        "position past the end": ({**good, "position": N + 1}, "outside 0..7"),
        "other done samples": ({**good, "dataset": {**good["dataset"], "samples": N - 1}},
                               "done samples"),
        "other store": ({**good, "dataset": {**good["dataset"], "scene_hash": "0" * 64}},
                        "another store"),
    }
    for case, (state, message) in bad.items():
        with pytest.raises(ValueError, match=message):
            sampler.load_state_dict(state)
        assert sampler._resume_at is None, case  # nothing half-loaded
    with pytest.raises(ValueError, match="arrays"):
        StoreDataset(store, keys=["objects"]).load_state_dict(ds.state_dict())

    engine = simengine.Engine(simengine.load_scene(mini_scene_path), seed=1)
    gen = GeneratedDataset(engine, 0, 4, batch_size=2)
    state = gen.state_dict()
    assert state["position"] == 0 and state["num_workers"] == 1
    for change, message in [({"seed": 2}, "seed 2"),
                            ({"num_workers": 2}, "same num_workers"),
                            ({"position": 5}, "outside 0..4"),
                            ({"batch_size": 3}, "batch_size"),
                            ({"overrides": {"objects[0].count": "many"}}, None)]:
        with pytest.raises((ValueError, simengine.SpecError), match=message):
            gen.load_state_dict({**state, **change})
    assert gen.engine is engine and gen._resume_at is None


def test_loader_refuses_a_checkpoint_of_another_engine(mini_scene_path):
    """Through StatefulDataLoader: a checkpoint of seed GEN_SEED restored over seed 1."""
    loader = resume_loop.generated_loader(mini_scene_path, workers=0)
    next(iter(loader))
    state = loader.state_dict()
    engine = simengine.Engine(simengine.load_scene(mini_scene_path), seed=1)
    other = resume_loop._loader(GeneratedDataset(engine, 0, resume_loop.GEN_STOP,
                                                 batch_size=resume_loop.BATCH), 0)
    other.load_state_dict(state)
    with pytest.raises(ValueError, match=f"seed {resume_loop.GEN_SEED}.*build the engine"):
        next(iter(other))
