"""Dry sound sources of contact events: the pressure at 1 m of an impact (modal ringing of
both bodies plus an impulsive click) and of a sliding or rolling contact (band-limited noise
following the friction power, coloured by the bodies' ringing). Both are energy-based: an
impact radiates a fraction of the kinetic energy it dissipates (:mod:`.impact_energy`), a
slide a fraction of its friction power. The array places them in the scene (``sensor.py``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ...dsp import P_REF
from ...materials import MATERIAL_ID, Material, material
from ._kernels import add_modes
from .impact_energy import (
    CLICK_SHARE,
    MAX_MODE_FRACTION,
    body_efficiency,
    decay_times,
    dissipated_energy,
    exposure_per_joule,
    mode_table,
    radiated_energy,
)

if TYPE_CHECKING:  # annotations only
    from ...physics.events import ContactEvent, SlideEpisode

CLICK_LENGTH = 1.5e-3  # s: hard contacts last 0.1-1 ms, so the attack is short, broadband
CLICK_DECAY = 0.3e-3  # s
# Contact time of the click: Hertz contact lasts t_c ~ size for geometrically similar bodies
# (t_c ~ m^(2/5) R^(-1/5), m ~ R^3); ~0.4 ms for a 0.1 m body (a 2 cm steel ball on a plate
# stays in contact ~0.05-0.1 ms), clamped so a 1 m floor contact or a car lasts a few ms.
CONTACT_TIME_REF = 0.4e-3  # s at REFERENCE_SIZE (0.1 m)
CONTACT_TIME_MAX = 5e-3  # s
DECAY_SPAN = 5.0  # time constants of ringing kept: then 43 dB down (e^-5)
# Sliding/rolling: radiated power = SLIDE_SHARE x the pair's impact efficiency x the
# friction power SLIDE_FRICTION x F x v (the episode records the normal force F and the
# tangential speed v, not the pair's friction coefficient). Calibration in
# docs/references.md#impact-loudness-calibration.
SLIDE_FRICTION = 0.5
SLIDE_SHARE = 5e-3
SLIDE_BAND = (150.0, 6000.0)  # Hz
SLIDE_RING = 0.1  # s of modal ringing that colours a slide


def noise_rms(self_noise_db_spl: float) -> float:
    """RMS pressure (Pa) of a capsule's self-noise given in dB SPL."""
    return P_REF * 10.0 ** (float(self_noise_db_spl) / 20.0)


def _material(m: str | Material) -> Material:
    if isinstance(m, Material):
        return m
    if m not in MATERIAL_ID:
        raise ValueError(f"unknown material {m!r}; expected one of {sorted(MATERIAL_ID)}")
    return material(m)


def synthesize_impact(material: str | Material, size: float, energy: float,
                      sample_rate: int, n: int, *,
                      rng: np.random.Generator | None = None) -> np.ndarray:
    """Pressure (Pa) at 1 m of one body of ``material`` and ``size`` radiating ``energy``.

    The modal ringing carries ``(1 - CLICK_SHARE) * energy`` (over its whole, untruncated
    decay); with ``rng`` the contact click adds the remaining ``CLICK_SHARE * energy``.

    Parameters
    ----------
    material : str or Material
        Name in :mod:`simengine.materials` (or the entry itself).
    size : float
        Characteristic size in m (> 0); frequencies scale as ``0.1 / size``.
    energy : float
        Radiated sound energy in J (>= 0); the pressure grows as its square root.
    sample_rate : int
        Samples per second.
    n : int
        Number of samples to return (the ringing starts at sample 0).
    rng : numpy.random.Generator, optional
        If given, the impulsive click is added (drawn from ``rng``).

    Returns
    -------
    numpy.ndarray
        Shape (n,), float64, pascals at 1 m.
    """
    m = _material(material)
    if not (math.isfinite(size) and size > 0):
        raise ValueError(f"size: expected a positive number of metres, got {size!r}")
    if not (math.isfinite(energy) and energy >= 0):
        raise ValueError(f"energy: expected a non-negative number of joules, got {energy!r}")
    if int(sample_rate) <= 0 or int(n) < 0:
        raise ValueError("sample_rate must be positive and n non-negative")
    out = np.zeros(int(n), np.float64)
    add_body_ringing(out, m, float(size), (1.0 - CLICK_SHARE) * float(energy),
                     float(sample_rate))
    if rng is not None:
        click = scale_click(impact_click(rng, 1.0, int(sample_rate)), CLICK_SHARE * energy,
                            float(sample_rate))
        k = min(click.shape[0], out.shape[0])
        out[:k] += click[:k]
    return out


