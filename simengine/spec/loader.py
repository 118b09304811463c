"""Load and validate scene YAML into a ``SceneSpec``; every error names file and key path."""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..assets import AssetResolver
from ..errors import SpecError
from ..materials import MATERIAL_NAMES
from ..sensors.schemas import SCHEMAS
from .audio import AudioSpec, parse_audio
from .classes import class_vocabulary
from .corruptions import parse_corruptions
from .distributions import Choice, Const, Param, RandInt, parse_choice_of, parse_number, to_plain
from .node import Node, unknown_key
from .presets import load_preset
from .scene import (
    BLOWUP_POLICIES,
    SHAPES,
    TEXTURES,
    GroundSpec,
    GroupSpec,
    LightSpec,
    OrientationSpec,
    PoseSpec,
    RoomSpec,
    SceneSpec,
    ScheduleSpec,
    SensorMountSpec,
    TemplateSpec,
    TextureSpec,
    WorldSpec,
)
from .schema import DOC_KEYS, merge_overrides, parse_params

TOP_KEYS = {"name", "description", "world", "templates", "objects", "simulation", "sensors",
            "audio", "corruptions"}
TEMPLATE_KEYS = {"shape", "size", "radius", "length", "mesh", "urdf", "scale", "class", "color",
                 "texture",
                 "mass", "friction", "restitution", "material", "fixed"}
GROUP_KEYS = {"name", "template", "count", "position", "orientation", "linear_velocity",
              "angular_velocity"} | (TEMPLATE_KEYS - {"shape"})
MATERIALS = set(MATERIAL_NAMES)
MAX_OBJECTS = 512


