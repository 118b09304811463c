"""Room acoustics: shoebox image-source method, reverberation time, ground reflection, air.

**Shoebox rooms** (Allen & Berkley 1979). The room of the scene (``world.room``: inner size
``Lx, Ly, Lz``, floor at z = 0, centred on x = y = 0) has six surfaces with absorption
coefficients ``alpha_i`` (x_min, x_max, y_min, y_max, floor, ceiling) and pressure
reflection coefficients ``beta_i = sqrt(1 - alpha_i)``. Image ``(n, q)`` of a source
contributes ``prod_i beta_i^(reflections) / r`` at delay ``r / c`` (a fractional delay,
windowed sinc). Images within ``c * T`` of a capsule are all rendered, where ``T`` is the
impulse-response length: the order along each axis follows from it
(``n_max = T c / (2 L) + 1``), which is how "order from RT60" is chosen: ``T`` is the RT60
(the decay to -60 dB), capped by what is left of the recording window.

**Absorption.** By default from the surface materials (:mod:`simengine.materials`, near
1 kHz); ``absorption`` in the scene sets the six values; ``rt60`` sets a target
reverberation time. For a target, every surface's coefficient is its material's scaled by
one factor (all six made equal instead when one surface absorbs more than ``UNEVEN_RATIO``
times the mean, or when scaling cannot reach the target) so that the image-source model's
own decay meets it (:func:`calibrate_alpha`: Eyring's formula
``RT60 = 0.161 V / (-S ln(1 - mean alpha))`` as the first guess, then a secant search on
the image energy's Schroeder T30). The ``rt60`` label is the RT60 the model realises.
Why Eyring first and not Sabine's ``0.161 V / (S mean alpha)``: the image-source energy
falls by ``(1 - alpha)`` per reflection at ``c S / (4 V)`` reflections per second on
average, which is Eyring's law; Sabine's is its small-alpha limit and would make the decay
5 % (alpha = 0.1) to 11 % (alpha = 0.2) shorter than asked. Why the search: a specular
shoebox is not a diffuse room, sound running along its longest axis meets the fewest walls,
so its decay is slower than Eyring's by 10 to 50 % at these absorptions.
:func:`sabine_rt60` is kept for reporting.

**Air absorption** (ISO 9613-1 at 20 °C, 50 % RH, fitted as ``A f^2`` dB per metre with
``A = 1.7e-9`` dB/(m Hz^2): 0.03 dB/m at 4 kHz, 0.11 dB/m at 8 kHz, within 15 % of the
standard there; it underestimates below 2 kHz where the loss is < 0.5 dB per 100 m). An
``A f^2`` loss is a Gaussian low-pass whose impulse response is a Gaussian of standard
deviation ``sqrt(2 a) / (2 pi)`` s with ``a = A d ln(10) / 20``: each tap of an impulse
response, arriving after ``d = c t``, is spread by that Gaussian (:func:`air_smooth`).

**Outdoors** (a ground and no room): the direct path plus the ground's image (mirror in
z = 0, reflection coefficient ``sqrt(1 - alpha_ground)``, plane-wave, angle-independent).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ...dsp import sinc_table
from ...materials import material
from ._room_kernels import air_smooth, ism_taps

EYRING_K = 0.161  # s/m: 24 ln(10) / 343
AIR_A_DB = 1.7e-9  # dB / (m Hz^2)
MAX_ALPHA = 0.99
EARLY_SECONDS = 0.05  # images arriving within 50 ms of the direct sound: full-length taps
EARLY_HALF_WIDTH = 16
LATE_HALF_WIDTH = 4  # dense late reverberation: short taps (its fine timing is diffuse)
TABLE_PHASES = 1024  # delay resolution 1/1024 sample
ENERGY_BIN = 1e-3  # s: bins of the energy decay used to calibrate and report RT60
CALIBRATION_HORIZON = 1.0  # x target RT60 of image energy rendered per calibration step
CALIBRATION_STEPS = 8
CALIBRATION_TOLERANCE = 0.02  # |log(realised / target)|; the label is the realised value
UNIFORM_FALLBACK = 0.05  # proportional scaling missing the target by > 5 %: go uniform
UNEVEN_RATIO = 3.0  # max alpha / mean alpha above which the target is met uniformly
LATE_SECONDS = 0.08  # images arriving later than this after emission: the shared late tail
_TABLES: dict[int, np.ndarray] = {}


def table(half_width: int) -> np.ndarray:
    if half_width not in _TABLES:
        _TABLES[half_width] = sinc_table(half_width, TABLE_PHASES)
    return _TABLES[half_width]


def sabine_rt60(size: tuple[float, float, float], alpha: np.ndarray) -> float:
    v, s = _volume_surfaces(size)
    return EYRING_K * v / float(np.dot(s, alpha))


def eyring_rt60(size: tuple[float, float, float], alpha: np.ndarray) -> float:
    v, s = _volume_surfaces(size)
    mean = float(np.dot(s, alpha) / s.sum())
    return EYRING_K * v / (-s.sum() * math.log(1.0 - mean))


def _volume_surfaces(size) -> tuple[float, np.ndarray]:
    lx, ly, lz = (float(v) for v in size)
    return lx * ly * lz, np.array([ly * lz, ly * lz, lx * lz, lx * lz, lx * ly, lx * ly])


@dataclass(frozen=True)
class Room:
    """A shoebox: inner ``size`` (m), absorption of x_min, x_max, y_min, y_max, floor,
    ceiling, and its reverberation time (s, Eyring: what the image sources realise)."""

    size: tuple[float, float, float]
    alpha: tuple[float, ...]
    rt60: float

    @property
    def beta(self) -> np.ndarray:
        return np.sqrt(1.0 - np.asarray(self.alpha, np.float64))

    @classmethod
    def from_instance(cls, room: dict) -> Room:
        size = tuple(float(v) for v in room["size"])
        if room.get("absorption") is not None:
            alpha = np.asarray(room["absorption"], np.float64)
        else:
            w, f, ce = (material(room[k]).absorption for k in
                        ("wall_material", "floor_material", "ceiling_material"))
            alpha = np.array([w, w, w, w, f, ce], np.float64)
        alpha = np.clip(alpha, 1e-4, MAX_ALPHA)
        if room.get("rt60") is not None:
            alpha, rt60 = calibrate_alpha(size, tuple(alpha), float(room["rt60"]))
        else:
            rt60 = image_rt60(size, alpha, 2.0 * eyring_rt60(size, alpha))
        return cls(size, tuple(float(a) for a in alpha), rt60)

    def lowest_mode_hz(self, c: float) -> float:
        """The room's lowest axial mode, c / (2 L_max)."""
        return c / (2.0 * max(self.size))

    def to_corner(self, p: np.ndarray) -> np.ndarray:
        """Room-corner coordinates (0 .. L) of world points (..., 3), clamped inside."""
        lx, ly, _ = self.size
        q = np.asarray(p, np.float64) + np.array([lx / 2, ly / 2, 0.0])
        eps = 1e-4
        return np.clip(q, eps, np.array(self.size) - eps)


