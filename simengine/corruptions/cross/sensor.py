"""Cross-sensor corruptions: failures of the rig rather than of one sensor's signal.

Each takes ``data``, the mapping of every sensor array a cross-sensor corruption may change
(camera ``rgb`` and ``T_world_cam``, lidar ``range``/``intensity``/``xyz`` and
``T_world_lidar``, audio ``waveform``; keys as in the sample, e.g. ``camera/front/rgb``),
and returns the arrays it changed. ``context["masks"]`` names the mask each data key
shares (see ``apply.py``). Severities follow docs/references.md#cross-sensor-failures where
it has numbers (missing frame p = .2/.4/.6; extrinsic rotation 1°/2°/3°) and extend it to five
levels; the rest is stated per corruption.

Sensors are chosen with the rng among those present, so the same severity on another rig
draws the same kind of failure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import cv2
import numpy as np

from ...geometry.transforms import rotation_about
from ..base import Result, register

POSE_KEYS = ("T_world_cam", "T_world_lidar")


def _heads(data: Mapping[str, np.ndarray]) -> list[str]:
    """Sensor heads (e.g. ``camera/front``) with a signal array, in a fixed order."""
    return sorted({k.rsplit("/", 1)[0] for k in data if not k.endswith(POSE_KEYS)})


def _signal_keys(data: Mapping[str, np.ndarray], head: str) -> list[str]:
    return sorted(k for k in data if k.startswith(head + "/") and not k.endswith(POSE_KEYS))


def _frames(data: Mapping[str, np.ndarray], head: str) -> int:
    """Captures of a sensor (audio: one recording)."""
    return 1 if head.startswith("audio/") else data[_signal_keys(data, head)[0]].shape[0]


def _blank(out: dict[str, np.ndarray], masks: dict[str, np.ndarray], data, head: str,
           frame: int | None) -> None:
    """Zero a sensor's signal (one capture, or the whole recording) and mask it."""
    for key in _signal_keys(data, head):
        arr = out.setdefault(key, np.array(data[key]))
        if frame is None or head.startswith("audio/"):
            arr[...] = 0
        else:
            arr[frame] = 0
    mask = masks[head]
    if frame is None or head.startswith("audio/"):
        mask[...] = True
    else:
        mask[frame] = True


def _stratified(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """n flags, each True with probability exactly p, with the count fixed up to rounding:
    floor(p·n) or one more (drawn), at uniformly drawn places. Independent flips would
    have the same marginal but so much spread that a higher severity often loses less."""
    count = int(np.floor(p * n))
    count += int(rng.random() < p * n - count)
    flags = np.zeros(n, bool)
    flags[rng.permutation(n)[:count]] = True
    return flags


def _mask_shapes(data: Mapping[str, np.ndarray], context: Mapping[str, Any]
                 ) -> dict[str, np.ndarray]:
    return {head: np.zeros(shape, bool) for head, shape in context["mask_shapes"].items()}


@register("frame_drop", "cross", "probability that a capture of a sensor is lost",
          (0.1, 0.2, 0.4, 0.6, 0.8), needs=("mask_shapes",))
def frame_drop(data, p, rng, context) -> Result:
    """Each capture of each camera and lidar is lost (zeros, masked) with probability p
    (docs/references.md#cross-sensor-failures: missing camera frame p = .2/.4/.6),
    stratified over the rig's captures
    (``_stratified``)."""
    out: dict[str, np.ndarray] = {}
    masks = _mask_shapes(data, context)
    lost = 0
    heads = [h for h in _heads(data) if not h.startswith("audio/")]
    counts = [_frames(data, h) for h in heads]
    flags = _stratified(rng, sum(counts), p)
    for head, drops in zip(heads, np.split(flags, np.cumsum(counts)[:-1]), strict=True):
        for f in np.flatnonzero(drops):
            _blank(out, masks, data, head, int(f))
        lost += int(drops.sum())
    return Result(out, {"p": p, "frames_lost": lost}, masks)


@register("stuck_frame", "cross", "probability that a capture repeats the previous one",
          (0.1, 0.2, 0.4, 0.6, 0.8), needs=("mask_shapes",))
def stuck_frame(data, p, rng, context) -> Result:
    """A capture of a camera or lidar repeats the one before (a frozen driver buffer), with
    probability p per capture after the first (stratified over the rig, ``_stratified``);
    repeated captures are masked as replaced."""
    out: dict[str, np.ndarray] = {}
    masks = _mask_shapes(data, context)
    stuck = 0
    heads = [h for h in _heads(data) if not h.startswith("audio/")]
    counts = [_frames(data, h) - 1 for h in heads]  # a first capture has nothing to repeat
    flags = _stratified(rng, sum(counts), p)
    for head, later in zip(heads, np.split(flags, np.cumsum(counts)[:-1]), strict=True):
        repeat = np.concatenate([[False], later])
        for f in np.flatnonzero(repeat):
            for key in _signal_keys(data, head):
                arr = out.setdefault(key, np.array(data[key]))
                arr[f] = arr[f - 1]  # a run of stuck frames keeps the last good one
            masks[head][f] = True
        stuck += int(repeat.sum())
    return Result(out, {"p": p, "frames_stuck": stuck}, masks)


@register("sensor_missing", "cross", "probability that a sensor delivers nothing at all",
          (0.1, 0.2, 0.3, 0.4, 0.5), needs=("mask_shapes",))
def sensor_missing(data, p, rng, context) -> Result:
    """Each sensor is missing for the whole sample with probability p (stratified over the
    rig's sensors, ``_stratified``; at most all but one: a rig with no sensor left is no
    sample)."""
    heads = _heads(data)
    missing = _stratified(rng, len(heads), p)
    if missing.all():
        missing[rng.integers(len(heads))] = False
    out: dict[str, np.ndarray] = {}
    masks = _mask_shapes(data, context)
    for head in np.asarray(heads)[missing]:
        _blank(out, masks, data, str(head), None)
    return Result(out, {"p": p, "sensors_missing": int(missing.sum())}, masks)


@register("extrinsic_error", "cross",
          "extrinsic calibration error of one sensor: rotation (deg), translation (cm)",
          ((0.5, 0.5), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0), (5.0, 5.0)))
