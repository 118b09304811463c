"""Dataset statistics of a store, for the report: counts, class balance, objects per sample,
pose coverage, depth and range distributions, audio events.

One pass over the done samples, a shard (block) at a time, through
``StoreReader(path, keys=[...])`` so only the arrays a statistic needs are read. Dense
values (depth pixels, lidar ranges) go into fixed 1 cm bins as they stream by and are
coarsened for the plot at the end; per-object and per-event values are few and kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import StoreError
from ..store.reader import StoreReader

FINE_BIN_M = 0.01  # resolution of the streaming depth / range histograms


@dataclass
class StreamHist:
    """Histogram of non-negative values in fixed fine bins, growable, one pass."""

    width: float = FINE_BIN_M
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def add(self, values: np.ndarray) -> None:
        idx = np.floor(np.asarray(values, np.float64).ravel() / self.width).astype(np.int64)
        if idx.size == 0:
            return
        add = np.bincount(idx, minlength=self.counts.size)
        if add.size > self.counts.size:
            self.counts = np.concatenate([self.counts, np.zeros(add.size - self.counts.size,
                                                                np.int64)])
        self.counts += add

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def coarse(self, bins: int = 40) -> tuple[np.ndarray, np.ndarray]:
        """(edges, counts) over [first, last non-empty fine bin], about ``bins`` bins."""
        nz = np.flatnonzero(self.counts)
        if nz.size == 0:
            return np.array([0.0, 1.0]), np.zeros(1, np.int64)
        lo, hi = int(nz[0]), int(nz[-1]) + 1
        group = max(1, -(-(hi - lo) // bins))
        hi = lo + -(-(hi - lo) // group) * group
        c = np.pad(self.counts[lo:hi], (0, max(0, hi - self.counts.size)))
        return (np.arange(lo, hi + 1, group) * self.width, c.reshape(-1, group).sum(axis=1))

    def quantiles(self, qs: tuple[float, ...] = (0.05, 0.5, 0.95)) -> list[float]:
        """Quantiles to the bin resolution (bin centres)."""
        if self.total == 0:
            return [float("nan")] * len(qs)
        cdf = np.cumsum(self.counts) / self.total
        return [(int(np.searchsorted(cdf, q)) + 0.5) * self.width for q in qs]


@dataclass
class StoreStats:
    """What the report shows; counts are over done samples (and capture frames)."""

    attrs: dict[str, Any]
    done: int
    frames: int
    classes: list[str]
    cameras: list[str]
    lidars: list[str]
    mics: list[str]
    objects_per_sample: np.ndarray
    object_classes: np.ndarray  # (classes,) object instances per sample, by class
    visible_classes: dict[str, np.ndarray]  # camera -> visible instances (sample × frame)
    pixel_classes: dict[str, np.ndarray]  # camera -> pixels per semantic class
    lidar_classes: dict[str, np.ndarray]  # lidar -> returns per semantic class
    positions: np.ndarray  # (n, 3) world positions of every object at every capture
    tilt_deg: np.ndarray  # angle of each object's z axis from world up
    heading_deg: np.ndarray  # heading of each object's x axis about world z
    depth: dict[str, StreamHist]
    depth_pixels: dict[str, int]  # all pixels seen (for the hit fraction)
    ranges: dict[str, StreamHist]
    beams: dict[str, int]
    events_per_sample: np.ndarray
    impulse: np.ndarray
    speed: np.ndarray
    audio: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


def sensor_names(attrs: dict[str, Any], kind: str) -> list[str]:
    return [s["name"] for s in attrs["sensors"] if s["kind"] == kind]


def compute(path: str) -> StoreStats:
    """Every statistic of the report, in one pass over the store's done samples."""
    probe = StoreReader(path, keys=["meta/time"])
    attrs = probe.attrs
    done = int(probe.done().sum())
    if done == 0:
        raise StoreError(f"{path}: no rendered samples (meta/done is all False)")
    arrays = set(attrs["arrays"])
    cams = [c for c in sensor_names(attrs, "camera") if f"camera/{c}/rgb" in arrays]
    lids = [n for n in sensor_names(attrs, "lidar") if f"lidar/{n}/range" in arrays]
    mics = [m for m in sensor_names(attrs, "microphone") if f"audio/{m}/waveform" in arrays]
    keys = ["objects/count", "objects/class_id", "objects/position", "objects/orientation",
            "events/count", "events/impulse", "events/speed"]
    for c in cams:
        keys += [f"camera/{c}/{k}" for k in ("depth", "semantic", "visible_pixels")]
    for n in lids:
        keys += [f"lidar/{n}/{k}" for k in ("range", "semantic")]
    for m in mics:
        keys += [f"audio/{m}/{k}" for k in ("sources/count", "sources/kind",
                                            "sources/peak_db_spl", "sources/onset", "snr_db")]
    keys = [k for k in keys if k in arrays]
    C = len(attrs["classes"])
    frames = int(probe.root["meta/time"].shape[1])
    acc: dict[str, list[np.ndarray]] = {}
    st = StoreStats(
        attrs=attrs, done=done, frames=frames, classes=list(attrs["classes"]), cameras=cams,
        lidars=lids, mics=mics, objects_per_sample=np.zeros(0, np.int64),
        object_classes=np.zeros(C, np.int64),
        visible_classes={c: np.zeros(C, np.int64) for c in cams},
        pixel_classes={c: np.zeros(C, np.int64) for c in cams},
        lidar_classes={n: np.zeros(C, np.int64) for n in lids},
        positions=np.zeros((0, 3)), tilt_deg=np.zeros(0), heading_deg=np.zeros(0),
        depth={c: StreamHist() for c in cams}, depth_pixels=dict.fromkeys(cams, 0),
        ranges={n: StreamHist() for n in lids}, beams=dict.fromkeys(lids, 0),
        events_per_sample=np.zeros(0), impulse=np.zeros(0), speed=np.zeros(0))
    for batch in _batches(path, keys):
        _objects(st, batch, acc)
        for c in cams:
            _camera(st, c, batch)
        for n in lids:
            rng_, sem = batch[f"lidar/{n}/range"], batch[f"lidar/{n}/semantic"]
            hit = rng_ > 0
            st.ranges[n].add(rng_[hit])
            st.beams[n] += int(rng_.size)
            st.lidar_classes[n] += np.bincount(sem[hit].ravel().clip(0), minlength=C)[:C]
        _events(batch, acc)
        for m in mics:
            _audio(m, batch, acc)
    cat = {k: np.concatenate(v) if v else np.zeros(0) for k, v in acc.items()}
    st.objects_per_sample = cat.get("count", np.zeros(0)).astype(np.int64)
    st.positions = cat.get("position", np.zeros(0)).reshape(-1, 3)
    st.tilt_deg, st.heading_deg = cat.get("tilt", np.zeros(0)), cat.get("heading", np.zeros(0))
    st.events_per_sample = cat.get("events", np.zeros(0))
    st.impulse, st.speed = cat.get("impulse", np.zeros(0)), cat.get("speed", np.zeros(0))
    st.audio = {m: {k.split(":", 1)[1]: v for k, v in cat.items() if k.startswith(m + ":")}
                for m in mics}
    return st