def alpha_for_rt60(size, alpha: np.ndarray, rt60: float) -> np.ndarray:
    """Scale ``alpha`` (6,) by one factor so that Eyring's RT60 equals ``rt60``."""
    v, s = _volume_surfaces(size)
    target = 1.0 - math.exp(-EYRING_K * v / (s.sum() * rt60))  # mean alpha
    mean = float(np.dot(s, alpha) / s.sum())
    scaled = alpha * (target / mean)
    if scaled.max() > MAX_ALPHA:  # a very short RT60: uniform is the only way to reach it
        scaled = np.full(6, min(target, MAX_ALPHA))
    return scaled


def image_rt60(size, alpha: np.ndarray, horizon: float) -> float:
    """RT60 (s) of the image-source model itself: T30 (Schroeder backward integration of
    the image energy from -5 to -35 dB, extrapolated to 60 dB) for a source and a receiver
    at generic inner points (30 % and 60 % of each dimension), up to ``horizon`` s."""
    size_a = np.asarray(size, np.float64)
    hist = np.zeros((1, max(int(horizon / ENERGY_BIN), 8)))
    beta = np.sqrt(1.0 - np.asarray(alpha, np.float64))
    one = np.ones((2, 1))  # one tap per image: a histogram
    ism_taps(hist, 0.31 * size_a, (0.62 * size_a)[None, :], np.array([[1.0, 0.0, 0.0]]), 1.0,
             size_a, beta, 0.0, 343.0 * horizon, 1.0 / ENERGY_BIN, 343.0, one, one, 0.0, False,
             0.0, True)
    return schroeder_rt60(hist[0], ENERGY_BIN, -5.0, -35.0)


def schroeder_rt60(energy: np.ndarray, dt: float, lo_db: float = -5.0,
                   hi_db: float = -25.0) -> float:
    """RT60 from an energy envelope (bins of ``dt`` s) by Schroeder backward integration
    and a least-squares line between ``lo_db`` and ``hi_db`` (inf if it never decays)."""
    e = np.cumsum(energy[::-1])[::-1]
    if e[0] <= 0:
        return 0.0
    db = 10.0 * np.log10(np.maximum(e / e[0], 1e-30))
    sel = (db <= lo_db) & (db >= hi_db)
    if np.count_nonzero(sel) < 3:
        return math.inf
    t = np.arange(e.shape[0])[sel] * dt
    slope = np.polyfit(t, db[sel], 1)[0]
    return -60.0 / slope if slope < 0 else math.inf


