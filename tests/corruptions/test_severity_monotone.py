"""Severity is monotone: for every registered corruption, its degradation metric
(calibration.py: 1 − SSIM for images, point loss + Chamfer for lidar, −SNR for audio)
grows strictly from severity 1 to 5 on a shipped scene: indoor_room (a reverberant room with
a camera, an OS1-64 and an array) for audio and the whole rig; outdoor_yard for the lidar
(its VLP-16 sees the ground; indoor_room's lidar sees only walls, so wet ground would have
nothing to act on) and for images (a daylight view holding the full range of tones and
saturations: ImageNet-C's saturate and spatter tables are monotone in their metrics only on
such an image, not on a dim, low-saturation interior), except the corruptions that need the
flow of consecutive captures, measured on indoor_room's camera. The cameras are shrunk to
320 x 240 (same field of view, through ``Engine.with_overrides``): monotonicity in severity
does not hang on the pixel count, and the image corruptions and their SSIM cost a quarter as
much."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simengine import Engine
from simengine.corruptions import get, names
from simengine.corruptions.calibration import (
    degradation_by_severity,
    first_capture,
    metric_for,
    rig_capture,
)
from simengine.engine import signal_rates
from simengine.spec.loader import load_scene

SCENES = Path(__file__).resolve().parents[2] / "scenes"
SCENE_FOR = {"lidar": SCENES / "outdoor_yard.yaml", "camera": SCENES / "outdoor_yard.yaml"}
# corruptions that need the optical flow of consecutive captures (outdoor_yard has one)
SCENE_FOR_NAME = {"velocity_motion_blur": SCENES / "indoor_room.yaml"}
DEFAULT = SCENES / "indoor_room.yaml"
_SAMPLES: dict[Path, tuple] = {}


def shipped_sample(scene: Path) -> tuple[dict, float]:
    if scene not in _SAMPLES:
        engine = Engine(scene, seed=0)
        cams = [s.name for s in engine.spec.sensors if s.kind == "camera"]
        engine = engine.with_overrides({f"sensors[{c}].overrides.{key}": value for c in cams
                                        for key, value in (("width", 320), ("height", 240))})
        times = engine.spec.schedule.capture_times
        _SAMPLES[scene] = engine.sample(0), (times[1] - times[0]) if len(times) > 1 else 0.0
    return _SAMPLES[scene]


@pytest.mark.parametrize("name", names())
def test_degradation_grows_with_severity(name):
    modality = get(name).modality
    scene = SCENE_FOR_NAME.get(name, SCENE_FOR.get(modality, DEFAULT))
    sample, interval = shipped_sample(scene)
    found = (rig_capture(sample, interval, signal_rates(load_scene(scene)))
             if modality == "cross" else first_capture(sample, modality, interval))
    assert found is not None, f"{scene.name} has no sensor for {name}"
    _, data, context = found
    label, _ = metric_for(name)
    values = degradation_by_severity(name, data, context)[label]
    assert np.all(np.diff(values) > 0), f"{name}: {label} by severity {np.round(values, 4)}"
