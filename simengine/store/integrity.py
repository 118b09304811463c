"""What each block wrote, recorded before its ``meta/done`` chunk, and the checks that what
is read is what was written.

Zarr reads a missing chunk as its fill value, so a deleted shard file would reach a training
loop as zeros with labels that still list objects. Every block therefore records, in its own
chunk of ``meta/manifest`` (one chunk per block, written by the block's worker after its
shards and before ``meta/done``), one row per sample array:

====  =====================================================================================
col   meaning
====  =====================================================================================
0     the shard's size in bytes as stored
1     its CRC-32C (hardware-fast: every reader checks it on every shard it fetches)
2, 3  the first 128 bits of its SHA-256 (``simengine verify`` and ``--resume`` check them)
4     64 bits of the SHA-256 of the array's metadata as written (shape's sample axis left
      out, so a store that grows keeps its manifests)
====  =====================================================================================

and a last row ``(0, 0, 0, 0, d)`` with ``d`` the digest of the root attributes (sample
count left out). A shard that is missing, truncated, swapped with another, or an array or
root attribute edited after the block was written, no longer matches its block's row.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

import google_crc32c
import numpy as np
import zarr
from zarr.core.buffer import default_buffer_prototype
from zarr.core.sync import sync

MANIFEST = "meta/manifest"
COLUMNS = 5
NBYTES, CRC, SHA_HI, SHA_LO, META = range(COLUMNS)


def _digest64(data: bytes) -> int:
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "little")


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str).encode()


def attrs_digest(attrs: dict[str, Any]) -> int:
    """Digest of the root attributes, the sample count left out (a store may grow)."""
    return _digest64(canonical({k: v for k, v in attrs.items() if k != "num_samples"}))


def array_meta_digest(arr: zarr.Array) -> int:
    """Digest of an array's metadata as stored, its sample axis length left out."""
    meta = arr.metadata.to_dict()
    meta["shape"] = list(meta["shape"])[1:]
    return _digest64(canonical(meta))


def shard_key(arr: zarr.Array, shard: int) -> str:
    nd = len(arr.shape)
    return f"{arr.store_path.path}/{arr.metadata.encode_chunk_key((shard,) + (0,) * (nd - 1))}"


def _crc32c(data: np.ndarray) -> int:
    return google_crc32c.value(np.ascontiguousarray(data, dtype=np.uint8))


def _sha128(data: np.ndarray) -> tuple[int, int]:
    sha = hashlib.sha256(np.ascontiguousarray(data, dtype=np.uint8)).digest()
    return int.from_bytes(sha[:8], "little"), int.from_bytes(sha[8:16], "little")


def shard_row(raw: np.ndarray | None, meta_digest: int) -> np.ndarray:
    """One manifest row: an absent shard is recorded as 0 bytes."""
    if raw is None:
        return np.array([0, 0, 0, 0, meta_digest], np.uint64)
    return np.array([raw.size, _crc32c(raw), *_sha128(raw), meta_digest], np.uint64)


async def _get_many(store: Any, keys: Sequence[str]) -> list[np.ndarray | None]:
    proto = default_buffer_prototype()
    bufs = await asyncio.gather(*[store.get(k, prototype=proto) for k in keys])
    return [None if b is None else b.as_numpy_array() for b in bufs]


def fetch_raw(root: zarr.Group, keys: Sequence[str]) -> list[np.ndarray | None]:
    """Raw bytes stored under ``keys`` (None where nothing is stored)."""
    return sync(_get_many(root.store_path.store, keys))


def create_manifest(root: zarr.Group, num_blocks: int, num_arrays: int) -> None:
    root.create_array(MANIFEST, shape=(num_blocks, num_arrays + 1, COLUMNS),
                      chunks=(1, num_arrays + 1, COLUMNS), dtype="uint64", fill_value=0,
                      config={"write_empty_chunks": True})


def block_manifest(root: zarr.Group, arrays: Sequence[zarr.Array], block: int,
                   attrs: dict[str, Any]) -> np.ndarray:
    """The manifest rows of ``block`` (``arrays``: the store's arrays, in attribute order,
    already open) from the shards as they are stored now."""
    raws = fetch_raw(root, [shard_key(a, block) for a in arrays])
    rows = [shard_row(raw, array_meta_digest(a)) for a, raw in zip(arrays, raws, strict=True)]
    rows.append(np.array([0, 0, 0, 0, attrs_digest(attrs)], np.uint64))
    return np.stack(rows)


def write_manifest(root: zarr.Group, arrays: Sequence[zarr.Array], block: int,
                   attrs: dict[str, Any]) -> None:
    root[MANIFEST][block] = block_manifest(root, arrays, block, attrs)


def has_manifest(attrs: dict[str, Any]) -> bool:
    """Stores of schema 2 on record what each block wrote; older ones cannot be checked."""
    return int(attrs.get("schema_version", 1)) >= 2


