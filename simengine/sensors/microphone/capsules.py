"""The capsules of an array and what stands between them and the stored waveform.

Directivity patterns, capsule axes, the ambient-noise gain that meets a target SNR, and the
per-channel chain: gain and phase mismatch, clipping at the acoustic overload point,
quantisation.
"""

from __future__ import annotations

import math

import numpy as np

P_REF = 20e-6  # Pa: 0 dB SPL
# first-order directivity a + (1 - a) cos(theta)
PATTERNS = {"omni": 1.0, "subcardioid": 0.7, "cardioid": 0.5, "supercardioid": 0.37,
            "hypercardioid": 0.25, "figure8": 0.0}


def snr_gain(clean, ambient, self_noise, snr_db: float) -> float:
    """g >= 0 with sum(clean^2) / sum((g a + v)^2) = 10^(snr/10): a quadratic in g. Zero
    when the self-noise alone is already louder than the target allows."""
    target = float(np.sum(clean**2)) / 10.0 ** (snr_db / 10.0)
    aa, av, vv = float(np.sum(ambient**2)), float(np.sum(ambient * self_noise)), \
        float(np.sum(self_noise**2))
    disc = av * av - aa * (vv - target)
    if aa <= 0 or disc < 0 or target <= vv:
        return 0.0
    return (-av + math.sqrt(disc)) / aa


def capsule_chain(x: np.ndarray, gains: np.ndarray, phases: np.ndarray,
                  clip_db_spl: float | None, bit_depth: int) -> np.ndarray:
    """Per-channel gain, phase rotation (every positive frequency turned by ``phases``
    rad: the analytic signal times exp(-j phase)), clipping at the peak of a sine of
    ``clip_db_spl`` and quantisation to ``bit_depth`` bits over ±that peak (mid-tread)."""
    y = x * gains[:, None]
    if np.any(phases != 0):
        spec = np.fft.rfft(y, axis=1)
        spec[:, 1:] *= np.exp(-1j * phases)[:, None]
        y = np.fft.irfft(spec, x.shape[1], axis=1)
    if clip_db_spl is not None:
        full = P_REF * 10.0 ** (clip_db_spl / 20.0) * math.sqrt(2.0)
        y = np.clip(y, -full, full)
        if bit_depth > 0:
            step = 2.0 * full / 2.0**bit_depth
            y = np.clip(np.round(y / step) * step, -full, full - step)
    return y


def capsule_axes(pos: np.ndarray, given, where: str) -> np.ndarray:
    """Capsule axes (C, 3), unit, array frame: given, or outward from the centroid."""
    if given is not None:
        ax = np.asarray(given, np.float64)
        if ax.shape != pos.shape or np.any(np.linalg.norm(ax, axis=1) == 0):
            raise ValueError(f"{where}: axes: expected one non-zero 3-vector per capsule")
    else:
        ax = pos - pos.mean(axis=0)
        small = np.linalg.norm(ax, axis=1) < 1e-9
        ax[small] = (1.0, 0.0, 0.0)
    return np.ascontiguousarray(ax / np.linalg.norm(ax, axis=1, keepdims=True))
