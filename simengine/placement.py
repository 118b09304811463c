"""Fixed geometry and what may not be inside it: sensors, and other fixed objects.

Fixed geometry never moves: the ground slab (its top is z = 0), a room's walls, floor and
ceiling (everything outside the room's inner box) and every ``fixed: true`` object, as
the sensors see it (its visual parts: ``geometry.inside``). A sensor inside it is refused
(a camera or lidar there sees only the inside of the solid; an array inside a wall hears
nothing real), and two fixed objects may not overlap (the spawner would drop one).

The checks run twice:

- **at validation** (``check_placements``, from the loader) on what the scene fixes: sensors
  whose position (and velocity) are numbers, fixed objects whose position and orientation
  are numbers (sizes may be random: the smallest draw is checked, so a refusal means every
  draw fails; a mesh or URDF needs a fixed scale). The error names the scene file, the key
  path and the other object;
- **on every drawn instance** (``instance_problem``, from the attempt loop,
  ``simengine.attempts``) on what was drawn: the sample is then drawn again from the next
  attempt stream (recorded in ``meta/attempt``), up to ``world.max_attempts`` times, and
  stops with the same kind of error (exit 2) when no attempt succeeds.

Overlap of fixed objects is judged as the spawner judges it (``instance.spawn.boxes_overlap``:
world bounding boxes closer than ``SPAWN_GAP``), so validation refuses exactly what the
spawner would drop.
"""

from __future__ import annotations

import functools
import math
from types import SimpleNamespace
from typing import Any

import numpy as np

from .assets import GeneratedMesh, local_bounds, mesh_bounds
from .errors import SpecError
from .geometry.inside import SolidPart, contains
from .geometry.scene_geometry import BOX, CAPSULE, CYLINDER, MESH, SPHERE
from .geometry.transforms import matrix_to_quat, quat_from_euler, quat_to_matrix
from .instance import SPAWN_GAP, SPAWN_TRIES, SceneInstance, boxes_overlap, world_aabb
from .spec.distributions import Const, Param
from .spec.scene import GroupSpec, SceneSpec, ScheduleSpec, SensorMountSpec, WorldSpec

IDENTITY = (0.0, 0.0, 0.0, 1.0)
# a camera or lidar inside a solid sees only its inside; an array in a wall hears nothing real
EXPECT_FREE = "expected a sensor in free space, clear of the ground, walls and fixed objects"


# --- the solid parts of an object ----------------------------------------------------------

def object_solids(shape: str, *, size, radius, length, asset, scale: float, position,
                  orientation) -> tuple[SolidPart, ...]:
    """The visual parts of an object (sizes already scaled, as ``ObjectInstance`` holds
    them) posed at ``position``/``orientation`` (xyzw)."""
    pos = tuple(float(v) for v in position)
    q = tuple(float(v) for v in orientation)
    if shape == "box":
        return (SolidPart(BOX, tuple(float(s) / 2 for s in size), pos, q),)
    if shape == "sphere":
        return (SolidPart(SPHERE, (float(radius), 0.0, 0.0), pos, q),)
    if shape in ("cylinder", "capsule"):
        kind = CYLINDER if shape == "cylinder" else CAPSULE
        return (SolidPart(kind, (float(radius), float(length) / 2, 0.0), pos, q),)
    if shape == "mesh":
        return (SolidPart(MESH, (float(scale),) * 3, pos, q, asset),)
    if shape == "procedural":  # ``asset``: the GeneratedMesh key
        return (SolidPart(MESH, (1.0, 1.0, 1.0), pos, q, asset),)
    R = quat_to_matrix(q)
    out = []
    for part in _urdf_parts(asset, float(scale)):
        R_part = R @ quat_to_matrix(part.orientation)
        out.append(part._replace(position=tuple(R @ np.asarray(part.position) + pos),
                                 orientation=matrix_to_quat(R_part)))
    return tuple(out)


@functools.lru_cache(maxsize=32)
def _urdf_parts(asset: str, scale: float) -> tuple[SolidPart, ...]:
    """A fixed URDF's visual parts with its base frame at the origin, read from PyBullet as
    the engine reads them (``physics.parts``: one part per visual shape, hung off its link's
    centre-of-mass frame)."""
    from ._pybullet import pybullet as p
    from .physics.parts import object_parts
    from .physics.snapshot import read_object_state

    client = p.connect(p.DIRECT)
    try:
        body = p.loadURDF(asset, useFixedBase=True, globalScaling=scale,
                          flags=p.URDF_USE_INERTIA_FROM_FILE, physicsClientId=client)
        descs = object_parts(SimpleNamespace(shape="urdf", asset=asset, asset_file=asset),
                             body, client)
        links = read_object_state(body, client).links
    finally:
        p.disconnect(client)
    parts = []
    for d in descs:
        link_pos, link_q = links[d.link]
        R_link = quat_to_matrix(link_q)
        pos = R_link @ np.asarray(d.local_position, np.float64) + link_pos
        R = R_link @ quat_to_matrix(d.local_orientation)
        parts.append(SolidPart(d.kind, tuple(float(v) for v in d.params),
                               tuple(float(v) for v in pos), matrix_to_quat(R), d.mesh))
    return tuple(parts)


