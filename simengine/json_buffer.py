"""JSON in a fixed-size uint8 array: how samples carry structured records (the drawn scene
instance, overrides, corruption parameters) in arrays of a shape known before rendering.

UTF-8, keys sorted, no spaces, zero-padded; an all-zero buffer decodes to ``{}``.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")


def padded(raw: bytes, capacity: int) -> np.ndarray:
    """``raw`` zero-padded to ``capacity`` bytes (the caller checks that it fits, to say
    which record overflowed)."""
    if len(raw) > capacity:
        raise ValueError(f"{len(raw)} bytes do not fit in {capacity}")
    out = np.zeros(capacity, np.uint8)
    out[:len(raw)] = np.frombuffer(raw, np.uint8)
    return out


def decode_json(buffer: np.ndarray) -> Any:
    raw = np.asarray(buffer, np.uint8).tobytes().rstrip(b"\0")
    return json.loads(raw.decode("utf-8")) if raw else {}
