"""Microphone array: impact sounds of contact events, heard by each capsule in free field.

Model (basic: free field, no reflections, no occlusion, omnidirectional capsules):

1. **Source.** Every :class:`~simengine.physics.events.ContactEvent` is a point source at
   ``event.position`` that starts emitting at ``event.time``. Each of the two bodies rings
   with its own material's modes (modal synthesis, as in ThreeDWorld's PyImpact):
   ``p(t) = PA_PER_NS * J * sum_k a_k exp(-t/tau_k) sin(2 pi f_k t) / sum_k a_k`` at 1 m, with
   ``J`` the impulse (N·s), ``f_k = f0_hz * ratio_k * (0.1 / size)`` and ``tau_k``, ``a_k``
   from :mod:`simengine.materials`. Modes at or above ``MAX_MODE_FRACTION * sample_rate``
   are dropped (they would alias). The event's pressure is ``BODY_SHARE`` times the sum of
   the two bodies' ringing plus a short click (below); it lasts
   ``min(DECAY_SPAN * max tau, rest of the window)``.
2. **Attack.** Sines start at phase 0, so the modal part alone has a soft onset. A real
   impact is a contact of well under a millisecond, i.e. a broadband transient; it is
   modelled by a Gaussian noise burst of ``CLICK_LENGTH`` seconds with an exponential
   envelope of time constant ``CLICK_DECAY`` and an initial RMS of
   ``CLICK_GAIN * PA_PER_NS * J``. That transient is what onset detectors and GCC-PHAT lock on.
3. **Propagation.** Capsule ``c`` sits at ``position + R(orientation) @ positions[c]``
   (array body frame, x forward, z up). It receives the source delayed by exactly
   ``event.time + r / speed_of_sound`` (a fractional delay, rendered at the sample rate with
   a Blackman-windowed sinc of ``2 * SINC_HALF_WIDTH`` taps) and scaled by ``1 / r``
   (spherical spreading, ``r`` clamped to ``MIN_DISTANCE``).
4. **Self-noise.** White Gaussian noise of RMS ``20e-6 * 10**(self_noise_db_spl / 20)`` Pa,
   independent per channel.

Randomness comes only from the ``rng`` given to :meth:`MicrophoneArray.observe`, drawn in a
fixed order: one click per event (in event order, whether or not it is audible), then the
noise of all channels as one ``(C, N)`` block. The waveform is in pascals, float32.

Constants and why:

- ``PA_PER_NS = 2.0`` Pa at 1 m per N·s. A 50 g object falling 0.5 m hits with
  ``J ≈ 0.2`` N·s, giving ≈ 0.4 Pa (86 dB SPL peak) at 1 m, in the range measured for
  small hard objects dropped on a table (70-90 dB peak at 1 m).
- ``BODY_SHARE = 0.5``: both bodies receive the same impulse; without a mobility model
  they radiate equally, so the pair is the mean of the two ringings.
- ``CLICK_LENGTH = 1.5e-3`` s, ``CLICK_DECAY = 0.3e-3`` s, ``CLICK_GAIN = 0.5``: contact
  times of hard impacts are 0.1-1 ms, so the transient is short and broadband; half the
  modal amplitude keeps it audible without masking the material's ringing.
- ``DECAY_SPAN = 5`` time constants: the ringing is then 43 dB down (e^-5).
- ``MAX_MODE_FRACTION = 0.45``: keeps modes clear of Nyquist and of the interpolator's
  transition band.
- ``MIN_DISTANCE = 0.05`` m: a capsule's own size; avoids the 1/r singularity.
- ``SINC_HALF_WIDTH = 16`` taps each side: sub-sample delay errors far below one sample
  (what GCC-PHAT localisation needs) for 2 ms of look-ahead at 16 kHz.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..geometry.transforms import quat_to_matrix
from ..materials import MATERIAL_ID, Material, material
from ..physics.events import ContactEvent, Recording
from ._audio_kernels import add_delayed, add_modes
from .base import OutputSpec
from .schemas import MICROPHONE

if TYPE_CHECKING:  # annotation only: keeps this module's imports light
    from ..instance import SensorInstance

PA_PER_NS = 2.0
BODY_SHARE = 0.5
CLICK_LENGTH = 1.5e-3
CLICK_DECAY = 0.3e-3
CLICK_GAIN = 0.5
DECAY_SPAN = 5.0
MAX_MODE_FRACTION = 0.45
MIN_DISTANCE = 0.05
SINC_HALF_WIDTH = 16
REFERENCE_SIZE = 0.1  # m: the size ``f0_hz`` of the material table refers to
P_REF = 20e-6  # Pa: 0 dB SPL


def noise_rms(self_noise_db_spl: float) -> float:
    """RMS pressure (Pa) of a capsule's self-noise given in dB SPL."""
    return P_REF * 10.0 ** (float(self_noise_db_spl) / 20.0)


