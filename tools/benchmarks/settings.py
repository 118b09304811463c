"""What a benchmark run measures: sample counts, repeats and sizes, full or ``--quick``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout (tools/bench.py puts it on sys.path)
SCENES = ROOT / "scenes"


@dataclasses.dataclass(frozen=True)
class Settings:
    samples: int
    repeat: int
    seed: int
    camera_sizes: tuple[tuple[int, int], ...]  # (width, height) for the 20-primitive scene
    scene_camera_size: tuple[int, int] | None  # None: the scene's own resolution
    lidar_columns: int
    mesh_copies: int  # of each mesh in the mesh-heavy scene
    quick: bool


def settings(*, quick: bool, samples: int | None = None, repeat: int | None = None,
             seed: int = 0) -> Settings:
    """Full sizes, or the ``--quick`` smoke run; ``samples``/``repeat`` override the default."""
    if quick:
        return Settings(samples=samples or 8, repeat=repeat or 1, seed=seed,
                        camera_sizes=((320, 240),), scene_camera_size=(320, 240),
                        lidar_columns=256, mesh_copies=1, quick=True)
    return Settings(samples=samples or 32, repeat=repeat or 7, seed=seed,
                    camera_sizes=((320, 240), (640, 480), (1280, 720)),
                    scene_camera_size=None, lidar_columns=1024, mesh_copies=3, quick=False)
