"""The scene's ``world`` (ground, room, light, background, bounds, blow-up policy) and
``simulation`` (time step, captures, duration) sections."""

from __future__ import annotations

from ..materials import MATERIAL_NAMES
from .distributions import Const, parse_choice_of, parse_number
from .fields import parse_color, parse_texture, parse_vec3
from .lighting import parse_physical
from .node import Node
from .scene import BLOWUP_POLICIES, GroundSpec, LightSpec, RoomSpec, ScheduleSpec, WorldSpec

MATERIALS = set(MATERIAL_NAMES)


def _light(node: Node) -> LightSpec:
    node.mapping({"direction", "ambient", "intensity", "shadows", "sun", "sky", "lamps"})
    if node.has("sky"):
        sun, sky, lamps = parse_physical(node)
        return LightSpec(direction=(Const(0.0), Const(0.0), Const(-1.0)), ambient=Const(0.0),
                         intensity=Const(0.0), shadows=node.get("shadows", True).boolean(),
                         sun=sun, sky=sky, lamps=lamps)
    for key in ("sun", "lamps"):
        if node.has(key):
            raise node.get(key).error(f"expected {key} only with a physical sky "
                                      f"(world.light.sky)", show_value=False)
    direction = parse_vec3(node.get("direction", [-0.4, -0.3, -1.0]))
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
        return parse_color(node.get("top")), parse_color(node.get("bottom"))
    return parse_color(node), None


def parse_world(node: Node) -> WorldSpec:
    node.mapping({"gravity", "ground", "room", "bounds", "max_speed", "on_blowup",
                  "max_attempts", "background", "light"})
    ground = None
    g = node.get("ground", {})
    if g.value is not False:
        g.mapping({"material", "color", "texture"})
        ground = GroundSpec(material=parse_choice_of(g.get("material", "concrete"), MATERIALS),
                            color=parse_color(g.get("color", [0.5, 0.5, 0.5])),
                            texture=parse_texture(g.get("texture") if g.has("texture")
                                                  else None))
    room = None
    if node.has("room"):
        r = node.get("room").mapping({"size", "wall_material", "floor_material",
                                      "ceiling_material", "color", "texture", "rt60",
                                      "absorption"},
                                     required={"size"})
        if r.has("rt60") and r.has("absorption"):
            raise r.error("expected either rt60 or absorption, not both", show_value=False)
        room = RoomSpec(size=parse_vec3(r.get("size"), positive=True),
                        wall_material=parse_choice_of(r.get("wall_material", "plaster"),
                                                      MATERIALS),
                        floor_material=parse_choice_of(r.get("floor_material", "wood"), MATERIALS),
                        ceiling_material=parse_choice_of(r.get("ceiling_material", "plaster"),
                                                         MATERIALS),
                        color=parse_color(r.get("color", [0.85, 0.83, 0.8])),
                        texture=parse_texture(r.get("texture") if r.has("texture") else None),
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
        gravity=parse_vec3(node.get("gravity", [0.0, 0.0, -9.81])),
        ground=ground, room=room, bounds_min=bmin, bounds_max=bmax,
        max_speed=node.get("max_speed", 100.0).number(positive=True),
        on_blowup=node.get("on_blowup", "retry").string(BLOWUP_POLICIES),
        max_attempts=node.get("max_attempts", 3).integer(minimum=1, maximum=100),
        background=background, background_bottom=background_bottom,
        light=_light(node.get("light", {})),
    )


def parse_schedule(node: Node) -> ScheduleSpec:
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
