"""Cross-sensor corruptions of a whole rig: failures of the rig (``sensor``), one weather
state driving every sensor (``weather``), and the rig-level types of the benchmark suites
(KITTI-C's extrinsic noise in ``alignment``, MultiCorrupt's in ``multicorrupt``)."""

from . import alignment, multicorrupt, sensor, weather

MODULES = (sensor, weather, alignment, multicorrupt)  # the modules that declare corruptions
