"""Lidar weather corruptions: fog (Hahner et al., ICCV 2021), snowfall (Hahner et al., CVPR
2022) and a wet ground, on one capture (shapes, dual-return handling and the along-beam
update of ``xyz``: see ``sensor``).

Severities: Robo3D's light / moderate / heavy (its scripts' values) are the fog's severities
1 / 3 / 5, 2 and 4 linearly between; the snowfall rate goes geometrically from Robo3D's light
to its heavy (severity 3 is 1.12 mm/h, Robo3D's moderate 1.0); the water film starts at
Robo3D's light and is ours above it (Robo3D: moderate 1.0 mm, heavy 1.2 mm):

==========  ============================================  =================================
corruption  parameter                                     severity 1 … 5
==========  ============================================  =================================
lidar_fog   extinction coefficient β (α in Hahner), 1/m   .008 .029 .05 .125 .2 (MOR 374 … 15 m)
lidar_snow  snowfall rate, mm/h water equivalent          .5 .75 1.12 1.67 2.5
wet_ground  water film height on the ground, mm            .2 .4 .6 .9 1.3
==========  ============================================  =================================

Mapping notes (measured with ``calibration.point_loss_chamfer`` on indoor_room's OS1-64):
a geometric fog midpoint (β = .02 at severity 2) degraded that room exactly as much as
β = .008 (both lose only the few weakest returns), hence the linear midpoints; a linear snow
rate (.5 1 1.5 2 2.5) grows the flake cross-section (∝ r^0.57) by only 13 % from 4 to 5,
inside the two-draw noise of the metric, hence equal ratios (×1.5) between levels. The
water heights above 0.2 mm are ours (docs/references.md#robo3d): on outdoor_yard's ground
every return is gone from ≈ 1.4 mm, so higher levels would add nothing. Robo3D's β is its
backscattering coefficient (the attenuation drawn per scan from 0 … 0.06 /m); ours uses its
three numbers as the extinction coefficient.

**Powers and the detection floor.** Returns are compared in the lidar model's units
(``sensors/lidar/beams``): P = ρ·cosθ·exp(−2αR)/R², recovered from the intensity as
intensity / min(R, R_ref)² (R_ref = ``context["intensity_reference_range_m"]``, default
10 m). A return is lost when its new power falls below the detection floor; the capture
does not carry the preset's floor, so it is ``context["detection_floor"]`` when given and
otherwise the weakest clean return's power (``sensor.detection_floor``: an upper
bound — in a small room, where every clean return is far above the device's floor, losses
come sooner than the device would have them).

**Fog** (Hahner et al. 2021). Hard returns are attenuated by exp(−2βR) (both ways). The
fog's own ("soft") return comes from the backscatter of the beam's path: its profile over
range is the product of the transmitter/receiver overlap ξ(R) (0 below R1 = 0.9 m, linear
to 1 at R2 = 1.0 m, our reading of the paper's setting for the HDL-64) and exp(−2βR). Our
simplification of the paper's pulse convolution: per beam, one fog return at a range drawn
from that profile between R1 and the hard target, with the power of a volume of backscatter
coefficient β_π = 0.046 / MOR (1/(m·sr), as the paper, after Rasshofer et al.) over one
pulse length ΔR = c·τ_H/2 (τ_H = 20 ns): P_soft = π·β_π·ΔR·ξ(R_f)·exp(−2βR_f)/R_f² (a
Lambertian target of reflectivity ρ returns ρ/π per steradian). The receiver reports the
stronger: where P_soft > P_hard the fog return replaces the hard one (range R_f, intensity
from P_soft); the result is lost below the floor. Only beams that had a return are changed
(as the paper, which works on the measured point cloud). In dual mode the fog echo competes
with the strongest slot only (the last echo stays the hard target, attenuated).

**Snowfall** (Hahner et al. 2022, simplified). Flakes follow Gunn & Marshall's (1958) size
distribution for snow, N(D) = N0·exp(−ΛD) with N0 = 3.8·10³·r^−0.87 m⁻³mm⁻¹ and Λ =
2.55·r^−0.48 mm⁻¹ (D melted diameter, r snowfall rate in mm/h); a flake's diameter is
(ρ_water/ρ_snow)^⅓ = 10^⅓ ≈ 2.15 × D (snow density 0.1 g/cm³). The beam axis meets flakes
at the rate κ = ∫N(D)·π(2.15·D)²/4 dD = N0·π·2.15²/(2Λ³) per metre (∝ r^0.57; 1.1·10⁻³ /m
at 0.5 mm/h, 2.8·10⁻³ /m at 2.5 mm/h): a beam meets one between the receiver's blind zone
(R_b = 1 m: HDL-64 ≈ 0.9–1 m, OS1 0.8 m) and its hard target with probability
1 − exp(−κ·(R − R_b)), at a range drawn from that exponential law; the flake's diameter
is drawn area-weighted (Gamma(3, 1/Λ) × 2.15 mm); it covers the fraction
f = min(1, (D_flake / (δ·R_s))²) of a footprint of divergence δ = 3 mrad (HDL-64 2 mrad,
OS1 2.3 mrad; the context has none) and returns ρ_snow = 0.9 × f; the hard target keeps
(1 − f) of its power. The stronger echo is reported (in dual mode the flake competes with
slot 0 only). All returns are attenuated by the snow's extinction 2κ (extinction
efficiency 2 for particles ≫ wavelength) both ways and lost below the floor. Only the
beam's axis is tested against flakes (Hahner et al. sample the whole beam cone), so flakes
that clip the footprint's edge are missed. The fall speed (docs/references.md#lidar-snow:
0.5 mm/h at 2 m/s)
does not enter a single sweep.

**Wet ground.** A film of water of height h on the ground: at the film's surface the
beam loses the Fresnel reflection twice (air–water, n = 1.33, unpolarised, at the
incidence angle from vertical: cosθ = −d_z, assuming a level sensor), and as the film
fills the surface texture the diffuse return gives way to a specular one: the diffuse
share is exp(−h/h_r) with h_r = 1 mm (a road's mean texture depth is 0.5–1.5 mm; our
choice). Ground intensity × T(θ)²·exp(−h/h_r); returns whose power falls below the floor
vanish. Ground = the class ``ground`` (``builtin_classes.BUILTIN_CLASSES``, id 1: the ground
plane and a room's floor) when ``context["semantic"]`` matches the capture; otherwise
returns below the sensor within 0.15 m of the ground height (median of the lowest 5 % of
the downward beams' z) — a height band, exact only for a level sensor over flat ground.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ...builtin_classes import BUILTIN_CLASSES
from ..base import Result, register
from ..rain_physics import RAIN_RATES, beam_meet_rate, draw_diameters
from .sensor import (
    along_beam,
    arrays,
    detection_floor,
    intensity_from_power,
    output,
    power,
    reference_range,
)

LIGHT_SPEED = 299_792_458.0
FOG_R1, FOG_R2 = 0.9, 1.0  # m: overlap ramp ξ(R) (Hahner et al. 2021)
FOG_TAU_H = 20e-9  # s: pulse half-power width (Hahner et al. 2021)
FOG_BACKSCATTER = 0.046  # β_π = 0.046 / MOR, 1/(m·sr)
SNOW_DIAMETER_RATIO = 10.0 ** (1.0 / 3.0)  # flake / melted diameter at 0.1 g/cm³
SNOW_REFLECTIVITY = 0.9
RAIN_REFLECTIVITY = 2.0 * math.pi / 20.0  # Lambertian equivalent of a lidar ratio of 20 sr
BEAM_DIVERGENCE = 3e-3  # rad
SNOW_BLIND_M = 1.0  # m: flakes nearer give no return (overlap / minimum range zone)
WATER_INDEX = 1.33
TEXTURE_DEPTH_MM = 1.0
GROUND_CLASS = BUILTIN_CLASSES.index("ground")
GROUND_BAND_M = 0.15


def _slot0(shape: tuple[int, ...]) -> np.ndarray:
    """True on the slot that competes with a weather echo: all (single) or slot 0 (dual)."""
    sel = np.ones(shape, bool)
    if len(shape) == 3:
        sel[1:] = False
    return sel


def _overlap(r: np.ndarray) -> np.ndarray:
    return np.clip((r - FOG_R1) / (FOG_R2 - FOG_R1), 0.0, 1.0)


def _fog_cdf(r: np.ndarray, k: float) -> np.ndarray:
    """∫ from R1 to r of ξ(x)·exp(−k·x) dx, in closed form (0 below R1)."""
    w = FOG_R2 - FOG_R1
    x = np.clip(r, FOG_R1, FOG_R2)
    ramp = (math.exp(-k * FOG_R1) / k**2 - (x - FOG_R1) * np.exp(-k * x) / k
            - np.exp(-k * x) / k**2) / w
    return ramp + (math.exp(-k * FOG_R2) - np.exp(-k * np.maximum(r, FOG_R2))) / k


def _fog_profile_draw(u: np.ndarray, r: np.ndarray, beta: float) -> np.ndarray:
    """Ranges drawn from the density ∝ ξ(R)·exp(−2βR) on [R1, r] by its inverse CDF, one
    per beam (R1 where r ≤ R1): closed form beyond R2; on the 10 cm ramp the inverse of
    the ramp without its exp factor, refined by one Newton step."""
    k = 2.0 * beta
    w = FOG_R2 - FOG_R1
    target = u * _fog_cdf(r, k)
    at_r2 = float(_fog_cdf(np.array(FOG_R2), k))
    with np.errstate(invalid="ignore", divide="ignore"):
        tail = -np.log(math.exp(-k * FOG_R2) - k * (target - at_r2)) / k
    x = FOG_R1 + np.sqrt(2.0 * w * target * math.exp(k * FOG_R1))
    x = np.clip(x, FOG_R1, FOG_R2)
    slope = np.maximum((x - FOG_R1) / w * np.exp(-k * x), 1e-12)
    x = np.clip(x - (_fog_cdf(x, k) - target) / slope, FOG_R1, FOG_R2)
    return np.where(target > at_r2, tail, x)


@register("lidar_fog", "lidar", "fog extinction coefficient β in 1/m (MOR = ln 20 / β; "
          "Robo3D after Hahner et al. 2021: 0.008 / 0.05 / 0.2 light / moderate / heavy = "
          "severities 1 / 3 / 5; 2 and 4 linearly between)",
          (0.008, 0.029, 0.05, 0.125, 0.2))
def lidar_fog(data: Mapping[str, np.ndarray], beta: float, rng: np.random.Generator,
              context: Mapping[str, Any]) -> Result:
    """Hard returns × exp(−2βR); a fog return replaces one where stronger; returns below
    the detection floor are lost (see the module docstring)."""
    r, i, xyz = arrays(data)
    r_ref = reference_range(context)
    floor = detection_floor(r, i, context)
    mor = math.log(20.0) / beta
    live = r > 0
    p_hard = power(r, i, r_ref) * np.exp(-2.0 * beta * r)
    u = rng.random(r.shape[-2:])
    r_fog = _fog_profile_draw(np.broadcast_to(u, r.shape), np.where(live, r, 0.0), beta)
    scale = math.pi * FOG_BACKSCATTER / mor * LIGHT_SPEED * FOG_TAU_H / 2.0
    p_soft = scale * _overlap(r_fog) * np.exp(-2.0 * beta * r_fog) / r_fog**2
    soft = live & (r > FOG_R1) & (p_soft > p_hard) & _slot0(r.shape)
    return _echoes(data, r, xyz, live, soft, r_fog, p_soft, p_hard, floor, r_ref,
                   {"beta_per_m": beta, "mor_m": mor,
                    "backscatter_per_m_sr": FOG_BACKSCATTER / mor, "detection_floor": floor},
                   "fog_return_fraction")


def snow_rate_per_m(rate: float) -> tuple[float, float]:
    """(κ the rate per metre at which a beam axis meets flakes, Λ in 1/mm) at ``rate``."""
    n0 = 3.8e3 * rate**-0.87  # m⁻³ mm⁻¹
    lam = 2.55 * rate**-0.48  # mm⁻¹
    kappa = n0 * math.pi * SNOW_DIAMETER_RATIO**2 / (2.0 * lam**3) * 1e-6  # mm² → m²
    return kappa, lam


@register("lidar_snow", "lidar", "snowfall rate in mm/h water equivalent (Hahner et al. "
          "2022; docs/references.md#lidar-snow: 0.5 mm/h light, up to 2.5 mm/h; equal "
          "ratios ×1.5 between "
          "severities)", (0.5, 0.75, 1.12, 1.67, 2.5), precipitation=True)
def lidar_snow(data: Mapping[str, np.ndarray], rate: float, rng: np.random.Generator,
               context: Mapping[str, Any]) -> Result:
    """Flakes on the beams' paths give near, weak returns that replace the hard one where
    stronger; every return is attenuated by the snow (see the module docstring)."""
    kappa, lam = snow_rate_per_m(rate)

    def flakes(shape: tuple[int, ...]) -> np.ndarray:  # drawn by cross-section, melted × 2.15
        return SNOW_DIAMETER_RATIO * rng.gamma(3.0, 1.0 / lam, shape)

    return particle_echoes(data, rng, context, kappa, flakes, SNOW_REFLECTIVITY,
                           {"rate_mm_per_h": rate, "flake_rate_per_m": kappa})


@register("lidar_rain", "lidar", "rain rate in mm/h (Marshall–Palmer drops: extinction and "
          "drop echoes; light 2.5 … violent 50)", RAIN_RATES, precipitation=True)
def lidar_rain(data: Mapping[str, np.ndarray], rate: float, rng: np.random.Generator,
               context: Mapping[str, Any]) -> Result:
    """Raindrops as the snowfall's flakes: Marshall–Palmer sizes, met at the rate κ =
    ∫N(D)πD²/4 dD per metre (extinction 2κ, ``rain_physics``), each drop drawn by
    cross-section and returning as a Lambertian target of reflectivity 2π/S with S = 20 sr
    the lidar ratio of rain (our choice within the 15–25 sr reported for large drops)."""
    kappa = beam_meet_rate(rate)

    def drops(shape: tuple[int, ...]) -> np.ndarray:
        return draw_diameters(rng, rate, int(np.prod(shape)), 0.0, weight=2).reshape(shape)

    return particle_echoes(data, rng, context, kappa, drops, RAIN_REFLECTIVITY,
                           {"rate_mm_per_h": rate, "drop_rate_per_m": kappa})


def particle_echoes(data: Mapping[str, np.ndarray], rng: np.random.Generator,
                    context: Mapping[str, Any], kappa: float,
                    diameters_mm: Callable[[tuple[int, ...]], np.ndarray],
                    reflectivity: float, params: dict) -> Result:
    """Particles (flakes, drops) met along each beam's axis at the rate ``kappa`` per metre
    beyond the blind zone, one per beam at most, of diameter ``diameters_mm(beam shape)``:
    the particle covers a share of the footprint, returns that share × ``reflectivity``,
    and replaces the hard echo where stronger; all returns are attenuated by 2κ both ways
    and lost below the detection floor (see the module docstring, Snowfall)."""
    r, i, xyz = arrays(data)
    r_ref = reference_range(context)
    floor = detection_floor(r, i, context)
    live = r > 0
    ext = 2.0 * kappa
    p_hard = power(r, i, r_ref) * np.exp(-2.0 * ext * r)
    beam = r.shape[-2:]
    u_hit, u_where, diameter_mm = rng.random(beam), rng.random(beam), diameters_mm(beam)
    path = np.maximum(r - SNOW_BLIND_M, 0.0)
    reach = 1.0 - np.exp(-kappa * path)
    meets = live & (u_hit < reach) & _slot0(r.shape)
    r_part = SNOW_BLIND_M - np.log1p(-u_where * reach) / kappa
    footprint_mm = BEAM_DIVERGENCE * np.maximum(r_part, 1e-3) * 1e3
    cover = np.minimum(1.0, (diameter_mm / footprint_mm) ** 2)
    p_part = reflectivity * cover * np.exp(-2.0 * ext * r_part) / r_part**2
    p_hard = np.where(meets, p_hard * (1.0 - cover), p_hard)
    spurious = meets & (p_part > p_hard)
    return _echoes(data, r, xyz, live, spurious, r_part, p_part, p_hard, floor, r_ref,
                   {**params, "extinction_per_m": ext, "detection_floor": floor},
                   "spurious_fraction")


def _echoes(data, r, xyz, live, replaced, r_echo, p_echo, p_hard, floor, r_ref,
            params: dict, replaced_key: str) -> Result:
    """The weather's echo replaces the hard return where it is stronger; what then falls
    below the detection floor is lost. Records the share replaced and the share lost."""
    new_r = np.where(replaced, r_echo, r)
    new_p = np.where(replaced, p_echo, p_hard)
    kept = live & (new_p >= floor)
    new_r = np.where(kept, new_r, 0.0)
    n = max(int(live.sum()), 1)
    params = {**params, replaced_key: (replaced & kept).sum() / n,
              "lost_fraction": (live & ~kept).sum() / n}
    return Result(output(data, new_r, intensity_from_power(new_p, new_r, r_ref),
                         along_beam(xyz, r, new_r)), params, live & (replaced | ~kept))


def fresnel_transmission(cos_i: np.ndarray, n: float = WATER_INDEX) -> np.ndarray:
    """Unpolarised Fresnel power transmission from air into a medium of index n."""
    cos_i = np.clip(cos_i, 1e-6, 1.0)
    sin_t = np.sqrt(1.0 - cos_i**2) / n
    cos_t = np.sqrt(1.0 - sin_t**2)
    rs = ((cos_i - n * cos_t) / (cos_i + n * cos_t)) ** 2
    rp = ((cos_t - n * cos_i) / (cos_t + n * cos_i)) ** 2
    return 1.0 - 0.5 * (rs + rp)


def ground_returns(r: np.ndarray, xyz: np.ndarray, context: Mapping[str, Any]
                   ) -> tuple[np.ndarray, bool]:
    """(ground mask, whether the semantic labels were used)."""
    live = r > 0
    semantic = context.get("semantic")
    if semantic is not None and np.shape(semantic) == r.shape:
        return live & (np.asarray(semantic) == GROUND_CLASS), True
    z = xyz[..., 2]
    down = live & (z < 0)
    if not down.any():
        return np.zeros(r.shape, bool), False
    zs = np.sort(z[down])
    z_ground = float(np.median(zs[:max(1, len(zs) // 20)]))
    return down & (np.abs(z - z_ground) < GROUND_BAND_M), False


@register("wet_ground", "lidar", "water film height on the ground in mm "
          "(docs/references.md#robo3d: ≈ 0.2 mm "
          "light; ours up to 1.3 mm heavy: on outdoor_yard's ground every return is gone "
          "from ≈ 1.4 mm, so higher levels would add nothing)", (0.2, 0.4, 0.6, 0.9, 1.3))
def wet_ground(data: Mapping[str, np.ndarray], height_mm: float, rng: np.random.Generator,
               context: Mapping[str, Any]) -> Result:
    """Ground intensity × T(θ)²·exp(−h/h_r); weak ground returns vanish (module docstring).
    Deterministic."""
    r, i, xyz = arrays(data)
    r_ref = reference_range(context)
    floor = detection_floor(r, i, context)
    ground, labelled = ground_returns(r, xyz, context)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos_i = np.where(r > 0, -xyz[..., 2] / r, 1.0)
    factor = np.where(ground, fresnel_transmission(cos_i) ** 2
                      * math.exp(-height_mm / TEXTURE_DEPTH_MM), 1.0)
    new_p = power(r, i, r_ref) * factor
    lost = ground & (new_p < floor)
    new_r = np.where(lost, 0.0, r)
    n = max(int((r > 0).sum()), 1)
    return Result(output(data, new_r, i * factor, xyz * (new_r > 0)[..., None]),
                  {"water_height_mm": height_mm, "ground_fraction": ground.sum() / n,
                   "semantic_ground": float(labelled), "detection_floor": floor,
                   "mean_ground_factor": float(factor[ground].mean()) if ground.any() else 1.0,
                   "lost_fraction": lost.sum() / n}, lost)
