"""Rain as physics, shared by the camera, lidar and microphone rain corruptions.

- Drop sizes: Marshall & Palmer (1948), N(D) = N0·exp(−Λ·D), N0 = 8000 m⁻³ mm⁻¹,
  Λ = 4.1·R^−0.21 mm⁻¹ (R rain rate in mm/h, D drop diameter in mm), cut at 6 mm (larger
  drops break up).
- Optical extinction: drops are ≫ the wavelength of light and of a lidar's 905 nm, so
  the extinction efficiency is 2: α = 2·∫N(D)·πD²/4 dD = N0·π/Λ³ (× 10⁻⁶ for mm² → m²),
  ≈ 0.36·R^0.63 per km: MOR = ln 20 / α is ≈ 8 km at 1 mm/h and ≈ 1.1 km at 25 mm/h.
- Fall speed: Atlas, Srivastava & Sekhon (1973), v(D) = 9.65 − 10.3·exp(−0.6·D) m/s.
- Loudness: rain noise is taken to follow the kinetic-energy flux of the rain,
  R·e(R) with e(R) = 11.87 + 8.73·log10(R) J m⁻² mm⁻¹ (Wischmeier & Smith 1958), anchored
  at 45 dB SPL for 1 mm/h (our assumption; it gives ≈ 50 dB at 2.5, 62 dB at 25 and
  66 dB at 50 mm/h, inside the 40–70 dB reported for light to heavy rain).
"""

from __future__ import annotations

import math

import numpy as np

MP_N0 = 8000.0  # m⁻³ mm⁻¹
MAX_DROP_MM = 6.0
RAIN_NOISE_DB_AT_1MM = 45.0  # dB SPL at 1 mm/h (see the module docstring)
# Severity levels of every rain corruption, mm/h: light (2.5, the light/moderate boundary of
# the AMS glossary), moderate, heavy (from 7.6), and two violent levels.
RAIN_RATES = (2.5, 5.0, 10.0, 25.0, 50.0)


def mp_slope(rate: float) -> float:
    """Λ in 1/mm at ``rate`` mm/h."""
    return 4.1 * rate**-0.21


def beam_meet_rate(rate: float) -> float:
    """κ, drops per metre met by a thin beam's axis: ∫N(D)·πD²/4 dD (m⁻¹)."""
    lam = mp_slope(rate)
    return MP_N0 * math.pi / (2.0 * lam**3) * 1e-6


def extinction_per_m(rate: float) -> float:
    """Optical extinction coefficient α (1/m): twice the geometric cross-section density."""
    return 2.0 * beam_meet_rate(rate)


def number_density(rate: float, min_mm: float) -> float:
    """Drops per m³ with a diameter between ``min_mm`` and the 6 mm cut."""
    lam = mp_slope(rate)
    return MP_N0 / lam * (math.exp(-lam * min_mm) - math.exp(-lam * MAX_DROP_MM))


def draw_diameters(rng: np.random.Generator, rate: float, n: int, min_mm: float,
                   weight: int = 0) -> np.ndarray:
    """``n`` diameters (mm) on [min_mm, 6] from N(D)·D^weight (weight 2: drawn by
    cross-section, as a beam meets them): a Gamma(weight + 1, 1/Λ) truncated by
    inversion of its CDF on a fine grid."""
    lam = mp_slope(rate)
    grid = np.linspace(min_mm, MAX_DROP_MM, 2048)
    pdf = grid**weight * np.exp(-lam * grid)
    cdf = np.concatenate([[0.0], np.cumsum((pdf[1:] + pdf[:-1]) * 0.5 * np.diff(grid))])
    return np.interp(rng.random(n) * cdf[-1], cdf, grid)


def fall_speed(d_mm: np.ndarray) -> np.ndarray:
    """Terminal velocity (m/s) of drops of diameter ``d_mm``."""
    return np.maximum(9.65 - 10.3 * np.exp(-0.6 * np.asarray(d_mm, np.float64)), 0.0)


def noise_level_db_spl(rate: float) -> float:
    """Rain noise at the microphones, dB SPL (see the module docstring)."""
    def flux(r: float) -> float:
        return r * (11.87 + 8.73 * math.log10(r))

    return RAIN_NOISE_DB_AT_1MM + 10.0 * math.log10(flux(rate) / flux(1.0))
