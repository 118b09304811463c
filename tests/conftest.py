"""Shared fixtures: small scenes and stores rendered once per session."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest
from hypothesis import settings as hypothesis_settings

# Each pytest-xdist worker compiles into its own Numba cache directory, set before anything
# imports numba: two processes compiling the same cached function at once can load each
# other's half-written cache files (a segfault in librosa's cached kernels was seen).
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["NUMBA_CACHE_DIR"] = str(
        Path(os.environ.get("NUMBA_CACHE_DIR") or Path.home() / ".cache" / "simengine" / "numba")
        / os.environ["PYTEST_XDIST_WORKER"])

from simengine import settings  # (after the cache directory is chosen)

T = TypeVar("T")

# No test may depend on wall-clock speed: Hypothesis' per-example deadline (200 ms by default)
# failed a cheap property test when a busy machine stalled one example for 257 ms.
hypothesis_settings.register_profile("simengine", deadline=None)
hypothesis_settings.load_profile("simengine")

# The test process is an entry point too: many tests call kernels without building an Engine.
settings.apply()

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "scenes" / "mini.yaml"


@pytest.fixture(scope="session")
def mini_scene_path() -> Path:
    return MINI


def assert_samples_equal(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    """Same keys, dtypes, shapes and bytes."""
    assert a.keys() == b.keys()
    for key, value in a.items():
        x, y = np.asarray(value), np.asarray(b[key])
        assert x.dtype == y.dtype, key
        assert x.shape == y.shape, key
        assert x.tobytes() == y.tobytes(), key


@contextlib.contextmanager
def numba_threads(n: int) -> Iterator[None]:
    """Run the block on exactly ``n`` Numba threads, then restore the count. Fails (never
    skips) when the process cannot have ``n``: Numba's pool is sized at launch by
    ``NUMBA_NUM_THREADS`` (default: the core count), and a test of thread-count independence
    that silently ran one thread twice would prove nothing."""
    import numba

    launched = numba.config.NUMBA_NUM_THREADS
    assert launched >= n, (f"this test needs {n} Numba threads but the process was launched "
                           f"with NUMBA_NUM_THREADS={launched}; run it with "
                           f"NUMBA_NUM_THREADS={n} or more")
    before = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        assert numba.get_num_threads() == n
        yield
    finally:
        numba.set_num_threads(before)


def on_one_and_two_threads(run: Callable[[], T]) -> tuple[T, T]:
    """``run()`` on one Numba thread and on two: what thread-count independence compares."""
    with numba_threads(1):
        one = run()
    with numba_threads(2):
        two = run()
    return one, two


def tree_bytes(path: Path) -> dict[str, bytes]:
    """Every file of a store by relative path (temporary *.partial files excluded). The run
    log under ``logs/`` is skipped: it records times and the host of each render
    (store.runlog), which differ between otherwise byte-identical renders."""
    return {str(f.relative_to(path)): f.read_bytes() for f in sorted(path.rglob("*"))
            if f.is_file() and not f.name.endswith(".partial")
            and f.relative_to(path).parts[0] != "logs"}


# Every scene the 2D-box tests run on (report, contact sheet, viewer payloads, exports): the
# shipped scenes and a scene of thin, tiny and cut-off objects.
SHIPPED_SCENES = sorted((ROOT / "scenes").glob("*.yaml"))
THIN_TINY = ROOT / "tests" / "data" / "scenes" / "thin_tiny.yaml"
BOX_SCENES = [*SHIPPED_SCENES, THIN_TINY]
BOX_SCENE_SAMPLES = 3
SMALL_CAMERA_WIDTH = 320  # shipped cameras shrunk to this (thin objects get thinner)


@pytest.fixture(scope="session")
def scene_store(tmp_path_factory):
    """``scene_store(path) -> store``: a store of ``BOX_SCENE_SAMPLES`` samples of the scene
    (seed 0, blocks of 2), rendered on first use and shared by the whole session. Cameras
    wider than ``SMALL_CAMERA_WIDTH`` are shrunk to it by sensor overrides (same field of
    view), and the scene's corruption sets are left out (the tests using these stores read
    clean data and labels), to keep the suite fast."""
    import yaml

    from simengine import Engine
    from simengine.jobs.render_store import render_store
    from simengine.spec.loader import scene_from_dict

    stores: dict[Path, Path] = {}

    def get(scene: Path) -> Path:
        if scene not in stores:
            data = yaml.safe_load(scene.read_text(encoding="utf-8"))
            data.pop("corruptions", None)
            engine = Engine(scene_from_dict(data, source=str(scene)), seed=0)
            overrides = {}
            for s in engine.spec.sensors:
                if s.kind != "camera":
                    continue
                w, h = (int(s.params[k].value) for k in ("width", "height"))  # not random
                if w > SMALL_CAMERA_WIDTH:
                    key = f"sensors[{s.name}].overrides"
                    overrides[f"{key}.width"] = SMALL_CAMERA_WIDTH
                    overrides[f"{key}.height"] = round(h * SMALL_CAMERA_WIDTH / w)
            if overrides:
                engine = engine.with_overrides(overrides)
            out = tmp_path_factory.mktemp(scene.stem) / f"{scene.stem}.zarr"
            render_store(engine, str(out), BOX_SCENE_SAMPLES, block_size=2, progress=False)
            stores[scene] = out
        return stores[scene]

    return get
