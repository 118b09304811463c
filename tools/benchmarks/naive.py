"""The naive baseline of issue 22: the PyBullet loop a user writes in an afternoon instead of
using simengine, timed end to end so that section 1 can print our ratio against it.

Per sample, in one process and one PyBullet client (``resetSimulation`` between samples):
PyBullet's table plus 8 primitives (boxes, spheres, cylinders) dropped from above the
table top, 1.2 s at 240 Hz with ``getContactPoints`` read after every step, one 640 x 480
TinyRenderer capture with shadows (rgb, metric depth, segmentation) from where the tabletop
scene's D435 looks, a 32 x 720 ``rayTestBatch`` sweep (the CARLA 32-beam elevations, 6 m)
from where its lidar sits, and one ``np.savez_compressed`` file. No audio, no labels, no
corruptions: it does less than a simengine sample, which is why it is the bar to beat.

No ground plane by default, as issue 22 describes the loop (without one this module gives
about the 3.9 samples/s of docs/references.md#benchmark-baselines): TinyRenderer rasterises
pybullet_data's textured plane slowly (a 640 x 480 capture with shadows goes from about 90
to about 270 ms with it on a loaded 2-core machine), so ``ground=True`` is there to show
that, not for the ratio. Bodies that miss the table fall for the rest of the 1.2 s.

Runnable alone, from the repository root (prints samples/s):

    python -m tools.benchmarks.naive [--samples N] [--ground]

It is deliberately plain Python on PyBullet's API (no vectorised contact gathering, no
threads): the point is what such a loop costs, not how fast PyBullet can be made to go.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import pybullet as p
import pybullet_data

RATE_HZ = 240
DURATION_S = 1.2
PRIMITIVES = 8
WIDTH, HEIGHT = 640, 480
HFOV_DEG = 87.0  # the D435 preset of tabletop.yaml
NEAR, FAR = 0.1, 10.0
EYE, TARGET = (1.3, 0.0, 1.35), (0.0, 0.0, 0.65)  # tabletop's camera (middle of its range)
LIGHT_DIRECTION = (0.3, -0.2, 1.0)  # towards the light, as getCameraImage wants it
# CARLA ray_cast 32-beam elevations (sensors/carla_raycast_32.yaml): +10 deg down to -30 deg
ELEVATIONS_DEG = np.linspace(10.0, -30.0, 32)
COLUMNS, MAX_RANGE = 720, 6.0
LIDAR_ORIGIN, LIDAR_PITCH_DEG = np.array([-1.3, 0.0, 1.4]), 25.0
RAY_BATCH = 16_383  # rayTestBatch's limit; a batch of exactly 16,384 returns nothing


def lidar_rays() -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the 32 x 720 sweep in the world frame, pitched down like tabletop's."""
    el = np.radians(ELEVATIONS_DEG)[:, None]
    az = np.linspace(-math.pi, math.pi, COLUMNS, endpoint=False)[None, :]
    dirs = np.stack([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az),
                     np.broadcast_to(np.sin(el), (32, COLUMNS))], axis=-1).reshape(-1, 3)
    pitch = math.radians(LIDAR_PITCH_DEG)  # about +y: positive pitch looks down
    rot = np.array([[math.cos(pitch), 0, math.sin(pitch)], [0, 1, 0],
                    [-math.sin(pitch), 0, math.cos(pitch)]])
    dirs = dirs @ rot.T
    starts = np.broadcast_to(LIDAR_ORIGIN, dirs.shape)
    return starts.tolist(), (starts + MAX_RANGE * dirs).tolist()


