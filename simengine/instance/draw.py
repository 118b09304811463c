"""Drawing values from parsed distributions: the only place a spec ``Param`` meets an rng.

``draw(param, rng)`` takes exactly the generator calls each kind always took (one per
non-constant value, none for ``Const``), so an instance's draws follow the order in which the
sampler asks for them; ``draw_tree`` walks tuples and dicts of Params in a fixed order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..spec.distributions import Choice, Const, LogUniform, Normal, Param, RandInt, Uniform
from ..spec.scene import TextureSpec


def draw(param: Param, rng: np.random.Generator) -> Any:
    """One value of ``param``."""
    match param:
        case Const():
            return param.value
        case Uniform():
            return float(rng.uniform(param.low, param.high))
        case Normal():
            value = float(rng.normal(param.mean, param.std))
            lo = -math.inf if param.low is None else param.low
            hi = math.inf if param.high is None else param.high
            return min(max(value, lo), hi)
        case LogUniform():
            value = math.exp(rng.uniform(math.log(param.low), math.log(param.high)))
            return min(max(value, param.low), param.high)  # exp(log(x)) may round past them
        case RandInt():
            return int(rng.integers(param.low, param.high, endpoint=True))
        case Choice():
            if param.weights is None:
                return param.values[int(rng.integers(len(param.values)))]
            p = np.asarray(param.weights, dtype=np.float64)
            return param.values[int(rng.choice(len(param.values), p=p / p.sum()))]
    raise TypeError(f"not a distribution: {param!r}")


def draw_tree(value: Any, rng: np.random.Generator) -> Any:
    """Resolve every Param in a tree (tuples/dicts of Params), in a fixed traversal order;
    anything else is returned as it is."""
    if isinstance(value, Param):
        return draw(value, rng)
    if isinstance(value, tuple | list):
        return tuple(draw_tree(v, rng) for v in value)
    if isinstance(value, dict):
        return {k: draw_tree(value[k], rng) for k in value}
    return value


def draw_texture(t: TextureSpec | None, rng: np.random.Generator) -> dict[str, Any] | None:
    """A ground's, room's or object's texture (None: plain colour). Every field is drawn even
    when the kind comes out ``none``, so the draws that follow do not depend on it."""
    if t is None:
        return None
    kind = draw(t.kind, rng)
    tex = {"kind": kind, "scale": float(draw(t.scale, rng)),
           "color2": tuple(float(c) for c in draw_tree(t.color2, rng)),
           "axis": int(draw(t.axis, rng))}
    return None if kind == "none" else tex