@functools.lru_cache(maxsize=64)
def calibrate_alpha(size: tuple[float, float, float], alpha: tuple[float, ...],
                    rt60: float) -> tuple[np.ndarray, float]:
    """Absorption (6,) scaled by one factor so that the image-source model's own RT60
    (:func:`image_rt60`) meets ``rt60``; returns it with the RT60 it realises.

    Start from Eyring's law (:func:`alpha_for_rt60`), then a secant search on
    log(scale) vs log(RT60): a specular shoebox decays non-exponentially (sound running
    along the longest axis meets the fewest walls), more slowly than Eyring says, by 10 to
    50 % at typical absorptions; the search compensates that."""
    base = np.asarray(alpha, np.float64)
    _, areas = _volume_surfaces(size)
    if base.max() > UNEVEN_RATIO * float(np.dot(areas, base) / areas.sum()):
        # one surface far more absorbent than the rest (a carpet): proportional scaling
        # would cap it long before the others absorb enough (see below), go uniform at once
        return _calibrate(size, np.full(6, float(np.mean(base))), rt60)
    found, realised_rt60 = _calibrate(size, base, rt60)
    if abs(math.log(realised_rt60 / rt60)) > UNIFORM_FALLBACK:
        # one very absorbent surface (a carpet) caps at MAX_ALPHA before the others absorb
        # enough; sound running parallel to it never decays: spread the absorption evenly
        found, realised_rt60 = _calibrate(size, np.full(6, float(np.mean(alpha))), rt60)
    return found, realised_rt60


def _calibrate(size, base: np.ndarray, rt60: float) -> tuple[np.ndarray, float]:
    first = alpha_for_rt60(size, base, rt60)
    scale0 = float(first[0] / base[0])

    def realised(log_scale: float) -> tuple[np.ndarray, float]:
        a = np.clip(base * math.exp(log_scale), 1e-4, MAX_ALPHA)
        return a, image_rt60(size, a, CALIBRATION_HORIZON * rt60)

    x0 = math.log(scale0)
    a0, t0 = realised(x0)
    x1 = x0 + math.log(max(min(t0 / rt60, 4.0), 0.25))  # RT60 ∝ 1/alpha, roughly
    a1, t1 = realised(x1)
    best = min(((abs(math.log(t / rt60)), a, t) for a, t in ((a0, t0), (a1, t1))),
               key=lambda v: v[0])
    for _ in range(CALIBRATION_STEPS):
        if abs(math.log(t1 / rt60)) < CALIBRATION_TOLERANCE or not math.isfinite(t1):
            break
        den = math.log(t1) - math.log(t0)
        x2 = x1 - 0.5 if den == 0 else x1 - (math.log(t1) - math.log(rt60)) * (x1 - x0) / den
        x0, t0 = x1, t1
        x1 = min(x2, math.log(MAX_ALPHA / base.max()))
        a1, t1 = realised(x1)
        if math.isfinite(t1) and abs(math.log(t1 / rt60)) < best[0]:
            best = (abs(math.log(t1 / rt60)), a1, t1)
    return best[1], float(best[2])


def below_mode_gain(freqs: np.ndarray, lowest_mode: float) -> np.ndarray:
    """Gain of the image-source reflections by frequency: 0 at DC rising as a raised cosine
    to 1 at the room's lowest axial mode. A frequency-independent image model gives DC a
    gain of Σ taps (hundreds in a reverberant room) where a real room has no resonance below
    its lowest mode; Allen & Berkley high-pass their responses for the same reason."""
    return np.where(freqs < lowest_mode, 0.5 - 0.5 * np.cos(np.pi * freqs / lowest_mode), 1.0)


def air_coefficient(fs: float, c: float) -> float:
    """``coef`` of :func:`air_smooth`: Gaussian sigma in samples = coef * sqrt(delay in samples)."""
    a_per_sample = AIR_A_DB * math.log(10.0) / 20.0 * c / fs  # a (s^2) per sample of delay
    return fs * math.sqrt(2.0 * a_per_sample) / (2.0 * math.pi)


def air_sigma(distance: float, fs: float) -> float:
    """Standard deviation (samples) of the air-absorption Gaussian after ``distance`` m."""
    a = AIR_A_DB * math.log(10.0) / 20.0 * distance
    return fs * math.sqrt(2.0 * a) / (2.0 * math.pi)


