"""Every procedural generator, many random instances, dropped under physics and rendered.

    python tools/asset_stress.py [--instances 200] [--generators a,b]

Each generator's scene (``simengine.assets.sheet.example_scene`` with the parameters left to
the instance sampler, the object dynamic) renders samples 0..N-1: every sample draws new
parameters, PyBullet drops the object for 1 s, the camera renders it. Prints per generator
the samples rendered, errors, physics blow-ups that needed a re-draw, and the time; exits 1
if any sample failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from simengine import Engine  # noqa: E402
from simengine.assets import generators  # noqa: E402
from simengine.assets.sheet import example_scene  # noqa: E402
from simengine.spec.loader import scene_from_dict  # noqa: E402


def stress(name: str, instances: int) -> tuple[int, list[str], int, float]:
    spec = scene_from_dict(example_scene(name, None, 64, 48, fixed=False),
                           source=f"asset_stress: {name}")
    engine = Engine(spec, seed=0)
    errors, redraws, done = [], 0, 0
    start = time.perf_counter()
    for k in range(instances):
        try:
            sample = engine.sample(k)
        except Exception as exc:  # report every failure, go on with the next sample
            errors.append(f"sample {k}: {type(exc).__name__}: {exc}")
            continue
        redraws += int(sample["meta/attempt"])
        done += 1
    return done, errors, redraws, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--generators", default=None, help="comma-separated (default: all)")
    args = parser.parse_args(argv)
    names = args.generators.split(",") if args.generators else generators()
    failed = 0
    print(f"{'generator':15s} {'rendered':>8s} {'errors':>6s} {'re-draws':>8s} {'s':>7s}")
    for name in names:
        done, errors, redraws, seconds = stress(name, args.instances)
        failed += len(errors)
        print(f"{name:15s} {done:8d} {len(errors):6d} {redraws:8d} {seconds:7.1f}", flush=True)
        for e in errors[:3]:
            print(f"    {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