def _material(m: str | Material) -> Material:
    if isinstance(m, Material):
        return m
    if m not in MATERIAL_ID:
        raise ValueError(f"unknown material {m!r}; expected one of {sorted(MATERIAL_ID)}")
    return material(m)


def synthesize_impact(material: str | Material, size: float, impulse: float,
                      sample_rate: int, n: int, *,
                      rng: np.random.Generator | None = None) -> np.ndarray:
    """Pressure (Pa) at 1 m of one body of ``material`` and ``size`` struck by ``impulse``.

    This is one body at full scale (``PA_PER_NS * impulse``); an event in
    :meth:`MicrophoneArray.observe` is ``BODY_SHARE`` times the sum of its two bodies.

    Parameters
    ----------
    material : str or Material
        Name in :mod:`simengine.materials` (or the entry itself).
    size : float
        Characteristic size in m (> 0); frequencies scale as ``0.1 / size``.
    impulse : float
        Impulse in N·s (>= 0); the pressure is proportional to it.
    sample_rate : int
        Samples per second.
    n : int
        Number of samples to return (the ringing starts at sample 0).
    rng : numpy.random.Generator, optional
        If given, the impulsive click is added (drawn from ``rng``); otherwise the result is
        the deterministic modal ringing alone.

    Returns
    -------
    numpy.ndarray
        Shape (n,), float64, pascals at 1 m.
    """
    m = _material(material)
    if not (math.isfinite(size) and size > 0):
        raise ValueError(f"size: expected a positive number of metres, got {size!r}")
    if not (math.isfinite(impulse) and impulse >= 0):
        raise ValueError(f"impulse: expected a non-negative number of N·s, got {impulse!r}")
    if int(sample_rate) <= 0 or int(n) < 0:
        raise ValueError("sample_rate must be positive and n non-negative")
    out = np.zeros(int(n), np.float64)
    _add_body(out, m, float(size), PA_PER_NS * float(impulse), float(sample_rate))
    if rng is not None:
        click = _click(rng, float(impulse), int(sample_rate))
        k = min(click.shape[0], out.shape[0])
        out[:k] += click[:k]
    return out


def _add_body(out: np.ndarray, m: Material, size: float, gain: float, fs: float) -> None:
    modes = np.array(m.modes, np.float64)  # (K, 3): ratio, decay, amplitude
    freqs = m.f0_hz * modes[:, 0] * (REFERENCE_SIZE / size)
    keep = freqs < MAX_MODE_FRACTION * fs
    norm = gain / modes[:, 2].sum()
    table = np.ascontiguousarray(np.stack([freqs, modes[:, 1], modes[:, 2]], axis=1)[keep])
    add_modes(out, table, norm, fs)


def _click(rng: np.random.Generator, impulse: float, sample_rate: int) -> np.ndarray:
    n = max(1, round(CLICK_LENGTH * sample_rate))
    t = np.arange(n) / sample_rate
    return rng.standard_normal(n) * (CLICK_GAIN * PA_PER_NS * impulse) * np.exp(-t / CLICK_DECAY)


