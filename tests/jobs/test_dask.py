"""Rendering on a real Dask LocalCluster (2 worker processes, 1 thread each): byte-identical
to the local pool, and still complete and identical when a worker process is killed mid-run.
One cluster serves both tests (starting worker processes dominates the time); the CLI's
``--dask-local N`` path, which starts its own LocalCluster, is run by tools/bench.py."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest
import zarr

from simengine.cli import main
from tests.conftest import tree_bytes

distributed = pytest.importorskip("distributed")

N, BLOCK, SEED = 12, 2, 5


def _args(scene, out, *extra):
    return ["render", str(scene), "-n", str(N), "-o", str(out), "--seed", str(SEED),
            "--block-size", str(BLOCK), "--no-progress", *extra]


@pytest.fixture(scope="module")
def local_store(tmp_path_factory, mini_scene_path):
    path = tmp_path_factory.mktemp("dask") / "local.zarr"
    assert main(_args(mini_scene_path, path)) == 0
    return path


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as c:
        yield c


def _same_tree(a, b):
    ta, tb = tree_bytes(a), tree_bytes(b)
    assert ta.keys() == tb.keys()
    assert [k for k in ta if ta[k] != tb[k]] == []


def test_dask_local_cluster_render_is_byte_identical(local_store, mini_scene_path, tmp_path,
                                                     capsys, cluster):
    path = tmp_path / "dask.zarr"
    assert main(_args(mini_scene_path, path, "--scheduler", cluster.scheduler_address)) == 0
    out = capsys.readouterr().out
    assert f"rendered {N} of {N}" in out and "dask tcp://" in out and "0 failures" in out
    _same_tree(local_store, path)


def _done(path) -> int:
    try:
        return int(np.asarray(zarr.open_group(str(path), mode="r")["meta/done"][:]).sum())
    except Exception:
        return 0


def test_killed_worker_loses_nothing(local_store, mini_scene_path, tmp_path, cluster):
    from simengine.engine import Engine
    from simengine.jobs.render_store import render_store
    from simengine.spec.loader import load_scene

    engine = Engine(load_scene(mini_scene_path), seed=SEED)
    path = tmp_path / "killed.zarr"
    with distributed.Client(cluster, set_as_default=False) as client:
        client.wait_for_workers(2)
        pids = client.run(os.getpid)
        result: dict = {}

        def run():
            try:
                result["summary"] = render_store(
                    engine, str(path), N, block_size=BLOCK, progress=False,
                    scheduler=cluster.scheduler_address)
            except BaseException as exc:
                result["error"] = exc

        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.monotonic() + 120
        while _done(path) < BLOCK and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.02)
        victim = sorted(pids.values())[0]
        os.kill(victim, signal.SIGKILL)
        done_at_kill = _done(path)
        thread.join(timeout=240)
        assert not thread.is_alive()
    assert "error" not in result, result.get("error")
    assert 0 < done_at_kill < N, f"the kill must land mid-run (done={done_at_kill})"
    summary = result["summary"]
    assert summary.rendered == N and summary.failures == 0
    print(f"killed pid {victim} with {done_at_kill} of {N} done; retries {summary.retries}")
    assert _done(path) == N
    _same_tree(local_store, path)
