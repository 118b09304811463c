"""Lidar sensor corruptions (Robo3D's sensor-side set, Kong et al. 2023) and the helpers
the lidar weather corruptions share (``weather``).

Input: one capture of one lidar, the mapping ``range`` (R, C), ``intensity`` (R, C) and
``xyz`` (R, C, 3), or with a leading return-slot axis of 2 in dual-return mode (slot 0 =
strongest, 1 = last / second strongest); range 0 = no return. Output: new ``range``,
``intensity`` and ``xyz`` (same shapes and dtypes) and a mask shaped like ``range``, True
where a return was removed or replaced. A moved return keeps its beam's direction: the new
``xyz`` is the clean ``xyz`` scaled by new range / clean range (exact for the sensor's
range × unit direction; a motion-compensated point keeps its de-skewed direction). No
corruption creates a return on a beam that had none. In dual mode every return gets the
same physics; a return removed from slot 0 is just zeroed (slot 1 keeps its own return).

Severities: Robo3D's light / moderate / heavy are severities 1 / 3 / 5; 2 and 4 are
interpolated (linearly here; see ``weather`` for the weather corruptions):

=================  ================================================  ========================
corruption         parameter                                         severity 1 … 5
=================  ================================================  ========================
lidar_motion_blur  σ: global shift length and per-point jitter, m    .2 .225 .25 .275 .3
beam_missing     fraction of the rings dropped (16/32/48 of 64)      .25 .375 .5 .625 .75
crosstalk        fraction of the returns hit by crosstalk            .006 .007 .008 .009 .010
incomplete_echo  fraction of the dark returns dropped                .75 .80 .85 .90 .95
cross_sensor     fraction of the beams removed (16/32/48 of 64),     .25 .375 .5 .625 .75
                 and every 2nd column
range_noise      σ of the range noise along the beam, m              .02 .05 .10 .15 .20
limited_fov      half-width of the kept field of view about +x, deg  90 78.75 67.5 56.25 45
=================  ================================================  ========================

Sources: Robo3D (Kong et al., ICCV 2023) for the light / moderate / heavy values of motion
blur, beam missing, crosstalk, incomplete echo and cross-sensor (docs/references.md#robo3d);
docs/references.md#cross-sensor-failures for the ±90° / ±60° field of view;
range noise is ours (the OS1 datasheet's ±1.5–10 cm precision as the scale). Robo3D's
crosstalk adds N(0, (3 m)²) to x, y, z and the intensity of the chosen points
(crosstalk/gen_crosstalk.py); ours adds it to the range, along the beam. Its motion blur's
per-point jitter is 0.1 σ (x, y) and 0.05 σ (z) (motion_blur/gen_motion_blur.py); ours σ.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..base import Result, register

# The intensity is ρ·cosθ·exp(−2αR)·min(1, (R_ref/R)²) (sensors/lidar/beams.py); without
# ``intensity_reference_range_m`` in the context the schema default 10 m is assumed.
DEFAULT_REFERENCE_RANGE_M = 10.0
CROSSTALK_SIGMA_M = 3.0  # Robo3D's crosstalk noise, N(0, 3 m) (as the brief states; unverified)
DARK_REFLECTIVITY = 0.2  # incomplete_echo: apparent reflectivity ρ·cosθ below this is "dark"
MIN_RANGE_M = 1e-3  # a perturbed range is kept a return (never 0 or negative)


# --- shared helpers -------------------------------------------------------------------
def arrays(data: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(range, intensity) as float64 arrays and ``xyz`` as given (the inputs stay
    untouched: every result is a new array)."""
    return (np.asarray(data["range"], np.float64), np.asarray(data["intensity"], np.float64),
            np.asarray(data["xyz"]))


def reference_range(context: Mapping[str, Any]) -> float:
    return float(context.get("intensity_reference_range_m", DEFAULT_REFERENCE_RANGE_M))


