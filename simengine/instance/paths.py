"""Where a kinematic actor is at time t on its path (pure geometry, no physics).

The actor moves along the polyline at its constant speed, from the first point at t = 0
(before that, during the physics settle time, it waits there at rest). Without ``loop`` it
stops at the last point; with it, it goes round the closed polygon for ever.

Its heading (yaw, the direction of its x axis) follows the segment it is on. At a corner
the heading does not jump: it turns at a constant rate over ``TURN_HALF_LENGTH`` of path
either side of the corner (less where a segment is short), so the angular velocity is
finite and labels and sensors see a turning actor. The position stays on the polyline
itself (the corner is not rounded), so the heading leads the position through a corner by
up to half the turn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TURN_HALF_LENGTH = 1.0  # metres of path either side of a corner over which the heading turns


@dataclass(frozen=True)
class PathPoint:
    """The actor's planar state: position (x, y), yaw (rad), velocity (vx, vy) (m/s), yaw
    rate (rad/s) and the distance travelled since t = 0 (m, not wrapped round a loop)."""

    xy: tuple[float, float]
    yaw: float
    velocity: tuple[float, float]
    yaw_rate: float
    travelled: float


class PathMotion:
    """A polyline walked at ``speed``; ``at(t)`` is the actor's state at time t."""

    def __init__(self, path, speed: float, loop: bool) -> None:
        pts = np.asarray(path, np.float64)
        if loop:
            pts = np.vstack([pts, pts[:1]])
        d = np.diff(pts, axis=0)
        self.points, self.speed, self.loop = pts, float(speed), bool(loop)
        self.lengths = np.hypot(d[:, 0], d[:, 1])
        self.starts = np.concatenate([[0.0], np.cumsum(self.lengths)])
        self.total = float(self.starts[-1])
        self.headings = np.arctan2(d[:, 1], d[:, 0])
        n = len(self.lengths)
        # corner k lies at the start of segment k (between k - 1 and k); a loop's first
        # point is a corner too, an open path's ends are not
        self.turn = np.zeros(n + 1)  # half length of each corner's turn (0: no corner)
        self.delta = np.zeros(n + 1)  # heading change over each corner, in (-pi, pi]
        for k in range(n + 1):
            if k in (0, n) and not loop:
                continue
            before, after = (k - 1) % n, k % n
            self.turn[k] = min(TURN_HALF_LENGTH, self.lengths[before] / 2,
                               self.lengths[after] / 2)
            self.delta[k] = _wrap(self.headings[after] - self.headings[before])

    def at(self, t: float) -> PathPoint:
        travelled = self.speed * max(t, 0.0)
        moving = t >= 0.0 and self.speed > 0.0
        if self.loop:
            s = math.fmod(travelled, self.total)
        else:
            s = min(travelled, self.total)
            travelled = s
            moving = moving and travelled < self.total
        k = int(np.clip(np.searchsorted(self.starts, s, side="right") - 1, 0,
                        len(self.lengths) - 1))
        u = s - self.starts[k]
        direction = (self.points[k + 1] - self.points[k]) / self.lengths[k]
        xy = self.points[k] + direction * u
        yaw, rate = float(self.headings[k]), 0.0
        if self.turn[k] > 0 and u < self.turn[k]:  # leaving the corner at the segment start
            rate = self.delta[k] / (2 * self.turn[k])
            yaw -= rate * (self.turn[k] - u)
        end = self.lengths[k] - self.turn[k + 1]
        if self.turn[k + 1] > 0 and u > end:  # entering the corner at its end
            rate = self.delta[k + 1] / (2 * self.turn[k + 1])
            yaw += rate * (u - end)
        v = self.speed if moving else 0.0
        return PathPoint((float(xy[0]), float(xy[1])), _wrap(yaw),
                         (float(direction[0] * v), float(direction[1] * v)),
                         float(rate * v), float(travelled))


def _wrap(angle: float) -> float:
    """The angle in (-pi, pi]."""
    a = math.remainder(float(angle), 2 * math.pi)
    return math.pi if a == -math.pi else a
