"""Footsteps: strike times from the gait (closed form), each step's LAFmax measured by an
independent A-weighted Fast detector built with scipy, and a pedestrian walking past a pair
of microphones in a real engine run: its steps arrive when the gait and geometry say."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal

import simengine
from simengine.sensors.microphone import footsteps as fs_mod
from simengine.spec.loader import scene_from_dict

P_REF = 20e-6


def fast_a_level_max(x: np.ndarray, fs: float) -> float:
    """LAFmax by scipy: A-weighting (bilinear at 8x the rate) then the IEC 61672-1 Fast
    exponential average of p^2 (tau 0.125 s) as a one-pole filter, its maximum in dB."""
    up = 8
    poles_hz = [20.598997, 20.598997, 107.65265, 737.86223, 12194.217, 12194.217]
    z, p, k = signal.bilinear_zpk([0.0] * 4, [-2 * math.pi * f for f in poles_hz], 1.0,
                                  up * fs)
    sos = signal.zpk2sos(z, p, k)
    sos[0, :3] /= abs(signal.sosfreqz(sos, worN=[1000.0], fs=up * fs)[1][0])
    y = signal.sosfilt(sos, signal.resample_poly(x, up, 1))
    a = math.exp(-1.0 / (0.125 * up * fs))
    env = signal.lfilter([1 - a], [1, -a], y**2)
    return 10 * math.log10(float(env.max()) / P_REF**2)


def test_strike_times_follow_the_gait():
    v, stride, phase0 = 1.4, 1.44, 0.3
    t = np.arange(0.0, 3.0, 1e-3)
    got = fs_mod.strike_times(phase0 + v * t / stride, t)
    k = np.arange(1, 20) / 2.0
    expected = (k[k > phase0] - phase0) * stride / v
    expected = expected[expected < t[-1]]
    np.testing.assert_allclose(got, expected, atol=1e-9)


@pytest.mark.parametrize("surface", ["hard", "wood", "soft"])
def test_one_step_has_the_surface_lafmax(surface, monkeypatch):
    monkeypatch.setattr(fs_mod, "LEVEL_STD_DB", 0.0)
    fs = 16000.0
    x = fs_mod.footsteps(np.array([0.1]), fs_mod.SURFACES[surface], fs, 16000,
                         np.random.default_rng(1))
    # the bilinear design and the FFT weighting differ by hundredths of a dB here
    assert fast_a_level_max(x, fs) == pytest.approx(fs_mod.SURFACES[surface].lafmax_dba,
                                                    abs=0.3)


def test_soft_ground_is_quieter_than_hard():
    assert fs_mod.surface_of("grass").lafmax_dba < fs_mod.surface_of("concrete").lafmax_dba - 10
    assert fs_mod.surface_of("asphalt") is fs_mod.SURFACES["hard"]


SPEED, STATURE, STEP_RATIO, PHASE0 = 1.4, 1.75, 0.41, 0.1
WALKER = {
    "name": "walker",
    "world": {"ground": {"material": "concrete"},
              "bounds": {"min": [-10, -10, -1], "max": [10, 10, 5]}},
    "objects": [{"name": "walker",
                 "template": {"shape": "procedural", "generator": "pedestrian",
                              "params": {"stature": STATURE, "step_ratio": STEP_RATIO,
                                         "gait_phase": PHASE0}},
                 "position": [0, 0, 0],
                 "motion": {"path": [[-3.0, 2.0], [3.0, 2.0]], "speed": SPEED}}],
    "simulation": {"capture_times": [0.0], "duration": 2.0, "max_events": 4},
    "sensors": [{"name": "ears", "preset": "binaural_0.18m",
                 "overrides": {"sample_rate": 16000},
                 "pose": {"position": [0.0, 0.0, 1.5]}}],
}


def test_a_walker_passing_a_pair_of_microphones():
    spec = scene_from_dict(WALKER, source="<walker>")
    sample = simengine.Engine(spec, seed=0).sample(0)
    p = "audio/ears/"
    count = int(sample[p + "sources/count"])
    kinds = sample[p + "sources/kind"][:count]
    assert 3 in kinds  # the walker's footsteps are listed as an actor
    i = int(np.nonzero(kinds == 3)[0][0])
    assert sample[p + "sources/instance_a"][i] == 1
    assert sample[p + "sources/material_b"][i] >= 0  # the surface it walks on
    # strike times from the gait in closed form (stride = 2 x step ratio x stature), heard
    # at the array after the straight-line delay from the walker's feet
    stride = 2 * STEP_RATIO * STATURE
    k = np.arange(1, 10) / 2.0
    strikes = (k[k > PHASE0] - PHASE0) * stride / SPEED
    strikes = strikes[strikes < 1.97]  # the window is 2 s
    xs = -3.0 + SPEED * strikes
    dist = np.hypot(np.hypot(xs, 2.0), 1.5 - 0.02)
    arrivals = strikes + dist / 343.0
    wave = sample[p + "waveform"][0].astype(np.float64)
    hp = signal.sosfilt(signal.butter(4, 300.0, "highpass", fs=16000, output="sos"), wave)
    env = np.convolve(hp**2, np.ones(32) / 32, mode="same")
    peaks, _ = signal.find_peaks(env, distance=int(0.25 * 16000),
                                 height=0.1 * float(env.max()))
    found = peaks / 16000.0
    assert len(found) == len(arrivals)
    # each step's energy peaks within a few ms of its arrival (the heel transient decays in
    # 6 ms; the toe slap 60 ms later is weaker)
    np.testing.assert_allclose(found, arrivals, atol=0.008)
    # one step at ~2.5 m: about 58 - 8 dB(A), far above the 20 dB SPL capsule noise
    assert 40.0 < float(sample[p + "sources/laeq_db"][i]) < 60.0
