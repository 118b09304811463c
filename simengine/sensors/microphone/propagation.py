"""Propagation of one dry source to the capsules of an array: direct path, ground, room.

- **Direct path**: per output sample the emission time solving
  ``t - tau = t - |x_mic(t) - x_src(t - tau)| / c`` (moving sources and moving, turning
  arrays: exact Doppler), windowed-sinc reading of the dry signal, ``1 / r`` spreading,
  capsule directivity towards the emission point, air absorption as a Gaussian low-pass
  for the distance at the source's start (see :mod:`.room`).
- **Outdoors**: the ground image (mirror in z = 0) is rendered the same way, so its Doppler
  is exact too, times the ground's reflection coefficient.
- **Rooms**: the image sources (reflections only), chosen for the source position at its
  start and the capsules where the direct sound of that moment arrives. A static source
  heard by a static array gets them all as one impulse response convolved with the dry
  signal. When the source's path moves (more than one distinct point: moving scene
  sources, sliding contacts) or a capsule moves or turns, the images within
  ``c * MOVING_IMAGE_SECONDS`` (20 ms, 6.9 m) of a capsule move with it: in a shoebox an
  image is an affine map of the source position (per axis ``±p + 2 n L``), so its path is
  the source path mapped point by point, and it is rendered like the direct path (exact
  emission time per output sample, so its own Doppler, which differs from the direct
  sound's; ``1 / r``; directivity; air absorption for its distance at the start), times
  its reflection gain. The images beyond that (arriving 20 to 80 ms after emission) stay
  at the start position, in the convolved impulse response, and so does the late tail
  (after 80 ms), which is diffuse and shared by all sources. Reflections carry no energy
  below the room's lowest mode: the impulse response is high-passed there, and the moving
  images get the same zero-phase high-pass on their dry signal (padded on both sides for
  the filter's two-sided response), so a source that moves by a nanometre sounds as the
  static one does.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.fft import next_fast_len

from ._room_kernels import add_moving, add_moving_images
from .room import (
    EARLY_HALF_WIDTH,
    LATE_SECONDS,
    Room,
    air_sigma,
    below_mode_gain,
    mirror_z,
    near_images,
    reflections_ir,
    table,
)

IR_MARGIN = 1.0  # extra fraction of RT60 not rendered: the IR stops at -60 dB
# A moving source or array: images within c * this of a capsule (20 ms: 6.9 m, the
# first-order images of a living room and the floor/ceiling images of a hall) move with
# it, later images stay at the start (see the module docstring)
MOVING_IMAGE_SECONDS = 0.02
HIGHPASS_PAD_PERIODS = 3.0  # periods of the lowest mode padded around a high-passed signal


@dataclass(frozen=True)
class ArrayMotion:
    """Capsule positions and axes per output sample: ``positions``/``axes`` (C, N, 3)
    world; ``origin`` (N, 3) and ``rotation`` (N, 3, 3) of the array frame."""

    positions: np.ndarray
    axes: np.ndarray
    origin: np.ndarray
    rotation: np.ndarray
    fs: float

    @classmethod
    def build(cls, sensor, capsules: np.ndarray, axes: np.ndarray, n: int, fs: float
              ) -> ArrayMotion:
        t = np.arange(n) / fs
        if getattr(sensor, "attach", None) is not None:
            origin, rot = _along_path(sensor, t)
        else:
            origin = np.asarray(sensor.position, np.float64)[None, :] \
                + np.asarray(sensor.linear_velocity, np.float64)[None, :] * t[:, None]
            w = np.asarray(sensor.angular_velocity, np.float64)
            R0 = sensor.pose_at(0.0)[1]
            rot = np.broadcast_to(R0, (n, 3, 3)) if not np.any(w) else _rodrigues(w, t) @ R0
        pos = origin[None, :, :] + np.einsum("nij,cj->cni", rot, capsules)
        ax = np.einsum("nij,cj->cni", rot, axes)
        return cls(np.ascontiguousarray(pos), np.ascontiguousarray(ax), origin, rot, fs)

    @functools.cached_property
    def moves(self) -> bool:
        """Whether a capsule moves or turns during the recording."""
        return bool(np.any(self.positions != self.positions[:, :1])
                    or np.any(self.axes != self.axes[:, :1]))

    def index(self, t: float) -> int:
        return int(min(max(round(t * self.fs), 0), self.origin.shape[0] - 1))


PATH_STEP_S = 1e-3  # poses of an array riding an actor: exact every ms, linear in between


def _along_path(sensor, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Origin (N, 3) and rotation (N, 3, 3) at times ``t`` of an array riding an actor
    (``SensorInstance.pose_at`` follows its path: speed and heading change at corners).
    Between poses a millisecond apart the interpolation errs by under a micrometre in
    position and, turning at 4 rad/s (a car's tightest corners), by 2e-6 in the rotation
    matrix (0.1 nm at a capsule 3 cm from the centre)."""
    grid = np.arange(0.0, t[-1] + 2 * PATH_STEP_S, PATH_STEP_S) if len(t) else np.zeros(1)
    poses = [sensor.pose_at(float(g)) for g in grid]
    origins = np.array([p[0] for p in poses])
    rotations = np.array([p[1] for p in poses]).reshape(len(grid), 9)
    origin = np.column_stack([np.interp(t, grid, origins[:, k]) for k in range(3)])
    rot = np.column_stack([np.interp(t, grid, rotations[:, k]) for k in range(9)])
    return origin, rot.reshape(-1, 3, 3)


