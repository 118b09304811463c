"""Scene instances: a spec with every random choice resolved, for one sample.

``sample_instance(spec, root_seed, index)`` is a pure function; the result is plain data
(``to_dict``/``from_dict`` round-trip through JSON) and is stored with every sample so a
sample can be inspected and replayed.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .assets import local_bounds
from .geometry.transforms import (
    look_at_body,
    matrix_to_quat,
    quat_from_euler,
    quat_to_matrix,
    random_quaternion,
    rotation_about,
)
from .seeding import STREAM_SCENE, rng_for
from .spec.audio import sample_audio
from .spec.distributions import sample_tree
from .spec.scene import GroupSpec, LightSpec, PoseSpec, SceneSpec, TextureSpec

DEFAULT_LIGHT = {"direction": (-0.4, -0.3, -1.0), "ambient": 0.35, "intensity": 1.0,
                 "shadows": True}
SPAWN_TRIES = 100
SPAWN_GAP = 0.002  # metres of clearance between spawned bounding boxes


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
    # the file to load, on this machine: never recorded (samples must not depend on it)
    asset_file: str | None = field(default=None, compare=False)

    @property
    def instance_id(self) -> int:
        return self.index + 1


@dataclass(frozen=True)
class SensorInstance:
    name: str
    kind: str
    params: dict[str, Any]
    position: tuple[float, float, float]  # at the start of the recording window
    orientation: tuple[float, float, float, float]  # body frame (x forward, z up), xyzw
    linear_velocity: tuple[float, float, float] = (0.0, 0.0, 0.0)  # m/s, world
    angular_velocity: tuple[float, float, float] = (0.0, 0.0, 0.0)  # rad/s, world

    def pose_at(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """(position, R_world_body) at ``t`` s into the recording (constant velocities)."""
        R = rotation_about(self.angular_velocity, t) @ quat_to_matrix(self.orientation)
        return np.asarray(self.position) + np.asarray(self.linear_velocity) * t, R


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


def sample_instance(spec: SceneSpec, root_seed: int, index: int, attempt: int = 0) -> SceneInstance:
    """Resolve every distribution of ``spec`` for sample ``index`` (pure, deterministic)."""
    rng = rng_for(root_seed, index, STREAM_SCENE, attempt)
    w = spec.world
    ground = None
    if w.ground is not None:
        ground = {"material": w.ground.material.sample(rng),
                  "color": sample_tree(w.ground.color, rng),
                  "texture": _texture(w.ground.texture, rng)}
    room = None
    if w.room is not None:
        room = {"size": sample_tree(w.room.size, rng),
                "wall_material": w.room.wall_material.sample(rng),
                "floor_material": w.room.floor_material.sample(rng),
                "ceiling_material": w.room.ceiling_material.sample(rng),
                "color": sample_tree(w.room.color, rng),
                "texture": _texture(w.room.texture, rng)}
    objects: list[ObjectInstance] = []
    boxes: list[tuple[np.ndarray, np.ndarray, bool]] = []  # world AABB, fixed?
    dropped = 0
    unplaced_fixed: list[str] = []
    for group in spec.groups:
        for _ in range(int(group.count.sample(rng))):
            obj, box, evicted = _sample_object(spec, group, len(objects), rng, boxes,
                                               ground is not None)
            if obj is None:
                dropped += 1
                if group.template.fixed:
                    unplaced_fixed.append(group.name)
                continue
            if evicted:  # movable objects drawn where a fixed one stands make way for it
                keep = [i for i in range(len(objects)) if i not in evicted]
                objects = [dataclasses.replace(objects[i], index=n)
                           for n, i in enumerate(keep)]
                boxes = [boxes[i] for i in keep]
                obj = dataclasses.replace(obj, index=len(objects))
                dropped += len(evicted)
            objects.append(obj)
            boxes.append((*box, obj.fixed))
    sensors = tuple(_sample_sensor(m.name, m.kind, m.params, m.pose, rng) for m in spec.sensors)
    gravity = sample_tree(w.gravity, rng)  # the draw order of the original call, kept
    background = sample_tree(w.background, rng)
    background_bottom = (sample_tree(w.background_bottom, rng)
                         if w.background_bottom is not None else None)
    light = _light(w.light, rng)
    # Acoustics is drawn last, so scenes without it keep every earlier draw unchanged.
    extra: dict[str, Any] = {}
    if unplaced_fixed:  # the engine draws such an instance again (simengine.placement)
        extra["unplaced_fixed"] = unplaced_fixed
    if room is not None and w.room.rt60 is not None:
        room["rt60"] = float(w.room.rt60.sample(rng))
    if room is not None and w.room.absorption is not None:
        room["absorption"] = tuple(float(a.sample(rng)) for a in w.room.absorption)
    if spec.audio.sources or spec.audio.ambient is not None or not spec.audio.ground_reflection:
        extra["audio"] = sample_audio(spec.audio, tuple(objects), rng)
    return SceneInstance(
        scene=spec.name, root_seed=int(root_seed), index=int(index), attempt=int(attempt),
        gravity=gravity, ground=ground, room=room,
        background=background, objects=tuple(objects), sensors=sensors,
        dropped_objects=dropped, background_bottom=background_bottom, light=light, extra=extra,
        clip_files={src.file_name: src.file for src in spec.audio.sources if src.file})


def _texture(t: TextureSpec | None, rng: np.random.Generator) -> dict[str, Any] | None:
    if t is None:
        return None
    kind = t.kind.sample(rng)
    tex = {"kind": kind, "scale": float(t.scale.sample(rng)),
           "color2": tuple(float(c) for c in sample_tree(t.color2, rng)),
           "axis": int(t.axis.sample(rng))}
    return None if kind == "none" else tex


def _light(light: LightSpec, rng: np.random.Generator) -> dict[str, Any]:
    d = np.asarray(sample_tree(light.direction, rng), dtype=np.float64)
    norm = float(np.linalg.norm(d))
    if norm == 0.0:  # a randomised direction may draw zero: fall back to straight down
        d, norm = np.array([0.0, 0.0, -1.0]), 1.0
    return {"direction": tuple(float(v) for v in d / norm),
            "ambient": float(light.ambient.sample(rng)),
            "intensity": float(light.intensity.sample(rng)), "shadows": light.shadows}


def _sample_object(spec: SceneSpec, group: GroupSpec, index: int, rng: np.random.Generator,
                   boxes: list[tuple[np.ndarray, np.ndarray, bool]], has_ground: bool
                   ) -> tuple[ObjectInstance | None, tuple, list[int]]:
    """The object, its world bounding box and the indices of placed objects it evicts.

    Up to ``SPAWN_TRIES`` poses are drawn; the first whose bounding box keeps clear of
    every placed object's wins. A movable object that finds none is dropped (None). A fixed
    object is never dropped for movable ones: it takes the first drawn pose clear of the
    other fixed objects and evicts the movable objects in its way (they are dropped
    instead); it is None only when every pose overlaps another fixed object (the engine
    then draws the instance again, ``simengine.placement``)."""
    t = group.template
    size = sample_tree(t.size, rng) if t.size is not None else None
    radius = t.radius.sample(rng) if t.radius is not None else None
    length = t.length.sample(rng) if t.length is not None else None
    scale = float(t.scale.sample(rng))
    if t.shape == "box":
        size = tuple(s * scale for s in size)
    if radius is not None:
        radius *= scale
    if length is not None:
        length *= scale
    lo, hi = local_bounds(t.shape, t.asset, scale if t.shape in ("mesh", "urdf") else 1.0,
                          radius, length, size)
    class_name = t.class_name.sample(rng)
    props = {
        "texture": _texture(t.texture, rng),
        "color": sample_tree(t.color, rng), "mass": float(t.mass.sample(rng)),
        "friction": float(t.friction.sample(rng)),
        "restitution": float(t.restitution.sample(rng)), "material": t.material.sample(rng),
    }
    placed = None
    evicted: list[int] = []
    for _ in range(SPAWN_TRIES):
        q = _orientation(group, rng)
        pos = tuple(float(v) for v in sample_tree(group.position, rng))
        box = world_aabb(lo, hi, pos, q)
        if has_ground and box[0][2] < -1e-9 and not t.fixed:
            continue
        if not any(boxes_overlap(box, other) for other in boxes):
            placed, evicted = (pos, q, box), []
            break
        if t.fixed and placed is None:
            hits = [i for i, other in enumerate(boxes) if boxes_overlap(box, other)]
            if not any(boxes[i][2] for i in hits):
                placed, evicted = (pos, q, box), hits  # unless a later pose is all free
    lin = tuple(float(v) for v in sample_tree(group.linear_velocity, rng))
    ang = tuple(float(v) for v in sample_tree(group.angular_velocity, rng))
    if placed is None:
        return None, (), []
    pos, q, box = placed
    return ObjectInstance(
        index=index, group=group.name, shape=t.shape,
        size=tuple(float(b - a) for a, b in zip(lo, hi, strict=True)),
        center=tuple(float((a + b) / 2) for a, b in zip(lo, hi, strict=True)),
        radius=radius, length=length, asset=t.asset_name, asset_file=t.asset, scale=scale,
        class_name=class_name, class_id=spec.classes.index(class_name),
        position=pos, orientation=q, linear_velocity=lin, angular_velocity=ang,
        fixed=t.fixed, **props), box, evicted


def _orientation(group: GroupSpec, rng: np.random.Generator) -> tuple[float, float, float, float]:
    o = group.orientation
    if o.mode == "identity":
        return (0.0, 0.0, 0.0, 1.0)
    if o.mode == "random":
        return random_quaternion(rng)
    r, p, y = (math.radians(v) for v in sample_tree(o.euler_deg, rng))
    return quat_from_euler(r, p, y)


def world_aabb(lo, hi, pos, q) -> tuple[np.ndarray, np.ndarray]:
    """World bounding box (min, max) of local bounds ``lo``/``hi`` posed at pos, q."""
    R = quat_to_matrix(q)
    c = R @ ((np.asarray(lo) + np.asarray(hi)) / 2) + np.asarray(pos)
    h = np.abs(R) @ ((np.asarray(hi) - np.asarray(lo)) / 2)
    return c - h, c + h


def boxes_overlap(a, b) -> bool:
    """Do two boxes (min, max, ...) come closer than ``SPAWN_GAP``?"""
    return bool(np.all(a[0] < b[1] + SPAWN_GAP) and np.all(b[0] < a[1] + SPAWN_GAP))


def _sample_sensor(name: str, kind: str, params: dict[str, Any], pose: PoseSpec,
                   rng: np.random.Generator) -> SensorInstance:
    resolved = {k: sample_tree(v, rng) for k, v in params.items()}
    pos = tuple(float(v) for v in sample_tree(pose.position, rng))
    if pose.look_at is not None:
        target = sample_tree(pose.look_at, rng)
        R = look_at_body(pos, target, pose.up)
        q = matrix_to_quat(R)
    elif pose.euler_deg is not None:
        r, p, y = (math.radians(v) for v in sample_tree(pose.euler_deg, rng))
        q = quat_from_euler(r, p, y)
    else:
        q = (0.0, 0.0, 0.0, 1.0)
    zero = (0.0, 0.0, 0.0)
    lin = tuple(float(v) for v in sample_tree(pose.velocity, rng)) if pose.velocity else zero
    ang = (tuple(float(v) for v in sample_tree(pose.angular_velocity, rng))
           if pose.angular_velocity else zero)
    return SensorInstance(name=name, kind=kind, params=resolved, position=pos, orientation=q,
                          linear_velocity=lin, angular_velocity=ang)
