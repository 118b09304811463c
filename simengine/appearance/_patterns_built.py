"""Pattern generators of man-made surfaces: metal, plastic, glass, asphalt, concrete, brick.

Each takes the material's full parameter dict, the tile size S in texels and a generator
seeded from the ``seed`` parameter, and returns a ``Pattern``. Sources of the figures:
docs/references.md#surfaces.
"""

from __future__ import annotations

import numpy as np

from ._patterns import Pattern, mix, roughness_field, tinted
from ._tileable import blurred_noise, fbm, smoothstep


def metal(p: dict, size: int, rng: np.random.Generator) -> Pattern:
    """Brushed metal: fine streaks along u in colour, roughness and height."""
    streaks = blurred_noise(rng, size, size / 4.0, 0.5)
    streaks = (streaks + 0.3 * blurred_noise(rng, size, 2.0)) / 1.044  # √(1 + 0.3²)
    light = 1.0 + 0.05 * p["brushing"] * streaks
    rough = roughness_field(p, rng, size, 0.0, extra=streaks * p["brushing"])
    return Pattern(tinted(light, (1.0, 1.0, 1.0)), rough, p["bump_m"] * streaks, p["tile_m"])


def plastic(p: dict, size: int, rng: np.random.Generator) -> Pattern:
    """Moulded plastic: nearly uniform, a faint orange-peel texture in height."""
    peel = blurred_noise(rng, size, 3.0)
    light = 1.0 + 0.01 * fbm(rng, size, size / 8.0)
    return Pattern(tinted(light, (1.0, 1.0, 1.0)), roughness_field(p, rng, size, size / 16.0),
                   p["bump_m"] * peel, p["tile_m"])


def glass(p: dict, size: int, rng: np.random.Generator) -> Pattern:
    """Float glass: uniform, with the long low waviness of drawn sheets in height."""
    wave = blurred_noise(rng, size, size / 8.0)
    light = np.ones((size, size))
    return Pattern(tinted(light, (1.0, 1.0, 1.0)), roughness_field(p, rng, size, size / 8.0),
                   p["bump_m"] * wave, p["tile_m"])


def asphalt(p: dict, size: int, rng: np.random.Generator) -> Pattern:
    """Aggregate stones in a dark binder: stones brighter by ``aggregate_contrast``, standing
    out of the binder by ``bump_m``; fine speckle over both."""
    stone_px = p["aggregate_size_m"] / p["tile_m"] * size
    stones = blurred_noise(rng, size, max(stone_px / 2.5, 0.7))
    threshold = np.quantile(stones, 1.0 - p["aggregate_fraction"])
    mask = smoothstep(threshold, threshold + 0.35, stones)
    fine = blurred_noise(rng, size, 0.7)
    binder = tinted(1.0 + 0.08 * fine, (1.0, 1.0, 1.0))
    stone = tinted((1.0 + 0.15 * fine) * p["aggregate_contrast"], (1.04, 1.0, 0.94))
    height = p["bump_m"] * (mask * (0.6 + 0.4 * np.tanh(stones - threshold)) + 0.1 * fine)
    rough = roughness_field(p, rng, size, 0.0, extra=fine - 1.5 * mask)
    return Pattern(mix(binder, stone, mask), rough, height, p["tile_m"])


def concrete(p: dict, size: int, rng: np.random.Generator) -> Pattern:
    """Speckled cement paste with blotchy low-frequency variation and small dark pores."""
    speckle = blurred_noise(rng, size, 0.8)
    blotch = fbm(rng, size, size / 6.0)
    pore_field = blurred_noise(rng, size, 1.2)
    pores = smoothstep(2.4, 2.9, pore_field)
    light = 1.0 + p["speckle"] * speckle + p["blotch"] * blotch - 0.35 * pores
    height = p["bump_m"] * (0.5 * speckle + 0.5 * blotch - 3.0 * pores)
    return Pattern(tinted(light, (1.0, 0.98, 0.93)),
                   roughness_field(p, rng, size, 0.0, extra=speckle), height, p["tile_m"])


def brick_tile_m(p: dict) -> float:
    """A tile holds ``bricks_per_row`` bricks and joints along u, and as many courses along v
    as make it square (an even number: running bond repeats every two courses)."""
    return p["bricks_per_row"] * (p["brick_length_m"] + p["mortar_m"])


def brick(p: dict, size: int, rng: np.random.Generator) -> Pattern:
    """Running-bond brickwork: bricks of their own tone each, recessed mortar joints."""
    length, joint, per_row = p["brick_length_m"], p["mortar_m"], p["bricks_per_row"]
    tile = brick_tile_m(p)
    courses = max(2, 2 * round(tile / (p["brick_height_m"] + joint) / 2))
    course = tile / courses  # the course height that fits the tile exactly
    centres = (np.arange(size) + 0.5) / size * tile
    y = centres[:, None]
    row = np.floor(y / course).astype(np.int64)
    x = centres[None, :] + (row % 2) * 0.5 * (length + joint)  # every other course shifted
    col = np.floor(x / (length + joint)).astype(np.int64) % per_row
    x_in = np.mod(x, length + joint)
    y_in = y - row * course
    # distance into the brick from its nearest joint edge (negative in the mortar)
    inside_x = np.minimum(x_in - joint / 2, length + joint / 2 - x_in)
    inside_y = np.minimum(y_in - joint / 2, course - joint / 2 - y_in)
    depth = np.minimum(inside_x, inside_y)
    bevel = max(0.4 * joint, 1e-4)  # the arrises' rounding, centred on the joint's edge
    face = smoothstep(-bevel / 2, bevel / 2, depth)  # 1 on a brick, 0 in a joint
    tone = np.exp(rng.normal(0.0, p["brick_variation"], (courses, per_row)))[row, col]
    grain = fbm(rng, size, size / 32.0)
    brick_hue = np.array([1.0, 0.42, 0.28])
    mortar_hue = np.array([1.0, 0.97, 0.9])
    # the mortar's brightness relative to the bricks' (luminance ratio mortar_contrast)
    mortar_hue *= p["mortar_contrast"] * _luminance(brick_hue) / _luminance(mortar_hue)
    bricks = tinted(tone * (1.0 + 0.06 * grain), brick_hue)
    mortar = tinted(1.0 + 0.1 * blurred_noise(rng, size, 0.8), mortar_hue)
    height = p["bump_m"] * (face - 1.0) + 0.1 * p["bump_m"] * grain * face
    rough = roughness_field(p, rng, size, 0.0, extra=grain + (1.0 - face))
    return Pattern(mix(mortar, bricks, face), rough, height, tile)


def _luminance(rgb) -> float:
    """Rec. 709 relative luminance of linear RGB."""
    return float(np.dot(rgb, (0.2126, 0.7152, 0.0722)))