def _batches(path: str, keys: list[str]) -> Iterator[dict[str, np.ndarray]]:
    reader = StoreReader(path, keys=keys)
    return reader.batches(reader.block_size)  # a shard per batch: each shard read once


def _objects(st: StoreStats, b: dict[str, np.ndarray], acc: dict[str, list]) -> None:
    if "objects/count" not in b:  # a scene without objects
        return
    count, cls = b["objects/count"], b["objects/class_id"]
    M = cls.shape[1]
    real = np.arange(M)[None, :] < count[:, None]  # (B, M)
    acc.setdefault("count", []).append(count)
    st.object_classes += np.bincount(cls[real].clip(0), minlength=len(st.classes))[
        :len(st.classes)]
    pos, quat = b["objects/position"], b["objects/orientation"]  # (B, F, M, 3 | 4)
    every = np.broadcast_to(real[:, None, :], pos.shape[:3])
    acc.setdefault("position", []).append(pos[every].reshape(-1, 3))
    x, y, z, w = np.moveaxis(quat[every].reshape(-1, 4), -1, 0)
    up_z = 1 - 2 * (x * x + y * y)  # world z of the object's z axis
    acc.setdefault("tilt", []).append(np.degrees(np.arccos(np.clip(up_z, -1, 1))))
    fx, fy = 1 - 2 * (y * y + z * z), 2 * (x * y + w * z)  # world x, y of its x axis
    acc.setdefault("heading", []).append(np.degrees(np.arctan2(fy, fx)))


def _camera(st: StoreStats, c: str, b: dict[str, np.ndarray]) -> None:
    C = len(st.classes)
    depth = b[f"camera/{c}/depth"]
    st.depth[c].add(depth[depth > 0])
    st.depth_pixels[c] += int(depth.size)
    st.pixel_classes[c] += np.bincount(b[f"camera/{c}/semantic"].ravel().clip(0),
                                       minlength=C)[:C]
    vis = b[f"camera/{c}/visible_pixels"]  # (B, F, M)
    cls = np.broadcast_to(b["objects/class_id"][:, None, :], vis.shape)
    st.visible_classes[c] += np.bincount(cls[(vis > 0) & (cls >= 0)], minlength=C)[:C]


def _events(b: dict[str, np.ndarray], acc: dict[str, list]) -> None:
    if "events/count" not in b:
        return
    count = b["events/count"]
    real = np.arange(b["events/impulse"].shape[1])[None, :] < count[:, None]
    acc.setdefault("events", []).append(count)
    acc.setdefault("impulse", []).append(b["events/impulse"][real])
    acc.setdefault("speed", []).append(b["events/speed"][real])


def _audio(m: str, b: dict[str, np.ndarray], acc: dict[str, list]) -> None:
    count = b[f"audio/{m}/sources/count"]
    real = np.arange(b[f"audio/{m}/sources/kind"].shape[1])[None, :] < count[:, None]
    acc.setdefault(f"{m}:sources", []).append(count)
    for name in ("kind", "peak_db_spl", "onset"):
        acc.setdefault(f"{m}:{name}", []).append(b[f"audio/{m}/sources/{name}"][real])
    if f"audio/{m}/snr_db" in b:
        acc.setdefault(f"{m}:snr_db", []).append(b[f"audio/{m}/snr_db"])
