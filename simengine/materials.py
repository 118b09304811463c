"""Material table shared by the sensors: acoustic modes and absorption, lidar reflectivity.

One table so that a "metal" object rings like metal, absorbs like metal on a wall and returns
a metal-like lidar intensity. Values are representative textbook figures, not measurements of
a particular object:

- ``modes``: modal-synthesis parameters for impacts, (frequency ratio, decay time in s,
  relative amplitude) per mode, with ``f0_hz`` the fundamental of a 0.1 m object (frequency
  scales as 1/size for geometrically similar objects, the thin-plate/bar scaling law).
  Ratios of metal follow the free-free bar (1, 2.76, 5.40, 8.93); the others are damped,
  inharmonic sets in the spirit of ThreeDWorld's PyImpact material classes.
- ``absorption``: random-incidence absorption coefficient near 1 kHz (common architectural
  acoustics tables: painted plaster ≈ 0.03–0.05, concrete ≈ 0.02, wood floor ≈ 0.07–0.10,
  glass ≈ 0.03, heavy fabric ≈ 0.35–0.5).
- ``reflectivity``: diffuse reflectance near 905 nm (lidar wavelength), rough figures from
  lidar target reflectivity tables (white plaster high, asphalt and rubber low).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Material:
    name: str
    f0_hz: float
    modes: tuple[tuple[float, float, float], ...]
    absorption: float
    reflectivity: float


MATERIALS: tuple[Material, ...] = (
    Material("default", 900.0, ((1.0, 0.05, 1.0), (2.4, 0.03, 0.5), (4.1, 0.02, 0.25)), 0.05, 0.5),
    Material("wood", 700.0, ((1.0, 0.07, 1.0), (2.32, 0.045, 0.6), (3.91, 0.03, 0.35),
                             (5.63, 0.02, 0.2)), 0.09, 0.45),
    Material("metal", 1800.0, ((1.0, 0.9, 1.0), (2.76, 0.6, 0.7), (5.40, 0.4, 0.45),
                               (8.93, 0.25, 0.3)), 0.02, 0.65),
    Material("plastic", 1100.0, ((1.0, 0.05, 1.0), (2.1, 0.035, 0.5), (3.6, 0.02, 0.3)),
             0.04, 0.55),
    Material("glass", 2400.0, ((1.0, 0.35, 1.0), (2.9, 0.25, 0.6), (5.2, 0.15, 0.35)), 0.03, 0.1),
    Material("ceramic", 2100.0, ((1.0, 0.2, 1.0), (2.6, 0.12, 0.55), (4.7, 0.08, 0.3)), 0.02, 0.6),
    Material("rubber", 260.0, ((1.0, 0.012, 1.0), (1.9, 0.008, 0.4)), 0.3, 0.05),
    Material("stone", 1300.0, ((1.0, 0.04, 1.0), (2.5, 0.025, 0.5), (4.4, 0.015, 0.25)),
             0.03, 0.35),
    Material("concrete", 1200.0, ((1.0, 0.03, 1.0), (2.6, 0.02, 0.4)), 0.02, 0.3),
    Material("plaster", 1000.0, ((1.0, 0.03, 1.0), (2.3, 0.02, 0.4)), 0.04, 0.75),
    Material("fabric", 180.0, ((1.0, 0.006, 1.0),), 0.45, 0.4),
    Material("cardboard", 450.0, ((1.0, 0.02, 1.0), (2.2, 0.012, 0.4)), 0.12, 0.5),
    Material("asphalt", 1100.0, ((1.0, 0.02, 1.0),), 0.03, 0.1),
    Material("grass", 150.0, ((1.0, 0.005, 1.0),), 0.6, 0.5),
    # fired clay: stiff and porous, between stone and ceramic (docs/references.md#surfaces)
    Material("brick", 1400.0, ((1.0, 0.05, 1.0), (2.5, 0.03, 0.5), (4.3, 0.02, 0.25)),
             0.04, 0.45),
)

MATERIAL_NAMES: tuple[str, ...] = tuple(m.name for m in MATERIALS)
MATERIAL_ID: dict[str, int] = {m.name: i for i, m in enumerate(MATERIALS)}


def material(name: str) -> Material:
    return MATERIALS[MATERIAL_ID[name]]
