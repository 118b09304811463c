"""Contact events recorded during simulation, the input of impact audio and event labels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ContactEvent:
    """One impact between two bodies, at the first simulation step of a new contact.

    ``time`` is seconds since the start of the recording window (after ``settle_time``);
    ``instance_a``/``instance_b`` are instance ids (object index + 1; 0 = environment such as
    the ground or a room wall); ``impulse`` is the total normal impulse (N·s) of the pair over
    that step; ``normal`` points from b to a (PyBullet's contactNormalOnB).
    ``speed`` is the relative normal speed (m/s) just before contact.
    """

    time: float
    instance_a: int
    instance_b: int
    material_a: str
    material_b: str
    size_a: float  # characteristic size (m): largest bounding-box extent, environment: 1.0
    size_b: float
    position: tuple[float, float, float]
    normal: tuple[float, float, float]
    impulse: float
    speed: float


@dataclass(frozen=True, eq=False)
class SlideEpisode:
    """A sustained contact whose bodies slide or roll over each other (scraping, rolling).

    One row per simulation step of the episode: ``times`` (K,) s since the start of the
    recording window, ``force`` (K,) total normal force (N), ``speed`` (K,) tangential
    relative speed of the two bodies' centres of mass (m/s; sliding and rolling alike),
    ``position`` (K, 3) contact point (world, m). Instances, materials and sizes as in
    :class:`ContactEvent`.
    """

    instance_a: int
    instance_b: int
    material_a: str
    material_b: str
    size_a: float
    size_b: float
    times: np.ndarray
    force: np.ndarray
    speed: np.ndarray
    position: np.ndarray


@dataclass(frozen=True, eq=False)
class ActorTrack:
    """A kinematic actor's exact motion over the window, for the sounds it makes: per row
    ``times`` (T,) s, ``position`` (T, 3) of its origin (world, on the ground under its
    centre), ``speed`` (T,) m/s along its path and ``cycle`` (T,) its gait or crank cycles
    (the mesh's phase parameter plus distance / metres per cycle, unwrapped), or None for
    an actor without cycles."""

    instance: int
    times: np.ndarray
    position: np.ndarray
    speed: np.ndarray
    cycle: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class Recording:
    """Everything audio needs from a simulation run: events and the window they live in.

    ``trajectories`` (T, M, 3): every object's position at ``k * trajectory_dt`` s into the
    window (k = 0 .. T - 1), for sound sources that follow objects; None when not recorded.
    ``actors``: the exact motion of every kinematic actor (vehicle noise, footsteps).
    """

    events: tuple[ContactEvent, ...]
    duration: float  # seconds of the recording window
    slides: tuple[SlideEpisode, ...] = ()
    trajectories: np.ndarray | None = None
    trajectory_dt: float = 0.0
    actors: tuple[ActorTrack, ...] = ()  # every kinematic actor, in object order


def event_arrays(events: tuple[ContactEvent, ...], capacity: int) -> dict[str, np.ndarray]:
    """Fixed-size label arrays for the strongest ``capacity`` events, in time order."""
    keep = sorted(sorted(events, key=lambda e: -e.impulse)[:capacity], key=lambda e: e.time)
    from ..materials import MATERIAL_ID

    n = len(keep)
    out = {
        "count": np.array(n, dtype=np.int32),
        "time": np.zeros(capacity, np.float64),
        "instance_a": np.zeros(capacity, np.int32),
        "instance_b": np.zeros(capacity, np.int32),
        "material_a": np.full(capacity, -1, np.int32),
        "material_b": np.full(capacity, -1, np.int32),
        "position": np.zeros((capacity, 3), np.float64),
        "normal": np.zeros((capacity, 3), np.float64),
        "impulse": np.zeros(capacity, np.float64),
        "speed": np.zeros(capacity, np.float64),
    }
    for i, e in enumerate(keep):
        out["time"][i] = e.time
        out["instance_a"][i], out["instance_b"][i] = e.instance_a, e.instance_b
        out["material_a"][i] = MATERIAL_ID[e.material_a]
        out["material_b"][i] = MATERIAL_ID[e.material_b]
        out["position"][i], out["normal"][i] = e.position, e.normal
        out["impulse"][i], out["speed"][i] = e.impulse, e.speed
    return out
