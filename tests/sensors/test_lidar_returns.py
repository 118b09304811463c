"""Lidar returns against closed forms: intensity and detection on a flat ground, range noise
against the datasheet figures, strongest/last returns at an object's edge.

Independent references: plane and sphere geometry, the lidar equation written out here
(ρ·cos θ·exp(−2αR)/R², floor ρ_d/R_d²), the VLP-16 and OS1-64 accuracy figures of
docs/references.md#os1-64 (±3 cm; ±3 cm at SNR 100 and ±10 cm at SNR 12).
"""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pytest

import simengine
from simengine.materials import material
from simengine.spec.loader import scene_from_dict


def lidar_scene(objects: list[dict], preset: str, overrides: dict, position=(0.0, 0.0, 0.0),
                ground=False, pose_extra: dict | None = None) -> dict:
    return {
        "name": "lidar_returns",
        "world": {"ground": ground, "gravity": [0.0, 0.0, 0.0]},
        "objects": objects,
        "simulation": {"capture_times": [0.0], "duration": 0.1},
        "sensors": [{"name": "l", "preset": preset, "overrides": overrides,
                     "pose": {"position": list(position), **(pose_extra or {})}}],
    }


def fixed(name: str, template: dict, position) -> dict:
    return {"name": name, "template": {**template, "fixed": True}, "position": list(position)}


def render(scene: dict, seed: int = 0, *, inside_solid: bool = False) -> dict:
    """Sample 0. ``inside_solid``: the fixture puts the lidar inside a solid on purpose (a
    sphere around it, whose inner surface every beam meets at normal incidence), which a
    scene may not do (``simengine.placement``): the placement checks are off for it."""
    if not inside_solid:
        return simengine.Engine(scene_from_dict(scene, source="<lidar_returns>"),
                                seed).sample(0)
    with mock.patch("simengine.placement.check_placements"), \
            mock.patch("simengine.attempts.instance_problem", return_value=None):
        return simengine.Engine(scene_from_dict(scene, source="<lidar_returns>"),
                                seed).sample(0)


def test_intensity_and_detection_on_flat_ground():
    """2 m above concrete (reflectivity overridden to 0.4 for this lidar), fog-like
    extinction α = 0.01 /m, detection floor 30 m at 80 %: each downward beam returns iff
    0.4·sin(−e)·exp(−2αR)/R² ≥ 0.8/30² at R = 2/sin(−e), with intensity
    0.4·sin(−e)·exp(−2αR)·min(1, (10/R)²)."""
    alpha, rho = 0.01, 0.4
    far = fixed("far", {"shape": "sphere", "radius": 0.1}, (40, 40, 5))
    s = render(lidar_scene([far], "vlp16", {
        "columns": 90, "range_noise_std": 0.0, "beam_divergence_mrad": 0.0,
        "atmospheric_attenuation": alpha, "detection_range_m": 30.0,
        "detection_reflectivity": 0.8, "reflectivity": {"concrete": rho}},
        position=(0.0, 0.0, 2.0), ground={"material": "concrete"}))
    el = np.radians(s["lidar/l/elevation"].astype(np.float64))[:, None] * np.ones((1, 90))
    down = el < 0
    r = np.where(down, 2.0 / np.sin(np.abs(el) + ~down), np.inf)
    power = rho * np.sin(-el) * np.exp(-2 * alpha * r) / r**2
    seen = down & (power >= 0.8 / 30.0**2) & (r <= 100.0)
    assert 0 < seen[:, 0].sum() < down[:, 0].sum()  # the floor drops the far ground rings
    rng, inten = s["lidar/l/range"][0], s["lidar/l/intensity"][0]
    np.testing.assert_array_equal(rng > 0, seen)
    np.testing.assert_allclose(rng[seen], r[seen], rtol=1e-6)
    want = power * np.minimum(r**2, 10.0**2)
    np.testing.assert_allclose(inten[seen], want[seen], rtol=1e-5)
    assert np.all(inten[~seen] == 0) and np.all(s["lidar/l/semantic"][0][seen] == 1)
    np.testing.assert_array_equal(s["lidar/l/return_count"][0], seen.astype(np.uint8))


def test_randomised_reflectivity_is_drawn_per_sample_and_used():
    """A distribution over concrete's reflectivity: each sample records its draw in the
    scene instance, and its ground intensities are that draw × sin(−e) (near range, where
    min(1, (R_ref/R)²) = 1)."""
    scene = lidar_scene([fixed("far", {"shape": "sphere", "radius": 0.1}, (40, 40, 5))],
                        "vlp16", {"columns": 8, "range_noise_std": 0.0,
                                  "beam_divergence_mrad": 0.0, "detection_range_m": None,
                                  "reflectivity": {"concrete": {"uniform": [0.2, 0.6]}}},
                        position=(0.0, 0.0, 1.0), ground={"material": "concrete"})
    engine = simengine.Engine(scene_from_dict(scene, source="<refl>"), seed=4)
    draws = []
    for k in range(2):
        s = engine.sample(k)
        rho = simengine.decode_instance(s["meta/instance_json"]).sensor("l").params[
            "reflectivity"]["concrete"]
        el = np.radians(s["lidar/l/elevation"].astype(np.float64))
        near = (el < 0) & (1.0 / np.sin(np.abs(el) + (el >= 0)) < 10.0)
        np.testing.assert_allclose(s["lidar/l/intensity"][0][near],
                                   (rho * np.sin(-el[near]))[:, None] * np.ones((1, 8)),
                                   rtol=1e-5)
        draws.append(rho)
    assert min(draws) >= 0.2 and max(draws) <= 0.6 and draws[0] != draws[1]


