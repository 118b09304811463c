"""A scene's light as the physically based pass takes it: the sun (direction, disc, RGB
irradiance), the environment (latitude–longitude maps of the radiance that lights surfaces
and of the one an escaping camera ray sees, and the cosine-convolved irradiance map), and
the lamps as rows of a table.

Units. A physical light (``world.light.sky``) is photometric: radiance in cd/m² per
channel, irradiance in lux; the camera's exposure brings it to display values. The
relative light (``direction``, ``ambient``, ``intensity``) keeps its meaning: a white
Lambert surface facing the light shows ``ambient + intensity`` before the camera, so its
sun has irradiance π·intensity and its sky is a uniform radiance ``ambient`` (irradiance
π·ambient on every normal, the draft renderer's ambient term).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ...assets.look import srgb_to_linear
from ._pbr_kernels import AREA, LAMP_COLUMNS, POINT, SPOT

ENV_ELEVATION, ENV_AZIMUTH = 32, 64  # the radiance maps' rows and columns
IRR_ELEVATION, IRR_AZIMUTH = 16, 32  # the irradiance map's
LAMP_KINDS = {"point": POINT, "spot": SPOT, "area": AREA}
REC709_Y = np.array([0.2126, 0.7152, 0.0722])  # luminance of linear Rec.709 RGB


@dataclass(frozen=True)
class Lighting:
    physical: bool
    sun_dir: np.ndarray  # (3,) unit, towards the sun (world)
    sun_cos: float  # cos of the sun disc's angular radius
    sun_rgb: np.ndarray  # (3,) irradiance at normal incidence (lux, or relative units)
    env_light: np.ndarray  # (n_el, n_az, 3) float64 radiance that lights surfaces
    env_background: np.ndarray  # (n_el, n_az, 3) radiance a camera ray sees on a miss
    irradiance: np.ndarray  # (m_el, m_az, 3) irradiance E(n) of env_light for normal n
    lamps: np.ndarray  # (L, LAMP_COLUMNS)
    shadows: bool


def map_directions(n_el: int, n_az: int) -> np.ndarray:
    """Unit directions (n_el, n_az, 3) of a latitude–longitude map's texel centres (the
    layout ``_brdf_kernels._env_lookup`` reads)."""
    el = 0.5 * np.pi - (np.arange(n_el) + 0.5) * np.pi / n_el
    az = -np.pi + (np.arange(n_az) + 0.5) * 2.0 * np.pi / n_az
    ce = np.cos(el)[:, None]
    return np.stack(np.broadcast_arrays(ce * np.cos(az)[None, :], ce * np.sin(az)[None, :],
                                        np.sin(el)[:, None]), axis=-1)


def irradiance_map(env: np.ndarray, n_el: int = IRR_ELEVATION,
                   n_az: int = IRR_AZIMUTH) -> np.ndarray:
    """E(n) = ∫ L(ω) max(n·ω, 0) dω over the map, for the normals of an (n_el, n_az) map:
    a quadrature with each texel's solid angle (cos(elevation)·Δel·Δaz)."""
    m_el, m_az = env.shape[:2]
    dirs = map_directions(m_el, m_az).reshape(-1, 3)
    el = 0.5 * np.pi - (np.arange(m_el) + 0.5) * np.pi / m_el
    solid = np.repeat(np.cos(el) * (np.pi / m_el) * (2.0 * np.pi / m_az), m_az)
    normals = map_directions(n_el, n_az).reshape(-1, 3)
    weights = np.maximum(normals @ dirs.T, 0.0) * solid[None, :]
    return (weights @ env.reshape(-1, 3)).reshape(n_el, n_az, 3)


def gradient_map(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """The draft renderer's sky: linear colours blended by ½(1 + d_z)."""
    f = 0.5 * (1.0 + map_directions(ENV_ELEVATION, ENV_AZIMUTH)[..., 2:3])
    return bottom + f * (top - bottom)


def lamp_rows(lamps: list[dict]) -> np.ndarray:
    """Each lamp as a row: type, position, axis, RGB intensity (cd; an area lamp's
    luminance in cd/m²), cos of the outer and inner cone, size. The colour keeps its
    chromaticity and is scaled to unit luminance, so the flux sets the brightness."""
    rows = np.zeros((len(lamps), LAMP_COLUMNS))
    for i, lamp in enumerate(lamps):
        kind = LAMP_KINDS[lamp["type"]]
        color = srgb_to_linear(np.asarray(lamp["color"], np.float64))
        y = float(color @ REC709_Y)
        color = color / y if y > 0 else np.zeros(3)
        flux = float(lamp["luminous_flux_lm"])
        w, h = (float(s) for s in lamp["size"])
        half = math.radians(float(lamp["cone_deg"])) / 2.0
        if kind == AREA:  # one-sided Lambertian panel: Φ = π·L·A
            level = flux / (math.pi * w * h)
        elif kind == SPOT:  # Φ spread over the cone's solid angle
            level = flux / (2.0 * math.pi * (1.0 - math.cos(half)))
        else:
            level = flux / (4.0 * math.pi)
        rows[i, 0] = kind
        rows[i, 1:4] = lamp["position"]
        rows[i, 4:7] = lamp["direction"]
        rows[i, 7:10] = level * color
        rows[i, 10] = math.cos(half)
        rows[i, 11] = math.cos(0.8 * half)  # full intensity over the inner 80 % of the cone
        rows[i, 12], rows[i, 13] = w, h
    return rows


@functools.lru_cache(maxsize=32)
def relative_lighting(direction: tuple, ambient: float, intensity: float, shadows: bool,
              top: tuple, bottom: tuple) -> Lighting:
    """The relative light (module doc) with a background gradient from ``top`` to
    ``bottom`` (sRGB colours). Cached: its arrays are read-only."""
    env = np.full((ENV_ELEVATION, ENV_AZIMUTH, 3), ambient)
    lighting = Lighting(
        physical=False, sun_dir=-np.asarray(direction, np.float64), sun_cos=1.0,
        sun_rgb=np.full(3, math.pi * intensity), env_light=env,
        env_background=gradient_map(srgb_to_linear(np.asarray(top, np.float64)),
                                    srgb_to_linear(np.asarray(bottom, np.float64))),
        irradiance=np.full((IRR_ELEVATION, IRR_AZIMUTH, 3), math.pi * ambient),
        lamps=np.zeros((0, LAMP_COLUMNS)), shadows=shadows)
    for value in vars(lighting).values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return lighting


def scene_lighting(scene: dict) -> Lighting:
    """The lighting of one capture from the engine's scene dict (``light``, ``background``,
    ``background_bottom``)."""
    light = scene["light"]
    if "sky" not in light:
        top = tuple(scene["background"])
        bottom = tuple(scene["background_bottom"] or scene["background"])
        return relative_lighting(tuple(light["direction"]), float(light["ambient"]),
                         float(light["intensity"]), bool(light["shadows"]), top, bottom)
    from .sky_light import physical_lighting  # the sky models: only for physical scenes

    return physical_lighting(light)