def environment_problem(point: np.ndarray, has_ground: bool,
                        room_size: tuple[float, float, float] | None) -> str | None:
    """Why ``point`` lies in the ground or a room's shell, or None."""
    x, y, z = (float(v) for v in point)
    if room_size is not None:
        sx, sy, sz = float(room_size[0]) / 2, float(room_size[1]) / 2, float(room_size[2])
        if not (abs(x) < sx and abs(y) < sy and 0.0 < z < sz):
            return (f"outside the room (inside: |x| < {sx:g}, |y| < {sy:g}, 0 < z < {sz:g} m), "
                    "in a wall or beyond it")
    if has_ground and z < 0.0:
        return "below the ground (its top is at z = 0)"
    return None


# --- validation: what the scene fixes -------------------------------------------------------

def _number(p: Param) -> float | None:
    return float(p.value) if isinstance(p, Const) else None


def _smallest(p: Param | None) -> float | None:
    """The smallest value a size parameter can take (positive and finite), else None."""
    if p is None:
        return None
    low = float(p.support()[0])
    return low if math.isfinite(low) and low > 0 else None


def _fixed_pose(group: GroupSpec) -> tuple[tuple, tuple] | None:
    """(position, xyzw) when both are numbers in the scene, else None."""
    position = tuple(_number(v) for v in group.position)
    if None in position:
        return None
    o = group.orientation
    if o.mode == "identity":
        return position, IDENTITY
    if o.mode == "euler":
        angles = tuple(_number(v) for v in o.euler_deg)
        if None not in angles:
            return position, quat_from_euler(*(math.radians(a) for a in angles))
    return None


def _smallest_object(group: GroupSpec) -> dict[str, Any] | None:
    """The fixed object of a group at its fixed pose with its smallest size (primitives
    are centred, so the smallest draw lies inside every other), or None when the pose is
    drawn, or a mesh's or URDF's scale is (scaling moves an off-centre mesh)."""
    t = group.template
    pose = _fixed_pose(group)
    if not t.fixed or pose is None or group.count.support()[1] < 1:
        return None
    scale = _number(t.scale) if t.shape in ("mesh", "urdf") else _smallest(t.scale)
    if scale is None:
        return None
    if t.shape == "procedural":  # checked only when every parameter is fixed
        values = {k: _number(v) for k, v in t.params.items()}
        if None in values.values():
            return None
        mesh = GeneratedMesh.of(t.generator, values)
        lo, hi = mesh_bounds(mesh)
        return {"shape": t.shape, "size": None, "radius": None, "length": None,
                "asset": mesh, "scale": 1.0, "position": pose[0], "orientation": pose[1],
                "aabb": world_aabb(lo, hi, pose[0], pose[1])}
    size = radius = length = None
    if t.shape == "box":
        size = tuple(_smallest(s) for s in t.size)
        if None in size:
            return None
        size = tuple(s * scale for s in size)
    if t.radius is not None:
        radius = _smallest(t.radius)
        if radius is None:
            return None
        radius *= scale
    if t.length is not None:
        length = _smallest(t.length)
        if length is None:
            return None
        length *= scale
    lo, hi = local_bounds(t.shape, t.asset, scale if t.shape in ("mesh", "urdf") else 1.0,
                          radius, length, size)
    return {"shape": t.shape, "size": size, "radius": radius, "length": length,
            "asset": t.asset, "scale": scale, "position": pose[0], "orientation": pose[1],
            "aabb": world_aabb(lo, hi, pose[0], pose[1])}


def _solids(obj: dict[str, Any]) -> tuple[SolidPart, ...]:
    return object_solids(obj["shape"], size=obj["size"], radius=obj["radius"],
                         length=obj["length"], asset=obj["asset"], scale=obj["scale"],
                         position=obj["position"], orientation=obj["orientation"])


def _sensor_times(schedule: ScheduleSpec) -> tuple[float, ...]:
    """When a sensor's position matters: the start, every capture and the end."""
    return tuple(sorted({0.0, *schedule.capture_times, schedule.duration}))


