"""Camera parameters: what a preset or a scene override may set (``sensors/*.yaml``).

A plain declaration, kept apart from the model so that loading and validating a scene never
compiles a Numba kernel.
"""

from __future__ import annotations

from ...params import Field

PARAMS = {
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
    # Image pipeline (see sensors/camera/effects.py): exposure gain, vignetting (a strength,
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
    # per-pixel part labels of meshes (`part`, ids into the store's `parts` attribute)
    "output_parts": Field("boolean", default=False, random=False),
    # Anti-aliasing: the image averages this many rays per pixel (in linear light) through
    # a rank-1 lattice of points in the pixel (sensors/camera/sampling.py); labels stay
    # those of the pixel centre. `coverage`: the fraction of a pixel's samples (over its
    # area and the exposure) that see the centre's instance.
    # (unset: the quality preset's)
    "samples_per_pixel": Field("integer", minimum=1, maximum=64, random=False),
    "output_coverage": Field("boolean", default=False, random=False),
    # Image formation (sensors/camera/quality.py): `draft` is the fast renderer (Lambert,
    # hard shadows, flat ambient); `standard` and `high` the physically based pass (GGX
    # materials, soft shadows, sky light with ambient occlusion, lamps), with more samples.
    "quality": Field("string", default="draft", choices=("draft", "standard", "high"),
                     random=False),
    # ambient-occlusion rays per sample (unset: the preset's) and how far they look (m)
    "ao_rays": Field("integer", minimum=0, maximum=16, random=False),
    "ao_radius_m": Field("number", default=1.0, positive=True, maximum=100.0),
    # Camera response on scene radiance (sensors/camera/response.py), before the pipeline
    # above: exposure in EV at ISO 100 (fixed, or metered from the image: unset under a
    # physical sky means auto-exposure), white balance for an illuminant colour temperature,
    # a filmic tone curve.
    "exposure_ev100": Field("number", minimum=-10.0, maximum=25.0),
    "auto_exposure": Field("boolean", random=False),
    "exposure_compensation_ev": Field("number", default=0.0, minimum=-10.0, maximum=10.0),
    "white_balance_k": Field("number", minimum=1667.0, maximum=25000.0),
    "tone_curve": Field("string", default="none", choices=("none", "aces", "hable"),
                        random=False),
}
