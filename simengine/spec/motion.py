"""An object group's ``motion``: a kinematic actor driven along a path.

    motion: {path: [[0, -2], [20, -2], [20, 10]], speed: {uniform: [8, 12]}, loop: false}

``path`` is a polyline of at least two [x, y] points (metres) relative to the group's
``position`` (whose z is the actor's height; default the origin); ``speed`` (m/s, a number
or a distribution) is drawn once per actor; with ``loop`` the path closes back to its first
point and the actor goes round it for ever, without it the actor stops at the last point.
The actor faces along the path (its x axis); the group's ``orientation``, velocities and
``fixed`` do not apply to it and are refused. How it moves: ``simengine.physics.actors``.

Instead of ``path``, a random walk draws each actor its own polyline:

    motion: {random_walk: {area: [[-25, 6], [25, 9.5]], legs: {randint: [2, 5]}}, speed: 1.4}

``area`` is a rectangle [[x0, y0], [x1, y1]] relative to the group's position; the start and
the ``legs`` following points (an integer or an integer distribution) are drawn uniformly in
it, each at least ``min_leg`` metres (default 1) from the one before, from the instance's
seeded stream (``instance.walks``), and the drawn path is recorded like a given one.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from .distributions import Param, parse_number
from .node import Node

MOTION_KEYS = {"path", "random_walk", "speed", "loop"}
WALK_KEYS = {"area", "legs", "min_leg"}
MAX_PATH_POINTS = 256
MAX_SPEED = 100.0  # m/s: no actor of a street or a warehouse goes faster
NOT_WITH_MOTION = ("orientation", "linear_velocity", "angular_velocity")


@dataclass(frozen=True)
class RandomWalkSpec:
    area: tuple[tuple[float, float], tuple[float, float]]  # relative to the group's position
    legs: Param  # integer >= 1
    min_leg: float  # m between consecutive points


@dataclass(frozen=True)
class MotionSpec:
    path: tuple[tuple[float, float], ...] | None  # relative to the group's position
    speed: Param  # m/s
    loop: bool
    random_walk: RandomWalkSpec | None = None  # drawn per actor instead of ``path``

    @property
    def max_points(self) -> int:
        """The most points a drawn path can have (for the stored instance's size)."""
        if self.path is not None:
            return len(self.path)
        return int(self.random_walk.legs.support()[1]) + 1


def parse_motion(node: Node) -> MotionSpec:
    node.mapping(MOTION_KEYS, required={"speed"})
    if node.has("path") == node.has("random_walk"):
        raise node.error("expected either path or random_walk", show_value=False)
    loop = node.get("loop", False).boolean()
    speed = parse_number(node.get("speed"), minimum=0.0, maximum=MAX_SPEED)
    if node.has("random_walk"):
        return MotionSpec(path=None, speed=speed, loop=loop,
                          random_walk=_random_walk(node.get("random_walk")))
    points = node.get("path").sequence(min_len=2, max_len=MAX_PATH_POINTS)
    path = tuple(tuple(pt.numbers(2)) for pt in points)
    ends = list(itertools.pairwise(path)) + ([(path[-1], path[0])] if loop else [])
    for i, (a, b) in enumerate(ends):
        if math.dist(a, b) < 1e-6:  # a segment without a length has no heading
            where = points[(i + 1) % len(points)]
            raise where.error("expected a point apart from the one before it (a path segment "
                              "of zero length has no heading)")
    return MotionSpec(path=path, speed=speed, loop=loop)


def _random_walk(node: Node) -> RandomWalkSpec:
    node.mapping(WALK_KEYS, required={"area", "legs"})
    corners = node.get("area").sequence(min_len=2, max_len=2)
    (x0, y0), (x1, y1) = (c.numbers(2) for c in corners)
    if not (x0 < x1 and y0 < y1):
        raise node.get("area").error("expected [[x0, y0], [x1, y1]] with x0 < x1 and y0 < y1")
    legs = parse_number(node.get("legs"), integer=True, minimum=1,
                        maximum=MAX_PATH_POINTS - 1)
    min_leg = node.get("min_leg", 1.0).number(minimum=0.01)
    # from any point of the area its farthest corner is at least half the diagonal away,
    # so a next point min_leg away can always be drawn
    if min_leg > math.hypot(x1 - x0, y1 - y0) / 2:
        raise node.get("min_leg").error("expected at most half the area's diagonal")
    return RandomWalkSpec(area=((x0, y0), (x1, y1)), legs=legs, min_leg=min_leg)


def check_motion_group(group: Node) -> None:
    """Refuse the group keys a kinematic actor does not use (it faces along its path)."""
    for key in NOT_WITH_MOTION:
        if group.has(key):
            raise group.get(key).error("not used with motion (the actor faces along its "
                                       "path and moves at its speed)", show_value=False)
