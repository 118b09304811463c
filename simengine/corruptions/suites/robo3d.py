"""Robo3D (Kong et al., ICCV 2023): 8 lidar corruptions at 3 levels, light / moderate /
heavy, with the parameters of its generation scripts (SemanticKITTI-C,
``create/semantickitti_c/*``; docs/references.md#robo3d).

Each entry runs the registry corruption with the same mechanism; ``levels`` hold the
scripts' own arguments and units, converted by ``to_level`` where ours differ
(light / moderate / heavy):

- fog → lidar_fog: ``--beta`` 0.008 / 0.05 / 0.2 (fog_simulation.py:316)
- wet_ground → wet_ground (mm): (``--water_height`` m, ``--noise_floor``) (0.0002, 0.3) /
  (0.001, 0.3) / (0.0012, 0.7) (wet_ground/augmentation.py:411)
- snow → lidar_snow (mm/h): (``--snowfall_rate`` mm/h, ``--terminal_velocity`` m/s)
  (0.5, 2.0) / (1.0, 1.6) / (2.5, 1.6) (snow/simulation.py:827)
- motion_blur → lidar_motion_blur: ``--trans_std`` 0.2 / 0.25 / 0.3 m
  (gen_motion_blur.py:44)
- beam_missing → beam_missing (fraction): ``--num_beam_to_drop`` 16 / 32 / 48 of 64
  (gen_beam_missing.py:53)
- crosstalk → crosstalk: ``--percentage`` 0.006 / 0.008 / 0.01 (gen_crosstalk.py:49)
- incomplete_echo → incomplete_echo: ``--drop_ratio`` 0.75 / 0.85 / 0.95
  (gen_incomplete_echo.py:45)
- cross_sensor → cross_sensor (fraction): ``--num_beam_to_drop`` 16 / 32 / 48 of 64
  (gen_cross_sensor.py:53)

Not carried over: wet_ground's noise floor (ours is the capture's own detection floor, see
``lidar.sensor.detection_floor``) and the snow's terminal velocity (a single sweep does not
see the fall). Beams "of 64" become the fraction beams / 64 of our sensor's rings, so a
16-ring sensor loses 4 / 8 / 12. Fog: Robo3D's ``--beta`` is the backscattering coefficient
(1/(m·sr)) of Hahner et al.'s model, with the attenuation α drawn per scan from {0, 0.005,
0.01, 0.02, 0.03, 0.06}; ``lidar_fog`` takes one extinction coefficient and ties its
backscatter to it (0.046 / MOR), and runs the published values as that extinction (as its
own table does) — the same numbers, not the same units.
"""

from __future__ import annotations

from .base import Suite, SuiteEntry

BEAMS = 64  # SemanticKITTI's HDL-64E: Robo3D counts dropped beams of 64


def _first(pair: tuple[float, float]) -> float:
    return pair[0]


def _water_mm(pair: tuple[float, float]) -> float:
    return pair[0] * 1000.0


def _of_64(beams: int) -> float:
    return beams / BEAMS


SUITE = Suite(
    name="robo3d",
    title="Robo3D (Kong et al., ICCV 2023)",
    reference="robo3d",
    scale=("light", "moderate", "heavy"),
    entries=(
        SuiteEntry("fog", "lidar_fog", (0.008, 0.05, 0.2), "β, 1/m", "weather"),
        SuiteEntry("wet_ground", "wet_ground", ((0.0002, 0.3), (0.001, 0.3), (0.0012, 0.7)),
                   "(water height m, noise floor)", "weather", _water_mm),
        SuiteEntry("snow", "lidar_snow", ((0.5, 2.0), (1.0, 1.6), (2.5, 1.6)),
                   "(snowfall rate mm/h, terminal velocity m/s)", "weather", _first),
        SuiteEntry("motion_blur", "lidar_motion_blur", (0.2, 0.25, 0.3), "σ, m", "motion"),
        SuiteEntry("beam_missing", "beam_missing", (16, 32, 48), "beams dropped of 64",
                   "sensor", _of_64),
        SuiteEntry("crosstalk", "crosstalk", (0.006, 0.008, 0.01), "fraction of points",
                   "sensor"),
        SuiteEntry("incomplete_echo", "incomplete_echo", (0.75, 0.85, 0.95),
                   "drop ratio", "sensor"),
        SuiteEntry("cross_sensor", "cross_sensor", (16, 32, 48), "beams dropped of 64",
                   "sensor", _of_64),
    ),
    doc="8 lidar corruptions (weather: fog, wet_ground, snow; motion_blur; sensor: "
        "beam_missing, crosstalk, incomplete_echo, cross_sensor), light / moderate / heavy.",
)
