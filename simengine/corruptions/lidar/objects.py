"""Object-level lidar corruptions of Dong et al. (CVPR 2023, KITTI-C; ``utils/bbox_util.py``
of its OpenPCDet copy, docs/references.md#kitti-c): each object's own returns are thinned,
cut, jittered, sheared, scaled, rotated or smeared as if moving.

An object's returns are those of its per-point instance label (``context["instance"]``,
object index + 1, the lidar's own ``instance`` output, so no point-in-box test is needed);
its 3D box is the lidar's ``box3d_center_lidar`` / ``box3d_size`` / ``box3d_orientation_lidar``
at the capture (the benchmark reads the annotated boxes). Every object with returns and a
box is corrupted, with its own draws, in instance order. Shapes, the dual-return slot axis
and the update of a moved return: see ``points.moved``.

Geometric ones work in the benchmark's normalised box frame: p̂ = Rᵀ(p − c) / (max(size)/2)
(its ``to_Max2``, with our box's full orientation R), and back.

=======================  =========================================  ========================
corruption               parameter                                  severity 1 … 5
=======================  =========================================  ========================
object_density_decrease  fraction of each object's returns removed  .1 .2 .3 .4 .5
object_cutout            fraction removed nearest a random return   .3 .4 .5 .6 .7
object_gaussian_noise    σ of N(0, σ²) per axis, m                  .02 .04 .06 .08 .10
object_uniform_noise     c of U(−c, c) per axis, m                  .02 .04 .06 .08 .10
object_impulse_noise     n // d of its returns get ±0.1 m: d        30 25 20 15 10
object_shear             c: shear terms ±U(c − .05, c + .05)        .05 .10 .15 .20 .25
object_scale             c: one axis scaled by 1 ± c                .04 .08 .12 .16 .20
object_rotation          c: yaw ±U(c − 1, c + 1) degrees            1 3 5 7 9
moving_object            c: shift c/2 (first third), c (rest), m    .2 .4 .6 .8 1.0
=======================  =========================================  ========================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ...geometry.transforms import quat_to_matrix
from ..base import Result, register
from .points import IMPULSE_M, moved, nearest
from .sensor import drop

NEEDS = ("instance", "box3d_center_lidar", "box3d_size", "box3d_orientation_lidar")


def objects(data: Mapping[str, np.ndarray], context: Mapping[str, Any]
            ) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """(instance id, flat indices of its returns, box centre, size, rotation) per object
    with returns and a box, in instance order."""
    live = np.asarray(data["range"]) > 0
    instance = np.where(live, np.asarray(context["instance"]), 0).ravel()
    centres = np.asarray(context["box3d_center_lidar"], np.float64)
    sizes = np.asarray(context["box3d_size"], np.float64)
    quats = np.asarray(context["box3d_orientation_lidar"], np.float64)
    found = []
    for obj in np.unique(instance[instance > 0]):
        i = int(obj) - 1
        if i >= len(sizes) or sizes[i].max() <= 0 or np.linalg.norm(quats[i]) == 0:
            continue
        found.append((int(obj), np.flatnonzero(instance == obj), centres[i], sizes[i],
                      quat_to_matrix(quats[i])))
    return found


def _drop_per_object(data, context, rng, choose: Callable, params: dict) -> Result:
    """Remove, per object, the returns ``choose(points, rng)`` picks (indices into its
    returns)."""
    shape = np.shape(data["range"])
    xyz = np.asarray(data["xyz"], np.float64).reshape(-1, 3)
    removed = np.zeros(int(np.prod(shape)), bool)
    found = objects(data, context)
    for _, index, *_ in found:
        removed[index[choose(xyz[index], rng)]] = True
    removed = removed.reshape(shape)
    return Result(drop(data, removed),
                  {**params, "objects": len(found), "removed": int(removed.sum())}, removed)


def _move_per_object(data, context, rng, move: Callable, params: dict) -> Result:
    """Move, per object, its returns to ``move(points, centre, size, R, rng)``."""
    shape = np.shape(data["range"])
    xyz = np.asarray(data["xyz"], np.float64).reshape(-1, 3).copy()
    found = objects(data, context)
    for _, index, centre, size, R in found:
        xyz[index] = move(xyz[index], centre, size, R, rng)
    live = np.asarray(data["range"]) > 0
    return Result(moved(data, xyz.reshape((*shape, 3)), live),
                  {**params, "objects": len(found)})


def to_box(p: np.ndarray, centre, size, R) -> np.ndarray:
    """The benchmark's normalised box frame: Rᵀ(p − c) / (max(size)/2)."""
    return (p - centre) @ R / (np.max(size) / 2.0)


