"""Dry sources against independent references: librosa's resampler for clips, FFT peaks for
tones and sweeps, spectral slopes of coloured noise, the diffuse-field coherence sinc."""

from __future__ import annotations

import math

import librosa
import numpy as np
import pytest
import soundfile
from scipy.signal import coherence, welch

from simengine.sensors.microphone.sources import (
    babble,
    chirp,
    colored_noise,
    diffuse_noise,
    load_clip,
    scene_source,
)

FS = 16000


def source(kind: str, **kw) -> dict:
    base = {"kind": kind, "start": 0.0, "duration": None, "level_db_spl": 74.0,
            "frequency": 440.0, "frequency_end": 4000.0, "harmonics": 6, "voices": 1,
            "color": "white", "file": None, "loop": False}
    base.update(kw)
    return base


@pytest.mark.parametrize(("suffix", "rate", "subtype"),
                         [(".wav", 22050, "FLOAT"), (".flac", 44100, "PCM_16")])
def test_clip_is_resampled_like_librosa(tmp_path, suffix, rate, subtype) -> None:
    rng = np.random.default_rng(0)
    t = np.arange(int(0.4 * rate)) / rate
    stereo = np.stack([np.sin(2 * np.pi * 300 * t), 0.3 * rng.standard_normal(t.size)], 1)
    path = tmp_path / f"clip{suffix}"
    soundfile.write(path, 0.5 * stereo, rate, subtype=subtype)
    data, _ = soundfile.read(path, dtype="float64")  # what is on disk (16-bit for FLAC)
    expected = librosa.resample(data.mean(axis=1), orig_sr=rate, target_sr=FS)
    got = load_clip(str(path), FS)
    np.testing.assert_allclose(got, expected, atol=1e-12)
    # as a scene source: RMS level at 1 m is what the scene asks (74 dB SPL = 0.1 Pa)
    x = scene_source(source("clip", file=str(path)), FS, 1.0, rng)
    assert x.shape[0] == got.shape[0]
    assert math.sqrt(np.mean(x**2)) == pytest.approx(20e-6 * 10 ** (74 / 20), rel=1e-9)
    looped = scene_source(source("clip", file=str(path), loop=True), FS, 1.0, rng)
    assert looped.shape[0] == FS


def test_tone_and_hum_frequencies() -> None:
    rng = np.random.default_rng(0)
    x = scene_source(source("tone", frequency=1234.0), FS, 1.0, rng)
    spec = np.abs(np.fft.rfft(x))
    assert np.argmax(spec) == 1234  # 1 Hz bins
    h = scene_source(source("hum", frequency=50.0, harmonics=5), FS, 1.0, rng)
    spec = np.abs(np.fft.rfft(h))
    peaks = sorted(np.argsort(spec)[-5:])
    assert peaks == [50, 100, 150, 200, 250]
    assert spec[50] / spec[100] == pytest.approx(2.0, rel=0.02)  # 1/k amplitudes


def test_chirp_sweeps_exponentially() -> None:
    n = FS
    x = chirp(200.0, 3200.0, n, FS)
    # instantaneous frequency from the analytic signal's phase, versus f0 (f1/f0)^(t/T)
    from scipy.signal import hilbert

    phase = np.unwrap(np.angle(hilbert(x)))
    inst = np.diff(phase) * FS / (2 * np.pi)
    t = (np.arange(n - 1) + 0.5) / FS
    expected = 200.0 * 16.0 ** (t / (n / FS))
    inner = slice(800, n - 800)
    np.testing.assert_allclose(inst[inner], expected[inner], rtol=0.02)


@pytest.mark.parametrize(("color", "slope"), [("white", 0.0), ("pink", -1.0),
                                              ("brown", -2.0)])
def test_noise_colour_slope(color, slope) -> None:
    x = colored_noise(np.random.default_rng(1), 8 * FS, FS, color)
    f, p = welch(x, FS, nperseg=4096)
    band = (f > 100) & (f < 6000)
    fitted = np.polyfit(np.log10(f[band]), np.log10(p[band]), 1)[0]
    assert fitted == pytest.approx(slope, abs=0.08)


def test_diffuse_noise_has_the_sinc_coherence() -> None:
    d = 0.1
    mics = np.array([[0.0, 0.0, 0.0], [d, 0.0, 0.0]])
    x = diffuse_noise(np.random.default_rng(2), mics, 8 * FS, FS, 343.0, "white")
    f, coh = coherence(x[0], x[1], FS, nperseg=512)
    expected = np.sinc(2 * f * d / 343.0) ** 2  # magnitude-squared coherence, isotropic field
    band = (f > 50) & (f < 6000)
    assert np.max(np.abs(coh[band] - expected[band])) < 0.12
    assert np.mean(x**2) == pytest.approx(1.0, rel=1e-9)


def test_babble_is_voiced_with_formants_and_syllables() -> None:
    rng = np.random.default_rng(3)
    x = babble(rng, 150.0, 1, 2 * FS, FS)
    f, p = welch(x, FS, nperseg=2048)
    # energy sits in the speech band, most of it below 4 kHz
    assert p[(f > 200) & (f < 4000)].sum() > 0.9 * p.sum()
    # syllabic modulation: the 20 ms envelope varies strongly (not stationary noise)
    env = np.sqrt(np.mean(x[: len(x) // 320 * 320].reshape(-1, 320) ** 2, axis=1))
    assert env.std() / env.mean() > 0.3
    # voiced: the autocorrelation peaks at a pitch period between 1/260 and 1/90 s
    seg = x[FS // 2: FS // 2 + 2048]
    ac = np.correlate(seg, seg, "full")[2047:]
    lag = int(np.argmax(ac[FS // 260: FS // 90])) + FS // 260
    assert 90 < FS / lag < 260
