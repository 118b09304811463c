"""The array in its acoustic scene, against independent references: GCC-PHAT (numpy FFT)
against geometry in a reverberant room, librosa's onset detector against the labelled
onsets, the realised SNR recomputed from the outputs, the Doppler shift of a moving tone
against f c / (c - v_radial), cardioid gain against 0.5 (1 + cos theta), directions of
arrival against geometry, and byte-identical output for 1 and 2 Numba threads."""

from __future__ import annotations

import math
from itertools import combinations

import librosa
import numpy as np
import pytest

from simengine.instance import SensorInstance
from simengine.physics.events import ContactEvent, Recording
from simengine.sensors.base import Capture
from simengine.sensors.microphone.labels import AcousticScene
from simengine.sensors.microphone.room import Room
from simengine.sensors.microphone.sensor import MicrophoneArray
from tests.conftest import on_one_and_two_threads

from .test_microphone import gcc_phat

C = 343.0
FS = 16000
ROOM = {"size": (6.0, 5.0, 3.0), "wall_material": "plaster", "floor_material": "wood",
        "ceiling_material": "plaster", "rt60": 0.4}


def sensor(positions, *, noise_db: float = -20.0, position=(0.0, 0.0, 1.2),
           orientation=(0.0, 0.0, 0.0, 1.0), velocity=(0.0, 0.0, 0.0), **params
           ) -> SensorInstance:
    p = {"positions": [tuple(q) for q in positions], "sample_rate": FS,
         "self_noise_db_spl": noise_db, "speed_of_sound": C, **params}
    return SensorInstance("array", "microphone", p, tuple(position), tuple(orientation),
                          linear_velocity=tuple(velocity))


def impact(t: float, position, mat_a: str = "wood", impulse: float = 0.3) -> ContactEvent:
    return ContactEvent(time=t, instance_a=1, instance_b=0, material_a=mat_a,
                        material_b="concrete", size_a=0.1, size_b=1.0, position=tuple(position),
                        normal=(0.0, 0.0, 1.0), impulse=impulse, speed=2.0)


def scene_source(kind: str, position, **kw) -> dict:
    s = {"name": kind, "kind": kind, "class": kind, "attach_instance": 0,
         "position": tuple(position), "start": 0.0, "duration": None, "level_db_spl": 70.0,
         "frequency": 1000.0, "frequency_end": 4000.0, "harmonics": 4, "voices": 1,
         "color": "white", "file": None, "loop": False}
    s.update(kw)
    return s


def acoustic_scene(room=None, sources=(), ambient=None, ground_beta=None) -> AcousticScene:
    return AcousticScene(room=Room.from_instance(room) if room else None,
                         ground_beta=ground_beta, sources=tuple(sources), ambient=ambient,
                         object_classes=(3,), source_classes=tuple(4 for _ in sources))


def observe(s: SensorInstance, recording: Recording, scene: AcousticScene | None = None,
            seed: int = 0) -> dict[str, np.ndarray]:
    mic = MicrophoneArray(s, recording.duration, scene=scene, max_events=8)
    out = mic.observe(Capture(recording=recording), np.random.default_rng(seed))
    specs = mic.outputs()
    assert set(out) == set(specs)
    for key, spec in specs.items():
        assert out[key].shape == spec.shape and out[key].dtype == np.dtype(spec.dtype), key
    return out


def test_gcc_phat_tdoa_in_a_reverberant_room() -> None:
    positions = [(0.0, y, 0.0) for y in (-0.15, -0.05, 0.05, 0.15)]
    s = sensor(positions, output_stems=True)
    src = (2.0, 1.2, 1.6)
    scene = acoustic_scene(ROOM, [scene_source("noise_burst", src, duration=0.3)])
    out = observe(s, Recording((), 0.5), scene)
    clean = out["stems"].astype(np.float64).sum(axis=0)  # the clean waveform
    mics = np.array(s.position) + np.array(positions)
    r = np.linalg.norm(mics - np.array(src), axis=1)
    max_lag = math.ceil(0.3 / C * FS) + 2
    for i, j in combinations(range(4), 2):
        lag = gcc_phat(clean[i], clean[j], max_lag)
        assert abs(lag - (r[i] - r[j]) / C * FS) <= 1.0, (i, j, lag)
    assert float(out["rt60"]) == pytest.approx(0.4, rel=0.03)


def test_librosa_onsets_match_labels_in_a_room() -> None:
    events = [impact(0.10, (1.5, 0.5, 0.0), "wood"), impact(0.35, (-2.0, 1.5, 0.8), "metal"),
              impact(0.62, (0.5, -2.0, 0.0), "plastic"), impact(0.90, (2.5, 2.0, 2.0), "glass")]
    s = sensor([(0.0, 0.0, 0.0)], noise_db=0.0)
    out = observe(s, Recording(tuple(events), 1.2), acoustic_scene(ROOM))
    n = int(out["sources/count"])
    labelled = out["sources/onset"][:n]
    assert n == 4 and np.all(out["sources/kind"][:n] == 0)
    # the label is the direct-path arrival at the array origin (one capsule at the origin)
    for e, t in zip(events, labelled, strict=True):
        assert t == pytest.approx(e.time + math.dist(e.position, s.position) / C, abs=1e-9)
    y = out["waveform"][0].astype(np.float64)
    env = librosa.onset.onset_strength(y=y, sr=FS, hop_length=64, n_fft=512, n_mels=40)
    found = librosa.onset.onset_detect(onset_envelope=env, sr=FS, hop_length=64,
                                       units="time", backtrack=False)
    for t in labelled:
        assert np.min(np.abs(found - t)) < 0.010, (t, found)


