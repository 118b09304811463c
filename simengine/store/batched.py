"""Fast reads of a store for training loops: key selection, whole-shard reads, seeded
shard-aware shuffling.

A store holds ``block_size`` samples per shard (one file per array and block). Reading a
batch sample by sample would fetch every shard many times; here a read fetches each shard it
needs once per array, all arrays' requests together on zarr's event loop, and decodes the
samples straight into the batch (``_shards``).

Epoch order (``epoch_order``), the order in which ``StoreReader.batches`` serves samples:

- no shuffle: the done samples in index order;
- shuffle: a permutation drawn from ``SeedSequence([seed, epoch, SHUFFLE_STREAM])`` only
  (never the worker count or the time): the order of the blocks is permuted, then the
  samples inside each window of ``window`` consecutive (permuted) blocks are permuted. Each
  block is read once per epoch and at most ``window`` blocks are held in memory; a larger
  window mixes more.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import zarr
from zarr.core.sync import sync

from ._shards import ShardLayout, decode_many, fetch_shards, shard_layout

SHUFFLE_STREAM = 0x5F5F  # fixed forever: changing it reshuffles every user's epochs


def select_keys(available: Sequence[str], patterns: Iterable[str] | str | None) -> tuple[str, ...]:
    """Keys matching ``patterns``, in store order. A pattern is an exact key
    (``camera/front/rgb``), a group prefix (``objects`` or ``objects/`` selects every
    ``objects/...`` array) or a glob (``camera/*/depth``). Each pattern must match."""
    if patterns is None:
        return tuple(available)
    if isinstance(patterns, str):
        patterns = [patterns]
    chosen: set[str] = set()
    for pat in patterns:
        prefix = pat.rstrip("/") + "/"
        hits = [k for k in available
                if k == pat or k.startswith(prefix) or fnmatch.fnmatchcase(k, pat)]
        if not hits:
            raise KeyError(f"no array matches {pat!r} (arrays: {', '.join(available)})")
        chosen.update(hits)
    return tuple(k for k in available if k in chosen)


def runs(indices: np.ndarray, block_size: int) -> list[tuple[int, int]]:
    """Sorted unique indices as half-open runs of consecutive samples, split at block
    boundaries (so each run lies in one shard)."""
    if indices.size == 0:
        return []
    out = []
    start = prev = int(indices[0])
    for item in indices[1:]:
        k = int(item)
        if k != prev + 1 or k % block_size == 0:
            out.append((start, prev + 1))
            start = k
        prev = k
    out.append((start, prev + 1))
    return out


async def _fetch(arrays: dict[str, zarr.Array], fast: dict[str, ShardLayout],
                 shards: list[int], spans: list[tuple[int, int]]
                 ) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Raw shards of the fast-path arrays and decoded spans of the others, concurrently."""
    slow = [k for k in arrays if k not in fast]
    raw_coros = [fetch_shards(arrays[k], shards) for k in fast]
    span_coros = [arrays[k].async_array.getitem(slice(a, b)) for k in slow for a, b in spans]
    results = await asyncio.gather(*raw_coros, *span_coros)
    raw = dict(zip(fast, results[:len(fast)], strict=True))
    rest = results[len(fast):]
    n = len(spans)
    return raw, {k: rest[i * n:(i + 1) * n] for i, k in enumerate(slow)}


_LAYOUTS: dict[int, tuple[zarr.Array, ShardLayout | None]] = {}


def _layout(arr: zarr.Array) -> ShardLayout | None:
    hit = _LAYOUTS.get(id(arr))
    if hit is None or hit[0] is not arr:
        if len(_LAYOUTS) > 4096:
            _LAYOUTS.clear()
        hit = (arr, shard_layout(arr))
        _LAYOUTS[id(arr)] = hit
    return hit[1]


def read_samples(arrays: dict[str, zarr.Array], indices: Sequence[int] | np.ndarray,
                 block_size: int, guard: Any = None) -> dict[str, np.ndarray]:
    """Samples ``indices`` (any order, repeats allowed) of every array, stacked on axis 0 in
    the order asked. Each shard involved is fetched once per array (the simengine layout is
    decoded directly, see ``_shards``; other layouts go through zarr in contiguous runs);
    all requests run concurrently. ``guard`` (``store.integrity.ReadGuard``) checks the
    fetched shards against what their blocks wrote before anything is decoded."""
    idx = np.asarray(indices, dtype=np.int64).reshape(-1)
    uniq, inverse = np.unique(idx, return_inverse=True)
    out = {k: np.empty((uniq.size, *a.shape[1:]), dtype=np.dtype(a.dtype))
           for k, a in arrays.items()}
    if uniq.size:
        fast = {k: lay for k, a in arrays.items()
                if (lay := _layout(a)) is not None and lay.per_shard == block_size}
        shard_of = uniq // block_size
        shards = np.unique(shard_of).tolist()
        spans = runs(uniq, block_size)
        raw, parts = sync(_fetch(arrays, fast, shards, spans))
        if guard is not None:
            guard.check(shards, raw)
        jobs = []
        for shard in shards:
            rows = np.flatnonzero(shard_of == shard)
            slots = (uniq[rows] - shard * block_size).tolist()
            for key, lay in fast.items():
                data = raw[key][shards.index(shard)]
                jobs.append((data, lay, slots, out[key], rows.tolist()))
        decode_many(jobs)
        for key, chunks in parts.items():
            out[key][...] = np.concatenate([np.asarray(c) for c in chunks])
    sorted_ok = uniq.size == idx.size and np.array_equal(uniq, idx)
    return out if sorted_ok else {k: v[inverse] for k, v in out.items()}


_AHEAD: list[tuple[int, ThreadPoolExecutor]] = []


def _read_ahead() -> ThreadPoolExecutor:
    """This process's read-ahead thread (a new one after a fork: threads do not survive)."""
    if not _AHEAD or _AHEAD[0][0] != os.getpid():
        _AHEAD[:] = [(os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="simengine-ahead"))]
    return _AHEAD[0][1]


def epoch_order(done: np.ndarray, block_size: int, *, shuffle: bool = False, seed: int = 0,
                epoch: int = 0, window: int = 4) -> np.ndarray:
    """The sample indices (done samples only) in the order one epoch serves them. ``done``
    is a boolean flag per sample or the sorted indices of the done samples."""
    done = np.asarray(done)
    done_idx = np.flatnonzero(done) if done.dtype == bool else done.astype(np.int64)
    if not shuffle:
        return done_idx
    if window < 1:
        raise ValueError("window must be at least 1 block")
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(
        [int(seed), int(epoch), SHUFFLE_STREAM])))
    blocks = np.unique(done_idx // block_size)
    blocks = blocks[rng.permutation(blocks.size)]
    order = []
    for w in range(0, blocks.size, window):
        members = np.concatenate([done_idx[done_idx // block_size == b]
                                  for b in blocks[w:w + window]])
        order.append(members[rng.permutation(members.size)])
    return np.concatenate(order) if order else done_idx


def iter_batches(arrays: dict[str, zarr.Array], order: np.ndarray, block_size: int,
                 batch_size: int, *, drop_last: bool = False, window: int = 4,
                 with_index: bool = False, guard: Any = None
                 ) -> Iterator[dict[str, np.ndarray]]:
    """Batches of ``batch_size`` samples in ``order``. Samples are fetched ``window`` blocks'
    worth at a time (each shard read once), then cut into batches."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    step = max(batch_size, window * block_size)
    parts = [order[lo:lo + step] for lo in range(0, order.size, step)]
    pending: dict[str, list[np.ndarray]] = {}
    held = 0
    # the next window is fetched and decoded on a background thread while this one is
    # served (file reads and blosc release the GIL): the consumer's work overlaps the reads
    ahead = _read_ahead()
    coming = ahead.submit(read_samples, arrays, parts[0], block_size, guard) if parts else None
    for i, part in enumerate(parts):
        data = coming.result()
        coming = (ahead.submit(read_samples, arrays, parts[i + 1], block_size, guard)
                  if i + 1 < len(parts) else None)
        if with_index:
            data["index"] = part.copy()
        for k, v in data.items():
            pending.setdefault(k, []).append(v)
        held += part.size
        while held >= batch_size:
            merged = {k: np.concatenate(v) if len(v) > 1 else v[0] for k, v in pending.items()}
            yield {k: v[:batch_size] for k, v in merged.items()}
            held -= batch_size
            # an emptied remainder is dropped: concatenating it with the next window would
            # copy that whole window once more
            pending = {k: [v[batch_size:]] for k, v in merged.items()} if held else {}
    if held and not drop_last:
        yield {k: np.concatenate(v) if len(v) > 1 else v[0] for k, v in pending.items()}