def power(r: np.ndarray, intensity: np.ndarray, r_ref: float) -> np.ndarray:
    """Received power ρ·cosθ·exp(−2αR)/R² back from the intensity (0 where no return)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = intensity / np.minimum(r, r_ref) ** 2
    return np.where(r > 0, p, 0.0)


def detection_floor(r: np.ndarray, intensity: np.ndarray, context: Mapping[str, Any]
                    ) -> float:
    """The weakest detectable power. The capture does not carry the preset's threshold:
    ``context["detection_floor"]`` (ρ_d/R_d², 1/m²) when given, else the weakest clean
    return's power, taken as sitting at the floor — an upper bound on the true floor, so
    where nothing in the scene is near the sensor's reach (a room) attenuation removes
    returns sooner than the device would."""
    if "detection_floor" in context:
        return float(context["detection_floor"])
    p = power(r, intensity, reference_range(context))[r > 0]
    return float(p.min()) if p.size else 0.0


def intensity_from_power(p: np.ndarray, r: np.ndarray, r_ref: float) -> np.ndarray:
    return p * np.minimum(r, r_ref) ** 2


def output(data: Mapping[str, np.ndarray], r: np.ndarray, intensity: np.ndarray,
           xyz: np.ndarray) -> dict[str, np.ndarray]:
    """The corrupted arrays in the clean arrays' dtypes; ``xyz`` must already be 0 where
    ``r`` is (``along_beam`` does that)."""
    live = r > 0
    return {"range": np.where(live, r, 0.0).astype(np.asarray(data["range"]).dtype),
            "intensity": np.where(live, intensity, 0.0).astype(
                np.asarray(data["intensity"]).dtype),
            "xyz": np.asarray(xyz).astype(np.asarray(data["xyz"]).dtype, copy=False)}


def along_beam(xyz: np.ndarray, r_old: np.ndarray, r_new: np.ndarray) -> np.ndarray:
    """Points moved along their beams from ``r_old`` to ``r_new`` (0 where either is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where((r_old > 0) & (r_new > 0), r_new / r_old, 0.0)
    return xyz * scale.astype(xyz.dtype)[..., None]


def drop(data: Mapping[str, np.ndarray], removed: np.ndarray) -> dict[str, np.ndarray]:
    """Zero the returns where ``removed`` (broadcast to the range's shape), in the clean
    arrays' own dtypes."""
    r = np.asarray(data["range"])
    keep = ~np.broadcast_to(removed, r.shape)
    return {"range": r * keep, "intensity": np.asarray(data["intensity"]) * keep,
            "xyz": np.asarray(data["xyz"]) * keep[..., None]}


def rings(data: Mapping[str, np.ndarray]) -> int:
    return np.asarray(data["range"]).shape[-2]


# --- corruptions ----------------------------------------------------------------------
@register("lidar_motion_blur", "lidar", "σ in metres: a global shift of the cloud of length "
          "σ in a random direction plus per-point N(0, σ²) jitter per axis clipped at ±3σ "
          "(Robo3D: 0.2 / 0.25 / 0.3 m light / moderate / heavy)",
          (0.2, 0.225, 0.25, 0.275, 0.3))
def lidar_motion_blur(data: Mapping[str, np.ndarray], sigma: float, rng: np.random.Generator,
                      context: Mapping[str, Any]) -> Result:
    """Every return moves by shift + jitter; its range becomes |xyz|, its intensity stays.
    Nothing is removed (mask None). The brief's global shift is N(0, σ²) per axis; with its
    length random too, the Chamfer degradation of a two-draw average was not monotone in σ
    on indoor_room (a shift along a wall costs nothing, across it a lot), so the shift has
    a fixed length σ and only its direction (uniform on the sphere) is drawn."""
    r, i, xyz = arrays(data)
    direction = rng.normal(0.0, 1.0, 3)
    shift = sigma * direction / np.linalg.norm(direction)
    jitter = np.clip(rng.normal(0.0, sigma, xyz.shape), -3 * sigma, 3 * sigma)
    live = r > 0
    moved = (xyz + shift + jitter) * live[..., None]
    new_r = np.where(live, np.maximum(np.linalg.norm(moved, axis=-1), MIN_RANGE_M), 0.0)
    return Result(output(data, new_r, i, moved),
                  {"sigma_m": sigma, "shift_x_m": shift[0], "shift_y_m": shift[1],
                   "shift_z_m": shift[2], "jitter_std_m": float(jitter[live].std()),
                   "clipped_fraction": float(np.mean(np.abs(jitter) >= 3 * sigma))})


@register("beam_missing", "lidar", "fraction of the rings dropped, whole rings drawn "
          "without replacement (Robo3D: 16 / 32 / 48 of 64 light / moderate / heavy)",
          (16 / 64, 24 / 64, 32 / 64, 40 / 64, 48 / 64))
def beam_missing(data: Mapping[str, np.ndarray], fraction: float, rng: np.random.Generator,
                 context: Mapping[str, Any]) -> Result:
    """round(fraction · R) rings, drawn by the rng, lose every return (all slots)."""
    n = rings(data)
    k = round(fraction * n)
    gone = np.zeros(n, bool)
    gone[rng.choice(n, size=k, replace=False)] = True
    removed = np.broadcast_to(gone[:, None], np.asarray(data["range"]).shape)
    out = drop(data, removed)
    return Result(out, {"fraction": fraction, "rings_dropped": k, "rings": n},
                  removed & (np.asarray(data["range"]) > 0))


@register("crosstalk", "lidar", "fraction of the returns hit by another lidar's pulses; "
          "each gets N(0, (3 m)²) range noise along its beam (Robo3D: 0.6 / 0.8 / 1.0 % "
          "light / moderate / heavy)", (0.006, 0.007, 0.008, 0.009, 0.010))
def crosstalk(data: Mapping[str, np.ndarray], fraction: float, rng: np.random.Generator,
              context: Mapping[str, Any]) -> Result:
    """Each return independently (Bernoulli(fraction)) gets range r + N(0, 3²), reflected
    at 0 (|r + n|, at least 1 mm): a pulse from another sensor timed at random."""
    r, i, xyz = arrays(data)
    live = r > 0
    hit = live & (rng.random(r.shape) < fraction)
    noise = rng.normal(0.0, CROSSTALK_SIGMA_M, r.shape)
    new_r = np.where(hit, np.maximum(np.abs(r + noise), MIN_RANGE_M), r)
    realised = float(hit.sum() / max(live.sum(), 1))
    return Result(output(data, new_r, i, along_beam(xyz, r, new_r)),
                  {"fraction": fraction, "realised_fraction": realised,
                   "noise_sigma_m": CROSSTALK_SIGMA_M, "returns_hit": int(hit.sum())}, hit)


@register("incomplete_echo", "lidar", "fraction of the dark returns dropped (apparent "
          "reflectivity ρ·cosθ < 0.2, range-normalised intensity; Robo3D: 75 / 85 / 95 % "
          "light / moderate / heavy)", (0.75, 0.80, 0.85, 0.90, 0.95))
def incomplete_echo(data: Mapping[str, np.ndarray], fraction: float,
                    rng: np.random.Generator, context: Mapping[str, Any]) -> Result:
    """Robo3D drops the points of dark, specular object classes (cars); without a class
    table of surface finishes we take "dark" from the return itself: apparent reflectivity
    intensity·max(1, (R/R_ref)²) = ρ·cosθ·exp(−2αR) below 0.2 — black paint, rubber, dark
    fabric at any angle, mid-grey surfaces at grazing incidence: the weakest echoes.
    round(fraction · n_dark) of them, drawn by the rng, are dropped."""
    r, i, _ = arrays(data)
    r_ref = reference_range(context)
    apparent = i * np.maximum(1.0, (r / r_ref) ** 2)
    dark = np.flatnonzero((r > 0) & (apparent < DARK_REFLECTIVITY))
    k = round(fraction * dark.size)
    removed = np.zeros(r.size, bool)
    removed[rng.choice(dark, size=k, replace=False)] = True
    removed = removed.reshape(r.shape)
    return Result(drop(data, removed),
                  {"fraction": fraction, "dark_threshold": DARK_REFLECTIVITY,
                   "dark_returns": dark.size, "dropped": k,
                   "dark_share": dark.size / max(int((r > 0).sum()), 1)}, removed)


@register("cross_sensor", "lidar", "fraction of the beams removed, evenly spaced, plus every "
          "second column (Robo3D cross-sensor: 16 / 32 / 48 of 64 beams light / moderate / "
          "heavy)", (16 / 64, 24 / 64, 32 / 64, 40 / 64, 48 / 64))
def cross_sensor(data: Mapping[str, np.ndarray], fraction: float, rng: np.random.Generator,
                 context: Mapping[str, Any]) -> Result:
    """A sparser sensor: rings floor((j + ½)·R/k), j < k = round(fraction·R), and the odd
    columns lose their returns. Deterministic (the rng is not used)."""
    n = rings(data)
    k = round(fraction * n)
    gone_rows = np.zeros(n, bool)
    gone_rows[np.floor((np.arange(k) + 0.5) * n / max(k, 1)).astype(np.int64)] = True
    shape = np.asarray(data["range"]).shape
    gone_cols = np.arange(shape[-1]) % 2 == 1
    removed = np.broadcast_to(gone_rows[:, None] | gone_cols[None, :], shape)
    return Result(drop(data, removed),
                  {"fraction": fraction, "beams_removed": k, "rings": n,
                   "columns_dropped": int(gone_cols.sum())},
                  removed & (np.asarray(data["range"]) > 0))


@register("range_noise", "lidar", "σ in metres of Gaussian range noise along the beam (ours: "
          "from twice the OS1's ±1.5 cm … ±10 cm datasheet precision up to 0.2 m)",
          (0.02, 0.05, 0.10, 0.15, 0.20))
def range_noise(data: Mapping[str, np.ndarray], sigma: float, rng: np.random.Generator,
                context: Mapping[str, Any]) -> Result:
    """r + N(0, σ²) on every return (kept ≥ 1 mm); intensity unchanged; mask None."""
    r, i, xyz = arrays(data)
    noise = rng.normal(0.0, sigma, r.shape)
    new_r = np.where(r > 0, np.maximum(r + noise, MIN_RANGE_M), 0.0)
    live = r > 0
    realised = float((new_r - r)[live].std()) if live.any() else 0.0
    return Result(output(data, new_r, i, along_beam(xyz, r, new_r)),
                  {"sigma_m": sigma, "realised_sigma_m": realised})


@register("limited_fov", "lidar", "half-width in degrees of the field of view kept about the "
          "forward +x axis (docs/references.md#cross-sensor-failures: ±90°, ±60°; ours down "
          "to ±45°)",
          (90.0, 78.75, 67.5, 56.25, 45.0), needs=("azimuth",))
def limited_fov(data: Mapping[str, np.ndarray], half_width: float, rng: np.random.Generator,
                context: Mapping[str, Any]) -> Result:
    """Columns whose azimuth (wrapped to ±180°) lies outside ±half_width lose every return.
    Deterministic."""
    azimuth = np.asarray(context["azimuth"], np.float64)
    wrapped = (azimuth + 180.0) % 360.0 - 180.0
    gone = np.abs(wrapped) > half_width
    shape = np.asarray(data["range"]).shape
    removed = np.broadcast_to(gone[None, :], shape)
    return Result(drop(data, removed),
                  {"half_width_deg": half_width, "columns_dropped": int(gone.sum()),
                   "columns": gone.size}, removed & (np.asarray(data["range"]) > 0))

