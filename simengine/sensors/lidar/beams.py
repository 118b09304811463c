"""Lidar device model: where each beam points, when it fires, and what a return is worth.

Frames and units: directions in the lidar body frame (x forward, y left, z up), angles in
degrees only where they come from a preset, times in seconds relative to the capture
instant, ranges in metres.

**Beam layout.** Rows are the preset's lasers sorted by elevation, highest first
(``laser_id`` keeps each row's index in the preset table, which lists lasers in firing
order); columns sweep clockwise seen from above, the centre of the field of view on the
body x axis, so the range image reads like a panorama (left of the sensor on the left).

**Timing** (``firing_times``). ``scan: spin``: the head turns clockwise at ``rotation_hz``
and the capture instant is when it faces +x (KITTI's convention: the sweep starts behind the
sensor), so column c fires at −(azimuth_c − azimuth_offset) / (360°·rotation_hz); within a
column the lasers fire in table order ``laser_spacing_us`` apart (VLP-16: 2.304 µs). The
beam keeps its column's azimuth (the head turns ≤ 0.13° during a VLP-16 firing sequence;
the range image keeps the preset's exact grid). ``scan: raster``: a non-spinning scanner
draws the rows top to bottom once per 1/rotation_hz, alternating the column direction row
by row (a resonant mirror scans both ways), centred on the capture instant.

**Returns** (``received_power``, ``detection_floor``). For an extended Lambertian target the
lidar equation gives a received power ∝ ρ·cos θ·exp(−2αR)/R² (ρ diffuse reflectivity at the
laser wavelength, θ incidence angle, α atmospheric extinction per metre, both ways). A
return is detected when this reaches the power of a target of reflectivity
``detection_reflectivity`` at normal incidence and ``detection_range_m`` in clear air: the
datasheet's "range at X % reflectivity". With the OS1-64's 120 m at 80 % the same law
predicts 42 m at 10 % (datasheet: 40 m), which is why this one-parameter floor is used.
The reported intensity is ρ·cos θ·exp(−2αR)·min(1, (R_ref/R)²) with R_ref =
``intensity_reference_range_m``: the target's apparent reflectivity up to R_ref (real
receivers compensate the near field with gain control and saturate there), the 1/R² falloff
beyond.

**Retroreflectors** (sign sheeting, ``simengine.materials``). A retroreflector sends the
pulse back towards its source instead of over the hemisphere, so it is not a Lambertian
target: its return is ρ_r·cos^n θ in place of ρ·cos θ (added to its diffuse ρ·cos θ), with
ρ_r = π·R_A the equivalent Lambertian reflectivity of its coefficient of retroreflection R_A
(ASTM D4956: Type III white ≥ 250 cd lx⁻¹ m⁻², ρ_r ≈ 785) and n = ``RETRO_COS_EXPONENT``
fitted to the standard's figures at entrance angles −4° and 30°. The lidar sits on its own
beam (observation angle ≈ 0°, where R_A is at least the standard's 0.2° figure), so it gets
the whole retroreflected lobe. The reported intensity saturates at ``INTENSITY_SATURATION``
= 2.55: the scale of Velodyne's calibrated reflectivity byte (0-100 diffuse 0-100 %,
101-255 retroreflectors) and of Ouster's reflectivity channel, where any retroreflector
reads above every diffuse target; the received power itself is not capped (a sign seen by a
corner of the beam still dominates the echo, as real retroreflectors do).
Sources: docs/references.md#lidar-retroreflection.

**Noise.** Gaussian along the beam with the datasheet accuracy as 1-σ. With ``snr_noise``
(two (SNR, σ) points, as the OS1 datasheet lists) σ(SNR) = sqrt(σ₀² + (a·SNR^−b)²), σ₀ =
``range_noise_std`` the high-SNR floor and (a, b) fitted through the two points; SNR =
``detection_snr``·P/P_min, i.e. ``detection_snr`` is the SNR at the detection threshold.

**Beam divergence** (``subray_offsets``). A beam of full divergence angle δ is sampled by
``beam_samples`` rays over its (top-hat) cone: the centre ray and a Vogel spiral, equal
weights, so a footprint half on an object's edge returns half its energy from each surface.
"""

from __future__ import annotations

import math

import numpy as np

from ...materials import RETRO_COS_EXPONENT

GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
MIN_RANGE_FOR_POWER = 1e-3  # m: keeps 1/R² finite for a preset without a minimum range
INTENSITY_SATURATION = 2.55  # reported intensity ceiling: retroreflectors, see above


