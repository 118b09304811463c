"""Lidar corruptions of one capture's ``range``, ``intensity`` and ``xyz``: the sensor-side
set (``sensor``) and the weather (``weather``)."""

from . import objects, points, sensor, sunlight, weather

MODULES = (  # the modules that declare corruptions
    sensor,
    weather,
    points,
    objects,
    sunlight,
)
