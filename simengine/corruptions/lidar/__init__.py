"""Lidar corruptions of one capture's ``range``, ``intensity`` and ``xyz``: the sensor-side
set (``sensor``) and the weather (``weather``)."""

from . import sensor, weather

MODULES = (sensor, weather)  # the modules that declare corruptions

from . import multicorrupt  # noqa: E402  MultiCorrupt (Beemelmanns et al., IV 2024)

MODULES += (multicorrupt,)
