"""Audio perturbations of the common robustness and augmentation sets the registry lacked:
gain, speed, μ-law companding, a low-pass filter and an anti-aliased resampling round trip
(docs/references.md#audio-c).

Same conventions as :mod:`simengine.corruptions.audio.noise` ((C, N) float32 pascals in,
a new float32 (C, N) out).

==================  =========================================  ==========================
corruption          parameter                                  severity 1 … 5
==================  =========================================  ==========================
gain                |gain|, dB (sign drawn)                    2.4, 4.8, 7.2, 9.6, 12
speed               |factor − 1| (faster or slower, drawn)     .025, .05, .1, .15, .2
mu_law              bits of μ-law codes (μ = 2^bits − 1)       8, 7, 6, 5, 4
low_pass            cut-off frequency, Hz (Butterworth 24 dB   7500, 2800, 1060, 400, 150
                    per octave)
resample_round_trip intermediate sample rate, Hz (anti-aliased)  12000 … 4000
==================  =========================================  ==========================

Gain spans audiomentations' Gain (±12 dB), low_pass its LowPassFilter (150–7500 Hz, log
spaced, its steepest 24 dB/octave roll-off), resample_round_trip the low end of its Resample
(8–44.1 kHz) and below, where a 16 kHz recording changes (the audio_c suite runs its range);
speed spans the 0.9 / 1.1 speed perturbation of Ko et al. (2015) out to TimeStretch's 0.8;
μ-law starts at G.711's 8 bits (μ = 255).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy import signal

from ..base import Result, register
from .noise import sample_rate, waveform


@register("gain", "audio", "|gain| in dB, sign drawn (audiomentations Gain: ±12 dB)",
          (2.4, 4.8, 7.2, 9.6, 12.0))
def gain(data, gain_db, rng, context) -> Result:
    """Every channel × 10^(±gain/20), louder or quieter with equal chance. Pascals have no
    full scale, so nothing clips."""
    x = waveform(data)
    signed = float(gain_db) * (1.0 if rng.random() < 0.5 else -1.0)
    return Result((x * 10.0 ** (signed / 20.0)).astype(np.float32), {"gain_db": signed})


def speed_ratio(factor: float) -> Fraction:
    """factor as p/q with q ≤ 1000 (the resampler's up/down pair)."""
    return Fraction(factor).limit_denominator(1000)


@register("speed", "audio", "|speed factor − 1|, faster or slower drawn (Ko et al. 2015: "
          "0.9 / 1.1)", (0.025, 0.05, 0.1, 0.15, 0.2))
def speed(data, deviation, rng, context) -> Result:
    """Speed perturbation (Ko et al. 2015; torchaudio's SpeedPerturbation): the recording
    played ``factor`` times faster, pitch and tempo together, x'(t) = x(factor·t), by
    polyphase resampling (scipy.signal.resample_poly, Kaiser-windowed) by q/p with
    factor = p/q. The output keeps the input's length: a slower recording is longer and is
    cut, a faster one is shorter and zero-padded (the padding masked)."""
    x = waveform(data)
    factor = 1.0 + float(deviation) * (1.0 if rng.random() < 0.5 else -1.0)
    ratio = speed_ratio(factor)
    y = signal.resample_poly(x, ratio.denominator, ratio.numerator, axis=1)
    n = x.shape[1]
    out = np.zeros_like(x)
    out[:, :min(n, y.shape[1])] = y[:, :n]
    mask = np.zeros(x.shape, bool)
    mask[:, y.shape[1]:] = True
    return Result(out.astype(np.float32), {"factor": float(ratio), "samples_out": y.shape[1]},
                  mask if mask.any() else None)


@register("mu_law", "audio", "bits of the μ-law codes, μ = 2^bits − 1 (G.711: 8 bits, "
          "μ = 255) over the recording's full scale (max |x|)", (8, 7, 6, 5, 4))
def mu_law(data, bits, rng, context) -> Result:
    """μ-law companding and quantisation (ITU-T G.711's continuous law, torchaudio's
    mu_law_encoding): y = sgn(x)·ln(1 + μ|x|)/ln(1 + μ) on x / max|x|, quantised to
    2^bits codes round((y + 1)/2·μ), and expanded back:
    x = sgn(y)·((1 + μ)^|y| − 1)/μ. Deterministic."""
    x = waveform(data)
    full = float(np.max(np.abs(x))) if x.size else 0.0
    mu = 2 ** int(bits) - 1
    if full == 0:
        return Result(x.astype(np.float32), {"bits": bits, "mu": mu, "full_scale_pa": 0.0})
    u = x / full
    y = np.sign(u) * np.log1p(mu * np.abs(u)) / math.log1p(mu)
    codes = np.round((y + 1.0) / 2.0 * mu)
    y = codes / mu * 2.0 - 1.0
    out = np.sign(y) * np.expm1(np.abs(y) * math.log1p(mu)) / mu * full
    return Result(out.astype(np.float32), {"bits": bits, "mu": mu, "full_scale_pa": full})


LOW_PASS_ORDER = 4  # 24 dB/octave: audiomentations LowPassFilter's steepest default roll-off


@register("low_pass", "audio", "cut-off frequency in Hz of a 4th-order Butterworth low-pass "
          "(24 dB/octave; audiomentations LowPassFilter 150–7500 Hz)",
          (7500.0, 2800.0, 1060.0, 400.0, 150.0), needs=("sample_rate",))
def low_pass(data, cutoff_hz, rng, context) -> Result:
    """Causal 4th-order Butterworth low-pass at ``cutoff_hz`` (−3 dB there; scipy.signal
    butter + sosfilt, like audiomentations' non-zero-phase mode). A cut-off at or above the
    Nyquist frequency leaves the recording as it is (``skipped`` 1)."""
    x = waveform(data)
    fs = sample_rate(context)
    if cutoff_hz >= 0.5 * fs:
        return Result(x.astype(np.float32), {"cutoff_hz": float(cutoff_hz), "skipped": 1.0})
    sos = signal.butter(LOW_PASS_ORDER, cutoff_hz, btype="low", fs=fs, output="sos")
    return Result(signal.sosfilt(sos, x, axis=1).astype(np.float32),
                  {"cutoff_hz": float(cutoff_hz), "skipped": 0.0})


@register("resample_round_trip", "audio", "intermediate sample rate in Hz, anti-aliased both "
          "ways (audiomentations Resample: 8–44.1 kHz; ours down to 4 kHz so that a 16 kHz "
          "recording loses band at every severity)",
          (12000.0, 11025.0, 8000.0, 6000.0, 4000.0), needs=("sample_rate",))
def resample_round_trip(data, rate, rng, context) -> Result:
    """Down to ``rate`` and back up (scipy.signal.resample_poly, its Kaiser-windowed
    anti-alias low-pass both ways): what survives is the band below rate / 2. A rate at or
    above the recording's own changes nothing (``skipped`` 1)."""
    x = waveform(data)
    fs = sample_rate(context)
    if rate >= fs:
        return Result(x.astype(np.float32), {"rate_hz": fs, "skipped": 1.0})
    ratio = Fraction(rate / fs).limit_denominator(1000)
    low = signal.resample_poly(x, ratio.numerator, ratio.denominator, axis=1)
    back = signal.resample_poly(low, ratio.denominator, ratio.numerator, axis=1)
    n = x.shape[1]
    out = np.zeros_like(x)
    out[:, :min(n, back.shape[1])] = back[:, :n]
    return Result(out.astype(np.float32), {"rate_hz": float(rate), "skipped": 0.0})
