"""Side-by-side benchmark of simengine against PyBullet baselines, printed as plain-text tables.

    python tools/bench.py [--scene scenes/tabletop.yaml] [--samples N] [--repeat R] [--quick]

Sections:

1. End to end: ``Engine(scene, seed).sample(k)`` over N samples (after one warm-up sample
   that pays Numba compilation or cache loading), time per stage from ``engine.timings``,
   and ``simengine.jobs.render_store.render_store`` into a temporary store with 1 and 2 workers.
2. Camera: ``Camera.observe`` (rgb, depth, masks, boxes) against PyBullet's TinyRenderer
   (``getCameraImage``, rgb, depth, segmentation) on the same geometry, for one snapshot of
   the scene and for a 20-primitive scene.
3. Lidar: ``cast_rays`` and ``Lidar.observe`` for a 64 x 1024 OS1-64 sweep against
   ``rayTestBatch`` over the same rays, on the 20-primitive scene and on a mesh-heavy scene.
4. Microphone array: the audio stage of the end-to-end run against real time; 1 s of a
   4-channel 16 kHz array, 10 impacts, reverberant room, per stage; room impulse response
   against pyroomacoustics (optional: ``pip install -e '.[bench]'``).
5. Mesh-heavy primary visibility: every pixel ray of a 640 x 480 D435 camera over pybullet_data
   meshes (``cast_rays``, and the camera's tiled ``render_frame``) against Intel Embree through
   ``embreex`` on the same world-space triangles (optional: ``pip install -e '.[bench]'``).

6. Training loop and scale-out (``tools/bench_scale.py``): ``simengine.stream`` with 1 and 2
   worker processes; render on the local pool against a Dask LocalCluster; reading rgb,
   depth, lidar range and labels from the store against per-sample ``.npz`` files.

7. Corruptions (``tools/bench_corruptions.py``): every registered corruption at 640 x 480,
   64 x 1024, 1 s of audio or the whole rig, beside one 640 x 480 camera render.

"Same geometry": PyBullet gets one static body per posed part of our ``SceneGeometry``
(boxes, spheres, cylinders, capsules with the same dimensions; meshes from the same .obj
file and scale, as concave triangle meshes so that rays see the triangles and not a convex
hull). Each comparison prints how well the two outputs agree, so a fast wrong answer shows.

Times are medians of R repeats after one untimed call. The ratio column is baseline time /
our time (> 1: we are faster). Tests may smoke-run ``--quick``; they never assert times.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import itertools
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    # Benchmark the checkout this script lives in, whatever copy of simengine is installed
    # (spawned render workers inherit sys.path, so they import the same code).
    sys.path.insert(0, str(ROOT))

import simengine  # noqa: E402
from simengine._pybullet import pybullet as p  # noqa: E402  (PyBullet without its banner)
from simengine.assets import PYBULLET_DATA  # noqa: E402
from simengine.geometry.bvh import mesh_bvh  # noqa: E402
from simengine.geometry.raycast import cast_rays  # noqa: E402
from simengine.geometry.scene_geometry import (  # noqa: E402
    BOX,
    CAPSULE,
    CYLINDER,
    MESH,
    SPHERE,
    SceneGeometry,
    build_geometry,
)
from simengine.geometry.transforms import quat_from_euler, quat_to_matrix  # noqa: E402
from simengine.instance import SceneInstance, SensorInstance  # noqa: E402
from simengine.jobs.render_store import render_store as render  # noqa: E402
from simengine.physics.parts import posed_parts  # noqa: E402
from simengine.physics.world import simulate  # noqa: E402
from simengine.sensors.camera import Camera  # noqa: E402
from simengine.sensors.camera_render import render_frame  # noqa: E402
from simengine.sensors.lidar import Lidar, beam_directions  # noqa: E402
from simengine.spec.loader import scene_from_dict  # noqa: E402
from simengine.spec.scene import SceneSpec  # noqa: E402

DEFAULT_SCENE = ROOT / "scenes" / "tabletop.yaml"
RAY_BATCH = 16_383  # rayTestBatch's limit; a batch of exactly 16,384 returns nothing, silently
STAGES = ("physics", "camera", "lidar", "audio", "labels")


@dataclasses.dataclass(frozen=True)
class Settings:
    samples: int
    repeat: int
    seed: int
    camera_sizes: tuple[tuple[int, int], ...]  # (width, height) for the 20-primitive scene
    scene_camera_size: tuple[int, int] | None  # None: the scene's own resolution
    lidar_columns: int
    mesh_copies: int  # of each mesh in the mesh-heavy scene
    quick: bool


def settings_from_args(args: argparse.Namespace) -> Settings:
    if args.quick:
        return Settings(samples=args.samples or 8, repeat=args.repeat or 1, seed=args.seed,
                        camera_sizes=((320, 240),), scene_camera_size=(320, 240),
                        lidar_columns=256, mesh_copies=1, quick=True)
    return Settings(samples=args.samples or 32, repeat=args.repeat or 7, seed=args.seed,
                    camera_sizes=((320, 240), (640, 480), (1280, 720)),
                    scene_camera_size=None, lidar_columns=1024, mesh_copies=3, quick=False)


# --- tables -------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Row:
    operation: str
    ours_ms: float | None
    baseline_ms: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ours_ms is None or self.baseline_ms is None or self.ours_ms <= 0:
            return None
        return self.baseline_ms / self.ours_ms


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 10:
        return f"{value:.2f}"
    if value < 1000:
        return f"{value:.1f}"
    return f"{value:.0f}"


def print_table(title: str, rows: Sequence[Row], notes: Sequence[str] = ()) -> None:
    header = ("operation", "ours (ms)", "baseline (ms)", "ratio", "note")
    cells = [header] + [(r.operation, _ms(r.ours_ms), _ms(r.baseline_ms),
                         "-" if r.ratio is None else f"{r.ratio:.2f}x", r.note) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    align = ("<", ">", ">", ">", "<")

    def line(c: tuple[str, ...]) -> str:
        return "  ".join(f"{v:{a}{w}}" for v, a, w in zip(c, align, widths, strict=True)).rstrip()

    rule = "-" * len(line(tuple("-" * w for w in widths)))
    print(f"\n{title}\n{rule}\n{line(header)}\n{rule}")
    for c in cells[1:]:
        print(line(c))
    print(rule)
    for n in notes:
        print(f"  {n}")
    sys.stdout.flush()


def median_seconds(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time of ``repeat`` calls, after one untimed call (warm caches, JIT)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_seconds_pair(ours: Callable[[], Any], baseline: Callable[[], Any], repeat: int
                        ) -> tuple[float, float]:
    """Medians of ``repeat`` calls of each, interleaved so that both see the same machine
    load (other processes on a small machine move single timings by a factor of 2 or more)."""
    ours()
    baseline()
    a, b = [], []
    for _ in range(repeat):
        for fn, times in ((ours, a), (baseline, b)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


# --- machine ------------------------------------------------------------------------------

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


# --- 1. end to end ------------------------------------------------------------------------

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

    with tempfile.TemporaryDirectory(prefix="simengine-bench-") as tmp:
        one = render(engine, str(Path(tmp) / "w1.zarr"), n, workers=1, block_size=4,
                     progress=False)
        two = render(engine, str(Path(tmp) / "w2.zarr"), n, workers=2, block_size=4,
                     progress=False)
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
    notes = [f"scene {scene.name}, seed {cfg.seed}; samples 1..{n} timed in-process; stage "
             "times from engine.timings (diffed around the loop)",
             f"render: block_size 4, {n} samples; workers=2 baseline is workers=1, ratio = "
             f"speed-up; workers=2 includes spawning two interpreters (Numba loaded per process)"]
    print_table(f"1. End to end: {scene.name}", rows, notes)
    return EndToEnd(engine, first, stages, n, events / n)


# --- shared: one snapshot's geometry and its PyBullet twin --------------------------------

@dataclasses.dataclass(frozen=True)
class Snapshot:
    spec: SceneSpec
    instance: SceneInstance
    parts: list  # posed parts, as build_geometry takes them
    geometry: SceneGeometry
    positions: np.ndarray  # (N, 3) object frames, world, as stored in objects/position
    orientations: np.ndarray  # (N, 4) xyzw


def snapshot(engine: simengine.Engine, k: int = 0) -> Snapshot:
    """Sample ``k``'s first capture, built exactly as ``Engine.sample`` builds it."""
    spec = engine.spec
    instance, result = simulate(lambda a: engine.instance(k, a), spec.schedule, spec.world)
    parts = posed_parts(instance, result.snapshots[0], result.object_parts, result.environment,
                        spec.classes)
    states = result.snapshots[0].objects
    return Snapshot(spec, instance, parts, build_geometry(parts),
                    np.array([s.position for s in states]).reshape(-1, 3),
                    np.array([s.orientation for s in states]).reshape(-1, 4))


