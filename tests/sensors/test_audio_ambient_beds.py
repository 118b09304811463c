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
