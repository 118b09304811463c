"""Weather as one world state: one fog visibility drives every sensor of the rig.

A benchmark that fogs the camera and the lidar apart can pair a 300 m camera fog with a
20 m lidar fog; a real fog has one meteorological optical range (MOR). ``weather_fog``
draws nothing but applies, with the level's MOR, the camera's ``depth_fog`` (Koschmieder
on metric depth, β = ln 20 / MOR) to every camera capture and the lidar's ``lidar_fog``
(Hahner et al. 2021, the same β) to every lidar capture. Sound is left as it is: fog's
extra absorption is far below the air absorption already modelled. The MOR is recorded as
the sample's weather label, next to each sensor's own drawn values.

Not here yet: a rain rate driving lidar noise and dropout, camera streaks and rain noise
at the microphones (the audio background ``rain`` and the lidar snow model are the parts
it would compose).
"""

from __future__ import annotations

import math

import numpy as np

from .registry import Result, get, register

LIDAR_KEYS = ("range", "intensity", "xyz")


@register("weather_fog", "cross", "fog meteorological optical range MOR, metres, for every "
          "sensor at once", (300.0, 150.0, 75.0, 40.0, 20.0),
          needs=("mask_shapes", "sensor_contexts"))
def weather_fog(data, mor_m, rng, context) -> Result:
    """Camera and lidar fog from one MOR (see the module docstring); each capture's fog
    draws come from the rig's stream in sensor, then frame order."""
    out: dict[str, np.ndarray] = {}
    masks = {h: np.zeros(s, bool) for h, s in context["mask_shapes"].items()}
    beta = math.log(20.0) / mor_m
    camera_fog, lidar_fog = get("depth_fog"), get("lidar_fog")
    params: dict[str, float] = {"mor_m": mor_m, "extinction_per_m": beta}
    lost = []
    for head, frames in sorted(context["sensor_contexts"].items()):
        if head.startswith("camera/"):
            rgb = np.array(data[f"{head}/rgb"])
            for f, ctx in enumerate(frames):
                result = camera_fog.fn(rgb[f], mor_m, rng, ctx)
                rgb[f] = result.data
                masks[head][f] |= result.mask
            out[f"{head}/rgb"] = rgb
        elif head.startswith("lidar/"):
            arrays = {k: np.array(data[f"{head}/{k}"]) for k in LIDAR_KEYS}
            for f, ctx in enumerate(frames):
                result = lidar_fog.fn({k: v[f] for k, v in arrays.items()}, beta, rng, ctx)
                for k, v in result.data.items():
                    arrays[k][f] = v
                masks[head][f] |= result.mask
                lost.append(float(result.params["lost_fraction"]))
            out.update({f"{head}/{k}": v for k, v in arrays.items()})
    if lost:
        params["lidar_lost_fraction"] = float(np.mean(lost))
    return Result(out, params, masks)
