"""Reflections of moving sources and moving arrays in a shoebox room, against closed-form
mirror geometry: the image of a point in the floor is (x, y, -z), in the wall x = Lx / 2 it
is (Lx - x, y, z) (world coordinates, room centred on x = y = 0). Arrival times are
measured by matched filtering of the output against the dry click (numpy), frequencies
from a windowed spectrum; the expected values are computed here from that geometry."""

from __future__ import annotations

import numpy as np
import pytest

from simengine.sensors.microphone.propagation import ArrayMotion, Path, render
from simengine.sensors.microphone.room import Room

C = 343.0
FS = 16000
SIZE = (6.0, 5.0, 3.0)
SPEED = 10.0  # m/s
# beta = sqrt(1 - alpha): only the floor and the wall at x = +3 m reflect (beta 1 and 0.9),
# the other surfaces absorb everything, so the images are the direct path's, the floor's,
# the wall's and the floor-then-wall's
ROOM = Room(size=SIZE, alpha=(1.0, 0.19, 1.0, 1.0, 0.0, 1.0), rt60=0.1)
CLICK_PERIOD = 0.025  # s
CLICK_HALF = 24  # samples


def click() -> np.ndarray:
    """A symmetric band-limited click (Hann-windowed sinc, 6 kHz): its matched-filter peak
    sits at its centre even when Doppler compresses it."""
    k = np.arange(-CLICK_HALF, CLICK_HALF + 1)
    return np.sinc(2 * 6000 / FS * k) * np.hanning(2 * CLICK_HALF + 3)[1:-1]


def static_array(mics: np.ndarray, n: int) -> ArrayMotion:
    pos = np.ascontiguousarray(np.repeat(mics[:, None, :], n, axis=1))
    axes = np.zeros_like(pos)
    axes[..., 0] = 1.0
    return ArrayMotion(pos, axes, np.repeat(mics.mean(0)[None], n, 0),
                       np.broadcast_to(np.eye(3), (n, 3, 3)), float(FS))


def moving_array(mics0: np.ndarray, velocity: np.ndarray, n: int) -> ArrayMotion:
    t = np.arange(n) / FS
    pos = np.ascontiguousarray(mics0[:, None, :] + t[None, :, None] * velocity)
    axes = np.zeros_like(pos)
    axes[..., 0] = 1.0
    return ArrayMotion(pos, axes, pos.mean(0), np.broadcast_to(np.eye(3), (n, 3, 3)),
                       float(FS))


def mirror_floor(p):
    return p * np.array([1.0, 1.0, -1.0])


def mirror_wall(p):
    return np.array([SIZE[0], 0.0, 0.0]) + p * np.array([-1.0, 1.0, 1.0])


IMAGES = {"floor": mirror_floor, "wall": mirror_wall,
          "floor+wall": lambda p: mirror_wall(mirror_floor(p))}


def click_train(n_clicks: int) -> tuple[np.ndarray, np.ndarray]:
    """Dry signal and the emission times (s) of its clicks' centres."""
    period = round(CLICK_PERIOD * FS)
    x = np.zeros(n_clicks * period + 2 * CLICK_HALF + 1)
    for i in range(n_clicks):
        x[i * period:i * period + 2 * CLICK_HALF + 1] += click()
    return x, (np.arange(n_clicks) * period + CLICK_HALF) / FS


def measured_arrival(y: np.ndarray, expected: float, search: float = 4e-4) -> float:
    """Arrival time (s) of the click in ``y`` nearest ``expected``: the matched filter's
    peak within ``search`` s, refined by a parabola through its three samples."""
    mf = np.correlate(y, click(), mode="same")  # centred: index = arrival of the centre
    k0, k1 = int((expected - search) * FS), int((expected + search) * FS) + 1
    k = k0 + int(np.argmax(mf[k0:k1]))
    a, b, c = mf[k - 1], mf[k], mf[k + 1]
    assert b > 0.5 * np.max(np.abs(mf[k0:k1])) and b > a and b > c
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) / FS


def test_image_arrivals_follow_a_moving_source() -> None:
    """A source moving at 10 m/s towards the reflecting wall: each click's floor, wall and
    floor+wall reflections arrive when the mirrored source position at the click's emission
    is |mic - image| / c away; the static reflections of the start would be off by up to
    2.6 ms by the last click."""
    x, emits = click_train(8)
    n = round(0.26 * FS)
    mics = np.array([[1.0, -1.5, 1.2], [0.5, 1.0, 1.0]])
    t_path = np.arange(0.0, 0.3, 0.01)
    points = np.array([0.0, 0.5, 1.5]) + SPEED * t_path[:, None] * np.array([1.0, 0.0, 0.0])
    path = Path(points, 0.0, 0.01)
    out = np.zeros((2, n))
    render(out, x, 0.0, path, static_array(mics, n), 1.0, C, ROOM, None, None)
    worst = stale = 0.0
    for mirror in IMAGES.values():
        for ch in range(2):
            for t_e in emits:
                image = mirror(path.at(t_e))
                expected = t_e + np.linalg.norm(mics[ch] - image) / C
                got = measured_arrival(out[ch], expected)
                worst = max(worst, abs(got - expected))
                # where the reflection of the start position would put it
                stale = max(stale, abs(got - t_e - np.linalg.norm(mics[ch] - mirror(points[0]))
                                       / C))
    assert worst < 0.25 / FS  # a quarter sample (16 us)
    assert stale > 2e-3


