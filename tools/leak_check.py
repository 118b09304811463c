"""Memory check for long renders: worker RSS must stay flat over thousands of samples.

    python tools/leak_check.py [--scene tests/data/scenes/mini.yaml] [-n 2000] [--workers 2]
                               [--block-size 16] [--bound-mb 64] [--stream]

Renders ``n`` samples into a temporary store on the local process pool (or, with
``--stream``, pulls them through ``simengine.stream``) while sampling the resident set size
(RSS) of every worker process twice a second. Per worker it reports the RSS once warm
(after the first 10 % of the run's time: Numba kernels, imports and caches loaded), the
maximum and the last value, and the growth from warm to the end of the run. Exit status 1
if any worker grew by more than ``--bound-mb`` (default 64 MB), 0 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import simengine  # noqa: E402
from simengine.jobs.render_store import render_store  # noqa: E402


class RssSampler(threading.Thread):
    """RSS of every child process of this one, (seconds, rss bytes) per pid."""

    def __init__(self, period: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.period = period
        self.series: dict[int, list[tuple[float, int]]] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        me = psutil.Process(os.getpid())
        start = time.perf_counter()
        while not self.stop.is_set():
            for child in me.children(recursive=True):
                try:
                    rss = child.memory_info().rss
                    name = " ".join(child.cmdline())
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                if "resource_tracker" in name:
                    continue
                self.series.setdefault(child.pid, []).append(
                    (time.perf_counter() - start, rss))
            self.stop.wait(self.period)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scene", type=Path, default=ROOT / "tests/data/scenes/mini.yaml")
    parser.add_argument("-n", "--samples", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--block-size", type=int, default=16)
    parser.add_argument("--bound-mb", type=float, default=64.0)
    parser.add_argument("--stream", action="store_true",
                        help="generate through simengine.stream instead of rendering a store")
    args = parser.parse_args(argv)

    engine = simengine.Engine(args.scene, seed=0)
    sampler = RssSampler()
    sampler.start()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="simengine-leak-") as tmp:
        if args.stream:
            for _ in simengine.stream(engine, args.block_size, workers=args.workers,
                                      stop=args.samples):
                pass
        else:
            render_store(engine, str(Path(tmp) / "leak.zarr"), args.samples,
                         workers=args.workers, block_size=args.block_size, progress=False)
    seconds = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()

    warm_at = 0.1 * seconds
    mode = "stream" if args.stream else "render"
    print(f"leak check: {mode} of {args.samples} samples of {args.scene.name}, "
          f"{args.workers} workers, block {args.block_size}, {seconds:.0f} s "
          f"({args.samples / seconds:.1f} samples/s); RSS sampled every 0.5 s")
    print(f"{'pid':>8} {'seconds':>8} {'warm MB':>8} {'max MB':>8} {'end MB':>8} "
          f"{'growth MB':>10}")
    worst = 0.0
    for pid, series in sorted(sampler.series.items()):
        warm = [rss for t, rss in series if t >= warm_at]
        if len(warm) < 2:
            continue
        growth = (warm[-1] - warm[0]) / 2**20
        worst = max(worst, growth, (max(warm) - warm[0]) / 2**20)
        print(f"{pid:>8} {series[-1][0]:>8.0f} {warm[0] / 2**20:>8.1f} {max(warm) / 2**20:>8.1f} "
              f"{warm[-1] / 2**20:>8.1f} {growth:>10.1f}")
    verdict = "PASS" if worst <= args.bound_mb else "FAIL"
    print(f"worst growth after warm-up {worst:.1f} MB (bound {args.bound_mb:.0f} MB): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
