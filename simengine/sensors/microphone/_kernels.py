"""Numba kernels of the microphone-array sensor (private: they only compute).

The public module (``microphone.py``) validates inputs, allocates every array and calls
these kernels; nothing here allocates its output, draws random numbers or checks arguments.
"""

from __future__ import annotations

import math

import numpy as np

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


@kernel
def add_delayed(out, src, delays, gains, half_width):
    """Add ``src`` (L,) to each channel of ``out`` (C, N) with a fractional delay and a gain.

    Channel ``c`` receives ``gains[c] * src(n - delays[c])`` where ``delays`` (C,) is in
    samples (any real number) and ``src`` is band-limited interpolated by a Blackman-windowed
    sinc of ``2 * half_width`` taps, normalised to unit DC gain.
    """
    n_ch = out.shape[0]
    n_out = out.shape[1]
    n_src = src.shape[0]
    n_taps = 2 * half_width
    taps = np.empty(n_taps)
    for c in range(n_ch):
        di = math.floor(delays[c])
        frac = delays[c] - di
        # Tap m (m = -half_width + 1 .. half_width) weights src[j - m] for output j + di,
        # i.e. interpolates src at (j - frac): h(m - frac).
        total = 0.0
        for i in range(n_taps):
            x = (i - half_width + 1) - frac
            s = 1.0 if x == 0.0 else math.sin(math.pi * x) / (math.pi * x)
            u = math.pi * x / half_width
            w = 0.42 + 0.5 * math.cos(u) + 0.08 * math.cos(2.0 * u)
            if abs(x) >= half_width:
                w = 0.0
            taps[i] = s * w
            total += s * w
        g = gains[c] / total
        for i in range(n_taps):
            m = i - half_width + 1
            h = g * taps[i]
            # output index = k + di + m for source sample k
            k0 = max(0, -(di + m))
            k1 = min(n_src, n_out - (di + m))
            for k in range(k0, k1):
                out[c, k + di + m] += h * src[k]