def matches_sample(snap: Snapshot, sample: dict[str, np.ndarray]) -> bool:
    """The snapshot is the one stored in ``sample``: same instance, same object poses."""
    stored = simengine.decode_instance(sample["meta/instance_json"])
    n = len(stored.objects)
    def plain(d: dict) -> object:  # the stored copy went through JSON: tuples are lists
        return json.loads(json.dumps(d))

    return (plain(stored.to_dict()) == plain(snap.instance.to_dict())
            and np.array_equal(sample["objects/position"][0, :n], snap.positions)
            and np.array_equal(sample["objects/orientation"][0, :n], snap.orientations))


class PyBulletTwin:
    """A DIRECT client holding one static body per posed part, at the same world pose."""

    def __init__(self, parts: list) -> None:
        self.client = p.connect(p.DIRECT)
        self.instance_of_body: dict[int, int] = {}
        try:
            for desc, pos, q, inst, _cls, _mat, color, *_ in parts:
                col, vis = self._shapes(desc, (*color, 1.0))
                body = p.createMultiBody(0.0, col, vis, basePosition=pos, baseOrientation=q,
                                         physicsClientId=self.client)
                self.instance_of_body[body] = inst
        except Exception:
            self.close()
            raise

    def _shapes(self, desc, rgba) -> tuple[int, int]:
        c = self.client
        a, b, _ = desc.params
        if desc.kind == BOX:
            kind, kw_col, kw_vis = p.GEOM_BOX, {"halfExtents": desc.params}, None
        elif desc.kind == SPHERE:
            kind, kw_col, kw_vis = p.GEOM_SPHERE, {"radius": a}, None
        elif desc.kind in (CYLINDER, CAPSULE):
            kind = p.GEOM_CYLINDER if desc.kind == CYLINDER else p.GEOM_CAPSULE
            kw_col, kw_vis = {"radius": a, "height": 2 * b}, {"radius": a, "length": 2 * b}
        elif desc.kind == MESH:
            kind = p.GEOM_MESH
            kw_vis = {"fileName": desc.mesh, "meshScale": desc.params}
            kw_col = {**kw_vis, "flags": p.GEOM_FORCE_CONCAVE_TRIMESH}
        else:
            raise ValueError(f"unknown part kind {desc.kind}")
        col = p.createCollisionShape(kind, physicsClientId=c, **kw_col)
        vis = p.createVisualShape(kind, rgbaColor=rgba, physicsClientId=c, **(kw_vis or kw_col))
        return col, vis

    def instance_lut(self) -> np.ndarray:
        """Segmentation value (body id) -> our instance id; index -1 (background) -> 0."""
        lut = np.zeros(max(self.instance_of_body, default=0) + 2, np.int32)
        for body, inst in self.instance_of_body.items():
            lut[body] = inst
        return lut

    def close(self) -> None:
        if self.client is not None:
            p.disconnect(physicsClientId=self.client)
            self.client = None

    def __enter__(self) -> PyBulletTwin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- 2. camera ----------------------------------------------------------------------------

def resized(sensor: SensorInstance, width: int, height: int) -> SensorInstance:
    """The same camera at another resolution (same field of view)."""
    params = dict(sensor.params)
    scale = width / params["width"]
    for key in ("fx", "fy", "cx", "cy"):
        if params.get(key) is not None:
            params[key] = params[key] * scale
    params["width"], params["height"] = width, height
    return dataclasses.replace(sensor, params=params)


