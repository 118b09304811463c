"""Impact loudness from energy: real PyBullet drops against closed forms.

Expected numbers come from closed forms written here, not from the code under test: the
dissipated energy ``J v (1 - e) / 2``, the pulsating-sphere radiation ratio
``(ka)^2 / (1 + (ka)^2)`` applied to the material table's own fields, energy ~ drop height,
and Koss & Alfredson's rigid-body (acceleration) radiation of a sphere stopped by a Hertz
contact as the floor no impact of a steel ball can be quieter than.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import simengine
from simengine.materials import MATERIAL_NAMES, material
from simengine.physics.events import ContactEvent
from simengine.sensors.microphone.synthesis import impact_click, impact_pressure
from simengine.spec.loader import scene_from_dict

G = 9.81
RHO_C = 413.0  # Pa s/m, air at 20 °C
RHO_AIR, C_AIR = 1.204, 343.0
P_REF2 = 4e-10  # (20 µPa)^2


def drop_scene(shape: dict, mass: float, drop: float, material_name: str, ground: str,
               mic_height: float = 1.0, duration: float = 1.0, restitution: float = 0.0):
    """A body released ``drop`` m above the ground (restitution 0 by default: PyBullet's
    pair restitution is the product, so no bounce and e = 0), a 4-capsule array right
    above."""
    half = shape.get("radius", shape.get("size", [0, 0, 0.0])[2] / 2 if "size" in shape else 0)
    return scene_from_dict({
        "name": "drop",
        "world": {"gravity": [0, 0, -G], "ground": {"material": ground},
                  "bounds": {"min": [-5, -5, -1], "max": [5, 5, 5]}},
        "objects": [{"name": "body", "template": {
            **shape, "mass": mass, "friction": 0.5, "restitution": restitution,
            "material": material_name, "class": "body"},
            "position": [0.0, 0.0, half + drop]}],
        "simulation": {"time_step": 1 / 240, "capture_times": [duration],
                       "duration": duration},
        "sensors": [{"name": "mic", "preset": "circular4_r32mm",
                     "overrides": {"self_noise_db_spl": 0.0, "sample_rate": 48000,
                                   "output_stems": True},
                     "pose": {"position": [0.0, 0.0, mic_height]}}],
    }, source="<drop>")


def impact_exposure(spec) -> float:
    """Sound exposure (Pa² s) of the impact stem at capsule 0."""
    sample = simengine.Engine(spec, seed=0).sample(0)
    stem = sample["audio/mic/stems"][0, 0].astype(np.float64)  # impacts, capsule 0
    return float(np.sum(stem**2)) / 48000.0


def sel(exposure: float) -> float:
    return 10.0 * math.log10(exposure / P_REF2)


def koss_alfredson_energy(radius: float, density: float, young: float, poisson: float,
                          dv: float) -> float:
    """Sound energy (J) radiated by a rigid sphere whose velocity changes by ``dv`` during a
    Hertz contact with a rigid half-space of the same elastic constants (Koss & Alfredson
    1973: compact dipole, ``p = rho_0 a^3 cos(theta) / (2 c r) * da/dt``). Half-sine
    acceleration of duration ``t_c`` (Hertz: ``2.87 (m^2 / (R E*^2 v))^(1/5)``); energy
    ``pi rho_0 a^6 / (3 c^3) * integral (da/dt)^2 dt = pi rho_0 a^6 / (3 c^3) * A^2 pi^2 /
    (2 t_c)`` with peak acceleration ``A = pi dv / (2 t_c)``."""
    mass = density * 4.0 / 3.0 * math.pi * radius**3
    e_star = young / (2.0 * (1.0 - poisson**2))  # two bodies of the same material
    t_c = 2.87 * (mass**2 / (radius * e_star**2 * dv)) ** 0.2
    peak = math.pi * dv / (2.0 * t_c)
    jerk2 = peak**2 * math.pi**2 / (2.0 * t_c)
    return math.pi * RHO_AIR * radius**6 / (3.0 * C_AIR**3) * jerk2


def test_steel_ball_drop_is_above_the_rigid_body_radiation_floor() -> None:
    """(a) A 25 mm steel ball (64 g) dropped 5 cm onto a steel ground, heard 1 m above: its
    impact's exposure level at the array is at least what the ball's own deceleration
    radiates (Koss & Alfredson's closed form; ringing only adds), and within 20 dB of it."""
    radius, drop = 0.0125, 0.05
    mass = 7800.0 * 4.0 / 3.0 * math.pi * radius**3
    spec = drop_scene({"shape": "sphere", "radius": radius}, mass, drop, "metal", "metal")
    level = sel(impact_exposure(spec))
    v = math.sqrt(2.0 * G * drop)
    floor = koss_alfredson_energy(radius, 7800.0, 210e9, 0.3, v)  # e = 0: dv = v
    floor_sel = sel(floor * RHO_C / (4.0 * math.pi))  # free field at 1 m
    # The ground's mirror image doubles the pressure at most (+6.02 dB) above a hard floor.
    assert level - 20.0 * math.log10(2.0) >= floor_sel
    assert level <= floor_sel + 20.0


def test_level_grows_as_ten_log_drop_height() -> None:
    """(d) Dissipated energy is m g h (e = 0), so the exposure level of the same drop from
    four times higher is 10 lg 4 = 6.02 dB more."""
    shape = {"shape": "box", "size": [0.08, 0.08, 0.08]}
    low = impact_exposure(drop_scene(shape, 0.4, 0.1, "wood", "concrete"))
    high = impact_exposure(drop_scene(shape, 0.4, 0.4, "wood", "concrete"))
    # Not exact: the recorded impulse also holds the body's weight over the solver's impact
    # window (m g x 10 ms, 7 % of m v at 0.1 m, 3.5 % at 0.4 m) and PyBullet samples v a step
    # early; both shave a few tenths of a dB off the difference (measured 5.5 dB).
    assert sel(high) - sel(low) == pytest.approx(10.0 * math.log10(4.0), abs=0.75)


def test_a_bouncy_body_dissipates_less() -> None:
    """A bounce of restitution e dissipates m v^2 (1 - e^2) / 2 of the same fall's kinetic
    energy: the first impact of a ball with e = 0.6 is 10 lg(1 - 0.36) = 1.9 dB below
    the same ball with e = 0 (the window ends before the second bounce)."""
    shape = {"shape": "sphere", "radius": 0.03}
    dead = impact_exposure(drop_scene(shape, 0.1, 0.3, "plastic", "concrete", duration=0.45))
    bouncy = impact_exposure(drop_scene(shape, 0.1, 0.3, "plastic", "concrete",
                                        duration=0.45, restitution=0.6))
    assert sel(bouncy) - sel(dead) == pytest.approx(10.0 * math.log10(1.0 - 0.6**2), abs=0.75)


def test_object_resting_on_the_floor_is_silent() -> None:
    """(c) A box placed on the floor touches it for the whole recording but never hits it:
    no impact sound."""
    from simengine.physics.world import simulate

    spec = drop_scene({"shape": "box", "size": [0.3, 0.3, 0.2]}, 20.0, 0.0, "metal",
                      "concrete")
    events = simulate(simengine.Engine(spec, seed=0).instance(0), spec.schedule,
                      spec.world).recording.events
    assert events and max(e.impulse for e in events) > 1.0  # the contact is recorded...
    assert impact_exposure(spec) == 0.0  # ...and makes no sound (an impulse law banged)


def test_slow_contacts_are_silent_whatever_their_impulse() -> None:
    e = ContactEvent(0.1, 1, 0, "metal", "concrete", 2.0, 1.0, (0, 0, 0), (0, 0, 1),
                     impulse=500.0, speed=0.05)  # a heavy cabinet settling
    click = impact_click(np.random.default_rng(0), 1.0, 16000)
    assert impact_pressure(e, click, 16000.0, 1.0) is None


def efficiency(name: str, size: float, environment: bool = False) -> float:
    """Radiated / dissipated energy of one body, from the table's fields: the modes share
    the vibration energy as a_k^2; each radiates (ka)^2 / (1 + (ka)^2) of the material's
    efficiency (pulsating sphere of radius size / 2); the environment keeps only
    eta / (eta + 1 / sqrt(f)) of it (the rest leaves through the structure)."""
    m = material(name)
    a2 = np.array([amp for _, _, amp in m.modes]) ** 2
    f = np.array([m.f0_hz * r for r, _, _ in m.modes]) * 0.1 / size
    ka = 2.0 * math.pi * f * size / 2.0 / C_AIR
    here = m.loss_factor / (m.loss_factor + 1.0 / np.sqrt(f)) if environment else 1.0
    return m.radiation_efficiency * float(np.sum(a2 / a2.sum() * ka**2 / (1.0 + ka**2) * here))


def test_radiated_energy_never_exceeds_efficiency_times_dissipated_energy() -> None:
    """(b) Over many random impacts, the dry signal's energy (4 pi r^2 / (rho c) * integral
    p^2 dt at 1 m) is at most eta * J v (1 - e) / 2 (e unknown: 0), and, when the window
    holds the whole ringing and every mode is below Nyquist, not far below it."""
    rng = np.random.default_rng(7)
    full = 0
    for _ in range(200):
        ma, mb = rng.choice(MATERIAL_NAMES, 2)
        sa, sb = 10.0 ** rng.uniform(-1.7, 0.7, 2)
        fs = float(rng.choice([16000, 48000]))
        impulse, speed = 10.0 ** rng.uniform(-3, 3), rng.uniform(0.0, 8.0)
        rest = float(rng.choice([0.05, 2.0]))
        e = ContactEvent(0.0, 1, 0, str(ma), str(mb), float(sa), float(sb), (0, 0, 0),
                         (0, 0, 1), impulse=float(impulse), speed=float(speed))
        x = impact_pressure(e, impact_click(rng, 1.0, int(fs)), fs, rest)
        eta = 0.5 * (efficiency(str(ma), sa) + efficiency(str(mb), sb, environment=True))
        budget = 0.5 * impulse * speed * eta  # J v (1 - e) / 2 with e = 0
        if speed < 0.1:
            assert x is None
            continue
        radiated = 4.0 * math.pi / RHO_C * float(np.sum(x**2)) / fs
        assert radiated <= budget * (1.0 + 1e-9)
        bodies = ((material(str(ma)), sa), (material(str(mb)), sb))  # b: the environment
        ring = max(1.0 / (math.pi * m.f0_hz * 0.1 / s * m.loss_factor) for m, s in bodies)
        top = max(m.f0_hz * max(r for r, _, _ in m.modes) * 0.1 / s for m, s in bodies)
        if rest > 6.0 * ring and top < 0.45 * fs:
            full += 1
            assert radiated >= 0.5 * budget
    assert full >= 10  # the lower check ran
