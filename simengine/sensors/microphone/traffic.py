"""Road-vehicle noise by the CNOSSOS-EU road-traffic source model (Directive (EU) 2015/996,
Annex II, 2.2, with Table F-1 as replaced by Delegated Directive (EU) 2021/1226; the table is
in :mod:`.cnossos_road`).

**Emission** (:func:`emission`). Per vehicle category ``m`` and octave band ``i``
(63 Hz .. 8 kHz), at speed ``v`` km/h:

- rolling (tyre/road) ``L_WR = A_R + B_R lg(v / 70)`` (2.2.4), plus the temperature
  correction ``K_m (20 - tau)`` (2.2.10) when an air temperature is given;
- propulsion ``L_WP = A_P + B_P (v - 70) / 70`` (2.2.5);
- the vehicle ``L_W = 10 lg(10^(L_WR/10) + 10^(L_WP/10))`` (2.2.3); categories 4a/4b
  (powered two-wheelers) have propulsion only.

Supported: reference conditions (the reference road surface, a dense asphalt, no studded
tyres, no gradient, steady speed, dry road) and the temperature correction. Not supported:
road-surface Table F-4, studded tyres (2.2.7), gradients and the acceleration correction
near crossings (Table F-3). The model's speed range is 20..130 km/h (2.2.1); below
20 km/h we hold the emission at its 20 km/h value (outside the fitted range the formulas
would send rolling noise to -inf; a standing vehicle keeps an idling-engine level).

**The source.** ``L_W`` is the sound power (dB re 1 pW) of ONE vehicle as a point source
0.05 m above the road (the line source of a traffic flow is ``L_W + 10 lg(Q / (1000 v))``
per metre, which is why a flow of ``Q = 1000 v`` vehicles per hour has the line level of
one vehicle). CNOSSOS propagation spreads it spherically (``A_div = 20 lg d + 11`` dB, 2.5.5)
and adds the road's reflection in its ground term, so ``L_W`` is a free-field, full-space
power with no directivity. Our dry signals are the free-field pressure at 1 m, so
``p_1m^2 = rho c W / (4 pi)`` with ``W = 1e-12 10^(L_W/10)`` W, and the road reflection is
the ground image the propagation adds (``propagation.render(..., ground_beta=...)``).

**Synthesis** (:func:`vehicle_noise`). Gaussian noise is split into octave bands by FFT
masks (edges ``f_c / sqrt(2) .. f_c sqrt(2)`` around the base-2 centres), each band
normalised to unit expected power from its bin count (not from the draw, so the level is
the model's, not the sample's) and multiplied per sample by the band's RMS pressure at the
vehicle's speed then. The firing frequency of the engine carries ``HARMONIC_SHARE`` of the
propulsion power of the band it falls in (taken out of that band's noise, so the band total
stays the model's). A band reaching above ``0.45 fs`` is cut there, keeping its share below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .cnossos_road import (
    REFERENCE_SPEED_KMH,
    REFERENCE_TEMPERATURE_C,
    SPEED_RANGE_KMH,
    TABLE_F1,
    TEMPERATURE_K,
)

RHO_C = 1.204 * 343.0  # kg/(m^2 s): air at 20 degC (density 1.204 kg/m^3, c = 343 m/s)
W_REF = 1e-12  # W: 0 dB sound power
BAND_CENTRES_HZ = 1000.0 * 2.0 ** np.arange(-4, 4)  # exact base-2 octave centres
MAX_BAND_FRACTION = 0.45  # of fs: bands reaching above are cut there
HARMONIC_SHARE = 0.5  # of the propulsion power in the firing frequency's band
CONTROL_STEP = 64  # samples between evaluations of the emission (interpolated in between)

CATEGORY: dict[str, str] = {
    "sedan": "1",
    "suv": "1",
    "van": "1",  # light vans <= 3.5 t are category 1 (Table 2.2.a)
    "truck": "3",  # our generator draws three-axle rigid trucks
    "bus": "3",  # three-axle single-deck buses: "buses with three or more axles" are 3
}
"""Our vehicle generators (``simengine/assets/generators/vehicles.py``) to CNOSSOS-EU
categories (Table [2.2.a]). Cyclists are left out: they have no engine, and the tyre noise
of a bicycle is 20-30 dB below a car's (CNOSSOS has no category for it)."""


class Emission(NamedTuple):
    """Sound power levels (dB re 1 pW), each of shape ``speed.shape + (8,)``."""

    rolling: np.ndarray
    propulsion: np.ndarray
    total: np.ndarray


def _key(category: int | str) -> str:
    key = str(category)
    if key not in TABLE_F1:
        raise ValueError(f"category: expected one of {sorted(TABLE_F1)}, got {category!r}")
    return key


