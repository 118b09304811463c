"""Drawing the objects of a group and finding each a free spot (spawn-time placement).

Bounding boxes are the spawner's notion of overlap; ``simengine.placement`` judges fixed
objects with the same ``boxes_overlap`` so validation refuses exactly what would be dropped.

A moving actor (a group with ``motion``) is placed, and checked against the others, where it
starts: at its path's first point, facing along the first segment. The rest of its path is
not checked: an actor moves kinematically and may drive into (and push aside) what lies on
its way, or pass through another actor. A random walk is drawn afresh for every spawn try,
so a start where something stands is left for another walk.
"""

from __future__ import annotations

import math

import numpy as np

from ..assets import GeneratedMesh, local_bounds, mesh_bounds
from ..geometry.transforms import quat_from_euler, quat_to_matrix, random_quaternion
from ..spec.scene import GroupSpec, SceneSpec
from .draw import draw, draw_texture, draw_tree
from .paths import PathMotion
from .records import ObjectInstance
from .walks import draw_walk

SPAWN_TRIES = 100
SPAWN_GAP = 0.002  # metres of clearance between spawned bounding boxes


def draw_object(spec: SceneSpec, group: GroupSpec, index: int, rng: np.random.Generator,
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
    size = draw_tree(t.size, rng) if t.size is not None else None
    radius = draw(t.radius, rng) if t.radius is not None else None
    length = draw(t.length, rng) if t.length is not None else None
    scale = float(draw(t.scale, rng))
    if t.shape == "box":
        size = tuple(s * scale for s in size)
    if radius is not None:
        radius *= scale
    if length is not None:
        length *= scale
    params = mesh = None
    if t.shape == "procedural":  # drawn in the generator's parameter order
        params = {k: _number(draw(v, rng)) for k, v in t.params.items()}
        mesh = GeneratedMesh.of(t.generator, params)
    lo, hi = mesh_bounds(mesh) if mesh is not None else local_bounds(
        t.shape, t.asset, scale if t.shape in ("mesh", "urdf") else 1.0, radius, length, size)
    class_name = draw(t.class_name, rng)
    props = {
        "texture": draw_texture(t.texture, rng),
        "color": draw_tree(t.color, rng), "mass": float(draw(t.mass, rng)),
        "friction": float(draw(t.friction, rng)),
        "restitution": float(draw(t.restitution, rng)), "material": draw(t.material, rng),
    }
    placed = None
    evicted: list[int] = []
    motion = group.motion
    path = start = None
    for _ in range(SPAWN_TRIES):
        q = _orientation(group, rng)
        pos = tuple(float(v) for v in draw_tree(group.position, rng))
        if motion is not None:  # an actor is checked where it starts: its path's first point
            if path is None or motion.random_walk is not None:  # a walk drawn per try
                path = motion.path or draw_walk(motion.random_walk, motion.loop, rng)
                start = PathMotion(path, 1.0, motion.loop).at(0.0)
            pos = (pos[0] + path[0][0], pos[1] + path[0][1], pos[2])
            q = quat_from_euler(0.0, 0.0, start.yaw)
        box = world_aabb(lo, hi, pos, q)
        if t.surface:  # others stand on it: no overlap to check
            placed = (pos, q, NO_BOX, path, start)
            break
        if has_ground and box[0][2] < -1e-9 and not t.fixed:
            continue
        if not any(boxes_overlap(box, other) for other in boxes):
            placed, evicted = (pos, q, box, path, start), []
            break
        if t.fixed and placed is None:
            hits = [i for i, other in enumerate(boxes) if boxes_overlap(box, other)]
            if not any(boxes[i][2] for i in hits):
                # unless a later pose is all free
                placed, evicted = (pos, q, box, path, start), hits
    lin = tuple(float(v) for v in draw_tree(group.linear_velocity, rng))
    ang = tuple(float(v) for v in draw_tree(group.angular_velocity, rng))
    speed = float(draw(motion.speed, rng)) if motion is not None else 0.0
    if placed is None:
        return None, (), []
    pos, q, box, path, start = placed
    actor = None
    if motion is not None:
        # the path is given relative to the group's position: record it in the world
        dx, dy = pos[0] - path[0][0], pos[1] - path[0][1]
        actor = {"path": tuple((x + dx, y + dy) for x, y in path), "speed": speed,
                 "loop": motion.loop}
        lin = (start.velocity[0] * speed, start.velocity[1] * speed, 0.0)
        ang = (0.0, 0.0, start.yaw_rate * speed)
    return ObjectInstance(
        index=index, group=group.name, shape=t.shape,
        size=tuple(float(b - a) for a, b in zip(lo, hi, strict=True)),
        center=tuple(float((a + b) / 2) for a, b in zip(lo, hi, strict=True)),
        radius=radius, length=length, asset=t.asset_name, asset_file=t.asset, scale=scale,
        class_name=class_name, class_id=spec.classes.index(class_name),
        position=pos, orientation=q, linear_velocity=lin, angular_velocity=ang,
        fixed=t.fixed, generator=t.generator, params=params, motion=actor,
        collision=t.collision, **props), box, evicted


def _number(value) -> float | int:
    return value if isinstance(value, int) else float(value)


def _orientation(group: GroupSpec, rng: np.random.Generator) -> tuple[float, float, float, float]:
    o = group.orientation
    if o.mode == "identity":
        return (0.0, 0.0, 0.0, 1.0)
    if o.mode == "random":
        return random_quaternion(rng)
    r, p, y = (math.radians(v) for v in draw_tree(o.euler_deg, rng))
    return quat_from_euler(r, p, y)


def world_aabb(lo, hi, pos, q) -> tuple[np.ndarray, np.ndarray]:
    """World bounding box (min, max) of local bounds ``lo``/``hi`` posed at pos, q."""
    R = quat_to_matrix(q)
    c = R @ ((np.asarray(lo) + np.asarray(hi)) / 2) + np.asarray(pos)
    h = np.abs(R) @ ((np.asarray(hi) - np.asarray(lo)) / 2)
    return c - h, c + h


# the box a surface leaves for the overlap checks: min above max, so it meets nothing
NO_BOX = (np.full(3, np.inf), np.full(3, -np.inf))


def boxes_overlap(a, b) -> bool:
    """Do two boxes (min, max, ...) come closer than ``SPAWN_GAP``?"""
    return bool(np.all(a[0] < b[1] + SPAWN_GAP) and np.all(b[0] < a[1] + SPAWN_GAP))
