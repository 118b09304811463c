"""What the COCO and KITTI exports share: checking the store and the target directory,
reading the done samples shard by shard, writing PNGs and the export manifest.

Safety rules (as for ``simengine render``): the store is checked before anything is
written; an existing non-empty target is only replaced with ``overwrite``, and only when it
holds a simengine export manifest (a directory that is not an export is never emptied).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .._version import __version__
from ..errors import StoreError, UserError
from ..store.reader import StoreReader

MANIFEST = "simengine_export.json"
PNG_LEVEL = 3  # zlib level: a fast write; PNG stays lossless whatever the level


@dataclass
class ExportSummary:
    format: str
    output: str
    samples: int
    images: int
    annotations: int
    files: int
    notes: list[str] = field(default_factory=list)


def open_store(path: str) -> StoreReader:
    """The store (checked: a simengine store with at least one done sample)."""
    probe = StoreReader(path, keys=["meta/time"])
    if probe.done_indices().size == 0:
        raise StoreError(f"{path}: no rendered samples (meta/done is all False)")
    return probe


def sensor_names(attrs: dict[str, Any], kind: str) -> list[str]:
    return [s["name"] for s in attrs["sensors"] if s["kind"] == kind]


def pick_sensor(path: str, attrs: dict[str, Any], kind: str, wanted: str | None) -> str:
    names = sensor_names(attrs, kind)
    if not names:
        raise UserError(f"{path}: the store has no {kind}")
    if wanted is None:
        return names[0]
    if wanted not in names:
        raise UserError(f"{path}: no {kind} {wanted!r}; {kind}s: {', '.join(names)}")
    return wanted


def check_directory(out: str | Path, overwrite: bool) -> None:
    """The export directory's checks, touching nothing: usable before an optional import
    or any other work, so a refused target costs nothing."""
    p = Path(out)
    if p.is_file():
        raise UserError(f"{out}: exists and is a file, expected a directory")
    if p.is_dir() and any(p.iterdir()):
        if not overwrite:
            raise UserError(f"{out}: directory is not empty; pass --overwrite to replace an "
                            "earlier export")
        if not (p / MANIFEST).is_file():
            raise UserError(f"{out}: is not a simengine export (no {MANIFEST}); refusing to "
                            "empty it")


def prepare_target(out: str | Path, overwrite: bool) -> Path:
    """Check (and with ``overwrite`` empty) the export directory. Call after every check
    of the input, so bad input writes nothing."""
    check_directory(out, overwrite)
    p = Path(out)
    if p.is_dir() and any(p.iterdir()):
        shutil.rmtree(p)
    p.mkdir(parents=True, exist_ok=True)
    return p


def write_manifest(out: Path, fmt: str, store: str, attrs: dict[str, Any],
                   extra: dict[str, Any]) -> None:
    manifest = {"format": fmt, "store": str(store), "scene_name": attrs["scene_name"],
                "scene_hash": attrs["scene_hash"], "root_seed": attrs["root_seed"],
                "store_engine_version": attrs["engine_version"],
                "exported_by": f"simengine {__version__}", **extra}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def done_batches(path: str, keys: list[str]) -> Iterator[tuple[np.ndarray, dict]]:
    """(sample indices, arrays) for the done samples, one shard (block) at a time."""
    reader = StoreReader(path, keys=keys)
    for batch in reader.batches(reader.block_size, with_index=True):
        yield batch.pop("index"), batch


def save_png(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(rgb)).save(path, format="PNG",
                                                    compress_level=PNG_LEVEL)
