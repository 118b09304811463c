"""What a microphone array needs from the scene, and the labels it writes per sample.

:class:`AcousticScene` gathers the room, the outdoor ground reflection, the resolved sound
sources, the ambient noise and the class ids, all from a :class:`SceneInstance`.

Source labels (``audio/<array>/sources/...``) have a fixed capacity ``S = max_events +
number of scene sources`` with a ``count``: impacts, sliding/rolling contacts and scene
sources compete for the slots by peak level (the loudest are kept), listed by onset.
Every value comes from the simulation, none from the waveform:

- ``onset``: when the first sample of the source reaches the array's reference point (its
  origin) along the direct path (s since the start of the window), from the emission time
  and the exact propagation delay (moving source and array included);
- ``offset``: when the last sample of the dry source reaches it (clipped to the window);
- ``kind``: 0 impact, 1 sliding/rolling contact, 2 scene source, 3 actor (a vehicle's
  rolling and propulsion noise, a pedestrian's footsteps); -1 padding;
- ``instance_a/b``, ``class_a/b``, ``material_a/b``: the two bodies of a contact (environment:
  instance 0, class ``ground`` for contacts on the z = 0 floor, else ``wall``); a scene
  source has its followed object (0: fixed) and its sound class in ``class_a``; an actor
  its instance and class in ``instance_a``/``class_a`` and the surface it is on in
  ``material_b``;
- ``peak_db_spl``: peak of the source's sound at the capsules (all paths), dB re 20 µPa;
- ``leq_db_spl`` / ``laeq_db``: its equivalent level, unweighted and A-weighted
  (:mod:`.levels`), at the capsules from onset to offset (energy mean of the channels);
- ``azimuth``/``elevation`` (rad) and ``distance`` (m): the source's position at emission of
  the onset in the array frame at the onset (x forward, y left, z up; azimuth from x
  towards y, elevation above the x-y plane).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..base import OutputSpec
from .actor_sounds import sounding
from .room import Room, ground_beta

KIND_IMPACT, KIND_CONTACT, KIND_SCENE, KIND_ACTOR = 0, 1, 2, 3
GROUND_Z = 0.02  # m: environment contacts below this are on the floor/ground


@dataclass(frozen=True)
class AcousticScene:
    room: Room | None
    ground_beta: float | None  # outdoor ground reflection coefficient; None: free field
    sources: tuple[dict[str, Any], ...] = ()
    ambient: dict[str, Any] | None = None
    object_classes: tuple[int, ...] = ()
    source_classes: tuple[int, ...] = ()
    ground_class: int = 1
    wall_class: int = 2
    clip_files: dict[str, str] | None = None  # clip name -> file (SceneInstance.clip_files)
    actors: tuple[Any, ...] = ()  # ObjectInstance of every sounding actor (.actor_sounds)
    object_restitution: tuple[float, ...] = ()  # per object (instance id - 1)
    surface: str = "concrete"  # material underfoot: the ground's or the room floor's

    @classmethod
    def from_instance(cls, instance, classes: tuple[str, ...]) -> AcousticScene:
        audio = instance.extra.get("audio", {}) if instance.extra else {}
        room = Room.from_instance(instance.room) if instance.room is not None else None
        beta = None
        if room is None and instance.ground is not None and audio.get("ground_reflection", True):
            beta = ground_beta(instance.ground["material"])
        sources = tuple(audio.get("sources", ()))
        surface = (instance.room["floor_material"] if instance.room is not None
                   else instance.ground["material"] if instance.ground is not None
                   else "concrete")
        return cls(room=room, ground_beta=beta, sources=sources, ambient=audio.get("ambient"),
                   actors=tuple(o for o in instance.objects if sounding(o)), surface=surface,
                   object_classes=tuple(o.class_id for o in instance.objects),
                   object_restitution=tuple(float(o.restitution) for o in instance.objects),
                   source_classes=tuple(classes.index(s["class"]) for s in sources),
                   ground_class=classes.index("ground"), wall_class=classes.index("wall"),
                   clip_files=dict(getattr(instance, "clip_files", {}) or {}))

    def pair_restitution(self, instance_a: int, instance_b: int) -> float | None:
        """The restitution PyBullet gives a contact: the product of the two bodies' (the
        environment's is 1.0, physics/bodies.py); None when an object is unknown."""
        e = 1.0
        for i in (instance_a, instance_b):
            if i > 0:
                if i > len(self.object_restitution):
                    return None
                e *= self.object_restitution[i - 1]
        return e

    def contact_class(self, instance_id: int, z: float) -> int:
        if instance_id > 0:  # -1 when the object is unknown (events built without a scene)
            return (self.object_classes[instance_id - 1]
                    if instance_id <= len(self.object_classes) else -1)
        return self.ground_class if z < GROUND_Z else self.wall_class


