"""The physically based pass's lights against closed forms (radiometry, not our code).

A camera looks straight down at a grey Lambert floor (F0 0, roughness 1: the specular lobe
vanishes), so each pixel's linear radiance is albedo/π × the irradiance of its floor point:

- a rectangular Lambertian panel of luminance L parallel to the floor: E = L·π·F, F the
  view factor of a differential area to a parallel rectangle (sum of four corner rectangles,
  F = 1/(2π)·Σ [a/√(1+a²)·atan(b/√(1+a²)) + b/√(1+b²)·atan(a/√(1+b²))], a, b the sides over
  the height; Howell's catalogue of configuration factors, case B-5);
- a point lamp of flux Φ: E = Φ/(4π)·cos θ/d²; a spot keeps E = Φ/(2π(1 − cos ½cone))·cos θ/d²
  inside its inner cone and 0 outside its cone;
- the sun's disc (angular radius δ, straight overhead) behind the straight edge of a plate at
  height h: the visible fraction of the disc at a floor point x from the edge's shadow line
  is (acos(s) − s·√(1 − s²))/π, s = x/(h·tan δ) (a circular segment's area).

Every image is also checked to be the same on one and on two Numba threads.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simengine.geometry.scene_geometry import BOX, PartDesc, PosedPart, build_geometry
from simengine.sensors.camera.lighting import (
    IRR_AZIMUTH,
    IRR_ELEVATION,
    Lighting,
    constant_map,
    lamp_rows,
)
from simengine.sensors.camera.pbr import render_pbr, uniform_surfaces
from simengine.sensors.camera.projection import CameraModel
from simengine.sensors.camera.sampling import subpixel_offsets
from simengine.sensors.camera.shading import Pose, shade_frame
from tests.conftest import on_one_and_two_threads

W = H = 64
F = 40.0  # px: a ±1.6 m field at 2 m
CAM_HEIGHT = 2.0
GREY = 0.7  # sRGB of the floor
ALBEDO = ((GREY + 0.055) / 1.055) ** 2.4


def lambert():
    return uniform_surfaces(1.0, f0=0.0)


def box(half, position, instance=0):
    return PosedPart(PartDesc(BOX, half, 0, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 1.0)),
                     np.asarray(position, np.float64), (0.0, 0.0, 0.0, 1.0), instance, instance,
                     "plastic", (GREY, GREY, GREY))


FLOOR = box((4.0, 4.0, 0.05), (0.0, 0.0, -0.05))


def lighting(*, lamps=(), sun_rgb=0.0, sun_cos=1.0, shadows=True) -> Lighting:
    dark = constant_map(0.0)
    return Lighting(physical=True, sun_dir=np.array([0.0, 0.0, 1.0]), sun_cos=sun_cos,
                    sun_rgb=np.full(3, sun_rgb), env_light=dark, env_background=dark,
                    irradiance=constant_map(0.0, IRR_ELEVATION, IRR_AZIMUTH),
                    lamps=lamp_rows(list(lamps)), shadows=shadows)


def render(parts, light: Lighting, spp: int = 16):
    """Linear radiance seen looking straight down from 2 m (image x = world x, image y =
    world −y), and each pixel's floor point (x, y)."""
    geometry = build_geometry(parts)
    model = CameraModel(W, H, np.array([[F, 0, (W - 1) / 2], [0, F, (H - 1) / 2], [0, 0, 1]]),
                        np.zeros(5))
    R = np.array([[1.0, 0, 0], [0, -1.0, 0], [0, 0, -1.0]])  # optical z down, x along world x
    pose = Pose(R, np.array([0.0, 0.0, CAM_HEIGHT]), np.zeros(3), np.zeros(3))
    flat = {"direction": (0.0, 0.0, -1.0), "ambient": 0.0, "intensity": 0.0, "shadows": False}
    centre = shade_frame(model, pose, geometry, 0.05, 100.0, flat, (0, 0, 0), None, np.zeros(H))
    samples = [(0.0, p) for p in subpixel_offsets(spp)]

    def run():
        return render_pbr(model, pose, geometry, 0.05, 100.0, light, np.zeros(H), samples,
                          centre, ao_rays=0, ao_radius=1.0, ao_filter_px=0,
                          surfaces=lambert())[0]

    one, two = on_one_and_two_threads(run)
    assert one.tobytes() == two.tobytes()
    u, v = np.meshgrid(np.arange(W), np.arange(H))
    x = (u - (W - 1) / 2) / F * CAM_HEIGHT
    y = -(v - (H - 1) / 2) / F * CAM_HEIGHT
    return one, x, y


def corner_factor(a: float, b: float) -> float:
    """View factor from a differential area to a parallel rectangle with one corner above it
    (sides a, b over the height)."""
    sa, sb = math.sqrt(1 + a * a), math.sqrt(1 + b * b)
    return (a / sa * math.atan(b / sa) + b / sb * math.atan(a / sb)) / (2 * math.pi)