def gl_matrices(camera: Camera) -> tuple[list[float], list[float]]:
    """TinyRenderer view and projection (column-major) whose pixel (u, v) is our pixel (u, v).

    REFERENCE.md: P[0,2] = 1 - 2 cx / W, P[1,2] = 2 (cy + 1) / H - 1 (TinyRenderer samples
    pixel corners of a row-flipped framebuffer); view = diag(1, -1, -1, 1) inv(T_world_cam).
    """
    W, H = camera.width, camera.height
    fx, fy, cx, cy = camera.K[0, 0], camera.K[1, 1], camera.K[0, 2], camera.K[1, 2]
    near, far = float(camera.params["near"]), float(camera.params["far"])
    P = np.zeros((4, 4))
    P[0, 0], P[0, 2] = 2 * fx / W, 1 - 2 * cx / W
    P[1, 1], P[1, 2] = 2 * fy / H, 2 * (cy + 1) / H - 1
    P[2, 2], P[2, 3] = -(far + near) / (far - near), -2 * far * near / (far - near)
    P[3, 2] = -1.0
    view = np.diag([1.0, -1.0, -1.0, 1.0]) @ np.linalg.inv(camera.T_world_cam)
    return view.flatten(order="F").tolist(), P.flatten(order="F").tolist()


