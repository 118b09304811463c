"""Section 6, training loop and scale-out: training-loop generation, Dask vs the local pool, and
store reads against per-sample .npz files. Runnable alone, from the repository root:

    python -m tools.benchmarks.scale [--scene scenes/tabletop.yaml] [--samples N] [--quick]

- generation: ``simengine.stream`` with 1 and 2 worker processes, steady state (the first
  batch of each worker, paying spawn and Numba cache loading, is not timed);
- render: ``render`` into a store on the local pool (2 workers) and on a Dask LocalCluster
  (2 worker processes, 1 thread each), wall time including start-up, same blocks, for N
  and 3N samples (the cluster's start is a fixed cost; its own row times it);
- reads: every sample's rgb, depth, lidar range image and ``objects/*`` labels, batch 8, from
  the store (``StoreReader.batches``, keys selected) and from per-sample ``np.savez`` and
  ``np.savez_compressed`` files holding exactly those arrays; warm page cache for all.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import simengine
from simengine.errors import UserError
from simengine.jobs.render_store import render_store as render

from .settings import SCENES, settings
from .table import Row, median_seconds, print_table

BATCH = 8


def _read_keys(engine: simengine.Engine) -> list[str]:
    outs = engine.outputs()
    keys = [k for k in outs if k.startswith("camera/") and k.endswith(("/rgb", "/depth"))]
    keys += [k for k in outs if k.startswith("lidar/") and k.endswith("/range")]
    keys += [k for k in outs if k.startswith("objects/")]
    return keys


def generation_rate(engine: simengine.Engine, workers: int, n: int) -> tuple[float, float]:
    """(steady samples/s, total seconds) of stream(batch_size=1) over n timed samples after
    ``workers`` warm-up samples."""
    start = time.perf_counter()
    timed_from = None
    with simengine.stream(engine, 1, workers=workers, stop=n + workers,
                          prefetch=2 * workers) as s:
        for i, _ in enumerate(s):
            if i == workers - 1:
                timed_from = time.perf_counter()
    end = time.perf_counter()
    assert timed_from is not None
    return n / (end - timed_from), end - start


def _cluster_start_seconds() -> float | None:
    """Wall time to start a 2-worker LocalCluster (as ``--dask-local 2`` does), connect a
    client, run one trivial task on each worker and close it all."""
    try:
        import distributed
    except ImportError:
        return None
    start = time.perf_counter()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        client.run(int)
    return time.perf_counter() - start


def bench_scale(scene: Path, samples: int, repeat: int, *, seed: int = 0,
                engine: simengine.Engine | None = None) -> None:
    engine = simengine.Engine(scene, seed) if engine is None else engine
    rows = []
    # --- generation ---
    one, _ = generation_rate(engine, 1, samples)
    two, _ = generation_rate(engine, 2, samples)
    rows.append(Row("stream workers=1, per sample", 1000 / one,
                    note=f"{one:.2f} samples/s (1 process, Numba threads = all cores)"))
    rows.append(Row("stream workers=2, per sample", 1000 / two, 1000 / one,
                    note=f"{two:.2f} samples/s; ratio = speed-up over workers=1"))
    with tempfile.TemporaryDirectory(prefix="simengine-bench-scale-") as tmp:
        # --- render: local pool vs Dask LocalCluster, a short and a 3x longer run ---
        for n in (samples, 3 * samples) if samples >= 16 else (samples,):
            local = render(engine, str(Path(tmp) / f"local{n}.zarr"), n, workers=2,
                           block_size=4, progress=False)
            rows.append(Row(f"render {n} samples, local pool workers=2, per sample",
                            1000 * local.seconds / n,
                            note=f"{local.samples_per_second:.2f} samples/s, "
                                 f"{local.seconds:.1f} s"))
            try:
                dask = render(engine, str(Path(tmp) / f"dask{n}.zarr"), n, dask_workers=2,
                              block_size=4, progress=False)
            except UserError as exc:  # dask not installed
                rows.append(Row("render Dask LocalCluster", None, note=str(exc)))
                break
            rows.append(Row(f"render {n} samples, Dask LocalCluster 2x1, per sample",
                            1000 * dask.seconds / n, 1000 * local.seconds / n,
                            note=f"{dask.samples_per_second:.2f} samples/s, {dask.seconds:.1f} "
                            "s incl. cluster start; ratio = local/dask time"))
        startup = _cluster_start_seconds()
        if startup is not None:
            rows.append(Row("Dask LocalCluster 2x1 start + client + close", 1000 * startup,
                            note="the fixed cost inside every Dask row above"))
        # --- reads: store vs per-sample npz ---
        keys = _read_keys(engine)
        local_store = Path(tmp) / f"local{samples}.zarr"
        store = simengine.open_store(local_store, keys=keys)
        npz_dirs = {"savez": Path(tmp) / "npz", "savez_compressed": Path(tmp) / "npzc"}
        for kind, d in npz_dirs.items():
            d.mkdir()
            save = np.savez if kind == "savez" else np.savez_compressed
            for k in range(samples):
                s = store[k]
                save(d / f"{k:06d}.npz", **{key.replace("/", "__"): v for key, v in s.items()})
        nbytes = sum(v.nbytes for v in store.read(range(samples)).values())
        disk = {"store": sum(f.stat().st_size for f in local_store.rglob("*")
                             if f.is_file() and any(f"/{k}/" in str(f) for k in keys))}
        for kind, d in npz_dirs.items():
            disk[kind] = sum(f.stat().st_size for f in d.iterdir())

        def read_store() -> None:
            for _ in store.batches(BATCH):
                pass

        def read_npz(d: Path) -> Callable[[], None]:
            files = sorted(d.iterdir())

            def run() -> None:
                for i in range(0, len(files), BATCH):
                    loaded = []
                    for f in files[i:i + BATCH]:
                        with np.load(f) as z:
                            loaded.append({k: z[k] for k in z.files})
                    {k: np.stack([s[k] for s in loaded]) for k in loaded[0]}
            return run

        t_store = median_seconds(read_store, repeat)

        def rate(t: float) -> str:
            return f"{samples / t:.0f} samples/s, {nbytes / t / 1e6:.0f} MB/s"

        rows.append(Row(f"read store (zarr), per batch of {BATCH}",
                        1000 * t_store * BATCH / samples, note=f"store: {rate(t_store)}"))
        for kind, d in npz_dirs.items():
            t = median_seconds(read_npz(d), repeat)
            rows.append(Row(f"  vs per-sample np.{kind} files", 1000 * t_store * BATCH / samples,
                            1000 * t * BATCH / samples, f"npz: {rate(t)}"))
    notes = [f"scene {scene.name}, {samples} samples; generation timed after each worker's "
             "first sample (spawn + Numba cache load not timed)",
             "reads: keys " + ", ".join(k for k in keys if not k.startswith("objects/"))
             + f" + {sum(k.startswith('objects/') for k in keys)} objects/* label arrays; "
             f"{nbytes / samples / 1e6:.2f} MB per sample decoded; on disk: "
             + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in disk.items()),
             "read rows: ours = the store, baseline = npz files (ratio > 1: store faster)"]
    print_table("6. Training loop and scale-out: stream, Dask, store reads", rows, notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scene", type=Path, default=SCENES / "tabletop.yaml")
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    cfg = settings(quick=args.quick, samples=args.samples, repeat=1 if args.quick else 5)
    bench_scale(args.scene, cfg.samples, cfg.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
