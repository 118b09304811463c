"""Dry sound sources of contact events: the pressure at 1 m of an impact (modal ringing of
both bodies plus an impulsive click) and of a sliding or rolling contact (band-limited noise
following the friction power, coloured by the bodies' ringing). The array places them in the
scene (``sensor.py``, whose docstring gives the constants' reasons).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ...dsp import P_REF
from ...materials import MATERIAL_ID, Material, material
from ._kernels import add_modes

if TYPE_CHECKING:  # annotations only
    from ...physics.events import SlideEpisode

PA_PER_NS = 2.0
BODY_SHARE = 0.5
CLICK_LENGTH = 1.5e-3
CLICK_DECAY = 0.3e-3
CLICK_GAIN = 0.5
DECAY_SPAN = 5.0
MAX_MODE_FRACTION = 0.45
REFERENCE_SIZE = 0.1  # m: the size ``f0_hz`` of the material table refers to
SLIDE_PA = 0.005  # Pa RMS at 1 m per W (N x m/s) of friction-like power
SLIDE_BAND = (150.0, 6000.0)  # Hz
SLIDE_RING = 0.1  # s of modal ringing that colours a slide


def noise_rms(self_noise_db_spl: float) -> float:
    """RMS pressure (Pa) of a capsule's self-noise given in dB SPL."""
    return P_REF * 10.0 ** (float(self_noise_db_spl) / 20.0)


def _material(m: str | Material) -> Material:
    if isinstance(m, Material):
        return m
    if m not in MATERIAL_ID:
        raise ValueError(f"unknown material {m!r}; expected one of {sorted(MATERIAL_ID)}")
    return material(m)


def synthesize_impact(material: str | Material, size: float, impulse: float,
                      sample_rate: int, n: int, *,
                      rng: np.random.Generator | None = None) -> np.ndarray:
    """Pressure (Pa) at 1 m of one body of ``material`` and ``size`` struck by ``impulse``.

    This is one body at full scale (``PA_PER_NS * impulse``); an event in
    :meth:`MicrophoneArray.observe` is ``BODY_SHARE`` times the sum of its two bodies.

    Parameters
    ----------
    material : str or Material
        Name in :mod:`simengine.materials` (or the entry itself).
    size : float
        Characteristic size in m (> 0); frequencies scale as ``0.1 / size``.
    impulse : float
        Impulse in N·s (>= 0); the pressure is proportional to it.
    sample_rate : int
        Samples per second.
    n : int
        Number of samples to return (the ringing starts at sample 0).
    rng : numpy.random.Generator, optional
        If given, the impulsive click is added (drawn from ``rng``); otherwise the result is
        the deterministic modal ringing alone.

    Returns
    -------
    numpy.ndarray
        Shape (n,), float64, pascals at 1 m.
    """
    m = _material(material)
    if not (math.isfinite(size) and size > 0):
        raise ValueError(f"size: expected a positive number of metres, got {size!r}")
    if not (math.isfinite(impulse) and impulse >= 0):
        raise ValueError(f"impulse: expected a non-negative number of N·s, got {impulse!r}")
    if int(sample_rate) <= 0 or int(n) < 0:
        raise ValueError("sample_rate must be positive and n non-negative")
    out = np.zeros(int(n), np.float64)
    add_body_ringing(out, m, float(size), PA_PER_NS * float(impulse), float(sample_rate))
    if rng is not None:
        click = impact_click(rng, float(impulse), int(sample_rate))
        k = min(click.shape[0], out.shape[0])
        out[:k] += click[:k]
    return out


def add_body_ringing(out: np.ndarray, m: Material, size: float, gain: float, fs: float) -> None:
    modes = np.array(m.modes, np.float64)  # (K, 3): ratio, decay, amplitude
    freqs = m.f0_hz * modes[:, 0] * (REFERENCE_SIZE / size)
    keep = freqs < MAX_MODE_FRACTION * fs
    norm = gain / modes[:, 2].sum()
    table = np.ascontiguousarray(np.stack([freqs, modes[:, 1], modes[:, 2]], axis=1)[keep])
    add_modes(out, table, norm, fs)


def impact_click(rng: np.random.Generator, impulse: float, sample_rate: int) -> np.ndarray:
    n = max(1, round(CLICK_LENGTH * sample_rate))
    t = np.arange(n) / sample_rate
    return rng.standard_normal(n) * (CLICK_GAIN * PA_PER_NS * impulse) * np.exp(-t / CLICK_DECAY)


def synthesize_slide(episode: SlideEpisode, fs: float, noise: np.ndarray) -> np.ndarray:
    """Pressure (Pa at 1 m) of a sliding/rolling contact: ``noise`` (white, one value per
    output sample of the episode) band-limited to ``SLIDE_BAND`` Hz, with RMS
    ``SLIDE_PA * force * speed`` following the episode step by step (linear interpolation),
    coloured by the two bodies' modal ringing (normalised to unit energy) so that a metal
    scrape rings like metal. A continuous excitation, not a train of clicks."""
    from scipy.signal import butter, fftconvolve, sosfilt

    n = noise.shape[0]
    if n == 0:
        return np.zeros(0)
    lo, hi = SLIDE_BAND[0], min(SLIDE_BAND[1], MAX_MODE_FRACTION * fs)
    band = sosfilt(butter(2, [lo, hi], btype="bandpass", fs=fs, output="sos"), noise)
    band /= max(float(np.sqrt(np.mean(band**2))), 1e-30)
    t = episode.times[0] + np.arange(n) / fs
    level = SLIDE_PA * np.interp(t, episode.times, episode.force * episode.speed)
    ring = np.zeros(max(1, round(SLIDE_RING * fs)))
    add_body_ringing(ring, material(episode.material_a), episode.size_a, 1.0, fs)
    add_body_ringing(ring, material(episode.material_b), episode.size_b, 1.0, fs)
    energy = float(np.sum(ring**2))
    x = band * level
    if energy > 0:
        x = fftconvolve(x, ring / math.sqrt(energy))[:n]
    return x