def test_image_arrivals_follow_a_moving_array() -> None:
    """A static source, two capsules moving at 10 m/s: the arrival t solves
    t = t_emit + |mic(t) - image| / c (solved here by fixed-point iteration)."""
    x, emits = click_train(8)
    n = round(0.26 * FS)
    mics0 = np.array([[-1.0, -1.5, 1.2], [-1.2, -1.5, 1.2]])
    velocity = np.array([SPEED, 0.0, 0.0])
    src = np.array([1.5, 0.5, 1.4])
    out = np.zeros((2, n))
    render(out, x, 0.0, Path(src[None]), moving_array(mics0, velocity, n), 1.0, C, ROOM,
           None, None)
    worst = 0.0
    for mirror in IMAGES.values():
        image = mirror(src)
        for ch in range(2):
            for t_e in emits:
                t = t_e
                for _ in range(50):
                    t = t_e + np.linalg.norm(mics0[ch] + velocity * t - image) / C
                got = measured_arrival(out[ch], t)
                worst = max(worst, abs(got - t))
    assert worst < 0.25 / FS


def peak_frequency(y: np.ndarray, lo: float, hi: float) -> float:
    """Frequency (Hz) of the strongest spectral peak in [lo, hi] of a Hann-windowed ``y``,
    zero-padded to 0.1 Hz bins, refined by a parabola on the log magnitude."""
    size = 10 * FS
    spec = np.log(np.abs(np.fft.rfft(y * np.hanning(len(y)), size)) + 1e-300)
    f = np.fft.rfftfreq(size, 1 / FS)
    sel = np.flatnonzero((f >= lo) & (f <= hi))
    k = sel[np.argmax(spec[sel])]
    a, b, c = spec[k - 1], spec[k], spec[k + 1]
    return float(f[k] + 0.5 * (a - c) / (a - 2 * b + c) * (f[1] - f[0]))


def test_doppler_of_a_wall_image_differs_from_the_direct_path() -> None:
    """A 2 kHz tone moving away from the capsule towards the wall x = +3 m: the direct
    sound is lowered, the wall's image comes towards the capsule and is raised, each by
    f / (1 - v . u / c) with u the unit vector from the (image) source to the capsule."""
    room = Room(size=SIZE, alpha=(1.0, 0.0, 1.0, 1.0, 1.0, 1.0), rt60=0.1)
    f0 = 2000.0
    n = round(0.25 * FS)
    x = np.sin(2 * np.pi * f0 * np.arange(n) / FS)
    mic = np.array([[-0.5, -1.0, 1.2]])
    velocity = np.array([SPEED, 0.0, 0.0])
    t_path = np.arange(0.0, 0.3, 0.01)
    path = Path(np.array([0.0, 0.5, 1.5]) + t_path[:, None] * velocity, 0.0, 0.01)
    out = np.zeros((1, n))
    render(out, x, 0.0, path, static_array(mic, n), 1.0, C, room, None, None)
    for w0, w1 in ((800, 1600), (1600, 2400), (2400, 3200)):  # 50 ms windows from 50 ms
        direct = _mean_frequency(f0, mic[0], path, lambda p: p, velocity, w0, w1)
        wall = _mean_frequency(f0, mic[0], path, mirror_wall, -velocity, w0, w1)
        assert wall - f0 > 50 and f0 - direct > 30  # raised and lowered by 2 to 3 %
        y = out[0, w0:w1]
        assert peak_frequency(y, f0 - 100, f0 - 20) == pytest.approx(direct, abs=0.5)
        assert peak_frequency(y, f0 + 20, f0 + 100) == pytest.approx(wall, abs=0.5)


def _mean_frequency(f0, mic, path, mirror, v_image, w0, w1) -> float:
    """Mean over output samples w0 .. w1 of the instantaneous frequency at ``mic`` of the
    tone emitted by ``mirror(path)``: f0 / (1 - v . u / c) at the emission time."""
    freqs = []
    for t_a in np.linspace(w0, w1, 41) / FS:
        t_e = t_a
        for _ in range(50):
            t_e = t_a - np.linalg.norm(mic - mirror(path.at(t_e))) / C
        u = mic - mirror(path.at(t_e))
        freqs.append(f0 / (1 - v_image @ u / np.linalg.norm(u) / C))
    return float(np.mean(freqs))


@pytest.mark.parametrize("what", ["source", "array"])
def test_a_source_that_barely_moves_sounds_as_a_static_one(what: str) -> None:
    """A path (or capsules) moving 1 nm takes the moving-image route; it must render what
    the static impulse response renders (same images, gains, air absorption and high-pass
    below the lowest mode), so the images split between the routes are neither lost nor
    doubled.
    The residual (-74 dB) is where the static route's FFT convolution wraps the high-pass's
    two-sided response around; the moving route pads it."""
    room = Room.from_instance({"size": (5.0, 4.0, 3.0), "wall_material": "plaster",
                               "floor_material": "wood", "ceiling_material": "plaster",
                               "rt60": 0.5})
    x = np.random.default_rng(0).standard_normal(1600) * np.hanning(1600)
    n = round(0.4 * FS)
    mics = np.array([[0.3, -0.2, 1.2], [0.35, -0.2, 1.2], [0.3, -0.15, 1.2],
                     [0.32, -0.22, 1.25]])
    p = np.array([-1.0, 0.8, 1.4])
    static, moving = np.zeros((4, n)), np.zeros((4, n))
    render(static, x, 0.05, Path(p[None]), static_array(mics, n), 0.5, C, room, None, None)
    if what == "source":
        render(moving, x, 0.05, Path(np.array([p, p + 1e-9])), static_array(mics, n), 0.5,
               C, room, None, None)
    else:
        array = moving_array(mics, np.full(3, 1e-9), n)
        assert array.moves
        render(moving, x, 0.05, Path(p[None]), array, 0.5, C, room, None, None)
    assert np.abs(moving - static).max() < 2e-4 * np.abs(static).max()
