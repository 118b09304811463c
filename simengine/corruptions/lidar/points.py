"""Point-level lidar corruptions of Dong et al. (CVPR 2023, KITTI-C; the repository's
``LiDAR_corruptions.py``, docs/references.md#kitti-c): global density decrease, cutout,
Gaussian / uniform / impulse noise on the points, and a motion-compensation error.

The benchmark works on an (N, 4) point list; ours is a range image (shapes and the dual-return
slot axis: see ``sensor``). A removed point is a zeroed return (masked); a moved point keeps
its place in the image with its new ``xyz`` and range |xyz| (intensity unchanged). The
benchmark also perturbs the intensity column with the same noise; we perturb only the
geometry (an intensity has no metres). Counts follow the code's ``int()`` (floor).

====================  ============================================  =========================
corruption            parameter                                     severity 1 … 5
====================  ============================================  =========================
density_decrease      fraction of the returns removed               .06 .12 .18 .24 .30
point_cutout          (clusters, fraction of returns per cluster)   (2|3|5|7|10, .02)
point_gaussian_noise  σ of N(0, σ²) per axis, m                     .02 .04 .06 .08 .10
point_uniform_noise   c of U(−c, c) per axis, m                     .02 .04 .06 .08 .10
point_impulse_noise   N // d returns get ±0.1 m per axis: d         30 25 20 15 10
motion_compensation   (σ_t m, σ_r rad) of each sector's pose error  (.02,.002) … (.10,.010)
====================  ============================================  =========================
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ...geometry.transforms import rotation_about
from ..base import Result, register
from .sensor import MIN_RANGE_M, drop

IMPULSE_M = 0.1  # the benchmark's impulse: ±0.1 m per coordinate
SECTORS = 100  # motion compensation: the sweep is split into 100 pieces, each with its pose


def moved(data: Mapping[str, np.ndarray], xyz: np.ndarray, live: np.ndarray
          ) -> dict[str, np.ndarray]:
    """The capture with the live returns at ``xyz`` (range |xyz|, at least 1 mm; intensity
    as it was; dead returns stay zero), in the clean dtypes."""
    r = np.asarray(data["range"])
    new_r = np.where(live, np.maximum(np.linalg.norm(xyz, axis=-1), MIN_RANGE_M), 0.0)
    return {"range": new_r.astype(r.dtype),
            "intensity": np.asarray(data["intensity"]).copy(),
            "xyz": np.where(live[..., None], xyz, 0.0).astype(np.asarray(data["xyz"]).dtype)}


def _live(data: Mapping[str, np.ndarray]) -> np.ndarray:
    return np.asarray(data["range"]) > 0


def _removed_result(data, removed: np.ndarray, params: dict) -> Result:
    return Result(drop(data, removed), params, removed)


@register("density_decrease", "lidar", "fraction of the returns removed, drawn without "
          "replacement (Dong et al. 2023: 0.2 … 1.0 × 30 % of the points)",
          (0.06, 0.12, 0.18, 0.24, 0.30))
def density_decrease(data, fraction, rng: np.random.Generator, context) -> Result:
    """int(fraction · n) of the n returns, drawn uniformly, are removed."""
    live = np.flatnonzero(_live(data))
    k = int(fraction * live.size)
    removed = np.zeros(np.asarray(data["range"]).size, bool)
    removed[rng.choice(live, size=k, replace=False)] = True
    return _removed_result(data, removed.reshape(np.shape(data["range"])),
                           {"fraction": fraction, "removed": k, "returns": live.size})


def nearest(points: np.ndarray, centre: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k points nearest ``centre`` (Euclidean; ties by index)."""
    d = np.sum((points - centre) ** 2, axis=1)
    return np.argsort(d, kind="stable")[:k]


@register("point_cutout", "lidar", "(clusters, fraction of the returns per cluster): each "
          "cluster removes the returns nearest a randomly picked return (Dong et al. 2023: "
          "2 / 3 / 5 / 7 / 10 clusters of 2 % of the points)",
          ((2, 0.02), (3, 0.02), (5, 0.02), (7, 0.02), (10, 0.02)))
