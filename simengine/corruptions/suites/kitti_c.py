"""KITTI-C of Dong et al., "Benchmarking Robustness of 3D Object Detection to Common
Corruptions in Autonomous Driving" (CVPR 2023; github thu-ml/3D_Corruptions_AD,
docs/references.md#kitti-c): 27 corruption types in five groups, severities 1..5, with the
parameters of its ``LiDAR_corruptions.py``, ``Camera_corruptions.py`` and
``utils/bbox_util.py``.

A type the benchmark applies to both the lidar and the camera (the weather, strong
sunlight, ...) is two entries, ``<type>_lidar`` and ``<type>_camera``: the benchmark
corrupts the two independently (a LiDAR-only detector sees the first, a camera-only the
second, a fusion model both: list both in one set with ``policy: compound``, or a
``grid`` over either). ``TYPES`` maps each of the 27 types to its entries.

The camera halves of shear / scale / rotation (``ImageBBoxOperation``) and moving object
(``ImageBBoxMotionBlur*``) move the object in 3D with its depth and redraw it
(``camera/object_warp.py``); the moving object's camera half takes the lidar half's metres
(the benchmark's image-space blur, 0.02 … 0.10, has no physical unit). Strong sunlight's
camera half puts the benchmark's flare where the scene's sun is
(``camera/sun_glare.py``); its lidar half is ``scene_glare_noise`` (README's LiDAR table)
with the points drawn from the sunlit scene (``lidar/sunlight.py``).

Deviations, per entry: the benchmark's camera snow / fog / rain add a grey veil and dim the
image after imgaug's layer (not reproduced: the ImageNet-C snow and fog tables run as
published, and our physical rain runs at the benchmark's lidar rain rates since its imgaug
rain layer has no rain rate); temporal misalignment counts frames of the benchmark's 10 Hz
KITTI stream (100 ms each); spatial misalignment and motion compensation draw rotation
vectors where the benchmark adds noise to a rotation matrix's entries.
"""

from __future__ import annotations

from .base import Suite, SuiteEntry

KITTI_FRAME_MS = 100.0  # KITTI's lidar and cameras run at 10 Hz
RATES = (0.20, 0.73, 1.5625, 3.125, 7.29)  # rain_sim / snow_sim: c[severity − 1], mm/h


def _zoom(c: float) -> tuple[float, float]:
    """ImageMotionBlurFrontBack: zoom factors np.arange(1, 1 + c, 0.005)."""
    return (1.0 + c, 0.005)


def _frames_ms(frames: int) -> float:
    return frames * KITTI_FRAME_MS


def _e(name, corruption, levels=None, parameter="", group="", to_level=None) -> SuiteEntry:
    return SuiteEntry(name, corruption, levels, parameter, group, to_level)


