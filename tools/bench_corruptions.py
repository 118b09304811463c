"""Time every camera corruption next to one camera render of the same image, as a table.

    python tools/bench_corruptions.py [--scene scenes/tabletop.yaml] [--repeat 5]
                                      [--severities 3 5] [--only NAME ...]

The render is ``tools/bench.py``'s ``camera_core`` (the tiled ``render_frame``: rgb, depth
and masks of the scene's first camera, sRGB quantised in the kernel). Each corruption runs
on that camera's clean capture of sample 0 with its context (depth, K and, for a scene
without rendered flow, the flow of the camera moving sideways at 1 m/s over 1/30 s, as the
tests use). Times are medians of ``--repeat`` calls after one untimed call, interleaved with
the render so both see the same machine load. The ratio is corruption / render: ≤ 1 meets
"no more than a camera render".
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import simengine  # noqa: E402
from simengine.corruptions import get, names  # noqa: E402
from simengine.sensors.camera import Camera  # noqa: E402
from tools.bench import median_seconds_pair  # noqa: E402


def load_bench() -> Any:
    """tools/bench.py as a module (for ``snapshot`` and ``camera_core``)."""
    spec = importlib.util.spec_from_file_location("simengine_bench", ROOT / "tools" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def capture_context(sample: dict[str, np.ndarray], head: str) -> tuple[np.ndarray, dict]:
    rgb = np.ascontiguousarray(sample[f"{head}/rgb"][0])
    depth = np.ascontiguousarray(sample[f"{head}/depth"][0])
    K = np.asarray(sample[f"{head}/K"], np.float64)
    if f"{head}/flow" in sample:
        flow = np.ascontiguousarray(sample[f"{head}/flow"][0])
        interval = 1 / 30  # nominal: only the ratio exposure / interval matters
    else:
        inv = np.divide(1.0, depth, out=np.zeros_like(depth), where=depth > 0)
        flow = np.zeros((*depth.shape, 2), np.float32)
        flow[..., 0] = K[0, 0] * 1.0 * (1 / 30) * inv
        interval = 1 / 30
    return rgb, {"depth": depth, "K": K, "flow": flow, "frame_interval_s": interval}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scene", default=str(ROOT / "scenes" / "tabletop.yaml"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--severities", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args(argv)

    bench = load_bench()
    engine = simengine.Engine(args.scene, 0)
    sample = engine.sample(0)
    snap = bench.snapshot(engine)
    sensor = next(s for s in snap.instance.sensors if s.kind == "camera")
    camera = Camera(sensor, 1, snap.spec.max_objects)
    render = bench.camera_core(camera, snap)
    rgb, context = capture_context(sample, f"camera/{sensor.name}")
    height, width = rgb.shape[:2]

    selected = args.only or names("camera")
    header = f"{'corruption':22s}" + "".join(
        f"  sev{s} ms  render ms  ratio" for s in args.severities)
    print(f"camera corruptions at {width}x{height}, median of {args.repeat} "
          f"(scene {Path(args.scene).name})")
    print(header)
    print("-" * len(header))
    worst: list[tuple[float, str]] = []
    for name in selected:
        corruption = get(name)
        row = f"{name:22s}"
        for severity in args.severities:
            def run(c=corruption, s=severity) -> None:
                c(rgb, s, np.random.default_rng(0), context)
            ours, base = median_seconds_pair(run, render, args.repeat)
            row += f"  {1000 * ours:7.1f}  {1000 * base:9.1f}  {ours / base:5.2f}"
            worst.append((ours / base, f"{name} sev{severity}"))
        print(row)
    over = [f"{label} ({ratio:.2f})" for ratio, label in sorted(worst, reverse=True)
            if ratio > 1.0]
    print(f"\nslower than one render: {', '.join(over) if over else 'none'}")


if __name__ == "__main__":
    main()
