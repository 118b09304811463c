"""Section 7, corruptions: every registered corruption timed beside one camera render. Runnable
alone, from the repository root:

    python -m tools.benchmarks.corruptions [--repeat 5] [--severities 3 5] [--only NAME ...]

Each corruption runs on the capture its modality names in the issue's bar, with the
context ``apply.py`` gives it:

- camera: tabletop's 640 × 480 capture (sample 0); the scene has one capture, so the flow
  is that of the camera moving sideways at 1 m/s over 1/30 s, as the tests use;
- lidar: indoor_room's OS1-64 at 64 × 1024 (its scene asks for 512 columns; overridden);
- audio: the first second of indoor_room's 4-channel array;
- cross-sensor: indoor_room's whole rig (640 × 480 camera, the 64 × 1024 lidar, 1.6 s of
  audio, two captures).

The reference is the camera section's ``camera_core`` on tabletop (the tiled
``shade_frame``: rgb, depth and masks at 640 × 480). Times are medians of ``--repeat``
calls after one untimed call, interleaved with the render so both see the same machine
load. Ratio = render / corruption (baseline / ours): ≥ 1 meets "no corruption
slower than a camera render".
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import simengine
from simengine.corruptions import get, names
from simengine.corruptions.calibration import first_capture, rig_capture
from simengine.engine import signal_rates
from simengine.sensors.camera.sensor import Camera

from .camera import camera_core
from .settings import SCENES
from .snapshot import snapshot
from .table import Row, median_seconds_pair, print_table

MODALITY_ORDER = ("camera", "lidar", "audio", "cross")


def _camera_capture(sample: dict[str, np.ndarray]) -> tuple[np.ndarray, dict, str]:
    head, rgb, context = first_capture(sample, "camera", 1 / 30)
    if "flow" not in context:  # one capture: the flow of a camera moving sideways at 1 m/s
        depth, K = context["depth"], context["K"]
        inv = np.divide(1.0, depth, out=np.zeros_like(depth), where=depth > 0)
        flow = np.zeros((*depth.shape, 2), np.float32)
        flow[..., 0] = K[0, 0] * 1.0 * (1 / 30) * inv
        context = {**context, "flow": flow}
    h, w = rgb.shape[:2]
    return rgb, context, f"{w}x{h} tabletop {head}"


def captures() -> dict[str, tuple[Any, dict, str]]:
    """Modality → (data, context, description) of the capture its corruptions run on."""
    out = {"camera": _camera_capture(simengine.Engine(SCENES / "tabletop.yaml", 0).sample(0))}
    room = simengine.Engine(SCENES / "indoor_room.yaml", 0)
    lidar = next(s.name for s in room.spec.sensors if s.kind == "lidar")
    room = room.with_overrides({f"sensors[{lidar}].overrides.columns": 1024})
    sample = room.sample(0)
    times = room.spec.schedule.capture_times
    interval = times[1] - times[0] if len(times) > 1 else 0.0
    head, data, context = first_capture(sample, "lidar", interval)
    out["lidar"] = (data, context, "x".join(map(str, data["range"].shape)) + f" {head}")
    head, wave, context = first_capture(sample, "audio", interval)
    fs = int(context["sample_rate"])
    out["audio"] = (np.ascontiguousarray(wave[:, :fs]), context,
                    f"1 s x {wave.shape[0]} ch at {fs} Hz {head}")
    _, rig, context = rig_capture(sample, interval, signal_rates(room.spec))
    out["cross"] = (rig, context, "indoor_room rig: " + ", ".join(
        sorted({k.rsplit("/", 1)[0] for k in rig})))
    return out


def render_reference() -> Callable[[], Any]:
    engine = simengine.Engine(SCENES / "tabletop.yaml", 0)
    snap = snapshot(engine)
    sensor = next(s for s in snap.instance.sensors if s.kind == "camera")
    return camera_core(Camera(sensor, 1, snap.spec.max_objects), snap)


def bench_corruptions(repeat: int, severities: Sequence[int] = (3, 5),
                      only: Sequence[str] | None = None) -> None:
    """Print section 7's table (see the module docstring)."""
    render = render_reference()
    caps = captures()
    rows, slower = [], []
    selected = set(only) if only else None
    for modality in MODALITY_ORDER:
        data, context, described = caps[modality]
        first = True
        for name in names(modality):
            if selected is not None and name not in selected:
                continue
            corruption = get(name)
            for severity in severities:
                def run(c=corruption, s=severity, d=data, ctx=context) -> None:
                    c(d, s, np.random.default_rng(0), ctx)

                ours, base = median_seconds_pair(run, render, repeat)
                rows.append(Row(f"{modality:6s} {name} sev{severity}", 1000 * ours,
                                      1000 * base, note=described if first else ""))
                first = False
                if ours > base:
                    slower.append(f"{name} sev{severity} ({ours / base:.2f}x a render)")
    print_table("7. Corruptions, each beside one 640x480 camera render (tabletop)",
                      rows, [
        "baseline = the camera render (rgb, depth, masks); ratio = render / corruption, "
        ">= 1: no slower than a render",
        "slower than one render: " + (", ".join(slower) if slower else "none")])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--severities", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args(argv)
    bench_corruptions(args.repeat, args.severities, args.only)


if __name__ == "__main__":
    main()
