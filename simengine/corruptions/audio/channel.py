"""Audio corruptions of the recording chain: converter, transmission and array faults.

Same conventions as :mod:`simengine.corruptions.audio.noise` ((C, N) float32 pascals in,
a new float32 (C, N) out, ``mask`` True where samples were removed or replaced).

Levels, with their sources (docs/references.md#audio-degradations: audiomentations'
defaults):

- ``clipping``: 1, 5, 10, 20, 40 % of samples clipped (ClippingDistortion's 0–40 %).
- ``bit_crush``: 10, 8, 7, 6, 5 bits (BitCrush's 5–10 bits).
- ``resample_aliasing``: 12, 8, 6, 4, 3 kHz (Resample's 8–44.1 kHz, extended down to the
  rates of narrow-band telephony and below so that a 16 kHz recording aliases).
- ``band_limit``: 100–6000 … 400–2000 Hz (BandPassFilter centres 200–4000 Hz; telephone
  300–3400 Hz at severity 3).
- ``packet_loss``: 20 ms packets (a common VoIP frame) lost with probability 2, 5, 10, 20,
  30 % (our choice: from a good network to a very poor one; no library default).
- ``dead_channel``, ``gain_phase_mismatch``, ``clock_drift``: no common library models
  them (docs/references.md#audio-degradations), so the levels are ours, for orientation:
  MEMS capsules are commonly specified at ±1 dB sensitivity and a few degrees of phase
  match (severity 1–2; the top severities are a badly matched or damaged array); crystal
  oscillators at ±20–100 ppm, RC oscillators at hundreds (severity 5: 500 ppm).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..._numba import kernel
from ...dsp import sinc_table
from ...sensors.microphone.capsules import capsule_chain
from ..base import Result, register
from .noise import sample_rate, waveform

PACKET_SECONDS = 0.02
CONCEALMENT_DECAY = 0.5  # gain of a repeated packet falls by this per lost packet
BAND_TAPER_OCTAVES = 1.0 / 3.0  # raised-cosine skirt outside the band; zero beyond it
MAX_BAND_FRACTION = 0.45  # the band's top stays below 0.45 fs (0.9 Nyquist)
DRIFT_HALF_WIDTH = 32  # taps each side of the windowed-sinc resampler
DRIFT_PHASES = 1024  # fractional delays tabulated (linearly interpolated between)


@register("clipping", "audio", "fraction of samples clipped (threshold: that quantile of |x|)",
          (0.01, 0.05, 0.1, 0.2, 0.4))
def clipping(data, fraction, rng, context) -> Result:
    """Hard clipping at ±T, T the (1 − fraction) quantile of |x| over the whole recording
    (one converter full scale for the array). ``mask``: clipped samples."""
    x = waveform(data)
    a = np.abs(x)
    threshold = float(np.quantile(a, 1.0 - fraction)) if x.size else 0.0
    clipped = a > threshold
    y = np.clip(x, -threshold, threshold)
    return Result(y.astype(np.float32), {
        "fraction": fraction, "threshold_pa": threshold,
        "clipped_fraction": float(clipped.mean()) if x.size else 0.0}, clipped)


@register("bit_crush", "audio", "bit depth of a requantisation over the recording's "
          "full scale (max |x|)", (10, 8, 7, 6, 5))
def bit_crush(data, bits, rng, context) -> Result:
    """Mid-tread quantisation to ``bits`` over ±max|x|: step 2·F / 2^bits, codes
    −2^(bits−1) … 2^(bits−1) − 1 (at most 2^bits values)."""
    x = waveform(data)
    full = float(np.max(np.abs(x))) if x.size else 0.0
    if full == 0:
        return Result(x.astype(np.float32), {"bits": bits, "full_scale_pa": 0.0,
                                             "step_pa": 0.0})
    step = 2.0 * full / 2.0**bits
    half = 2 ** (int(bits) - 1)
    codes = np.clip(np.round(x / step), -half, half - 1)
    return Result((codes * step).astype(np.float32),
                  {"bits": bits, "full_scale_pa": full, "step_pa": step})


@register("resample_aliasing", "audio", "intermediate sample rate, Hz (no anti-alias filter)",
          (12000.0, 8000.0, 6000.0, 4000.0, 3000.0), needs=("sample_rate",))
def resample_aliasing(data, rate, rng, context) -> Result:
    """Naive resampling to ``rate`` and back: the recording is read at t_k = k / rate by
    linear interpolation (no low-pass first, so content above rate / 2 folds to
    |f − k·rate|), then read back at the original instants by linear interpolation. A
    rate at or above the recording's own is skipped (nothing would alias): the output is
    the input and ``skipped`` is 1."""
    x = waveform(data)
    fs = sample_rate(context)
    n = x.shape[1]
    if rate >= fs or n < 2:
        return Result(x.astype(np.float32), {"rate_hz": fs, "skipped": 1.0})
    t_orig = np.arange(n) / fs
    m = math.floor((n - 1) * rate / fs) + 1
    t_low = np.arange(m) / rate
    y = np.empty_like(x)
    for c in range(x.shape[0]):
        low = np.interp(t_low, t_orig, x[c])
        y[c] = np.interp(t_orig, t_low, low)  # held after the last low-rate sample
    return Result(y.astype(np.float32), {"rate_hz": float(rate), "skipped": 0.0})


def band_gain(freqs: np.ndarray, low: float, high: float) -> np.ndarray:
    """1 inside [low, high], a raised-cosine skirt over 1/3 octave outside each edge (in
    log frequency), 0 beyond (so −∞ dB one octave away)."""
    g = np.zeros(freqs.shape)
    f = np.maximum(freqs, 1e-12)
    octaves_below = np.log2(low / f)
    octaves_above = np.log2(f / high)
    g[(f >= low) & (f <= high)] = 1.0
    for octs in (octaves_below, octaves_above):
        skirt = (octs > 0) & (octs < BAND_TAPER_OCTAVES)
        g[skirt] = 0.5 + 0.5 * np.cos(np.pi * octs[skirt] / BAND_TAPER_OCTAVES)
    g[freqs == 0] = 0.0
    return g


@register("band_limit", "audio", "pass band (low, high), Hz",
          ((100.0, 6000.0), (150.0, 4500.0), (300.0, 3400.0), (350.0, 2600.0),
           (400.0, 2000.0)), needs=("sample_rate",))
def band_limit(data, band, rng, context) -> Result:
    """Zero-phase band-pass in the FFT domain of the whole recording: gain 1 in the band,
    a 1/3-octave raised-cosine skirt each side, 0 beyond (``band_gain``). The top edge is
    capped at 0.45 fs (the skirt above it is cut at Nyquist); ``low`` at most ``high``."""
    x = waveform(data)
    fs = sample_rate(context)
    low, high = float(band[0]), float(band[1])
    high = min(high, MAX_BAND_FRACTION * fs)
    low = min(low, high)
    n = x.shape[1]
    spec = np.fft.rfft(x, axis=1)
    spec *= band_gain(np.fft.rfftfreq(n, 1.0 / fs), low, high)[None, :]
    return Result(np.fft.irfft(spec, n, axis=1).astype(np.float32),
                  {"low_hz": low, "high_hz": high})


@register("packet_loss", "audio", "probability that a 20 ms packet is lost",
          (0.02, 0.05, 0.1, 0.2, 0.3), needs=("sample_rate",))
def packet_loss(data, p, rng, context) -> Result:
    """The recording travels in 20 ms packets carrying every channel; each is lost with
    probability p. The number lost is p·P rounded up or down at random (up with
    probability frac(p·P), so its mean is exactly p·P) and which packets, uniformly
    without replacement: every packet is lost with probability exactly p, but the count
    does not spread binomially (±4 of 80 packets at 30 %, more than a severity step over a
    short recording). Concealment (a simplified
    waveform repetition, in the spirit of ITU-T G.711 Appendix I): the k-th lost
    packet of a burst replays the last packet received, its gain ramping linearly from
    0.5^(k−1) to 0.5^k across the packet (a burst fades out smoothly); a loss before any
    packet arrived is silence. ``mask``: the lost packets' samples (all channels)."""
    x = waveform(data)
    fs = sample_rate(context)
    c, n = x.shape
    size = max(round(PACKET_SECONDS * fs), 1)
    packets = -(-n // size)
    count = min(math.floor(p * packets + rng.random()), packets)
    lost = np.zeros(packets, bool)
    lost[rng.permutation(packets)[:count]] = True
    y = x.copy()
    mask = np.zeros((c, n), bool)
    last = None  # (start, stop) of the last packet received
    burst = 0
    for j in range(packets):
        a, b = j * size, min((j + 1) * size, n)
        if not lost[j]:
            last, burst = (a, b), 0
            continue
        burst += 1
        mask[:, a:b] = True
        if last is None:
            y[:, a:b] = 0.0
            continue
        src = x[:, last[0]:last[1]]
        reps = -(-(b - a) // src.shape[1])
        seg = np.tile(src, (1, reps))[:, :b - a]
        ramp = CONCEALMENT_DECAY ** (burst - 1 + np.arange(b - a) / size)
        y[:, a:b] = seg * ramp[None, :]
    return Result(y.astype(np.float32), {
        "p": p, "packet_s": size / fs, "packets": packets, "lost": int(lost.sum()),
        "lost_fraction": float(lost.mean()) if packets else 0.0}, mask)


def dead_count(channels: int, level: float) -> float:
    """Channels dead at ``level`` (0..1), never all of them: 1 + level·(C − 2) for C ≥ 3;
    a pair and a single capsule have no whole channel to spare, so one channel fails for a
    growing share of the recording instead: 0.2 + 0.8·level (C = 2, the whole channel at
    level 1) and 0.2 + 0.6·level (C = 1)."""
    if channels == 1:
        return 0.2 + 0.6 * level
    if channels == 2:
        return 0.2 + 0.8 * level
    return 1.0 + level * (channels - 2)


@register("dead_channel", "audio", "dead channels as a fraction of the way from 1 to all but "
          "one (1 + level·(C − 2); the fractional part: one more channel failing partway)",
          (0.0, 0.25, 0.5, 0.75, 1.0))
def dead_channel(data, level, rng, context) -> Result:
    """d = dead_count(C, level) channels dead: floor(d) channels, drawn, are zeros
    throughout and one more, drawn, fails at (1 − frac(d))·T and stays dead. A dead
    preamplifier outputs zeros; no self-noise floor is added, so the dead samples are
    exactly the masked ones. Recorded ``dead_c``: the fraction of channel c's recording
    that is dead."""
    x = waveform(data)
    c, n = x.shape
    d = dead_count(c, level)
    order = rng.permutation(c)
    whole = math.floor(d + 1e-9)
    part = d - whole
    dead = np.zeros(c)
    dead[order[:whole]] = 1.0
    if part > 1e-9 and whole < c:
        dead[order[whole]] = part
    mask = np.zeros((c, n), bool)
    for ch in range(c):
        k = round(dead[ch] * n)
        if k:
            mask[ch, n - k:] = True
    x[mask] = 0.0
    params = {"level": level, "dead_channels": float(d)}
    params.update({f"dead_{ch}": float(dead[ch]) for ch in range(c)})
    return Result(x.astype(np.float32), params, mask)


@register("gain_phase_mismatch", "audio", "(σ of per-channel gain, dB; σ of per-channel "
          "phase, degrees)", ((0.5, 2.0), (1.0, 5.0), (2.0, 10.0), (4.0, 20.0), (6.0, 30.0)))
def gain_phase_mismatch(data, sigmas, rng, context) -> Result:
    """Per channel a gain N(0, σ_g²) dB and a phase N(0, σ_φ²) degrees, the phase a constant
    rotation of every positive frequency (analytic signal times exp(−jφ): a cosine becomes
    cos(ωt − φ), DC untouched), by ``capsules.capsule_chain`` (numpy FFT). Recorded
    ``gain_db_c`` and ``phase_deg_c``."""
    x = waveform(data)
    c = x.shape[0]
    gain_db = rng.normal(0.0, sigmas[0], c)
    phase_deg = rng.normal(0.0, sigmas[1], c)
    y = capsule_chain(x, 10.0 ** (gain_db / 20.0), np.radians(phase_deg), None, 0)
    params = {"gain_sigma_db": sigmas[0], "phase_sigma_deg": sigmas[1]}
    params.update({f"gain_db_{ch}": float(gain_db[ch]) for ch in range(c)})
    params.update({f"phase_deg_{ch}": float(phase_deg[ch]) for ch in range(c)})
    return Result(y.astype(np.float32), params)


@kernel
def _drift_resample(out, x, ratio, table):
    """out[n] = x(n·ratio) by windowed-sinc interpolation: ``table`` (P + 1, 2·hw) is
    ``dsp.sinc_table`` (Blackman-windowed sinc, rows of unit DC gain), read at the
    fractional delay with linear interpolation between its P phases (error O(1/P²));
    positions past the end read zeros."""
    n_out = out.shape[0]
    n_in = x.shape[0]
    n_phase = table.shape[0] - 1
    n_taps = table.shape[1]
    hw = n_taps // 2
    for n in range(n_out):
        pos = n * ratio
        k0 = math.floor(pos)
        p = (pos - k0) * n_phase
        i0 = min(int(p), n_phase - 1)
        w = p - i0
        acc = 0.0
        for i in range(n_taps):
            k = k0 + i - hw + 1
            if 0 <= k < n_in:
                acc += ((1.0 - w) * table[i0, i] + w * table[i0 + 1, i]) * x[k]
        out[n] = acc


@functools.lru_cache(maxsize=1)
def _drift_table() -> np.ndarray:
    return sinc_table(DRIFT_HALF_WIDTH, DRIFT_PHASES)


@register("clock_drift", "audio", "|ε|, each channel's sample-clock error, ppm (sign drawn)",
          (20.0, 50.0, 100.0, 200.0, 500.0), needs=("sample_rate",))
def clock_drift(data, ppm, rng, context) -> Result:
    """Each capsule's converter runs on its own clock: channel c is read at n·(1 + ε_c)
    samples (clocks agree at t = 0), ε_c = ±ppm·1e-6 with the sign drawn per channel, by a
    windowed-sinc fractional resampler (Blackman, 32 taps each side). A tone f comes out
    at f·(1 + ε_c); after t s channel c is ε_c·t s ahead. Samples that would read past the
    end of the recording (ε_c > 0) are zeros and masked. Recorded ``ppm_c`` (signed)."""
    x = waveform(data)
    c, n = x.shape
    signs = np.where(rng.random(c) < 0.5, -1.0, 1.0)
    eps = signs * ppm * 1e-6
    y = np.empty_like(x)
    mask = np.zeros((c, n), bool)
    table = _drift_table()
    for ch in range(c):
        _drift_resample(y[ch], np.ascontiguousarray(x[ch]), 1.0 + float(eps[ch]), table)
        past = np.arange(n) * (1.0 + eps[ch]) > n - 1
        y[ch, past] = 0.0
        mask[ch] = past
    params = {"ppm": ppm}
    params.update({f"ppm_{ch}": float(eps[ch] * 1e6) for ch in range(c)})
    return Result(y.astype(np.float32), params, mask)
