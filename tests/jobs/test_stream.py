"""simengine.stream: background generation into NumPy batches equals engine.sample(k), in
index order, for thread and process workers; clean shutdown on close, on a plain break, when
the garbage collector frees the stream, and on errors."""

from __future__ import annotations

import gc
import multiprocessing as mp
import threading

import numpy as np
import pytest

import simengine
from simengine.jobs.stream import batch_indices, collate, valid_mask
from tests.conftest import assert_samples_equal


@pytest.fixture(scope="module")
def engine(mini_scene_path):
    return simengine.Engine(simengine.load_scene(mini_scene_path), seed=5)


def unbatch(batches):
    out = []
    for b in batches:
        n = len(next(iter(b.values())))
        out += [{k: v[i] for k, v in b.items()} for i in range(n)]
    return out


def test_batch_plan():
    assert [list(r) for r in batch_indices(2, 9, 3)] == [[2, 3, 4], [5, 6, 7], [8]]
    assert [list(r) for r in batch_indices(2, 9, 3, drop_last=True)] == [[2, 3, 4], [5, 6, 7]]
    with pytest.raises(ValueError):
        list(batch_indices(5, 2, 1))


@pytest.mark.parametrize("workers", [0, 2])
def test_stream_gives_engine_samples_in_index_order(engine, workers):
    with simengine.stream(engine, batch_size=3, workers=workers, start=2, stop=9) as s:
        batches = list(s)
    assert [b["objects/count"].shape for b in batches] == [(3,), (3,), (1,)]
    rgb = batches[0]["camera/cam/rgb"]
    assert rgb.shape == (3, *engine.outputs()["camera/cam/rgb"].shape)
    samples = unbatch(batches)
    assert len(samples) == 7
    for k, got in zip(range(2, 9), samples, strict=True):
        assert_samples_equal(got, engine.sample(k))


def test_stream_key_selection_and_drop_last(engine):
    batches = list(simengine.stream(engine, 2, start=0, stop=5, drop_last=True,
                                    keys=["objects", "camera/cam/rgb"]))
    assert len(batches) == 2
    assert set(batches[0]) == {"camera/cam/rgb"} | {k for k in engine.outputs()
                                                    if k.startswith("objects/")}
    np.testing.assert_array_equal(batches[1]["objects/count"],
                                  [engine.sample(2)["objects/count"],
                                   engine.sample(3)["objects/count"]])


def test_close_stops_the_background_thread_and_ends_the_iteration(engine):
    s = simengine.stream(engine, 1, stop=None, prefetch=2)
    for _ in s:
        break
    s.close()
    assert not s._thread.is_alive()
    assert list(s) == []


def _stream_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "simengine-stream"}


def test_a_plain_break_stops_the_background_thread(engine):
    """No close(), no with block: the stream goes away when the loop drops it."""
    before = _stream_threads()
    for _ in simengine.stream(engine, 1, stop=None, prefetch=1):
        started = _stream_threads() - before
        break
    assert len(started) == 1
    (thread,) = started
    thread.join(timeout=300)  # at most one sample's generation; bounds a hang only
    assert not thread.is_alive()


def test_garbage_collection_of_the_stream_stops_the_background_thread(engine):
    """A stream only the garbage collector can free (it is part of a reference cycle)."""
    before = _stream_threads()
    s = simengine.stream(engine, 1, stop=None, prefetch=1)
    next(s)
    (thread,) = _stream_threads() - before
    s.cycle = s
    del s
    gc.collect()
    thread.join(timeout=300)  # at most one sample's generation; bounds a hang only
    assert not thread.is_alive()


def test_a_plain_break_stops_the_worker_processes(engine):
    before = set(mp.active_children())
    for _ in simengine.stream(engine, 1, workers=1, stop=None, prefetch=1):
        workers = set(mp.active_children()) - before
        break
    assert workers
    for p in workers:
        p.join(timeout=300)
    assert not any(p.is_alive() for p in workers)


def test_worker_error_reaches_the_loop_and_stops(engine, monkeypatch):
    e = simengine.Engine(engine.spec, seed=5)
    real = e.sample

    def failing(k):
        if k == 3:
            raise RuntimeError("boom at 3")
        return real(k)

    monkeypatch.setattr(e, "sample", failing)
    s = simengine.stream(e, 2, stop=8)
    got = []
    with pytest.raises(RuntimeError, match="boom at 3"):
        for b in s:
            got.append(b)
    assert len(got) == 1 and not s._thread.is_alive()


def test_collate_and_masks():
    samples = [{"objects/count": np.int32(n), "x": np.arange(3)} for n in (1, 3)]
    batch = collate(samples)
    assert batch["objects/count"].tolist() == [1, 3] and batch["x"].shape == (2, 3)
    assert valid_mask(batch["objects/count"], 4).tolist() == [[True, False, False, False],
                                                              [True, True, True, False]]
