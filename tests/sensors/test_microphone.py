"""Microphone array: checked against librosa, GCC-PHAT, closed-form geometry and the table.

Every expected number is computed here from geometry, the material table or a closed form,
not by calling the code under test. No PyBullet: events are built by hand.
"""

from __future__ import annotations

import math
from itertools import combinations

import librosa
import numpy as np
import pytest

from simengine.instance import SensorInstance
from simengine.materials import material
from simengine.physics.events import ContactEvent, Recording
from simengine.sensors.base import Capture
from simengine.sensors.microphone.sensor import MicrophoneArray
from simengine.sensors.microphone.synthesis import synthesize_impact

C_SOUND = 343.0


def make_sensor(positions, *, fs: int = 16000, noise_db: float = -20.0,
                position=(0.0, 0.0, 0.0), orientation=(0.0, 0.0, 0.0, 1.0)) -> SensorInstance:
    params = {"positions": [tuple(p) for p in positions], "sample_rate": fs,
              "self_noise_db_spl": noise_db, "speed_of_sound": C_SOUND}
    return SensorInstance("array", "microphone", params, tuple(position), tuple(orientation))


def make_event(t: float, position, mat_a: str = "wood", mat_b: str = "concrete", *,
               impulse: float = 0.3, size_a: float = 0.1, size_b: float = 1.0) -> ContactEvent:
    return ContactEvent(time=t, instance_a=1, instance_b=0, material_a=mat_a, material_b=mat_b,
                        size_a=size_a, size_b=size_b, position=tuple(position),
                        normal=(0.0, 0.0, 1.0), impulse=impulse, speed=2.0)


def render(sensor, events, duration: float, seed: int = 0) -> dict[str, np.ndarray]:
    mic = MicrophoneArray(sensor, duration)
    return mic.observe(Capture(recording=Recording(tuple(events), duration)),
                       np.random.default_rng(seed))


def gcc_phat(x: np.ndarray, y: np.ndarray, max_lag: int) -> int:
    """Lag (samples) by which ``x`` trails ``y``, from the PHAT-weighted cross-spectrum."""
    n = 2 * len(x)
    cross = np.fft.rfft(x, n) * np.conj(np.fft.rfft(y, n))
    cc = np.fft.irfft(cross / np.maximum(np.abs(cross), 1e-20), n)
    cc = np.concatenate([cc[-max_lag:], cc[:max_lag + 1]])
    return int(np.argmax(cc)) - max_lag


def test_onsets_match_librosa() -> None:
    mic_world = np.array([0.0, 0.0, 1.0])
    specs = [(0.10, (1.5, 0.0, 1.0), "wood"), (0.30, (0.0, 4.0, 1.0), "metal"),
             (0.55, (-6.0, -3.0, 1.5), "plastic"), (0.80, (8.0, 6.0, 0.0), "glass")]
    events = [make_event(t, p, m, "wood") for t, p, m in specs]
    sensor = make_sensor([(0.0, 0.0, 0.0)], noise_db=0.0, position=mic_world)
    wave = render(sensor, events, 1.2)["waveform"][0].astype(np.float64)
    expected = np.array([t + np.linalg.norm(np.array(p) - mic_world) / C_SOUND
                         for t, p, _ in specs])
    fs, hop = 16000, 64
    env = librosa.onset.onset_strength(y=wave, sr=fs, hop_length=hop, n_fft=512, n_mels=40)
    found = librosa.onset.onset_detect(onset_envelope=env, sr=fs, hop_length=hop,
                                       units="time", backtrack=False)
    assert len(found) == len(expected), found
    for t in expected:
        assert np.min(np.abs(found - t)) < 0.010, (t, found)


@pytest.mark.parametrize("source", [(1.5, 1.0, 0.3), (2.0, -2.5, -0.4)])
def test_tdoa_gcc_phat_matches_geometry(source) -> None:
    fs = 16000
    ys = [-0.15, -0.05, 0.05, 0.15]  # linear array along y, 30 cm aperture
    positions = [(0.0, y, 0.0) for y in ys]
    event = make_event(0.1, source, "glass", "wood", impulse=0.5)
    wave = render(make_sensor(positions, fs=fs, noise_db=0.0), [event], 0.5)["waveform"]
    r = np.array([math.dist(source, p) for p in positions])
    max_lag = math.ceil(0.3 / C_SOUND * fs) + 2
    for i, j in combinations(range(len(ys)), 2):
        expected = (r[i] - r[j]) / C_SOUND * fs
        lag = gcc_phat(wave[i].astype(np.float64), wave[j].astype(np.float64), max_lag)
        assert abs(lag - expected) <= 1.0, (i, j, lag, expected)