def beam_angles(params: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(elevations (R,), azimuths (C,), laser ids (R,)) in degrees, in range-image order."""
    table = np.asarray(params["elevations_deg"], np.float64)
    laser_id = np.argsort(-table, kind="stable")
    columns = int(params["columns"])
    fov = float(params["horizontal_fov_deg"])
    step = fov / columns
    azimuth = params["azimuth_offset_deg"] + fov / 2 - (np.arange(columns) + 0.5) * step
    return table[laser_id], azimuth, laser_id.astype(np.int16)


def beam_directions(elevation_deg: np.ndarray, azimuth_deg: np.ndarray) -> np.ndarray:
    """Unit vectors (R, C, 3) in the lidar body frame (x forward, y left, z up)."""
    e = np.radians(elevation_deg)[:, None]
    a = np.radians(azimuth_deg)[None, :]
    return np.stack(np.broadcast_arrays(np.cos(e) * np.cos(a), np.cos(e) * np.sin(a),
                                        np.sin(e)), axis=-1)


def firing_times(params: dict, laser_id: np.ndarray, azimuth_deg: np.ndarray) -> np.ndarray:
    """Firing time of every beam (R, C) in seconds from the capture instant (see above)."""
    rate = float(params["rotation_hz"])
    rows, cols = len(laser_id), len(azimuth_deg)
    if params["scan"] == "raster":
        r = np.arange(rows)[:, None]
        c = np.arange(cols)[None, :]
        along = np.where(r % 2 == 0, c, cols - 1 - c)  # boustrophedon
        return ((r * cols + along + 0.5) / (rows * cols) - 0.5) / rate
    column = -(np.asarray(azimuth_deg, np.float64) - float(params["azimuth_offset_deg"])) / (
        360.0 * rate)
    laser = np.asarray(laser_id, np.float64) * float(params["laser_spacing_us"]) * 1e-6
    return laser[:, None] + column[None, :]


def subray_offsets(samples: int, divergence_rad: float) -> np.ndarray:
    """(K, 2) angular offsets (radians; along azimuth, along elevation) of the rays that
    sample one beam's cone of full angle ``divergence_rad``: the centre, then a Vogel spiral
    (equal areas of the disc per ray)."""
    k = np.arange(samples, dtype=np.float64)
    radius = 0.5 * divergence_rad * np.sqrt(k / max(samples, 1))
    phi = k * GOLDEN_ANGLE
    return np.stack([radius * np.cos(phi), radius * np.sin(phi)], axis=1)


def subray_directions(d_body: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Unit directions (E·K, 3), beam-major, of K sub-rays around each of E beams (body
    frame): each beam tilted by its offsets towards its own azimuth and elevation axes."""
    d = np.asarray(d_body, np.float64)
    horizontal = np.hypot(d[:, 0], d[:, 1])
    e_az = np.stack([-d[:, 1], d[:, 0], np.zeros(len(d))], axis=1) / np.maximum(
        horizontal, 1e-12)[:, None]
    e_el = np.cross(d, e_az)  # completes the right-handed frame: points "up" along the ring
    tan = np.tan(offsets)
    out = (d[:, None, :] + tan[None, :, 0, None] * e_az[:, None, :]
           + tan[None, :, 1, None] * e_el[:, None, :])
    out /= np.linalg.norm(out, axis=2, keepdims=True)
    return out.reshape(-1, 3)


def received_power(reflectivity: np.ndarray, cos_incidence: np.ndarray, r: np.ndarray,
                   alpha: float, retroreflectivity: np.ndarray | float = 0.0) -> np.ndarray:
    """(ρ·cos θ + ρ_r·cos^n θ)·exp(−2αR)/R² (units of 1/m², relative; n =
    ``RETRO_COS_EXPONENT``); 0 where ``r`` is not finite."""
    finite = np.isfinite(r)
    rr = np.maximum(np.where(finite, r, 1.0), MIN_RANGE_FOR_POWER)
    cos = np.asarray(cos_incidence, np.float64)
    apparent = reflectivity * cos + retroreflectivity * cos ** RETRO_COS_EXPONENT
    return np.where(finite, apparent * np.exp(-2.0 * alpha * rr) / rr**2, 0.0)


def detection_floor(params: dict) -> float:
    """The weakest detected power (``received_power`` units); 0 without a threshold."""
    if params.get("detection_range_m") is None:
        return 0.0
    return float(params["detection_reflectivity"]) / float(params["detection_range_m"]) ** 2


def intensity(power: np.ndarray, r: np.ndarray, reference_range: float) -> np.ndarray:
    """ρ·cos θ·exp(−2αR)·min(1, (R_ref/R)²) from a power and its range, at most
    ``INTENSITY_SATURATION``."""
    rr = np.where(np.isfinite(r), r, 0.0)
    return np.minimum(power * np.minimum(rr * rr, reference_range * reference_range),
                      INTENSITY_SATURATION)


def snr_noise_fit(points, sigma0: float) -> tuple[float, float]:
    """(a, b) of σ(SNR) = sqrt(σ₀² + (a·SNR^−b)²) through two (SNR, σ) points."""
    (s1, n1), (s2, n2) = ((float(s), float(n)) for s, n in points)
    e1, e2 = math.sqrt(n1 * n1 - sigma0 * sigma0), math.sqrt(n2 * n2 - sigma0 * sigma0)
    b = math.log(e1 / e2) / math.log(s2 / s1)
    return e1 * s1**b, b


def noise_std(params: dict, power: np.ndarray) -> np.ndarray | float:
    """1-σ range noise per return (m): the datasheet accuracy, or its SNR dependence."""
    sigma0 = float(params["range_noise_std"])
    points = params.get("snr_noise")
    if not points:
        return sigma0
    a, b = snr_noise_fit(points, sigma0)
    snr = float(params["detection_snr"]) * power / detection_floor(params)
    snr = np.maximum(snr, 1e-9)
    return np.sqrt(sigma0 * sigma0 + (a * snr**-b) ** 2)
