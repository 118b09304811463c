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
from .sky import (
    EnvironmentMap,
    OvercastSky,
    PreethamSky,
    environment_map,
    irradiance_map,
    latlong_lookup_np,
    sample_directions,
    sun_illuminance,
)

ENV_ELEVATION, ENV_AZIMUTH = 32, 64  # the radiance maps' rows and columns
IRR_ELEVATION, IRR_AZIMUTH = 16, 32  # the irradiance map's
LAMP_KINDS = {"point": POINT, "spot": SPOT, "area": AREA}
REC709_Y = np.array([0.2126, 0.7152, 0.0722])  # luminance of linear Rec.709 RGB


@dataclass(frozen=True)
class Lighting:
    """Maps are ``sky.EnvironmentMap`` tables (float32 (n_el, n_az, 3), zenith row first)."""

    physical: bool
    sun_dir: np.ndarray  # (3,) unit, towards the sun (world)
    sun_cos: float  # cos of the sun disc's angular radius
    sun_rgb: np.ndarray  # (3,) irradiance at normal incidence (lux, or relative units)
    env_light: np.ndarray  # radiance that lights surfaces
    env_background: np.ndarray  # radiance a camera ray sees on a miss
    irradiance: np.ndarray  # irradiance E(n) of env_light for the surface normal n
    lamps: np.ndarray  # (L, LAMP_COLUMNS)
    shadows: bool


def constant_map(value, n_el: int = ENV_ELEVATION, n_az: int = ENV_AZIMUTH) -> np.ndarray:
    return np.ascontiguousarray(np.broadcast_to(np.asarray(value, np.float32), (n_el, n_az, 3)))


def gradient_map(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """The draft renderer's sky: linear colours blended by ½(1 + d_z)."""
    f = 0.5 * (1.0 + sample_directions(ENV_ELEVATION, ENV_AZIMUTH)[..., 2:3])
    return np.ascontiguousarray(bottom + f * (top - bottom), np.float32)


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
    return _read_only(Lighting(
        physical=False, sun_dir=-np.asarray(direction, np.float64), sun_cos=1.0,
        sun_rgb=np.full(3, math.pi * intensity), env_light=constant_map(ambient),
        env_background=gradient_map(srgb_to_linear(np.asarray(top, np.float64)),
                                    srgb_to_linear(np.asarray(bottom, np.float64))),
        irradiance=constant_map(math.pi * ambient, IRR_ELEVATION, IRR_AZIMUTH),
        lamps=np.zeros((0, LAMP_COLUMNS)), shadows=shadows))


def _read_only(lighting: Lighting) -> Lighting:
    for value in vars(lighting).values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return lighting


def _sun_vector(sun: dict) -> np.ndarray:
    el, az = math.radians(sun["elevation_deg"]), math.radians(sun["azimuth_deg"])
    return np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])


def physical_lighting(light: dict) -> Lighting:
    """Sun, sky and lamps of a physical light (``spec/lighting.py``, drawn by the instance
    sampler) in cd/m² and lux. The preetham sky brings its sun (``sky.sun_illuminance`` for
    the turbidity); an overcast sky hides the sun; a uniform sky (a room's light from its
    surfaces, or a plain test sky) takes the sun's light from the same clear-sky model."""
    sky, sun = light["sky"], light["sun"]
    model = sky["model"]
    albedo = float(sky["ground_albedo"])
    to_sun = _sun_vector(sun) if sun is not None else np.array([0.0, 0.0, 1.0])
    if model == "preetham":
        env = environment_map(PreethamSky(to_sun, sky["turbidity"], ground_albedo=albedo),
                              ENV_ELEVATION, ENV_AZIMUTH).table
    elif model == "overcast":
        env = environment_map(OvercastSky(sky["luminance_cd_m2"], ground_albedo=albedo),
                              ENV_ELEVATION, ENV_AZIMUTH).table
    else:
        env = constant_map(sky["luminance_cd_m2"])
    sun_rgb = np.zeros(3)
    sun_cos = 1.0
    if sun is not None and model != "overcast" and to_sun[2] > 0.0:
        sun_rgb = np.asarray(sun_illuminance(to_sun, sky["turbidity"]), np.float64)
        sun_cos = math.cos(math.radians(sun["angular_diameter_deg"]) / 2.0)
    if model == "uniform":
        irradiance = constant_map(math.pi * sky["luminance_cd_m2"], IRR_ELEVATION, IRR_AZIMUTH)
    else:
        irradiance = irradiance_map(EnvironmentMap(env), IRR_ELEVATION, IRR_AZIMUTH).table
    return Lighting(physical=True, sun_dir=to_sun, sun_cos=sun_cos, sun_rgb=sun_rgb,
                    env_light=env, env_background=env, irradiance=irradiance,
                    lamps=lamp_rows(light["lamps"]), shadows=bool(light["shadows"]))


