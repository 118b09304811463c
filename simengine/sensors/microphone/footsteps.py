"""Footsteps: the heel strikes of a walking pedestrian, timed by its gait, shaped by the surface.

**When.** A pedestrian's gait phase advances with the distance walked, phase = phase0 +
travelled / stride (:mod:`simengine.physics.actors`, the phase its mesh is posed with); the
right heel strikes at phase 0 and the left at 0.5 (:mod:`simengine.assets.generators.gait`),
so a strike happens whenever 2 x phase crosses an integer. The strike time is found on the
physics steps' grid of the actor's exact motion, linearly between steps (exact at a
constant speed).

**What.** A heel strike is a short broadband transient (the heel's impact on the surface:
Gaussian noise under an exponential decay, band-passed) plus a low thump (the body's weight
landing: a damped sinusoid), then a softer toe slap ``TOE_DELAY_S`` later. Its loudness is
the surface's ``lafmax_dba``: the A-weighted, Fast time-weighted (125 ms) maximum level at
1 m of one step, what a sound level meter shows for it. Each step is scaled so that its
own LAFmax (:func:`lafmax_db`: the A-weighted pressure squared through the Fast one-pole
average, its maximum) is the surface's, varied by a Gaussian of ``LEVEL_STD_DB``; the test
measures it with an independent detector built from scipy's filter design.

**Surfaces** (the material underfoot: the scene's ground or room floor): hard (asphalt,
concrete, brick, stone-like, metal, glass: a sharp click), wood (a hollow, lower thump),
soft (grass, fabric and carpet: muffled and about 15 dB quieter). Levels are orientation
figures for hard-soled shoes: walking noise measured in the room is 50-65 dB(A) on hard
floors and 15-20 dB lower on carpet (EN 16205 laboratory walking-noise work, PTB; see
docs/references.md#footsteps); the spectral shapes are ours.

Random draws: per step a fixed number of normals (its noise and its level), so a scene
draws the same count for the same motion whatever is audible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...dsp import P_REF
from .levels import a_weighted

TOE_DELAY_S = 0.06
TOE_GAIN = 0.35  # toe slap amplitude / heel's
STEP_SECONDS = 0.12  # length of one step's sound (heel + toe, decayed by then)
LEVEL_STD_DB = 2.0
FAST_TAU_S = 0.125  # IEC 61672-1 "Fast" exponential time weighting


@dataclass(frozen=True)
class Surface:
    lafmax_dba: float  # one step at 1 m, A-weighted Fast maximum
    band_hz: tuple[float, float]  # heel transient's band
    decay_s: float  # heel transient's time constant
    thump_hz: float
    thump_decay_s: float
    thump_gain: float  # thump amplitude / heel transient's RMS at the start


SURFACES = {
    "hard": Surface(58.0, (300.0, 7000.0), 0.006, 90.0, 0.015, 0.6),
    "wood": Surface(55.0, (150.0, 4000.0), 0.010, 140.0, 0.030, 1.2),
    "soft": Surface(42.0, (80.0, 1200.0), 0.012, 70.0, 0.020, 0.8),
}
SURFACE_OF_MATERIAL = {"wood": "wood", "cardboard": "wood", "grass": "soft", "fabric": "soft"}


def surface_of(material: str) -> Surface:
    return SURFACES[SURFACE_OF_MATERIAL.get(material, "hard")]


def strike_times(cycle: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Times (s) at which a heel strikes: twice the gait ``cycle`` (phase0 + travelled /
    stride, unwrapped, non-decreasing, at ``times``) crosses an integer."""
    half_cycles = 2.0 * np.asarray(cycle, np.float64)
    k = np.floor(half_cycles)
    idx = np.nonzero(np.diff(k) > 0)[0]
    out = []
    for i in idx:  # one strike per crossing (a grid step never spans two at walking speeds)
        target = k[i + 1]
        a, b = half_cycles[i], half_cycles[i + 1]
        w = (target - a) / (b - a) if b > a else 0.0
        out.append(times[i] + w * (times[i + 1] - times[i]))
    return np.asarray(out, np.float64)


def step_shape(surface: Surface, noise: np.ndarray, fs: float) -> np.ndarray:
    """One step's dry pressure shape (unscaled), ``noise`` the step's white noise."""
    from scipy.signal import butter, sosfilt

    n = noise.shape[0]
    t = np.arange(n) / fs
    hi = min(surface.band_hz[1], 0.45 * fs)
    sos = butter(2, [surface.band_hz[0], hi], btype="bandpass", fs=fs, output="sos")
    heel = sosfilt(sos, noise * np.exp(-t / surface.decay_s))
    heel /= max(float(np.sqrt(np.mean(heel[: max(1, round(surface.decay_s * fs))] ** 2))),
                1e-30)
    thump = surface.thump_gain * np.sin(2 * np.pi * surface.thump_hz * t) \
        * np.exp(-t / surface.thump_decay_s)
    x = heel + thump
    k = round(TOE_DELAY_S * fs)
    if k < n:
        x[k:] += TOE_GAIN * x[: n - k]
    return x


def lafmax_db(x: np.ndarray, fs: float) -> float:
    """A-weighted Fast maximum level (dB) of a transient ``x`` (Pa) that starts from
    silence: the A-weighted p^2 through the one-pole average of time constant FAST_TAU_S
    (IEC 61672-1), over ``x`` and as long again of silence after it."""
    from scipy.signal import lfilter

    padded = np.concatenate([x, np.zeros(x.shape[0])])
    a = math.exp(-1.0 / (FAST_TAU_S * fs))
    env = lfilter([1.0 - a], [1.0, -a], a_weighted(padded, fs) ** 2)
    peak = float(env.max())
    return 10.0 * math.log10(peak / P_REF**2) if peak > 0 else -100.0


def footsteps(times: np.ndarray, surface: Surface, fs: float, n: int,
              rng: np.random.Generator) -> np.ndarray:
    """Dry signal (Pa at 1 m, ``n`` samples from t = 0) of heel strikes at ``times`` (s)."""
    out = np.zeros(n, np.float64)
    length = round(STEP_SECONDS * fs)
    for t in times:
        noise = rng.standard_normal(length)
        jitter_db = float(rng.standard_normal()) * LEVEL_STD_DB
        shape = step_shape(surface, noise, fs)
        own = lafmax_db(shape, fs)
        gain = 10.0 ** ((surface.lafmax_dba + jitter_db - own) / 20.0) if own > -90 else 0.0
        k0 = round(t * fs)
        if k0 >= n or k0 + length <= 0:
            continue
        a, b = max(k0, 0), min(k0 + length, n)
        out[a:b] += gain * shape[a - k0:b - k0]
    return out
