"""Create a store, or check, repair and extend an existing one, before any block renders.

Rules (nothing here runs while workers write):

- a path that exists and is not a simengine store is never touched;
- a store made from another scene, seed, block size or engine version is only replaced with
  ``overwrite``;
- with ``resume`` a store made from the same render is finished: its metadata documents
  (root attributes, every array's ``zarr.json``) are restored where they were edited, it
  grows when more samples are asked for (sample ``k`` is the same either way), every done
  block is verified in full (``store.verify``) and damaged or unfinished blocks are
  forgotten and rendered again. Fewer samples than the store holds are refused.

Whether an edited store was made "from the same render" is decided by its manifests: every
block recorded the digest of the root attributes it was written under.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from zarr.core.buffer import default_buffer_prototype
from zarr.core.sync import sync
from zarr.storage import MemoryStore

from ..errors import StoreError
from .assets import write_assets
from .blocks import clear_block
from .integrity import MANIFEST, META, attrs_digest, has_manifest
from .layout import ATTR, DONE, StoreLayout, create_store, num_blocks
from .progress import written_blocks
from .verify import good_blocks

IDENTITY = ("scene_hash", "root_seed", "block_size", "engine_version", "assets")


@dataclass
class BlockPlan:
    """The blocks a render still has to do, produced lazily (a store of 10⁹ samples must not
    hold a list of every block)."""

    num_samples: int
    block_size: int
    skip: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # sorted, whole
    created: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def total_blocks(self) -> int:
        return num_blocks(self.num_samples, self.block_size)

    @property
    def skipped_blocks(self) -> int:
        return int(self.skip.size)

    @property
    def samples_todo(self) -> int:
        n, bs = self.num_samples, self.block_size
        last = self.total_blocks - 1
        skipped = int(self.skip.size) * bs
        if self.skip.size and self.skip[-1] == last:
            skipped -= last * bs + bs - n  # the last block may be short
        return n - skipped

    def __iter__(self) -> Iterator[int]:
        skip = iter(self.skip.tolist())
        nxt = next(skip, None)
        for b in range(self.total_blocks):
            if b == nxt:
                nxt = next(skip, None)
                continue
            yield b

    def __len__(self) -> int:
        return self.total_blocks - self.skipped_blocks


def prepare_store(path: str, layout: StoreLayout, *, resume: bool, overwrite: bool
                  ) -> BlockPlan:
    """Create or check the store at ``path`` (a local path or an fsspec URL) for ``layout``
    (its sample count and block size included)."""
    n, block_size = layout.num_samples, layout.block_size
    state = _state(path)
    if state == "absent":
        return _create(path, layout)
    if state == "not-a-store":
        raise StoreError(f"{path}: exists and is not a simengine store; refusing to touch it")
    expected = _expected(layout)  # only an existing store is compared with it
    root = zarr.open_group(path, mode="r")
    stored = dict(root.attrs[ATTR])
    same = all(stored.get(k) == expected.attrs[k] for k in IDENTITY)
    edited = False
    if not same and resume and _recorded_digest(root, stored) == expected.digest:
        same = edited = True  # the attributes were edited after the blocks were written
    held = _held_samples(root, stored)
    if not same:
        if not overwrite:
            diff = ", ".join(f"{k} {stored.get(k)!r} != {expected.attrs[k]!r}"
                             for k in IDENTITY if stored.get(k) != expected.attrs[k])
            raise StoreError(f"{path}: store was made from another render ({diff}); pass "
                             "--overwrite to replace it")
        return _replace(path, layout)
    if not resume:
        if overwrite:
            return _replace(path, layout)
        what = ("finish it" if held == n else
                f"extend it from {held} to {n} samples" if held < n else "finish it")
        raise StoreError(f"{path}: store exists; pass --resume to {what} or --overwrite to "
                         "render it again")
    if n < held:
        raise StoreError(f"{path}: the store holds {held} samples and -n {n} would drop "
                         f"some; resume with -n {held} or more, or pass --overwrite")
    plan = BlockPlan(n, block_size)
    if edited:
        plan.notes.append("root attributes had been edited; restored from the scene")
    _remove_partial_files(path)
    restored = _restore_metadata(path, expected.docs)
    write_assets(zarr.open_group(path, mode="r+"), layout.assets)  # repairs copies
    if restored and not edited:
        plan.notes.append("restored edited metadata: " + ", ".join(restored[:4])
                          + (f" and {len(restored) - 4} more" if len(restored) > 4 else ""))
    root = zarr.open_group(path, mode="r+")
    attrs = dict(root.attrs[ATTR])
    if held < n:
        plan.notes.append(f"extended from {held} to {n} samples")
        if held % block_size:  # the old last block was short: render it whole again
            clear_block(root, held // block_size, attrs["arrays"])
    good, damaged = good_blocks(root, attrs) if has_manifest(attrs) else (_unchecked(root,
                                                                                     attrs), {})
    for b in damaged:
        clear_block(root, b, attrs["arrays"])
    if damaged:
        plan.notes.append(f"{len(damaged)} damaged block(s) will be rendered again: "
                          + ", ".join(str(b) for b in sorted(damaged)[:10]))
    plan.skip = good
    return plan


@dataclass
class _Expected:
    attrs: dict[str, Any]
    digest: int
    docs: dict[str, bytes]  # every metadata document a fresh store of this render has


def _expected(layout: StoreLayout) -> _Expected:
    """The metadata documents of a freshly created store, made in memory."""
    mem = MemoryStore()
    create_store(mem, layout)
    keys = sync(_list(mem, ""))
    proto = default_buffer_prototype()
    docs = {k: sync(mem.get(k, prototype=proto)).to_bytes() for k in keys
            if k.endswith("zarr.json")}
    attrs = dict(zarr.open_group(mem, mode="r").attrs[ATTR])  # as JSON gives it back
    return _Expected(attrs, attrs_digest(attrs), docs)


async def _list(store: Any, prefix: str) -> list[str]:
    return [k async for k in store.list_prefix(prefix)]


def _restore_metadata(path: str, docs: dict[str, bytes]) -> list[str]:
    """Write back every metadata document that differs from a fresh store's (edited
    attributes, or a larger shape when the store grows); the names of those rewritten."""
    store = zarr.open_group(path, mode="r+").store_path.store
    proto = default_buffer_prototype()
    changed = []
    for key, want in docs.items():
        have = sync(store.get(key, prototype=proto))
        if have is None or have.to_bytes() != want:
            sync(store.set(key, proto.buffer.from_bytes(want)))
            changed.append(key.rsplit("/zarr.json", 1)[0] if "/" in key else "root attributes")
    return changed


def _recorded_digest(root: zarr.Group, stored: dict[str, Any]) -> int | None:
    """The root-attribute digest the first written block recorded (None if none did)."""
    try:
        blocks = written_blocks(root, MANIFEST)
        if blocks.size == 0:
            return None
        return int(np.asarray(root[MANIFEST][int(blocks[0])])[-1, META])
    except (KeyError, ValueError):
        return None


def _held_samples(root: zarr.Group, stored: dict[str, Any]) -> int:
    """How many samples the store's arrays hold (the attributes may have been edited)."""
    try:
        return int(root[DONE].shape[0])
    except KeyError:
        return int(stored.get("num_samples", 0))


