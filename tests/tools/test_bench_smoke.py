"""The benchmark script runs and prints every section (times are reported, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_quick_prints_every_section():
    """One full ``--quick`` run, every section (the Dask LocalCluster of section 6 included),
    on 2 samples instead of the quick default 8: the smoke run proves the sections run and
    print, which does not depend on how many samples they time."""
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "bench.py"), "--quick",
                           "--samples", "2"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    for heading in ("1. End to end", "2. Camera vs PyBullet TinyRenderer",
                    "3. Lidar vs PyBullet rayTestBatch", "4. Microphone array",
                    "5. Mesh-heavy primary visibility", "6. Training loop and scale-out",
                    "7. Corruptions"):
        assert heading in out
    assert "stage physics" in out and "samples/s" in out and "Mrays/s" in out


def test_image_statistics_section_prints_a_row_per_scene_camera(capsys, monkeypatch):
    """Section 8 on one sample of the tabletop scene: a row for its camera whose figures are
    image_statistics of the engine's own image, in the printed format."""
    monkeypatch.syspath_prepend(str(ROOT / "tools"))
    import numpy as np
    from benchmarks.image_stats import bench_image_statistics

    import simengine
    from simengine.report.image_stats import image_statistics

    scene = ROOT / "scenes" / "tabletop.yaml"
    bench_image_statistics([scene], seed=0, samples=1)
    out = capsys.readouterr().out
    assert "8. Image statistics per shipped scene" in out
    row = next(line for line in out.splitlines() if line.startswith("tabletop / "))
    cam = row.split()[2]
    rgb = simengine.Engine(scene, 0).sample(0)[f"camera/{cam}/rgb"]
    s = image_statistics(np.asarray(rgb).reshape(-1, *rgb.shape[-3:]))
    assert f"{s['power_slope']:.3f}±" in row and f"{s['saturation_mean']:.3f}±" in row
