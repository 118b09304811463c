"""Side-by-side benchmark of simengine against PyBullet baselines, printed as plain-text tables.

    python tools/bench.py [--scene scenes/tabletop.yaml] [--samples N] [--repeat R] [--quick]
                          [--all-scenes] [--only camera,mesh]

Sections:

1. End to end: ``Engine(scene, seed).sample(k)`` over N samples (after one warm-up sample
   that pays Numba compilation or cache loading), time per stage from ``engine.timings``,
   and ``simengine.jobs.render_store.render_store`` into a temporary store with 1 and 2 workers.
   With ``--all-scenes``, section 1b: the sample time and its camera, lidar and audio stages
   for every scene in ``scenes/``.
2. Camera: ``Camera.observe`` (rgb, depth, masks, boxes) against PyBullet's TinyRenderer
   (``getCameraImage``, rgb, depth, segmentation) on the same geometry, for one snapshot of
   the scene, of the shipped ``street`` and ``kitchen`` scenes at 640 x 480 (shadows on in
   both renderers) and of a 20-primitive scene.
3. Lidar: ``cast_rays`` and ``Lidar.observe`` for a 64 x 1024 OS1-64 sweep against
   ``rayTestBatch`` over the same rays, on the 20-primitive scene and on a mesh-heavy scene.
4. Microphone array: the audio stage of the end-to-end run against real time; 1 s of a
   4-channel 16 kHz array, 10 impacts, reverberant room, per stage; room impulse response
   against pyroomacoustics (optional: ``pip install -e '.[bench]'``).
5. Mesh-heavy primary visibility: every pixel ray of a 640 x 480 D435 camera over pybullet_data
   meshes (``cast_rays``, and the camera's tiled ``shade_frame``) against Intel Embree through
   ``embreex`` on the same world-space triangles (optional: ``pip install -e '.[bench]'``).

6. Training loop and scale-out: ``simengine.stream`` with 1 and 2
   worker processes; render on the local pool against a Dask LocalCluster; reading rgb,
   depth, lidar range and labels from the store against per-sample ``.npz`` files.

7. Corruptions: every registered corruption at 640 x 480,
   64 x 1024, 1 s of audio or the whole rig, beside one 640 x 480 camera render.

8. Image statistics (``--all-scenes``): luminance power-spectrum slope, saturation and
   contrast of the camera images of a few samples of every scene in ``scenes/`` (issue 20's
   realism check; figures, not times).

``--only camera,mesh`` runs chosen sections (the end-to-end run then only builds the
scene's engine and first sample, which the camera section compares against).

"Same geometry": PyBullet gets one static body per posed part of our ``SceneGeometry``
(boxes, spheres, cylinders, capsules with the same dimensions; meshes from the same .obj
file and scale, as concave triangle meshes so that rays see the triangles and not a convex
hull). Each comparison prints how well the two outputs agree, so a fast wrong answer shows.

Times are medians of R repeats after one untimed call. The ratio column is baseline time /
our time (> 1: we are faster). Tests may smoke-run ``--quick``; they never assert times.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    # Benchmark the checkout this script lives in, whatever copy of simengine is installed
    # (spawned render workers inherit sys.path, so they import the same code).
    sys.path.insert(0, str(ROOT))

import numba  # noqa: E402
from benchmarks.audio import bench_audio  # noqa: E402  (tools/benchmarks: one module per section)
from benchmarks.camera import bench_camera  # noqa: E402
from benchmarks.corruptions import bench_corruptions  # noqa: E402
from benchmarks.end_to_end import EndToEnd, bench_end_to_end, bench_shipped_scenes  # noqa: E402
from benchmarks.image_stats import bench_image_statistics  # noqa: E402
from benchmarks.lidar import bench_lidar  # noqa: E402
from benchmarks.mesh_visibility import bench_mesh_visibility  # noqa: E402
from benchmarks.scale import bench_scale  # noqa: E402
from benchmarks.settings import SCENES, settings  # noqa: E402
from benchmarks.snapshot import primitives_scene, snapshot  # noqa: E402

import simengine  # noqa: E402

DEFAULT_SCENE = SCENES / "tabletop.yaml"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def print_machine() -> None:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    versions = {name: importlib.metadata.version(name)
                for name in ("numpy", "numba", "pybullet", "zarr")}
    cache = os.environ.get("SIMENGINE_NUMBA_CACHE", "1 (default)")
    print("simengine benchmark (ratio = baseline time / our time; > 1 means we are faster)")
    print(f"machine : {_cpu_model()}, {platform.system()} {platform.machine()}")
    print(f"cpus    : os.cpu_count()={os.cpu_count()}, usable={affinity}, "
          f"numba threads={numba.get_num_threads()} (NUMBA_NUM_THREADS="
          f"{numba.config.NUMBA_NUM_THREADS})")
    print(f"versions: python {platform.python_version()}, simengine {simengine.__version__}, "
          + ", ".join(f"{k} {v}" for k, v in versions.items()))
    print(f"numba   : cache SIMENGINE_NUMBA_CACHE={cache}")
    sys.stdout.flush()


SECTIONS = ("e2e", "camera", "lidar", "audio", "mesh", "scale", "corruptions")


def _sections(text: str) -> tuple[str, ...]:
    names = tuple(x.strip() for x in text.split(",") if x.strip())
    unknown = [x for x in names if x not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown section(s) {', '.join(unknown) or '(none given)'}; expected some of "
            + ",".join(SECTIONS))
    return names


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scene", type=Path, default=DEFAULT_SCENE,
                        help="shipped scene for the end-to-end run (default: %(default)s)")
    parser.add_argument("--samples", type=int, default=None,
                        help="timed samples in the end-to-end run (default 32, quick 8)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="repeats per micro-benchmark, median reported (default 7, quick 1)")
    parser.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    parser.add_argument("--all-scenes", action="store_true",
                        help="also time every scene in scenes/ (section 1b) and print their "
                             "image statistics (section 8)")
    parser.add_argument("--quick", action="store_true",
                        help="few samples, one repeat, small sizes (a smoke run, < 60 s)")
    parser.add_argument("--only", type=_sections, default=SECTIONS,
                        help="comma-separated sections to run, of " + ",".join(SECTIONS)
                        + " (default: all)")
    args = parser.parse_args(argv)
    if args.samples is not None and args.samples < 1:
        parser.error("--samples must be at least 1")
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args




def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cfg = settings(quick=args.quick, samples=args.samples, repeat=args.repeat, seed=args.seed)
    start = time.perf_counter()
    print_machine()
    only = set(args.only)
    if only & {"e2e", "audio"}:  # the audio section reads the end-to-end run's stage times
        e2e = bench_end_to_end(args.scene, cfg)
    else:  # the scene's engine and first sample only (no timed run)
        engine = simengine.Engine(args.scene, cfg.seed)
        e2e = EndToEnd(engine, engine.sample(0), {}, 0, 0.0)
    if args.all_scenes:
        bench_shipped_scenes(sorted((ROOT / "scenes").glob("*.yaml")), cfg)
    if only & {"camera", "lidar"}:
        prims = snapshot(simengine.Engine(primitives_scene(cfg), cfg.seed), 0)
    if "camera" in only:
        bench_camera(e2e, prims, cfg)
    if "lidar" in only:
        bench_lidar(prims, cfg)
    if "audio" in only:
        bench_audio(e2e, cfg)
    if "mesh" in only:
        bench_mesh_visibility(cfg)
    if "scale" in only:
        bench_scale(args.scene, cfg.samples, cfg.repeat, seed=cfg.seed, engine=e2e.engine)
    if "corruptions" in only:
        bench_corruptions(max(1, min(cfg.repeat, 5)), (5,) if cfg.quick else (3, 5))
    if args.all_scenes:
        bench_image_statistics(sorted((ROOT / "scenes").glob("*.yaml")), cfg.seed,
                               2 if cfg.quick else 4)
    print(f"\ntotal benchmark time {time.perf_counter() - start:.1f} s"
          f"{' (--quick)' if cfg.quick else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
