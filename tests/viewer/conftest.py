"""Fixtures for the viewer tests: one small rendered store with every sensor kind (a dual-
return lidar too) and camera, lidar and audio corruptions, a server on a free port, and
Debian's Chromium driven by Playwright. The tests never install anything: without
/usr/bin/chromium the browser tests fail and say to run tools/install_system_deps.sh
(.ci/run does)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
import zarr

from simengine import Engine
from simengine.jobs.render_store import render_store
from simengine.spec.loader import scene_from_dict
from simengine.viewer import ViewerServer, make_server

from ..conftest import MINI

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium's own connections (updates, sync) are
# refused by a closed network and slow every start; nothing here needs the internet.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required"]
CORRUPTION_SETS = [
    {"name": "cam", "corruptions": ["gaussian_noise", "contrast"], "policy": "one",
     "severity": {"randint": [1, 5]}},
    {"name": "lid", "corruptions": ["lidar_fog", "beam_missing"], "policy": "one",
     "severity": 3},
    {"name": "aud", "corruptions": ["gaussian_noise_snr", "packet_loss"], "policy": "one",
     "severity": 3},
]
NOT_DONE = 3  # the last sample is marked unfinished, as in an interrupted render


def viewer_scene() -> dict:
    """The mini scene with an optional ball (so "class present" varies), a second lidar in
    dual-return mode, and corruption sets for every modality."""
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["objects"][1]["count"] = {"randint": [0, 1]}
    data["sensors"].append({"name": "lid2", "preset": "vlp16",
                            "overrides": {"columns": 45, "return_mode": "dual"},
                            "pose": {"position": [0.0, -2.0, 0.8], "euler_deg": [0, 0, 90]}})
    data["corruptions"] = copy.deepcopy(CORRUPTION_SETS)
    return data


@pytest.fixture(scope="session")
def viewer_store(tmp_path_factory) -> Path:
    """4 samples (seed 0: sample 1 has no ball; sample 2 alone has gaussian_noise), the
    last one flagged not done."""
    path = tmp_path_factory.mktemp("viewer") / "store.zarr"
    engine = Engine(scene_from_dict(viewer_scene(), source=str(MINI)), seed=0)
    render_store(engine, str(path), 4, block_size=2, progress=False)
    zarr.open_group(str(path), mode="r+")["meta/done"][NOT_DONE] = False
    return path


@pytest.fixture(scope="session")
def server(viewer_store) -> Iterator[ViewerServer]:
    srv = make_server(viewer_store, 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


def require_chromium(path: Path = CHROMIUM) -> Path:
    """``path``, or a failure (never a skip, never an install) that says how to get it."""
    if not path.exists():
        pytest.fail(f"{path} is missing: run tools/install_system_deps.sh (it installs "
                    "Debian's chromium; .ci/run calls it before the tests)", pytrace=False)
    return path


@pytest.fixture(scope="session")
def chromium() -> Path:
    return require_chromium()


@pytest.fixture(scope="session")
def browser_context(chromium, tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is in the test extra")
    with sync_api.sync_playwright() as p:
        # a fresh profile each run: nothing cached or remembered from another session
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(chromium),
            headless=True, args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(120_000)  # bounds a hang only: a loaded machine is slow
        yield context
        context.close()
