"""A capped worker caps the native thread pools beside Numba's (BLAS, OpenMP, OpenCV), and a
user's own setting of them wins. Each case runs in a fresh interpreter: the caps are
process-wide and must not leak into the test process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, os, sys
import numpy  # loaded before the set-up, as in a spawned worker
from simengine.jobs.worker import set_up_worker
set_up_worker(int(sys.argv[1]))
import cv2, numba, numcodecs.blosc, threadpoolctl
blas = sorted({i["num_threads"] for i in threadpoolctl.threadpool_info()
               if i["user_api"] == "blas"})
print(json.dumps({"blas": blas, "cv2": cv2.getNumThreads(), "numba": numba.get_num_threads(),
                  "blosc": numcodecs.blosc.get_nthreads(),
                  "env": {k: os.environ.get(k) for k in
                          ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENCV_FOR_THREADS_NUM")}}))
"""


def _probe(threads: int, **env: str) -> dict:
    pytest.importorskip("threadpoolctl")
    clean = {k: v for k, v in os.environ.items()
             if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                          "OPENCV_FOR_THREADS_NUM")}
    clean["PYTHONPATH"] = os.pathsep.join([str(ROOT), clean.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-c", PROBE, str(threads)], capture_output=True,
                          text=True, env={**clean, **env}, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_worker_with_one_core_runs_one_thread_per_pool():
    out = _probe(1)
    assert out["blas"] == [1]  # numpy's OpenBLAS was loaded before the cap: threadpoolctl
    assert out["cv2"] == 1 and out["numba"] == 1 and out["blosc"] == 1
    assert out["env"] == {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                          "OPENCV_FOR_THREADS_NUM": "1"}


def test_the_users_own_thread_settings_win():
    out = _probe(1, OPENBLAS_NUM_THREADS="2", OPENCV_FOR_THREADS_NUM="2")
    assert out["blas"] == [2] and out["cv2"] == 2
    assert out["env"]["OMP_NUM_THREADS"] == "1"
