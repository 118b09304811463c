"""Scene-parameter overrides: change a validated scene by key path, e.g. between epochs.

An override maps a key path, written the way error messages write them, to a new plain
value (a number, a list, a distribution mapping such as ``{"uniform": [0.2, 0.5]}``)::

    {"objects[0].count": {"randint": [3, 6]},        # by position in a list
     "objects[blocks].restitution": 0.8,             # or by the item's ``name``
     "world.light.intensity": 0.6,
     "sensors[cam].overrides.noise_read": 1e-4}      # sensor parameters (preset merged)

``apply_overrides`` edits a copy of the scene's self-contained plain mapping
(``SceneSpec.to_dict()``) and validates the result with the scene loader, so an override is
held to exactly the rules a scene file is; a bad one raises ``SpecError`` naming the path.
Missing mapping keys are created (the loader then decides whether the key is allowed);
list items must exist. Overrides are recorded by ``Engine.with_overrides`` (see
``simengine.engine``): in every sample's ``meta/overrides_json`` and in a store's root
attribute ``simengine.overrides``.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import SpecError
from ..json_buffer import decode_json, json_bytes, padded
from .loader import scene_from_dict
from .scene import SceneSpec

SOURCE = "overrides"
_TOKEN = re.compile(r"([^.\[\]]+)|\[([^\]]+)\]")
# Bytes reserved per sample for the overrides record (compact JSON, zero-padded).
OVERRIDES_JSON_CAPACITY = 4096


def parse_path(path: str) -> list[str | int]:
    """``"objects[0].count"`` → ``["objects", 0, "count"]``; ``[name]`` stays a string."""
    if not isinstance(path, str) or not path.strip():
        raise SpecError(SOURCE, str(path), "expected a key path such as objects[0].count")
    parts: list[str | int] = []
    pos = 0
    for m in _TOKEN.finditer(path):
        gap = path[pos:m.start()]
        key, item = m.group(1), m.group(2)
        expected_gap = "" if item is not None or not parts else "."
        if gap != expected_gap:
            raise SpecError(SOURCE, path, "expected a key path such as objects[0].count")
        if item is not None:
            parts.append(int(item) if item.strip().lstrip("-").isdigit() else ("[", item))
        else:
            parts.append(key)
        pos = m.end()
    if pos != len(path) or not parts or isinstance(parts[0], int | tuple):
        raise SpecError(SOURCE, path, "expected a key path such as objects[0].count")
    return parts  # type: ignore[return-value]


def _plain(value: Any, path: str) -> Any:
    """The value as plain JSON data (numpy scalars and tuples accepted)."""
    try:
        return json.loads(json.dumps(value, default=_json_default))
    except (TypeError, ValueError):
        raise SpecError(SOURCE, path, f"expected plain data (numbers, strings, lists, "
                        f"mappings), got {type(value).__name__}") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(type(value).__name__)


def _set(data: Any, path: str, value: Any) -> None:
    parts = parse_path(path)
    node = data
    for i, token in enumerate(parts):
        last = i == len(parts) - 1
        part = token
        if isinstance(part, tuple):  # [name]: the list item whose "name" is that
            if not isinstance(node, list):
                raise SpecError(SOURCE, path, "expected a list at this [name]")
            matches = [j for j, item in enumerate(node)
                       if isinstance(item, dict) and str(item.get("name")) == part[1]]
            if not matches:
                names = ", ".join(str(item.get("name")) for item in node
                                  if isinstance(item, dict))
                raise SpecError(SOURCE, path, f"no item named {part[1]!r} (have: {names})")
            part = matches[0]
        if isinstance(part, int):
            if not isinstance(node, list) or not -len(node) <= part < len(node):
                raise SpecError(SOURCE, path, f"no list item [{part}] here")
        elif not isinstance(node, dict):
            raise SpecError(SOURCE, path, f"expected a mapping at {part!r}")
        if last:
            node[part] = value
        else:
            if isinstance(node, dict) and part not in node:
                node[part] = {}
            node = node[part]


def apply_overrides(spec: SceneSpec, overrides: Mapping[str, Any]) -> SceneSpec:
    """A new, validated ``SceneSpec`` with ``overrides`` applied in order (see module doc)."""
    if not isinstance(overrides, Mapping):
        raise SpecError(SOURCE, "", "expected a mapping of key paths to values")
    data = copy.deepcopy(spec.to_dict())
    for path, value in overrides.items():
        _set(data, path, _plain(value, str(path)))
    return scene_from_dict(data, source=spec.source or "<scene>", asset_files=spec.asset_files)


def plain_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Overrides as plain JSON data (what gets recorded)."""
    return {str(k): _plain(v, str(k)) for k, v in overrides.items()}


def encode_overrides(overrides: Mapping[str, Any],
                     capacity: int = OVERRIDES_JSON_CAPACITY) -> np.ndarray:
    data = json_bytes(dict(overrides))
    if len(data) > capacity:
        raise SpecError(SOURCE, "", f"overrides take {len(data)} bytes as JSON, over the "
                        f"{capacity} recorded per sample")
    return padded(data, capacity)


def decode_overrides(buffer: np.ndarray) -> dict[str, Any]:
    """The overrides recorded in a sample's ``meta/overrides_json``."""
    return decode_json(buffer)
