"""The benchmark script runs and prints every section (times are reported, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_quick_prints_every_section():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "bench.py"), "--quick"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    for heading in ("1. End to end", "2. Camera vs PyBullet TinyRenderer",
                    "3. Lidar vs PyBullet rayTestBatch", "4. Microphone array",
                    "7. Corruptions"):
        assert heading in out
    assert "stage physics" in out and "samples/s" in out and "Mrays/s" in out
