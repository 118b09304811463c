"""Lidar payloads: one frame's points (JSON with base64 arrays), 3D boxes, range images.

A dual-return lidar stores a slot axis after the frame axis (``(F, 2, R, C)``); ``ret`` picks
slot 0 (strongest), 1 (last) or ``"both"`` (both slots' points together).
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from ..geometry.transforms import quat_to_matrix
from . import images
from .store_view import BadRequestError, StoreView, Variant

MAX_POINTS = 200_000  # more is slow to draw on a 2D canvas; evenly strided down to this
RETURNS = ("0", "1", "both")


def slots(view: StoreView, head: str) -> int:
    """Return slots of the lidar: 2 in dual-return mode, else 1."""
    shape = view.shape(f"{head}/range")
    return shape[1] if len(shape) == 4 else 1


def _pick(data: np.ndarray, frame: int, ret: str, n_slots: int) -> np.ndarray:
    """Frame ``frame`` of a (F[, S], R, C, ...) array as (slots picked, R, C, ...)."""
    x = data[frame]
    if n_slots == 1:
        return x[None]
    if ret not in RETURNS:
        raise BadRequestError(f"return must be one of {', '.join(RETURNS)}, got {ret!r}")
    return x if ret == "both" else x[int(ret)][None]


def _b64(a: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.dtype(dtype).newbyteorder("<"))
                            .tobytes()).decode("ascii")


def points(view: StoreView, k: int, head: str, frame: int, variant: Variant | None,
           ret: str = "0") -> dict[str, Any]:
    """The returns of one frame in the lidar frame: ``xyz`` (n × 3 float32), ``intensity``,
    ``range`` (float32), ``semantic`` and ``instance`` (int32; -1 where the variant removed
    or replaced the return, since the clean label no longer describes it), plus the 3D boxes
    and whether the data came from the variant."""
    n_slots = slots(view, head)
    rng, corrupted = view.read_variant(f"{head}/range", k, variant)
    xyz, _ = view.read_variant(f"{head}/xyz", k, variant)
    inten, _ = view.read_variant(f"{head}/intensity", k, variant)
    sem = view.read(f"{head}/semantic", k)
    inst = view.read(f"{head}/instance", k)
    r = _pick(rng, frame, ret, n_slots)
    valid = np.isfinite(r) & (r > 0)
    labels = [_pick(sem, frame, ret, n_slots).astype(np.int32),
              _pick(inst, frame, ret, n_slots).astype(np.int32)]
    mask = view.mask(f"{head}/range", k, variant)
    if mask is not None:
        m = np.broadcast_to(_pick(mask, frame, ret, n_slots), r.shape)
        labels = [np.where(m, -1, lab) for lab in labels]
    idx = np.flatnonzero(valid.reshape(-1))
    if idx.size > MAX_POINTS:
        idx = idx[:: -(-idx.size // MAX_POINTS)]
    pts = _pick(xyz, frame, ret, n_slots).reshape(-1, 3)[idx]
    return {
        "n": int(idx.size),
        "corrupted": corrupted,
        "slots": n_slots,
        "xyz": _b64(pts, "float32"),
        "range": _b64(r.reshape(-1)[idx], "float32"),
        "intensity": _b64(_pick(inten, frame, ret, n_slots).reshape(-1)[idx], "float32"),
        "semantic": _b64(labels[0].reshape(-1)[idx], "int32"),
        "instance": _b64(labels[1].reshape(-1)[idx], "int32"),
        "max_range": float(r[valid].max()) if valid.any() else 1.0,
        "boxes": boxes(view, k, head, frame),
    }


def boxes(view: StoreView, k: int, head: str, frame: int) -> list[dict[str, Any]]:
    """Each real object's 3D box in the lidar frame at the capture instant: its 8 corners
    (corner ``4·ix + 2·iy + iz``, local signs −/+), class, instance and point count."""
    keys = [f"{head}/{n}" for n in ("box3d_center_lidar", "box3d_size",
                                    "box3d_orientation_lidar")]
    if not all(view.has(key) for key in keys):
        return []
    centre, size, quat = (view.read(key, k)[frame] for key in keys)
    count = int(view.read("objects/count", k))
    class_id = view.read("objects/class_id", k)
    instance = view.read("objects/instance_id", k)
    hits = (view.read(f"{head}/points_per_object", k)[frame]
            if view.has(f"{head}/points_per_object") else None)
    signs = np.array([[ix, iy, iz] for ix in (-1, 1) for iy in (-1, 1) for iz in (-1, 1)],
                     np.float64) * 0.5
    out = []
    for m in range(count):
        if not (np.all(np.isfinite(centre[m])) and np.any(size[m] > 0)):
            continue
        corners = centre[m] + (signs * size[m]) @ quat_to_matrix(quat[m]).T
        out.append({"corners": np.round(corners, 4).tolist(), "class": view.class_name(
                        int(class_id[m])), "class_id": int(class_id[m]),
                    "instance": int(instance[m]),
                    "points": int(hits[m]) if hits is not None else None})
    return out


def range_image(view: StoreView, k: int, head: str, frame: int, variant: Variant | None,
                what: str, ret: int = 0) -> np.ndarray:
    """The range (or intensity) image of one frame as RGBA, rows ordered from the highest
    beam to the lowest (presets list lasers in firing order, e.g. the VLP-16 interleaves)."""
    data, _ = view.read_variant(f"{head}/{what}", k, variant)
    rng, _ = view.read_variant(f"{head}/range", k, variant)
    n_slots = slots(view, head)
    x, r = data[frame], rng[frame]
    if n_slots > 1:
        x, r = x[ret], r[ret]
    elevation = view.read(f"{head}/elevation", k)
    order = np.argsort(-np.asarray(elevation, np.float64), kind="stable")
    x, r = x[order], r[order]
    if what == "range":
        return images.colour_distance(x)
    valid = np.isfinite(r) & (r > 0)
    t = np.clip(np.where(valid, x, 0.0) / max(float(np.max(x, initial=0.0)), 1e-9), 0, 1)
    return np.concatenate([images.turbo(t), np.where(valid, 255, 0).astype(np.uint8)[..., None]],
                          -1)
