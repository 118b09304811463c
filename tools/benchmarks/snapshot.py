"""One snapshot's geometry, built exactly as ``Engine.sample`` builds it, and its PyBullet twin
(one static body per posed part, at the same world pose) that the camera and lidar sections
compare against; the 20-primitive scene those sections share.

"Same geometry": PyBullet gets boxes, spheres, cylinders and capsules with the same
dimensions as our parts, meshes from the same .obj file and scale as concave triangle meshes
(so that rays see the triangles and not a convex hull).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np

import simengine
from simengine._pybullet import pybullet as p  # PyBullet without its banner
from simengine.assets.procedural import mesh_arrays
from simengine.attempts import simulate_sample
from simengine.geometry.scene_geometry import (
    BOX,
    CAPSULE,
    CYLINDER,
    DEFAULT_COLOR,
    MESH,
    SPHERE,
    SceneGeometry,
    build_geometry,
)
from simengine.instance import SceneInstance
from simengine.physics.parts import posed_parts
from simengine.spec.loader import scene_from_dict
from simengine.spec.scene import SceneSpec

from .settings import SCENES, Settings


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
    instance, result = simulate_sample(spec, engine.seed, k)
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
                col, vis = self._shapes(desc, (*(color or DEFAULT_COLOR), 1.0))
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
        elif desc.kind == MESH and not isinstance(desc.mesh, str):
            # a generated mesh (no file): its triangles given to PyBullet directly
            v, f = mesh_arrays(desc.mesh)
            kind = p.GEOM_MESH
            kw_vis = {"vertices": (v * desc.params).tolist(),
                      "indices": f.astype(int).ravel().tolist()}
            kw_col = {**kw_vis, "flags": p.GEOM_FORCE_CONCAVE_TRIMESH}
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
    return scene_from_dict(data, source=str(SCENES / "bench_primitives.yaml"))
