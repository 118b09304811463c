"""Spatial misalignment of Dong et al. (CVPR 2023, KITTI-C; ``spatial_alignment_noise`` of
``LiDAR_corruptions.py``, docs/references.md#kitti-c): the lidar-to-camera calibration is
off by a random rigid error with a Gaussian translation and rotation per axis."""

from __future__ import annotations

import numpy as np

from ...geometry.transforms import rotation_about
from ..base import Result, register


@register("extrinsic_noise", "cross", "(σ_t in m, σ_r in rad) of the lidar extrinsic's "
          "error, per axis (Dong et al. 2023: σ_t = 2 × 0.02 … 0.10 m, σ_r = 2 × 0.002 … "
          "0.010)", ((0.04, 0.004), (0.08, 0.008), (0.12, 0.012), (0.16, 0.016),
                     (0.20, 0.020)))
def extrinsic_noise(data, level, rng: np.random.Generator, context) -> Result:
    """The first lidar (else the first camera) reports its pose right-multiplied by one
    fixed error E = [R | t] for the whole sample: t ~ N(0, σ_t²) per axis and R the
    rotation of a rotation vector ~ N(0, σ_r²) per axis, in the sensor's frame. The
    benchmark adds N(0, σ_r²) to the nine entries of the lidar-to-image matrix's rotation
    (no longer a rotation); a rotation vector of that σ is the rigid error of the same
    size. The data stay as captured (fusing them through the pose misaligns them)."""
    sigma_t, sigma_r = level
    poses = sorted(k for k in data if k.endswith("/T_world_lidar"))
    poses = poses or sorted(k for k in data if k.endswith("/T_world_cam"))
    rotvec = rng.normal(0.0, sigma_r, 3)
    t = rng.normal(0.0, sigma_t, 3)
    if not poses:
        return Result({}, {"sigma_t_m": sigma_t, "sigma_r_rad": sigma_r})
    E = np.eye(4)
    E[:3, :3] = rotation_about(rotvec, 1.0)
    E[:3, 3] = t
    key = poses[0]
    params = {"sigma_t_m": sigma_t, "sigma_r_rad": sigma_r,
              **{f"rotvec_{c}": float(v) for c, v in zip("xyz", rotvec, strict=True)},
              **{f"t_{c}": float(v) for c, v in zip("xyz", t, strict=True)}}
    return Result({key: np.asarray(data[key], np.float64) @ E}, params)
