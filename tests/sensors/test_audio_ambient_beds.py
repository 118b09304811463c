"""Ambient beds: the rendered bed's A-weighted level (scipy filter, independent of ours) is
the scene's ``level_dba``, and its octave bands (scipy octave filters) follow the published
Noise Criterion curves it is built from (NC values pinned here from Beranek / ANSI S12.2)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from simengine.physics.events import Recording

from .test_audio_array import acoustic_scene, observe, sensor
from .test_audio_levels import scipy_laeq

FS = 16000
# NC curves, octave band SPL (dB) 63 .. 4000 Hz (8 kHz is above this rate's band edge)
NC_35 = [60, 52, 45, 40, 36, 34, 33]
NC_25 = [54, 44, 37, 31, 27, 24, 22]
CENTRES = [63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0]


def octave_levels(x: np.ndarray, fs: float) -> np.ndarray:
    out = []
    for fc in CENTRES:
        sos = signal.butter(4, [fc / 2**0.5, min(fc * 2**0.5, 0.49 * fs)], "bandpass",
                            fs=fs, output="sos")
        y = signal.sosfilt(sos, x)[int(0.5 * fs):]
        out.append(10 * np.log10(np.mean(y**2) / 20e-6**2))
    return np.array(out)


@pytest.mark.parametrize(("bed", "curve", "level"), [("hvac", NC_35, 42.0),
                                                     ("room_tone", NC_25, 30.0)])
def test_bed_level_and_spectrum(bed, curve, level):
    amb = {"color": None, "bed": bed, "level_dba": level, "level_db_spl": None,
           "snr_db": None}
    s = sensor([(0.0, 0.05, 0.0), (0.0, -0.05, 0.0)], noise_db=-20.0)
    out = observe(s, Recording(events=(), duration=3.0), acoustic_scene(ambient=amb))
    wave = out["waveform"].astype(np.float64)
    np.testing.assert_allclose(scipy_laeq(wave, FS, skip=0.5), level, atol=0.3)
    np.testing.assert_allclose(out["laeq_db"], level, atol=0.3)
    bands = octave_levels(wave[0], FS)
    shape = np.array(curve, np.float64)
    # the same shape up to a constant: band differences within 1.5 dB (4th-order octave
    # filters overlap their neighbours a little; NC slopes are steep at 63-250 Hz)
    diff = (bands - bands[4]) - (shape - shape[4])
    assert np.max(np.abs(diff)) < 1.5, diff


def test_urban_traffic_bed_is_a_distant_car_spectrum():
    """The bed's octave bands follow the CNOSSOS-EU category 1 car at 50 km/h (Table F-1 as
    amended by 2021/1226, pinned here) less 100 m of air absorption at 1.7e-9 f^2 dB/m."""
    a_r = [83.1, 89.2, 87.7, 93.1, 100.1, 96.7, 86.8, 76.2]
    b_r = [30.0, 41.5, 38.9, 25.7, 32.5, 37.2, 39.0, 40.0]
    a_p = [97.9, 92.5, 90.7, 87.2, 84.7, 88.0, 84.4, 77.1]
    b_p = [-1.3, 7.2, 7.7, 8.0, 8.0, 8.0, 8.0, 8.0]
    f = np.array([63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0])
    v = 50.0
    rolling = np.array(a_r) + np.array(b_r) * np.log10(v / 70.0)
    prop = np.array(a_p) + np.array(b_p) * (v - 70.0) / 70.0
    total = 10 * np.log10(10 ** (rolling / 10) + 10 ** (prop / 10)) - 1.7e-9 * f**2 * 100.0
    from simengine.sensors.microphone.ambient_beds import band_levels

    np.testing.assert_allclose(band_levels("urban_traffic"), total, atol=0.05)
    amb = {"color": None, "bed": "urban_traffic", "level_dba": 60.0, "level_db_spl": None,
           "snr_db": None}
    s = sensor([(0.0, 0.05, 0.0), (0.0, -0.05, 0.0)], noise_db=-20.0)
    out = observe(s, Recording(events=(), duration=2.0), acoustic_scene(ambient=amb))
    wave = out["waveform"].astype(np.float64)
    np.testing.assert_allclose(scipy_laeq(wave, FS, skip=0.5), 60.0, atol=0.3)
    bands = octave_levels(wave[0], FS)
    diff = (bands - bands[4]) - (total[:7] - total[4])
    assert np.max(np.abs(diff)) < 1.5, diff
