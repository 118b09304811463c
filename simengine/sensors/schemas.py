"""Parameter schemas of each sensor kind: what a preset or a scene override may set.

Kept apart from the sensor implementations so that loading and validating a scene never
compiles a Numba kernel.
"""

from __future__ import annotations

from ..materials import MATERIAL_NAMES
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
    # Lens distortion, Brown–Conrady in OpenCV's order (k1, k2, p1, p2, k3); applied when
    # the rays are generated, so every output is distorted consistently.
    "distortion": Field("numbers", length=5),
    # Image pipeline (see sensors/image_effects.py): exposure gain, vignetting (a strength,
    # or the natural cos⁴ law), raw Poisson–Gaussian noise (fixed shot/read, or the common
    # random model), tone curve (gamma; 0 = the sRGB curve).
    "exposure_gain": Field("number", default=1.0, positive=True),
    "vignetting": Field("number", default=0.0, minimum=0.0, maximum=1.0),
    "vignetting_cos4": Field("boolean", default=False),
    "noise_shot": Field("number", default=0.0, minimum=0.0, maximum=1.0),
    "noise_read": Field("number", default=0.0, minimum=0.0, maximum=1.0),
    "noise_random": Field("boolean", default=False),
    "gamma": Field("number", default=0.0, minimum=0.0, maximum=5.0),
    # Motion: exposure time for motion blur (0 = off) with its temporal samples, and the
    # rolling-shutter readout time from the first row to the last (0 = global shutter).
    "motion_blur_s": Field("number", default=0.0, minimum=0.0, maximum=1.0),
    "motion_blur_samples": Field("integer", default=8, minimum=2, maximum=64, random=False),
    "rolling_shutter_s": Field("number", default=0.0, minimum=0.0, maximum=1.0),
    # Stereo depth sensor: depth noise RMS ≈ Z²·subpixel/(f·B) with holes at grazing angles,
    # written to `depth_sensor` apart from the ideal `depth` when depth_noise is on.
    "depth_noise": Field("boolean", default=False, random=False),
    "depth_baseline_m": Field("number", positive=True),
    "depth_subpixel": Field("number", positive=True),
    "depth_max_incidence_deg": Field("number", default=75.0, minimum=1.0, maximum=90.0),
    # Optional outputs.
    "output_range": Field("boolean", default=False, random=False),
    "output_normals": Field("boolean", default=True, random=False),
    "output_flow": Field("boolean", default=True, random=False),
}

LIDAR = {
    # Beam layout (see sensors/lidar_model.py): the preset's elevation table in firing
    # order, columns over the horizontal field of view, centred on azimuth_offset_deg.
    "elevations_deg": Field("numbers", required=True, minimum=-90.0, maximum=90.0, random=False),
    "columns": Field("integer", required=True, minimum=1, maximum=65536, random=False),
    "horizontal_fov_deg": Field("number", default=360.0, minimum=0.1, maximum=360.0),
    "azimuth_offset_deg": Field("number", default=0.0),
    # Timing: a spinning head (rotations per second) or a raster scanner (frames per
    # second); lasers of one column fire laser_spacing_us apart in table order, all within
    # firing_cycle_us. motion_distortion: false casts the whole sweep at the capture
    # instant; motion_compensation expresses xyz in the lidar frame of the capture instant.
    "scan": Field("string", default="spin", choices=("spin", "raster"), random=False),
    "rotation_hz": Field("number", default=10.0, positive=True),
    "laser_spacing_us": Field("number", default=0.0, minimum=0.0),
    "firing_cycle_us": Field("number", positive=True),
    "motion_distortion": Field("boolean", default=True, random=False),
    "motion_compensation": Field("boolean", default=False, random=False),
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

MICROPHONE = {
    "positions": Field("vectors", required=True, length=3, random=False),
    "sample_rate": Field("integer", default=16000, minimum=1000, maximum=192000, random=False),
    # Equivalent self-noise of each capsule in dB SPL (A-weighting not modelled: white noise).
    "self_noise_db_spl": Field("number", default=30.0, minimum=-20.0, maximum=120.0),
    "speed_of_sound": Field("number", default=343.0, positive=True),
    # Capsule directivity: first-order pattern a + (1 - a) cos(theta) about each capsule's
    # axis (omni a = 1, subcardioid 0.7, cardioid 0.5, supercardioid 0.37, hypercardioid 0.25,
    # figure8 0). Axes in the array frame, one per capsule; default: outward from the array
    # centre (the array's x axis for a capsule at the centre).
    "directivity": Field("string", default="omni", choices=("omni", "subcardioid", "cardioid",
                                                            "supercardioid", "hypercardioid",
                                                            "figure8")),
    "axes": Field("vectors", length=3, random=False),
    # Capsule mismatch, drawn per sample and channel: gain N(0, std) in dB, phase N(0, std)
    # in degrees (a frequency-independent phase rotation, as datasheets quote it at 1 kHz).
    "gain_mismatch_db_std": Field("number", default=0.0, minimum=0.0, maximum=20.0),
    "phase_mismatch_deg_std": Field("number", default=0.0, minimum=0.0, maximum=90.0),
    # Converter: clipping at the acoustic overload point (peak of a sine of this SPL; null =
    # no clipping) and quantisation to bit_depth bits over that full scale (0 = float).
    "clip_db_spl": Field("number", minimum=60.0, maximum=200.0),
    "bit_depth": Field("integer", default=0, minimum=0, maximum=32, random=False),
    # Optional outputs: clean per-source stems and log-mel features (librosa).
    "output_stems": Field("boolean", default=False, random=False),
    "output_logmel": Field("boolean", default=False, random=False),
    "n_mels": Field("integer", default=64, minimum=8, maximum=256, random=False),
}

SCHEMAS = {"camera": CAMERA, "lidar": LIDAR, "microphone": MICROPHONE}