def draft_scene(lighting: Lighting) -> dict:
    """A physical light as the fast renderer's relative light, in the same units (cd/m²): the
    sun as a white directional light of the sun's luminance-weighted irradiance, the sky's
    irradiance on an upward surface as a uniform ambient, the sky's zenith and horizon
    radiance as the background gradient (zenith at the top, horizon at the bottom). Without
    a sun, the lamps stand in for it: each counted at the floor below it, halved for the
    room around (E ≈ I / (2 z²)), 70 % as a light from the brightest lamp toward the room's
    centre (so surfaces are shaded and cast shadows) and 30 % as ambient. No coloured light,
    no soft shadows: the ``draft`` preset's approximation (``standard`` renders them)."""
    up = np.array([0.0, 0.0, 1.0])
    lum = REC709_Y
    sun = float(lighting.sun_rgb @ lum) / math.pi
    ambient = float(latlong_lookup_np(lighting.irradiance, up[None])[0] @ lum) / math.pi
    direction = tuple(-lighting.sun_dir)
    lamps, brightest, strongest = 0.0, None, 0.0
    for row in lighting.lamps:
        level = float(row[7:10] @ lum)
        if int(row[0]) == AREA:
            level *= row[12] * row[13]  # luminance × area: the intensity below the panel
        share = level / (2.0 * max(float(row[3]), 0.5) ** 2) / math.pi
        lamps += share
        if share > strongest:
            brightest, strongest = row[1:4], share
    if sun == 0.0 and brightest is not None:
        to_centre = -np.asarray(brightest, np.float64)
        direction = tuple(to_centre / max(float(np.linalg.norm(to_centre)), 1e-9))
        sun, ambient = 0.7 * lamps, ambient + 0.3 * lamps
    else:
        ambient += lamps
    env = lighting.env_background
    zenith = latlong_lookup_np(env, up[None])[0]
    ring = np.stack([np.cos(np.linspace(0, 2 * np.pi, 16, endpoint=False)),
                     np.sin(np.linspace(0, 2 * np.pi, 16, endpoint=False)),
                     np.zeros(16)], axis=1)
    horizon = latlong_lookup_np(env, ring).mean(axis=0)
    # the gradient runs zenith to nadir, so the horizon shows their mean: extrapolating the
    # nadir to put the true horizon there (2H − Z) tinted low skies pink
    bottom = horizon
    return {"light": {"direction": direction, "ambient": ambient, "intensity": sun,
                      "shadows": lighting.shadows},
            "background": tuple(linear_to_srgb(zenith)),
            "background_bottom": tuple(linear_to_srgb(bottom))}


def linear_to_srgb(c: np.ndarray) -> np.ndarray:
    """The sRGB encoding, extended above 1 (the renderer decodes it back exactly)."""
    c = np.asarray(c, np.float64)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1 / 2.4) - 0.055)


def scene_lighting(scene: dict) -> Lighting:
    """The lighting of one capture from the engine's scene dict (``light``, ``background``,
    ``background_bottom``)."""
    light = scene["light"]
    if "sky" not in light:
        top = tuple(scene["background"])
        bottom = tuple(scene["background_bottom"] or scene["background"])
        return relative_lighting(tuple(light["direction"]), float(light["ambient"]),
                         float(light["intensity"]), bool(light["shadows"]), top, bottom)
    return physical_lighting(light)
