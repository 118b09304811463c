"""MultiCorrupt (Beemelmanns et al., IV 2024; docs/references.md#multicorrupt): its 10
corruption types of a lidar-camera rig, 3 severities each, under the names of its converter
(github ika-rwth-aachen/MultiCorrupt, ``converter/``) in the order of its results table
(README), with the values of its code per severity.

Entries run registry corruptions: the lidar-only, camera-only and rig-wide ones we had
(brightness, low_light, weather_fog, stuck_frame) at MultiCorrupt's values
converted to their parameters (``to_level``), and those of ``lidar/multicorrupt.py`` and
``cross/multicorrupt.py``.
"""

from __future__ import annotations

import math

from .base import Suite, SuiteEntry
from .threedcc import low_light_to_stops

NUSCENES_SHORT_SIDE = 900.0  # MultiCorrupt's camera snow runs on 1600 × 900 images
IMAGENET_SIDE = 224.0  # our camera ``snow`` states lengths in 224-px pixels


def fog_alpha_to_mor(alpha: float) -> float:
    """lidar.py simulate_fog's α (extinction, 1/m; Hahner et al. 2021) as the MOR in metres
    that ``weather_fog`` takes for every sensor: ln 20 / α."""
    return math.log(20.0) / alpha


def snow_to_level(level: tuple) -> tuple:
    """(snowfall mm/h, terminal velocity m/s, img.py's camera tuple (mean, zoom, threshold,
    radius, σ, image weight) at 900-px) → ``weather_snow``'s (rate, camera snow tuple in
    224-px units with img.py's flake std 0.3). The terminal velocity is not used: our
    lidar_snow derives the flakes' fall from the rate."""
    rate, _, (mean, zoom, threshold, radius, sigma, weight) = level
    k = IMAGENET_SIDE / NUSCENES_SHORT_SIDE
    return rate, (mean, 0.3, zoom * k, threshold, radius * k, sigma * k, weight)


SUITE = Suite(
    name="multicorrupt",
    title="MultiCorrupt (Beemelmanns et al., IV 2024)",
    reference="multicorrupt",
    scale=("1", "2", "3"),
    entries=(
        SuiteEntry("beamsreducing", "beam_reducing", (16, 8, 4),
                   parameter="beams kept of 32 (every 32/n-th ring)", group="lidar",
                   to_level=lambda beams: 32 // beams),
        SuiteEntry("brightness", "brightness", (0.5, 0.6, 0.7), group="camera"),
        SuiteEntry("dark", "low_light", (0.60, 0.40, 0.30),
                   parameter="peak code c the image is mapped onto (gamma 2): "
                             "2.2·log2(1/c) stops less light",
                   group="camera", to_level=low_light_to_stops),
        SuiteEntry("fog", "weather_fog", (0.02, 0.03, 0.06),
                   parameter="lidar fog extinction α, 1/m (MOR = ln 20 / α for every sensor)",
                   group="both", to_level=fog_alpha_to_mor),
        SuiteEntry("missingcamera", "camera_missing", (0.2, 0.4, 0.6), group="camera"),
        SuiteEntry("motionblur", "ego_motion_blur", (0.06, 0.10, 0.13), group="both"),
        SuiteEntry("pointsreducing", "points_reducing", (70, 80, 90),
                   parameter="percent of the points dropped", group="lidar",
                   to_level=lambda percent: percent / 100.0),
        SuiteEntry("snow", "weather_snow",
                   ((0.5, 1.2, (0.3, 5, 0.9, 7, 7, 0.9)),
                    (2.5, 1.6, (0.4, 4, 0.85, 8, 8, 0.85)),
                    (1.5, 0.4, (0.5, 3, 0.8, 10, 10, 0.8))),
                   parameter="(snowfall mm/h, terminal velocity m/s, camera (mean, zoom, "
                             "threshold, radius, σ, image weight) at 900 px)",
                   group="both", to_level=snow_to_level),
        SuiteEntry("spatialmisalignment", "lidar_misalignment", ((0.2, 1), (0.4, 2), (0.6, 3)),
                   group="both"),
        SuiteEntry("temporalmisalignment", "stuck_frame", (0.2, 0.4, 0.6), group="both"),
    ),
    doc="10 types over lidar, camera and both, severities 1-3; RA/mRA and RRA/mRRA "
        "average them.",
)
