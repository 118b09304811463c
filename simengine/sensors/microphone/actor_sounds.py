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

The actor's path is its exact kinematic motion (:class:`~simengine.physics.actors.Actor`),
sampled every ``PATH_GRID_S`` s (the propagation interpolates linearly in between). A cyclist
makes no sound here (its freewheel and tyres are far below the traffic around it).
Random draws: one seed per sounding actor, in object order, from the array's generator; the
actor's own draws come from a generator seeded by it, so what one actor draws never shifts
another's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...instance.records import ObjectInstance
from .footsteps import footsteps, strike_times, surface_of

VEHICLES = ("sedan", "suv", "van", "truck", "bus")
WALKERS = ("pedestrian",)
VEHICLE_SOURCE_HEIGHT = 0.05  # m, CNOSSOS-EU's road source height
FOOT_HEIGHT = 0.02  # m above the sole
PATH_GRID_S = 1e-3


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


def actor_sound(obj: ObjectInstance, surface_material: str, fs: float, n: int,
                rng: np.random.Generator) -> ActorSound:
    """The sound of actor ``obj`` over ``n`` samples at ``fs``, walking or driving on
    ``surface_material``."""
    from ...physics.actors import Actor

    actor = Actor(obj)
    grid = np.arange(0.0, n / fs + 2 * PATH_GRID_S, PATH_GRID_S)
    states = [actor.path.at(float(t)) for t in grid]
    xy = np.array([s.xy for s in states], np.float64)
    travelled = np.array([s.travelled for s in states], np.float64)
    if obj.generator in VEHICLES:
        from .traffic import CATEGORY, vehicle_noise

        speeds = np.array([np.hypot(*s.velocity) for s in states], np.float64)
        x = vehicle_noise(CATEGORY[obj.generator], speeds, PATH_GRID_S, fs, n, rng)
        z = obj.position[2] + VEHICLE_SOURCE_HEIGHT
    else:
        phase0 = float(obj.params["gait_phase"])
        times = strike_times(travelled, grid, phase0, actor.stride)
        x = footsteps(times, surface_of(surface_material), fs, n, rng)
        z = obj.position[2] + FOOT_HEIGHT
    points = np.column_stack([xy, np.full(len(grid), z)])
    return ActorSound(obj.instance_id, obj.class_id, x, np.ascontiguousarray(points),
                      PATH_GRID_S)
