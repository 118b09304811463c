"""What a sample's scene means for its weather: the light a fog or rain veil converges to,
and whether rain or snow can reach the sensors. Read from the resolved scene instance the
sample records (``meta/instance_json``) and the camera's own effects.

**Airlight.** Koschmieder's law: a surface at range r through fog of extinction β has
radiance t·L + (1 − t)·A, t = exp(−β·r), and A, the airlight, is the radiance of an
infinitely deep column of the lit fog, which is what the horizon sky looks like in fog.

- Under an open sky, A is the scene's sky as the camera renders it at the horizon: the
  ``background`` colour, or the middle of its ``{top, bottom}`` gradient (the renderer
  interpolates the two linear colours by elevation, the horizon halfway). A dusk scene's
  dark sky gives a dark fog; the sky itself is unchanged by fog up to its gradient.
- In a closed room (``world.room``: walls and a ceiling) no sky is seen; the fog is lit by
  the scene's light. A white isotropic scatterer (phase function 1/4π) under the ambient
  radiance a and a directional light that makes a white surface facing it shine with i
  (irradiance π·i) has radiance a + i/4, and the light is white.

A is then taken through the camera as its sky is: × the exposure gain, clipped to [0, 1],
through its tone curve (sRGB, or x^(1/γ)), and decoded with the sRGB curve, as the
corruptions decode images (``camera.physical.decode_srgb``). Vignetting is left out.

**Shelter.** A room is closed (``physics.bodies``: four walls and a ceiling) and sensors
are inside it (``simengine.placement``): rain and snow do not fall on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..json_buffer import decode_json

SHELTERED = "closed room (world.room): no open sky over the sensors, so no rain or snow"


def scene_of(sample: Mapping[str, np.ndarray]) -> dict[str, Any] | None:
    """The resolved scene instance a sample records, as plain JSON data (None without)."""
    if "meta/instance_json" not in sample:
        return None

    return decode_json(sample["meta/instance_json"])


def sheltered(scene: Mapping[str, Any] | None) -> bool:
    """Is the sky closed over the sensors?"""
    return scene is not None and scene.get("room") is not None


def _srgb_to_linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _physical_airlight(scene: Mapping[str, Any]) -> np.ndarray:
    """A physical light's airlight (cd/m²): under an open sky, the sky's radiance averaged
    around the horizon (the sky model's own); in a room, the room's diffuse luminance (the
    uniform sky) plus the lamps' flux spread over the room's surfaces and reflected by a
    mid-grey (ρ = 0.5) finish: L = ρ·ΣΦ / (π·A)."""
    light = scene["light"]
    sky = light["sky"]
    if sheltered(scene) or sky["model"] == "uniform":
        level = float(sky["luminance_cd_m2"])
        room = scene.get("room")
        flux = sum(float(lamp["luminous_flux_lm"]) for lamp in light["lamps"])
        if room is not None and flux > 0.0:
            x, y, z = (float(v) for v in room["size"])
            level += 0.5 * flux / (np.pi * 2.0 * (x * y + y * z + z * x))
        return np.full(3, level)
    from ..sensors.camera.lighting import physical_lighting  # the sky models, on demand
    from ..sensors.camera.sky import latlong_lookup_np

    env = physical_lighting(light).env_background
    az = np.linspace(0.0, 2.0 * np.pi, 64, endpoint=False)
    horizon = np.stack([np.cos(az), np.sin(az), np.full_like(az, 0.02)], axis=1)
    return latlong_lookup_np(env, horizon).mean(axis=0)


def scene_airlight(scene: Mapping[str, Any]) -> np.ndarray:
    """(3,) linear radiance of the airlight in the scene's render units (module docstring),
    before the camera."""
    if "sky" in scene["light"]:
        return _physical_airlight(scene)
    if sheltered(scene):
        light = scene["light"]
        return np.full(3, float(light["ambient"]) + float(light["intensity"]) / 4.0)
    top = _srgb_to_linear(np.asarray(scene["background"], np.float64))
    bottom = scene.get("background_bottom")
    if bottom is None:
        return top
    return 0.5 * (top + _srgb_to_linear(np.asarray(bottom, np.float64)))


def camera_airlight(scene: Mapping[str, Any], exposure_gain: float = 1.0,
                    gamma: float = 0.0, ev100: float = float("nan"),
                    tone_curve: float = 0.0) -> np.ndarray:
    """(3,) float32 airlight in the corruptions' working domain: through the camera's
    response (exposure ``ev100`` when recorded, its filmic ``tone_curve`` id), exposure gain
    and tone curve (gamma 0 = sRGB), decoded with the sRGB curve."""
    a = scene_airlight(scene)
    if np.isfinite(ev100) or tone_curve:
        from ..sensors.camera.response import TONE_CURVES, exposure_scale
        from ..sensors.camera.response import tone_curve as apply_curve

        if np.isfinite(ev100):
            a = a * exposure_scale(ev100)
        name = {v: k for k, v in TONE_CURVES.items()}[int(tone_curve)]
        a = apply_curve(a, name)
    x = np.clip(float(exposure_gain) * a, 0.0, 1.0)
    if gamma == 0.0:
        return x.astype(np.float32)  # the sRGB curve and its inverse cancel
    return _srgb_to_linear(x ** (1.0 / float(gamma))).astype(np.float32)


def airlight_for(sample: Mapping[str, np.ndarray], head: str, f: int) -> np.ndarray | None:
    """The airlight of camera ``head`` (e.g. ``camera/front``) at capture ``f``; None when
    the sample records no scene (a bare image)."""
    scene = scene_of(sample)
    if scene is None:
        return None

    def effect(name: str, default: float) -> float:
        key = f"{head}/effects/{name}"
        return float(np.asarray(sample[key])[f]) if key in sample else default

    return camera_airlight(scene, effect("exposure_gain", 1.0), effect("gamma", 0.0),
                           effect("ev100", float("nan")), effect("tone_curve", 0.0))
