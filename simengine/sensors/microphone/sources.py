"""Dry source signals: scene sound sources (procedural and clips), sliding contacts, noise.

Every function returns pressure at 1 m from the source (Pa), float64, starting at sample 0.
Procedural sources are unit-RMS shapes scaled to their ``level_db_spl`` (RMS while playing);
fades of ``FADE_SECONDS`` at both ends keep them from clicking. Random ones (noise burst,
babble) draw from the ``rng`` they are given, a fixed number of values for a given length,
so the order of draws never depends on what is audible.

- tone: ``sin(2 pi f t)``.
- hum: harmonic series ``sum_k sin(2 pi k f0 t) / k``, k = 1 .. harmonics (mains hum, motors).
- chirp: exponential sweep from ``frequency`` to ``frequency_end`` over the duration.
- noise_burst: white, pink (-3.01 dB/octave) or brown (-6.02 dB/octave) Gaussian noise.
- babble: ``voices`` talkers of speech-like formant babble: a glottal pulse train (f0 around
  ``frequency`` with slow random intonation) through a cascade of three formant resonators
  whose vowel (F1, F2, F3 of /a e i o u/, Peterson & Barney's male means) changes every
  syllable (120-250 ms), with a syllabic amplitude envelope (about 4 Hz).
- clip: a WAV/FLAC/OGG file, mixed to mono and resampled to the sensor's rate with librosa
  (``librosa.resample``, its default soxr_hq), optionally looped.

Partials at or above ``MAX_FRACTION`` of the sample rate are dropped (they would alias).
"""

from __future__ import annotations

import functools
import math

import numpy as np

P_REF = 20e-6
FADE_SECONDS = 0.005
MAX_FRACTION = 0.45
SYLLABLE_SECONDS = (0.12, 0.25)
VOWELS = np.array([[730.0, 1090.0, 2440.0], [530.0, 1840.0, 2480.0], [270.0, 2290.0, 3010.0],
                   [570.0, 840.0, 2410.0], [300.0, 870.0, 2240.0]])  # /a e i o u/, Hz
FORMANT_BANDWIDTH = np.array([90.0, 110.0, 170.0])  # Hz
MIN_COLOR_HZ = 20.0  # coloured spectra are flat below this (no infinite DC power)


def level_to_pa(level_db_spl: float) -> float:
    return P_REF * 10.0 ** (level_db_spl / 20.0)


def _fade(x: np.ndarray, fs: float) -> np.ndarray:
    k = min(int(FADE_SECONDS * fs), x.shape[0] // 2)
    if k > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(k) / k)
        x[:k] *= ramp
        x[x.shape[0] - k:] *= ramp[::-1]
    return x


def _unit_rms(x: np.ndarray) -> np.ndarray:
    rms = math.sqrt(float(np.mean(x**2))) if x.size else 0.0
    return x / rms if rms > 0 else x


def tone(frequency: float, n: int, fs: float) -> np.ndarray:
    t = np.arange(n) / fs
    if frequency >= MAX_FRACTION * fs:
        return np.zeros(n)
    return np.sin(2 * np.pi * frequency * t)


def hum(f0: float, harmonics: int, n: int, fs: float) -> np.ndarray:
    t = np.arange(n) / fs
    out = np.zeros(n)
    for k in range(1, harmonics + 1):
        if k * f0 < MAX_FRACTION * fs:
            out += np.sin(2 * np.pi * k * f0 * t) / k
    return out


def chirp(f0: float, f1: float, n: int, fs: float) -> np.ndarray:
    """Exponential sweep: instantaneous frequency ``f0 (f1/f0)^(t/T)``, T = n / fs."""
    t = np.arange(n) / fs
    big = max(n / fs, 1.0 / fs)
    if abs(f1 - f0) < 1e-9:
        phase = 2 * np.pi * f0 * t
        inst = np.full(n, f0)
    else:
        k = math.log(f1 / f0) / big
        phase = 2 * np.pi * f0 * (np.exp(k * t) - 1.0) / k
        inst = f0 * np.exp(k * t)
    return np.where(inst < MAX_FRACTION * fs, np.sin(phase), 0.0)


def colored_noise(rng: np.random.Generator, n: int, fs: float, color: str) -> np.ndarray:
    """Gaussian noise with power spectral density ∝ f^0 (white), f^-1 (pink), f^-2 (brown)."""
    white = rng.standard_normal(n)
    if color == "white" or n < 2:
        return white
    spec = np.fft.rfft(white)
    spec *= spectral_tilt(np.fft.rfftfreq(n, 1.0 / fs), color)
    return np.fft.irfft(spec, n)


def spectral_tilt(freqs: np.ndarray, color: str) -> np.ndarray:
    """Amplitude weights f^(-k/2) (k = 0 white, 1 pink, 2 brown), flat below MIN_COLOR_HZ,
    zero at DC."""
    k = {"white": 0.0, "pink": 1.0, "brown": 2.0}[color]
    w = np.maximum(freqs, MIN_COLOR_HZ) ** (-k / 2.0)
    w[freqs == 0] = 0.0
    return w