def check_placements(file: str, world: WorldSpec, groups: tuple[GroupSpec, ...],
                     sensors: tuple[SensorMountSpec, ...], schedule: ScheduleSpec) -> None:
    """Refuse what a scene (file ``file``) fixes and can never work (module docstring):
    fixed objects with fixed poses that overlap (or copies of one at a fixed position),
    sensors with fixed positions inside fixed geometry. Raises SpecError."""
    fixed: list[tuple[int, GroupSpec, dict[str, Any]]] = []
    surfaces: list[tuple[int, GroupSpec, dict[str, Any]]] = []
    for i, g in enumerate(groups):
        # copies of a centred shape at one spot overlap
        centred = g.template.shape not in ("mesh", "urdf", "procedural")
        one_spot = None not in (_number(v) for v in g.position)
        if (g.template.fixed and g.count.support()[1] >= 2
                and (_fixed_pose(g) is not None or (one_spot and centred))):
            raise SpecError(file, f"objects[{i}].count",
                            "a fixed object with a fixed position can be placed once (its "
                            "copies would overlap); expected count 1, or a position drawn "
                            "per copy")
        obj = _smallest_object(g)
        if obj is None:
            continue
        if g.template.surface:  # others stand on it: only sensors are kept out of it
            surfaces.append((i, g, obj))
            continue
        for j, h, other in fixed:
            if boxes_overlap(obj["aabb"], other["aabb"]):
                raise SpecError(file, f"objects[{i}].position",
                                f"fixed object '{g.name}' overlaps fixed object '{h.name}' "
                                f"(objects[{j}]) at spawn: their bounding boxes come closer "
                                f"than {SPAWN_GAP * 1000:g} mm, and the spawner would drop "
                                f"'{g.name}'; expected fixed objects placed apart")
        fixed.append((i, g, obj))
    solids = [(i, g, _solids(obj)) for i, g, obj in fixed + surfaces]
    w = world
    # a room whose size is drawn: outside even the largest one is outside every one
    room = (tuple(float(v.support()[1]) for v in w.room.size) if w.room is not None else None)
    times = _sensor_times(schedule)
    for k, s in enumerate(sensors):
        if s.pose.attach is not None:  # a pose in the actor's frame: checked per instance
            continue
        position = tuple(_number(v) for v in s.pose.position)
        velocity = (tuple(_number(v) for v in s.pose.velocity) if s.pose.velocity is not None
                    else (0.0, 0.0, 0.0))
        if None in position or None in velocity:
            continue
        moving = any(velocity)
        for t in (times if moving else (0.0,)):
            point = np.asarray(position) + np.asarray(velocity) * t
            where = f" at t = {t:g} s (moving with pose.velocity)" if moving else ""
            problem = environment_problem(point, w.ground is not None, room)
            if problem is None:
                for i, g, parts in solids:
                    if any(contains(part, point)[0] for part in parts):
                        problem = f"inside fixed object '{g.name}' (objects[{i}])"
                        break
            if problem is not None:
                raise SpecError(file, f"sensors[{k}].pose.position",
                                f"{problem}{where}; {EXPECT_FREE}")


# --- every drawn instance -----------------------------------------------------------------

def _asset_file(obj: Any) -> Any:
    """The file to load for an object's mesh or URDF: ``asset_file`` where instances keep
    the scene's name for the asset apart from the file found for it, else ``asset``; the
    GeneratedMesh key of a procedural object."""
    if getattr(obj, "generator", None) is not None:
        return obj.mesh_source
    return getattr(obj, "asset_file", None) or obj.asset


def instance_problem(spec: SceneSpec, instance: SceneInstance) -> SpecError | None:
    """What makes a drawn instance unusable (module docstring), as the error to report if
    no attempt of the sample succeeds; None when it is fine."""
    file = spec.source
    groups = {g.name: i for i, g in enumerate(spec.groups)}
    suffix = f" (sample {instance.index}, attempt {instance.attempt})"
    sensor_index = {s.name: k for k, s in enumerate(spec.sensors)}
    for name in instance.extra.get("unattached", ()):
        k = sensor_index[name]
        return SpecError(file, f"sensors[{k}].pose.attach",
                         f"the actor '{spec.sensors[k].pose.attach}' the sensor rides was left "
                         f"out (no free spot at its path's start in {SPAWN_TRIES} drawn poses, "
                         f"or a fixed object placed over it): expected room for it{suffix}")
    for name in instance.extra.get("unplaced_fixed", ()):
        return SpecError(file, f"objects[{groups[name]}]",
                         f"fixed object '{name}' found no free spot in {SPAWN_TRIES} drawn "
                         "poses (every one overlaps another fixed object); fixed objects are "
                         f"never dropped: expected room for every copy{suffix}")
    fixed = [(o, object_solids(o.shape, size=o.size, radius=o.radius, length=o.length,
                               asset=_asset_file(o), scale=o.scale, position=o.position,
                               orientation=o.orientation))
             for o in instance.objects if o.fixed]
    room = tuple(instance.room["size"]) if instance.room is not None else None
    index = {s.name: k for k, s in enumerate(spec.sensors)}
    times = _sensor_times(spec.schedule)
    for s in instance.sensors:
        moving = s.attach is not None or any(s.linear_velocity)
        for t in (times if moving else (0.0,)):
            point = s.pose_at(t)[0]
            where = f" at t = {t:g} s" if moving else ""
            problem = environment_problem(point, instance.ground is not None, room)
            if problem is None:
                for o, parts in fixed:
                    if any(contains(part, point)[0] for part in parts):
                        problem = (f"inside fixed object '{o.group}' "
                                   f"(objects[{groups[o.group]}], instance {o.instance_id})")
                        break
            if problem is not None:
                drawn = ", ".join(f"{v:.3f}" for v in point)
                return SpecError(file, f"sensors[{index[s.name]}].pose.position",
                                 f"drawn at [{drawn}]{where}: {problem}; "
                                 f"{EXPECT_FREE}{suffix}")
    return None
