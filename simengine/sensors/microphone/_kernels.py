"""Numba kernels of the microphone-array sensor (private: they only compute).

The public model (``sensor.py``) validates inputs, allocates every array and calls
these kernels; nothing here allocates its output, draws random numbers or checks arguments.
"""

from __future__ import annotations

import math

from ..._numba import kernel


@kernel
def add_modes(out, modes, gain, sample_rate):
    """Add ``gain * sum_k a_k exp(-t/tau_k) sin(2 pi f_k t)`` to ``out`` (L,).

    ``modes`` (K, 3) holds rows ``(f_k Hz, tau_k s, a_k)``; ``t = n / sample_rate`` for
    sample ``n``, so every mode starts at phase 0 at ``n = 0``.
    """
    n_out = out.shape[0]
    for k in range(modes.shape[0]):
        w = 2.0 * math.pi * modes[k, 0] / sample_rate
        d = 1.0 / (modes[k, 1] * sample_rate)
        a = gain * modes[k, 2]
        for n in range(n_out):
            e = -d * n
            if e < -50.0:  # below 2e-22 of the onset: nothing left to add
                break
            out[n] += a * math.exp(e) * math.sin(w * n)