def extrinsic_error(data, level, rng, context) -> Result:
    """One camera or lidar (drawn) reports a wrong pose: its recorded ``T_world_*`` is
    right-multiplied by a fixed SE(3) error of the level's rotation angle about a random
    axis and translation length in a random direction
    (docs/references.md#cross-sensor-failures: 1°/2°/3°). The data
    stay as captured, so fusing them through the recorded pose misaligns them, as a
    miscalibrated rig does. The error is recorded as a rotation vector (rad) and a
    translation (m), in the sensor's frame."""
    angle_deg, shift_cm = level
    poses = sorted(k for k in data if k.endswith(POSE_KEYS))
    if not poses:
        return Result({}, {"rotation_deg": 0.0, "translation_cm": 0.0})
    key = poses[int(rng.integers(len(poses)))]
    axis = _unit(rng.standard_normal(3))
    direction = _unit(rng.standard_normal(3))
    E = np.eye(4)
    E[:3, :3] = rotation_about(axis * math.radians(angle_deg), 1.0)
    E[:3, 3] = direction * shift_cm / 100.0
    T = np.asarray(data[key], np.float64) @ E
    rotvec = axis * math.radians(angle_deg)
    params = {"rotation_deg": angle_deg, "translation_cm": shift_cm,
              "sensor_index": poses.index(key),
              **{f"rotvec_{c}": float(v) for c, v in zip("xyz", rotvec, strict=True)},
              **{f"t_{c}": float(v) for c, v in zip("xyz", E[:3, 3], strict=True)}}
    return Result({key: T}, params)


@register("temporal_misalignment", "cross",
          "time offset of every sensor against the reference camera, milliseconds",
          (5.0, 10.0, 20.0, 50.0, 100.0), needs=("mask_shapes", "frame_interval_s"))
def temporal_misalignment(data, offset_ms, rng, context) -> Result:
    """Every sensor but the reference (the first camera, else the first sensor) runs late or
    early by the offset (sign drawn per sensor). A microphone array's recording is shifted
    exactly (whole samples, the gap zero-filled and masked); a camera's image is moved along
    its true optical flow by offset / frame interval (a first-order warp: what the scene
    looked like that much later or earlier), which needs the flow (``context["flows"]``, so
    more than one capture); a lidar keeps its points (no flow to move them by). Recorded:
    the offset and sign per sensor, in head order."""
    heads = _heads(data)
    cameras = [h for h in heads if h.startswith("camera/")]
    reference = cameras[0] if cameras else heads[0]
    out: dict[str, np.ndarray] = {}
    masks = _mask_shapes(data, context)
    params: dict[str, float] = {"offset_ms": offset_ms, "reference": heads.index(reference)}
    for i, head in enumerate(heads):
        sign = 1.0 if rng.random() < 0.5 else -1.0  # drawn for every sensor, in order
        if head == reference:
            continue
        dt = sign * offset_ms / 1000.0
        params[f"sign_{i}"] = sign
        if head.startswith("audio/"):
            shift = round(dt * context["sample_rates"][head])
            out[f"{head}/waveform"] = _shift(np.asarray(data[f"{head}/waveform"]), shift,
                                             masks[head])
            params[f"samples_{i}"] = shift
        elif head.startswith("camera/"):
            interval = float(context["frame_interval_s"])
            flow = context.get("flows", {}).get(head)
            if flow is not None and interval > 0:
                rgb = np.array(data[f"{head}/rgb"])
                for f in range(rgb.shape[0]):
                    rgb[f] = _warp_along_flow(rgb[f], flow[min(f, len(flow) - 2)],
                                              dt / interval)
                out[f"{head}/rgb"] = rgb
    return Result(out, params, masks)


def _shift(wave: np.ndarray, shift: int, mask: np.ndarray) -> np.ndarray:
    """A (C, N) recording delayed by ``shift`` samples (advanced if negative), zero-filled;
    the filled samples are marked in ``mask``."""
    moved = np.zeros_like(wave)
    n = wave.shape[1]
    shift = max(-n, min(n, shift))
    if shift >= 0:
        moved[:, shift:] = wave[:, :n - shift]
        mask[:, :shift] = True
    else:
        moved[:, :shift] = wave[:, -shift:]
        mask[:, shift:] = True
    return moved


def _warp_along_flow(image: np.ndarray, flow: np.ndarray, fraction: float) -> np.ndarray:
    """The image a fraction of a frame interval later: each pixel moves by fraction × flow
    (backward map with the flow at the target pixel, first order)."""
    h, w = flow.shape[:2]
    u, v = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    map_x = u - fraction * flow[..., 0]
    map_y = v - fraction * flow[..., 1]
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else np.array([1.0, 0.0, 0.0])
