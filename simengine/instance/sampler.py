"""Scene instances: a spec with every random choice resolved, for one sample.

``sample_instance(spec, root_seed, index)`` is a pure function: every draw of an instance
(objects, sensors, sound sources, light) is taken here, in one fixed order, from the
instance's one stream (``seeding.STREAM_SCENE``, the attempt number last).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from ..geometry.transforms import look_at_body, matrix_to_quat, quat_from_euler
from ..seeding import STREAM_SCENE, rng_for
from ..spec.scene import LightSpec, PoseSpec, SceneSpec
from .audio import draw_audio
from .draw import draw, draw_texture, draw_tree
from .records import ObjectInstance, SceneInstance, SensorInstance
from .spawn import draw_object


def sample_instance(spec: SceneSpec, root_seed: int, index: int, attempt: int = 0) -> SceneInstance:
    """Resolve every distribution of ``spec`` for sample ``index`` (pure, deterministic)."""
    rng = rng_for(root_seed, index, STREAM_SCENE, attempt)
    w = spec.world
    ground = None
    if w.ground is not None:
        ground = {"material": draw(w.ground.material, rng),
                  "color": draw_tree(w.ground.color, rng),
                  "texture": draw_texture(w.ground.texture, rng)}
    room = None
    if w.room is not None:
        room = {"size": draw_tree(w.room.size, rng),
                "wall_material": draw(w.room.wall_material, rng),
                "floor_material": draw(w.room.floor_material, rng),
                "ceiling_material": draw(w.room.ceiling_material, rng),
                "color": draw_tree(w.room.color, rng),
                "texture": draw_texture(w.room.texture, rng)}
    objects: list[ObjectInstance] = []
    boxes: list[tuple[np.ndarray, np.ndarray, bool]] = []  # world AABB, fixed?
    dropped = 0
    unplaced_fixed: list[str] = []
    for group in spec.groups:
        for _ in range(int(draw(group.count, rng))):
            obj, box, evicted = draw_object(spec, group, len(objects), rng, boxes,
                                               ground is not None)
            if obj is None:
                dropped += 1
                if group.template.fixed:
                    unplaced_fixed.append(group.name)
                continue
            if evicted:  # movable objects drawn where a fixed one stands make way for it
                keep = [i for i in range(len(objects)) if i not in evicted]
                objects = [dataclasses.replace(objects[i], index=n)
                           for n, i in enumerate(keep)]
                boxes = [boxes[i] for i in keep]
                obj = dataclasses.replace(obj, index=len(objects))
                dropped += len(evicted)
            objects.append(obj)
            boxes.append((*box, obj.fixed))
    sensors = tuple(_draw_sensor(m.name, m.kind, m.params, m.pose, rng) for m in spec.sensors)
    sensors = tuple(_attach(s, m.pose.attach, objects)
                    for s, m in zip(sensors, spec.sensors, strict=True))
    gravity = draw_tree(w.gravity, rng)  # the draw order of the original call, kept
    background = draw_tree(w.background, rng)
    background_bottom = (draw_tree(w.background_bottom, rng)
                         if w.background_bottom is not None else None)
    light = _draw_light(w.light, rng)
    # Acoustics is drawn last, so scenes without it keep every earlier draw unchanged.
    extra: dict[str, Any] = {}
    if unplaced_fixed:  # the engine draws such an instance again (simengine.placement)
        extra["unplaced_fixed"] = unplaced_fixed
    unattached = [m.name for s, m in zip(sensors, spec.sensors, strict=True)
                  if m.pose.attach is not None and s.attach is None]
    if unattached:  # drawn again too: the actor the sensor rides was dropped
        extra["unattached"] = unattached
    if room is not None and w.room.rt60 is not None:
        room["rt60"] = float(draw(w.room.rt60, rng))
    if room is not None and w.room.absorption is not None:
        room["absorption"] = tuple(float(draw(a, rng)) for a in w.room.absorption)
    if spec.audio.sources or spec.audio.ambient is not None or not spec.audio.ground_reflection:
        extra["audio"] = draw_audio(spec.audio, tuple(objects), rng)
    return SceneInstance(
        scene=spec.name, root_seed=int(root_seed), index=int(index), attempt=int(attempt),
        gravity=gravity, ground=ground, room=room,
        background=background, objects=tuple(objects), sensors=sensors,
        dropped_objects=dropped, background_bottom=background_bottom, light=light, extra=extra,
        clip_files={src.file_name: src.file for src in spec.audio.sources if src.file})


def _unit(v) -> tuple[float, float, float]:
    d = np.asarray(v, dtype=np.float64)
    norm = float(np.linalg.norm(d))
    return (0.0, 0.0, -1.0) if norm == 0.0 else tuple(float(x) for x in d / norm)


def _draw_physical_light(light: LightSpec, rng: np.random.Generator) -> dict[str, Any]:
    """The sun, sky and lamps of a physical light, drawn in that order. ``direction`` is the
    way the sun's light travels (straight down without a sun), as the relative model's."""
    sky = {"model": light.sky.model, "turbidity": float(draw(light.sky.turbidity, rng)),
           "luminance_cd_m2": float(draw(light.sky.luminance_cd_m2, rng)),
           "ground_albedo": float(draw(light.sky.ground_albedo, rng))}
    sun = None
    direction = (0.0, 0.0, -1.0)
    if light.sun is not None:
        sun = {"elevation_deg": float(draw(light.sun.elevation_deg, rng)),
               "azimuth_deg": float(draw(light.sun.azimuth_deg, rng)),
               "angular_diameter_deg": float(draw(light.sun.angular_diameter_deg, rng))}
        el, az = np.radians(sun["elevation_deg"]), np.radians(sun["azimuth_deg"])
        direction = _unit([-np.cos(el) * np.cos(az), -np.cos(el) * np.sin(az), -np.sin(el)])
    lamps = [{"type": lamp.type,
              "position": [float(v) for v in draw_tree(lamp.position, rng)],
              "direction": list(_unit(draw_tree(lamp.direction, rng))),
              "luminous_flux_lm": float(draw(lamp.luminous_flux_lm, rng)),
              "color": [float(v) for v in draw_tree(lamp.color, rng)],
              "cone_deg": float(draw(lamp.cone_deg, rng)),
              "size": [float(v) for v in draw_tree(lamp.size, rng)]}
             for lamp in light.lamps]
    return {"direction": direction, "shadows": light.shadows, "sky": sky, "sun": sun,
            "lamps": lamps}


def _draw_light(light: LightSpec, rng: np.random.Generator) -> dict[str, Any]:
    if light.sky is not None:
        return _draw_physical_light(light, rng)
    d = np.asarray(draw_tree(light.direction, rng), dtype=np.float64)
    norm = float(np.linalg.norm(d))
    if norm == 0.0:  # a randomised direction may draw zero: fall back to straight down
        d, norm = np.array([0.0, 0.0, -1.0]), 1.0
    return {"direction": tuple(float(v) for v in d / norm),
            "ambient": float(draw(light.ambient, rng)),
            "intensity": float(draw(light.intensity, rng)), "shadows": light.shadows}


def _draw_sensor(name: str, kind: str, params: dict[str, Any], pose: PoseSpec,
                   rng: np.random.Generator) -> SensorInstance:
    resolved = {k: draw_tree(v, rng) for k, v in params.items()}
    pos = tuple(float(v) for v in draw_tree(pose.position, rng))
    if pose.look_at is not None:
        target = draw_tree(pose.look_at, rng)
        R = look_at_body(pos, target, pose.up)
        q = matrix_to_quat(R)
    elif pose.euler_deg is not None:
        r, p, y = (math.radians(v) for v in draw_tree(pose.euler_deg, rng))
        q = quat_from_euler(r, p, y)
    else:
        q = (0.0, 0.0, 0.0, 1.0)
    zero = (0.0, 0.0, 0.0)
    lin = tuple(float(v) for v in draw_tree(pose.velocity, rng)) if pose.velocity else zero
    ang = (tuple(float(v) for v in draw_tree(pose.angular_velocity, rng))
           if pose.angular_velocity else zero)
    return SensorInstance(name=name, kind=kind, params=resolved, position=pos, orientation=q,
                          linear_velocity=lin, angular_velocity=ang)


def _attach(sensor: SensorInstance, group: str | None, objects: list[ObjectInstance]
            ) -> SensorInstance:
    """The sensor riding the (one) actor of ``group``: its drawn pose becomes the mount pose
    in the actor's body frame, its world pose and velocities at t = 0 are recorded beside
    (``SensorInstance.attach``). An actor the spawner dropped leaves the sensor unattached
    and the instance marked (``extra["unattached"]``, refused by ``simengine.placement``)."""
    if group is None:
        return sensor
    actor = next((o for o in objects if o.group == group), None)
    if actor is None:
        return sensor
    m = actor.motion
    mounted = dataclasses.replace(sensor, attach={
        "group": group, "object": actor.index, "path": m["path"], "speed": m["speed"],
        "loop": m["loop"], "height": float(actor.position[2]),
        "mount_position": sensor.position, "mount_orientation": sensor.orientation})
    position, R = mounted.pose_at(0.0)
    v, w = mounted.velocity_at(0.0)
    return dataclasses.replace(
        mounted, position=tuple(float(x) for x in position), orientation=matrix_to_quat(R),
        linear_velocity=tuple(float(x) for x in v), angular_velocity=tuple(float(x) for x in w))