def add_body_ringing(out: np.ndarray, m: Material, size: float, energy: float,
                     fs: float, environment: bool = False) -> None:
    """Add to ``out`` (Pa at 1 m) the ringing of one body radiating ``energy`` J
    (``environment``: the ground or a wall, instance 0)."""
    add_modes(out, mode_table(m, size, energy, fs, environment), 1.0, fs)


def ring_time(m: Material, size: float, fs: float, environment: bool = False) -> float:
    """Longest decay time (s) among a body's modes below the aliasing limit (0 if none)."""
    freqs = np.array([m.f0_hz * r * 0.1 / size for r, _, _ in m.modes])
    taus = decay_times(m, size, environment)[freqs < MAX_MODE_FRACTION * fs]
    return float(taus.max()) if taus.size else 0.0


def impact_click(rng: np.random.Generator, scale: float, sample_rate: int) -> np.ndarray:
    """The contact's broadband attack: ``round(CLICK_LENGTH * sample_rate)`` Gaussian draws
    (at least one) under an exponential envelope of ``CLICK_DECAY``, times ``scale``
    (:func:`scale_click` then sets its energy)."""
    n = max(1, round(CLICK_LENGTH * sample_rate))
    t = np.arange(n) / sample_rate
    return rng.standard_normal(n) * float(scale) * np.exp(-t / CLICK_DECAY)


def contact_time(size_a: float, size_b: float) -> float:
    """Duration (s) of the contact of two bodies: that of the smaller, ``CONTACT_TIME_REF``
    per 0.1 m, within [``CLICK_DECAY``, ``CONTACT_TIME_MAX``]."""
    t = CONTACT_TIME_REF * min(size_a, size_b) / 0.1
    return min(max(t, CLICK_DECAY), CONTACT_TIME_MAX)


def shape_click(click: np.ndarray, t_contact: float, fs: float) -> np.ndarray:
    """The click smoothed over the contact time (a one-pole low-pass of time constant
    ``t_contact``, tail kept to 5 time constants): a longer contact is a duller, longer
    attack, so heavy bodies do not put their click energy into a 0.3 ms spike."""
    from scipy.signal import lfilter

    a = math.exp(-1.0 / max(t_contact * fs, 1e-9))
    padded = np.concatenate([click, np.zeros(math.ceil(5.0 * t_contact * fs))])
    return lfilter([1.0 - a], [1.0, -a], padded)


def scale_click(click: np.ndarray, energy: float, fs: float) -> np.ndarray:
    """``click`` rescaled to radiate ``energy`` J (Pa at 1 m)."""
    have = float(np.sum(click**2)) / fs
    if have <= 0 or energy <= 0:
        return np.zeros_like(click)
    return click * math.sqrt(energy * exposure_per_joule() / have)


def impact_budget(e: ContactEvent, restitution: float | None = None) -> float:
    """Sound energy (J) an impact event may radiate: its dissipated kinetic energy times the
    pair's efficiency (the mean of the two bodies', each radiating half)."""
    ea, eb = radiated_energy(dissipated_energy(e.impulse, e.speed, restitution),
                             material(e.material_a), e.size_a, material(e.material_b),
                             e.size_b, (e.instance_a == 0, e.instance_b == 0))
    return ea + eb


