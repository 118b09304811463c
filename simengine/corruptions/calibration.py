"""Severity calibration: how much each corruption degrades the data, per severity.

Metrics, one per modality unless a corruption needs its own (``METRIC_FOR``):

- camera: ``1 − SSIM`` of the luminance (Wang et al. 2004: Gaussian window σ = 1.5,
  K1 = 0.01, K2 = 0.03, 8-bit range), with PSNR (dB) reported beside it;
- lidar: ``point loss + Chamfer``: the fraction of clean returns lost, plus the symmetric
  Chamfer distance (mean nearest-neighbour distance both ways, metres) between the clean and
  the corrupted point clouds, so both removal and displacement count;
- audio: ``−SNR`` in dB of the corrupted waveform against the clean one (the clean signal
  over the difference), with the log-spectral distance (dB) beside it;
- cross-sensor: each sensor's mean absolute change relative to its signal, averaged over
  the sensors, plus the recorded-pose error (degrees + centimetres).

``tools/severity_table.py`` writes the table for the shipped scenes; the tests check that
the main metric grows with severity for every registered corruption.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import cv2
import numpy as np

from ..json_buffer import decode_json
from ..sensors.base import OutputSpec
from . import registry


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two uint8 RGB images' luminance (BT.601 weights)."""
    x, y = (cv2.cvtColor(np.ascontiguousarray(v), cv2.COLOR_RGB2GRAY).astype(np.float64)
            for v in (a, b))
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(v: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(v, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    mx, my = blur(x), blur(y)
    sxx, syy, sxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(s.mean())


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def saturation_change(a: np.ndarray, b: np.ndarray) -> float:
    """Mean |ΔS| of HSV saturation (0..1): colour strength changed either way."""
    sa, sb = (cv2.cvtColor(np.ascontiguousarray(v), cv2.COLOR_RGB2HSV)[..., 1] / 255.0
              for v in (a, b))
    return float(np.mean(np.abs(sa - sb)))


def _nearest(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Distance from each point of src to its nearest point of dst (exact, k-d tree)."""
    from scipy.spatial import cKDTree

    if len(dst) == 0:
        return np.full(len(src), np.inf)
    return cKDTree(dst).query(src, k=1)[0]


def intensity_loss(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> float:
    """Share of the clean returns' summed intensity gone (a lost return loses all of it)."""
    before = float(np.sum(np.where(np.asarray(a["range"]) > 0, a["intensity"], 0.0)))
    after = float(np.sum(np.where(np.asarray(b["range"]) > 0, b["intensity"], 0.0)))
    return 1.0 - after / before if before > 0 else 0.0


def lidar_points(capture: Mapping[str, np.ndarray]) -> np.ndarray:
    rng_, xyz = np.asarray(capture["range"]), np.asarray(capture["xyz"])
    return xyz[rng_ > 0].reshape(-1, 3).astype(np.float64)


def point_loss_chamfer(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> float:
    pa, pb = lidar_points(a), lidar_points(b)
    if len(pa) == 0:
        return 0.0
    loss = max(0.0, 1.0 - len(pb) / len(pa))
    if len(pb) == 0:
        return loss + 10.0  # everything lost: a fixed large penalty, metres
    chamfer = 0.5 * (_nearest(pa, pb).mean() + _nearest(pb, pa).mean())
    return float(loss + chamfer)


def negative_snr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    noise = float(np.sum((b - a) ** 2))
    if noise == 0:
        return -np.inf
    return float(-10 * np.log10(max(float(np.sum(a * a)), 1e-30) / noise))


def log_spectral_distance(a: np.ndarray, b: np.ndarray) -> float:
    def spec(x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, np.float64))
        return 10 * np.log10(np.abs(np.fft.rfft(x, axis=-1)) ** 2 + 1e-12)

    return float(np.sqrt(np.mean((spec(a) - spec(b)) ** 2)))


def replaced_fraction(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the samples of a waveform that changed (audio packet loss: what was
    concealed)."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.count_nonzero(a != b) / a.size) if a.size else 0.0


def lost_fraction(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> float:
    """Share of the rig's non-zero signal values that became zero, averaged over sensors."""
    shares = []
    for key, before in a.items():
        if key.endswith(("T_world_cam", "T_world_lidar")):
            continue
        clean, new = np.asarray(before), np.asarray(b.get(key, before))
        live = clean != 0
        if live.any():
            shares.append(float(np.count_nonzero(live & (new == 0)) / np.count_nonzero(live)))
    return float(np.mean(shares)) if shares else 0.0


def rig_capture(sample: Mapping[str, np.ndarray], interval: float,
                rates: Mapping[str, float]) -> tuple[str, dict, dict[str, Any]]:
    """The whole rig as a cross-sensor corruption sees it (data, context), as ``apply.py``
    builds it for a set without a sensor filter."""
    from ..sensors.registry import KIND_OF_PREFIX
    from .apply import rig_context, sensor_of

    def changeable(key: str) -> bool:  # a sensor's signal or its recorded pose
        parts = key.split("/")
        if len(parts) != 3 or parts[0] not in KIND_OF_PREFIX:
            return False
        sensor = sensor_of(key.rsplit("/", 1)[0])
        return parts[2] in (*sensor.signals, sensor.pose)

    keys = sorted(k for k in sample if changeable(k))
    heads = sorted({k.rsplit("/", 1)[0] for k in keys})
    shapes = {}
    for h in heads:
        sensor = sensor_of(h)
        arr = np.asarray(sample[f"{h}/{sensor.mask_of}"])
        shapes[h] = sensor.mask_spec(OutputSpec(arr.shape, str(arr.dtype))).shape
    context = rig_context(sample, shapes, interval, rates)
    return "rig", {k: sample[k] for k in keys}, context


def rig_degradation(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> float:
    """Cross-sensor damage: each sensor's mean absolute change relative to its mean absolute
    clean value, averaged over the sensors (a camera does not outweigh a microphone array by
    its size), plus the largest recorded-pose error in degrees (rotation) and centimetres
    (translation)."""
    fractions: dict[str, list[float]] = {}
    pose_error = 0.0
    for key, clean in a.items():
        new = np.asarray(b.get(key, clean))
        if key.endswith(("T_world_cam", "T_world_lidar")):
            for f in range(len(clean)):
                E = np.linalg.inv(clean[f]) @ new[f]
                cos = np.clip((np.trace(E[:3, :3]) - 1) / 2, -1.0, 1.0)
                pose_error = max(pose_error, float(np.degrees(np.arccos(cos))
                                                   + 100 * np.linalg.norm(E[:3, 3])))
            continue
        sums = fractions.setdefault(key.rsplit("/", 1)[0], [0.0, 0.0])
        ref = np.asarray(clean, np.float64)
        sums[0] += float(np.abs(new.astype(np.float64) - ref).sum())
        sums[1] += float(np.abs(ref).sum())
    share = [c / n for c, n in fractions.values() if n > 0]
    return float(np.mean(share)) + pose_error if share else pose_error


def first_capture(sample: Mapping[str, np.ndarray], modality: str, interval: float
                  ) -> tuple[str, Any, dict[str, Any]] | None:
    """(sensor head, data, context) of the first sensor of ``modality`` in a sample, first
    capture, as ``apply.py`` passes them to a corruption; None without such a sensor."""
    from ..sensors.registry import sensor_class_of_prefix
    from .apply import capture_signal, context_for

    sensor = sensor_class_of_prefix(modality)
    heads = [k.rsplit("/", 1)[0] for k in sorted(sample)
             if k.startswith(sensor.prefix + "/") and k.endswith("/" + sensor.signals[0])]
    if not heads:
        return None
    head = heads[0]
    context = context_for(sample, head, 0, interval, _recorded_rates(sample))
    return head, capture_signal(sensor, sample, head, 0), context


def _recorded_rates(sample: Mapping[str, np.ndarray]) -> dict[str, float]:
    """The microphone arrays' sample rates by head, from the resolved instance the sample
    records (``meta/instance_json``; the arrays themselves do not carry their rate)."""

    if "meta/instance_json" not in sample:
        return {}
    sensors = decode_json(sample["meta/instance_json"]).get("sensors", [])
    return {f"audio/{s['name']}": float(s["params"]["sample_rate"]) for s in sensors
            if s.get("kind") == "microphone" and "sample_rate" in s.get("params", {})}


MAIN_METRIC: dict[str, tuple[str, Callable[[Any, Any], float]]] = {
    "camera": ("1 - SSIM", lambda a, b: 1.0 - ssim(a, b)),
    "lidar": ("point loss + Chamfer (m)", point_loss_chamfer),
    "audio": ("-SNR (dB)", negative_snr),
    "cross": ("relative change + pose error (deg + cm)", rig_degradation),
}
SIDE_METRIC: dict[str, tuple[str, Callable[[Any, Any], float]]] = {
    "camera": ("PSNR (dB)", psnr),
    "audio": ("LSD (dB)", log_spectral_distance),
}
# Corruptions whose degradation the modality's main metric does not order: saturate goes
# from desaturating (×0.3, ×0.1) to oversaturating (×2 … ×20) as severity grows; a time
# offset decorrelates a recording after a fraction of a millisecond, so what grows with it
# is the recording lost off its end.
METRIC_FOR: dict[str, tuple[str, Callable[[Any, Any], float]]] = {
    "saturate": ("mean |ΔS| (HSV)", saturation_change),
    "temporal_misalignment": ("recording lost to the offset (fraction)", lost_fraction),
    # a concealed 20 ms packet costs what it held (nothing in a pause, everything in an
    # impact), so over two streams −SNR follows the content hit, not the loss rate; the
    # share of the recording replaced by concealment measures the loss itself
    "packet_loss": ("recording replaced by concealment (fraction)", replaced_fraction),
    # a water film darkens the ground long before it removes returns
    "wet_ground": ("intensity lost (fraction)", intensity_loss),
    # ImageNet-C's own tables do not order these by structure: snow level 2 hides more
    # structure than level 3, zoom_blur level 3 averages fewer zooms than level 2, and
    # spatter turns from water drops (levels 1-3) to mud (4-5), which hides less texture
    # than heavy water; all three lose strictly more signal (PSNR) level by level
    "snow": ("-PSNR (dB)", lambda a, b: -psnr(a, b)),
    "zoom_blur": ("-PSNR (dB)", lambda a, b: -psnr(a, b)),
    "spatter": ("-PSNR (dB)", lambda a, b: -psnr(a, b)),
    # a speed change decorrelates the waveform at once (−SNR saturates); how far the
    # spectrum moves grows with the factor
    "speed": ("log-spectral distance (dB)", log_spectral_distance),
}


def metric_for(name: str) -> tuple[str, Callable[[Any, Any], float]]:
    corruption = registry.get(name)
    return METRIC_FOR.get(name, MAIN_METRIC[corruption.modality])


def degradation_by_severity(name: str, data: Any, context: Mapping[str, Any],
                            seeds: int = 2) -> dict[str, list[float]]:
    """Mean main (and side) metric of ``name`` at severities 1..5 over ``seeds`` streams.

    Cross-sensor corruptions draw whole events (a frame lost or not, which sensor), lidar
    ones which rings or points, audio ones which packets or channels of a short recording:
    they are averaged over more streams (16 ×, 4 × and 4 × ``seeds``; audio corruptions
    take milliseconds)."""
    seeds *= {"cross": 16, "lidar": 4, "audio": 4}.get(registry.get(name).modality, 1)
    corruption = registry.get(name)
    label, main = metric_for(name)
    side = SIDE_METRIC.get(corruption.modality)
    rows: dict[str, list[float]] = {label: []}
    if side:
        rows[side[0]] = []
    for severity in registry.SEVERITIES:
        values, extra = [], []
        for seed in range(seeds):
            # the same stream at every severity (common random numbers): the levels
            # differ by their parameter, not by a new draw
            rng = np.random.default_rng(seed)
            out = corruption(data, severity, rng, context).data
            if isinstance(data, Mapping):
                out = {**data, **out}
            values.append(main(data, out))
            if side:
                extra.append(side[1](data, out))
        rows[label].append(float(np.mean(values)))
        if side:
            rows[side[0]].append(float(np.mean(extra)))
    return rows