def tiny_render(twin: PyBulletTwin, camera: Camera, view: list[float], proj: list[float],
                light: dict | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """getCameraImage with TinyRenderer; with ``light`` (our scene light) it also renders
    hard shadows (its shadow map) from the same direction, as our image has them."""
    W, H = camera.width, camera.height
    # shadow given every time: PyBullet keeps the last call's setting when it is left out
    shadow = {"shadow": 0} if light is None else {
        "shadow": 1, "lightDirection": [-float(x) for x in light["direction"]]}
    _, _, rgba, depth, seg = p.getCameraImage(W, H, viewMatrix=view, projectionMatrix=proj,
                                              renderer=p.ER_TINY_RENDERER,
                                              physicsClientId=twin.client, **shadow)
    return (np.reshape(rgba, (H, W, 4)), np.reshape(depth, (H, W)),
            np.reshape(seg, (H, W)))


def camera_agreement(ours: dict[str, np.ndarray], tiny_depth: np.ndarray, tiny_seg: np.ndarray,
                     twin: PyBulletTwin, camera: Camera) -> str:
    near, far = float(camera.params["near"]), float(camera.params["far"])
    lut = twin.instance_lut()
    tiny_instance = lut[np.where(tiny_seg >= 0, tiny_seg, -1)]
    tiny_hit = tiny_seg >= 0
    tiny_z = far * near / (far - (far - near) * tiny_depth.astype(np.float64))
    our_hit = ours["depth"][0] > 0
    both = our_hit & tiny_hit
    same_mask = float(np.mean(ours["instance"][0] == tiny_instance))
    dz = np.abs(ours["depth"][0][both] - tiny_z[both])
    median_dz = 1000 * float(np.median(dz)) if dz.size else float("nan")
    return f"instance mask agrees {100 * same_mask:.1f} %, depth |dz| median {median_dz:.2f} mm"


def camera_core(camera: Camera, snap: Snapshot, shadows: bool = True
                ) -> Callable[[], dict[str, np.ndarray]]:
    """rgb + depth + masks, as TinyRenderer gives them: the tiled render (shadow rays as
    the scene asks, or none) with the sRGB tone curve quantised in the kernel, as
    ``Camera.observe`` renders when no image effect is on (the same 8-bit codes as the
    separate image pipeline), without normals, ray distances (range, flow) and the
    per-object labels, none of which the scene asks for here."""
    inst = snap.instance
    light = {**inst.light, "shadows": bool(inst.light["shadows"]) and shadows}
    _, pose = camera.pose_at(0.0)
    zero_t = np.zeros(camera.height)
    near, far = float(camera.params["near"]), float(camera.params["far"])

    def run() -> dict[str, np.ndarray]:
        res = render_frame(camera.model, pose, snap.geometry, near, far, light,
                           inst.background, inst.background_bottom, zero_t, tone=0.0,
                           normals=False, distances=False)
        return {"rgb": res.rgb[None], "depth": res.depth[None], "instance": res.instance[None]}

    return run


def camera_full(camera: Camera, snap: Snapshot) -> Callable[[], dict[str, np.ndarray]]:
    """Camera.observe: every output and label of one capture."""
    F = 1
    objects = {"count": np.array(len(snap.instance.objects)),
               "position": np.zeros((F, snap.spec.max_objects, 3)),
               "orientation": np.tile([0.0, 0.0, 0.0, 1.0], (F, snap.spec.max_objects, 1)),
               "size": np.zeros((snap.spec.max_objects, 3), np.float32),
               "box_center_local": np.zeros((snap.spec.max_objects, 3), np.float32)}
    for o in snap.instance.objects:
        objects["position"][0, o.index] = o.position
        objects["orientation"][0, o.index] = o.orientation
        objects["size"][o.index] = o.size
        objects["box_center_local"][o.index] = o.center
    scene = {"light": snap.instance.light, "background": snap.instance.background,
             "background_bottom": snap.instance.background_bottom}
    rng = np.random.default_rng(0)
    return lambda: camera.observe([(snap.geometry, 0.0)], objects, scene, rng)


def time_camera(label: str, snap: Snapshot, sensor: SensorInstance, repeat: int) -> list[Row]:
    camera = Camera(sensor, 1, snap.spec.max_objects)
    core, flat = camera_core(camera, snap), camera_core(camera, snap, shadows=False)
    full = camera_full(camera, snap)
    out = core()
    flat()
    full()
    view, proj = gl_matrices(camera)
    size = f"{camera.width}x{camera.height}"
    light = snap.instance.light if snap.instance.light["shadows"] else None
    with PyBulletTwin(snap.parts) as twin:
        def tiny():
            return tiny_render(twin, camera, view, proj, light)

        def tiny_flat():
            return tiny_render(twin, camera, view, proj)

        ours, base = median_seconds_pair(core, tiny, repeat)
        ours_flat, base_flat = median_seconds_pair(flat, tiny_flat, repeat)
        ours_full, base_full = median_seconds_pair(full, tiny, repeat)
        _, depth, seg = tiny_flat()
        agreement = camera_agreement(out, depth, seg, twin, camera)
    shade = "shadows" if light is not None else "no shadows (scene)"
    return [Row(f"{label} {size} rgb+depth+masks, {shade}", 1000 * ours, 1000 * base,
                agreement),
            Row(f"{label} {size} rgb+depth+masks, no shadows", 1000 * ours_flat,
                1000 * base_flat, "both without shadows"),
            Row(f"{label} {size} all outputs+labels, {shade}", 1000 * ours_full,
                1000 * base_full, "adds normals, 2D/amodal/3D boxes, visibility, poses")]


def primitives_scene(cfg: Settings) -> SceneSpec:
    """20 boxes, spheres and cylinders on a ground, an RGB-D camera and an OS1-64 lidar."""
    uniform_xy = [{"uniform": [-2.0, 2.0]}, {"uniform": [-2.0, 2.0]}, {"uniform": [0.3, 0.5]}]
    color = [{"uniform": [0.2, 0.9]}, {"uniform": [0.2, 0.9]}, {"uniform": [0.2, 0.9]}]
    yaw = {"euler_deg": [0, 0, {"uniform": [0, 360]}]}
    data = {
        "name": "bench_primitives",
        "world": {"ground": {"material": "concrete"}},
        "objects": [
            {"name": "boxes", "count": 8, "position": uniform_xy, "orientation": yaw,
             "template": {"shape": "box", "size": [{"uniform": [0.15, 0.4]}] * 3,
                          "color": color, "material": "wood", "class": "box"}},
            {"name": "spheres", "count": 6, "position": uniform_xy,
             "template": {"shape": "sphere", "radius": {"uniform": [0.08, 0.2]},
                          "color": color, "material": "rubber", "class": "sphere"}},
            {"name": "cylinders", "count": 6, "position": uniform_xy, "orientation": yaw,
             "template": {"shape": "cylinder", "radius": {"uniform": [0.06, 0.15]},
                          "length": {"uniform": [0.2, 0.5]}, "color": color,
                          "material": "metal", "class": "cylinder"}},
        ],
        # a short drop: objects land and the snapshot is taken with them near rest
        "simulation": {"capture_times": [0.25], "duration": 0.25},
        "sensors": [
            {"name": "cam", "preset": "rgbd_d435_640x480",
             "pose": {"position": [3.5, 1.0, 2.0], "look_at": [0.0, 0.0, 0.2]}},
            # beside the objects at their height: from the middle of the scene at 1.2 m they
            # all lay below the OS1's −16.6° lowest beam and the sweep saw only the ground
            {"name": "lidar", "preset": "os1_64", "overrides": {"columns": cfg.lidar_columns},
             "pose": {"position": [-3.0, 0.0, 0.6]}},
        ],
    }
    return scene_from_dict(data, source=str(ROOT / "scenes" / "bench_primitives.yaml"))


def mesh_scene(cfg: Settings) -> SceneSpec:
    """pybullet_data meshes (duck, soccer ball, teddy, bunny) on the four sides of an OS1-64
    lidar, close and large enough that a good share of the sweep hits triangles."""
    yaw = {"uniform": [0, 360]}
    near, far = {"uniform": [1.3, 2.6]}, {"uniform": [-2.6, -1.3]}
    across = {"uniform": [-1.6, 1.6]}
    meshes = [("duck.obj", 0.6, [90, 0, yaw], [near, across]),
              ("soccerball.obj", 0.9, [0, 0, yaw], [far, across]),
              ("teddy2_VHACD_CHs.obj", 1.2, [90, 0, yaw], [across, near]),
              ("bunny.obj", 0.8, [90, 0, yaw], [across, far])]
    objects = [{"name": Path(mesh).stem, "count": cfg.mesh_copies,
                "position": [*xy, {"uniform": [0.5, 0.7]}],
                "orientation": {"euler_deg": euler},
                "template": {"shape": "mesh", "mesh": mesh, "scale": scale, "fixed": True,
                             "class": Path(mesh).stem, "material": "plastic",
                             "color": [0.8, 0.6, 0.3]}}
               for mesh, scale, euler, xy in meshes]
    data = {
        "name": "bench_meshes",
        "world": {"ground": {"material": "concrete"}},
        "objects": objects,
        "simulation": {"capture_times": [0.01], "duration": 0.01},
        "sensors": [{"name": "lidar", "preset": "os1_64",
                     "overrides": {"columns": cfg.lidar_columns},
                     "pose": {"position": [0.0, 0.0, 0.8]}}],
    }
    return scene_from_dict(data, source=str(ROOT / "scenes" / "bench_meshes.yaml"))


def bench_camera(e2e: EndToEnd, prims: Snapshot, cfg: Settings) -> None:
    snap = snapshot(e2e.engine, 0)
    rows = []
    for sensor in snap.instance.sensors:
        if sensor.kind != "camera":
            continue
        w, h = cfg.scene_camera_size or (sensor.params["width"], sensor.params["height"])
        rows += time_camera(f"{snap.spec.name} '{sensor.name}'", snap,
                            resized(sensor, w, h), cfg.repeat)
    cam = next(s for s in prims.instance.sensors if s.kind == "camera")
    for w, h in cfg.camera_sizes:
        rows += time_camera("20 primitives", prims, resized(cam, w, h), cfg.repeat)
    same = matches_sample(snap, e2e.first_sample)
    notes = ["ours rgb+depth+masks: tiled render with shadows and textures + image pipeline "
             "(sRGB); all outputs+labels: Camera.observe, one frame",
             "baseline: getCameraImage(ER_TINY_RENDERER) in a DIRECT client holding the same "
             "parts (rgba + depth + segmentation); in the rows with shadows, shadow=1 with "
             "lightDirection towards our light (its shadow map), like for like with our "
             "shadow rays",
             f"median of {cfg.repeat}; {snap.spec.name}: snapshot of sample 0 "
             f"({len(snap.parts)} parts), decoded instance matches the engine's sample: "
             f"{'yes' if same else 'NO'}",
             "TinyRenderer tessellates spheres and cylinders: masks differ at their rims"]
    print_table("2. Camera vs PyBullet TinyRenderer (same geometry)", rows, notes)


# --- 3. lidar -----------------------------------------------------------------------------

def lidar_rays(lidar: Lidar) -> tuple[np.ndarray, np.ndarray, float, float]:
    """(origin (3,), world directions (R*C, 3), min range, max range) of one sweep."""
    d_body = beam_directions(lidar.elevation, lidar.azimuth).reshape(-1, 3)
    d_world = np.ascontiguousarray(d_body @ lidar.T_world_lidar[:3, :3].T)
    return (lidar.T_world_lidar[:3, 3].copy(), d_world, float(lidar.params["min_range"]),
            float(lidar.params["max_range"]))


def ray_test_batch(client: int, starts: np.ndarray, ends: np.ndarray, threads: int
                   ) -> np.ndarray:
    """Hit fractions of the segments (nan on a miss), in chunks PyBullet accepts."""
    fractions = np.full(len(starts), np.nan)
    for lo in range(0, len(starts), RAY_BATCH):
        hi = min(lo + RAY_BATCH, len(starts))
        hits = p.rayTestBatch(starts[lo:hi], ends[lo:hi], numThreads=threads,
                              physicsClientId=client)
        if len(hits) != hi - lo:
            raise RuntimeError(f"rayTestBatch returned {len(hits)} results for {hi - lo} rays")
        fractions[lo:hi] = [h[2] if h[0] >= 0 else np.nan for h in hits]
    return fractions


def lidar_rows(label: str, snap: Snapshot, cfg: Settings, *, observe: bool) -> list[Row]:
    sensor = next(s for s in snap.instance.sensors if s.kind == "lidar")
    lidar = Lidar(sensor, 1, snap.spec.max_objects)
    origin, dirs, r_min, r_max = lidar_rays(lidar)
    n = len(dirs)
    label = f"{label} {len(lidar.elevation)}x{len(lidar.azimuth)}"
    hits = cast_rays(snap.geometry, origin, dirs, r_min, r_max)
    starts, ends = origin + r_min * dirs, origin + r_max * dirs
    rng = np.random.default_rng(0)
    dual = Lidar(dataclasses.replace(sensor, params={**sensor.params, "return_mode": "dual"}), 1,
                 snap.spec.max_objects)
    frame = [(snap.geometry, 0.0)]
    ours_fns = {"cast_rays": lambda: cast_rays(snap.geometry, origin, dirs, r_min, r_max),
                "Lidar.observe": lambda: lidar.observe(frame, None, rng),
                "Lidar.observe dual": lambda: dual.observe(frame, None, rng)}
    rows = []
    with PyBulletTwin(snap.parts) as twin:
        for threads in (1, 0):
            frac = ray_test_batch(twin.client, starts, ends, threads)
            both = hits.hit & np.isfinite(frac)
            dr = np.abs(hits.t[both] - (r_min + frac[both] * (r_max - r_min)))
            agreement = (f"hit/miss agrees {100 * np.mean(hits.hit == np.isfinite(frac)):.2f} %,"
                         f" |dr| median {1000 * np.median(dr) if dr.size else 0.0:.2f} mm")
            for name, fn in ours_fns.items():
                if name.startswith("Lidar.observe") and not observe:
                    continue
                ours, base = median_seconds_pair(
                    fn, lambda t=threads: ray_test_batch(twin.client, starts, ends, t),
                    cfg.repeat)
                rows.append(Row(f"{label}: {name} vs rayTestBatch numThreads={threads}",
                                1000 * ours, 1000 * base,
                                f"{n / ours / 1e6:.2f} vs {n / base / 1e6:.2f} Mrays/s"
                                + (f"; {agreement}" if name == "cast_rays" else "")))
    return rows


def mesh_hit_share(snap: Snapshot) -> float:
    """Share of the sweep's rays whose nearest hit is a mesh triangle."""
    lidar = Lidar(next(s for s in snap.instance.sensors if s.kind == "lidar"), 1,
                  snap.spec.max_objects)
    origin, dirs, r_min, r_max = lidar_rays(lidar)
    hits = cast_rays(snap.geometry, origin, dirs, r_min, r_max)
    return float(np.mean(hits.hit & (snap.geometry.kind[hits.part] == MESH)))


def bench_lidar(prims: Snapshot, cfg: Settings) -> None:
    meshes = snapshot(simengine.Engine(mesh_scene(cfg), cfg.seed), 0)
    triangles = len(meshes.geometry.tris)
    mesh_parts = int(np.sum(meshes.geometry.kind == MESH))
    rows = lidar_rows("20 primitives", prims, cfg, observe=True)
    rows += lidar_rows(f"{mesh_parts} meshes", meshes, cfg, observe=False)
    notes = [f"median of {cfg.repeat}; rays from min_range to max_range of the os1_64 preset; "
             f"rayTestBatch in chunks of {RAY_BATCH} (exactly 16,384 fails silently)",
             f"ours: Numba prange over rays on {numba.get_num_threads()} threads; baseline: "
             "same parts as static PyBullet bodies (meshes as concave triangle meshes)",
             "numThreads=1 is rayTestBatch's default (one core), numThreads=0 lets Bullet use "
             "all cores; Lidar.observe is the full preset model on the same beams: firing "
             "times (parts that move in the snapshot are cast at each beam's time), intensity, "
             "detection floor, SNR-dependent noise, divergence sub-rays at edges, labels; "
             "'dual' = dual-return mode (strongest + last)",
             f"mesh scene: {mesh_parts} mesh objects (duck, soccer ball, teddy, bunny from "
             f"pybullet_data), {triangles} unique triangles (one BVH per file); "
             f"{100 * mesh_hit_share(meshes):.0f} % of the rays end on a triangle"]
    print_table("3. Lidar vs PyBullet rayTestBatch (same rays, same geometry)", rows, notes)


# --- 4. microphone array ------------------------------------------------------------------

AUDIO_ROOM = {"size": (5.0, 4.0, 3.0), "wall_material": "plaster", "floor_material": "wood",
              "ceiling_material": "plaster", "rt60": 0.5}


def audio_case():
    """1 s of a 4-capsule circular array at 16 kHz in a 5 x 4 x 3 m room of RT60 0.5 s,
    10 impacts of mixed materials at fixed random places (seeded)."""
    from simengine.physics.events import ContactEvent, Recording
    from simengine.sensors.audio_labels import AcousticScene
    from simengine.sensors.microphone import MicrophoneArray
    from simengine.sensors.room_acoustics import Room

    rng = np.random.default_rng(0)
    mats = ("wood", "metal", "plastic", "glass", "ceramic")
    events = tuple(ContactEvent(
        time=0.05 + 0.09 * i, instance_a=1, instance_b=0, material_a=mats[i % 5],
        material_b="wood", size_a=float(rng.uniform(0.05, 0.2)), size_b=1.0,
        position=(float(rng.uniform(-2, 2)), float(rng.uniform(-1.6, 1.6)), 0.0),
        normal=(0.0, 0.0, 1.0), impulse=float(rng.uniform(0.05, 0.5)), speed=2.0)
        for i in range(10))
    sensor = SensorInstance("array", "microphone", {
        "positions": [(0.032, 0, 0), (0, 0.032, 0), (-0.032, 0, 0), (0, -0.032, 0)],
        "sample_rate": 16000, "self_noise_db_spl": 30.0, "speed_of_sound": 343.0},
        (0.3, 0.2, 1.2), (0.0, 0.0, 0.0, 1.0))
    scene = AcousticScene(room=Room.from_instance(AUDIO_ROOM), ground_beta=None,
                          ambient={"color": "pink", "snr_db": 20.0, "level_db_spl": None})
    mic = MicrophoneArray(sensor, 1.0, scene=scene, max_events=16)
    return mic, Recording(events, 1.0)


def bench_audio(e2e: EndToEnd, cfg: Settings) -> None:
    from simengine.sensors.room_acoustics import Room, reflections_ir, schroeder_rt60

    rows, notes = [], []
    spec = e2e.engine.spec
    mics = [s for s in e2e.engine.instance(0).sensors if s.kind == "microphone"]
    if mics:
        duration_ms = 1000 * spec.schedule.duration
        ours = 1000 * e2e.stage_seconds["audio"] / e2e.samples
        channels = sum(len(m.params["positions"]) for m in mics)
        rows.append(Row(f"{spec.name}: audio stage per sample ({channels} channels)", ours,
                        duration_ms, "baseline = real time of the recording"))
        notes.append(f"{spec.name}: mean of {e2e.samples} samples of the end-to-end run, "
                     f"{e2e.events:.1f} contact events per sample")

    # 1 s, 4 channels, 16 kHz, 10 impacts, reverberant room: time per stage
    mic, rec = audio_case()
    stages: dict[str, list[float]] = {}
    totals = []
    mic.observe(rec, np.random.default_rng(0))  # warm-up (JIT or cache load)
    for r in range(cfg.repeat):
        start = time.perf_counter()
        mic.observe(rec, np.random.default_rng(r))
        totals.append(time.perf_counter() - start)
        for k, v in mic.timings.items():
            stages.setdefault(k, []).append(v)
    rows.append(Row("1 s, 4 ch, 16 kHz, 10 impacts, RT60 0.5 s room: observe",
                    1000 * statistics.median(totals), 1000.0,
                    "baseline = real time; ratio = times faster"))
    for k, v in stages.items():
        rows.append(Row(f"  stage {k}", 1000 * statistics.median(v)))

    # impulse response: ours (Numba image sources) vs pyroomacoustics (C++), same room
    room = Room.from_instance(AUDIO_ROOM)
    fs, c, length = 16000, 343.0, 8000  # 0.5 s
    src = np.array([1.1, -0.7, 1.4])
    capsules = np.array([0.3, 0.2, 1.2]) + np.array(
        [(0.032, 0, 0), (0, 0.032, 0), (-0.032, 0, 0), (0, -0.032, 0)])
    axes = np.tile([1.0, 0.0, 0.0], (4, 1))

    def ours():
        return reflections_ir(room, src, capsules, axes, 1.0, fs, c, length,
                              include_direct=True, air=False)

    try:
        import pyroomacoustics as pra
    except ImportError:
        pra = None
    if pra is None:
        t = median_seconds(ours, cfg.repeat)
        rows.append(Row("room IR 0.5 s, 4 ch (image sources)", 1000 * t, None,
                        "pyroomacoustics not installed (pip install -e '.[bench]')"))
    else:
        order = int(np.ceil(c * length / fs / min(room.size))) + 1
        corner = np.array([room.size[0] / 2, room.size[1] / 2, 0.0])

        def theirs():
            shoebox = pra.ShoeBox(list(room.size), fs=fs, max_order=order,
                                  materials={k: pra.Material(float(a)) for k, a in zip(
                                      ("west", "east", "south", "north", "floor", "ceiling"),
                                      room.alpha, strict=True)},
                                  air_absorption=False, use_rand_ism=False)
            shoebox.add_source(list(src + corner))
            shoebox.add_microphone_array((capsules + corner).T)
            shoebox.compute_rir()
            return shoebox

        t_ours, t_pra = median_seconds_pair(ours, theirs, cfg.repeat)
        a = ours()
        shoebox = theirs()
        delay = pra.constants.get("frac_delay_length") // 2
        b = np.array([shoebox.rir[m][0][delay:delay + length] for m in range(4)])
        r = np.linalg.norm(capsules - src, axis=1)
        direct = r / c * fs
        peak_a = np.argmax(np.abs(a[:, :int(direct.max()) + 20]), axis=1)
        peak_b = np.argmax(np.abs(b[:, :int(direct.max()) + 20]), axis=1)
        from scipy.signal import butter, sosfilt

        sos = butter(4, [500.0, 2000.0], btype="bandpass", fs=fs, output="sos")
        bands = [sosfilt(sos, x, axis=1) for x in (a, b)]
        rt = [schroeder_rt60((y**2).sum(0), 1 / fs, -5, -35) for y in bands]
        # reverberant-to-direct energy in the band (the two libraries scale amplitudes
        # differently: ours is re. 1 m, theirs 1 / (4 pi r) with a DC-removing high-pass)
        k = int(direct.min()) + 32
        drr = [float((y[:, k:] ** 2).sum() / (y[:, :k] ** 2).sum()) for y in bands]
        rows.append(Row("room IR 0.5 s, 4 ch (image sources)", 1000 * t_ours, 1000 * t_pra,
                        f"pyroomacoustics {pra.__version__} ShoeBox.compute_rir, max_order "
                        f"{order}"))
        notes += [f"IR agreement: direct-path peak at samples {[int(v) for v in peak_a]} "
                  f"(ours) vs {[int(v) for v in peak_b]} (pyroomacoustics, minus its "
                  f"{delay}-sample offset), geometry {[round(float(d), 2) for d in direct]}; "
                  f"T30 (500-2000 Hz) {rt[0]:.3f} s vs {rt[1]:.3f} s; reverberant/direct "
                  f"energy (500-2000 Hz) {drr[0]:.3f} vs {drr[1]:.3f}",
                  "pyroomacoustics gets the same six absorption coefficients (energy); its "
                  "RIR is built from every image up to the order (the smallest order that "
                  "holds every image within c x 0.5 s, plus farther ones), ours from every "
                  "image within c x 0.5 s; both without air absorption"]
    notes += [f"room: {AUDIO_ROOM['size']} m, target RT60 {AUDIO_ROOM['rt60']} s (realised "
              f"by the image model {room.rt60:.3f} s), pink ambient at 20 dB SNR; stages: "
              "sources = dry signals (modal synthesis + clicks), noise = ambient diffuse "
              "field + self-noise (+ SNR scaling), late_reverb = the shared late tail "
              "(images after 80 ms), propagation = per source direct path with Doppler + "
              "early images + FFT convolution, capsules = mismatch, clipping, quantisation",
              f"median of {cfg.repeat}; Numba on {numba.get_num_threads()} threads (audio "
              "kernels are serial)"]
    print_table("4. Microphone array (impacts, room image sources, noise, labels)", rows,
                notes)


# --- 5. mesh-heavy primary visibility vs Embree ------------------------------------------

# (pybullet_data file, scale, roll in degrees: the .obj files with y up are turned z up)
CAMERA_MESHES = (("duck.obj", 0.5, 90.0), ("soccerball.obj", 0.8, 0.0),
                 ("teddy2_VHACD_CHs.obj", 1.0, 90.0), ("bunny.obj", 0.5, 90.0))
CAMERA_GRID = (1.0, 1.05)  # m between rows (along x, away from the camera), between columns
CAMERA_POS, CAMERA_LOOK = [1.8, 0.0, 1.7], [-0.6, 0.0, 0.1]


def camera_mesh_scene(cfg: Settings) -> SceneSpec:
    """``mesh_copies`` rows of the four pybullet_data meshes standing on the ground, filling
    most of a 640 x 480 D435 view (a fixed grid of bounding-box centres and fixed yaws, so
    no copy is dropped for overlap)."""
    objects = []
    for row in range(cfg.mesh_copies):
        for col in range(len(CAMERA_MESHES)):
            mesh, scale, roll = CAMERA_MESHES[(col + row) % len(CAMERA_MESHES)]
            yaw = 35.0 * (4 * row + col) if roll else 0.0  # a ball's box stays tight
            lo, hi = mesh_bvh(str(PYBULLET_DATA / mesh)).bounds
            R = quat_to_matrix(quat_from_euler(np.radians(roll), 0.0, np.radians(yaw)))
            center = R @ (scale * (lo + hi) / 2)
            bottom = center[2] - (np.abs(R) @ (scale * (hi - lo) / 2))[2]
            x = CAMERA_GRID[0] * (1 - row)
            y = CAMERA_GRID[1] * (col - 1.5 + row % 2 / 3)  # odd rows shifted sideways
            objects.append({
                "name": f"{Path(mesh).stem}_{row}",
                "position": [float(x - center[0]), float(y - center[1]), float(-bottom)],
                "orientation": {"euler_deg": [roll, 0.0, yaw]},
                "template": {"shape": "mesh", "mesh": mesh, "scale": scale, "fixed": True,
                             "class": Path(mesh).stem, "material": "plastic",
                             "color": [0.8, 0.6, 0.3]}})
    data = {
        "name": "bench_camera_meshes",
        "world": {"ground": {"material": "concrete"}},
        "objects": objects,
        "simulation": {"capture_times": [0.01], "duration": 0.01},
        "sensors": [{"name": "cam", "preset": "rgbd_d435_640x480",
                     "pose": {"position": CAMERA_POS, "look_at": CAMERA_LOOK}}],
    }
    return scene_from_dict(data, source=str(ROOT / "scenes" / "bench_camera_meshes.yaml"))


def world_triangles(g: SceneGeometry) -> np.ndarray:
    """(T, 3, 3) float32 world-space triangles of the geometry: every mesh part's triangles
    posed ((tris * scale) @ R.T + pos), and each environment box (the ground slab) as the two
    triangles of its top face, the only face a camera above it sees."""
    out = []
    for i in range(len(g.kind)):
        if g.kind[i] == MESH:
            tris = g.tris[g.mesh_tri[i]:g.mesh_tri[i] + g.mesh_tri_count[i]]
            out.append((tris * g.params[i]) @ g.rot[i].T + g.pos[i])
        elif g.kind[i] == BOX and g.instance[i] == 0 and np.allclose(g.rot[i], np.eye(3)):
            hx, hy, hz = g.params[i]
            a, b, c, d = (g.pos[i] + (sx * hx, sy * hy, hz)
                          for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)))
            out.append(np.array([[a, b, c], [a, c, d]]))
        else:
            raise ValueError(f"part {i}: kind {g.kind[i]} has no triangles for Embree")
    return np.ascontiguousarray(np.concatenate(out), np.float32)


