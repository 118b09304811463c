"""The records of a drawn scene instance: plain data, every random choice resolved.

An instance is stored with every sample (``to_dict``/``from_dict`` round-trip through JSON)
so a sample can be inspected and replayed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..geometry.transforms import quat_to_matrix, rotation_about
from .paths import PathMotion

DEFAULT_LIGHT = {"direction": (-0.4, -0.3, -1.0), "ambient": 0.35, "intensity": 1.0,
                 "shadows": True}


@dataclass(frozen=True)
class ObjectInstance:
    index: int
    group: str
    shape: str
    size: tuple[float, float, float]  # local bounding-box extents (m)
    center: tuple[float, float, float]  # local bounding-box centre (m), 0 for primitives
    radius: float | None
    length: float | None
    asset: str | None  # as the scene names it (portable: recorded with the sample)
    scale: float
    class_name: str
    class_id: int
    color: tuple[float, float, float]
    mass: float
    friction: float
    restitution: float
    material: str
    fixed: bool
    position: tuple[float, float, float]
    orientation: tuple[float, float, float, float]  # xyzw
    linear_velocity: tuple[float, float, float]
    angular_velocity: tuple[float, float, float]
    texture: dict[str, Any] | None = None  # kind, scale, color2, axis
    # shape procedural: the generator and its drawn parameter values (recorded only then, so
    # the instances of scenes without procedural objects keep their bytes)
    generator: str | None = None
    params: dict[str, float] | None = None
    # a kinematic actor: {"path": world (x, y) points, "speed": m/s, "loop": bool}
    # (recorded only then, like ``generator``)
    motion: dict[str, Any] | None = None
    # the template's collision key (hull | vhacd | mesh) when given: recorded only then, so
    # the default's instances keep their bytes
    collision: str | None = None
    # the file to load, on this machine: never recorded (samples must not depend on it)
    asset_file: str | None = field(default=None, compare=False)

    @property
    def instance_id(self) -> int:
        return self.index + 1

    @property
    def mesh_source(self):
        """The GeneratedMesh key of a procedural object, else the mesh file (or None)."""
        if self.generator is not None:
            from ..assets.procedural import GeneratedMesh

            return GeneratedMesh.of(self.generator, self.params or {})
        return self.asset_file


@dataclass(frozen=True)
class SensorInstance:
    name: str
    kind: str
    params: dict[str, Any]
    position: tuple[float, float, float]  # at the start of the recording window
    orientation: tuple[float, float, float, float]  # body frame (x forward, z up), xyzw
    linear_velocity: tuple[float, float, float] = (0.0, 0.0, 0.0)  # m/s, world
    angular_velocity: tuple[float, float, float] = (0.0, 0.0, 0.0)  # rad/s, world
    # riding an actor (``pose: {attach: GROUP}``): {"group", "object" (index), "path",
    # "speed", "loop", "height" (the actor's motion) and "mount_position",
    # "mount_orientation" (xyzw), the pose in the actor's body frame}. position,
    # orientation and the velocities above then hold the world state at t = 0 (what a
    # reader of the constant-velocity fields sees); pose_at follows the actor exactly.
    # Recorded only then, so unattached sensors keep their bytes.
    attach: dict[str, Any] | None = None

    def pose_at(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """(position, R_world_body) at ``t`` s into the recording: constant velocities, or
        the actor's true pose composed with the mount pose for an attached sensor."""
        if self.attach is not None:
            return self._attached(t)[:2]
        R = rotation_about(self.angular_velocity, t) @ quat_to_matrix(self.orientation)
        return np.asarray(self.position) + np.asarray(self.linear_velocity) * t, R

    def velocity_at(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """(linear, angular) velocity (world, m/s and rad/s) at ``t`` s into the recording."""
        if self.attach is not None:
            return self._attached(t)[2:]
        return (np.asarray(self.linear_velocity, np.float64),
                np.asarray(self.angular_velocity, np.float64))

    def _attached(self, t: float) -> tuple[np.ndarray, ...]:
        a = self.attach
        pt = PathMotion(a["path"], a["speed"], a["loop"]).at(t)
        c, s = np.cos(pt.yaw), np.sin(pt.yaw)
        R_world_actor = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
        mount = R_world_actor @ np.asarray(a["mount_position"], np.float64)
        position = np.array([pt.xy[0], pt.xy[1], a["height"]]) + mount
        R = R_world_actor @ quat_to_matrix(a["mount_orientation"])
        omega = np.array([0.0, 0.0, pt.yaw_rate])
        # a point fixed on a turning body moves with v + omega x r
        v = np.array([pt.velocity[0], pt.velocity[1], 0.0]) + np.cross(omega, mount)
        return position, R, v, omega


@dataclass(frozen=True)
class SceneInstance:
    scene: str
    root_seed: int
    index: int
    attempt: int
    gravity: tuple[float, float, float]
    ground: dict[str, Any] | None
    room: dict[str, Any] | None
    background: tuple[float, float, float]
    objects: tuple[ObjectInstance, ...]
    sensors: tuple[SensorInstance, ...]
    dropped_objects: int = 0
    background_bottom: tuple[float, float, float] | None = None
    light: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_LIGHT))
    extra: dict[str, Any] = field(default_factory=dict)
    # audio clip name -> the file to read, on this machine: never recorded
    clip_files: dict[str, str] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        del d["clip_files"]
        for o in d["objects"]:
            del o["asset_file"]
            if o["generator"] is None:
                del o["generator"], o["params"]
            if o["motion"] is None:
                del o["motion"]
            if o["collision"] is None:
                del o["collision"]
        for s in d["sensors"]:
            if s["attach"] is None:
                del s["attach"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SceneInstance:
        d = dict(d)
        d["objects"] = tuple(ObjectInstance(**_tuples(o)) for o in d["objects"])
        d["sensors"] = tuple(SensorInstance(**_tuples(s)) for s in d["sensors"])
        return cls(**{k: v if k in ("objects", "sensors") else _tuple_tree(v)
                      for k, v in d.items()})

    def sensor(self, name: str) -> SensorInstance:
        for s in self.sensors:
            if s.name == name:
                return s
        raise KeyError(name)


def _tuples(d: dict[str, Any]) -> dict[str, Any]:
    """JSON lists back to the tuples the dataclasses hold, at every depth."""
    return {k: _tuple_tree(v) for k, v in d.items()}


def _tuple_tree(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return tuple(_tuple_tree(x) for x in v)
    if isinstance(v, dict):
        return {k: _tuple_tree(x) for k, x in v.items()}
    return v
