"""The class vocabulary: built-in classes, object classes in group order, then the classes
only sound sources have; object classes read from the plain scene as a store records it."""

from __future__ import annotations

import copy

import pytest
import yaml

from simengine.spec.classes import class_vocabulary, object_classes
from simengine.spec.loader import load_scene, scene_from_dict

from ..conftest import BOX_SCENES, MINI

BUILTIN = ["background", "ground", "wall"]


def mini(**edits) -> dict:
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    for path, value in edits.items():
        target = data
        *head, last = path.split(".")
        for key in head:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[last] = value
    return data


def sources(*classes: str | None) -> dict:
    out = []
    for i, c in enumerate(classes):
        s = {"name": f"s{i}", "kind": "tone", "position": [0, 0, 1]}
        if c is not None:
            s["class"] = c
        out.append(s)
    return {"sources": out}


@pytest.mark.parametrize("edits, objects, sounds", [
    ({}, ["block", "ball"], []),
    ({"templates.block.class": {"choice": ["crate", "box"]}}, ["crate", "box", "ball"], []),
    ({"templates.block.class": {"choice": {"values": ["crate", "ball"], "weights": [1, 2]}}},
     ["crate", "ball"], []),
    ({"objects.1.class": "toy"}, ["block", "toy"], []),  # a group's own class wins
    ({"objects.1.template": {"shape": "sphere", "radius": 0.05}}, ["block", "sphere"], []),
    ({"audio": sources("kettle", "ball", None, "kettle")}, ["block", "ball"],
     ["kettle", "tone"]),  # "ball" is an object class: it keeps its object id
    ({"templates.block.class": "ground"}, ["ball"], []),  # a built-in keeps its id
])
def test_vocabulary_orders_builtin_object_then_sound_only_classes(edits, objects, sounds):
    data = mini(**edits)
    spec = scene_from_dict(copy.deepcopy(data), source=str(MINI))
    assert list(spec.classes) == BUILTIN + objects + sounds
    assert object_classes(data) == objects
    # the store records spec.to_dict(): the same classes from it
    assert object_classes(spec.to_dict()) == objects
    assert class_vocabulary(spec.to_dict()) == spec.classes


@pytest.mark.parametrize("scene", BOX_SCENES, ids=lambda p: p.stem)
def test_every_scene_vocabulary_round_trips(scene):
    spec = load_scene(scene)
    assert class_vocabulary(spec.to_dict()) == spec.classes
    assert set(object_classes(spec.to_dict())) <= set(spec.classes[len(BUILTIN):])
