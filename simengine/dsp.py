"""Signal processing shared by the microphone arrays and the audio corruptions.

Public on purpose: both sides need exactly the same interpolation table and reference
pressure, so neither imports the other's private modules.
"""

from __future__ import annotations

import numpy as np

P_REF = 20e-6  # Pa: 0 dB SPL


def sinc_table(half_width: int, phases: int) -> np.ndarray:
    """Blackman-windowed sinc table (phases + 1, 2 * half_width), rows normalised to sum 1."""
    m = np.arange(-half_width + 1, half_width + 1, dtype=np.float64)
    x = np.arange(phases + 1)[:, None] / phases - m[None, :]
    u = np.pi * x / half_width
    w = np.where(np.abs(x) < half_width, 0.42 + 0.5 * np.cos(u) + 0.08 * np.cos(2 * u), 0.0)
    h = np.sinc(x) * w
    return np.ascontiguousarray(h / h.sum(axis=1, keepdims=True))

