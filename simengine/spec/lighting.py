"""The physical light of a scene (``world.light``): a sun, an analytic sky and lamps, in
photometric units (cd/m², lux, lumens) for the camera's physically based pass.

Without ``sky`` the scene keeps the relative model (``direction``, ``ambient``,
``intensity``: 1 = a white surface facing the light is white). With it:

    light:
      sky: {model: preetham, turbidity: 3}          # or overcast / uniform
      sun: {elevation_deg: 40, azimuth_deg: 120, angular_diameter_deg: 0.53}
      lamps:
        - {type: area, position: [0, 0, 2.6], size: [1.2, 0.3], luminous_flux_lm: 3000}
        - {type: spot, position: [1, 1, 2.5], direction: [0, 0, -1], cone_deg: 60,
           luminous_flux_lm: 800}
      shadows: true

Every number may be randomised. Ranges bound what the real world has (sources in
docs/references.md): turbidity 1.7 (very clear) to 10 (hazy); a lamp's flux up to 50 000 lm
(stadium fixtures); overcast zenith luminance up to 10 000 cd/m².
"""

from __future__ import annotations

from dataclasses import dataclass

from .distributions import Const, Param, parse_number
from .fields import parse_color, parse_vec3
from .node import Node

SKY_MODELS = ("preetham", "overcast", "uniform")
LAMP_TYPES = ("point", "spot", "area")


@dataclass(frozen=True)
class SunSpec:
    elevation_deg: Param
    azimuth_deg: Param  # from +x towards +y
    angular_diameter_deg: Param


@dataclass(frozen=True)
class SkySpec:
    model: str
    turbidity: Param  # preetham
    luminance_cd_m2: Param  # overcast: zenith luminance; uniform: the constant luminance
    ground_albedo: Param  # what the lower hemisphere reflects of the sky and sun


@dataclass(frozen=True)
class LampSpec:
    type: str
    position: tuple[Param, Param, Param]
    direction: tuple[Param, Param, Param]  # spot axis / the side an area lamp shines to
    luminous_flux_lm: Param
    color: tuple[Param, Param, Param]  # sRGB tint of the light (white = [1, 1, 1])
    cone_deg: Param  # spot: full cone angle
    size: tuple[Param, Param]  # area: width × length (m); point/spot: a bulb's diameter


def parse_sun(node: Node) -> SunSpec:
    node.mapping({"elevation_deg", "azimuth_deg", "angular_diameter_deg"},
                 required={"elevation_deg"})
    return SunSpec(
        elevation_deg=parse_number(node.get("elevation_deg"), minimum=-10.0, maximum=90.0),
        azimuth_deg=parse_number(node.get("azimuth_deg", 0.0), minimum=-360.0, maximum=360.0),
        # the sun's mean angular diameter is 0.533°; larger values soften shadows
        angular_diameter_deg=parse_number(node.get("angular_diameter_deg", 0.533),
                                          minimum=0.0, maximum=10.0))


def parse_sky(node: Node) -> SkySpec:
    node.mapping({"model", "turbidity", "luminance_cd_m2", "ground_albedo"}, required={"model"})
    model = node.get("model").string(SKY_MODELS)
    default_luminance = {"overcast": 3000.0, "uniform": 40.0}.get(model, 0.0)
    if model == "preetham" and node.has("luminance_cd_m2"):
        raise node.get("luminance_cd_m2").error(
            "expected no luminance for the preetham sky (it follows from the sun and turbidity)",
            show_value=False)
    return SkySpec(
        model=model,
        turbidity=parse_number(node.get("turbidity", 3.0), minimum=1.7, maximum=10.0),
        luminance_cd_m2=parse_number(node.get("luminance_cd_m2", default_luminance),
                                     minimum=0.0, maximum=10000.0),
        ground_albedo=parse_number(node.get("ground_albedo", 0.2), minimum=0.0, maximum=1.0))


def parse_lamp(node: Node) -> LampSpec:
    node.mapping({"type", "position", "direction", "luminous_flux_lm", "color", "cone_deg",
                  "size"}, required={"type", "position", "luminous_flux_lm"})
    kind = node.get("type").string(LAMP_TYPES)
    size_default = [0.6, 0.6] if kind == "area" else [0.05, 0.05]
    size_node = node.get("size", size_default)
    size = tuple(parse_number(s, minimum=0.0, maximum=10.0) for s in size_node.sequence(2, 2))
    if kind == "area" and any(isinstance(s, Const) and s.value <= 0 for s in size):
        raise size_node.error("expected an area lamp of non-zero width and length")
    return LampSpec(
        type=kind,
        position=parse_vec3(node.get("position")),
        direction=parse_vec3(node.get("direction", [0.0, 0.0, -1.0])),
        luminous_flux_lm=parse_number(node.get("luminous_flux_lm"), minimum=0.0,
                                      maximum=50000.0),
        color=parse_color(node.get("color", [1.0, 1.0, 1.0])),
        cone_deg=parse_number(node.get("cone_deg", 90.0), minimum=1.0, maximum=179.0),
        size=size)  # type: ignore[arg-type]


def parse_physical(node: Node) -> tuple[SunSpec | None, SkySpec, tuple[LampSpec, ...]]:
    """The sun, sky and lamps of a ``world.light`` that has a ``sky``."""
    relative = sorted(k for k in ("direction", "ambient", "intensity") if node.has(k))
    if relative:
        raise node.get(relative[0]).error(
            "expected either the relative light (direction, ambient, intensity) or a physical "
            "sky (sky, sun, lamps), not both", show_value=False)
    sky = parse_sky(node.get("sky"))
    sun = parse_sun(node.get("sun")) if node.has("sun") else None
    if sky.model == "preetham" and sun is None:
        raise node.error("expected a sun with the preetham sky (its light follows the sun)",
                         show_value=False)
    lamps = tuple(parse_lamp(n) for n in node.get("lamps", []).sequence(0, 64))
    return sun, sky, lamps
