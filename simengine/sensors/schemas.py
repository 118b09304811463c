"""Parameter schemas of each sensor kind: what a preset or a scene override may set.

Kept apart from the sensor implementations so that loading and validating a scene never
compiles a Numba kernel.
"""

from __future__ import annotations

from ..spec.schema import Field

CAMERA = {
    "width": Field("integer", required=True, minimum=8, maximum=8192, random=False),
    "height": Field("integer", required=True, minimum=8, maximum=8192, random=False),
    # Either a horizontal field of view or explicit focal lengths (pixels).
    "hfov_deg": Field("number", minimum=1.0, maximum=179.0),
    "fx": Field("number", positive=True),
    "fy": Field("number", positive=True),
    "cx": Field("number"),
    "cy": Field("number"),
    "near": Field("number", default=0.05, positive=True),
    "far": Field("number", default=100.0, positive=True),
    # Stereo depth model (used by the depth-noise model of later work; recorded now).
    "depth_baseline_m": Field("number", positive=True),
    "depth_subpixel": Field("number", positive=True),
    "light_direction": Field("numbers", length=3, default=(-0.4, -0.3, -1.0)),
    "ambient": Field("number", default=0.35, minimum=0.0, maximum=1.0),
}

LIDAR = {
    "elevations_deg": Field("numbers", required=True, minimum=-90.0, maximum=90.0, random=False),
    "columns": Field("integer", required=True, minimum=1, maximum=65536, random=False),
    "rotation_hz": Field("number", default=10.0, positive=True),
    "horizontal_fov_deg": Field("number", default=360.0, minimum=0.1, maximum=360.0),
    "azimuth_offset_deg": Field("number", default=0.0),
    "min_range": Field("number", default=0.5, minimum=0.0),
    "max_range": Field("number", default=100.0, positive=True),
    "range_noise_std": Field("number", default=0.0, minimum=0.0),
    "firing_cycle_us": Field("number", positive=True),
}

MICROPHONE = {
    "positions": Field("vectors", required=True, length=3, random=False),
    "sample_rate": Field("integer", default=16000, minimum=1000, maximum=192000, random=False),
    # Equivalent self-noise of each capsule in dB SPL (A-weighting not modelled: white noise).
    "self_noise_db_spl": Field("number", default=30.0, minimum=-20.0, maximum=120.0),
    "speed_of_sound": Field("number", default=343.0, positive=True),
}

SCHEMAS = {"camera": CAMERA, "lidar": LIDAR, "microphone": MICROPHONE}
