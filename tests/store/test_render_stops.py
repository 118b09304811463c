"""Renders that are told to stop, stop: SIGINT or SIGTERM to the main process ends the run
and its workers promptly, keeps finished blocks, and says how to resume; a huge ``-n`` costs
no memory up front, and ``info`` and ``open_store`` on a 10⁹-sample store answer at once."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
import time

import pytest

import simengine
from simengine.cli import main

# Generous bounds: they only catch a hang, never measure speed.
STOP_WITHIN_S = 60


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except FileNotFoundError:
        return []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait_for_workers(proc: subprocess.Popen, n: int, store) -> list[int]:
    """Worker pids once both render (a sample is done: the pool is busy)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        kids = _children(proc.pid)
        done = (store / "meta" / "done" / "c").exists() and any(
            (store / "meta" / "done" / "c").iterdir())
        if len(kids) >= n and done:
            return kids
        time.sleep(0.2)
    raise AssertionError("the render did not start its workers")


@pytest.mark.slow
@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_render_and_its_workers(tmp_path, mini_scene_path, sig, code):
    store = tmp_path / "s.zarr"
    proc = subprocess.Popen([sys.executable, "-m", "simengine", "render", str(mini_scene_path),
                             "-n", "100000000", "-o", str(store), "--workers", "2",
                             "--block-size", "2", "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers = _wait_for_workers(proc, 2, store)
    proc.send_signal(sig)  # to the main process only, as `kill` does
    try:
        _, err = proc.communicate(timeout=STOP_WITHIN_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the render ignored the signal") from None
    assert proc.returncode == code, err
    assert "--resume" in err and "Traceback" not in err, err
    deadline = time.monotonic() + 30
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers), "workers kept rendering as orphans"
    reader = simengine.open_store(store)
    kept = reader.done_indices()
    assert kept.size >= 2
    assert reader.read(kept[:2])["meta/time"].shape[0] == 2  # finished blocks are whole


@pytest.mark.slow
def test_workers_die_with_a_killed_parent(tmp_path, mini_scene_path):
    store = tmp_path / "s.zarr"
    proc = subprocess.Popen([sys.executable, "-m", "simengine", "render", str(mini_scene_path),
                             "-n", "100000000", "-o", str(store), "--workers", "2",
                             "--block-size", "2", "--no-progress"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = _wait_for_workers(proc, 2, store)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 30
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers), "workers outlived a SIGKILLed parent"


def _peak_rss_mb_of(code: str) -> tuple[float, str]:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent (pytest)
    out = subprocess.run([sys.executable, "-c", code + "\nimport re\nprint('RSS', int(re.search("
                          "r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) "
                          "/ 1024)"],
                         capture_output=True, text=True, check=True, timeout=300)
    return float(out.stdout.split("RSS")[-1]), out.stdout


def test_a_billion_sample_store_opens_and_counts_in_small_memory(tmp_path, mini_scene_path):
    """Created (no sample rendered), then described and opened in fresh processes."""
    from simengine.jobs.layout import prepare_render_store

    engine = simengine.Engine(simengine.load_scene(mini_scene_path), seed=0)
    path = str(tmp_path / "huge.zarr")
    plan = prepare_render_store(path, engine, 10**9, 4, resume=False, overwrite=False)
    assert len(plan) == 250_000_000 and plan.samples_todo == 10**9
    assert next(iter(plan)) == 0
    rss, out = _peak_rss_mb_of(
        "from simengine.store.info import describe\n"
        f"d = describe({path!r}); print(d['samples_done'], d['samples_total'])\n"
        "import simengine\n"
        f"s = simengine.open_store({path!r}); print(len(s), s.done_indices().size)")
    assert "0 1000000000" in out and "1000000000 0" in out
    assert rss < 400, f"peak RSS {rss:.0f} MB"
    # a resume plan of such a store is lazy too
    plan = prepare_render_store(path, engine, 10**9, 4, resume=True, overwrite=False)
    assert plan.samples_todo == 10**9 and plan.skipped_blocks == 0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 < 4000
    assert main(["info", path]) == 0
