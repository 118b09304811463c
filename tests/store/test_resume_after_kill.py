"""A render killed with SIGKILL mid-run and then resumed ends byte-identical to a render
that was never interrupted (real processes, real stores on disk)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import zarr

from tests.conftest import tree_bytes

N = 24
BLOCK = 2


def _render_cmd(scene, out, *extra):
    return [sys.executable, "-m", "simengine", "render", str(scene), "-n", str(N), "-o",
            str(out), "--seed", "3", "--block-size", str(BLOCK), "--no-progress", *extra]


def _done_count(path) -> int:
    try:
        return int(np.asarray(zarr.open_group(str(path), mode="r")["meta/done"][:]).sum())
    except Exception:  # store not created yet, or metadata mid-write
        return 0


@pytest.mark.slow
def test_sigkill_then_resume_matches_uninterrupted(tmp_path, mini_scene_path):
    reference = tmp_path / "reference.zarr"
    subprocess.run(_render_cmd(mini_scene_path, reference), check=True, capture_output=True)

    killed = tmp_path / "killed.zarr"
    proc = subprocess.Popen(_render_cmd(mini_scene_path, killed), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    try:
        while _done_count(killed) < 2 * BLOCK and time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done_at_kill = _done_count(killed)
    assert 0 < done_at_kill < N, f"the kill must land mid-run (done={done_at_kill})"

    # Without --resume the interrupted store is protected; with it the render finishes.
    refused = subprocess.run(_render_cmd(mini_scene_path, killed), capture_output=True,
                             text=True, check=False)
    assert refused.returncode == 2 and "--resume" in refused.stderr
    resumed = subprocess.run(_render_cmd(mini_scene_path, killed, "--resume"),
                             capture_output=True, text=True, check=True)
    rendered = int(resumed.stdout.split("rendered ")[1].split(" ")[0])
    assert rendered <= N - done_at_kill
    assert _done_count(killed) == N

    a, b = tree_bytes(reference), tree_bytes(killed)
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []
    assert not list(killed.rglob("*.partial"))
