"""An object group's ``motion``: a kinematic actor driven along a path.

    motion: {path: [[0, -2], [20, -2], [20, 10]], speed: {uniform: [8, 12]}, loop: false}

``path`` is a polyline of at least two [x, y] points (metres) relative to the group's
``position`` (whose z is the actor's height; default the origin); ``speed`` (m/s, a number
or a distribution) is drawn once per actor; with ``loop`` the path closes back to its first
point and the actor goes round it for ever, without it the actor stops at the last point.
The actor faces along the path (its x axis); the group's ``orientation``, velocities and
``fixed`` do not apply to it and are refused. How it moves: ``simengine.physics.actors``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from .distributions import Param, parse_number
from .node import Node

MOTION_KEYS = {"path", "speed", "loop"}
MAX_PATH_POINTS = 256
MAX_SPEED = 100.0  # m/s: no actor of a street or a warehouse goes faster
NOT_WITH_MOTION = ("orientation", "linear_velocity", "angular_velocity")


@dataclass(frozen=True)
class MotionSpec:
    path: tuple[tuple[float, float], ...]  # relative to the group's position
    speed: Param  # m/s
    loop: bool


def parse_motion(node: Node) -> MotionSpec:
    node.mapping(MOTION_KEYS, required={"path", "speed"})
    points = node.get("path").sequence(min_len=2, max_len=MAX_PATH_POINTS)
    path = tuple(tuple(pt.numbers(2)) for pt in points)
    loop = node.get("loop", False).boolean()
    ends = list(itertools.pairwise(path)) + ([(path[-1], path[0])] if loop else [])
    for i, (a, b) in enumerate(ends):
        if math.dist(a, b) < 1e-6:  # a segment without a length has no heading
            where = points[(i + 1) % len(points)]
            raise where.error("expected a point apart from the one before it (a path segment "
                              "of zero length has no heading)")
    speed = parse_number(node.get("speed"), minimum=0.0, maximum=MAX_SPEED)
    return MotionSpec(path=path, speed=speed, loop=loop)


def check_motion_group(group: Node) -> None:
    """Refuse the group keys a kinematic actor does not use (it faces along its path)."""
    for key in NOT_WITH_MOTION:
        if group.has(key):
            raise group.get(key).error("not used with motion (the actor faces along its "
                                       "path and moves at its speed)", show_value=False)
