"""Lidar parameters: what a preset or a scene override may set (``sensors/*.yaml``).

A plain declaration, kept apart from the model so that loading and validating a scene never
compiles a Numba kernel.
"""

from __future__ import annotations

from ...materials import MATERIAL_NAMES
from ...params import Field

PARAMS = {
    # Beam layout (see sensors/lidar/beams.py): the preset's elevation table in firing
    # order, columns over the horizontal field of view, centred on azimuth_offset_deg.
    "elevations_deg": Field("numbers", required=True, minimum=-90.0, maximum=90.0, random=False),
    "columns": Field("integer", required=True, minimum=1, maximum=65536, random=False),
    "horizontal_fov_deg": Field("number", default=360.0, minimum=0.1, maximum=360.0),
    "azimuth_offset_deg": Field("number", default=0.0),
    # Timing: a spinning head (rotations per second) or a raster scanner (frames per
    # second); lasers of one column fire laser_spacing_us apart in table order, all within
    # firing_cycle_us, the device's shortest time from one column's start to the next (it
    # bounds columns x rotation_hz; spec/sensors.py). motion_distortion: false casts the
    # whole sweep at the capture instant; motion_compensation expresses xyz in the lidar
    # frame of the capture instant.
    "scan": Field("string", default="spin", choices=("spin", "raster"), random=False),
    "rotation_hz": Field("number", default=10.0, positive=True),
    "laser_spacing_us": Field("number", default=0.0, minimum=0.0),
    "firing_cycle_us": Field("number", positive=True),
    "motion_distortion": Field("boolean", default=True, random=False),
    "motion_compensation": Field("boolean", default=False, random=False),
    # per-point part labels of meshes (`part`, ids into the store's `parts` attribute)
    "output_parts": Field("boolean", default=False, random=False),
    # Range gate, detection floor (the datasheet's "range at X % reflectivity"; unset = every
    # hit up to max_range returns), intensity scale, two-way atmospheric extinction (1/m).
    "min_range": Field("number", default=0.5, minimum=0.0),
    "max_range": Field("number", default=100.0, positive=True),
    "detection_range_m": Field("number", positive=True),
    "detection_reflectivity": Field("number", default=0.8, positive=True, maximum=1.0),
    "intensity_reference_range_m": Field("number", default=10.0, positive=True),
    "atmospheric_attenuation": Field("number", default=0.0, minimum=0.0),
    # Diffuse reflectivity at this lidar's wavelength, per material, over the material
    # table's figures (a distribution is drawn per sample).
    "reflectivity": Field("table", choices=MATERIAL_NAMES, minimum=0.0, maximum=1.0),
    # Range noise: 1-σ (the high-SNR floor when snr_noise is set); snr_noise = two
    # [SNR, σ] datasheet points; detection_snr = the SNR at the detection floor.
    "range_noise_std": Field("number", default=0.0, minimum=0.0),
    "snr_noise": Field("vectors", length=2, random=False),
    "detection_snr": Field("number", default=10.0, positive=True),
    # Beam divergence (full angle) sampled by beam_samples rays at edges; echoes closer
    # than return_separation_m merge; reported returns: strongest, last or both (dual).
    "beam_divergence_mrad": Field("number", default=0.0, minimum=0.0, maximum=50.0),
    "beam_samples": Field("integer", default=7, minimum=1, maximum=64, random=False),
    "return_separation_m": Field("number", default=0.5, positive=True),
    "return_mode": Field("string", default="strongest", choices=("strongest", "last", "dual"),
                         random=False),
}
