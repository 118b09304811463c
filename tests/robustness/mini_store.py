"""A rendered store of the mini scene with given corruption sets, for the score tests."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from simengine.cli import main

from ..conftest import MINI


def render_mini(tmp: Path, sets: list[dict], n: int, seed: int) -> Path:
    """``n`` samples of the mini scene with ``sets`` as its corruption sets, rendered by the
    CLI into ``tmp/s.zarr``."""
    scene = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    scene["corruptions"] = copy.deepcopy(sets)
    path = tmp / "scene.yaml"
    path.write_text(yaml.safe_dump(scene), encoding="utf-8")
    out = tmp / "s.zarr"
    assert main(["render", str(path), "-n", str(n), "-o", str(out), "--seed", str(seed),
                 "--no-progress"]) == 0
    return out
