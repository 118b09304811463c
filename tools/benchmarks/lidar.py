"""Section 3, lidar: ``cast_rays`` and ``Lidar.observe`` for an OS1-64 sweep against
``rayTestBatch`` over the same rays, on the 20-primitive scene and on a mesh-heavy scene."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numba
import numpy as np

import simengine
from simengine._pybullet import pybullet as p  # PyBullet without its banner
from simengine.geometry.raycast import cast_rays
from simengine.geometry.scene_geometry import MESH
from simengine.sensors.base import Capture
from simengine.sensors.lidar.sensor import Lidar, beam_directions
from simengine.spec.loader import scene_from_dict
from simengine.spec.scene import SceneSpec

from .settings import SCENES, Settings
from .snapshot import PyBulletTwin, Snapshot, snapshot
from .table import Row, median_seconds_pair, print_table

RAY_BATCH = 16_383  # rayTestBatch's limit; a batch of exactly 16,384 returns nothing, silently


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
    return scene_from_dict(data, source=str(SCENES / "bench_meshes.yaml"))


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
                "Lidar.observe": lambda: lidar.observe(Capture(frames=frame), rng),
                "Lidar.observe dual": lambda: dual.observe(Capture(frames=frame), rng)}
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