def rectangle_factor(x: float, y: float, w: float, length: float, h: float) -> float:
    """View factor from the floor point (x, y) to a w × length rectangle centred above the
    origin at height h, parallel to the floor: signed sum of four corner rectangles."""
    total = 0.0
    for cx in (w / 2 - x, w / 2 + x):
        for cy in (length / 2 - y, length / 2 + y):
            s = math.copysign(1.0, cx) * math.copysign(1.0, cy)
            total += s * corner_factor(abs(cx) / h, abs(cy) / h)
    return total


def test_area_lamp_irradiance_is_the_view_factor_of_a_rectangle():
    w, length, h, flux = 1.2, 0.4, 1.5, 3000.0
    lamp = {"type": "area", "position": [0.0, 0.0, h], "direction": [0.0, 0.0, -1.0],
            "luminous_flux_lm": flux, "color": [1, 1, 1], "cone_deg": 90.0,
            "size": [w, length]}
    # (a panel facing straight down has its width along world x: _brdf_kernels._basis)
    image, x, y = render([FLOOR], lighting(lamps=[lamp], shadows=False), spp=64)
    luminance = flux / (math.pi * w * length)
    expected = np.array([[luminance * math.pi * rectangle_factor(x[j, i], y[j, i], w, length, h)
                          for i in range(W)] for j in range(H)]) * ALBEDO / math.pi
    got = image[..., 1]
    rel = np.abs(got - expected) / expected
    print(f"area lamp: mean rel {rel.mean():.4f} max {rel.max():.4f}")
    assert rel.mean() < 0.01 and rel.max() < 0.05


@pytest.mark.parametrize("kind", ["point", "spot"])
def test_point_and_spot_lamps_follow_the_inverse_square_law(kind):
    h, flux, cone = 1.5, 800.0, 60.0
    lamp = {"type": kind, "position": [0.3, -0.2, h], "direction": [0.0, 0.0, -1.0],
            "luminous_flux_lm": flux, "color": [1, 1, 1], "cone_deg": cone,
            "size": [0.0, 0.0]}
    image, x, y = render([FLOOR], lighting(lamps=[lamp], shadows=False), spp=1)
    d2 = (x - 0.3) ** 2 + (y + 0.2) ** 2 + h * h
    cos = h / np.sqrt(d2)
    half = math.radians(cone / 2)
    intensity = flux / (4 * math.pi) if kind == "point" else \
        flux / (2 * math.pi * (1 - math.cos(half)))
    expected = intensity * cos / d2 * ALBEDO / math.pi
    got = image[..., 1]
    inside = cos > math.cos(0.8 * half) if kind == "spot" else np.ones_like(cos, bool)
    np.testing.assert_allclose(got[inside], expected[inside], rtol=5e-4)  # float32 sums
    if kind == "spot":
        assert np.all(got[cos < math.cos(half)] == 0.0)
        assert inside.sum() > 100 and (cos < math.cos(half)).sum() > 100


def test_sun_disc_penumbra_is_the_occluded_share_of_the_disc():
    """A plate at 1.6 m covers the floor at x < 0; the sun (angular radius 6°, exaggerated so
    the penumbra spans three pixels) stands overhead. A pixel's value is its samples' mean, so
    the closed form is averaged over the floor points of the pixel's sample rays, times the
    mean cosine of the disc's directions, (1 + cos δ)/2. Each sample takes one point of the
    disc, so a pixel's share is a 64-point estimate: pixels scatter by ~0.025 (measured),
    while the mean over a column of pixels (the same x) follows the closed form within
    0.005 (measured ≤ 0.0035)."""
    delta, h, sun_e, spp = math.radians(6.0), 1.6, 1000.0, 64
    plate = box((1.0, 3.0, 0.01), (-1.0, 0.0, h), instance=1)
    light = lighting(sun_rgb=sun_e, sun_cos=math.cos(delta))
    image, x, _ = render([FLOOR, plate], light, spp=spp)

    def visible(xs):
        s = np.clip(xs / (h * math.tan(delta)), -1.0, 1.0)
        return 1.0 - (np.arccos(s) - s * np.sqrt(1.0 - s * s)) / math.pi

    offsets = subpixel_offsets(spp)
    expected = np.mean([visible(x + du / F * CAM_HEIGHT) for du, _ in offsets], axis=0)
    expected *= sun_e * ALBEDO / math.pi * (1.0 + math.cos(delta)) / 2.0
    floor = x[0] > 0.05  # columns beside the plate's image (the camera sees past its edge)
    share = (image[..., 1] / (sun_e * ALBEDO / math.pi))[:, floor]
    want = (expected / (sun_e * ALBEDO / math.pi))[:, floor]
    column_err = np.abs(share.mean(axis=0) - want.mean(axis=0))
    band = x[0, floor] < h * math.tan(delta)
    print(f"penumbra: {band.sum()} columns in the band, column err max "
          f"{column_err.max():.4f}, pixel err max {np.abs(share - want).max():.4f}")
    assert band.sum() >= 2 and np.all(want[:, band].mean(axis=0) < 0.95)  # a real penumbra
    assert column_err.max() < 0.005
    assert np.abs(share - want).max() < 0.1