@pytest.mark.parametrize("snr_db", [0.0, 15.0])
def test_realised_snr_matches_request(snr_db: float) -> None:
    s = sensor([(0.0, 0.05, 0.0), (0.0, -0.05, 0.0)], noise_db=20.0, output_stems=True)
    scene = acoustic_scene(ROOM, [scene_source("hum", (1.5, 1.0, 1.5), frequency=120.0)],
                           ambient={"color": "pink", "snr_db": snr_db, "level_db_spl": None})
    out = observe(s, Recording((impact(0.2, (1.0, -1.0, 0.0)),), 0.8), scene)
    clean = out["stems"].astype(np.float64).sum(axis=0)
    noise = out["waveform"].astype(np.float64) - clean
    realised = 10 * np.log10(np.sum(clean**2) / np.sum(noise**2))
    assert realised == pytest.approx(snr_db, abs=0.5)
    assert float(out["snr_db"]) == pytest.approx(realised, abs=0.01)


def peak_frequency(x: np.ndarray) -> float:
    """Frequency (Hz) of the spectral peak, refined by a parabola through log magnitudes."""
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), 8 * len(x)))
    k = int(np.argmax(spec))
    a, b, c = np.log(spec[k - 1:k + 2])
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * FS / (8 * len(x))


def test_doppler_of_a_moving_tone_source() -> None:
    """A 1 kHz tone on an object flying at 25 m/s straight at the array, then away."""
    v, f0 = 25.0, 1000.0
    dt = 1 / 240
    t = np.arange(0, 1.0 + dt, dt)
    x = -12.5 + v * t  # passes the array (x = 0) at t = 0.5 s, 1 m to the side
    traj = np.stack([x, np.full_like(t, 1.0), np.full_like(t, 1.2)], 1)[:, None, :]
    rec = Recording((), 1.0, trajectories=traj, trajectory_dt=dt)
    src = scene_source("tone", (0.0, 0.0, 0.0), frequency=f0, attach_instance=1)
    s = sensor([(0.0, 0.0, 0.0)], noise_db=-40.0)
    y = observe(s, rec, acoustic_scene(sources=[src]))["waveform"][0].astype(np.float64)
    # heard 0.05-0.3 s: the source approaches (emitted earlier, ~7-12 m away, |v_r| ≈ v)
    approach = y[int(0.08 * FS):int(0.33 * FS)]
    leave = y[int(0.74 * FS):int(0.99 * FS)]

    def expected(t_hear: float, sign: float) -> float:
        # emission time te with t_hear - te = |x_mic - x_src(te)| / c, then f c / (c - v_r)
        te = t_hear
        for _ in range(50):
            te = t_hear - math.hypot(-12.5 + v * te, 1.0) / C
        d = np.array([-12.5 + v * te, 1.0])
        v_r = -v * d[0] / np.linalg.norm(d)  # speed towards the array
        return f0 * C / (C - v_r)

    assert peak_frequency(approach) == pytest.approx(expected(0.205, 1), abs=1.0)
    assert peak_frequency(leave) == pytest.approx(expected(0.865, -1), abs=1.0)
    assert expected(0.205, 1) > f0 * 1.07 and expected(0.865, -1) < f0 * 0.94


def test_doppler_of_a_moving_array() -> None:
    """The array drives at 20 m/s towards a fixed 1 kHz tone: f (c + v) / c."""
    v, f0 = 20.0, 1000.0
    src = scene_source("tone", (30.0, 0.0, 1.2), frequency=f0)
    s = sensor([(0.0, 0.0, 0.0)], noise_db=-40.0, position=(0.0, 0.0, 1.2),
               velocity=(v, 0.0, 0.0))
    y = observe(s, Recording((), 1.0), acoustic_scene(sources=[src]))["waveform"][0]
    seg = y[int(0.2 * FS):int(0.9 * FS)].astype(np.float64)
    assert peak_frequency(seg) == pytest.approx(f0 * (C + v) / C, abs=0.5)


def test_cardioid_gain_follows_half_one_plus_cos() -> None:
    s = sensor([(0.0, 0.0, 0.0)], noise_db=-60.0, directivity="cardioid",
               axes=[(1.0, 0.0, 0.0)])
    rms = {}
    for deg in (0, 45, 90, 135, 170):
        a = math.radians(deg)
        pos = (2.0 * math.cos(a), 2.0 * math.sin(a), 1.2)
        src = scene_source("noise_burst", pos, duration=0.5)
        y = observe(s, Recording((), 0.6), acoustic_scene(sources=[src]))["waveform"][0]
        rms[deg] = math.sqrt(np.mean(y.astype(np.float64) ** 2))
    for deg, value in rms.items():
        assert value / rms[0] == pytest.approx(0.5 * (1 + math.cos(math.radians(deg))),
                                               abs=0.01), deg