def embree_scene(triangles: np.ndarray) -> tuple[Any, float] | None:
    """An embreex scene over ``triangles`` and its build time in seconds (the BVH is built at
    the first query, so the build includes one ray); None if embreex is not installed."""
    try:
        from embreex import rtcore_scene
        from embreex.mesh_construction import TriangleMesh
    except ImportError:
        return None
    start = time.perf_counter()
    scene = rtcore_scene.EmbreeScene()
    TriangleMesh(scene=scene, vertices=triangles)
    scene.run(np.zeros((1, 3), np.float32), np.array([[0.0, 0.0, -1.0]], np.float32))
    return scene, time.perf_counter() - start


def _agreement(hit: np.ndarray, t: np.ndarray, e_hit: np.ndarray, e_t: np.ndarray) -> str:
    both = hit & e_hit
    dt = np.abs(t[both] - e_t[both])
    return (f"hit/miss agrees {100 * np.mean(hit == e_hit):.2f} %, |t - tfar| median "
            f"{1000 * np.median(dt) if dt.size else 0.0:.4f} mm (max "
            f"{1000 * np.max(dt) if dt.size else 0.0:.2f})")


def bench_embree(cfg: Settings) -> None:
    snap = snapshot(simengine.Engine(camera_mesh_scene(cfg), cfg.seed), 0)
    g = snap.geometry
    build_ours = median_seconds(lambda: build_geometry(snap.parts), cfg.repeat)
    camera = Camera(next(s for s in snap.instance.sensors if s.kind == "camera"), 1,
                    snap.spec.max_objects)
    _, pose = camera.pose_at(0.0)
    W, H = camera.width, camera.height
    n = W * H
    rays_cam = camera.model.pixel_rays()
    world_rays = np.ascontiguousarray(rays_cam @ pose.R_world_cam.T)
    origin = pose.position.copy()
    near, far = float(camera.params["near"]), float(camera.params["far"])
    light = {**snap.instance.light, "shadows": False}
    zero_t = np.zeros(H)
    inst = snap.instance

    def ours_cast():
        return cast_rays(g, origin, world_rays)

    def ours_render():
        return render_frame(camera.model, pose, g, near, far, light, inst.background,
                            inst.background_bottom, zero_t, tone=0.0, normals=False)

    def ours_cast_1thread():
        threads = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            return cast_rays(g, origin, world_rays)
        finally:
            numba.set_num_threads(threads)

    triangles = world_triangles(g)
    mesh_parts = int(np.sum(g.kind == MESH))
    mesh_tris = int(np.sum(g.mesh_tri_count[g.kind == MESH]))
    hits, frame = ours_cast(), ours_render()
    mesh_share = float(np.mean(hits.hit & (g.kind[np.maximum(hits.part, 0)] == MESH)))
    size = f"{W}x{H}"
    ours_fns = (("cast_rays", ours_cast),
                ("render_frame (tone 0, no normals, no shadows)", ours_render),
                ("cast_rays on 1 Numba thread", ours_cast_1thread))
    built = embree_scene(triangles)
    rows = []
    if built is None:
        for name, fn in ours_fns:
            ours = median_seconds(fn, cfg.repeat)
            rows.append(Row(f"{size} primary rays: {name}", 1000 * ours,
                            note=f"{n / ours / 1e6:.2f} Mrays/s"))
        embree_notes = ["embreex not installed (pip install -e '.[bench]'): Embree not timed"]
    else:
        scene, build_embree = built
        o32 = np.ascontiguousarray(np.broadcast_to(origin, (n, 3)), np.float32)
        d32 = np.ascontiguousarray(world_rays, np.float32)
        workers = numba.get_num_threads()
        cuts = np.linspace(0, n, workers + 1).astype(int)
        chunks = [(o32[a:b], d32[a:b]) for a, b in itertools.pairwise(cuts)]

        def embree() -> dict[str, np.ndarray]:
            return scene.run(o32, d32, output=1)

        with ThreadPoolExecutor(workers) as pool:

            def embree_threads() -> dict[str, np.ndarray]:
                # run releases the GIL: one slice of the rays per thread, as many threads
                # as Numba uses, results joined (the join is timed too)
                parts = list(pool.map(lambda c: scene.run(c[0], c[1], output=1), chunks))
                return {k: np.concatenate([r[k] for r in parts]) for k in parts[0]}

            res = embree()
            same = all(np.array_equal(res[k], v) for k, v in embree_threads().items())
            e_hit, e_t = res["geomID"] >= 0, res["tfar"].astype(np.float64)
            # render_frame clips z-depth to [near, far]: compare with Embree's hits in range
            z = e_t * rays_cam[:, 2]
            e_hit_range = e_hit & (z >= near) & (z <= far)
            agreement = {
                "cast_rays": _agreement(hits.hit, hits.t, e_hit, e_t),
                "render_frame (tone 0, no normals, no shadows)": _agreement(
                    frame.part.ravel() >= 0, frame.t.ravel(), e_hit_range, e_t)
                + " (Embree hits with z in [near, far])"}
            for name, fn in ours_fns:
                one = name == "cast_rays on 1 Numba thread"
                ours, base = median_seconds_pair(fn, embree if one else embree_threads,
                                                 cfg.repeat)
                note = f"{n / ours / 1e6:.2f} vs {n / base / 1e6:.2f} Mrays/s"
                if name in agreement:
                    note += f"; {agreement[name]}"
                rows.append(Row(f"{size} primary rays: {name} vs Embree "
                                f"{1 if one else workers} thread(s)", 1000 * ours,
                                1000 * base, note))
        rows.append(Row("scene build: build_geometry vs Embree TriangleMesh + commit",
                        1000 * build_ours, 1000 * build_embree,
                        "ours: posed parts over per-file BVHs (built once per file and "
                        "cached); Embree: one BVH over all world triangles, once"))
        embree_notes = [
            f"baseline: embreex {importlib.metadata.version('embreex')} "
            "EmbreeScene.run(origins, directions, output=1) on float32 rays (one "
            "rtcIntersect1 per ray in a serial loop, GIL released); on "
            f"{workers} thread(s): the rays cut in {workers} slices run by a thread pool "
            f"(results identical to one call: {'yes' if same else 'NO'})",
            "REFERENCE.md's ~7 ms for 640x480 is Open3D's RaycastingScene (Embree, "
            "multi-threaded) on ~12k triangles"]
    notes = [f"median of {cfg.repeat}; scene {snap.spec.name}: {mesh_parts} mesh objects "
             f"({', '.join(Path(m).stem for m, _, _ in CAMERA_MESHES)}) in "
             f"{cfg.mesh_copies} row(s) on the ground, {len(triangles)} world triangles "
             f"({mesh_tris} mesh + {len(triangles) - mesh_tris} ground), "
             f"{inst.dropped_objects} dropped; "
             f"{100 * mesh_share:.0f} % of the pixels see a mesh, "
             f"{100 * np.mean(hits.hit):.0f} % hit anything",
             "rays: the rgbd_d435_640x480 camera's pixel centres in the world frame, from "
             "its optical centre; "
             f"cast_rays and Embree unbounded, render_frame within z in [{near}, {far}] m",
             f"ours: Numba on {numba.get_num_threads()} threads unless noted; render_frame "
             "is the camera's tiled renderer (shading + sRGB codes, no shadow rays)",
             *embree_notes]
    print_table("5. Mesh-heavy primary visibility vs Embree (same rays, same triangles)", rows,
                notes)


