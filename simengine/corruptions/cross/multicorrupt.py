"""Cross-sensor corruptions of MultiCorrupt (Beemelmanns et al., IV 2024;
docs/references.md#multicorrupt) the registry lacked, as its ``converter/`` scripts apply
them to nuScenes: missing cameras, ego motion blurring the cameras and the lidar together,
snow on both, and a misregistered lidar.

=================  ==============================================  ==========================
corruption         parameter                                       severity 1 … 5
=================  ==============================================  ==========================
camera_missing     probability that a camera capture is black      .1, .2, .4, .6, .8
ego_motion_blur    s: camera blur σ = 100·s px of 1600, lidar      .06, .08, .10, .115, .13
                   shift N(0, s²) m per axis + jitter
weather_snow       (snowfall mm/h, camera snow tuple)              lidar_snow's rates with
                                                                   MultiCorrupt's snow tuples
lidar_misalignment (probability, rotation °), + 2 m along x        (.1, .5) … (.8, 4)
=================  ==============================================  ==========================

MultiCorrupt: missing camera p = .2 / .4 / .6 (img_converter.py), motion blur s = .06 / .1 /
.13 (img.py motion_blur, lidar.py pts_motion), snow (img.py snow, lidar.py simulate_snow),
spatial misalignment (.2, 1°), (.4, 2°), (.6, 3°) (lidar.py transform_points).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..base import Result, register
from ..camera.imagenet_c import motion_blur, to_uint8, to_unit
from ..camera.weather import snow
from ..lidar.sensor import MIN_RANGE_M, arrays, output
from ..lidar.weather import lidar_snow
from .sensor import _blank, _frames, _heads, _mask_shapes, _stratified
from .weather import _every_sensor

NUSCENES_WIDTH = 1600  # MultiCorrupt's camera images are nuScenes' 1600 × 900
MOTION_RADIUS = 15  # img.py motion_blur: imgmb(x, radius=15, sigma=s, angle)
JITTER_SHARE = (0.15, 0.2, 0.12)  # lidar.py pts_motion: per-point jitter σ = share · s


def _with_mask(result: Result, shape: tuple[int, ...]) -> Result:
    mask = np.zeros(shape, bool) if result.mask is None else result.mask
    return Result(result.data, result.params, mask)


@register("camera_missing", "cross", "probability that a camera capture is black "
          "(MultiCorrupt missing camera: .2 / .4 / .6)", (0.1, 0.2, 0.4, 0.6, 0.8),
          needs=("mask_shapes",))
def camera_missing(data, p, rng, context) -> Result:
    """Each capture of each camera is black (zeros, masked) with probability p, stratified
    over the rig's camera captures (``sensor._stratified``); lidars and microphones are
    untouched (MultiCorrupt blanks each of the six cameras of a sample with probability p)."""
    heads = [h for h in _heads(data) if h.startswith("camera/")]
    counts = [_frames(data, h) for h in heads]
    flags = _stratified(rng, sum(counts), p)
    out: dict[str, np.ndarray] = {}
    masks = _mask_shapes(data, context)
    for head, lost in zip(heads, np.split(flags, np.cumsum(counts)[:-1]), strict=True):
        for f in np.flatnonzero(lost):
            _blank(out, masks, data, head, int(f))
    return Result(out, {"p": p, "captures_missing": int(flags.sum())}, masks)


def _camera_motion(image: np.ndarray, s: float, rng: np.random.Generator,
                   context: Mapping[str, Any]) -> Result:
    """img.py motion_blur: 2·15 + 1 taps weighted N(0, (100·s)²) along a direction
    U(−45°, 45°), in pixels of a 1600-px-wide image (× width / 1600 here)."""
    scale = image.shape[1] / NUSCENES_WIDTH
    angle = float(rng.uniform(-45.0, 45.0))
    out = motion_blur(to_unit(image), MOTION_RADIUS * scale, 100.0 * s * scale, angle)
    return Result(to_uint8(out), {"angle_deg": angle}, np.zeros(image.shape[:2], bool))


def _lidar_motion(data: Mapping[str, np.ndarray], s: float, rng: np.random.Generator,
                  context: Mapping[str, Any]) -> Result:
    """lidar.py pts_motion: the cloud shifts by N(0, s²) per axis, each point jitters by
    N(0, (share·s)²) per axis (shares .15, .2, .12 for x, y, z) clipped at ±3s."""
    r, i, xyz = arrays(data)
    shift = rng.normal(0.0, s, 3)
    jitter = np.clip(rng.normal(0.0, 1.0, xyz.shape) * (s * np.asarray(JITTER_SHARE)),
                     -3 * s, 3 * s)
    live = r > 0
    moved = (xyz + shift + jitter) * live[..., None]
    new_r = np.where(live, np.maximum(np.linalg.norm(moved, axis=-1), MIN_RANGE_M), 0.0)
    return Result(output(data, new_r, i, moved),
                  {"lost_fraction": 0.0, "shift_m": float(np.linalg.norm(shift))},
                  np.zeros(r.shape, bool))


@register("ego_motion_blur", "cross", "s: camera motion blur σ = 100·s px of a 1600-px image, "
          "lidar shift N(0, s²) m per axis plus jitter (MultiCorrupt motion blur: .06 / .1 / "
          ".13)", (0.06, 0.08, 0.10, 0.115, 0.13), needs=("mask_shapes", "sensor_contexts"))
def ego_motion_blur(data, s, rng, context) -> Result:
    """MultiCorrupt's motion blur on every camera capture (``_camera_motion``) and every
    lidar capture (``_lidar_motion``), drawn in sensor, then capture order."""
    return _every_sensor(data, rng, context, {"s": s},
                         camera=(_camera_motion, s), lidar=(_lidar_motion, s))


# MultiCorrupt's camera snow (img.py:272-274: mean, zoom, threshold, radius, σ, image weight
# at 900 px; std 0.3) in 224-px units, its light and heavy tuples with three more between
_K = 224 / 900
CAMERA_SNOW = tuple(
    tuple(round(v, 6) for v in (mean, 0.3, zoom * _K, threshold, radius * _K, radius * _K,
                                weight))
    for mean, zoom, threshold, radius, weight in zip(
        np.linspace(0.3, 0.5, 5).tolist(), np.linspace(5, 3, 5).tolist(),
        np.linspace(0.9, 0.8, 5).tolist(), np.linspace(7, 10, 5).tolist(),
        np.linspace(0.9, 0.8, 5).tolist(), strict=True))


def _camera_snow(image, level, rng, context) -> Result:
    return _with_mask(snow(image, level, rng, context), image.shape[:2])


def _lidar_snow(data, rate, rng, context) -> Result:
    return _with_mask(lidar_snow(data, rate, rng, context), np.asarray(data["range"]).shape)


@register("weather_snow", "cross", "(snowfall rate mm/h water equivalent for the lidar, "
          "camera snow tuple as ``snow``'s)",
          tuple(zip((0.5, 0.75, 1.12, 1.67, 2.5), CAMERA_SNOW, strict=True)),
          needs=("mask_shapes", "sensor_contexts"), precipitation=True)
def weather_snow(data, level, rng, context) -> Result:
    """Snow on every camera (``snow``, ImageNet-C's flakes and streaks) and every lidar
    (``lidar_snow``, Hahner et al. 2022), as MultiCorrupt snows both; the levels pair
    lidar_snow's rates with MultiCorrupt's camera snow from its light to its heavy tuple
    (``CAMERA_SNOW``)."""
    rate, camera_level = level
    return _every_sensor(data, rng, context, {"rate_mm_per_h": rate},
                         camera=(_camera_snow, tuple(camera_level)),
                         lidar=(_lidar_snow, rate))


MISALIGNMENT_SHIFT_M = (2.0, 0.0, 0.0)  # lidar.py transform_points: translation_vector


def misalignment_transform(angle_deg: float) -> np.ndarray:
    """lidar.py transform_points' rigid transform as a 4 × 4 matrix: p' = Rx·Ry·Rz·p +
    (2, 0, 0) m, its matrices as written there (each turns by −θ in the right-handed
    convention)."""
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    rx = np.array([[1, 0, 0], [0, c, s], [0, -s, c]])
    ry = np.array([[c, 0, -s], [0, 1, 0], [s, 0, c]])
    rz = np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]])
    E = np.eye(4)
    E[:3, :3] = rx @ ry @ rz
    E[:3, 3] = MISALIGNMENT_SHIFT_M
    return E


@register("lidar_misalignment", "cross", "(probability that a lidar capture is misregistered, "
          "rotation ° about x, y and z; plus 2 m along x) (MultiCorrupt spatial "
          "misalignment: (.2, 1°), (.4, 2°), (.6, 3°))",
          ((0.1, 0.5), (0.2, 1.0), (0.4, 2.0), (0.6, 3.0), (0.8, 4.0)))
def lidar_misalignment(data, level, rng, context) -> Result:
    """MultiCorrupt's spatial misalignment: each lidar capture, with probability p
    (stratified over the rig's lidar captures, ``sensor._stratified``), holds points moved by
    ``misalignment_transform`` in the lidar's frame. The points fused through the recorded
    pose then land where T·E puts them, so the recorded ``T_world_lidar`` of those captures
    becomes T·E and the points stay as captured (as ``extrinsic_error`` does)."""
    p, angle = level
    keys = sorted(k for k in data if k.endswith("T_world_lidar"))
    counts = [np.asarray(data[k]).shape[0] if np.asarray(data[k]).ndim == 3 else 1
              for k in keys]
    flags = _stratified(rng, sum(counts), float(p))
    E = misalignment_transform(float(angle))
    out: dict[str, np.ndarray] = {}
    for key, hit in zip(keys, np.split(flags, np.cumsum(counts)[:-1]), strict=True):
        T = np.array(data[key], np.float64)
        if T.ndim == 2:
            T = T @ E if hit[0] else T
        else:
            T[hit] = T[hit] @ E
        out[key] = T
    return Result(out, {"p": float(p), "rotation_deg": float(angle),
                        "captures_misaligned": int(flags.sum())})