class NaivePipeline:
    """One PyBullet client reused over the samples (``close()`` it, or use ``with``)."""

    def __init__(self, out_dir: Path, seed: int = 0, ground: bool = False) -> None:
        self.client = p.connect(p.DIRECT)
        self.out_dir, self.seed, self.ground = out_dir, seed, ground
        p.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=self.client)
        self.starts, self.ends = lidar_rays()
        vfov = 2 * math.degrees(math.atan(math.tan(math.radians(HFOV_DEG) / 2) * HEIGHT / WIDTH))
        self.view = p.computeViewMatrix(EYE, TARGET, (0, 0, 1), physicsClientId=self.client)
        self.proj = p.computeProjectionMatrixFOV(vfov, WIDTH / HEIGHT, NEAR, FAR,
                                                 physicsClientId=self.client)

    def __enter__(self) -> NaivePipeline:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        p.disconnect(self.client)

    def _world(self, rng: np.random.Generator) -> None:
        c = self.client
        p.resetSimulation(physicsClientId=c)
        p.setGravity(0, 0, -9.81, physicsClientId=c)
        p.setTimeStep(1.0 / RATE_HZ, physicsClientId=c)
        if self.ground:
            p.loadURDF("plane.urdf", physicsClientId=c)
        p.loadURDF("table/table.urdf", useFixedBase=True, physicsClientId=c)
        for _ in range(PRIMITIVES):
            kind = rng.integers(3)
            color = [*rng.uniform(0.1, 0.95, 3), 1.0]
            if kind == 0:
                half = rng.uniform(0.02, 0.06, 3)
                col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=c)
                vis = p.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=color,
                                          physicsClientId=c)
            elif kind == 1:
                r = rng.uniform(0.025, 0.05)
                col = p.createCollisionShape(p.GEOM_SPHERE, radius=r, physicsClientId=c)
                vis = p.createVisualShape(p.GEOM_SPHERE, radius=r, rgbaColor=color,
                                          physicsClientId=c)
            else:
                r, h = rng.uniform(0.025, 0.045), rng.uniform(0.08, 0.14)
                col = p.createCollisionShape(p.GEOM_CYLINDER, radius=r, height=h,
                                             physicsClientId=c)
                vis = p.createVisualShape(p.GEOM_CYLINDER, radius=r, length=h, rgbaColor=color,
                                          physicsClientId=c)
            pos = [rng.uniform(-0.45, 0.45), rng.uniform(-0.3, 0.3), rng.uniform(0.75, 1.0)]
            orn = p.getQuaternionFromEuler(rng.uniform(-math.pi, math.pi, 3).tolist())
            p.createMultiBody(rng.uniform(0.05, 0.5), col, vis, pos, orn, physicsClientId=c)

    def sample(self, k: int) -> Path:
        c = self.client
        rng = np.random.default_rng([self.seed, k])
        self._world(rng)
        contacts = []  # (step, body a, body b, normal force) of every contact point
        for step in range(round(DURATION_S * RATE_HZ)):
            p.stepSimulation(physicsClientId=c)
            for pt in p.getContactPoints(physicsClientId=c):
                contacts.append((step, pt[1], pt[2], pt[9]))
        _, _, rgba, zbuf, seg = p.getCameraImage(
            WIDTH, HEIGHT, viewMatrix=self.view, projectionMatrix=self.proj, shadow=1,
            lightDirection=LIGHT_DIRECTION, renderer=p.ER_TINY_RENDERER, physicsClientId=c)
        rgb = np.reshape(rgba, (HEIGHT, WIDTH, 4))[..., :3].astype(np.uint8)
        zbuf = np.reshape(zbuf, (HEIGHT, WIDTH))
        depth = (FAR * NEAR / (FAR - (FAR - NEAR) * zbuf)).astype(np.float32)
        seg = np.reshape(seg, (HEIGHT, WIDTH)).astype(np.int32)
        fractions = np.empty(len(self.starts), np.float32)
        for lo in range(0, len(self.starts), RAY_BATCH):
            hits = p.rayTestBatch(self.starts[lo:lo + RAY_BATCH], self.ends[lo:lo + RAY_BATCH],
                                  physicsClientId=c)
            fractions[lo:lo + len(hits)] = [h[2] if h[0] >= 0 else np.nan for h in hits]
        ranges = (MAX_RANGE * fractions).reshape(len(ELEVATIONS_DEG), COLUMNS)
        path = self.out_dir / f"{k:06d}.npz"
        np.savez_compressed(path, rgb=rgb, depth=depth, segmentation=seg, lidar_range=ranges,
                            contacts=np.asarray(contacts, np.float64).reshape(-1, 4))
        return path


def naive_rate(samples: int, seed: int = 0, ground: bool = False) -> float:
    """Samples/s of the naive pipeline over ``samples`` timed samples after one untimed one
    (pybullet_data's table and plane parsed once into the OS file cache)."""
    with tempfile.TemporaryDirectory(prefix="simengine-naive-") as tmp, \
            NaivePipeline(Path(tmp), seed, ground) as naive:
        naive.sample(0)
        start = time.perf_counter()
        for k in range(1, samples + 1):
            naive.sample(k)
        return samples / (time.perf_counter() - start)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the naive PyBullet pipeline of issue 22")
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--ground", action="store_true", help="add pybullet_data's plane")
    args = parser.parse_args()
    rate = naive_rate(args.samples, ground=args.ground)
    print(f"naive PyBullet pipeline{' with ground' if args.ground else ''}: {rate:.2f} samples/s")