def sphere_around(radius: float) -> list[dict]:
    """A big sphere centred on the sensor: every beam meets it at normal incidence at
    exactly ``radius`` (the default material, reflectivity 0.5)."""
    return [fixed("shell", {"shape": "sphere", "radius": radius}, (0.0, 0.0, 0.0))]


@pytest.mark.parametrize("preset, radius, sigma", [
    ("vlp16", 20.0, 0.03),  # datasheet accuracy ±3 cm (as 1-σ)
    # OS1-64: SNR = 10·P/P_min with P = 0.5/R², P_min = 0.8/120²: R = 30 m → SNR 100,
    # R = √7500 m → SNR 12; the datasheet's σ at those SNRs
    ("os1_64", 30.0, 0.03),
    ("os1_64", math.sqrt(7500.0), 0.10),
])
def test_range_noise_std_matches_the_datasheet(preset, radius, sigma):
    assert material("default").reflectivity == 0.5
    s = render(lidar_scene(sphere_around(radius), preset, {"columns": 512}), inside_solid=True)
    rng = s["lidar/l/range"][0].astype(np.float64)
    assert np.all(rng > 0)
    err = rng - radius
    n = err.size
    # the sample std of n normals has a relative standard error of 1/√(2n) (≈ 0.6 % here)
    assert abs(err.std() / sigma - 1.0) < 5.0 / math.sqrt(2 * n), err.std()
    assert abs(err.mean()) < 5.0 * sigma / math.sqrt(n)


EDGE_AZIMUTH = 0.5  # deg: a column's centre with 360 columns
BOX_FACE, WALL_FACE = 3.5, 7.9


def edge_scene(mode: str) -> dict:
    """A box whose right vertical edge lies exactly on the beam of the +0.5° column, in
    front of a wall: that column's footprint is half on each."""
    y_edge = BOX_FACE * math.tan(math.radians(EDGE_AZIMUTH))
    box = fixed("box", {"shape": "box", "size": [1.0, 2.0, 6.0]},
                (BOX_FACE + 0.5, y_edge + 1.0, 0.0))
    wall = fixed("wall", {"shape": "box", "size": [0.2, 40.0, 40.0]}, (WALL_FACE + 0.1, 0, 0))
    return lidar_scene([box, wall], "vlp16", {
        "columns": 360, "range_noise_std": 0.0, "detection_range_m": None,
        "beam_divergence_mrad": 20.0, "beam_samples": 16, "return_mode": mode})


def test_dual_return_at_a_box_edge():
    s = render(edge_scene("dual"))
    az = s["lidar/l/azimuth"].astype(np.float64)
    col = int(np.argmin(np.abs(az - EDGE_AZIMUTH)))
    el = np.radians(s["lidar/l/elevation"].astype(np.float64))
    a = math.radians(az[col])
    box_range = BOX_FACE / (np.cos(el) * math.cos(a))
    wall_range = WALL_FACE / (np.cos(el) * math.cos(a))
    rng, inst = s["lidar/l/range"][0], s["lidar/l/instance"][0]  # (2, R, C)
    assert rng.shape[0] == 2
    np.testing.assert_array_equal(s["lidar/l/return_count"][0][:, col], 2)
    # strongest: the near box (1/R² favours it), last: the wall behind
    np.testing.assert_array_equal(inst[0, :, col], 1)
    np.testing.assert_array_equal(inst[1, :, col], 2)
    # the echo's range is the mean over its half of the 20 mrad footprint: within
    # R·tan(e)·δ/2 of the centre ray's range on the tilted rings (≤ 1 cm here)
    tol = BOX_FACE * np.tan(np.abs(el)) * 0.01 / np.cos(el) + 1e-3
    assert np.all(np.abs(rng[0, :, col] - box_range) <= tol)
    assert np.all(np.abs(rng[1, :, col] - wall_range) <= tol * WALL_FACE / BOX_FACE)
    # away from edges a beam has one return; columns well inside the box see the box only
    inside = np.abs(az - 15.0) < 5.0
    np.testing.assert_array_equal(s["lidar/l/return_count"][0][:, inside], 1)
    assert np.all(inst[1][:, inside] == 0) and np.all(rng[1][:, inside] == 0)
    # single-return modes pick one of the two echoes
    strongest = render(edge_scene("strongest"))["lidar/l/instance"][0]
    last = render(edge_scene("last"))["lidar/l/instance"][0]
    np.testing.assert_array_equal(strongest[:, col], inst[0, :, col])
    np.testing.assert_array_equal(last[:, col], inst[1, :, col])
