"""Sounds of the kinematic actors: road vehicles and pedestrians' footsteps.

Every object a ``motion`` drives (:mod:`simengine.physics.actors`) whose generator makes a
sound is a moving source, rendered like any other (exact Doppler, ground image or room):

- **road vehicles** (``sedan``, ``suv``, ``van``, ``truck``, ``bus``): tyre-road rolling and
  propulsion noise of their CNOSSOS-EU category at their speed (:mod:`.traffic`), from a
  point ``VEHICLE_SOURCE_HEIGHT`` above the road under the vehicle's centre (the model's
  source height, 0.05 m);
- **pedestrians**: heel strikes at their gait's step times on the surface underfoot
  (:mod:`.footsteps`), from ``FOOT_HEIGHT`` above their feet, under their centre (the feet's
  ±0.1 m to either side are left out: at the distances a microphone array hears walkers
  from, under 0.3 dB and a few tens of microseconds).

**The carrier.** An array riding a vehicle hears that vehicle's own noise screened by its
body: the sound leaves from under the car, runs out under the sill, up the side and over
the roof edge to the capsules. The screening is the single-diffraction barrier attenuation
of ISO 9613-2 (eq. 14, the Maekawa form): ``D_z = 10 lg(3 + 20 N)`` dB with the Fresnel
number ``N = 2 delta f / c``, capped at 20 dB, applied as a zero-phase filter; ``delta``
is the detour of that path over the straight line (:func:`screening_detour`, from the
body's box and the mount position). About 13 dB at 100 Hz, 20 dB from 300 Hz up for a
roof array on a saloon.

The actor's path is its exact kinematic motion, recorded by the physics at every step
(:class:`~simengine.physics.events.ActorTrack`; the propagation interpolates linearly in
between). A cyclist
makes no sound here (its freewheel and tyres are far below the traffic around it).
Random draws: one seed per sounding actor, in object order, from the array's generator; the
actor's own draws come from a generator seeded by it, so what one actor draws never shifts
another's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .footsteps import footsteps, strike_times, surface_of

if TYPE_CHECKING:  # types only: the sensors never reach the instance layer
    from ...instance.records import ObjectInstance
    from ...physics.events import ActorTrack

VEHICLES = ("sedan", "suv", "van", "truck", "bus")
WALKERS = ("pedestrian",)
VEHICLE_SOURCE_HEIGHT = 0.05  # m, CNOSSOS-EU's road source height
FOOT_HEIGHT = 0.02  # m above the sole
MAX_SCREENING_DB = 20.0  # ISO 9613-2: single diffraction


@dataclass(frozen=True)
class ActorSound:
    """One sounding actor's dry signal (Pa at 1 m from t = 0) and where it is (K, 3) every
    ``dt`` s from 0."""

    instance: int
    class_id: int
    signal: np.ndarray
    points: np.ndarray
    dt: float


def sounding(obj: ObjectInstance) -> bool:
    return obj.motion is not None and obj.generator in VEHICLES + WALKERS


def actor_sound(obj: ObjectInstance, track: ActorTrack, surface_material: str, fs: float,
                n: int, rng: np.random.Generator) -> ActorSound:
    """The sound of actor ``obj`` moving along ``track`` (its exact motion, recorded by the
    physics) over ``n`` samples at ``fs``, walking or driving on ``surface_material``."""
    dt = float(track.times[1] - track.times[0]) if track.times.shape[0] > 1 else 1.0
    if obj.generator in VEHICLES:
        from .traffic import CATEGORY, vehicle_noise

        x = vehicle_noise(CATEGORY[obj.generator], track.speed, dt, fs, n, rng)
        lift = VEHICLE_SOURCE_HEIGHT
    else:
        times = strike_times(track.cycle, track.times)
        x = footsteps(times, surface_of(surface_material), fs, n, rng)
        lift = FOOT_HEIGHT
    points = track.position + np.array([0.0, 0.0, lift])
    return ActorSound(obj.instance_id, obj.class_id, x, np.ascontiguousarray(points), dt)


def screening_detour(size: tuple[float, float, float], mount: np.ndarray) -> float:
    """Detour (m) of the sound from under a vehicle (the body's box ``size`` = length,
    width, height, the source at its centre 0.05 m above the road) to a capsule at ``mount``
    (body frame, origin on the road under the centre): out under the sill to the side
    (half the width), up the side to the roof edge, then straight to the capsule, less the
    straight line. 0 for a capsule beside or below the body's edge."""
    half_w, height = 0.5 * float(size[1]), float(size[2])
    src = np.array([0.0, 0.0, VEHICLE_SOURCE_HEIGHT])
    m = np.asarray(mount, np.float64)
    if abs(m[1]) >= half_w or m[2] <= height:
        return 0.0
    edge = np.array([0.0, np.copysign(half_w, m[1] if m[1] != 0 else 1.0), height])
    around = half_w + (height - src[2]) + float(np.linalg.norm(m - edge))
    return max(around - float(np.linalg.norm(m - src)), 0.0)


def screened(x: np.ndarray, fs: float, detour: float, c: float) -> np.ndarray:
    """``x`` through the ISO 9613-2 barrier attenuation for a path ``detour`` (m) longer
    than the straight line (zero phase, in the frequency domain)."""
    if detour <= 0 or x.shape[0] == 0:
        return x
    freqs = np.fft.rfftfreq(x.shape[0], 1.0 / fs)
    loss_db = np.minimum(10.0 * np.log10(3.0 + 20.0 * 2.0 * detour * freqs / c),
                         MAX_SCREENING_DB)
    return np.fft.irfft(np.fft.rfft(x) * 10.0 ** (-loss_db / 20.0), x.shape[0])
