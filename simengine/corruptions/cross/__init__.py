"""Cross-sensor corruptions of a whole rig: failures of the rig (``sensor``) and one weather
state driving every sensor (``weather``)."""

from . import sensor, weather

MODULES = (sensor, weather)  # the modules that declare corruptions

from . import multicorrupt  # noqa: E402  MultiCorrupt (Beemelmanns et al., IV 2024)

MODULES += (multicorrupt,)