def point_cutout(data, level, rng: np.random.Generator, context) -> Result:
    """``clusters`` times in turn: pick a remaining return, remove it and its
    int(fraction · n) − 1 nearest remaining neighbours in xyz (n = returns at the start)."""
    clusters, fraction = level
    live = _live(data)
    index = np.flatnonzero(live)
    xyz = np.asarray(data["xyz"], np.float64)[live]
    k = int(fraction * index.size)
    alive = np.ones(index.size, bool)
    for _ in range(int(clusters)):
        remaining = np.flatnonzero(alive)
        if remaining.size == 0 or k == 0:
            break
        centre = xyz[remaining[rng.integers(remaining.size)]]
        alive[remaining[nearest(xyz[remaining], centre, k)]] = False
    removed = np.zeros(live.size, bool)
    removed[index[~alive]] = True
    return _removed_result(data, removed.reshape(live.shape),
                           {"clusters": clusters, "fraction": fraction, "cluster_size": k,
                            "removed": int((~alive).sum())})


def _jittered(data, noise: np.ndarray, params: dict) -> Result:
    live = _live(data)
    xyz = np.asarray(data["xyz"], np.float64) + noise
    return Result(moved(data, xyz, live), params)


@register("point_gaussian_noise", "lidar", "σ in metres of N(0, σ²) added to x, y and z of "
          "every return (Dong et al. 2023: 0.02 … 0.10 m)", (0.02, 0.04, 0.06, 0.08, 0.10))
def point_gaussian_noise(data, sigma, rng: np.random.Generator, context) -> Result:
    noise = rng.normal(0.0, sigma, np.shape(data["xyz"]))
    return _jittered(data, noise, {"sigma_m": sigma})


@register("point_uniform_noise", "lidar", "c in metres: U(−c, c) added to x, y and z of "
          "every return (Dong et al. 2023: 0.02 … 0.10 m)", (0.02, 0.04, 0.06, 0.08, 0.10))
def point_uniform_noise(data, c, rng: np.random.Generator, context) -> Result:
    noise = rng.uniform(-c, c, np.shape(data["xyz"]))
    return _jittered(data, noise, {"half_width_m": c})


@register("point_impulse_noise", "lidar", "divisor d: n // d of the n returns get ±0.1 m on "
          "each of x, y, z, signs drawn (Dong et al. 2023: N // 30 … N // 10)",
          (30, 25, 20, 15, 10))
def point_impulse_noise(data, divisor, rng: np.random.Generator, context) -> Result:
    live = _live(data)
    index = np.flatnonzero(live)
    k = index.size // int(divisor)
    hit = rng.choice(index, size=k, replace=False)
    noise = np.zeros((live.size, 3))
    noise[hit] = rng.choice([-IMPULSE_M, IMPULSE_M], size=(k, 3))
    hit_mask = np.zeros(live.size, bool)
    hit_mask[hit] = True
    result = _jittered(data, noise.reshape((*live.shape, 3)),
                       {"divisor": divisor, "returns_hit": k})
    return Result(result.data, result.params, hit_mask.reshape(live.shape))


@register("motion_compensation", "lidar", "(σ_t in m, σ_r in rad): each of 100 azimuth "
          "sectors of the sweep is de-skewed with its own wrong pose, translation N(0, σ_t²) "
          "and rotation vector N(0, σ_r²) per axis (Dong et al. 2023: 0.02 … 0.10 m, 0.002 … "
          "0.010)", ((0.02, 0.002), (0.04, 0.004), (0.06, 0.006), (0.08, 0.008),
                     (0.10, 0.010)))
def motion_compensation(data, level, rng: np.random.Generator, context) -> Result:
    """A wrong ego trajectory used to de-skew the sweep: the columns are split into
    min(100, C) consecutive sectors (firing order), and sector j's points become
    R_j·p + t_j. The benchmark adds N(0, σ_r²) to the nine entries of each rotation matrix
    (not a rotation); we draw a rotation vector with that σ per axis instead."""
    sigma_t, sigma_r = level
    live = _live(data)
    cols = live.shape[-1]
    sectors = min(SECTORS, cols)
    sector_of = np.arange(cols) * sectors // cols
    rot = rng.normal(0.0, sigma_r, (sectors, 3))
    trans = rng.normal(0.0, sigma_t, (sectors, 3))
    R = np.stack([rotation_about(v, 1.0) for v in rot])
    xyz = np.asarray(data["xyz"], np.float64)
    Rc, tc = R[sector_of], trans[sector_of]  # (C, 3, 3), (C, 3)
    new = np.einsum("cij,...cj->...ci", Rc, xyz) + tc
    return Result(moved(data, new, live),
                  {"sigma_t_m": sigma_t, "sigma_r_rad": sigma_r, "sectors": sectors,
                   "max_translation_m": float(np.abs(trans).max())})