def impact_pressure(e: ContactEvent, click: np.ndarray, fs: float, rest: float,
                    restitution: float | None = None) -> np.ndarray | None:
    """Dry pressure (Pa at 1 m) of impact ``e``: both bodies' ringing and the ``click``
    (rescaled), together radiating at most :func:`impact_budget`; ``rest`` seconds of the
    window remain. None if the impact is silent (resting, settling) or after the window."""
    ma, mb = material(e.material_a), material(e.material_b)
    env = (e.instance_a == 0, e.instance_b == 0)
    ea, eb = radiated_energy(dissipated_energy(e.impulse, e.speed, restitution),
                             ma, e.size_a, mb, e.size_b, env)
    if rest <= 0 or ea + eb <= 0:
        return None
    ring = max(ring_time(ma, e.size_a, fs, env[0]), ring_time(mb, e.size_b, fs, env[1]))
    length = math.ceil(min(DECAY_SPAN * ring, rest) * fs) + 1
    attack = scale_click(shape_click(click, contact_time(e.size_a, e.size_b), fs),
                         CLICK_SHARE * (ea + eb), fs)
    src = np.zeros(max(length, attack.shape[0]), np.float64)
    add_body_ringing(src, ma, e.size_a, (1.0 - CLICK_SHARE) * ea, fs, env[0])
    add_body_ringing(src, mb, e.size_b, (1.0 - CLICK_SHARE) * eb, fs, env[1])
    src[:attack.shape[0]] += attack
    # The two bodies' modes (and the click) can add in phase: never radiate more than the
    # budget, whatever the interference.
    have = float(np.sum(src**2)) / fs
    allowed = (ea + eb) * exposure_per_joule()
    if have > allowed:
        src *= math.sqrt(allowed / have)
    return src


def slide_power(episode: SlideEpisode) -> np.ndarray:
    """Radiated sound power (W) at each step of a sliding/rolling contact:
    ``SLIDE_SHARE * eta * SLIDE_FRICTION * force * speed`` with ``eta`` the mean of the two
    bodies' impact efficiencies (:func:`.impact_energy.body_efficiency`): the friction power,
    of which a scrape radiates a small, material-dependent part."""
    eta = 0.5 * (body_efficiency(material(episode.material_a), episode.size_a,
                                 episode.instance_a == 0)
                 + body_efficiency(material(episode.material_b), episode.size_b,
                                   episode.instance_b == 0))
    return SLIDE_SHARE * eta * SLIDE_FRICTION * episode.force * episode.speed


def synthesize_slide(episode: SlideEpisode, fs: float, noise: np.ndarray) -> np.ndarray:
    """Pressure (Pa at 1 m) of a sliding/rolling contact: ``noise`` (white, one value per
    output sample of the episode) band-limited to ``SLIDE_BAND`` Hz, with the RMS of a
    source radiating :func:`slide_power` uniformly (``p^2 = W rho c / (4 pi)`` at 1 m),
    following the episode step by step (linear interpolation), coloured by the two bodies'
    modal ringing (normalised to unit energy, which keeps the power) so that a metal scrape
    rings like metal. A continuous excitation, not a train of clicks."""
    from scipy.signal import butter, fftconvolve, sosfilt

    n = noise.shape[0]
    if n == 0:
        return np.zeros(0)
    lo, hi = SLIDE_BAND[0], min(SLIDE_BAND[1], MAX_MODE_FRACTION * fs)
    band = sosfilt(butter(2, [lo, hi], btype="bandpass", fs=fs, output="sos"), noise)
    band /= max(float(np.sqrt(np.mean(band**2))), 1e-30)
    t = episode.times[0] + np.arange(n) / fs
    power = np.interp(t, episode.times, slide_power(episode))
    level = np.sqrt(power * exposure_per_joule())
    ring = np.zeros(max(1, round(SLIDE_RING * fs)))
    add_body_ringing(ring, material(episode.material_a), episode.size_a, 1.0, fs,
                     episode.instance_a == 0)
    add_body_ringing(ring, material(episode.material_b), episode.size_b, 1.0, fs,
                     episode.instance_b == 0)
    energy = float(np.sum(ring**2))
    x = band * level
    if energy > 0:
        x = fftconvolve(x, ring / math.sqrt(energy))[:n]
    return x
