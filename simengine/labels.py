"""Per-sample labels from the simulator's ground truth: objects, events and metadata.

Variable-length things get a fixed capacity and a count: objects are padded to the scene's
maximum object count (``objects/count`` says how many are real), events to
``simulation.max_events`` (the strongest impacts are kept, listed in time order).
"""

from __future__ import annotations

import numpy as np

from .geometry.transforms import quat_to_matrix
from .instance import SceneInstance
from .json_buffer import decode_json, json_bytes, padded
from .materials import MATERIAL_ID
from .physics.events import event_arrays
from .physics.world import SimulationResult
from .sensors.base import OutputSpec
from .spec.scene import SHAPES, SceneSpec

EVENT_DOCS = {
    "count": ((), "int32", "", "events listed"),
    "time": (("E",), "float64", "s", "since the start of the recording window"),
    "instance_a": (("E",), "int32", "", "object index + 1, 0 = environment"),
    "instance_b": (("E",), "int32", "", "object index + 1, 0 = environment"),
    "material_a": (("E",), "int32", "", "material id (root attr materials), -1 = padding"),
    "material_b": (("E",), "int32", "", "material id, -1 = padding"),
    "position": (("E", 3), "float64", "m", "world"),
    "normal": (("E", 3), "float64", "", "world, from b to a"),
    "impulse": (("E",), "float64", "N s", "normal impulse of the contact step"),
    "speed": (("E",), "float64", "m/s", "relative normal speed before contact"),
}


def instance_json_capacity(spec: SceneSpec) -> int:
    """Bytes reserved for one sample's resolved scene instance (compact JSON)."""
    return (4096 + 2048 * spec.max_objects + 8192 * len(spec.sensors)
            + 1024 * len(spec.audio.sources)  # resolved sound sources (paths included)
            + sum(MOTION_POINT_BYTES * g.motion.max_points  # a moving actor's world path
                  * min(int(g.count.support()[1]), spec.max_objects)
                  for g in spec.groups if g.motion is not None)
            + sum(MOTION_POINT_BYTES * g.motion.max_points  # again in a sensor riding it
                  for s in spec.sensors for g in spec.groups if s.pose.attach == g.name))


MOTION_POINT_BYTES = 48  # "[-123.45678901234567,-123.45678901234567]," at most


def label_outputs(spec: SceneSpec) -> dict[str, OutputSpec]:
    F, M, E = len(spec.schedule.capture_times), spec.max_objects, spec.schedule.max_events
    out = {
        "objects/count": OutputSpec((), "int32", doc="objects in this sample"),
        "objects/instance_id": OutputSpec((M,), "int32", doc="index + 1; 0 = padding"),
        "objects/class_id": OutputSpec((M,), "int32", fill=-1, doc="-1 = padding"),
        "objects/shape": OutputSpec((M,), "int8", fill=-1, doc="index into root attr shapes"),
        "objects/material": OutputSpec((M,), "int32", fill=-1),
        "objects/mass": OutputSpec((M,), "float32", unit="kg", doc="0 for fixed objects"),
        "objects/size": OutputSpec((M, 3), "float32", unit="m",
                                   doc="3D box extents in the object frame"),
        "objects/box_center_local": OutputSpec((M, 3), "float32", unit="m",
                                               doc="3D box centre in the object frame"),
        "objects/position": OutputSpec((F, M, 3), "float64", unit="m", doc="world"),
        "objects/orientation": OutputSpec((F, M, 4), "float64", doc="world, xyzw"),
        "objects/linear_velocity": OutputSpec((F, M, 3), "float64", unit="m/s"),
        "objects/angular_velocity": OutputSpec((F, M, 3), "float64", unit="rad/s"),
        "objects/box3d_center": OutputSpec((F, M, 3), "float64", unit="m",
                                           doc="3D box centre, world; orientation as object"),
        "meta/time": OutputSpec((F,), "float64", unit="s", doc="capture times"),
        "meta/attempt": OutputSpec((), "int32", doc="physics attempt (blow-up retries)"),
        "meta/dropped_objects": OutputSpec((), "int32", doc="objects that found no free spot"),
        "meta/instance_json": OutputSpec((instance_json_capacity(spec),), "uint8",
                                         doc="resolved scene instance, UTF-8 JSON, 0-padded"),
    }
    for key, (dims, dtype, unit, doc) in EVENT_DOCS.items():
        shape = tuple(E if d == "E" else d for d in dims)
        fill = -1 if key.startswith("material") else 0
        out[f"events/{key}"] = OutputSpec(shape, dtype, fill=fill, unit=unit, doc=doc)
    return out


def compute_labels(spec: SceneSpec, instance: SceneInstance, result: SimulationResult
                   ) -> dict[str, np.ndarray]:
    specs = label_outputs(spec)
    out = {k: np.full(s.shape, s.fill, s.dtype) for k, s in specs.items()}
    n = len(instance.objects)
    out["objects/count"][...] = n
    for obj in instance.objects:
        i = obj.index
        out["objects/instance_id"][i] = obj.instance_id
        out["objects/class_id"][i] = obj.class_id
        out["objects/shape"][i] = SHAPES.index(obj.shape)
        out["objects/material"][i] = MATERIAL_ID[obj.material]
        out["objects/mass"][i] = 0.0 if obj.fixed else obj.mass
        out["objects/size"][i] = obj.size
        out["objects/box_center_local"][i] = obj.center
        for f, snap in enumerate(result.snapshots):
            st = snap.objects[i]
            out["objects/position"][f, i] = st.position
            out["objects/orientation"][f, i] = st.orientation
            out["objects/linear_velocity"][f, i] = st.linear_velocity
            out["objects/angular_velocity"][f, i] = st.angular_velocity
            out["objects/box3d_center"][f, i] = (quat_to_matrix(st.orientation)
                                                 @ np.asarray(obj.center) + st.position)
    out["meta/time"][:] = [s.time for s in result.snapshots]
    out["meta/attempt"][...] = instance.attempt
    out["meta/dropped_objects"][...] = instance.dropped_objects
    out["meta/instance_json"][:] = encode_instance(instance, specs["meta/instance_json"].shape[0])
    for key, value in event_arrays(result.recording.events, spec.schedule.max_events).items():
        out[f"events/{key}"][...] = value
    return out


def encode_instance(instance: SceneInstance, capacity: int) -> np.ndarray:
    data = json_bytes(instance.to_dict())
    if len(data) > capacity:
        raise RuntimeError(f"scene instance JSON is {len(data)} bytes, over the {capacity} "
                           "reserved: raise labels.instance_json_capacity")
    return padded(data, capacity)


def decode_instance(buffer: np.ndarray) -> SceneInstance:
    """The SceneInstance stored in a sample's ``meta/instance_json``."""
    return SceneInstance.from_dict(decode_json(buffer))
