"""Weather as one world state: one fog visibility drives every sensor of the rig.

A benchmark that fogs the camera and the lidar apart can pair a 300 m camera fog with a
20 m lidar fog; a real fog has one meteorological optical range (MOR). ``weather_fog``
draws nothing but applies, with the level's MOR, the camera's ``depth_fog`` (Koschmieder
on metric depth, β = ln 20 / MOR) to every camera capture and the lidar's ``lidar_fog``
(Hahner et al. 2021, the same β) to every lidar capture. Sound is left as it is: fog's
extra absorption is far below the air absorption already modelled. The MOR is recorded as
the sample's weather label, next to each sensor's own drawn values.

``weather_rain`` does the same with one rain rate (mm/h; ``rain_physics``: Marshall–Palmer
drops): every camera gets the rain's veil and streaks (``rain``), every lidar the drops'
extinction and echoes (``lidar_rain``: dropout and spurious near points), every microphone
array rain noise at the level the rate gives (``rain_noise``). The rate, the optical
extinction and MOR it implies and the noise level are the sample's weather label. The
ground stays dry: a water film depends on how long it has rained, not on the rate (apply
``wet_ground`` beside it when the scene needs one).

Both follow the scene (``scene_light``): the cameras' fog and rain veil converge to the
scene's own airlight (its horizon sky as rendered; in a closed room, fog lit by its light),
and rain falls only under an open sky: in a scene with a ``world.room``, ``weather_rain``
is not applied and its label says so (``apply``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..audio.rain import rain_noise
from ..base import Result, register
from ..camera.physical import depth_fog
from ..camera.rain import rain
from ..lidar.weather import lidar_fog, lidar_rain
from ..rain_physics import RAIN_RATES, extinction_per_m, noise_level_db_spl

LIDAR_KEYS = ("range", "intensity", "xyz")


@register("weather_fog", "cross", "fog meteorological optical range MOR, metres, for every "
          "sensor at once", (300.0, 150.0, 75.0, 40.0, 20.0),
          needs=("mask_shapes", "sensor_contexts"))
def weather_fog(data, mor_m, rng, context) -> Result:
    """Camera and lidar fog from one MOR (see the module docstring); each capture's fog
    draws come from the rig's stream in sensor, then frame order."""
    beta = math.log(20.0) / mor_m
    return _every_sensor(data, rng, context, {"mor_m": mor_m, "extinction_per_m": beta},
                         camera=(depth_fog, mor_m), lidar=(lidar_fog, beta))


@register("weather_rain", "cross", "rain rate in mm/h for every sensor at once "
          "(Marshall–Palmer drops)", RAIN_RATES, needs=("mask_shapes", "sensor_contexts"),
          precipitation=True)
def weather_rain(data, rate, rng, context) -> Result:
    """Camera rain, lidar rain and rain noise from one rain rate (module docstring)."""
    alpha = extinction_per_m(rate)
    return _every_sensor(data, rng, context,
                         {"rate_mm_per_h": rate, "extinction_per_m": alpha,
                          "mor_m": math.log(20.0) / alpha,
                          "noise_level_db_spl": noise_level_db_spl(rate)},
                         camera=(rain, rate), lidar=(lidar_rain, rate),
                         audio=(rain_noise, rate))


def _every_sensor(data, rng, context, params: dict[str, float], *,
                  camera: tuple[Callable, float], lidar: tuple[Callable, float],
                  audio: tuple[Callable, float] | None = None) -> Result:
    """Each sensor's own corruption (function, level) on each of its captures, drawing from the
    rig's stream in sensor, then frame order; records the lidar's mean lost fraction."""
    out: dict[str, np.ndarray] = {}
    masks = {h: np.zeros(s, bool) for h, s in context["mask_shapes"].items()}
    lost = []
    for head, frames in sorted(context["sensor_contexts"].items()):
        if head.startswith("camera/"):
            fn, level = camera
            rgb = np.array(data[f"{head}/rgb"])
            for f, ctx in enumerate(frames):
                result = fn(rgb[f], level, rng, ctx)
                rgb[f] = result.data
                masks[head][f] |= result.mask
            out[f"{head}/rgb"] = rgb
        elif head.startswith("lidar/"):
            fn, level = lidar
            arrays = {k: np.array(data[f"{head}/{k}"]) for k in LIDAR_KEYS}
            for f, ctx in enumerate(frames):
                result = fn({k: v[f] for k, v in arrays.items()}, level, rng, ctx)
                for k, v in result.data.items():
                    arrays[k][f] = v
                masks[head][f] |= result.mask
                lost.append(float(result.params["lost_fraction"]))
            out.update({f"{head}/{k}": v for k, v in arrays.items()})
        elif head.startswith("audio/") and audio is not None:
            fn, level = audio
            result = fn(data[f"{head}/waveform"], level, rng, frames[0])
            out[f"{head}/waveform"] = result.data
    if lost:
        params["lidar_lost_fraction"] = float(np.mean(lost))
    return Result(out, params, masks)
