"""Section 1, end to end: ``Engine(scene, seed).sample(k)`` over N samples (after one warm-up
sample that pays Numba compilation or cache loading), time per stage from ``engine.timings``,
``render`` into a temporary store with 1 and 2 workers, and both against the naive PyBullet
pipeline of issue 22 (``naive.py``) in one process, timed half before and half after the
renders so that it sees the same machine load as they do."""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

import numpy as np

import simengine
from simengine.jobs.render_store import render_store as render

from .naive import naive_rate
from .settings import Settings
from .table import Row, print_table

STAGES = ("physics", "camera", "lidar", "audio", "labels")


@dataclasses.dataclass
class EndToEnd:
    engine: simengine.Engine
    first_sample: dict[str, np.ndarray]
    stage_seconds: dict[str, float]  # summed over the timed samples
    samples: int
    events: float  # mean contact events per timed sample


def bench_end_to_end(scene: Path, cfg: Settings) -> EndToEnd:
    engine = simengine.Engine(scene, cfg.seed)
    start = time.perf_counter()
    first = engine.sample(0)
    warmup = time.perf_counter() - start
    warm_stages = dict(engine.timings)

    n = cfg.samples
    before = dict(engine.timings)
    events = 0
    start = time.perf_counter()
    for k in range(1, n + 1):
        events += int(engine.sample(k)["events/count"])
    loop = time.perf_counter() - start
    stages = {s: engine.timings[s] - before[s] for s in STAGES}

    per = 1000 * loop / n
    rows = [Row("warm-up sample 0 (Numba compile/cache load)", 1000 * warmup,
                note=", ".join(f"{s} {1000 * warm_stages[s]:.0f}" for s in STAGES)),
            Row(f"Engine.sample, mean of {n}", per, note=f"{n / loop:.2f} samples/s")]
    total = sum(stages.values())
    rows += [Row(f"  stage {s}", 1000 * stages[s] / n,
                 note=f"{100 * stages[s] / total:.0f} % of staged time") for s in STAGES]

    n_naive = max(2, min(n, 4) if cfg.quick else n)  # --quick: about 1.5 s of it
    naive_before = naive_rate(n_naive // 2, cfg.seed)
    with tempfile.TemporaryDirectory(prefix="simengine-bench-") as tmp:
        one = render(engine, str(Path(tmp) / "w1.zarr"), n, workers=1, block_size=4,
                     progress=False)
        two = render(engine, str(Path(tmp) / "w2.zarr"), n, workers=2, block_size=4,
                     progress=False)
    naive_after = naive_rate(n_naive - n_naive // 2, cfg.seed)
    for summary in (one, two):
        write = summary.stage_seconds["write"]
        rows.append(Row(f"render workers={summary.workers}, per sample",
                        1000 * summary.seconds / n,
                        1000 * one.seconds / n if summary is two else None,
                        f"{summary.samples_per_second:.2f} samples/s, total "
                        f"{summary.seconds:.1f} s"))
        rows.append(Row(f"  store write (workers={summary.workers})", 1000 * write / n,
                        note=f"{100 * write / summary.seconds:.0f} % of wall time"
                        if summary.workers == 1 else "summed over the workers"))
    # harmonic mean of the two halves' rates = the rate over all their samples
    naive_ms = 1000 * ((n_naive // 2) / naive_before
                       + (n_naive - n_naive // 2) / naive_after) / n_naive
    rows.append(Row("naive PyBullet pipeline, 1 process, per sample", None, naive_ms,
                    f"{1000 / naive_ms:.2f} samples/s (before renders {naive_before:.2f}, "
                    f"after {naive_after:.2f}); baseline of the next 2 rows"))
    for summary in (one, two):
        rows.append(Row(f"render workers={summary.workers} vs naive", 1000 * summary.seconds / n,
                        naive_ms, "ratio = naive time / ours per sample"))
    notes = [f"scene {scene.name}, seed {cfg.seed}; samples 1..{n} timed in-process; stage "
             "times from engine.timings (diffed around the loop)",
             f"render: block_size 4, {n} samples; workers=2 baseline is workers=1, ratio = "
             f"speed-up; workers=2 includes spawning two interpreters (Numba loaded per process)",
             f"naive: tools/benchmarks/naive.py (table + 8 primitives, contacts every step, "
             f"640x480 TinyRenderer with shadows, 32x720 rayTestBatch, savez_compressed; no "
             f"audio, labels or corruptions), {n_naive} samples after a warm-up one"]
    print_table(f"1. End to end: {scene.name}", rows, notes)
    return EndToEnd(engine, first, stages, n, events / n)


def bench_shipped_scenes(scenes: list[Path], cfg: Settings) -> None:
    """Section 1b: one row set per shipped scene (``--all-scenes``): the mean time of
    ``Engine.sample`` over a few samples after a warm-up one, and the camera, lidar and audio
    stages of it, so the closing note of a content change can quote them per scene."""
    n = max(2, min(cfg.samples, 4))
    rows = []
    for scene in scenes:
        engine = simengine.Engine(scene, cfg.seed)
        engine.sample(0)  # Numba, BVH and mesh caches
        before = dict(engine.timings)
        start = time.perf_counter()
        for k in range(1, n + 1):
            engine.sample(k)
        per = 1000 * (time.perf_counter() - start) / n
        stage = {s: 1000 * (engine.timings[s] - before[s]) / n for s in STAGES}
        rows.append(Row(f"{scene.stem}: Engine.sample", per, note=f"{1000 / per:.2f} samples/s"))
        rows += [Row(f"  {scene.stem}: {s}", stage[s]) for s in ("camera", "lidar", "audio")]
    print_table("1b. End to end per shipped scene", rows,
                [f"seed {cfg.seed}; mean of samples 1..{n} after sample 0 (warm-up: Numba, "
                 "generated meshes and their BVHs are cached per process)"])
