"""Pattern generators of natural and fibrous surfaces: wood, fabric, grass, cardboard.

Each takes the material's full parameter dict, the tile size S in texels and a generator
seeded from the ``seed`` parameter, and returns a ``Pattern``. Sources of the figures:
docs/references.md#surfaces.
"""

from __future__ import annotations

import numpy as np

from ._patterns import Pattern, mix, roughness_field, tinted
from ._tileable import blurred_noise, fbm, smoothstep


def wood(p: dict, size: int, rng: np.random.Generator) -> Pattern:
    """Flat-sawn wood, grain along u: growth rings (an integer number per tile, so the tile
    repeats) bent by low-frequency noise, dark narrow latewood, fibre streaks."""
    rings = max(1, round(p["tile_m"] / p["ring_spacing_m"]))
    rows = (np.arange(size) + 0.5)[:, None] / size
    warp = blurred_noise(rng, size, size / 6.0, size / 24.0)
    phase = 2.0 * np.pi * (rings * rows + p["grain_warp"] * warp)  # warp: rings of wander
    late = (0.5 + 0.5 * np.cos(phase)) ** 4  # latewood: the narrow dark part of a ring
    fibres = blurred_noise(rng, size, size / 16.0, 0.6)
    early_hue, late_hue = np.array([1.0, 0.55, 0.28]), np.array([0.85, 0.42, 0.19])
    light = 1.0 - p["ring_contrast"] * late + 0.06 * fibres
    color = mix(tinted(light, early_hue), tinted(light, late_hue), late)
    height = p["bump_m"] * (0.3 * fibres - late)
    rough = roughness_field(p, rng, size, 0.0, extra=0.5 * fibres + 2.0 * late - 0.6)
    return Pattern(color, rough, height, p["tile_m"])


def fabric(p: dict, size: int, rng: np.random.Generator) -> Pattern:
    """Plain weave: warp threads along v and weft threads along u crossing over and under
    in a checker (an even thread count per tile, so the tile repeats); each thread its own
    tone, the sunken half of each crossing darker."""
    threads = max(2, 2 * round(p["threads_per_tile"] / 2))
    coord = (np.arange(size) + 0.5) / size * threads
    index = np.floor(coord).astype(np.int64)
    frac = coord - index
    across_warp = np.sin(np.pi * frac)[None, :]  # profile across a warp thread (along u)
    across_weft = np.sin(np.pi * frac)[:, None]
    warp_on_top = (index[None, :] + index[:, None]) % 2 == 0
    height01 = np.where(warp_on_top, across_warp, across_weft)
    warp_tone = rng.normal(0.0, 1.0, threads)
    weft_tone = rng.normal(0.0, 1.0, threads)
    tone = np.where(warp_on_top, warp_tone[index][None, :], weft_tone[index][:, None])
    fuzz = blurred_noise(rng, size, 0.7)
    light = 1.0 - p["weave_contrast"] * (1.0 - height01) + 0.05 * tone + 0.03 * fuzz
    rough = roughness_field(p, rng, size, 0.0, extra=1.0 - 2.0 * height01)
    return Pattern(tinted(light, (1.0, 1.0, 1.0)), rough, p["bump_m"] * height01,
                   p["tile_m"])


def grass(p: dict, size: int, rng: np.random.Generator) -> Pattern:
    """Blades along v leaning either way by ``lean_deg``: two layers of streaky noise, dark
    gaps between bright blades; patches of dry yellow-brown blades."""
    length_px = p["blade_length_m"] / p["tile_m"] * size
    width_px = p["blade_width_m"] / p["tile_m"] * size
    lean = np.radians(p["lean_deg"])
    blades = sum(blurred_noise(rng, size, max(width_px / 2, 0.5), max(length_px / 3, 1.0),
                               angle) for angle in (lean, -lean)) / np.sqrt(2.0)
    dry_field = fbm(rng, size, size / 8.0, octaves=3)
    dry = np.zeros_like(dry_field)
    if p["dry_fraction"] > 0:
        threshold = np.quantile(dry_field, 1.0 - p["dry_fraction"])
        dry = smoothstep(threshold - 0.2, threshold + 0.2, dry_field)
    light = np.clip(1.0 + p["blade_contrast"] * blades, 0.15, None)
    green = tinted(light, (0.45, 1.0, 0.1))
    straw = tinted(light, (1.0, 0.7, 0.22)) * 1.4  # dry blades are brighter
    rough = roughness_field(p, rng, size, 0.0, extra=-blades)
    return Pattern(mix(green, straw, dry), rough, p["bump_m"] * blades, p["tile_m"])


def cardboard(p: dict, size: int, rng: np.random.Generator) -> Pattern:
    """Kraft liner: short fibres, mottling, and the corrugation flutes beneath (an integer
    number per tile) showing as faint shading and a gentle height ripple along v."""
    fibres = blurred_noise(rng, size, 3.0, 0.7, angle=0.3) + blurred_noise(rng, size, 3.0, 0.7,
                                                                           angle=-0.4)
    fibres /= np.sqrt(2.0)
    mottle = fbm(rng, size, size / 10.0, octaves=3)
    flutes = max(1, round(p["tile_m"] / p["flute_pitch_m"]))
    rows = (np.arange(size) + 0.5)[:, None] / size
    ripple = np.cos(2.0 * np.pi * flutes * rows) * np.ones((1, size))
    light = 1.0 + p["fibre_contrast"] * fibres + 0.04 * mottle + 0.015 * ripple
    height = p["bump_m"] * (ripple + 0.1 * fibres)
    rough = roughness_field(p, rng, size, 0.0, extra=fibres)
    return Pattern(tinted(light, (1.0, 0.62, 0.36)), rough, height, p["tile_m"])
