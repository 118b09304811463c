"""Read a rendered store: ``len(store)`` and ``store[k]`` give the dict ``engine.sample(k)``
gave. Only samples marked done are served.

For training loops: ``StoreReader(path, keys=[...])`` reads only the selected arrays,
``read(indices)`` returns stacked batches reading whole shard runs, and ``batches(...)``
iterates an epoch, optionally shuffled (seeded, shard-aware; see ``store.batched``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import zarr

from ..errors import DamagedStoreError, StoreError
from .batched import epoch_order, iter_batches, read_samples, select_keys
from .integrity import ReadGuard, has_manifest
from .layout import ATTR, DONE
from .progress import done_indices, is_done


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
    def __init__(self, path: str | Path, keys: Iterable[str] | str | None = None) -> None:
        """``keys``: exact array names, group prefixes (``"objects"``) or globs; only these
        arrays are opened and read (default: all)."""
        self.path = str(path)
        self.root = open_group_checked(path)
        self.attrs: dict[str, Any] = self.root.attrs[ATTR]
        self.keys = select_keys(tuple(self.attrs["arrays"]), keys)
        self._arrays = {k: self.root[k] for k in self.keys}
        check_sample_counts(self.path, self.root, self.attrs, self._arrays)
        # every shard read is checked against what its block wrote (older stores: no record)
        self._guard = (ReadGuard(self.path, self.root, self.attrs, self.keys)
                       if has_manifest(self.attrs) else None)

    @property
    def block_size(self) -> int:
        return int(self.attrs["block_size"])

    def read(self, indices: Sequence[int] | np.ndarray) -> dict[str, np.ndarray]:
        """Samples ``indices`` stacked on a leading batch axis, in the order given. Every
        index must be done; contiguous runs are read as whole shards, all arrays at once."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(self)
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise IndexError(f"sample indices out of range for a store of {n}")
        done = is_done(self.root, self.attrs, idx) if idx.size else idx
        if idx.size and not done.all():
            missing = idx[~done][:5].tolist()
            raise IndexError(f"samples {missing} are not rendered yet (meta/done is False)")
        return read_samples(self._arrays, idx, self.block_size, self._guard)

    def epoch_order(self, *, shuffle: bool = False, seed: int = 0, epoch: int = 0,
                    window: int = 4) -> np.ndarray:
        """Done sample indices in the order ``batches`` serves them (see ``store.batched``)."""
        return epoch_order(self.done_indices(), self.block_size, shuffle=shuffle, seed=seed,
                           epoch=epoch, window=window)

    def batches(self, batch_size: int, *, shuffle: bool = False, seed: int = 0, epoch: int = 0,
                window: int = 4, drop_last: bool = False, with_index: bool = False
                ) -> Iterator[dict[str, np.ndarray]]:
        """One epoch of batches (dicts of arrays with a leading batch axis) over the done
        samples, in ``epoch_order(...)``; ``with_index`` adds the sample indices as
        ``"index"``. Shuffling is seeded by (seed, epoch) and reads each shard once."""
        order = self.epoch_order(shuffle=shuffle, seed=seed, epoch=epoch, window=window)
        return iter_batches(self._arrays, order, self.block_size, batch_size,
                            drop_last=drop_last, window=window, with_index=with_index,
                            guard=self._guard)

    def __len__(self) -> int:
        return int(self.attrs["num_samples"])

    def done(self) -> np.ndarray:
        """One flag per sample (``len(store)`` bytes: prefer ``done_indices`` for huge
        stores)."""
        flags = np.zeros(len(self), dtype=bool)
        flags[self.done_indices()] = True
        return flags

    def done_indices(self) -> np.ndarray:
        """Sorted indices of the samples marked done; costs what was written, not the
        store's size."""
        return done_indices(self.root, self.attrs)

    def __getitem__(self, k: int) -> dict[str, np.ndarray]:
        n = len(self)
        if isinstance(k, bool) or not isinstance(k, int | np.integer):
            raise TypeError("store index must be an integer")
        k = int(k) + (n if k < 0 else 0)
        if not 0 <= k < n:
            raise IndexError(f"sample {k} out of range for a store of {n}")
        return {key: value.reshape(value.shape[1:]) for key, value in self.read([k]).items()}

    def __iter__(self):
        for k in self.done_indices():
            yield self[int(k)]


def check_sample_counts(path: str, root: zarr.Group, attrs: dict[str, Any],
                        arrays: dict[str, zarr.Array]) -> None:
    """Every array must hold the root attributes' sample count (an edited store may not)."""
    n = int(attrs["num_samples"])
    for key, arr in {DONE: root[DONE], **arrays}.items():
        if arr.shape[0] != n:
            raise DamagedStoreError(f"{path}: {key} holds {arr.shape[0]} samples, the root "
                                    f"attributes say {n}: the store's metadata was edited; "
                                    "`simengine verify` checks it, `simengine render ... "
                                    "--resume` repairs it")
