"""tools/scene_spread.py counts a tiny scene's classes and parameters as worked out by hand.

The scene: a group of exactly 2 blocks, a group of 0 or 2 balls (``choice``), and one
cardboard box whose length is 0.3 or 0.4 (``choice``) and whose width and height are fixed,
all in a 10 m square with room to spare, so nothing is dropped. Per sample: blocks 2,
cartons 1, balls 0 or 2, so objects 3 or 5; the balls' instances are twice the samples that
have them; the length takes both values over 40 samples (all one value: odds 2^-39), the
width and height one value each (not listed as varying).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from simengine.spec.loader import scene_from_dict

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "scene_spread.py"
N = 40


def load_tool():
    spec = importlib.util.spec_from_file_location("scene_spread", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules["scene_spread"] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


scene_spread = load_tool()


ANYWHERE = [{"uniform": [-5, 5]}, {"uniform": [-5, 5]}, 0.1]
SCENE = {
    "name": "tiny",
    "world": {"ground": {"material": "concrete"}},
    "objects": [
        {"name": "blocks", "count": 2, "position": ANYWHERE,
         "template": {"shape": "box", "size": [0.1, 0.1, 0.1], "class": "block"}},
        {"name": "balls", "count": {"choice": [0, 2]},
         "position": ANYWHERE,
         "template": {"shape": "sphere", "radius": 0.05, "class": "ball"}},
        {"name": "carton", "position": [0, 0, 0],
         "template": {"shape": "procedural", "generator": "cardboard_box", "class": "carton",
                      "params": {"length": {"choice": [0.3, 0.4]}, "width": 0.2,
                                 "height": 0.15}}},
    ],
    "sensors": [{"name": "cam", "preset": "rgbd_d435_640x480",
                 "pose": {"position": [8, 0, 2], "look_at": [0, 0, 0]}}],
}


@pytest.fixture(scope="module")
def spread():
    return scene_spread.scene_spread(scene_from_dict(SCENE, source=str(ROOT / "tiny.yaml")), N)


def test_counts_match_the_hand_computed_ones(spread):
    assert spread.rejected == 0
    assert spread.class_counts["block"] == [2] * N
    assert spread.class_counts["carton"] == [1] * N
    balls = spread.class_counts["ball"]
    assert set(balls) == {0, 2}  # both drawn in 40 samples (odds of not: 2^-39)
    with_balls = sum(1 for b in balls if b)
    assert spread.objects_per_sample == [5 if b else 3 for b in balls]
    assert sum(spread.objects_per_sample) == 3 * N + 2 * with_balls


def test_parameters_spread_as_drawn(spread):
    length = spread.params[("cardboard_box", "length")]
    assert len(length) == N and set(length) == {0.3, 0.4}
    assert spread.params[("cardboard_box", "width")] == [0.2] * N
    assert spread.params[("cardboard_box", "height")] == [0.15] * N


def test_markdown_lists_what_varies(spread):
    text = scene_spread.markdown(spread)
    with_balls = sum(1 for b in spread.class_counts["ball"] if b)
    assert f"| ball | {with_balls} | 0 | {2 * with_balls / N:.3g} | 2 | {2 * with_balls} |" in text
    assert f"| block | {N} | 2 | 2 | 2 | {2 * N} |" in text
    assert "| cardboard_box | length | 40 | 0.3 |" in text and "| 0.4 | 2 |" in text
    assert "| width |" not in text and "| height |" not in text
    assert "1 generator parameters vary; 2 take one value." in text
    assert "3 distinct classes" in text


def test_command_line_prints_a_table_per_scene():
    proc = subprocess.run([sys.executable, str(TOOL), str(ROOT / "scenes" / "tabletop.yaml"),
                           "--samples", "3"], capture_output=True, text=True, check=False,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("### tabletop") and "| class |" in proc.stdout