def reflections_ir(room: Room, source: np.ndarray, mics: np.ndarray, axes: np.ndarray,
                   pattern: float, fs: float, c: float, length: int, *,
                   include_direct: bool = False, delay_offset: float = 0.0,
                   air: bool = True, min_dist: float = 0.0,
                   max_dist: float | None = None) -> np.ndarray:
    """Impulse response (C, length) from ``source`` to capsules ``mics`` (C, 3), world.

    Sample ``k`` is ``k / fs`` s after emission (plus ``delay_offset`` samples); the value is
    the pressure re. the source's pressure at 1 m. Without ``include_direct`` the direct
    path is left out (rendered separately, with Doppler). Every image at a distance in
    ``(min_dist, max_dist]`` is included (default: all that arrive within ``length``).
    """
    out = np.zeros((mics.shape[0], int(length)), np.float64)
    if max_dist is None:
        max_dist = c * length / fs
    ism_taps(out, np.ascontiguousarray(room.to_corner(source)),
             np.ascontiguousarray(room.to_corner(mics)), np.ascontiguousarray(axes, np.float64),
             float(pattern), np.asarray(room.size, np.float64), room.beta, float(min_dist),
             float(max_dist), float(fs), float(c), table(EARLY_HALF_WIDTH),
             table(LATE_HALF_WIDTH), _early_distance(source, mics, c), not include_direct,
             float(delay_offset), False)
    if not air:
        return out
    smoothed = np.zeros_like(out)
    air_smooth(smoothed, out, air_coefficient(fs, c))
    return smoothed


def near_images(room: Room, source: np.ndarray, mics: np.ndarray, max_dist: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The image sources (reflections only) of ``source`` within ``max_dist`` of capsules
    ``mics`` (C, 3), world, as affine maps of the source position in room-corner coordinates.

    Image ``(n, q)`` of a point ``p`` is ``sign * p + shift`` per axis with
    ``sign = 1 - 2 q`` and ``shift = 2 n L``: applied point by point to a source's path it
    gives the image's path (a mirror is an isometry, so the image moves as fast as the
    source, in a mirrored direction). Returns ``sign`` (M, 3), ``shift`` (M, 3), ``gain``
    (M,) = prod(beta^reflections) and ``near`` (M, C) bool: image m is within ``max_dist``
    of capsule c. Distances are computed as :func:`ism_taps` computes them (same
    expressions), so ``near`` and ``ism_taps(min_dist=max_dist)`` split the images of each
    capsule into two disjoint sets that together hold all of them.
    """
    size = np.asarray(room.size, np.float64)
    src = room.to_corner(source)
    mic = room.to_corner(mics)
    beta = room.beta
    axes = []
    for i in range(3):
        n_max = int(max_dist / (2.0 * size[i])) + 1
        n = np.repeat(np.arange(-n_max, n_max + 1), 2)
        q = np.tile(np.arange(2), 2 * n_max + 1)
        sign = 1.0 - 2.0 * q
        coord = 2.0 * n * size[i] + sign * src[i]  # as ism_taps writes it
        gain = beta[2 * i] ** np.abs(n - q) * beta[2 * i + 1] ** np.abs(n)
        axes.append((n, q, sign, coord, gain))
    (nx, qx, sx, x, gx), (ny, qy, sy, y, gy), (nz, qz, sz, z, gz) = axes
    ix, iy, iz = (a.ravel() for a in np.meshgrid(np.arange(len(x)), np.arange(len(y)),
                                                 np.arange(len(z)), indexing="ij"))
    dx = x[ix][:, None] - mic[None, :, 0]
    dy = y[iy][:, None] - mic[None, :, 1]
    dz = z[iz][:, None] - mic[None, :, 2]
    r = np.sqrt(dx * dx + dy * dy + dz * dz)
    direct = (nx[ix] == 0) & (ny[iy] == 0) & (nz[iz] == 0) & (qx[ix] == 0) & (qy[iy] == 0) \
        & (qz[iz] == 0)
    near = (r <= max_dist) & ~direct[:, None]
    keep = near.any(axis=1)
    sign = np.column_stack([sx[ix], sy[iy], sz[iz]])[keep]
    shift = (2.0 * np.column_stack([nx[ix], ny[iy], nz[iz]]) * size)[keep]
    gain = (gx[ix] * gy[iy] * gz[iz])[keep]
    return sign, shift, gain, near[keep]


def _early_distance(source, mics, c) -> float:
    return float(np.max(np.linalg.norm(mics - source, axis=1))) + c * EARLY_SECONDS


def ground_beta(ground_material: str) -> float:
    return math.sqrt(1.0 - material(ground_material).absorption)


def mirror_z(points: np.ndarray) -> np.ndarray:
    """Image of world points in the ground plane z = 0."""
    out = np.array(points, np.float64, copy=True)
    out[..., 2] *= -1.0
    return out