def test_direction_of_arrival_and_distance_labels() -> None:
    yaw = math.radians(90.0)  # array x axis points along world +y
    q = (0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2))
    s = sensor([(0.05, 0.0, 0.0), (-0.05, 0.0, 0.0)], position=(1.0, 1.0, 1.0), orientation=q)
    src_pos = (-1.0, 3.0, 2.0)  # world offset (-2, 2, 1): array frame (2, 2, 1)
    out = observe(s, Recording((), 0.5), acoustic_scene(
        sources=[scene_source("tone", src_pos, start=0.1)]))
    assert int(out["sources/count"]) == 1
    assert out["sources/kind"][0] == 2 and out["sources/class_a"][0] == 4
    assert out["sources/azimuth"][0] == pytest.approx(math.radians(45.0), abs=1e-9)
    assert out["sources/elevation"][0] == pytest.approx(math.atan2(1, math.sqrt(8)), abs=1e-9)
    assert out["sources/distance"][0] == pytest.approx(3.0, abs=1e-9)
    assert out["sources/onset"][0] == pytest.approx(0.1 + 3.0 / C, abs=1e-9)
    assert out["sources/offset"][0] == pytest.approx(0.5, abs=1e-9)  # clipped to the window
    level = 20 * math.log10(math.sqrt(2) * 20e-6 * 10 ** (70 / 20) / 3.0 / 20e-6)
    assert out["sources/peak_db_spl"][0] == pytest.approx(level, abs=0.3)  # sine peak / r


def test_mismatch_clipping_and_quantisation() -> None:
    s = sensor([(0.0, 0.0, 0.0)] * 3, noise_db=-40.0, gain_mismatch_db_std=1.0,
               clip_db_spl=80.0, bit_depth=8)
    src = scene_source("tone", (1.0, 0.0, 1.2), frequency=500.0, level_db_spl=60.0)
    out = observe(s, Recording((), 0.3), acoustic_scene(sources=[src]))
    y = out["waveform"].astype(np.float64)
    full = 20e-6 * 10 ** (80 / 20) * math.sqrt(2)
    step = 2 * full / 256
    assert np.allclose(y / step, np.round(y / step), atol=1e-4)  # on the 8-bit grid
    rms = np.sqrt(np.mean(y[:, 2000:] ** 2, axis=1))
    gains = out["channel_gain_db"].astype(np.float64)
    np.testing.assert_allclose(20 * np.log10(rms / rms[0]), gains - gains[0], atol=0.1)
    loud = dict(src, level_db_spl=90.0)
    out = observe(s, Recording((), 0.3), acoustic_scene(sources=[loud]))
    assert np.max(np.abs(out["waveform"])) == pytest.approx(full, rel=1e-3)  # clipped


def test_ground_reflection_outdoors() -> None:
    """Outdoors the capsule hears the direct click and, later by the path difference, its
    image in the ground, weaker by beta and the longer distance."""
    s = sensor([(0.0, 0.0, 0.0)], noise_db=-60.0, position=(0.0, 0.0, 1.5))
    e = impact(0.05, (3.0, 0.0, 1.0), "glass")
    beta = 0.9
    direct = observe(s, Recording((e,), 0.3), acoustic_scene())["waveform"][0]
    both = observe(s, Recording((e,), 0.3), acoustic_scene(ground_beta=beta))["waveform"][0]
    echo = (both - direct).astype(np.float64)
    r1, r2 = math.dist((3, 0, 1), (0, 0, 1.5)), math.dist((3, 0, -1), (0, 0, 1.5))
    lag = gcc_phat(echo, direct.astype(np.float64), 200)
    assert abs(lag - (r2 - r1) / C * FS) <= 1.0
    ratio = np.sqrt(np.sum(echo**2) / np.sum(direct.astype(np.float64) ** 2))
    assert ratio == pytest.approx(beta * r1 / r2, rel=0.05)


def test_deterministic_and_thread_count_independent() -> None:
    s = sensor([(0.03, 0.0, 0.0), (-0.03, 0.0, 0.0)], noise_db=30.0, output_stems=True,
               output_logmel=True, gain_mismatch_db_std=0.5, phase_mismatch_deg_std=3.0)
    scene = acoustic_scene(ROOM, [scene_source("babble", (1.0, 1.5, 1.6), voices=2)],
                           ambient={"color": "brown", "snr_db": None, "level_db_spl": 40.0})
    rec = Recording((impact(0.1, (1.0, -1.0, 0.0)), impact(0.3, (-1.0, 0.5, 0.7))), 0.5)
    a, b = on_one_and_two_threads(lambda: observe(s, rec, scene, seed=5))
    for key in a:
        assert a[key].tobytes() == b[key].tobytes(), key
    c = observe(s, rec, scene, seed=6)
    assert not np.array_equal(a["waveform"], c["waveform"])
    assert a["logmel"].shape == (2, 64, 1 + 8000 // 160)