def from_box(q: np.ndarray, centre, size, R) -> np.ndarray:
    return q * (np.max(size) / 2.0) @ R.T + centre


def _signed(rng: np.random.Generator, c: float, spread: float) -> float:
    """U(c − spread, c + spread) with a random sign, drawn in the benchmark's order."""
    value = rng.uniform(c - spread, c + spread)
    return float(value * rng.choice([-1, 1]))


@register("object_density_decrease", "lidar", "fraction of each object's returns removed "
          "(Dong et al. 2023: 10 … 50 %)", (0.1, 0.2, 0.3, 0.4, 0.5), needs=NEEDS)
def object_density_decrease(data, fraction, rng: np.random.Generator, context) -> Result:
    """int(fraction · n) of an object's n returns, drawn uniformly, are removed."""
    def choose(points, rng):
        return rng.choice(len(points), size=int(fraction * len(points)), replace=False)
    return _drop_per_object(data, context, rng, choose, {"fraction": fraction})


@register("object_cutout", "lidar", "fraction of each object's returns removed as one "
          "cluster about a random return of it (Dong et al. 2023: 30 … 70 %)",
          (0.3, 0.4, 0.5, 0.6, 0.7), needs=NEEDS)
def object_cutout(data, fraction, rng: np.random.Generator, context) -> Result:
    """The int(fraction · n) returns nearest (xyz) a randomly picked return of the object."""
    def choose(points, rng):
        centre = points[rng.integers(len(points))]
        return nearest(points, centre, int(fraction * len(points)))
    return _drop_per_object(data, context, rng, choose, {"fraction": fraction})


@register("object_gaussian_noise", "lidar", "σ in metres of N(0, σ²) per axis on each "
          "object's returns (Dong et al. 2023: 0.02 … 0.10 m)",
          (0.02, 0.04, 0.06, 0.08, 0.10), needs=NEEDS)
def object_gaussian_noise(data, sigma, rng: np.random.Generator, context) -> Result:
    return _move_per_object(data, context, rng,
                            lambda p, c, s, R, rng: p + rng.normal(0.0, sigma, p.shape),
                            {"sigma_m": sigma})


@register("object_uniform_noise", "lidar", "c in metres: U(−c, c) per axis on each object's "
          "returns (Dong et al. 2023: 0.02 … 0.10 m)", (0.02, 0.04, 0.06, 0.08, 0.10),
          needs=NEEDS)
def object_uniform_noise(data, c, rng: np.random.Generator, context) -> Result:
    return _move_per_object(data, context, rng,
                            lambda p, cen, s, R, rng: p + rng.uniform(-c, c, p.shape),
                            {"half_width_m": c})


@register("object_impulse_noise", "lidar", "divisor d: n // d of an object's n returns get "
          "±0.1 m per axis (Dong et al. 2023: N // 30 … N // 10)", (30, 25, 20, 15, 10),
          needs=NEEDS)
def object_impulse_noise(data, divisor, rng: np.random.Generator, context) -> Result:
    def move(p, c, s, R, rng):
        k = len(p) // int(divisor)
        hit = rng.choice(len(p), size=k, replace=False)
        out = p.copy()
        out[hit] += rng.choice([-IMPULSE_M, IMPULSE_M], size=(k, 3))
        return out
    return _move_per_object(data, context, rng, move, {"divisor": divisor})


def squash_to_box(q: np.ndarray, size) -> np.ndarray:
    """The benchmark's ``normalize_gt``: an axis whose points reach beyond the box's
    normalised half-extent size_i / max(size) is scaled back inside it."""
    bound = np.asarray(size, np.float64) / np.max(size)
    q = q.copy()
    for i in range(3):
        reach = np.max(np.abs(q[:, i])) / bound[i] if len(q) else 0.0
        if reach > 1:
            q[:, i] /= reach
    return q