# --- main ---------------------------------------------------------------------------------

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
    parser.add_argument("--quick", action="store_true",
                        help="few samples, one repeat, small sizes (a smoke run, < 60 s)")
    args = parser.parse_args(argv)
    if args.samples is not None and args.samples < 1:
        parser.error("--samples must be at least 1")
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cfg = settings_from_args(args)
    start = time.perf_counter()
    print_machine()
    e2e = bench_end_to_end(args.scene, cfg)
    prims = snapshot(simengine.Engine(primitives_scene(cfg), cfg.seed), 0)
    bench_camera(e2e, prims, cfg)
    bench_lidar(prims, cfg)
    bench_audio(e2e, cfg)
    bench_embree(cfg)
    from bench_scale import bench_scale  # 6. training loop and scale-out (tools/bench_scale.py)

    bench_scale(args.scene, cfg.samples, cfg.repeat, Row, print_table, seed=cfg.seed,
                engine=e2e.engine)
    from bench_corruptions import bench_corruptions  # 7. every corruption vs a camera render

    bench_corruptions(sys.modules[__name__], max(1, min(cfg.repeat, 5)),
                      (5,) if cfg.quick else (3, 5))
    print(f"\ntotal benchmark time {time.perf_counter() - start:.1f} s"
          f"{' (--quick)' if cfg.quick else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