def check_block(root: zarr.Group, attrs: dict[str, Any], block: int, *,
                keys: Sequence[str] | None = None, raw: dict[str, np.ndarray | None] | None = None,
                full: bool = False, manifest: np.ndarray | None = None,
                meta_digests: dict[str, int] | None = None,
                root_digest: int | None = None) -> list[str]:
    """Problems of a block marked done (empty when it is whole). ``raw`` gives shard bytes
    already fetched (readers); ``full`` also checks the SHA-256 (verify, resume)."""
    all_keys = list(attrs["arrays"])
    keys = all_keys if keys is None else list(keys)
    if manifest is None:
        manifest = np.asarray(root[MANIFEST][block])
    if not manifest.any():  # an unwritten chunk reads as its fill, all zeros
        return ["no manifest (its meta/manifest chunk is missing)"]
    problems = []
    if int(manifest[-1, META]) != (attrs_digest(attrs) if root_digest is None else root_digest):
        problems.append("root attributes changed since the block was written")
    raw = dict(raw or {})
    absent = [k for k in keys if k not in raw]  # not fetched by the caller: fetch them here
    raw.update(zip(absent, fetch_raw(root, [shard_key(root[k], block) for k in absent]),
                   strict=True))
    for key in keys:
        row = manifest[all_keys.index(key)]
        want_meta = (meta_digests or {}).get(key)
        if want_meta is None:
            want_meta = array_meta_digest(root[key])
        if int(row[META]) != want_meta:
            problems.append(f"{key}: array metadata changed since the block was written")
        data = raw.get(key)
        if data is None:
            if int(row[NBYTES]):
                problems.append(f"{key}: shard missing (wrote {int(row[NBYTES])} bytes)")
            continue
        if len(data) != int(row[NBYTES]):
            problems.append(f"{key}: shard is {len(data)} bytes, wrote {int(row[NBYTES])}")
            continue
        if _crc32c(data) != int(row[CRC]):
            problems.append(f"{key}: shard content differs from what was written (CRC-32C)")
            continue
        if full and _sha128(data) != (int(row[SHA_HI]), int(row[SHA_LO])):
            problems.append(f"{key}: shard content differs from what was written (SHA-256)")
    return problems


def describe_samples(indices: Iterable[int]) -> str:
    """``0-3, 8, 12-15``: sample indices as compact ranges."""
    idx = sorted(set(int(i) for i in indices))
    parts = []
    start = prev = None
    for i in idx:
        if start is None:
            start = prev = i
        elif i == prev + 1:
            prev = i
        else:
            parts.append(f"{start}-{prev}" if prev != start else f"{start}")
            start = prev = i
    if start is not None:
        parts.append(f"{start}-{prev}" if prev != start else f"{start}")
    return ", ".join(parts)


class ReadGuard:
    """Checks every shard a reader fetches against its block's manifest row (size and
    CRC-32C; a missing manifest, edited metadata or attributes too) before it is decoded."""

    def __init__(self, path: str, root: zarr.Group, attrs: dict[str, Any],
                 keys: Sequence[str]) -> None:
        self.path, self.root, self.attrs, self.keys = path, root, attrs, list(keys)
        self.root_digest = attrs_digest(attrs)
        self.meta = {k: array_meta_digest(root[k]) for k in self.keys}
        self.manifest = root[MANIFEST]

    def check(self, blocks: Sequence[int], raw: dict[str, list[np.ndarray | None]]) -> None:
        if not blocks:
            return
        rows = np.asarray(self.manifest.get_orthogonal_selection(
            (list(blocks), slice(None), slice(None))))
        damaged: dict[int, list[str]] = {}
        for i, b in enumerate(blocks):
            problems = check_block(self.root, self.attrs, int(b), keys=self.keys,
                                   raw={k: v[i] for k, v in raw.items()}, manifest=rows[i],
                                   meta_digests=self.meta, root_digest=self.root_digest)
            if problems:
                damaged[int(b)] = problems
        if damaged:
            raise damaged_error(self.path, self.attrs, damaged)


def damaged_error(path: str, attrs: dict[str, Any], damaged: dict[int, list[str]]):
    from ..errors import DamagedStoreError

    bs, n = int(attrs["block_size"]), int(attrs["num_samples"])
    samples = [k for b in sorted(damaged) for k in range(b * bs, min(n, (b + 1) * bs))]
    first = next(iter(damaged.values()))
    more = sum(len(p) for p in damaged.values()) - 1
    return DamagedStoreError(
        f"{path}: damaged samples {describe_samples(samples)}: {first[0]}"
        + (f" (and {more} more problems)" if more > 0 else "")
        + f"; `simengine verify {path}` lists them, `simengine render SCENE -o {path} "
        "--resume` renders them again", samples=samples)