class MicrophoneArray:
    """Free-field microphone array hearing the impacts of a :class:`Recording`.

    Parameters
    ----------
    sensor : SensorInstance
        ``kind == "microphone"``; ``params`` holds ``positions`` (C × 3, array frame, m),
        ``sample_rate`` (Hz), ``self_noise_db_spl`` and ``speed_of_sound`` (m/s).
    duration : float
        Seconds of the recording window; ``N = round(duration * sample_rate)``.
    """

    kind = "microphone"

    def __init__(self, sensor: SensorInstance, duration: float) -> None:
        if sensor.kind != self.kind:
            raise ValueError(f"sensor {sensor.name!r}: expected kind 'microphone', "
                             f"got {sensor.kind!r}")
        p = {k: f.default for k, f in MICROPHONE.items() if f.default is not None}
        p.update(sensor.params)
        where = f"sensor {sensor.name!r}"
        pos = np.asarray(p.get("positions", ()), dtype=np.float64)
        if pos.ndim != 2 or pos.shape[0] < 1 or pos.shape[1] != 3 or not np.isfinite(pos).all():
            raise ValueError(f"{where}: positions: expected a list of finite 3-vectors, "
                             f"got {p.get('positions')!r}")
        self.name = sensor.name
        self.sample_rate = int(p["sample_rate"])
        self.self_noise_db_spl = float(p["self_noise_db_spl"])
        self.speed_of_sound = float(p["speed_of_sound"])
        if self.sample_rate <= 0 or not math.isfinite(self.self_noise_db_spl):
            raise ValueError(f"{where}: sample_rate must be positive, self_noise_db_spl finite")
        if not (math.isfinite(self.speed_of_sound) and self.speed_of_sound > 0):
            raise ValueError(f"{where}: speed_of_sound must be positive")
        if not (math.isfinite(duration) and duration > 0):
            raise ValueError(f"{where}: duration: expected a positive number of seconds, "
                             f"got {duration!r}")
        self.duration = float(duration)
        self.n_samples = round(self.duration * self.sample_rate)
        if self.n_samples < 1:
            raise ValueError(f"{where}: duration {duration} s holds no sample")
        R = quat_to_matrix(sensor.orientation)
        self.positions_world = np.ascontiguousarray(
            np.asarray(sensor.position, np.float64) + pos @ R.T)  # (C, 3)

    @property
    def channels(self) -> int:
        return self.positions_world.shape[0]

    def outputs(self) -> dict[str, OutputSpec]:
        """``waveform`` (C, N) float32 Pa and ``mic_positions`` (C, 3) float64 m, world."""
        c, n = self.channels, self.n_samples
        return {"waveform": OutputSpec((c, n), "float32", unit="Pa"),
                "mic_positions": OutputSpec((c, 3), "float64", unit="m", doc="world frame")}

    def arrival_times(self, position: tuple[float, float, float]) -> np.ndarray:
        """Propagation time (s) from ``position`` to each capsule, shape (C,)."""
        r = np.linalg.norm(self.positions_world - np.asarray(position, np.float64), axis=1)
        return r / self.speed_of_sound

    def observe(self, recording: Recording, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Render the window: ``waveform`` (C, N) float32 Pa, ``mic_positions`` (C, 3)."""
        if abs(recording.duration - self.duration) * self.sample_rate > 0.5:
            raise ValueError(f"sensor {self.name!r}: recording lasts {recording.duration} s, "
                             f"the sensor was built for {self.duration} s")
        fs, n = self.sample_rate, self.n_samples
        out = np.zeros((self.channels, n), np.float64)
        for i, event in enumerate(recording.events):
            _check_event(event, i)
            click = _click(rng, event.impulse, fs)  # drawn for every event: fixed rng order
            self._add_event(out, event, click)
        out += rng.standard_normal(out.shape) * noise_rms(self.self_noise_db_spl)
        return {"waveform": out.astype(np.float32),
                "mic_positions": self.positions_world.copy()}

    def _add_event(self, out: np.ndarray, e: ContactEvent, click: np.ndarray) -> None:
        fs = float(self.sample_rate)
        ma, mb = material(e.material_a), material(e.material_b)
        max_tau = max(d for _, d, _ in ma.modes + mb.modes)
        rest = self.duration - max(e.time, 0.0)
        if rest <= 0 or e.impulse == 0:
            return
        length = math.ceil(min(DECAY_SPAN * max_tau, rest) * fs) + 1
        src = np.zeros(max(length, click.shape[0]), np.float64)
        gain = BODY_SHARE * PA_PER_NS * e.impulse
        _add_body(src, ma, e.size_a, gain, fs)
        _add_body(src, mb, e.size_b, gain, fs)
        src[:click.shape[0]] += click
        r = np.linalg.norm(self.positions_world - np.asarray(e.position, np.float64), axis=1)
        r = np.maximum(r, MIN_DISTANCE)
        delays = (e.time + r / self.speed_of_sound) * fs
        add_delayed(out, src, np.ascontiguousarray(delays), 1.0 / r, SINC_HALF_WIDTH)


def _check_event(e: ContactEvent, i: int) -> None:
    where = f"recording.events[{i}]"
    vals = (e.time, e.impulse, e.size_a, e.size_b, *e.position)
    if not all(math.isfinite(float(v)) for v in vals):
        raise ValueError(f"{where}: time, impulse, sizes and position must be finite")
    if e.impulse < 0 or e.size_a <= 0 or e.size_b <= 0:
        raise ValueError(f"{where}: expected impulse >= 0 and positive sizes")
    for m in (e.material_a, e.material_b):
        if m not in MATERIAL_ID:
            raise ValueError(f"{where}: unknown material {m!r}")
