"""``simengine assets``: the list of generators, a clear error for an unknown one, and a
contact sheet rendered by simengine's own camera."""

from __future__ import annotations

import numpy as np
from PIL import Image

from simengine.assets import generators
from simengine.assets.sheet import example_values
from simengine.cli import main


def test_the_list_names_every_generator(capsys):
    assert main(["assets"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == generators()


def test_an_unknown_generator_is_refused_with_exit_2(capsys, tmp_path):
    assert main(["assets", "--generators", "sedan,sedann", "-o", str(tmp_path / "s.png")]) == 2
    assert "unknown generator 'sedann'" in capsys.readouterr().err
    assert not (tmp_path / "s.png").exists()


def test_the_sheet_shows_each_example_on_the_ground(tmp_path, capsys):
    out = tmp_path / "sheet.png"
    assert main(["assets", "--generators", "cone,mug", "--examples", "2", "--tile-width", "64",
                 "-o", str(out)]) == 0
    image = np.asarray(Image.open(out).convert("RGB"))
    assert image.shape == (2 * (48 + 14), 2 * 64, 3)
    cone_tile = image[:48, :64]
    # the cone's orange (red well above green and blue) fills part of its tile
    orange = (cone_tile[..., 0] > 150) & (cone_tile[..., 2] < 100)
    assert 0.01 < orange.mean() < 0.6


def test_example_parameters_are_seeded_and_inside_the_ranges():
    a, b = example_values("sedan", 1, seed=3), example_values("sedan", 1, seed=3)
    assert a == b and a != example_values("sedan", 2, seed=3)
