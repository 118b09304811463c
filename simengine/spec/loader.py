"""Load and validate scene YAML into a ``SceneSpec``; every error names file and key path.

Each top-level section has its parser: ``world`` (world and simulation), ``objects``
(templates and object groups), ``sensors``, ``audio``, ``corruptions``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..assets import AssetResolver
from .attach import check_attachments
from .audio import AudioSpec, parse_audio
from .classes import class_vocabulary
from .corruptions import parse_corruptions
from .node import Node
from .objects import MAX_OBJECTS, parse_groups, parse_templates
from .parts import part_vocabulary
from .scene import SceneSpec
from .sensors import parse_sensors
from .world import parse_schedule, parse_world
from .yaml_file import read_yaml

TOP_KEYS = {"name", "description", "world", "templates", "objects", "simulation", "sensors",
            "audio", "corruptions"}


def load_scene(path: str | Path) -> SceneSpec:
    """Load a scene file; raises SpecError naming file, key path and expectation."""
    path = Path(path)
    data = read_yaml(path)
    return scene_from_dict(data, source=str(path))


def scene_from_dict(data: Any, source: str = "<scene>",
                    asset_files: Mapping[str, str] | None = None) -> SceneSpec:
    """A validated spec from plain data. Asset names are resolved next to ``source`` (see
    ``assets.resolve_asset``), or, given ``asset_files`` (name -> file; a store's copies),
    only there."""
    root = Node(data, source)
    if data is None:
        raise root.error("expected a scene mapping, the file is empty", show_value=False)
    root.mapping(TOP_KEYS, required={"name", "objects", "sensors"})
    base_dir = Path(source).parent if source and not source.startswith("<") else Path.cwd()
    plain = copy.deepcopy(data)

    name = root.get("name").string()
    description = root.get("description", "").value or ""
    if not isinstance(description, str):
        raise root.get("description").error("expected a string")
    world = parse_world(root.get("world", {}))
    assets = AssetResolver(base_dir, asset_files)
    templates = parse_templates(root.get("templates", {}), assets)
    groups = parse_groups(root.get("objects"), templates, assets)
    schedule = parse_schedule(root.get("simulation", {}))
    sensors, plain_sensors = parse_sensors(root.get("sensors"), base_dir)
    check_attachments(root.get("sensors"), sensors, groups)
    plain["sensors"] = plain_sensors

    max_objects = 0
    for g in groups:
        max_objects += int(g.count.support()[1])
    if max_objects > MAX_OBJECTS:
        raise root.get("objects").error(
            f"expected at most {MAX_OBJECTS} objects in all, the counts allow {max_objects}",
            show_value=False)

    audio = (parse_audio(root.get("audio"), assets, {g.name for g in groups})
             if root.has("audio") else AudioSpec())

    classes = class_vocabulary(data)  # built-in, object, then sound-only classes

    # fixed objects apart, sensors outside fixed geometry (placement builds on the instance
    # package, which imports the spec: imported here)
    from ..placement import check_placements

    check_placements(source, world, tuple(groups), tuple(sensors), schedule)

    corruptions = (parse_corruptions(root.get("corruptions"), {s.name: s.kind for s in sensors})
                   if root.has("corruptions") else ())

    return SceneSpec(name=name, description=description, world=world, groups=tuple(groups),
                     schedule=schedule, sensors=tuple(sensors), classes=tuple(classes),
                     parts=part_vocabulary(groups),
                     max_objects=max_objects, source=source, plain=plain, audio=audio,
                     corruptions=corruptions,
                     asset_files=None if asset_files is None else dict(asset_files))