class _Loader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys (PyYAML keeps the last one silently) and reads
    exponent floats without a dot, such as ``1e-3``, as numbers (YAML 1.2) not strings."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = self.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"found duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."))


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file, turning I/O and syntax problems into SpecErrors."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(file, "", "file not found") from None
    except IsADirectoryError:
        raise SpecError(file, "", "expected a YAML file, got a directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(file, "", f"cannot read the file ({exc.__class__.__name__})") from None
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise SpecError(file, "", f"invalid YAML{where}: {problem}") from None


def load_scene(path: str | Path) -> SceneSpec:
    """Load a scene file; raises SpecError naming file, key path and expectation."""
    path = Path(path)
    data = read_yaml(path)
    return scene_from_dict(data, source=str(path))


def scene_from_dict(data: Any, source: str = "<scene>",
                    asset_files: Mapping[str, str] | None = None) -> SceneSpec:
    """A validated spec from plain data. Asset names are resolved next to ``source`` (see
    ``assets.resolve_asset``), or, given ``asset_files`` (name -> file; a store's copies),
    only there."""
    root = Node(data, source)
    if data is None:
        raise root.error("expected a scene mapping, the file is empty", show_value=False)
    root.mapping(TOP_KEYS, required={"name", "objects", "sensors"})
    base_dir = Path(source).parent if source and not source.startswith("<") else Path.cwd()
    plain = copy.deepcopy(data)

    name = root.get("name").string()
    description = root.get("description", "").value or ""
    if not isinstance(description, str):
        raise root.get("description").error("expected a string")
    world = _world(root.get("world", {}))
    assets = AssetResolver(base_dir, asset_files)
    templates = _templates(root.get("templates", {}), assets)
    groups = _groups(root.get("objects"), templates, assets)
    schedule = _schedule(root.get("simulation", {}))
    sensors, plain_sensors = _sensors(root.get("sensors"), base_dir)
    plain["sensors"] = plain_sensors

    max_objects = 0
    for g in groups:
        max_objects += int(g.count.support()[1])
    if max_objects > MAX_OBJECTS:
        raise root.get("objects").error(
            f"expected at most {MAX_OBJECTS} objects in all, the counts allow {max_objects}",
            show_value=False)

    audio = (parse_audio(root.get("audio"), assets, {g.name for g in groups})
             if root.has("audio") else AudioSpec())

    classes = class_vocabulary(data)  # built-in, object, then sound-only classes

    # fixed objects apart, sensors outside fixed geometry (placement builds on the instance
    # package, which imports the spec: imported here)
    from ..placement import check_placements

    check_placements(source, world, tuple(groups), tuple(sensors), schedule)

    corruptions = (parse_corruptions(root.get("corruptions"), {s.name: s.kind for s in sensors})
                   if root.has("corruptions") else ())

    return SceneSpec(name=name, description=description, world=world, groups=tuple(groups),
                     schedule=schedule, sensors=tuple(sensors), classes=tuple(classes),
                     max_objects=max_objects, source=source, plain=plain, audio=audio,
                     corruptions=corruptions,
                     asset_files=None if asset_files is None else dict(asset_files))


# --- world ------------------------------------------------------------------------------

def _vec3(node: Node, **bounds: Any) -> tuple[Param, Param, Param]:
    items = node.sequence(3, 3)
    return tuple(parse_number(i, **bounds) for i in items)  # type: ignore[return-value]


def _color(node: Node) -> tuple[Param, Param, Param]:
    return _vec3(node, minimum=0.0, maximum=1.0)


def _texture(node: Node | None) -> TextureSpec | None:
    """``texture: {kind: checker|stripes|noise|none, scale: m, color2: [r,g,b], axis: 0..2}``"""
    if node is None:
        return None
    node.mapping({"kind", "scale", "color2", "axis"}, required={"kind"})
    return TextureSpec(kind=parse_choice_of(node.get("kind"), set(TEXTURES)),
                       scale=parse_number(node.get("scale", 0.05), positive=True),
                       color2=_color(node.get("color2", [0.1, 0.1, 0.1])),
                       axis=parse_number(node.get("axis", 0), integer=True, minimum=0,
                                         maximum=2))


def _light(node: Node) -> LightSpec:
    node.mapping({"direction", "ambient", "intensity", "shadows"})
    direction = _vec3(node.get("direction", [-0.4, -0.3, -1.0]))
    if all(isinstance(d, Const) and d.value == 0 for d in direction):
        raise node.get("direction").error("expected a non-zero direction")
    return LightSpec(direction=direction,
                     ambient=parse_number(node.get("ambient", 0.35), minimum=0.0, maximum=1.0),
                     intensity=parse_number(node.get("intensity", 1.0), minimum=0.0),
                     shadows=node.get("shadows", True).boolean())


def _background(node: Node) -> tuple[tuple, tuple | None]:
    """A colour, or a vertical gradient ``{top: [r,g,b], bottom: [r,g,b]}``."""
    if isinstance(node.value, dict):
        node.mapping({"top", "bottom"}, required={"top", "bottom"})
        return _color(node.get("top")), _color(node.get("bottom"))
    return _color(node), None


def _world(node: Node) -> WorldSpec:
    node.mapping({"gravity", "ground", "room", "bounds", "max_speed", "on_blowup",
                  "max_attempts", "background", "light"})
    ground = None
    g = node.get("ground", {})
    if g.value is not False:
        g.mapping({"material", "color", "texture"})
        ground = GroundSpec(material=parse_choice_of(g.get("material", "concrete"), MATERIALS),
                            color=_color(g.get("color", [0.5, 0.5, 0.5])),
                            texture=_texture(g.get("texture") if g.has("texture") else None))
    room = None
    if node.has("room"):
        r = node.get("room").mapping({"size", "wall_material", "floor_material",
                                      "ceiling_material", "color", "texture", "rt60",
                                      "absorption"},
                                     required={"size"})
        if r.has("rt60") and r.has("absorption"):
            raise r.error("expected either rt60 or absorption, not both", show_value=False)
        room = RoomSpec(size=_vec3(r.get("size"), positive=True),
                        wall_material=parse_choice_of(r.get("wall_material", "plaster"), MATERIALS),
                        floor_material=parse_choice_of(r.get("floor_material", "wood"), MATERIALS),
                        ceiling_material=parse_choice_of(r.get("ceiling_material", "plaster"),
                                                         MATERIALS),
                        color=_color(r.get("color", [0.85, 0.83, 0.8])),
                        texture=_texture(r.get("texture") if r.has("texture") else None),
                        rt60=(parse_number(r.get("rt60"), minimum=0.05, maximum=10.0)
                              if r.has("rt60") else None),
                        absorption=(tuple(parse_number(a, minimum=0.001, maximum=1.0)
                                          for a in r.get("absorption").sequence(6, 6))
                                    if r.has("absorption") else None))
    background, background_bottom = _background(node.get("background", [0.62, 0.72, 0.85]))
    b = node.get("bounds", {"min": [-50, -50, -5], "max": [50, 50, 50]})
    b.mapping({"min", "max"}, required={"min", "max"})
    bmin, bmax = b.get("min").numbers(3), b.get("max").numbers(3)
    if not all(lo < hi for lo, hi in zip(bmin, bmax, strict=True)):
        raise b.error("expected min < max in every axis")
    return WorldSpec(
        gravity=_vec3(node.get("gravity", [0.0, 0.0, -9.81])),
        ground=ground, room=room, bounds_min=bmin, bounds_max=bmax,
        max_speed=node.get("max_speed", 100.0).number(positive=True),
        on_blowup=node.get("on_blowup", "retry").string(BLOWUP_POLICIES),
        max_attempts=node.get("max_attempts", 3).integer(minimum=1, maximum=100),
        background=background, background_bottom=background_bottom,
        light=_light(node.get("light", {})),
    )


# --- objects ----------------------------------------------------------------------------

def _templates(node: Node, assets: AssetResolver) -> dict[str, Node]:
    node.mapping()
    for key, t in node.items():
        # validate each template on its own so errors point into `templates`
        _template(t, assets, group_overrides=None)
        if not key.strip():
            raise t.error("expected a non-empty template name")
    return dict(node.items())


def _template(node: Node, assets: AssetResolver, group_overrides: Node | None) -> TemplateSpec:
    node.mapping(TEMPLATE_KEYS, required={"shape"})

    def pick(key: str, default: Any = None) -> Node | None:
        if group_overrides is not None and group_overrides.has(key):
            return group_overrides.get(key)
        if node.has(key):
            return node.get(key)
        return None if default is None else node.get(key, default)

    shape = node.get("shape").string(SHAPES)
    size = radius = length = None
    asset = asset_name = None
    needs = {"box": {"size"}, "sphere": {"radius"}, "cylinder": {"radius", "length"},
             "capsule": {"radius", "length"}, "mesh": {"mesh"}, "urdf": {"urdf"}}[shape]
    for key in ("size", "radius", "length", "mesh", "urdf"):
        present = pick(key) is not None
        if key in needs and not present:
            raise SpecError(node.file, node.child_path(key), f"required for shape {shape}")
        if key not in needs and present:
            n = pick(key)
            raise n.error(f"not used by shape {shape}", show_value=False)
    if shape == "box":
        size = _vec3(pick("size"), positive=True)
    if shape in ("sphere", "cylinder", "capsule"):
        radius = parse_number(pick("radius"), positive=True)
    if shape in ("cylinder", "capsule"):
        length = parse_number(pick("length"), positive=True)
    if shape in ("mesh", "urdf"):
        asset_node = pick(shape)
        asset_name = asset_node.string()
        found = Path(assets.find(asset_node, "expected a file next to the scene, in "
                                             "SIMENGINE_ASSET_PATH or in pybullet_data"))
        suffix = found.suffix.lower()
        if shape == "mesh" and suffix != ".obj":
            raise asset_node.error("expected a Wavefront .obj mesh")
        if shape == "urdf" and suffix != ".urdf":
            raise asset_node.error("expected a .urdf file")
        asset = str(found)
    return TemplateSpec(
        shape=shape, size=size, radius=radius, length=length, asset=asset,
        asset_name=asset_name,
        scale=parse_number(pick("scale", 1.0), positive=True),
        class_name=parse_choice_of(pick("class", shape)),
        color=_color(pick("color", [0.7, 0.7, 0.7])),
        mass=parse_number(pick("mass", 1.0), minimum=0.0),
        friction=parse_number(pick("friction", 0.6), minimum=0.0),
        restitution=parse_number(pick("restitution", 0.2), minimum=0.0, maximum=1.0),
        material=parse_choice_of(pick("material", "default"), MATERIALS),
        fixed=pick("fixed", False).boolean(),
        texture=_texture(pick("texture")),
    )


def _groups(node: Node, templates: dict[str, Node], assets: AssetResolver) -> list[GroupSpec]:
    groups = []
    names: set[str] = set()
    for g in node.sequence(min_len=1):
        g.mapping(GROUP_KEYS, required={"template"})
        name_node = g.get("name", f"group{len(groups)}")
        name = name_node.string()
        if name in names:
            raise name_node.error("expected a unique group name")
        names.add(name)
        t = g.get("template")
        if isinstance(t.value, str):
            if t.value not in templates:
                known = ", ".join(sorted(templates)) or "none defined"
                raise t.error(f"expected a template name ({known})")
            t = templates[t.value]
        elif not isinstance(t.value, dict):
            raise t.error("expected a template name or an inline template mapping")
        template = _template(t, assets, group_overrides=g)
        groups.append(GroupSpec(
            name=name, template=template,
            count=parse_number(g.get("count", 1), integer=True, minimum=0, maximum=MAX_OBJECTS),
            position=_vec3(g.get("position", [0.0, 0.0, 0.0])),
            orientation=_orientation(g.get("orientation", "identity")),
            linear_velocity=_vec3(g.get("linear_velocity", [0.0, 0.0, 0.0])),
            angular_velocity=_vec3(g.get("angular_velocity", [0.0, 0.0, 0.0])),
        ))
    return groups


def _orientation(node: Node) -> OrientationSpec:
    if node.value in ("identity", "random"):
        return OrientationSpec(mode=node.value)
    if isinstance(node.value, dict):
        node.mapping({"euler_deg"}, required={"euler_deg"})
        return OrientationSpec(mode="euler", euler_deg=_vec3(node.get("euler_deg")))
    raise node.error("expected identity, random or {euler_deg: [roll, pitch, yaw]}")


# --- schedule ---------------------------------------------------------------------------

def _schedule(node: Node) -> ScheduleSpec:
    node.mapping({"time_step", "settle_time", "capture_times", "duration", "max_events"})
    dt = node.get("time_step", 1.0 / 240.0).number(positive=True, maximum=0.1)
    settle = node.get("settle_time", 0.0).number(minimum=0.0, maximum=600.0)
    times_node = node.get("capture_times", [1.0])
    items = times_node.sequence(min_len=1, max_len=256)
    times = tuple(i.number(minimum=0.0, maximum=600.0) for i in items)
    if list(times) != sorted(set(times)):
        raise times_node.error("expected strictly increasing capture times")
    duration = node.get("duration", max(times)).number(positive=True, maximum=600.0)
    if duration < max(times):
        raise node.get("duration").error(f"expected a duration >= the last capture time "
                                         f"({max(times):g} s)")
    return ScheduleSpec(time_step=dt, settle_time=settle, capture_times=times, duration=duration,
                        max_events=node.get("max_events", 64).integer(minimum=1, maximum=4096))


# --- sensors ----------------------------------------------------------------------------

def _sensors(node: Node, base_dir: Path) -> tuple[list[SensorMountSpec], list[dict[str, Any]]]:
    mounts: list[SensorMountSpec] = []
    plain: list[dict[str, Any]] = []
    names: set[str] = set()
    for s in node.sequence(min_len=1):
        # `kind` appears in the self-contained form written by SceneSpec.to_dict(): there the
        # overrides hold every parameter, so the preset file is not needed to reload it.
        s.mapping({"name", "preset", "pose", "overrides", "kind"},
                  required={"name", "preset", "pose"})
        name = s.get("name").string()
        if not name.replace("_", "").replace("-", "").isalnum():
            raise s.get("name").error("expected letters, digits, - or _ (it names store arrays)")
        if name in names:
            raise s.get("name").error("expected a unique sensor name")
        names.add(name)
        preset_node = s.get("preset")
        if s.has("kind"):
            kind, preset_data = s.get("kind").string(SCHEMAS), {}
            preset_node.string()
        else:
            kind, preset_data = load_preset(preset_node, base_dir)
        overrides = s.get("overrides", {})
        overrides.mapping()
        merged_raw = merge_overrides(preset_data, overrides.value)
        merged_node = Node(merged_raw, s.file, s.child_path("overrides"))
        params = _sensor_params(kind, overrides, merged_node)
        pose = _pose(s.get("pose"))
        mounts.append(SensorMountSpec(name=name, kind=kind, preset=preset_node.value,
                                      params=params, pose=pose))
        entry = dict(s.value)
        entry["overrides"] = merged_raw
        entry["kind"] = kind
        plain.append(entry)
    return mounts, plain


def _sensor_params(kind: str, overrides: Node, merged: Node) -> dict[str, Any]:
    schema = SCHEMAS[kind]
    for key in overrides.value:
        if key not in schema and key not in DOC_KEYS:
            raise SpecError(overrides.file, overrides.child_path(key),
                            unknown_key(f"{kind} parameter", key, schema))
    params = parse_params(merged, schema)
    if kind == "camera" and "hfov_deg" not in params and "fx" not in params:
        raise merged.error("a camera needs hfov_deg or fx", show_value=False)
    if kind == "camera":
        _check_camera(params, merged)
    if kind == "lidar":
        _check_lidar(params, merged)
    if kind == "camera" and not params["near"].support()[1] < params["far"].support()[0]:
        raise merged.error("expected near < far", show_value=False)
    if kind == "microphone":
        _check_microphone(params, merged)
    return params


def _check_microphone(params: dict[str, Any], merged: Node) -> None:
    """Quantisation needs a full scale (the clipping level); one axis per capsule."""
    if params["bit_depth"].value > 0 and "clip_db_spl" not in params:
        raise merged.error("bit_depth needs clip_db_spl (the converter's full scale)",
                           show_value=False)
    if "axes" in params and len(params["axes"]) != len(params["positions"]):
        node = Node(merged.value.get("axes"), merged.file, merged.child_path("axes"))
        raise node.error(f"expected one axis per capsule ({len(params['positions'])})")
    for i, axis in enumerate(params.get("axes", ())):
        if not any(a.value for a in axis):
            node = Node(merged.value["axes"][i], merged.file, merged.child_path("axes") + f"[{i}]")
            raise node.error("expected a non-zero vector")


def _check_lidar(params: dict[str, Any], merged: Node) -> None:
    """Lidar parameters that only make sense together (checked over whole supports)."""
    def sub(key: str) -> Node:
        return Node(merged.value.get(key), merged.file, merged.child_path(key))

    if not params["min_range"].support()[1] < params["max_range"].support()[0]:
        raise merged.error("expected min_range < max_range", show_value=False)
    if "firing_cycle_us" in params:
        span = (len(params["elevations_deg"]) - 1) * params["laser_spacing_us"].support()[1]
        if span > params["firing_cycle_us"].support()[0]:
            raise sub("laser_spacing_us").error(
                f"expected the column's firings ((lasers - 1) x laser_spacing_us = {span:g} us)"
                " to fit in firing_cycle_us")
    if "snr_noise" in params:
        points = [(s.value, n.value) for s, n in params["snr_noise"]]
        floor = params["range_noise_std"].support()[1]
        if (len(points) != 2 or min(min(p) for p in points) <= 0.0
                or points[0][0] == points[1][0] or min(n for _, n in points) <= floor
                or (points[0][0] - points[1][0]) * (points[0][1] - points[1][1]) >= 0.0):
            raise sub("snr_noise").error(
                "expected two [SNR, std] points, std above range_noise_std and lower at the "
                "higher SNR")
        if "detection_range_m" not in params:
            raise sub("snr_noise").error("snr_noise needs detection_range_m (SNR is relative "
                                         "to the detection floor)", show_value=False)
    if params["return_mode"].value == "dual" and (
            params["beam_samples"].value < 2
            or params["beam_divergence_mrad"].support()[0] <= 0.0):
        raise sub("return_mode").error(
            "dual returns need beam_divergence_mrad > 0 and beam_samples >= 2")


def _check_camera(params: dict[str, Any], merged: Node) -> None:
    """Camera parameters that only make sense together: a stereo depth model needs its
    baseline and subpixel figures; the lens distortion must be invertible over the image
    for every value its distributions can draw (checked at the corners of their ranges)."""
    if params["depth_noise"].value and not ("depth_baseline_m" in params
                                             and "depth_subpixel" in params):
        raise merged.error("depth_noise needs depth_baseline_m and depth_subpixel",
                           show_value=False)
    if "distortion" not in params:
        return
    from ..sensors.camera_model import CameraModel

    ranges = [d.support() for d in params["distortion"]]
    # the widest view: the largest field of view, the shortest focal lengths
    base = {k: v.support()[1] if k == "hfov_deg" else v.support()[0]
            for k, v in params.items() if k in ("width", "height", "hfov_deg", "fx", "fy",
                                                "cx", "cy")}
    for corner in itertools.product(*ranges):
        try:
            CameraModel.from_params({**base, "distortion": list(corner)})
        except ValueError as exc:
            node = Node(merged.value.get("distortion"), merged.file,
                        merged.child_path("distortion"))
            raise node.error(f"expected an invertible lens distortion ({exc})",
                             show_value=False) from None


def _pose(node: Node) -> PoseSpec:
    node.mapping({"position", "look_at", "up", "euler_deg", "velocity", "angular_velocity"},
                 required={"position"})
    if node.has("look_at") and node.has("euler_deg"):
        raise node.error("expected either look_at or euler_deg, not both", show_value=False)
    up = node.get("up", [0.0, 0.0, 1.0]).numbers(3)
    if not any(up):
        raise node.get("up").error("expected a non-zero vector")
    pose = PoseSpec(position=_vec3(node.get("position")),
                    look_at=_vec3(node.get("look_at")) if node.has("look_at") else None,
                    up=up,
                    euler_deg=_vec3(node.get("euler_deg")) if node.has("euler_deg") else None,
                    velocity=_vec3(node.get("velocity")) if node.has("velocity") else None,
                    angular_velocity=(_vec3(node.get("angular_velocity"))
                                      if node.has("angular_velocity") else None))
    if pose.look_at is not None and all(
            _may_coincide(a, b) for a, b in zip(pose.position, pose.look_at, strict=True)):
        raise node.get("look_at").error("expected a point away from position")
    return pose


def _may_coincide(a: Param, b: Param) -> bool:
    """Can two coordinates be equal with non-zero probability? (Only discrete ones can.)"""
    if isinstance(a, RandInt):
        a, b = b, a
    if isinstance(a, RandInt):
        return max(a.low, b.low) <= min(a.high, b.high)
    if not isinstance(a, Const | Choice) or not isinstance(b, Const | Choice | RandInt):
        return False
    values = (a.value,) if isinstance(a, Const) else a.values
    if isinstance(b, RandInt):
        return any(float(v).is_integer() and b.low <= v <= b.high for v in values)
    others = (b.value,) if isinstance(b, Const) else b.values
    return any(abs(x - y) < 1e-6 for x in values for y in others)


def plain_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: to_plain(v) for k, v in params.items()}
