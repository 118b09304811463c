"""What the Rerun, Hugging Face and WebDataset exports share: the optional dependency
check, the provenance every format carries, the single-file target (``.rrd``), and the done
samples one at a time (read a shard at a time, so memory stays flat whatever the store's
size)."""

from __future__ import annotations

import importlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .._version import __version__
from ..errors import UserError
from ..json_buffer import decode_json
from .common import PNG_LEVEL, check_directory, done_batches

JSON_SUFFIX = "_json"  # uint8 arrays holding zero-padded JSON (simengine.json_buffer)


def require(module: str, extra: str) -> Any:
    """Import an optional dependency, or a one-line error naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UserError(f"this export needs the optional package {module!r}: "
                        f"pip install 'simengine[{extra}]'") from None


def provenance(store: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """Where the data came from: written into every format's own metadata."""
    return {"store": str(store), "scene_name": attrs["scene_name"],
            "scene_hash": attrs["scene_hash"], "root_seed": int(attrs["root_seed"]),
            "store_engine_version": attrs["engine_version"],
            "exported_by": f"simengine {__version__}"}


def prepare_file(out: str | Path, suffix: str, overwrite: bool) -> Path:
    """Check a single-file target: the suffix, no directory there, an existing file only
    replaced with ``overwrite``. Call after every check of the input."""
    p = Path(out)
    if p.suffix != suffix:
        raise UserError(f"{out}: expected a file name ending in {suffix}")
    if p.is_dir():
        raise UserError(f"{out}: is a directory, expected a {suffix} file")
    if p.exists() and not overwrite:
        raise UserError(f"{out}: exists; pass --overwrite to replace it")
    if not p.parent.is_dir():
        raise UserError(f"{out}: the directory {p.parent} does not exist")
    return p


def done_samples(store: str, keys: list[str]) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
    """(sample index, {array: value}) for each done sample, in index order; one shard of
    the selected arrays in memory at a time."""
    for indices, batch in done_batches(store, keys):
        for j, k in enumerate(indices.tolist()):
            yield int(k), {name: value[j] for name, value in batch.items()}


def png_bytes(rgb: np.ndarray) -> bytes:
    """Lossless PNG of an H x W x 3 uint8 image (the level the other exports use)."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, format="PNG", compress_level=PNG_LEVEL)
    return buf.getvalue()


def json_text(buffer: np.ndarray) -> str:
    """A zero-padded JSON byte array as its text ('{}' when empty)."""
    raw = np.asarray(buffer, np.uint8).tobytes().rstrip(b"\0")
    return raw.decode("utf-8") if raw else "{}"


def is_json(name: str) -> bool:
    return name.endswith(JSON_SUFFIX)


def is_rgb(name: str, shape: tuple[int, ...], dtype: np.dtype) -> bool:
    """Colour images (frames × H × W × 3 uint8): written as PNG/Image features."""
    return name.endswith("/rgb") and dtype == np.uint8 and len(shape) == 4 and shape[-1] == 3


__all__ = ["check_directory", "decode_json", "done_samples", "is_json", "is_rgb", "json_text",
           "png_bytes", "prepare_file", "provenance", "require"]
