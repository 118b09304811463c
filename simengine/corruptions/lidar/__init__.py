"""Lidar corruptions of one capture's ``range``, ``intensity`` and ``xyz``: the sensor-side
set (``sensor``), the weather (``weather``), and the types of the benchmark suites: KITTI-C's
point-level (``points``), object-level (``objects``) and sunlight (``sunlight``) ones,
MultiCorrupt's beam and point reduction (``multicorrupt``)."""

from . import multicorrupt, objects, points, sensor, sunlight, weather

# the modules that declare corruptions
MODULES = (sensor, weather, points, objects, sunlight, multicorrupt)
