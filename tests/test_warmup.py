"""Cold-cache warm start: the renderer compiled in a child process while this one compiles
the caster lands in the on-disk cache with the argument types real samples use (a later
process loads both without compiling), and nothing happens when the cache is off or warm."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from simengine import _warmup, settings
from simengine.spec.loader import load_scene

from .conftest import MINI, ROOT


def _run(code: str, cache: str) -> str:
    env = {**os.environ, "SIMENGINE_NUMBA_CACHE": cache}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_cold_cache_warm_start_fills_the_cache_for_real_samples(tmp_path):
    cache = str(tmp_path / "numba")
    assert _run("from simengine._warmup import warm_start; print(warm_start())", cache) == "True"
    # a new process: a real sample of another scene loads both kernels, compiling neither
    got = _run(f"""
        from simengine import Engine, _warmup
        from simengine.sensors.camera._kernels import render_tiles
        from simengine.geometry._raycast_kernels import cast_kernel
        Engine({str(MINI)!r}, 0).sample(0)
        print(_warmup._state["started"], *(sum(getattr(k.stats, n).values())
              for k in (render_tiles, cast_kernel) for n in ("cache_hits", "cache_misses")))
        """, cache)
    started, tiles_hits, tiles_misses, cast_hits, cast_misses = got.split()
    assert started == "True"  # it looked, found the renderer cached, and did nothing
    assert int(tiles_hits) >= 1 and int(tiles_misses) == 0
    assert int(cast_hits) >= 1 and int(cast_misses) == 0


def test_nothing_to_do_when_the_cache_is_off_or_warm_or_no_camera(monkeypatch):
    monkeypatch.setattr(_warmup, "_state", {"started": False})
    monkeypatch.setattr(settings, "NUMBA_CACHE", False)
    assert _warmup.warm_start() is False
    monkeypatch.setattr(settings, "NUMBA_CACHE", True)
    lidar_only = load_scene(ROOT / "scenes" / "outdoor_yard.yaml")
    lidar_only = type(lidar_only)(**{**lidar_only.__dict__, "sensors": tuple(
        s for s in lidar_only.sensors if s.kind != "camera")})
    assert _warmup.warm_start(lidar_only) is False and not _warmup._state["started"]
    # this test process has rendered cameras already: the renderer is cached
    from simengine.sensors.camera._kernels import render_tiles
    if _warmup._cached(render_tiles):
        assert _warmup.warm_start() is False and _warmup._state["started"]
