"""Cross-sensor corruptions of a whole rig: failures of the rig (``sensor``) and one weather
state driving every sensor (``weather``)."""

from . import alignment as alignment  # issue 23: kitti_c
from . import sensor, weather

MODULES = (sensor, weather)  # the modules that declare corruptions
MODULES += (alignment,)
