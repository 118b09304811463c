"""Scene specification: frozen dataclasses built by ``loader.load_scene``.

A spec may hold distributions (``Param``); ``simengine.instance.sample_instance`` resolves
them into a ``SceneInstance``. ``SceneSpec.to_dict()`` gives a self-contained plain mapping
(sensor presets merged in) that ``loader.scene_from_dict`` turns back into an equal spec.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..sensors.registry import KINDS
from .audio import AudioSpec
from .distributions import Param
from .motion import MotionSpec

Vec3 = tuple[Param, Param, Param]

SHAPES = ("box", "sphere", "cylinder", "capsule", "mesh", "urdf", "procedural")  # append only:
# ``objects/shape`` stores the index
BLOWUP_POLICIES = ("retry", "fail")
SENSOR_KINDS = tuple(KINDS)


TEXTURES = ("none", "checker", "stripes", "noise")


@dataclass(frozen=True)
class TextureSpec:
    """A procedural solid texture evaluated in the part's own frame (metres)."""

    kind: Param  # one of TEXTURES
    scale: Param  # checker square / stripe width / noise feature size (m)
    color2: Vec3  # the second colour (the object's colour is the first)
    axis: Param  # stripes run across this local axis (0, 1, 2)


@dataclass(frozen=True)
class LightSpec:
    direction: Vec3  # direction the light travels (world), need not be unit
    ambient: Param  # fraction of light that reaches surfaces from everywhere
    intensity: Param  # directional light intensity (1 = a white surface facing it is white)
    shadows: bool
    # the physical light (spec/lighting.py): with a sky, the three above are unused
    sun: Any = None  # SunSpec | None
    sky: Any = None  # SkySpec | None
    lamps: tuple = ()  # LampSpec, ...


@dataclass(frozen=True)
class GroundSpec:
    material: Param
    color: Vec3
    texture: TextureSpec | None = None


@dataclass(frozen=True)
class RoomSpec:
    size: Vec3  # inner size x, y, z in metres; the room's floor is at z = 0, centred at x=y=0
    wall_material: Param
    floor_material: Param
    ceiling_material: Param
    color: Vec3
    texture: TextureSpec | None = None
    # Room acoustics: a target reverberation time (s), or the absorption coefficients of the
    # six surfaces (x_min, x_max, y_min, y_max, floor, ceiling); neither: from the materials.
    rt60: Param | None = None
    absorption: tuple[Param, ...] | None = None


@dataclass(frozen=True)
class WorldSpec:
    gravity: Vec3
    ground: GroundSpec | None
    room: RoomSpec | None
    bounds_min: tuple[float, float, float]
    bounds_max: tuple[float, float, float]
    max_speed: float
    on_blowup: str
    max_attempts: int
    background: Vec3  # sky colour, or the top of a vertical gradient
    background_bottom: Vec3 | None
    light: LightSpec


@dataclass(frozen=True)
class TemplateSpec:
    shape: str
    size: Vec3 | None  # box full extents
    radius: Param | None  # sphere, cylinder, capsule
    length: Param | None  # cylinder and capsule (cylindrical part), along local z
    asset: str | None  # mesh or URDF file to load (resolved once, at load)
    scale: Param
    class_name: Param
    color: Vec3 | None  # None: a mesh's or generator's own colours
    mass: Param
    friction: Param
    restitution: Param
    material: Param
    fixed: bool
    texture: TextureSpec | None = None
    asset_name: str | None = None  # as the scene names it: what samples record
    generator: str | None = None  # shape procedural: a registered generator's name
    params: dict[str, Param] | None = None  # shape procedural: every parameter, in its order
    collision: str | None = None  # mesh, procedural: hull | vhacd | mesh; None: the default
    # a fixed surface other objects stand on (a road): the spawner does not keep objects
    # out of its bounding box, nor it out of theirs
    surface: bool = False


@dataclass(frozen=True)
class OrientationSpec:
    mode: str  # identity | random | euler
    euler_deg: Vec3 | None = None


@dataclass(frozen=True)
class GroupSpec:
    name: str
    template: TemplateSpec
    count: Param
    position: Vec3
    orientation: OrientationSpec
    linear_velocity: Vec3
    angular_velocity: Vec3
    motion: MotionSpec | None = None  # a kinematic actor moving along a path


@dataclass(frozen=True)
class ScheduleSpec:
    time_step: float
    settle_time: float
    capture_times: tuple[float, ...]
    duration: float
    max_events: int


@dataclass(frozen=True)
class PoseSpec:
    position: Vec3
    look_at: Vec3 | None
    up: tuple[float, float, float]
    euler_deg: Vec3 | None
    velocity: Vec3 | None = None  # m/s, world frame: the sensor moves during the recording
    angular_velocity: Vec3 | None = None  # rad/s, world frame
    # the name of a one-actor group with motion the sensor rides: position and orientation
    # are then in the actor's body frame (x forward along its path, z up)
    attach: str | None = None


@dataclass(frozen=True)
class SensorMountSpec:
    name: str
    kind: str
    preset: str
    params: dict[str, Any]  # preset merged with overrides; values are Params or tuples
    pose: PoseSpec


@dataclass(frozen=True)
class SceneSpec:
    name: str
    description: str
    world: WorldSpec
    groups: tuple[GroupSpec, ...]
    schedule: ScheduleSpec
    sensors: tuple[SensorMountSpec, ...]
    classes: tuple[str, ...]
    max_objects: int
    source: str = ""
    plain: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    audio: AudioSpec = field(default_factory=AudioSpec)
    corruptions: tuple = ()  # CorruptionSetSpec per set (spec/corruptions.py)
    parts: tuple[str, ...] = ()  # part label vocabulary of its meshes (spec/parts.py)
    # name -> file of each asset when read from a store's copies (None: next to ``source``)
    asset_files: dict[str, str] | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """A self-contained plain mapping (presets merged), loadable by scene_from_dict."""
        return json.loads(json.dumps(self.plain))

    def hash(self) -> str:
        text = json.dumps(self.plain, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def sensor(self, name: str) -> SensorMountSpec:
        for s in self.sensors:
            if s.name == name:
                return s
        raise KeyError(name)

    @property
    def base_dir(self) -> Path:
        return Path(self.source).parent if self.source else Path.cwd()
