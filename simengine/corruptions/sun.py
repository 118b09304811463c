"""Where the scene's sun is, for corruptions that need it (``context["sun_direction"]``):
the unit vector towards the sun in a sensor's frame at a capture, from the resolved scene a
sample records (``meta/instance_json``) and the sensor's recorded pose.

The sun of a physical light (``world.light.sun``) when it is above the horizon and the sky
is not overcast; in the relative light, its directional light (``light.direction``, the
way the light travels) when it comes from above. None under a closed room, without a sun,
or when the sample records no scene.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .scene_light import scene_of, sheltered


def sun_world(scene: Mapping[str, Any] | None) -> np.ndarray | None:
    """(3,) unit vector towards the sun, world frame, or None (module docstring)."""
    if scene is None or sheltered(scene):
        return None
    light = scene["light"]
    if "sky" in light and (light.get("sun") is None or light["sky"]["model"] == "overcast"):
        return None
    to_sun = -np.asarray(light["direction"], np.float64)
    norm = float(np.linalg.norm(to_sun))
    if norm == 0.0 or to_sun[2] <= 0.0:
        return None
    return to_sun / norm


def sun_in_frame(sample: Mapping[str, np.ndarray], pose_key: str, f: int
                 ) -> np.ndarray | None:
    """The sun's direction in the frame of the pose ``pose_key`` (e.g.
    ``lidar/top/T_world_lidar``) at capture ``f``."""
    to_sun = sun_world(scene_of(sample))
    if to_sun is None or pose_key not in sample:
        return None
    R = np.asarray(sample[pose_key][f], np.float64)[:3, :3]
    return R.T @ to_sun
