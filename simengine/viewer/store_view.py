"""Read-only access to one store for the viewer, with every name checked against the store.

Anything a request names (sample index, sensor, frame, corrupted variant, array key) is
validated here against the store's own attributes and array list before any read, so a
request can only ever reach an array the store declares; :class:`NotFoundError` and
:class:`BadRequestError` become HTTP 404 and 400.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DamagedStoreError
from ..store.layout import ATTR
from ..store.progress import done_indices, is_done
from ..store.reader import StoreReader, open_group_checked

KIND_PREFIX = {"camera": "camera", "lidar": "lidar", "microphone": "audio"}
CACHE_BYTES = 256 * 2**20  # recently read sample arrays kept in memory


class NotFoundError(LookupError):
    """The request names something the store does not have (HTTP 404)."""


class BadRequestError(ValueError):
    """The request is malformed (HTTP 400)."""


class DamagedSampleError(NotFoundError):
    """The sample's data no longer matches what was written (HTTP 404, with the store's
    message naming the damaged samples): never served as zeros."""


@dataclass(frozen=True)
class Variant:
    """One corrupted variant: slot ``slot`` of corruption set ``set``."""

    set: str
    slot: int
    corruptions: tuple[str, ...]
    targets: tuple[str, ...]  # clean keys with a corrupted copy (masks included)

    @property
    def id(self) -> str:
        return f"{self.set}/{self.slot}"

    def key(self, clean_key: str) -> str:
        return f"corrupted/{self.id}/{clean_key}"


class StoreView:
    """The store at ``path`` opened read-only (``StoreError``, a ``UserError``, if it is not
    a simengine store)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.root = open_group_checked(path, mode="r")
        self.attrs: dict[str, Any] = dict(self.root.attrs[ATTR])
        self.arrays: tuple[str, ...] = tuple(self.attrs["arrays"])
        self._known = frozenset(self.arrays)
        self.num_samples = int(self.attrs["num_samples"])
        self.classes: list[str] = list(self.attrs["classes"])
        self.materials: list[str] = list(self.attrs.get("materials", []))
        self.shapes: list[str] = list(self.attrs.get("shapes", []))
        self.sensors: dict[str, dict[str, Any]] = {s["name"]: s for s in self.attrs["sensors"]}
        self.variants = _variants(self.attrs, self.arrays)
        self._done: set[int] = set(done_indices(self.root, self.attrs).tolist())
        self._readers: dict[str, StoreReader] = {}
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self._cached_bytes = 0

    # --- validation ------------------------------------------------------------------
    def done_indices(self) -> np.ndarray:
        """Samples marked done; re-read, since a render may still be filling the store
        (listing the written done chunks: the cost follows what was written)."""
        done = done_indices(self.root, self.attrs)
        with self._lock:
            self._done = set(done.tolist())
        return done

    def sample(self, text: str | int) -> int:
        """A done sample index from a request."""
        try:
            k = int(text)
        except (TypeError, ValueError):
            raise BadRequestError(f"sample index must be an integer, got {text!r}") from None
        if not 0 <= k < self.num_samples:
            raise NotFoundError(f"sample {k} out of range (store has {self.num_samples})")
        if k not in self._done and bool(is_done(self.root, self.attrs, np.array([k]))[0]):
            with self._lock:  # only this sample's block: a done flag never turns back
                self._done.add(k)
        if k not in self._done:
            raise NotFoundError(f"sample {k} is not rendered yet")
        return k

    def sensor(self, name: str, kind: str) -> str:
        """The array head (``camera/front``) of sensor ``name`` of ``kind``."""
        spec = self.sensors.get(name)
        if spec is None or spec["kind"] != kind:
            raise NotFoundError(f"no {kind} named {name!r}")
        return f"{KIND_PREFIX[kind]}/{name}"

    def sensors_of(self, kind: str) -> list[str]:
        return [n for n, s in self.sensors.items() if s["kind"] == kind]

    def variant(self, text: str | None) -> Variant | None:
        """``None`` for clean (absent or ``clean``), else the variant ``set/slot``."""
        if text in (None, "", "clean"):
            return None
        found = self.variants.get(str(text))
        if found is None:
            raise NotFoundError(f"no corrupted variant {text!r}")
        return found

    def frame(self, text: str | int, key: str) -> int:
        """A capture-frame index valid for array ``key`` (frame axis 1)."""
        try:
            f = int(text)
        except (TypeError, ValueError):
            raise BadRequestError(f"frame must be an integer, got {text!r}") from None
        frames = self.shape(key)[0]
        if not 0 <= f < frames:
            raise NotFoundError(f"frame {f} out of range ({frames} frames)")
        return f

    def has(self, key: str) -> bool:
        return key in self._known

    def shape(self, key: str) -> tuple[int, ...]:
        """Per-sample shape of array ``key`` (sample axis dropped)."""
        self._check(key)
        return tuple(self.root[key].shape[1:])

    def _check(self, key: str) -> None:
        if key not in self._known:  # the store's own list is the only allow-list
            raise NotFoundError(f"no array {key!r} in the store")

    # --- reading ---------------------------------------------------------------------
    def read(self, key: str, k: int) -> np.ndarray:
        """Sample ``k`` of array ``key`` (callers validate ``k`` with :meth:`sample`)."""
        self._check(key)
        with self._lock:
            hit = self._cache.get((key, k))
            if hit is not None:
                self._cache.move_to_end((key, k))
                return hit
        reader = self._readers.get(key)
        if reader is None:
            reader = self._readers.setdefault(key, StoreReader(self.path, keys=[key]))
        try:  # checked against what the sample's block wrote: never zeros for lost data
            value = reader.read([k])[key][0]
        except DamagedStoreError as exc:
            raise DamagedSampleError(str(exc)) from None
        value.setflags(write=False)  # shared between request threads
        with self._lock:
            self._cache[(key, k)] = value
            self._cached_bytes += value.nbytes
            while self._cached_bytes > CACHE_BYTES and len(self._cache) > 1:
                _, old = self._cache.popitem(last=False)
                self._cached_bytes -= old.nbytes
        return value

    def read_variant(self, key: str, k: int, variant: Variant | None) -> tuple[np.ndarray, bool]:
        """The variant's copy of clean array ``key`` if it has one, else the clean array;
        the flag says whether the data came from the variant."""
        if variant is not None and key in variant.targets:
            return self.read(variant.key(key), k), True
        return self.read(key, k), False

    def mask(self, head_key: str, k: int, variant: Variant | None) -> np.ndarray | None:
        """The variant's ``<head_key>_mask`` (True where data was removed), if any."""
        if variant is None or f"{head_key}_mask" not in variant.targets:
            return None
        return self.read(variant.key(f"{head_key}_mask"), k)

    def class_name(self, class_id: int) -> str:
        return self.classes[class_id] if 0 <= class_id < len(self.classes) else str(class_id)

    def audio_rate(self, name: str) -> float:
        """Sample rate of microphone array ``name``, from the sensor spec in the attributes
        (plain numbers there; the rate cannot be randomised, see ``engine.signal_rates``)."""
        return float(self.sensors[name]["params"]["sample_rate"])


def _variants(attrs: dict[str, Any], arrays: tuple[str, ...]) -> dict[str, Variant]:
    sets = {s["name"]: tuple(s["corruptions"])
            for s in (attrs.get("scene") or {}).get("corruptions") or []}
    found: dict[str, Variant] = {}
    for name, corruptions in sets.items():
        slot = 0
        while (base := f"corrupted/{name}/{slot}/") + "applied" in arrays:
            targets = tuple(a[len(base):] for a in arrays if a.startswith(base)
                            and a[len(base):] not in ("applied", "severity", "params_json"))
            found[f"{name}/{slot}"] = Variant(name, slot, corruptions, targets)
            slot += 1
    return found