def _rodrigues(w: np.ndarray, t: np.ndarray) -> np.ndarray:
    angle = np.linalg.norm(w) * t
    k = w / np.linalg.norm(w)
    K = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return (np.eye(3)[None] + np.sin(angle)[:, None, None] * K[None]
            + (1 - np.cos(angle))[:, None, None] * (K @ K)[None])


@dataclass(frozen=True)
class Path:
    """Where a source is: positions (T, 3) at ``t0 + k * dt`` (held at both ends)."""

    points: np.ndarray
    t0: float = 0.0
    dt: float = 1.0

    def at(self, t: float) -> np.ndarray:
        u = (t - self.t0) / self.dt
        j = int(min(max(math.floor(u), 0), self.points.shape[0] - 1))
        j1 = min(j + 1, self.points.shape[0] - 1)
        w = min(max(u - j, 0.0), 1.0)
        return self.points[j] + w * (self.points[j1] - self.points[j])


def arrival(path: Path, emit: float, receiver: np.ndarray, c: float) -> float:
    """Arrival time at a fixed point of what ``path`` emits at ``emit`` s."""
    return emit + float(np.linalg.norm(receiver - path.at(emit))) / c


def onset_at_origin(path: Path, emit: float, motion: ArrayMotion, c: float) -> float:
    """Arrival time at the (moving) array origin of what is emitted at ``emit`` s."""
    p = path.at(emit)
    t = emit
    for _ in range(20):
        i = min(max(t * motion.fs, 0.0), motion.origin.shape[0] - 1.0)
        j = int(i)
        j1 = min(j + 1, motion.origin.shape[0] - 1)
        o = motion.origin[j] + (i - j) * (motion.origin[j1] - motion.origin[j])
        new = emit + float(np.linalg.norm(o - p)) / c
        if abs(new - t) < 1e-12:
            return new
        t = new
    return t


def late_tail(room: Room, motion: ArrayMotion, pattern: float, c: float, n_out: int
              ) -> np.ndarray:
    """The room's late reverberation (C, L) at the capsules (their place at t = 0), for a
    source at the room's centre: every image arriving after ``LATE_SECONDS``, up to the
    RT60 (or the window). Shared by all sources of a sample: late reverberation is diffuse,
    its envelope does not depend on where the source is, and the image count grows with
    the cube of time, so rendering it once instead of per source is the difference between
    milliseconds and seconds."""
    fs = motion.fs
    length = min(math.ceil(room.rt60 * IR_MARGIN * motion.fs), n_out) + 1
    centre = np.array([0.0, 0.0, room.size[2] / 2])
    return reflections_ir(room, centre, motion.positions[:, 0, :], motion.axes[:, 0, :],
                          pattern, fs, c, length, min_dist=c * LATE_SECONDS)