@pytest.mark.parametrize("fraction", [0.2, 0.37, 0.75])
def test_sub_sample_delay(fraction: float) -> None:
    fs = 16000
    extra = fraction * C_SOUND / fs  # metres of extra path for ``fraction`` of a sample
    sensor = make_sensor([(1.0, 0.0, 0.0), (1.0 + extra, 0.0, 0.0)], fs=fs)
    wave = render(sensor, [make_event(0.05, (0.0, 0.0, 0.0), "wood", "plastic")], 0.5)
    x0, x1 = (np.fft.rfft(w.astype(np.float64)) for w in wave["waveform"])
    k = int(np.argmax(np.abs(x0)))  # the loudest mode
    freq = k * fs / wave["waveform"].shape[1]
    measured = -np.angle(x1[k] * np.conj(x0[k])) / (2 * np.pi * freq) * fs
    assert measured == pytest.approx(fraction, abs=0.03)


def test_spherical_spreading() -> None:
    sensor = make_sensor([(1.0, 0.0, 0.0), (2.0, 0.0, 0.0)], noise_db=-20.0)
    wave = render(sensor, [make_event(0.1, (0.0, 0.0, 0.0), "wood", "plastic")], 1.0)
    rms = np.sqrt(np.mean(wave["waveform"].astype(np.float64) ** 2, axis=1))
    assert rms[0] / rms[1] == pytest.approx(2.0, rel=0.05)


def test_same_seed_identical_different_seed_only_noise() -> None:
    fs, noise_db = 16000, 40.0
    sensor = make_sensor([(0.0, -0.1, 0.0), (0.0, 0.1, 0.0)], fs=fs, noise_db=noise_db)
    events = [make_event(0.1, (1.0, 0.5, 0.0), "metal"), make_event(0.4, (-1.0, 2.0, 0.0))]
    mic = MicrophoneArray(sensor, 0.8)
    rec = Recording(tuple(events), 0.8)
    rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(7)
    capture = Capture(recording=rec)
    a, b = mic.observe(capture, rng_a)["waveform"], mic.observe(capture, rng_b)["waveform"]
    assert a.tobytes() == b.tobytes()
    assert rng_a.bit_generator.state == rng_b.bit_generator.state
    c = mic.observe(Capture(recording=rec), np.random.default_rng(8))["waveform"]
    assert not np.array_equal(a, c)
    # Away from each arrival (where the click lives) the two renders differ by noise alone.
    keep = np.ones(a.shape[1], bool)
    for e in events:
        start = int((e.time + math.dist(e.position, (0.0, 0.0, 0.0)) / C_SOUND) * fs)
        keep[start - int(0.003 * fs):start + int(0.006 * fs)] = False
    diff = (a.astype(np.float64) - c)[:, keep]
    sigma = 20e-6 * 10 ** (noise_db / 20)
    assert np.std(diff) == pytest.approx(math.sqrt(2) * sigma, rel=0.05)
    assert abs(np.mean(diff)) < 0.05 * sigma


def test_self_noise_level_and_independence() -> None:
    noise_db = 30.0
    sensor = make_sensor([(0.0, 0.0, 0.0), (0.0, 0.01, 0.0), (0.0, 0.02, 0.0)], noise_db=noise_db)
    wave = render(sensor, [], 1.0, seed=3)["waveform"].astype(np.float64)
    sigma = 20e-6 * 10 ** (noise_db / 20)
    assert np.sqrt(np.mean(wave**2, axis=1)) == pytest.approx([sigma] * 3, rel=0.03)
    corr = np.corrcoef(wave)
    assert np.all(np.abs(corr[np.triu_indices(3, 1)]) < 0.05)