def emission(category: int | str, speed_kmh, temperature_c: float = REFERENCE_TEMPERATURE_C
             ) -> Emission:
    """CNOSSOS-EU sound power per octave band of one vehicle of ``category`` ("1", "2", "3",
    "4a", "4b" or 1, 2, 3) at ``speed_kmh`` (scalar or array, km/h; speeds below 20 km/h
    give the emission at 20 km/h), air temperature ``temperature_c`` (degC)."""
    key = _key(category)
    v = np.asarray(speed_kmh, dtype=np.float64)
    if not np.all(np.isfinite(v)) or np.any(v < 0):
        raise ValueError("speed_kmh: expected finite speeds >= 0 km/h")
    v = np.maximum(v, SPEED_RANGE_KMH[0])[..., None]
    a_r, b_r, a_p, b_p = (np.asarray(row) for row in TABLE_F1[key])
    propulsion = a_p + b_p * (v - REFERENCE_SPEED_KMH) / REFERENCE_SPEED_KMH
    if key in ("4a", "4b"):
        rolling = np.full_like(propulsion, -np.inf)
        total = propulsion
    else:
        rolling = a_r + b_r * np.log10(v / REFERENCE_SPEED_KMH) \
            + TEMPERATURE_K[key] * (REFERENCE_TEMPERATURE_C - temperature_c)
        total = 10.0 * np.log10(10.0 ** (rolling / 10.0) + 10.0 ** (propulsion / 10.0))
    return Emission(rolling, propulsion, total)


def pressure_squared_1m(level_db) -> np.ndarray:
    """Mean-square free-field pressure (Pa^2) at 1 m of a point source of sound power
    ``level_db`` (dB re 1 pW): ``rho c W / (4 pi)``."""
    return RHO_C * W_REF * 10.0 ** (np.asarray(level_db, dtype=np.float64) / 10.0) / (4 * np.pi)


@dataclass(frozen=True)
class Drivetrain:
    """An rpm model: the engine turns at ``overall_ratio * wheel turns``, in the lowest gear
    whose rpm stays at or below ``shift_rpm`` (a driver cruising in a moderate gear), never
    below ``idle_rpm``. A four-stroke engine fires ``cylinders / 2`` times per turn."""

    wheel_radius_m: float
    overall_ratios: tuple[float, ...]  # gearbox ratio x final drive, first gear first
    idle_rpm: float
    shift_rpm: float
    cylinders: int

    def rpm(self, speed_ms: np.ndarray) -> np.ndarray:
        wheel_rpm = np.asarray(speed_ms) * 60.0 / (2 * np.pi * self.wheel_radius_m)
        ratios = np.asarray(self.overall_ratios)
        per_gear = wheel_rpm[..., None] * ratios  # (..., gears), falling with the gear
        ok = per_gear <= self.shift_rpm
        gear = np.where(ok.any(axis=-1), np.argmax(ok, axis=-1), len(ratios) - 1)
        engine = np.take_along_axis(per_gear, gear[..., None], axis=-1)[..., 0]
        return np.maximum(engine, self.idle_rpm)

    def firing_hz(self, speed_ms: np.ndarray) -> np.ndarray:
        return self.rpm(speed_ms) / 60.0 * self.cylinders / 2.0


# Typical drivetrains (illustrative, not from a table): a compact car's five-speed gearbox
# (3.6/2.1/1.4/1.0/0.8) with a 3.9 final drive and 0.31 m wheels, a four-cylinder engine
# cruising below 2500 rpm; a heavy vehicle's eight-speed box (9.0 .. 0.8) with a 3.7 final
# drive and 0.5 m wheels, a six-cylinder diesel below 1600 rpm; motorcycles a 2-cylinder
# engine below 5000 rpm, mopeds a single cylinder (firing every turn of a two-stroke is
# modelled as a 2-"cylinder" four-stroke).
DRIVETRAINS: dict[str, Drivetrain] = {
    "1": Drivetrain(0.31, tuple(3.9 * g for g in (3.6, 2.1, 1.4, 1.0, 0.8)), 800, 2500, 4),
    "2": Drivetrain(0.45, tuple(4.1 * g for g in (7.0, 4.5, 2.9, 1.9, 1.3, 1.0)), 650, 1800, 4),
    "3": Drivetrain(0.5, tuple(3.7 * g for g in (9.0, 6.0, 4.0, 2.7, 1.8, 1.3, 1.0, 0.8)),
                    600, 1600, 6),
    "4a": Drivetrain(0.25, (14.0,), 1800, 9000, 2),
    "4b": Drivetrain(0.3, tuple(6.0 * g for g in (2.6, 1.8, 1.4, 1.15, 1.0)), 1100, 5000, 2),
}