def render(out: np.ndarray, x: np.ndarray, start: float, path: Path, motion: ArrayMotion,
           pattern: float, c: float, room: Room | None, ground_beta: float | None,
           late: np.ndarray | None = None) -> None:
    """Add dry signal ``x`` (Pa at 1 m), emitted from ``start`` s along ``path``, to
    ``out`` (C, N) at the capsules; in a room, ``late`` is :func:`late_tail`."""
    fs = motion.fs
    if x.shape[0] == 0:
        return
    p0 = path.at(start)
    t_ref = arrival(path, start, motion.origin[0], c)
    mics_ref = motion.positions[:, motion.index(t_ref), :]
    _direct(out, x, start, path, motion, pattern, c, gain=1.0)
    if room is not None:
        split = 0.0  # images nearer than this move with the source (none if nothing moves)
        if _path_moves(path) or motion.moves:
            split = c * MOVING_IMAGE_SECONDS
            _moving_images(out, x, start, path, motion, pattern, c, room, mics_ref, split)
        _room(out, x, start, p0, mics_ref, motion.axes[:, motion.index(t_ref), :], pattern, c,
              room, fs, late, split)
    elif ground_beta is not None:
        mirrored = Path(mirror_z(path.points), path.t0, path.dt)
        _direct(out, x, start, mirrored, motion, pattern, c, gain=ground_beta)


def _direct(out, x, start, path, motion, pattern, c, gain) -> None:
    fs = motion.fs
    n_out = out.shape[1]
    # air absorption for the distance at the start (a Gaussian low-pass of the dry signal)
    r0 = float(np.min(np.linalg.norm(motion.positions[:, 0, :] - path.at(start), axis=1)))
    sigma = air_sigma(r0, fs)
    src = _gaussian_blur(x, sigma) if sigma >= 0.1 else x
    # output samples that can hear it: bound the distances over the whole motion
    d = np.linalg.norm(motion.positions[:, ::64, None, :] - path.points[None, None, :, :],
                       axis=3)
    slack = 2.0 * (_max_step(path.points) + _max_step(motion.positions[0, ::64])) + 1.0
    r_min, r_max = max(float(d.min()) - slack, 0.0), float(d.max()) + slack
    hw = EARLY_HALF_WIDTH
    n0 = max(math.floor((start + r_min / c) * fs) - hw - 2, 0)
    n1 = min(math.ceil((start + src.shape[0] / fs + r_max / c) * fs) + hw + 2, n_out)
    if n1 <= n0:
        return
    add_moving(out, np.ascontiguousarray(src), float(start), float(fs),
               np.ascontiguousarray(path.points), float(path.t0), float(path.dt),
               motion.positions, motion.axes, float(pattern), float(c), float(gain),
               table(hw), int(n0), int(n1))


def _max_step(points: np.ndarray) -> float:
    if points.shape[0] < 2:
        return 0.0
    return float(np.max(np.linalg.norm(np.diff(points, axis=0), axis=1)))


def _room(out, x, start, p0, mics, axes, pattern, c, room: Room, fs, late, min_dist
          ) -> None:
    """Early reflections of this source (images at distances in
    ``(min_dist, c * LATE_SECONDS]``) plus the shared late tail, as one impulse response
    convolved with the dry signal."""
    n_out = out.shape[1]
    k0 = math.floor(start * fs)
    if k0 >= n_out:
        return
    if late is None:
        late = np.zeros((out.shape[0], 0))
    length = min(max(late.shape[1], math.ceil(LATE_SECONDS * fs) + 64), n_out - k0 + 1)
    ir = reflections_ir(room, p0, mics, axes, pattern, fs, c, length,
                        delay_offset=start * fs - k0, min_dist=min_dist,
                        max_dist=c * LATE_SECONDS)
    m = min(length, late.shape[1])
    ir[:, :m] += late[:, :m]
    n = min(n_out - k0, x.shape[0] + length - 1)
    size = x.shape[0] + length - 1
    freqs = np.fft.rfftfreq(size, 1.0 / fs)
    # reflections only (the direct path is rendered apart): no room gain below its modes
    h = np.fft.rfft(ir, size, axis=1) * below_mode_gain(freqs, room.lowest_mode_hz(c))
    wet = np.fft.irfft(np.fft.rfft(x, size)[None, :] * h, size, axis=1)[:, :n]
    out[:, k0:k0 + n] += wet


