"""Drawing a random walk's path (``motion: {random_walk: ...}``, ``spec.motion``).

The start and each following point are drawn uniformly in the area, each at least
``min_leg`` from the one before (and, on a loop, the last one from the start too, so that
the closing leg has a heading); a point drawn too near is drawn again. After
``WALK_TRIES`` near draws the farthest corner of the area is taken instead, so the draw
always ends (the spec guarantees that corner is ``min_leg`` away, at least half the
diagonal). Everything comes from the instance's stream: the path is a pure function of the
seed and the sample.
"""

from __future__ import annotations

import math

import numpy as np

from ..spec.motion import RandomWalkSpec
from .draw import draw

WALK_TRIES = 64


def draw_walk(walk: RandomWalkSpec, loop: bool, rng: np.random.Generator
              ) -> tuple[tuple[float, float], ...]:
    """The path (legs + 1 points, relative to the group's position) of one actor."""
    (x0, y0), (x1, y1) = walk.area
    legs = int(draw(walk.legs, rng))
    points = [_uniform(walk.area, rng)]
    for k in range(legs):
        away_from = [points[-1]] + ([points[0]] if loop and k == legs - 1 else [])
        for _ in range(WALK_TRIES):
            p = _uniform(walk.area, rng)
            if all(math.dist(p, q) >= walk.min_leg for q in away_from):
                break
        else:
            last = points[-1]
            p = (x0 if last[0] - x0 > x1 - last[0] else x1,
                 y0 if last[1] - y0 > y1 - last[1] else y1)
        points.append(p)
    return tuple(points)


def _uniform(area, rng: np.random.Generator) -> tuple[float, float]:
    (x0, y0), (x1, y1) = area
    return (float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1)))
