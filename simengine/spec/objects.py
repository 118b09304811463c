"""The scene's ``templates`` and ``objects`` sections: object templates and the groups that
instantiate them (a group may override any template key but the shape)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..assets import MESH_SUFFIXES, AssetResolver
from ..errors import SpecError
from ..geometry.scene_geometry import DEFAULT_COLOR
from .distributions import parse_choice_of, parse_number
from .fields import parse_color, parse_texture, parse_vec3
from .motion import check_motion_group, parse_motion
from .node import Node
from .procedural import parse_generator, parse_generator_params
from .scene import SHAPES, GroupSpec, OrientationSpec, TemplateSpec
from .world import MATERIALS

TEMPLATE_KEYS = {"shape", "size", "radius", "length", "mesh", "urdf", "scale", "class", "color",
                 "texture",
                 "mass", "friction", "restitution", "material", "fixed", "generator", "params",
                 "collision", "surface"}
GROUP_KEYS = {"name", "template", "count", "position", "orientation", "linear_velocity",
              "angular_velocity", "motion"} | (TEMPLATE_KEYS - {"shape"})
MAX_OBJECTS = 512
COLLISIONS = ("hull", "vhacd", "mesh")  # the convex hull, VHACD's convex pieces, the triangles
COLLISION_SHAPES = ("mesh", "procedural")


def parse_templates(node: Node, assets: AssetResolver) -> dict[str, Node]:
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
             "capsule": {"radius", "length"}, "mesh": {"mesh"}, "urdf": {"urdf"},
             "procedural": {"generator"}}[shape]
    optional = {"procedural": {"params"}}.get(shape, {"scale"})
    for key in ("size", "radius", "length", "mesh", "urdf", "generator", "params", "scale"):
        present = pick(key) is not None
        if key in needs and not present:
            raise SpecError(node.file, node.child_path(key), f"required for shape {shape}")
        if key not in needs and key not in optional and present:
            n = pick(key)
            raise n.error(f"not used by shape {shape}", show_value=False)
    if shape == "box":
        size = parse_vec3(pick("size"), positive=True)
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
        if shape == "mesh" and suffix not in MESH_SUFFIXES:
            raise asset_node.error(f"expected a mesh file ({', '.join(MESH_SUFFIXES)})")
        if shape == "urdf" and suffix != ".urdf":
            raise asset_node.error("expected a .urdf file")
        asset = str(found)
    gen = params = None
    default_class, default_material = shape, "default"
    if shape == "procedural":
        gen = parse_generator(pick("generator"))
        params = parse_generator_params(pick("params"), gen)
        default_class, default_material = gen.label, gen.material
    fixed = pick("fixed", False).boolean()
    return TemplateSpec(
        shape=shape, size=size, radius=radius, length=length, asset=asset,
        asset_name=asset_name,
        scale=parse_number(pick("scale", 1.0), positive=True),
        class_name=parse_choice_of(pick("class", default_class)),
        # an asset file or generated mesh without a colour keeps its own (materials, textures)
        color=(None if pick("color") is None and shape in ("mesh", "urdf", "procedural")
               else parse_color(pick("color", list(DEFAULT_COLOR)))),
        mass=parse_number(pick("mass", 1.0), minimum=0.0),
        friction=parse_number(pick("friction", 0.6), minimum=0.0),
        restitution=parse_number(pick("restitution", 0.2), minimum=0.0, maximum=1.0),
        material=parse_choice_of(pick("material", default_material), MATERIALS),
        fixed=fixed,
        texture=parse_texture(pick("texture")),
        generator=None if gen is None else gen.name, params=params,
        collision=_collision(pick("collision"), shape, fixed),
        surface=_surface(pick("surface"), fixed),
    )


def _surface(node: Node | None, fixed: bool) -> bool:
    """``surface: true``: a fixed object other objects stand on (a road, a floor slab)."""
    if node is None:
        return False
    surface = node.boolean()
    if surface and not fixed:
        raise node.error("expected a fixed object (a surface others stand on does not move)")
    return surface


def _collision(node: Node | None, shape: str, fixed: bool) -> str | None:
    """The template's collision shape (None: the default, a hull when moving, the exact
    triangles when fixed). PyBullet collides exact triangle meshes only on fixed bodies."""
    if node is None:
        return None
    if shape not in COLLISION_SHAPES:
        raise node.error(f"not used by shape {shape} (only by {', '.join(COLLISION_SHAPES)})",
                         show_value=False)
    kind = node.string(COLLISIONS)
    if kind == "mesh" and not fixed:
        raise node.error("expected hull or vhacd for a moving object (exact triangle meshes "
                         "collide only on fixed objects)")
    return kind


def parse_groups(node: Node, templates: dict[str, Node], assets: AssetResolver) -> list[GroupSpec]:
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
        motion = None
        if g.has("motion"):
            check_motion_group(g)
            if template.fixed:
                raise SpecError(g.file, g.child_path("motion"),
                                "not used with a fixed template (a moving actor is not fixed)")
            motion = parse_motion(g.get("motion"))
        groups.append(GroupSpec(
            name=name, template=template,
            count=parse_number(g.get("count", 1), integer=True, minimum=0, maximum=MAX_OBJECTS),
            position=parse_vec3(g.get("position", [0.0, 0.0, 0.0])),
            orientation=_orientation(g.get("orientation", "identity")),
            linear_velocity=parse_vec3(g.get("linear_velocity", [0.0, 0.0, 0.0])),
            angular_velocity=parse_vec3(g.get("angular_velocity", [0.0, 0.0, 0.0])),
            motion=motion,
        ))
    return groups


def _orientation(node: Node) -> OrientationSpec:
    if node.value in ("identity", "random"):
        return OrientationSpec(mode=node.value)
    if isinstance(node.value, dict):
        node.mapping({"euler_deg"}, required={"euler_deg"})
        return OrientationSpec(mode="euler", euler_deg=parse_vec3(node.get("euler_deg")))
    raise node.error("expected identity, random or {euler_deg: [roll, pitch, yaw]}")
