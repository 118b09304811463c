"""Sensor presets: YAML files in the project's ``sensors/`` folder, referred to by name.

Search order for ``preset: NAME``: a path (absolute or relative to the scene) if NAME ends in
``.yaml``; else ``NAME.yaml`` in ``$SIMENGINE_SENSOR_PATH`` (``os.pathsep``-separated), in
``sensors/`` beside the scene's folder and in the scene's own folder, then in the project's
``sensors/`` folder (the checkout this package runs from).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import SpecError
from ..sensors.registry import params_of
from .node import Node, unknown_key
from .scene import SENSOR_KINDS
from .schema import DOC_KEYS, parse_field
from .yaml_file import read_yaml

PROJECT_SENSORS = Path(__file__).resolve().parents[2] / "sensors"


def preset_dirs(base_dir: Path) -> list[Path]:
    dirs = [Path(p) for p in os.environ.get("SIMENGINE_SENSOR_PATH", "").split(os.pathsep) if p]
    dirs += [base_dir.parent / "sensors", base_dir / "sensors", base_dir, PROJECT_SENSORS]
    return dirs


def find_preset(name: str, base_dir: Path) -> Path | None:
    if name.endswith((".yaml", ".yml")):
        p = Path(name) if Path(name).is_absolute() else base_dir / name
        return p if p.is_file() else None
    for d in preset_dirs(base_dir):
        p = d / f"{name}.yaml"
        if p.is_file():
            return p
    return None


def available_presets(base_dir: Path) -> list[str]:
    names: set[str] = set()
    for d in preset_dirs(base_dir):
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.yaml") if _looks_like_preset(p))
    return sorted(names)


def _looks_like_preset(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8")[:4000]
    except OSError:
        return False
    return any(line.startswith("kind:") for line in head.splitlines())


def load_preset(node: Node, base_dir: Path) -> tuple[str, dict[str, Any]]:
    """(kind, parameters) of the preset a mount names; errors point at the mount."""
    name = node.string()
    path = find_preset(name, base_dir)
    if path is None:
        known = ", ".join(available_presets(base_dir)) or "none found"
        raise node.error(f"expected a sensor preset name ({known})")
    data = read_yaml(path)
    pnode = Node(data, str(path))
    pnode.mapping(required={"kind"})
    kind = pnode.get("kind").string(SENSOR_KINDS)
    # Check the preset's own keys and values here, so that its errors name the preset file
    # (the merged parameters are checked again with the scene's overrides).
    schema = params_of(kind)
    for key, value in pnode.items():
        if key not in schema and key not in DOC_KEYS and key != "kind":
            raise SpecError(value.file, value.path, unknown_key(f"{kind} parameter", key, schema))
        if key in schema and value.value is not None:
            parse_field(schema[key], value)
    return kind, {k: v for k, v in data.items() if k != "kind"}