@dataclass
class SourceLabel:
    kind: int
    onset: float
    offset: float
    instance: tuple[int, int]
    classes: tuple[int, int]
    materials: tuple[int, int]
    scene_source: int
    peak: float  # Pa
    position: np.ndarray  # world, m
    direction: np.ndarray  # array frame, m (not normalised)
    leq: float = 0.0  # dB SPL at the capsules over onset..offset (energy mean of channels)
    laeq: float = 0.0  # the same, A-weighted (dB(A))


LABELS = {  # name: (shape per slot, dtype, fill, unit, doc)
    "kind": ((), "int8", -1, "", "0 impact, 1 sliding/rolling contact, 2 scene source, "
             "3 actor (vehicle noise, footsteps)"),
    "onset": ((), "float64", 0, "s", "direct-path arrival at the array origin"),
    "offset": ((), "float64", 0, "s", "arrival of the end of the dry source"),
    "instance_a": ((), "int32", -1, "", "object index + 1; 0 = environment or fixed"),
    "instance_b": ((), "int32", -1, "", "second body of a contact, -1 otherwise"),
    "class_a": ((), "int32", -1, "", "class id (root attr classes)"),
    "class_b": ((), "int32", -1, "", "class id of the second body, -1 otherwise"),
    "material_a": ((), "int32", -1, "", "material id, -1 for scene sources"),
    "material_b": ((), "int32", -1, "", "material id, -1 for scene sources"),
    "scene_source": ((), "int32", -1, "", "index into the scene's audio.sources"),
    "peak_db_spl": ((), "float32", 0, "dB SPL", "peak at the capsules, re 20 µPa"),
    "leq_db_spl": ((), "float32", 0, "dB SPL", "equivalent level at the capsules from onset "
                   "to offset (energy mean of the channels, all paths), re 20 µPa"),
    "laeq_db": ((), "float32", 0, "dB(A)", "A-weighted (IEC 61672-1) equivalent level at "
                "the capsules from onset to offset"),
    "azimuth": ((), "float64", 0, "rad", "array frame, from x towards y"),
    "elevation": ((), "float64", 0, "rad", "array frame, above the x-y plane"),
    "distance": ((), "float64", 0, "m", "from the array origin at the onset"),
    "position": ((3,), "float64", 0, "m", "world, at emission of the onset"),
}


def label_specs(capacity: int, channels: int) -> dict[str, OutputSpec]:
    out = {"sources/count": OutputSpec((), "int32", doc="sources listed")}
    for key, (shape, dtype, fill, unit, doc) in LABELS.items():
        out[f"sources/{key}"] = OutputSpec((capacity, *shape), dtype, fill=fill, unit=unit,
                                           doc=doc)
    out["rt60"] = OutputSpec((), "float64", unit="s",
                             doc="room reverberation time realised (Eyring); 0 outdoors")
    out["snr_db"] = OutputSpec((), "float64", unit="dB",
                               doc="clean sound / (ambient + self-noise) power, all channels, "
                                   "before capsule mismatch and converter; NaN if silent")
    out["leq_db_spl"] = OutputSpec((channels,), "float32", unit="dB SPL",
                                   doc="equivalent level of each channel's waveform over the "
                                       "sample, re 20 µPa")
    out["laeq_db"] = OutputSpec((channels,), "float32", unit="dB(A)",
                                doc="A-weighted (IEC 61672-1) equivalent level of each "
                                    "channel's waveform over the sample")
    out["channel_gain_db"] = OutputSpec((channels,), "float32", unit="dB",
                                        doc="drawn capsule gain mismatch")
    out["channel_phase_deg"] = OutputSpec((channels,), "float32", unit="deg",
                                          doc="drawn capsule phase mismatch")
    return out


def fill_labels(labels: list[SourceLabel], capacity: int, channels: int
                ) -> dict[str, np.ndarray]:
    specs = label_specs(capacity, channels)
    out = {k: np.full(s.shape, s.fill, s.dtype) for k, s in specs.items()}
    keep = sorted(sorted(labels, key=lambda s: -s.peak)[:capacity], key=lambda s: s.onset)
    out["sources/count"][...] = len(keep)
    for i, s in enumerate(keep):
        d = s.direction
        row = {"kind": s.kind, "onset": s.onset, "offset": s.offset,
               "instance_a": s.instance[0], "instance_b": s.instance[1],
               "class_a": s.classes[0], "class_b": s.classes[1],
               "material_a": s.materials[0], "material_b": s.materials[1],
               "scene_source": s.scene_source,
               "peak_db_spl": 20 * math.log10(s.peak / 20e-6) if s.peak > 0 else -np.inf,
               "leq_db_spl": s.leq, "laeq_db": s.laeq,
               "azimuth": math.atan2(d[1], d[0]),
               "elevation": math.atan2(d[2], math.hypot(d[0], d[1])),
               "distance": float(np.linalg.norm(d)), "position": s.position}
        for key, value in row.items():
            out[f"sources/{key}"][i] = value
    return out
