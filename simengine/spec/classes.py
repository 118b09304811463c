"""A scene's class vocabulary (class id = position): which names objects can have and which
only sound sources have.

Order: the built-in stuff classes, then every object class in group order (a group's or its
template's ``class``: a string or a ``choice`` of strings; default the shape, or a
procedural generator's label), then the
sound-source classes no object has. Sound classes come last so that adding a source never
shifts an object class id.

Both functions read the plain scene mapping, as a scene file holds it or a store records it
(its ``scene`` attribute), so a reader of a store (the COCO export's categories) learns which
classes are object classes without rebuilding the scene and finding its asset files. The
mapping must have passed the loader's checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..builtin_classes import BUILTIN_CLASSES


def object_classes(scene: Mapping[str, Any]) -> list[str]:
    """The classes objects of ``scene`` can have, in vocabulary order, without duplicates."""
    templates = scene.get("templates") or {}
    names: dict[str, None] = {}
    for group in scene["objects"]:
        template = group["template"]
        if isinstance(template, str):
            template = templates[template]
        value = group.get("class", template.get("class", _default_class(group, template)))
        if isinstance(value, Mapping):  # {choice: [...]} or {choice: {values: [...]}}
            choice = value["choice"]
            value = choice["values"] if isinstance(choice, Mapping) else choice
        names.update(dict.fromkeys([value] if isinstance(value, str) else value))
    return [n for n in names if n not in BUILTIN_CLASSES]


def _default_class(group: Mapping[str, Any], template: Mapping[str, Any]) -> str:
    """The shape's name; a procedural object's generator's label."""
    if template["shape"] != "procedural":
        return template["shape"]
    from ..assets.generators import generator

    return generator(group.get("generator", template["generator"])).label


def class_vocabulary(scene: Mapping[str, Any]) -> tuple[str, ...]:
    """Every class of ``scene``: built-in, object, then sound-only classes."""
    sources = (scene.get("audio") or {}).get("sources") or []
    sounds = [s.get("class", s["kind"]) for s in sources]
    classes = dict.fromkeys(BUILTIN_CLASSES)
    classes.update(dict.fromkeys(object_classes(scene)))
    classes.update(dict.fromkeys(sounds))
    return tuple(classes)