def test_modal_peak_at_material_fundamental() -> None:
    fs, n = 48000, 48000  # 1 Hz bins
    metal = material("metal")
    spectrum = np.abs(np.fft.rfft(synthesize_impact("metal", 0.1, 1.0, fs, n)))
    freqs = np.fft.rfftfreq(n, 1 / fs)
    assert abs(freqs[np.argmax(spectrum)] - metal.f0_hz * metal.modes[0][0]) <= 1.5
    for ratio, _, _ in metal.modes:  # every mode is a local maximum where the table says
        k = round(metal.f0_hz * ratio)
        assert spectrum[k - 2:k + 3].max() > 10 * np.median(spectrum[k - 200:k + 200])
    # Twice the size, half the pitch.
    spectrum = np.abs(np.fft.rfft(synthesize_impact("metal", 0.2, 1.0, fs, n)))
    assert abs(freqs[np.argmax(spectrum)] - metal.f0_hz / 2) <= 1.5


def test_modes_above_limit_dropped_and_pressure_as_root_of_energy() -> None:
    fs, n = 16000, 80000  # 5 s: metal's ringing has died out
    metal = material("metal")
    limit = 0.45 * fs
    kept = [metal.f0_hz * r for r, _, _ in metal.modes if metal.f0_hz * r < limit]
    assert kept == pytest.approx([1800.0, 4968.0])  # 9720 Hz and 16074 Hz would alias
    x = synthesize_impact("metal", 0.1, 1.0, fs, n)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(n))) ** 2
    freqs = np.fft.rfftfreq(n, 1 / fs)
    near = np.zeros(freqs.shape, bool)
    for f in kept:
        near |= np.abs(freqs - f) < 50.0
    assert spectrum[~near].sum() < 1e-5 * spectrum.sum()
    assert not np.any(synthesize_impact("metal", 0.01, 1.0, fs, n))  # every mode too high
    # the third argument is the radiated energy (J): pressure grows as its square root
    np.testing.assert_allclose(synthesize_impact("wood", 0.1, 0.6, fs, n),
                               math.sqrt(3) * synthesize_impact("wood", 0.1, 0.2, fs, n),
                               rtol=1e-12)


def test_click_is_a_short_broadband_attack() -> None:
    fs, n = 16000, 4000
    clean = synthesize_impact("wood", 0.1, 1.0, fs, n)
    with_click = synthesize_impact("wood", 0.1, 1.0, fs, n, rng=np.random.default_rng(0))
    click = with_click - clean
    assert np.sum(click[: int(0.002 * fs)] ** 2) > 0.99 * np.sum(click**2) > 0
    high = np.abs(np.fft.rfft(click[:64])) ** 2  # energy far above wood's modes (700-3941 Hz)
    assert high[np.fft.rfftfreq(64, 1 / fs) > 5000].sum() > 0.1 * high.sum()


def test_outputs_declared_and_world_positions() -> None:
    s = math.sin(math.pi / 4)
    sensor = make_sensor([(0.1, 0.0, 0.0), (0.0, 0.2, 0.05)], fs=8000,
                         position=(1.0, 2.0, 3.0), orientation=(0.0, 0.0, s, s))  # yaw +90°
    mic = MicrophoneArray(sensor, 0.25)
    out = mic.observe(Capture(recording=Recording((make_event(0.05, (0.0, 0.0, 0.0)),), 0.25)),
                      np.random.default_rng(0))
    specs = mic.outputs()
    assert set(out) == set(specs)
    assert {"waveform", "mic_positions", "sources/onset", "rt60", "snr_db"} <= set(specs)
    for key, spec in specs.items():
        assert out[key].shape == spec.shape and out[key].dtype == np.dtype(spec.dtype)
    assert specs["waveform"].shape == (2, 2000)
    np.testing.assert_allclose(out["mic_positions"], [[1.0, 2.1, 3.0], [0.8, 2.0, 3.05]],
                               atol=1e-12)


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="positions"):
        MicrophoneArray(make_sensor([(0.0, 0.0)]), 1.0)
    with pytest.raises(ValueError, match="duration"):
        MicrophoneArray(make_sensor([(0.0, 0.0, 0.0)]), 0.0)
    mic = MicrophoneArray(make_sensor([(0.0, 0.0, 0.0)]), 1.0)
    with pytest.raises(ValueError, match="lasts"):
        mic.observe(Capture(recording=Recording((), 2.0)), np.random.default_rng(0))
    bad = make_event(0.1, (1.0, 0.0, 0.0), "unobtainium")
    with pytest.raises(ValueError, match="unobtainium"):
        mic.observe(Capture(recording=Recording((bad,), 1.0)), np.random.default_rng(0))
