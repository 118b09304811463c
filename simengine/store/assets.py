"""A store's own copy of every asset its scene names, so it renders, resumes and is
re-rendered from anywhere: another working directory, the scene folder moved or deleted, a
cluster worker that sees only the store.

Each file of an asset's bundle (the file and what it loads by a relative path, resolved by
the job that creates the store: ``jobs.layout``) is one uint8 array ``assets/<sha256>``
(content-addressed: a file shared by two assets is stored once). The root attribute
``simengine.assets`` maps each name, as the scene writes it, to ``{"main": path, "files":
{path: sha256}}`` with paths relative to the bundle's common folder. Workers write the
bundle into a local cache folder named by its digest (``SIMENGINE_ASSET_CACHE``, default
``~/.cache/simengine/assets``), checking every file's SHA-256, and load the scene with those
files.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import zarr

from ..errors import DamagedStoreError

GROUP = "assets"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def asset_records(bundles: Mapping[str, Sequence[Path]]) -> dict[str, dict[str, Any]]:
    """The ``simengine.assets`` attribute of ``bundles`` (asset name -> its files, main file
    first), and nothing written."""
    records = {}
    for name, files in bundles.items():
        base = Path(os.path.commonpath([str(f.parent) for f in files]))
        records[name] = {"main": files[0].relative_to(base).as_posix(),
                         "files": {f.relative_to(base).as_posix(): _sha256(f.read_bytes())
                                   for f in files}}
    return records


def write_assets(root: zarr.Group, bundles: Mapping[str, Sequence[Path]]) -> None:
    """Copy every file of every asset's bundle into the store (those whose stored copy is
    missing or differs; so this also repairs)."""
    for files in bundles.values():
        for f in files:
            data = f.read_bytes()
            key = f"{GROUP}/{_sha256(data)}"
            if key in root and _stored_bytes(root, key) == data:
                continue
            arr = root.create_array(key, shape=(len(data),), chunks=(max(1, len(data)),),
                                    dtype="uint8", fill_value=0, overwrite=True)
            arr[:] = np.frombuffer(data, np.uint8)


def _stored_bytes(root: zarr.Group, key: str) -> bytes | None:
    try:
        return np.asarray(root[key][:], np.uint8).tobytes()
    except Exception:  # missing or unreadable: the caller says what that means
        return None


def cache_dir() -> Path:
    setting = os.environ.get("SIMENGINE_ASSET_CACHE")
    base = Path(setting) if setting else Path.home() / ".cache" / "simengine" / "assets"
    try:
        base.mkdir(parents=True, exist_ok=True)
        return base
    except OSError:  # a read-only home: a private temporary folder still works
        return Path(tempfile.gettempdir()) / f"simengine-assets-{os.getuid()}"


def local_asset_files(path: str, root: zarr.Group, attrs: dict[str, Any]) -> dict[str, str]:
    """Name -> local file of every asset the store holds, written from the store's copies
    into the cache (checked against their SHA-256; a damaged copy is refused by name)."""
    out = {}
    for name, rec in attrs.get("assets", {}).items():
        digest = hashlib.sha256(repr(sorted(rec["files"].items())).encode()).hexdigest()[:32]
        folder = cache_dir() / digest
        for rel, sha in rec["files"].items():
            target = folder / rel
            if target.is_file() and _sha256(target.read_bytes()) == sha:
                continue
            data = _stored_bytes(root, f"{GROUP}/{sha}")
            if data is None or _sha256(data) != sha:
                raise DamagedStoreError(f"{path}: the store's copy of asset {name!r} ({rel}) "
                                        "is missing or damaged; `simengine render SCENE -o "
                                        f"{path} --resume` restores it from the scene's files")
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.partial")
            tmp.write_bytes(data)
            tmp.replace(target)  # atomic: workers share the cache
        out[name] = str(folder / rec["main"])
    return out


def damaged_assets(root: zarr.Group, attrs: dict[str, Any]) -> list[str]:
    """One line per asset file whose copy in the store is missing or differs."""
    problems = []
    for name, rec in attrs.get("assets", {}).items():
        for rel, sha in rec["files"].items():
            data = _stored_bytes(root, f"{GROUP}/{sha}")
            if data is None or _sha256(data) != sha:
                problems.append(f"asset {name!r}: the store's copy of {rel} is missing or "
                                "damaged")
    return problems