def _unchecked(root: zarr.Group, attrs: dict[str, Any]) -> np.ndarray:
    """Done blocks of a store that recorded no manifests (older schema): trusted as done."""
    from .progress import done_blocks

    return done_blocks(root, attrs)


def _create(path: str, layout: StoreLayout) -> BlockPlan:
    create_store(path, layout)
    return BlockPlan(layout.num_samples, layout.block_size, created=True)


def _replace(path: str, layout: StoreLayout) -> BlockPlan:
    if is_url(path):
        import fsspec

        fs, root = fsspec.core.url_to_fs(path)
        fs.rm(root, recursive=True)
    else:
        shutil.rmtree(path)
    return _create(path, layout)


def _state(path: str) -> str:
    """``absent`` (or an empty directory), ``store`` or ``not-a-store``."""
    if is_url(path):
        import fsspec

        fs, root = fsspec.core.url_to_fs(path)
        if not (fs.exists(root) and fs.ls(root)):
            return "absent"
    else:
        p = Path(path)
        if p.is_file():
            return "not-a-store"
        if not p.exists() or (p.is_dir() and not any(p.iterdir())):
            return "absent"
    try:
        ok = ATTR in zarr.open_group(path, mode="r").attrs
    except Exception:  # zarr raises several types for "not a group"
        ok = False
    return "store" if ok else "not-a-store"


def _remove_partial_files(path: str) -> None:
    """A killed writer can leave LocalStore's temporary ``*.partial`` files behind."""
    if not is_url(path):
        for f in Path(path).rglob("*.partial"):
            f.unlink(missing_ok=True)


def is_url(path: str) -> bool:
    return "://" in str(path) and not str(path).startswith("file://")