def shear_mover(c: float) -> Callable:
    """The benchmark's shear: p̂·[[1,0,b],[d,1,e],[f,0,1]] in the normalised box frame, b, d,
    e, f = ±U(c − 0.05, c + 0.05), then squashed back inside the box."""
    def move(p, centre, size, R, rng):
        b, d, e, f = (_signed(rng, c, 0.05) for _ in range(4))
        matrix = np.array([[1.0, 0.0, b], [d, 1.0, e], [f, 0.0, 1.0]])
        q = squash_to_box(to_box(p, centre, size, R) @ matrix, size)
        return from_box(q, centre, size, R)
    return move


def scale_mover(c: float) -> Callable:
    """One box axis (drawn) scaled by 1 ± c (sign drawn), the bottom face kept in place."""
    def move(p, centre, size, R, rng):
        axis = int(rng.integers(0, 3))
        sign = float(rng.choice([-1, 1]))
        factor = np.ones(3)
        factor[axis] += c * sign
        q = to_box(p, centre, size, R) * factor
        q[:, 2] += (factor[2] - 1.0) * size[2] / np.max(size)  # the bottom face stays put
        return from_box(q, centre, size, R)
    return move


def rotation_mover(c_deg: float) -> Callable:
    """A turn about the box's up axis through its centre by ±U(c − 1, c + 1) degrees."""
    def move(p, centre, size, R, rng):
        beta = np.radians(_signed(rng, c_deg, 1.0))
        turn = np.array([[np.cos(beta), np.sin(beta), 0.0], [-np.sin(beta), np.cos(beta), 0.0],
                         [0.0, 0.0, 1.0]])
        return from_box(to_box(p, centre, size, R) @ turn, centre, size, R)
    return move


def moving_mover(c: float) -> Callable:
    """The benchmark's moving object along the box's forward axis (``moving_object``)."""
    def move(p, centre, size, R, rng):
        forward = R[:, 0]
        x = (p - centre) @ forward
        lo, third = x.min(), (x.max() - x.min()) / 3.0
        shift = np.where((x > lo) & (x <= lo + third), c / 2.0, np.where(x > lo + third, c, 0.0))
        return p + shift[:, None] * forward
    return move


@register("object_shear", "lidar", "c: each object's returns sheared in its normalised box "
          "frame by p·[[1,0,b],[d,1,e],[f,0,1]], b, d, e, f = ±U(c − 0.05, c + 0.05), then "
          "kept inside the box (Dong et al. 2023: c = 0.05 … 0.25)",
          (0.05, 0.10, 0.15, 0.20, 0.25), needs=NEEDS)
def object_shear(data, c, rng: np.random.Generator, context) -> Result:
    return _move_per_object(data, context, rng, shear_mover(c), {"c": c})


@register("object_scale", "lidar", "c: one axis of each object (drawn) scaled by 1 ± c in its "
          "box frame, its bottom kept in place (Dong et al. 2023: c = 0.04 … 0.20)",
          (0.04, 0.08, 0.12, 0.16, 0.20), needs=NEEDS)
def object_scale(data, c, rng: np.random.Generator, context) -> Result:
    return _move_per_object(data, context, rng, scale_mover(c), {"c": c})


@register("object_rotation", "lidar", "c in degrees: each object's returns turned about its "
          "box's up axis through its centre by ±U(c − 1, c + 1) (Dong et al. 2023: "
          "c = 1 … 9°)", (1.0, 3.0, 5.0, 7.0, 9.0), needs=NEEDS)
def object_rotation(data, c, rng: np.random.Generator, context) -> Result:
    return _move_per_object(data, context, rng, rotation_mover(c), {"c_deg": c})


@register("moving_object", "lidar", "c in metres: each object's returns smeared along its box's "
          "forward axis, the first third of its extent by c/2, the rest by c (Dong et al. "
          "2023: c = 0.2 … 1.0 m)", (0.2, 0.4, 0.6, 0.8, 1.0), needs=NEEDS)
def moving_object(data, c, rng: np.random.Generator, context) -> Result:
    """The benchmark shifts along the lidar's x axis, (x_min, x_min + l/3] by c/2 and
    (x_min + l/3, x_max] by c (l the object's x extent; the x_min point stays); we do the
    same along the object's own forward axis (its box x), the way it would move.
    Deterministic."""
    return _move_per_object(data, context, rng, moving_mover(c), {"shift_m": c})
