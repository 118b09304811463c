"""Level labels: Leq and the A-weighted LAeq against closed forms, IEC 61672-1's table and an
independent time-domain A-weighting filter designed with scipy (bilinear transform)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal

from simengine.sensors.microphone.levels import a_weighting_gain, laeq_db, leq_db

FS = 48000
P_REF = 20e-6

# IEC 61672-1:2013 Table 3, A-weighting nominal values (dB), one decimal as published, at
# the nominal frequencies' exact base-ten values f = 1000 x 10^(k/10) Hz (31.5 Hz is k = -15)
IEC_TABLE_3 = {-15: -39.4, -12: -26.2, -9: -16.1, -6: -8.6, -3: -3.2, 0: 0.0, 3: 1.2,
               6: 1.0, 9: -1.1, 12: -6.6}
OVERSAMPLE = 8  # the bilinear transform warps the 12 kHz poles: design the filter far above


def scipy_a_weighting_sos(fs: float) -> np.ndarray:
    """The analog A-weighting of IEC 61672-1 (four zeros at 0 Hz, poles at 20.6 (double),
    107.7, 737.9 and 12194 (double) Hz), bilinear-transformed by scipy, 0 dB at 1 kHz."""
    poles_hz = [20.598997, 20.598997, 107.65265, 737.86223, 12194.217, 12194.217]
    z, p, k = [0.0] * 4, [-2 * math.pi * f for f in poles_hz], 1.0
    zd, pd, kd = signal.bilinear_zpk(z, p, k, fs)
    sos = signal.zpk2sos(zd, pd, kd)
    _, h = signal.sosfreqz(sos, worN=[1000.0], fs=fs)
    sos[0, :3] /= abs(h[0])
    return sos


def scipy_laeq(x: np.ndarray, fs: float, skip: float = 0.0) -> np.ndarray:
    """LAeq (dB) along the last axis by scipy: polyphase upsampling by OVERSAMPLE, the
    bilinear A-weighting there (warping 0.01 dB at 8 kHz), leaving out ``skip`` s."""
    up = signal.resample_poly(x, OVERSAMPLE, 1, axis=-1)
    y = signal.sosfilt(scipy_a_weighting_sos(OVERSAMPLE * fs), up, axis=-1)
    y = y[..., round(skip * OVERSAMPLE * fs):]
    return 10 * np.log10(np.mean(y**2, axis=-1) / P_REF**2)


def test_a_weighting_matches_the_iec_table():
    for k, nominal in IEC_TABLE_3.items():
        f = 1000.0 * 10.0 ** (k / 10.0)
        ours = 20 * math.log10(float(a_weighting_gain(np.array([f]))[0]))
        assert ours == pytest.approx(nominal, abs=0.06), f


def test_leq_of_a_sine_is_its_rms_level():
    t = np.arange(FS) / FS
    x = 0.2 * np.sin(2 * np.pi * 1000.0 * t)
    assert float(leq_db(x)) == pytest.approx(20 * math.log10(0.2 / math.sqrt(2) / P_REF),
                                             abs=1e-6)
    # at 1 kHz the A-weighting is 0 dB
    assert float(laeq_db(x, FS)) == pytest.approx(float(leq_db(x)), abs=0.01)


@pytest.mark.parametrize("color", ["white", "pink", "brown"])
def test_laeq_agrees_with_a_scipy_bilinear_filter(color):
    from simengine.sensors.microphone.sources import colored_noise

    rng = np.random.default_rng(3)
    x = 0.05 * colored_noise(rng, 2 * FS, FS, color)
    # the filter's start-up transient (poles at 20 Hz) is left out of both
    theirs = float(scipy_laeq(x, FS, skip=0.5))
    assert float(laeq_db(x[FS // 2:], FS)) == pytest.approx(theirs, abs=0.2)


@pytest.mark.parametrize("f", [50.0, 200.0, 1000.0, 3150.0, 8000.0])
def test_laeq_of_tones_against_scipy(f):
    t = np.arange(2 * FS) / FS
    x = 0.1 * np.sin(2 * np.pi * f * t)
    theirs = float(scipy_laeq(x, FS, skip=1.0))
    assert float(laeq_db(x[FS:], FS)) == pytest.approx(theirs, abs=0.2)


def test_engine_level_labels_match_the_waveform():
    from simengine.engine import Engine, signal_rates

    engine = Engine("scenes/tabletop.yaml", seed=0)
    sample = engine.sample(0)
    rates = signal_rates(engine.spec)
    assert rates
    for head, fs in rates.items():
        base = head + "/"
        wave = sample[base + "waveform"].astype(np.float64)
        for ch in range(wave.shape[0]):
            leq = 10 * math.log10(float(np.mean(wave[ch] ** 2)) / P_REF**2)
            assert float(sample[base + "leq_db_spl"][ch]) == pytest.approx(leq, abs=1e-3)
        count = int(sample[base + "sources/count"])
        assert count > 0
        peak = sample[base + "sources/peak_db_spl"][:count]
        leq_src = sample[base + "sources/leq_db_spl"][:count]
        laeq_src = sample[base + "sources/laeq_db"][:count]
        # an equivalent level never exceeds the peak's; every listed source is audible
        assert np.all(leq_src <= peak + 1e-3)
        assert np.all(np.isfinite(laeq_src))
        # the label against the scipy filter over the whole waveform: the filter starts
        # from rest as the waveform does (a recording starts in silence plus noise)
        np.testing.assert_allclose(sample[base + "laeq_db"], scipy_laeq(wave, fs), atol=0.2)


def test_source_level_labels_against_scipy_on_its_stem():
    """A pink noise burst heard by two capsules: the source's Leq and LAeq labels are the
    levels of its clean stem from the labelled onset to offset (energy mean of the channels),
    the LAeq by scipy's A-weighting filter run over the whole stem."""
    from simengine.physics.events import Recording

    from .test_audio_array import acoustic_scene, observe, scene_source, sensor

    fs = 16000
    src = scene_source("noise_burst", (2.0, 1.0, 1.2), start=0.2, duration=0.5, color="pink",
                       level_db_spl=70.0)
    s = sensor([(0.0, 0.05, 0.0), (0.0, -0.05, 0.0)], output_stems=True)
    out = observe(s, Recording(events=(), duration=1.0), acoustic_scene(sources=[src]))
    assert int(out["sources/count"]) == 1
    stem = out["stems"][3].astype(np.float64)  # impacts, contacts, actors, scene source 0
    a = int(np.floor(float(out["sources/onset"][0]) * fs))
    b = int(np.ceil(float(out["sources/offset"][0]) * fs))
    leq = 10 * np.log10(np.mean(stem[:, a:b] ** 2) / P_REF**2)
    up = signal.resample_poly(stem, OVERSAMPLE, 1, axis=-1)
    y = signal.sosfilt(scipy_a_weighting_sos(OVERSAMPLE * fs), up, axis=-1)
    laeq = 10 * np.log10(np.mean(y[:, a * OVERSAMPLE:b * OVERSAMPLE] ** 2) / P_REF**2)
    assert float(out["sources/leq_db_spl"][0]) == pytest.approx(leq, abs=0.01)
    assert float(out["sources/laeq_db"][0]) == pytest.approx(laeq, abs=0.2)
    # 70 dB at 1 m heard 2.24 m away: 70 - 20 lg 2.24 = 63.0 dB (air absorption negligible)
    assert float(out["sources/leq_db_spl"][0]) == pytest.approx(63.0, abs=0.5)