def _path_moves(path: Path) -> bool:
    return bool(np.any(path.points != path.points[:1]))


def _moving_images(out, x, start, path, motion, pattern, c, room: Room, mics_ref, max_dist
                   ) -> None:
    """The image sources within ``max_dist`` of each capsule (at the moment of reference
    of :func:`render`), each rendered as a moving source like the direct path: the image
    of the source's path, mapped point by point (:func:`near_images`), emitted with
    per-sample emission time (Doppler), ``1 / r``, directivity and air absorption, times
    the image's reflection gain. The dry signal is first high-passed by
    :func:`below_mode_gain` as the static reflections are (a reflection adds nothing
    below the room's lowest mode); that filter is zero-phase, so the signal is padded on
    both sides by ``HIGHPASS_PAD_PERIODS`` periods of the lowest mode and emitted that
    much earlier."""
    fs = motion.fs
    n_out = out.shape[1]
    sign, shift, gain, near = near_images(room, path.at(start), mics_ref, max_dist)
    if gain.shape[0] == 0:
        return
    src, pad = _below_modes(x, fs, room.lowest_mode_hz(c))
    emit = start - pad / fs
    corner = room.to_corner(path.points)
    to_world = np.array([room.size[0] / 2, room.size[1] / 2, 0.0])
    # how far the source and the capsules get from where the images were chosen: bounds the
    # distance of every image path to the capsules, hence the output samples to render
    reach = float(np.max(np.linalg.norm(path.points - path.at(start), axis=1))) \
        + float(np.max(np.linalg.norm(motion.positions - mics_ref[:, None, :], axis=2))) \
        + 1.0
    hw = EARLY_HALF_WIDTH
    n_img = gain.shape[0]
    trajs = np.empty((n_img, *path.points.shape))
    srcs = np.empty((n_img, src.shape[0]))
    n0s, n1s = np.zeros(n_img, np.int64), np.zeros(n_img, np.int64)
    for m in range(n_img):
        chans = np.flatnonzero(near[m])
        trajs[m] = corner * sign[m] + shift[m] - to_world
        i0 = Path(trajs[m], path.t0, path.dt).at(start)
        r_ref = np.linalg.norm(mics_ref[chans] - i0, axis=1)
        n0s[m] = max(math.floor((emit + (float(r_ref.min()) - reach) / c) * fs) - hw - 2, 0)
        n1s[m] = min(math.ceil((emit + src.shape[0] / fs + (float(r_ref.max()) + reach) / c)
                               * fs) + hw + 2, n_out)
        # air absorption for the image's distance at the start, as for the direct path
        r0 = float(np.min(np.linalg.norm(motion.positions[chans, 0, :] - i0, axis=1)))
        sigma = air_sigma(r0, fs)
        srcs[m] = _gaussian_blur(src, sigma) if sigma >= 0.1 else src
    add_moving_images(out, srcs, float(emit), float(fs), trajs, float(path.t0),
                      float(path.dt), motion.positions, motion.axes, float(pattern), float(c),
                      np.ascontiguousarray(gain), np.ascontiguousarray(near), table(hw), n0s,
                      n1s)


def _below_modes(x: np.ndarray, fs: float, lowest_mode: float) -> tuple[np.ndarray, int]:
    """``x`` through :func:`below_mode_gain` (zero-phase), padded by ``pad`` samples on
    each side for the filter's two-sided response; returns it and ``pad``."""
    pad = math.ceil(HIGHPASS_PAD_PERIODS * fs / lowest_mode)
    size = next_fast_len(x.shape[0] + 2 * pad, real=True)  # the rest pads the end
    freqs = np.fft.rfftfreq(size, 1.0 / fs)
    spectrum = np.fft.rfft(np.concatenate([np.zeros(pad), x]), size)
    return np.fft.irfft(spectrum * below_mode_gain(freqs, lowest_mode), size), pad


def _gaussian_blur(x: np.ndarray, sigma: float) -> np.ndarray:
    half = math.ceil(4 * sigma)
    k = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma) ** 2)
    return np.convolve(x, k / k.sum(), mode="same") if x.shape[0] >= k.shape[0] else x
