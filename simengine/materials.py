"""Material table shared by the sensors: acoustic modes and absorption, lidar reflectivity.

One table so that a "metal" object rings like metal, absorbs like metal on a wall and returns
a metal-like lidar intensity. Values are representative textbook figures, not measurements of
a particular object:

- ``modes``: modal-synthesis parameters for impacts, (frequency ratio, decay time in s,
  relative amplitude) per mode, with ``f0_hz`` the fundamental of a 0.1 m object (frequency
  scales as 1/size for geometrically similar objects, the thin-plate/bar scaling law).
  Ratios of metal follow the free-free bar (1, 2.76, 5.40, 8.93); the others are damped,
  inharmonic sets in the spirit of ThreeDWorld's PyImpact material classes. The decay
  column is no longer what audio uses (kept for compatibility): decays follow from
  ``loss_factor`` (below); the amplitudes share a body's vibration energy as ``a_k^2``.
- ``loss_factor``: structural (flexural) loss factor eta, the decay of every mode,
  ``tau = 1 / (pi f eta)``. Steel 0.2-3e-4 and aluminium ~1e-4 (Cremer & Heckl, as tabulated
  by Irvine), concrete ~1e-2; wood ~1e-2, glass ~1e-3, plastics 1e-2-1e-1, rubber ~0.1-1;
  everyday objects (joints, supports) damp more than the bare metal, hence 2e-4 for metal.
- ``radiation_efficiency``: fraction of the kinetic energy an impact dissipates in this body
  that leaves as sound when its modes radiate fully (ka >> 1): orders of magnitude checked
  against a steel-ball drop's rigid-body radiation (Koss & Alfredson), not fitted to
  measured drop levels (none found); see
  ``simengine.sensors.microphone.impact_energy`` and docs/references.md#impact-loudness-from-energy.
- ``absorption``: random-incidence absorption coefficient near 1 kHz (common architectural
  acoustics tables: painted plaster ≈ 0.03–0.05, concrete ≈ 0.02, wood floor ≈ 0.07–0.10,
  glass ≈ 0.03, heavy fabric ≈ 0.35–0.5).
- ``reflectivity``: diffuse reflectance near 905 nm (lidar wavelength), rough figures from
  lidar target reflectivity tables (white plaster high, asphalt 0.05-0.15 and rubber low).
- ``retroreflectivity``: for retroreflective sheeting, the retroreflected return as an
  equivalent Lambertian reflectivity at near-normal entrance, π·R_A with R_A the sheeting's
  coefficient of retroreflection (cd lx⁻¹ m⁻², ASTM D4956); 0 for every other material. A
  Lambertian surface of reflectance ρ has R_A = ρ/π, so Type III white sheeting's minimum
  R_A of 250 (observation angle 0.2°, entrance angle −4°) is ρ_eq ≈ 785: hundreds of times a
  white wall, as lidar vendors' notes on retroreflectors say. It falls with the entrance
  angle β as cos^RETRO_COS_EXPONENT β in the lidar equation (see the lidar's ``beams``).

The two materials of road furniture: ``lane_paint`` (white road marking: diffuse ≈ 0.7 at
905 nm; its glass beads' retroreflection, R_L 100-300 mcd m⁻² lx⁻¹ under EN 1436's grazing
30 m geometry, is π·R_L ≈ 0.3-0.9 as an equivalent reflectivity, the order of the diffuse
figure, so the marking is kept diffuse; acoustically the asphalt it lies on) and
``retroreflective`` (sign sheeting on an aluminium plate: diffuse 0.8 of its white face plus
the retroreflected term; acoustically the metal plate). Sources:
docs/references.md#lidar-retroreflection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Material:
    name: str
    f0_hz: float
    modes: tuple[tuple[float, float, float], ...]
    absorption: float
    reflectivity: float
    retroreflectivity: float = 0.0
    loss_factor: float = 0.01
    radiation_efficiency: float = 1e-3


# ASTM D4956 Type III white sheeting: R_A 250 at entrance −4°, 150 at +30° (observation
# 0.2°). As R_A·E⊥·(footprint area = beam area / cos β), the return relative to the
# Lambertian ρ·cos β law is π·R_A(β)/cos β; R_A(β) = R_A(0)·cos^n β through the two figures
# gives n = ln(150/250)/ln(cos 30°) = 3.55, so the return goes as cos^2.55 β (beyond 30° an
# extrapolation: D4956 tables stop there for most types).
RETRO_COS_EXPONENT = 2.55
RETRO_TYPE_III_RA = 250.0  # cd lx⁻¹ m⁻², white, minimum at (0.2°, −4°)


MATERIALS: tuple[Material, ...] = (
    Material("default", 900.0, ((1.0, 0.05, 1.0), (2.4, 0.03, 0.5), (4.1, 0.02, 0.25)), 0.05, 0.5,
             loss_factor=0.007, radiation_efficiency=0.001),
    Material("wood", 700.0, ((1.0, 0.07, 1.0), (2.32, 0.045, 0.6), (3.91, 0.03, 0.35),
                             (5.63, 0.02, 0.2)), 0.09, 0.45,
             loss_factor=0.01, radiation_efficiency=0.001),
    Material("metal", 1800.0, ((1.0, 0.9, 1.0), (2.76, 0.6, 0.7), (5.40, 0.4, 0.45),
                               (8.93, 0.25, 0.3)), 0.02, 0.65,
             loss_factor=0.0002, radiation_efficiency=0.002),
    Material("plastic", 1100.0, ((1.0, 0.05, 1.0), (2.1, 0.035, 0.5), (3.6, 0.02, 0.3)),
             0.04, 0.55,
             loss_factor=0.02, radiation_efficiency=0.0005),
    Material("glass", 2400.0, ((1.0, 0.35, 1.0), (2.9, 0.25, 0.6), (5.2, 0.15, 0.35)), 0.03, 0.1,
             loss_factor=0.001, radiation_efficiency=0.002),
    Material("ceramic", 2100.0, ((1.0, 0.2, 1.0), (2.6, 0.12, 0.55), (4.7, 0.08, 0.3)), 0.02, 0.6,
             loss_factor=0.001, radiation_efficiency=0.002),
    Material("rubber", 260.0, ((1.0, 0.012, 1.0), (1.9, 0.008, 0.4)), 0.3, 0.05,
             loss_factor=0.1, radiation_efficiency=5e-05),
    Material("stone", 1300.0, ((1.0, 0.04, 1.0), (2.5, 0.025, 0.5), (4.4, 0.015, 0.25)),
             0.03, 0.35,
             loss_factor=0.005, radiation_efficiency=0.001),
    Material("concrete", 1200.0, ((1.0, 0.03, 1.0), (2.6, 0.02, 0.4)), 0.02, 0.3,
             loss_factor=0.01, radiation_efficiency=0.001),
    Material("plaster", 1000.0, ((1.0, 0.03, 1.0), (2.3, 0.02, 0.4)), 0.04, 0.75,
             loss_factor=0.01, radiation_efficiency=0.001),
    Material("fabric", 180.0, ((1.0, 0.006, 1.0),), 0.45, 0.4,
             loss_factor=0.3, radiation_efficiency=1e-05),
    Material("cardboard", 450.0, ((1.0, 0.02, 1.0), (2.2, 0.012, 0.4)), 0.12, 0.5,
             loss_factor=0.03, radiation_efficiency=0.0003),
    Material("asphalt", 1100.0, ((1.0, 0.02, 1.0),), 0.03, 0.1,
             loss_factor=0.015, radiation_efficiency=0.0005),
    Material("grass", 150.0, ((1.0, 0.005, 1.0),), 0.6, 0.5,
             loss_factor=0.4, radiation_efficiency=1e-05),
    # new entries go last: stores keep material ids (attrs "materials")
    Material("lane_paint", 1100.0, ((1.0, 0.02, 1.0),), 0.03, 0.7,
             loss_factor=0.015, radiation_efficiency=0.0005),
    Material("retroreflective", 1800.0, ((1.0, 0.9, 1.0), (2.76, 0.6, 0.7), (5.40, 0.4, 0.45),
                                         (8.93, 0.25, 0.3)), 0.02, 0.8,
             retroreflectivity=math.pi * RETRO_TYPE_III_RA,
             loss_factor=0.0002, radiation_efficiency=0.002),
    # fired clay: stiff and porous, between stone and ceramic (docs/references.md#surfaces)
    Material("brick", 1400.0, ((1.0, 0.05, 1.0), (2.5, 0.03, 0.5), (4.3, 0.02, 0.25)),
             0.04, 0.45,
             loss_factor=0.015, radiation_efficiency=0.001),
)

MATERIAL_NAMES: tuple[str, ...] = tuple(m.name for m in MATERIALS)
MATERIAL_ID: dict[str, int] = {m.name: i for i, m in enumerate(MATERIALS)}


def material(name: str) -> Material:
    return MATERIALS[MATERIAL_ID[name]]