def band_edges(fs: float) -> list[tuple[int, float, float, float]]:
    """(band index, lower, upper edge Hz, share of the band's power) of the octave bands
    heard at sampling rate ``fs``: a band reaching above ``MAX_BAND_FRACTION * fs`` is cut
    there and keeps the share of its power below the cut (its density taken as flat in Hz),
    so the spectrum runs on to the top of the recording instead of stopping an octave short."""
    kept = []
    cap = MAX_BAND_FRACTION * fs
    for i, fc in enumerate(BAND_CENTRES_HZ):
        lo, hi = fc / math.sqrt(2.0), fc * math.sqrt(2.0)
        if lo < cap:
            top = min(hi, cap)
            kept.append((i, lo, top, (top - lo) / (hi - lo)))
    return kept


def vehicle_noise(category: int | str, speeds: np.ndarray, dt: float, fs: float, n: int,
                  rng: np.random.Generator, *, temperature_c: float = REFERENCE_TEMPERATURE_C,
                  harmonic: bool = True) -> np.ndarray:
    """Dry signal of one road vehicle: free-field pressure at 1 m (Pa).

    Parameters
    ----------
    category : int or str
        CNOSSOS-EU category ("1", "2", "3", "4a", "4b"); see :data:`CATEGORY`.
    speeds : numpy.ndarray
        Shape (T,), the vehicle's speed in m/s at ``k * dt`` s (linear in between, held
        after the last).
    dt : float
        Spacing of ``speeds`` in s (> 0).
    fs : float
        Sampling rate in Hz.
    n : int
        Number of samples (sample ``k`` is at ``k / fs`` s).
    rng : numpy.random.Generator
        Draws exactly ``n`` normals and one uniform, whatever the speeds and options.
    temperature_c : float
        Air temperature for the rolling-noise correction (2.2.10).
    harmonic : bool
        Add the engine's firing frequency (inside the propulsion budget).

    Returns
    -------
    numpy.ndarray
        Shape (n,), float64, Pa at 1 m.
    """
    key = _key(category)
    speeds = np.asarray(speeds, dtype=np.float64).reshape(-1)
    if speeds.size == 0 or not np.all(np.isfinite(speeds)) or np.any(speeds < 0):
        raise ValueError("speeds: expected a non-empty array of finite speeds >= 0 m/s")
    if not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt: expected a positive number of seconds, got {dt!r}")
    n = int(n)
    white = rng.standard_normal(n)
    phase0 = 2 * np.pi * rng.random()
    out = np.zeros(n)
    if n == 0:
        return out
    # emission on a control grid every CONTROL_STEP samples, band powers interpolated linearly
    t = np.arange(n) / fs
    t_ctrl = np.arange(0, n + CONTROL_STEP, CONTROL_STEP) / fs
    v_ctrl = np.interp(t_ctrl, np.arange(speeds.size) * dt, speeds)
    em = emission(key, v_ctrl * 3.6, temperature_c)
    noise_pow = pressure_squared_1m(em.total)  # (K, 8)
    prop_pow = pressure_squared_1m(em.propulsion)
    kept = band_edges(fs)
    tone = np.zeros(n)
    if harmonic:
        v = np.interp(t, np.arange(speeds.size) * dt, speeds)
        f_fire = DRIVETRAINS[key].firing_hz(v)
        band = np.floor(np.log2(f_fire / BAND_CENTRES_HZ[0]) + 0.5).astype(int)
        ok = np.isin(band, [i for i, _, _, _ in kept])
        tone_pow_ctrl = HARMONIC_SHARE * prop_pow  # (K, 8): what the tone takes per band
        bi = np.clip(band, 0, 7)
        tone_pow = np.where(ok, _interp_bands(t, t_ctrl, tone_pow_ctrl)[np.arange(n), bi], 0.0)
        phase = phase0 + 2 * np.pi * np.cumsum(f_fire) / fs
        tone = np.sqrt(2 * tone_pow) * np.sin(phase)
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(n, 1.0 / fs)
    gains = _interp_bands(t, t_ctrl, noise_pow)  # (n, 8) band mean-square, Pa^2
    for i, lo, hi, share in kept:
        mask = (freqs >= lo) & (freqs < hi)
        bins = int(mask.sum())
        if bins == 0:
            continue
        # unit expected power: each non-DC/Nyquist bin of n unit normals holds 2/n of it
        part = np.fft.irfft(np.where(mask, spectrum, 0.0), n) * math.sqrt(n / (2.0 * bins))
        power = gains[:, i] * share
        if harmonic:
            power = power - np.where(ok & (band == i), tone_pow, 0.0)
        out += part * np.sqrt(np.maximum(power, 0.0))
    return out + tone


def _interp_bands(t: np.ndarray, t_ctrl: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per-sample (len(t), 8) linear interpolation of per-control-point band values."""
    return np.column_stack([np.interp(t, t_ctrl, values[:, b]) for b in range(values.shape[1])])
