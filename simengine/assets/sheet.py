"""A contact sheet of the procedural generators: a few instances of each, rendered by
simengine's own camera (``simengine assets -o sheet.png``).

Each tile is one sample of a tiny scene: a concrete ground, the generated object fixed at
the origin with parameters drawn uniformly over their ranges (seeded), and a camera placed
from the object's size. Each part shows its generator's colour.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from ..report.plots import load_font
from . import generator, generators

BACKGROUND, CAPTION = (255, 255, 255), (40, 40, 40)


def example_values(name: str, index: int, seed: int = 0) -> dict[str, float]:
    """Parameters of example ``index`` of generator ``name``: uniform over each range
    (whole numbers for integer parameters), from the stream (seed, index)."""
    rng = np.random.default_rng([seed, index])
    values = {}
    for key, p in generator(name).params.items():
        if p.integer:
            values[key] = int(rng.integers(int(p.low), int(p.high), endpoint=True))
        else:
            values[key] = float(rng.uniform(p.low, p.high))
    return values


def example_scene(name: str, values: dict[str, float] | None, width: int, height: int,
                  fixed: bool = True) -> dict:
    """The scene of one tile (a plain scene mapping, as a YAML file would hold). With
    ``values`` None the scene leaves the parameters to the instance sampler (uniform over
    their ranges, a new object per sample) and frames the middle-sized object; ``fixed``
    False drops the object onto the ground under physics."""
    mesh = generator(name)(values)
    lo, hi = mesh.bounds
    centre = (lo + hi) / 2.0
    reach = float(np.linalg.norm(hi - lo))
    d = 0.6 * reach + 0.1  # the object fills about half the 69° D435 field of view
    eye = [float(centre[0] + d), float(centre[1] + 0.65 * d), float(centre[2] + 0.55 * d)]
    return {
        "name": f"asset-{name}",
        "world": {"ground": {"material": "concrete", "color": [0.55, 0.55, 0.55]},
                  "background": [0.92, 0.94, 0.97]},
        "objects": [{"name": name,
                     "template": {"shape": "procedural", "generator": name,
                                  **({} if values is None else {"params": values}),
                                  "fixed": fixed},
                     "position": [0.0, 0.0, 0.0]}],
        "simulation": ({"capture_times": [0.0], "duration": 0.01} if fixed else
                       {"capture_times": [1.0], "duration": 1.0}),
        "sensors": [{"name": "cam", "preset": "rgbd_d435_640x480",
                     "overrides": {"width": width, "height": height, "near": 0.02,
                                   "far": float(4.0 * d + reach)},
                     "pose": {"position": eye, "look_at": [float(c) for c in centre]}}],
    }


def asset_sheet(names: Sequence[str] | None = None, examples: int = 3, seed: int = 0,
                tile_width: int = 200) -> Image.Image:
    """One row per generator (default: all), ``examples`` tiles per row."""
    from ..engine import Engine
    from ..spec.loader import scene_from_dict

    names = list(names) if names else generators()
    tw = max(32, int(tile_width))
    th = max(24, round(tw * 0.75))
    caption_h = 14
    sheet = Image.new("RGB", (tw * examples, (th + caption_h) * len(names)), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = load_font(11)
    for row, name in enumerate(names):
        for col in range(examples):
            values = example_values(name, col, seed)
            spec = scene_from_dict(example_scene(name, values, tw, th),
                                   source=f"simengine assets: {name}")
            rgb = Engine(spec, seed).sample(0)["camera/cam/rgb"][0]
            x, y = col * tw, row * (th + caption_h)
            sheet.paste(Image.fromarray(np.ascontiguousarray(rgb)), (x, y))
            draw.text((x + 2, y + th + 1), f"{name} #{col}", fill=CAPTION, font=font)
    return sheet