def babble(rng: np.random.Generator, f0: float, voices: int, n: int, fs: float) -> np.ndarray:
    from scipy.signal import lfilter

    out = np.zeros(n)
    n_syll = math.ceil(n / fs / SYLLABLE_SECONDS[0]) + 1
    for _ in range(voices):
        # fixed-size draws per voice: syllable lengths, vowels, pitch offsets, phase
        lengths = rng.uniform(*SYLLABLE_SECONDS, n_syll)
        vowels = rng.integers(0, len(VOWELS), n_syll)
        pitch = f0 * np.exp(rng.normal(0.0, 0.12, n_syll))
        phase0 = rng.uniform(0.0, 1.0)
        bounds = np.concatenate([[0], np.cumsum(np.round(lengths * fs).astype(np.int64))])
        # smooth pitch contour between syllable centres; glottal pulses where phase wraps
        f_inst = np.interp(np.arange(n), (bounds[:-1] + bounds[1:]) / 2, pitch)
        phase = phase0 + np.cumsum(f_inst) / fs
        pulses = np.diff(np.floor(phase), prepend=np.floor(phase0)).astype(np.float64)
        source = np.diff(pulses, prepend=0.0)  # differentiated pulse train: a brighter voice
        voice = np.zeros(n)
        state = [np.zeros(2) for _ in range(3)]
        for s in range(n_syll):
            a, b = int(bounds[s]), int(min(bounds[s + 1], n))
            if a >= n:
                break
            x = source[a:b]
            for f in range(3):
                freq = VOWELS[vowels[s], f]
                if freq >= MAX_FRACTION * fs:
                    continue
                r = math.exp(-math.pi * FORMANT_BANDWIDTH[f] / fs)
                den = [1.0, -2.0 * r * math.cos(2 * math.pi * freq / fs), r * r]
                x, state[f] = lfilter([1.0 - r], den, x, zi=state[f])
            t = np.arange(b - a) / max(b - a, 1)
            voice[a:b] = x * np.sin(np.pi * t) ** 0.5  # syllabic envelope
        out += _unit_rms(voice)
    return out


@functools.lru_cache(maxsize=16)
def load_clip(path: str, sample_rate: int) -> np.ndarray:
    """A clip file as mono float64 at ``sample_rate`` (librosa.load, then librosa.resample)."""
    import librosa
    import soundfile

    data, rate = soundfile.read(path, dtype="float64", always_2d=True)
    mono = data.mean(axis=1)
    if rate != sample_rate:
        mono = librosa.resample(mono, orig_sr=rate, target_sr=sample_rate)
    out = np.ascontiguousarray(mono, np.float64)
    out.setflags(write=False)
    return out


def scene_source(src: dict, fs: float, window: float, rng: np.random.Generator,
                 clip_file: str | None = None) -> np.ndarray:
    """Dry signal (Pa at 1 m) of one resolved scene source (``SceneInstance.extra``);
    ``clip_file`` is the file a clip source reads (the sample records only its name)."""
    kind = src["kind"]
    rest = max(window - src["start"], 0.0)
    if kind == "clip":
        clip = load_clip(clip_file or src["file"], int(fs))
        n_clip = clip.shape[0]
        dur = src["duration"] if src["duration"] is not None else (rest if src["loop"]
                                                                 else n_clip / fs)
        n = max(round(min(dur, rest) * fs), 0)
        x = np.resize(clip, n) if src["loop"] else np.concatenate(
            [clip[:n], np.zeros(max(n - n_clip, 0))])
        x = _fade(np.array(x, np.float64), fs)
        return _unit_rms(x) * level_to_pa(src["level_db_spl"])
    dur = rest if src["duration"] is None else min(src["duration"], rest)
    n = max(round(dur * fs), 0)
    if kind == "tone":
        x = tone(src["frequency"], n, fs)
    elif kind == "hum":
        x = hum(src["frequency"], src["harmonics"], n, fs)
    elif kind == "chirp":
        x = chirp(src["frequency"], src["frequency_end"], n, fs)
    elif kind == "noise_burst":
        x = colored_noise(rng, n, fs, src["color"])
    elif kind == "babble":
        x = babble(rng, src["frequency"], src["voices"], n, fs)
    else:
        raise ValueError(f"unknown source kind {kind!r}")
    return _unit_rms(_fade(x, fs)) * level_to_pa(src["level_db_spl"])


def diffuse_noise(rng: np.random.Generator, mics: np.ndarray, n: int, fs: float, c: float,
                  color: str | None, bed: str | None = None) -> np.ndarray:
    """Spherically isotropic (diffuse) noise at capsules ``mics`` (C, 3): (C, n), unit mean
    power per channel before scaling.

    Per frequency bin the channels get the coherence of a diffuse field,
    ``sinc(2 f d_ij / c)`` (Habets & Gannot's method: a Cholesky factor of the coherence
    matrix mixes independent complex Gaussian spectra), then the colour's spectral tilt or
    the ambient bed's spectrum (:mod:`.ambient_beds`).
    Draws ``2 * C * (n // 2 + 1)`` normals whatever the geometry.
    """
    from .ambient_beds import amplitude_weights

    n_ch = mics.shape[0]
    freqs = np.fft.rfftfreq(n, 1.0 / fs)
    w = (rng.standard_normal((n_ch, freqs.size)) + 1j * rng.standard_normal((n_ch, freqs.size)))
    d = np.linalg.norm(mics[:, None, :] - mics[None, :, :], axis=2)
    gamma = np.sinc(2.0 * freqs[:, None, None] * d[None] / c) + 1e-9 * np.eye(n_ch)
    chol = np.linalg.cholesky(gamma)  # (F, C, C)
    shape = amplitude_weights(freqs, bed) if bed is not None else spectral_tilt(freqs, color)
    spec = np.einsum("fij,jf->if", chol, w) * shape[None, :]
    x = np.fft.irfft(spec, n, axis=1)
    power = float(np.mean(x**2))
    return x / math.sqrt(power) if power > 0 else x
