"""Part vocabularies: every part a generator builds over random draws is one it declares
(``Generator.part_names``), a scene's vocabulary lists its generators' and mesh files' parts
after ``none``, and a store records it as its root attribute ``parts``."""

from __future__ import annotations

from pathlib import Path

import pybullet_data
import pytest

from simengine import Engine
from simengine.assets import generator, generators
from simengine.jobs.layout import store_layout
from simengine.spec.loader import scene_from_dict

from ._checks import draws

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", generators())
def test_random_draws_build_only_declared_parts(name) -> None:
    declared = set(generator(name).part_names())
    for values in draws(name, 30):
        assert set(generator(name)(values).parts) <= declared, values


def test_cutlery_declares_the_parts_of_every_kind() -> None:
    assert set(generator("cutlery").part_names()) == {"handle", "blade", "head", "bowl"}


def test_scene_vocabulary_and_store_attribute() -> None:
    scene = {
        "name": "parts",
        "objects": [
            {"name": "box", "template": {"shape": "box", "size": [0.1, 0.1, 0.1]}},
            {"name": "mug", "template": {"shape": "procedural", "generator": "mug"},
             "position": [1, 0, 0]},
            {"name": "duck", "template": {"shape": "mesh", "mesh": "duck.obj", "scale": 0.1},
             "position": [0, 1, 0]},
        ],
        "sensors": [{"name": "cam", "preset": "rgbd_d435_640x480",
                     "overrides": {"width": 32, "height": 24, "output_parts": True},
                     "pose": {"position": [2, 2, 1], "look_at": [0, 0, 0]}}],
    }
    spec = scene_from_dict(scene)
    assert spec.parts == ("none", "mug/body", "mug/handle", "duck/blinn3")
    assert Path(pybullet_data.getDataPath(), "duck.mtl").read_text().count("newmtl blinn3")
    layout = store_layout(Engine(spec, 0), 4, 2)
    assert layout.attributes["parts"] == list(spec.parts)
    assert layout.arrays["camera/cam/part"].dtype == "int16"


def test_scene_without_named_parts_has_an_empty_vocabulary() -> None:
    spec = Engine(ROOT / "scenes" / "indoor_room.yaml", 0).spec
    assert spec.parts == ()
