"""Procedural surface materials: tileable detail, roughness, metalness and bump maps for
each name of ``simengine.materials`` (one name drives a surface's sound, lidar return and
look), deterministic from randomisable parameters.

``detail`` multiplies a part's linear base colour and averages 1 per channel over the tile,
so an object keeps its colour and gains the material's structure; ``default_color`` is a
representative base colour for parts that have none (published albedos:
docs/references.md#surfaces).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..materials import MATERIAL_NAMES
from ..params import Field
from . import _patterns_built as built
from . import _patterns_natural as natural
from ._patterns import Pattern
from ._tileable import slope_from_height

# Dielectric reflectance at normal incidence, ((n - 1) / (n + 1))² for n ≈ 1.5 (glass,
# plastics, most organic and mineral surfaces).
DIELECTRIC_F0 = 0.04

# Linear RGB reflectance at normal incidence of metals (Real-Time Rendering, 4th ed.,
# table 9.2): a metal's base colour.
METAL_F0: dict[str, tuple[float, float, float]] = {
    "iron": (0.562, 0.565, 0.578),
    "aluminium": (0.913, 0.922, 0.924),
    "chromium": (0.549, 0.556, 0.554),
    "titanium": (0.542, 0.497, 0.449),
    "nickel": (0.660, 0.609, 0.526),
    "copper": (0.955, 0.638, 0.538),
    "brass": (0.910, 0.778, 0.423),
    "gold": (1.000, 0.782, 0.344),
    "silver": (0.972, 0.960, 0.915),
}
GLASS_TINT = (0.90, 0.95, 0.92)  # linear: the faint green of soda-lime float glass


@dataclass(frozen=True)
class SurfaceMaps:
    """One tile of a material at S × S texels (row 0 at the top, v up, as textures are).

    detail: (S, S, 3) float32, multiplies the part's linear base colour; mean 1 per channel.
    roughness: (S, S) float32 GGX perceptual roughness in [0.02, 1].
    metalness: (S, S) float32 in [0, 1].
    slope: (S, S, 2) float32 bump height gradient (dh/du, dh/dv) in metres per metre.
    tile_m: metres of surface one tile spans (along u and along v).
    f0: dielectric specular reflectance at normal incidence.
    default_color: (3,) sRGB representative base colour.
    """

    detail: np.ndarray
    roughness: np.ndarray
    metalness: np.ndarray
    slope: np.ndarray
    tile_m: float
    f0: float
    default_color: np.ndarray


def _number(default: float, low: float, high: float) -> Field:
    return Field("number", default, minimum=low, maximum=high)


def _integer(default: int, low: int, high: int) -> Field:
    return Field("integer", default, minimum=low, maximum=high)


def _common(albedo: tuple | None, roughness: tuple, variation: tuple, bump_m: tuple,
            tile_m: tuple | None) -> dict[str, Field]:
    """The parameters every procedural material has: mean albedo (the luminance of the
    default colour), base roughness, its variation, bump height, tile size and seed."""
    fields = {"seed": _integer(0, 0, 2**31 - 1), "roughness": _number(*roughness),
              "roughness_variation": _number(*variation), "bump_m": _number(*bump_m)}
    if albedo is not None:
        fields["albedo"] = _number(*albedo)
    if tile_m is not None:
        fields["tile_m"] = _number(*tile_m)
    return fields


# (default, minimum, maximum) per parameter; albedo ranges are the published ranges of
# docs/references.md#surfaces, the others plausible spans of the real geometry.
SURFACE_PARAMS: dict[str, dict[str, Field]] = {
    "wood": {**_common((0.3, 0.1, 0.5), (0.55, 0.25, 0.85), (0.08, 0.0, 0.2), (1e-4, 0.0, 5e-4),
                       (0.5, 0.2, 1.0)),
             "ring_spacing_m": _number(0.006, 0.002, 0.015),
             "grain_warp": _number(1.0, 0.0, 3.0), "ring_contrast": _number(0.35, 0.1, 0.6)},
    "metal": {**_common(None, (0.3, 0.05, 0.6), (0.05, 0.0, 0.15), (2e-6, 0.0, 1e-5),
                        (0.2, 0.05, 0.5)),
              "metal": Field("string", "iron", choices=tuple(METAL_F0)),
              "brushing": _number(0.6, 0.0, 1.0)},
    "plastic": _common((0.4, 0.05, 0.8), (0.35, 0.05, 0.7), (0.03, 0.0, 0.1), (5e-6, 0.0, 2e-5),
                       (0.1, 0.05, 0.3)),
    "fabric": {**_common((0.3, 0.05, 0.7), (0.9, 0.7, 1.0), (0.04, 0.0, 0.1),
                         (1.5e-4, 0.0, 4e-4), (0.03, 0.01, 0.08)),
               "threads_per_tile": _integer(48, 16, 128),
               "weave_contrast": _number(0.3, 0.0, 0.5)},
    "asphalt": {**_common((0.08, 0.04, 0.18), (0.85, 0.6, 1.0), (0.06, 0.0, 0.15),
                          (0.0015, 0.0, 0.004), (0.5, 0.25, 1.0)),
                "aggregate_size_m": _number(0.008, 0.004, 0.02),
                "aggregate_fraction": _number(0.35, 0.1, 0.6),
                "aggregate_contrast": _number(1.6, 1.0, 3.0)},
    "concrete": {**_common((0.4, 0.2, 0.55), (0.85, 0.6, 1.0), (0.05, 0.0, 0.15),
                           (3e-4, 0.0, 1e-3), (1.0, 0.5, 2.0)),
                 "speckle": _number(0.06, 0.0, 0.15), "blotch": _number(0.08, 0.0, 0.2)},
    "brick": {**_common((0.3, 0.2, 0.4), (0.85, 0.6, 1.0), (0.05, 0.0, 0.15),
                        (0.006, 0.0, 0.012), None),
              "brick_length_m": _number(0.215, 0.19, 0.3),
              "brick_height_m": _number(0.065, 0.05, 0.09),
              "mortar_m": _number(0.01, 0.006, 0.015),
              "bricks_per_row": _integer(2, 1, 4),
              "brick_variation": _number(0.12, 0.0, 0.3),
              "mortar_contrast": _number(1.5, 0.8, 2.5)},
    "grass": {**_common((0.2, 0.15, 0.26), (0.9, 0.7, 1.0), (0.05, 0.0, 0.1),
                        (0.004, 0.0, 0.01), (0.5, 0.25, 1.0)),
              "blade_length_m": _number(0.04, 0.01, 0.1),
              "blade_width_m": _number(0.004, 0.002, 0.008),
              "lean_deg": _number(12.0, 0.0, 30.0),
              "blade_contrast": _number(0.5, 0.2, 0.8),
              "dry_fraction": _number(0.15, 0.0, 0.6)},
    "cardboard": {**_common((0.35, 0.2, 0.5), (0.9, 0.7, 1.0), (0.04, 0.0, 0.1),
                            (5e-5, 0.0, 2e-4), (0.2, 0.1, 0.5)),
                  "flute_pitch_m": _number(0.008, 0.003, 0.01),
                  "fibre_contrast": _number(0.05, 0.0, 0.12)},
    "glass": _common(None, (0.02, 0.02, 0.1), (0.0, 0.0, 0.02), (2e-6, 0.0, 1e-5),
                     (1.0, 0.5, 2.0)),
}

_GENERATORS: dict[str, Callable[[dict, int, np.random.Generator], Pattern]] = {
    "wood": natural.wood, "metal": built.metal, "plastic": built.plastic,
    "fabric": natural.fabric, "asphalt": built.asphalt, "concrete": built.concrete,
    "brick": built.brick, "grass": natural.grass, "cardboard": natural.cardboard,
    "glass": built.glass,
}

# Every other material of simengine.materials: a uniform surface of its typical albedo and
# roughness (default: mid grey; ceramic: white glaze; rubber: tyre black; stone: rock;
# plaster: white wall paint).
_UNIFORM = {"default": (0.5, 0.5), "ceramic": (0.7, 0.1), "rubber": (0.04, 0.85),
            "stone": (0.3, 0.7), "plaster": (0.7, 0.9)}
for _name in MATERIAL_NAMES:
    if _name not in SURFACE_PARAMS:
        _albedo, _rough = _UNIFORM.get(_name, (0.5, 0.5))
        SURFACE_PARAMS[_name] = {"seed": _integer(0, 0, 2**31 - 1),
                                 "albedo": _number(_albedo, 0.02, 0.9),
                                 "roughness": _number(_rough, 0.02, 1.0)}


def linear_to_srgb(linear) -> np.ndarray:
    """IEC 61966-2-1 encoding of linear values in 0..1."""
    c = np.clip(np.asarray(linear, np.float64), 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def luminance(linear_rgb) -> np.ndarray:
    """Rec. 709 relative luminance of linear RGB (last axis)."""
    return np.asarray(linear_rgb, np.float64) @ np.array([0.2126, 0.7152, 0.0722])


def resolve_params(name: str, params: dict | None = None) -> dict:
    """``params`` over the material's defaults, checked against its fields (ValueError
    naming the material, key and expectation)."""
    if name not in SURFACE_PARAMS:
        raise ValueError(f"unknown surface material {name!r}; expected one of "
                         f"{sorted(SURFACE_PARAMS)}")
    fields = SURFACE_PARAMS[name]
    unknown = sorted(set(params or {}) - set(fields))
    if unknown:
        raise ValueError(f"surface {name!r}: unknown parameter(s) {unknown}; expected "
                         f"{sorted(fields)}")
    out = {}
    for key, field in fields.items():
        value = (params or {}).get(key, field.default)
        where = f"surface {name!r} parameter {key!r}"
        if field.kind == "string":
            if value not in field.choices:
                raise ValueError(f"{where}: expected one of {list(field.choices)}, got {value!r}")
            out[key] = value
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise ValueError(f"{where}: expected a {field.kind}, got {value!r}")
        if field.kind == "integer" and value != int(value):
            raise ValueError(f"{where}: expected an integer, got {value!r}")
        if not field.minimum <= value <= field.maximum:
            raise ValueError(f"{where}: expected {field.minimum} <= value <= {field.maximum}, "
                             f"got {value!r}")
        out[key] = int(value) if field.kind == "integer" else float(value)
    return out


def surface_maps(name: str, params: dict | None = None, size: int = 256) -> SurfaceMaps:
    """The maps of material ``name`` (a name of ``simengine.materials``) at ``size`` × ``size``
    texels (a power of two ≥ 8); missing parameters take their defaults. Cached: the arrays
    are shared and read-only."""
    if not (isinstance(size, int) and size >= 8 and size & (size - 1) == 0):
        raise ValueError(f"surface size must be a power of two >= 8, got {size!r}")
    resolved = resolve_params(name, params)
    return _cached_maps(name, tuple(sorted(resolved.items())), size)


@functools.lru_cache(maxsize=64)
def _cached_maps(name: str, params: tuple, size: int) -> SurfaceMaps:
    p = dict(params)
    rng = np.random.default_rng(p["seed"])
    if name in _GENERATORS:
        pattern = _GENERATORS[name](p, size, rng)
    else:
        flat = np.ones((size, size))
        pattern = Pattern(flat[..., None] * np.ones(3), flat * p["roughness"], flat * 0.0, 1.0)
    mean = pattern.color.mean(axis=(0, 1))
    detail = pattern.color / mean
    if name == "metal":
        base = np.array(METAL_F0[p["metal"]])
    elif name == "glass":
        base = np.array(GLASS_TINT)
    else:
        base = mean * p["albedo"] / luminance(mean)
    metalness = np.full((size, size), 1.0 if name == "metal" else 0.0)
    maps = SurfaceMaps(
        detail=detail.astype(np.float32),
        roughness=np.clip(pattern.roughness, 0.02, 1.0).astype(np.float32),
        metalness=metalness.astype(np.float32),
        slope=slope_from_height(pattern.height_m, pattern.tile_m),
        tile_m=float(pattern.tile_m), f0=DIELECTRIC_F0,
        default_color=linear_to_srgb(base))
    for array in (maps.detail, maps.roughness, maps.metalness, maps.slope, maps.default_color):
        array.flags.writeable = False
    return maps
