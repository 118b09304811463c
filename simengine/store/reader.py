"""Read a rendered store: ``len(store)`` and ``store[k]`` give the dict ``engine.sample(k)``
gave. Only samples marked done are served."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import zarr

from ..errors import StoreError
from .layout import ATTR, DONE


def open_group_checked(path: str | Path, mode: str = "r") -> zarr.Group:
    p = str(path)
    if "://" not in p and not Path(p).exists():
        raise StoreError(f"{p}: no such store")
    try:
        root = zarr.open_group(p, mode=mode)
    except Exception as exc:  # zarr raises several types for "not a group"
        raise StoreError(f"{p}: not a Zarr v3 group ({exc.__class__.__name__})") from None
    if ATTR not in root.attrs:
        raise StoreError(f"{p}: not a simengine store (no '{ATTR}' root attribute)")
    return root


class StoreReader:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.root = open_group_checked(path)
        self.attrs: dict[str, Any] = self.root.attrs[ATTR]
        self.keys = tuple(self.attrs["arrays"])
        self._arrays = {k: self.root[k] for k in self.keys}

    def __len__(self) -> int:
        return int(self.attrs["num_samples"])

    def done(self) -> np.ndarray:
        return np.asarray(self.root[DONE][:])

    def done_indices(self) -> np.ndarray:
        return np.flatnonzero(self.done())

    def __getitem__(self, k: int) -> dict[str, np.ndarray]:
        n = len(self)
        if isinstance(k, bool) or not isinstance(k, int | np.integer):
            raise TypeError("store index must be an integer")
        k = int(k) + (n if k < 0 else 0)
        if not 0 <= k < n:
            raise IndexError(f"sample {k} out of range for a store of {n}")
        if not bool(self.root[DONE][k]):
            raise IndexError(f"sample {k} is not rendered yet (meta/done is False)")
        return {key: np.asarray(arr[k]) for key, arr in self._arrays.items()}

    def __iter__(self):
        for k in self.done_indices():
            yield self[int(k)]