ENTRIES = (
    # weather
    _e("snow_lidar", "lidar_snow", RATES, "snowfall rate, mm/h (LISA gunn)", "weather"),
    _e("snow_camera", "snow", None, "imagecorruptions' snow table", "weather"),
    _e("rain_lidar", "lidar_rain", RATES, "rain rate, mm/h (LISA)", "weather"),
    _e("rain_camera", "rain", RATES, "rain rate, mm/h (the lidar's; ours: physical)",
       "weather"),
    _e("fog_lidar", "lidar_fog", (0.005, 0.01, 0.02, 0.03, 0.06), "α, 1/m (Hahner et al.)",
       "weather"),
    _e("fog_camera", "fog", None, "imagecorruptions' fog table", "weather"),
    _e("strong_sunlight_lidar", "solar_noise", (0.01, 0.02, 0.03, 0.04, 0.05),
       "fraction of the points given N(0, 2²) noise", "weather"),
    _e("strong_sunlight_camera", "sun_glare", (30, 40, 50, 60, 70),
       "sun flare radius, KITTI pixels", "weather"),
    # sensor
    _e("density_decrease", "density_decrease", (0.06, 0.12, 0.18, 0.24, 0.30),
       "fraction of the points removed (0.2 … 1.0 × 30 %)", "sensor"),
    _e("cutout", "point_cutout", ((2, 0.02), (3, 0.02), (5, 0.02), (7, 0.02), (10, 0.02)),
       "(clusters, fraction of the points per cluster)", "sensor"),
    _e("crosstalk", "crosstalk", (0.004, 0.008, 0.012, 0.016, 0.020),
       "fraction of the points given N(0, 3²) noise", "sensor"),
    _e("fov_lost", "limited_fov", (105.0, 90.0, 75.0, 60.0, 45.0),
       "half-width of the kept field of view, degrees", "sensor"),
    _e("gaussian_noise_lidar", "point_gaussian_noise", (0.02, 0.04, 0.06, 0.08, 0.10),
       "σ, m", "sensor"),
    _e("uniform_noise_lidar", "point_uniform_noise", (0.02, 0.04, 0.06, 0.08, 0.10),
       "half-width, m", "sensor"),
    _e("impulse_noise_lidar", "point_impulse_noise", (30, 25, 20, 15, 10),
       "N // d points get ±0.1 m: d", "sensor"),
    _e("gaussian_noise_camera", "gaussian_noise", None, "imagecorruptions' table",
       "sensor"),
    _e("uniform_noise_camera", "uniform_noise", (0.08, 0.12, 0.18, 0.26, 0.38),
       "half-width, fraction of full scale", "sensor"),
    _e("impulse_noise_camera", "impulse_noise", None, "imagecorruptions' table", "sensor"),
    # motion
    _e("motion_compensation", "motion_compensation",
       ((0.02, 0.002), (0.04, 0.004), (0.06, 0.006), (0.08, 0.008), (0.10, 0.010)),
       "(σ_t m, σ_r) per sweep piece", "motion"),
    _e("moving_object_lidar", "moving_object", (0.2, 0.4, 0.6, 0.8, 1.0), "shift, m",
       "motion"),
    _e("moving_object_camera", "image_moving_object", (0.2, 0.4, 0.6, 0.8, 1.0),
       "travel during the exposure, m (the lidar half's)", "motion"),
    _e("motion_blur", "zoom_blur", (0.02, 0.04, 0.06, 0.08, 0.10),
       "zoom range c: factors 1 … 1 + c by 0.005", "motion", _zoom),
    # object
    _e("local_density_decrease", "object_density_decrease", (0.1, 0.2, 0.3, 0.4, 0.5),
       "fraction of each object's points removed", "object"),
    _e("local_cutout", "object_cutout", (0.3, 0.4, 0.5, 0.6, 0.7),
       "fraction of each object's points cut as one cluster", "object"),
    _e("local_gaussian_noise", "object_gaussian_noise", (0.02, 0.04, 0.06, 0.08, 0.10),
       "σ, m", "object"),
    _e("local_uniform_noise", "object_uniform_noise", (0.02, 0.04, 0.06, 0.08, 0.10),
       "half-width, m", "object"),
    _e("local_impulse_noise", "object_impulse_noise", (30, 25, 20, 15, 10),
       "n // d of each object's points get ±0.1 m: d", "object"),
    _e("shear_lidar", "object_shear", (0.05, 0.10, 0.15, 0.20, 0.25), "shear c", "object"),
    _e("shear_camera", "image_object_shear", (0.05, 0.10, 0.15, 0.20, 0.25), "shear c",
       "object"),
    _e("scale_lidar", "object_scale", (0.04, 0.08, 0.12, 0.16, 0.20), "scale c", "object"),
    _e("scale_camera", "image_object_scale", (0.04, 0.08, 0.12, 0.16, 0.20), "scale c",
       "object"),
    _e("rotation_lidar", "object_rotation", (1.0, 3.0, 5.0, 7.0, 9.0), "yaw c, degrees",
       "object"),
    _e("rotation_camera", "image_object_rotation", (1.0, 3.0, 5.0, 7.0, 9.0),
       "yaw c, degrees", "object"),
    # alignment
    _e("spatial_misalignment", "extrinsic_noise",
       ((0.04, 0.004), (0.08, 0.008), (0.12, 0.012), (0.16, 0.016), (0.20, 0.020)),
       "(σ_t m, σ_r) of the lidar extrinsic", "alignment"),
    _e("temporal_misalignment", "temporal_misalignment", (2, 4, 6, 8, 10),
       "frames of delay at 10 Hz", "alignment", _frames_ms),
)

# the paper's 27 types → the entries that run them
TYPES = {
    "snow": ("snow_lidar", "snow_camera"),
    "rain": ("rain_lidar", "rain_camera"),
    "fog": ("fog_lidar", "fog_camera"),
    "strong_sunlight": ("strong_sunlight_lidar", "strong_sunlight_camera"),
    "density_decrease": ("density_decrease",),
    "cutout": ("cutout",),
    "crosstalk": ("crosstalk",),
    "fov_lost": ("fov_lost",),
    "gaussian_noise_lidar": ("gaussian_noise_lidar",),
    "uniform_noise_lidar": ("uniform_noise_lidar",),
    "impulse_noise_lidar": ("impulse_noise_lidar",),
    "gaussian_noise_camera": ("gaussian_noise_camera",),
    "uniform_noise_camera": ("uniform_noise_camera",),
    "impulse_noise_camera": ("impulse_noise_camera",),
    "motion_compensation": ("motion_compensation",),
    "moving_object": ("moving_object_lidar", "moving_object_camera"),
    "motion_blur": ("motion_blur",),
    "local_density_decrease": ("local_density_decrease",),
    "local_cutout": ("local_cutout",),
    "local_gaussian_noise": ("local_gaussian_noise",),
    "local_uniform_noise": ("local_uniform_noise",),
    "local_impulse_noise": ("local_impulse_noise",),
    "shear": ("shear_lidar", "shear_camera"),
    "scale": ("scale_lidar", "scale_camera"),
    "rotation": ("rotation_lidar", "rotation_camera"),
    "spatial_misalignment": ("spatial_misalignment",),
    "temporal_misalignment": ("temporal_misalignment",),
}

SUITE = Suite(
    name="kitti_c",
    title="KITTI-C (Dong et al., CVPR 2023)",
    reference="kitti-c",
    scale=("1", "2", "3", "4", "5"),
    entries=ENTRIES,
    doc="27 corruption types (weather, sensor, motion, object, alignment) over lidar and "
        "camera, severities 1-5; types on both sensors are a _lidar and a _camera entry.",
)
