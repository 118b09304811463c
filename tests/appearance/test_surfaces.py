"""Procedural surfaces (simengine.appearance.surfaces): published albedo ranges, plausible
roughness and metalness, tileability, geometry of the patterns (found back by FFT and
closed-form areas), bump slopes against analytic derivatives, determinism and validation."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simengine.appearance import surfaces
from simengine.appearance._tileable import slope_from_height
from simengine.appearance.surfaces import SURFACE_PARAMS, SurfaceMaps, surface_maps
from simengine.assets.look import srgb_to_linear
from simengine.materials import MATERIAL_NAMES

PROCEDURAL = ("wood", "metal", "plastic", "fabric", "asphalt", "concrete", "brick", "grass",
              "cardboard", "glass")
SIZE = 128  # smaller tiles keep the tests fast; the patterns scale with the size

# Published visible albedo ranges (docs/references.md#surfaces): every value the
# randomisable albedo may take must lie inside, the default too.
PUBLISHED_ALBEDO = {
    "asphalt": (0.04, 0.20),  # new 0.04-0.05, aged 0.10-0.18; Oke 0.05-0.20
    "concrete": (0.20, 0.55),  # aged 0.20-0.30, new 0.40-0.55
    "grass": (0.15, 0.26),  # Oke: long 0.16, short 0.26
    "brick": (0.20, 0.40),  # Oke
    "wood": (0.10, 0.50),
    "cardboard": (0.20, 0.50),
    "fabric": (0.05, 0.70),
    "plastic": (0.05, 0.80),
}
LUMA = np.array([0.2126, 0.7152, 0.0722])


def _mean_albedo(maps: SurfaceMaps) -> float:
    linear = srgb_to_linear(maps.default_color) * maps.detail.mean(axis=(0, 1))
    return float(linear @ LUMA)


def test_every_material_name_has_a_surface():
    assert set(MATERIAL_NAMES) == set(SURFACE_PARAMS)
    assert set(PROCEDURAL) <= set(MATERIAL_NAMES)  # the same names as acoustics and lidar


@pytest.mark.parametrize("name", sorted(SURFACE_PARAMS))
def test_maps_have_the_declared_shapes_and_ranges(name):
    m = surface_maps(name, size=SIZE)
    assert m.detail.shape == (SIZE, SIZE, 3) and m.detail.dtype == np.float32
    assert m.roughness.shape == m.metalness.shape == (SIZE, SIZE)
    assert m.slope.shape == (SIZE, SIZE, 2) and m.slope.dtype == np.float32
    assert m.default_color.shape == (3,)
    assert ((m.default_color >= 0) & (m.default_color <= 1)).all()
    np.testing.assert_allclose(m.detail.mean(axis=(0, 1)), 1.0, atol=1e-4)
    assert (m.detail > 0).all()
    assert m.roughness.min() >= 0.02 and m.roughness.max() <= 1.0
    assert m.metalness.min() == m.metalness.max() == (1.0 if name == "metal" else 0.0)
    assert m.f0 == pytest.approx(0.04)  # ((n - 1) / (n + 1))² at n = 1.5
    assert m.tile_m > 0
    assert np.isfinite(m.slope).all()


@pytest.mark.parametrize("name", sorted(PUBLISHED_ALBEDO))
def test_albedo_stays_within_published_ranges(name):
    low, high = PUBLISHED_ALBEDO[name]
    field = SURFACE_PARAMS[name]["albedo"]
    assert low <= field.minimum <= field.default <= field.maximum <= high
    rng = np.random.default_rng(0)
    drawn = rng.uniform(field.minimum, field.maximum)
    for albedo in (field.minimum, field.default, field.maximum, drawn):
        m = surface_maps(name, {"albedo": float(albedo), "seed": 3}, size=SIZE)
        assert _mean_albedo(m) == pytest.approx(albedo, rel=2e-3)


def test_roughness_and_colour_are_plausible_per_material():
    mean_rough = {n: float(surface_maps(n, size=SIZE).roughness.mean()) for n in PROCEDURAL}
    # glossy glass < polished plastic and brushed metal < lacquered wood < matte surfaces
    assert mean_rough["glass"] <= 0.1
    assert mean_rough["glass"] < mean_rough["metal"] < mean_rough["wood"]
    assert mean_rough["plastic"] < mean_rough["wood"]
    for matte in ("fabric", "asphalt", "concrete", "brick", "grass", "cardboard"):
        assert mean_rough[matte] >= 0.75, matte
    linear = {n: srgb_to_linear(surface_maps(n, size=SIZE).default_color) for n in PROCEDURAL}
    assert linear["grass"][1] > linear["grass"][0] > linear["grass"][2]  # green
    assert linear["brick"][0] > linear["brick"][1] > linear["brick"][2]  # red-brown
    assert linear["wood"][0] > linear["wood"][1] > linear["wood"][2]  # brown
    # a metal's base colour is its reflectance at normal incidence (Real-Time Rendering)
    np.testing.assert_allclose(linear["metal"], surfaces.METAL_F0["iron"], atol=2e-3)
    gold = srgb_to_linear(surface_maps("metal", {"metal": "gold"}, size=SIZE).default_color)
    np.testing.assert_allclose(gold, (1.0, 0.782, 0.344), atol=2e-3)


def _seam_and_interior(a: np.ndarray, axis: int) -> tuple[float, np.ndarray]:
    """Mean |step| across the wrap seam and across every interior line, along an axis."""
    steps = np.abs(np.diff(a, axis=axis)).mean(axis=1 - axis)
    last, first = np.take(a, -1, axis=axis), np.take(a, 0, axis=axis)
    return float(np.abs(first - last).mean()), steps


def test_the_seam_check_sees_a_seam():
    ramp = np.tile(np.linspace(0.0, 1.0, SIZE), (SIZE, 1))
    seam, interior = _seam_and_interior(ramp, axis=1)
    assert seam > interior.max()


@pytest.mark.parametrize("name", PROCEDURAL)
def test_tiles_repeat_without_a_seam(name):
    """The step across the wrap seam is no larger than the interior's: within 10 % of the
    largest interior step (with 127 interior lines of random texture, a seamless wrap line
    is itself the largest one time in 128), and a typical step: over seeds, maps and both
    axes its rank among the interior steps averages near 1/2 (a seam ranks at the top)."""
    ranks = []
    for seed in range(6):
        m = surface_maps(name, {"seed": seed}, size=SIZE)
        fields = [m.detail @ LUMA.astype(np.float32), m.roughness, m.slope[..., 0],
                  m.slope[..., 1]]
        for field in fields:
            if np.ptp(field) == 0:
                continue
            for axis in (0, 1):
                seam, interior = _seam_and_interior(field.astype(np.float64), axis)
                assert seam <= 1.1 * interior.max() + 1e-12, (name, seed, axis)
                ranks.append((interior < seam).mean())
    if ranks:  # glass has no structure but its waviness
        assert np.mean(ranks) < 0.75, (name, np.mean(ranks))


def _peak_frequency(signal: np.ndarray) -> int:
    """Cycles per tile of the strongest non-constant Fourier component."""
    spectrum = np.abs(np.fft.rfft(signal - signal.mean()))
    return int(np.argmax(spectrum[1:]) + 1)


def test_wood_rings_and_fabric_threads_and_cardboard_flutes_repeat_as_asked():
    wood = surface_maps("wood", {"tile_m": 0.5, "ring_spacing_m": 0.01, "grain_warp": 0.0},
                        size=256)
    assert _peak_frequency((wood.detail @ LUMA).mean(axis=1)) == 50  # 0.5 m / 10 mm rings
    cloth = surface_maps("fabric", {"threads_per_tile": 32}, size=256)
    # one thread's height profile repeats once per thread along u; dh/du flips sign twice
    assert _peak_frequency(cloth.slope[..., 0].mean(axis=0)) == 32
    box = surface_maps("cardboard", {"tile_m": 0.2, "flute_pitch_m": 0.008}, size=256)
    assert _peak_frequency(box.slope[..., 1].mean(axis=1)) == 25


def test_brick_joints_cover_the_closed_form_area():
    p = {"brick_length_m": 0.215, "brick_height_m": 0.065, "mortar_m": 0.01,
         "bricks_per_row": 2, "bump_m": 0.01, "brick_variation": 0.0}
    m = surface_maps("brick", p, size=256)
    tile = 2 * (0.215 + 0.01)
    assert m.tile_m == pytest.approx(tile)
    courses = 2 * round(tile / (0.065 + 0.01) / 2)
    course = tile / courses
    joint_fraction = 1 - 0.215 * (course - 0.01) / ((0.215 + 0.01) * course)
    gradient = np.hypot(m.slope[..., 0], m.slope[..., 1])
    lum = m.detail @ LUMA
    mortar_albedo = lum > 1.25 * np.median(lum)  # mortar: 1.5x as bright as the bricks
    assert mortar_albedo.mean() == pytest.approx(joint_fraction, abs=0.03)
    # the faces are nearly flat (a fine grain); the arrises drop into the 10 mm recess with
    # a smoothstep over 0.4 joint widths, steepest at 1.5 × depth / width
    assert np.median(gradient[lum < 1.1 * np.median(lum)]) < 0.2
    assert gradient.max() == pytest.approx(1.5 * 0.01 / (0.4 * 0.01), rel=0.2)
    # running bond: the vertical joints of one course fall mid-brick in the next
    row_a = lum[int(0.5 * course / tile * 256)]  # middle of the first course
    row_b = lum[int(1.5 * course / tile * 256)]
    shift = np.argmax([np.dot(np.roll(row_a, s), row_b) for s in range(0, 256 // 2)])
    assert abs(shift - 256 / 4) <= 3  # half a brick of a two-brick tile


def test_slope_is_the_height_gradient_in_metres_per_metre():
    tile, size, amplitude = 2.0, 64, 0.003
    x = (np.arange(size) + 0.5) / size * tile  # metres along u (columns)
    v = 1.0 - (np.arange(size) + 0.5) / size  # texture v runs up while rows run down
    k = 2 * np.pi * 3 / tile
    height = amplitude * (np.sin(k * x)[None, :] + np.cos(k * v * tile)[:, None])
    slope = slope_from_height(height, tile)
    step = tile / size
    shrink = np.sin(k * step) / (k * step)  # central differences of a sinusoid
    np.testing.assert_allclose(slope[..., 0], amplitude * k * np.cos(k * x)[None, :] * shrink
                               * np.ones((size, 1)), atol=1e-6)
    np.testing.assert_allclose(slope[..., 1], -amplitude * k * np.sin(k * v * tile)[:, None]
                               * shrink * np.ones((1, size)), atol=1e-6)


def test_maps_are_deterministic_and_follow_the_seed():
    a = surfaces._cached_maps.__wrapped__("asphalt", tuple(sorted(
        surfaces.resolve_params("asphalt", {"seed": 5}).items())), SIZE)
    b = surface_maps("asphalt", {"seed": 5}, size=SIZE)
    for key in ("detail", "roughness", "slope"):
        assert getattr(a, key).tobytes() == getattr(b, key).tobytes()
    c = surface_maps("asphalt", {"seed": 6}, size=SIZE)
    assert not np.array_equal(b.detail, c.detail)
    assert surface_maps("asphalt", {"seed": 5}, size=SIZE) is b  # cached
    assert not b.detail.flags.writeable


@pytest.mark.parametrize(("name", "params", "message"), [
    ("granite", None, "unknown surface material 'granite'"),
    ("wood", {"grain": 1.0}, "unknown parameter"),
    ("wood", {"ring_spacing_m": 1.0}, "'ring_spacing_m': expected 0.002 <= value <= 0.015"),
    ("fabric", {"threads_per_tile": 40.5}, "expected an integer"),
    ("metal", {"metal": "lead"}, "expected one of"),
    ("brick", {"bump_m": "deep"}, "expected a number"),
])
def test_bad_parameters_are_named(name, params, message):
    with pytest.raises(ValueError, match=message):
        surface_maps(name, params, size=SIZE)


def test_size_must_be_a_power_of_two():
    with pytest.raises(ValueError, match="power of two"):
        surface_maps("wood", size=100)



def _digests() -> dict[str, str]:
    """sha256 of every material's maps (seed 7, 64² texels)."""
    out = {}
    for name in sorted(SURFACE_PARAMS):
        m = surface_maps(name, {"seed": 7}, size=64)
        h = hashlib.sha256()
        for a in (m.detail, m.roughness, m.metalness, m.slope, m.default_color):
            h.update(a.tobytes())
        out[name] = h.hexdigest()
    return out


def test_maps_are_byte_identical_in_a_fresh_process():
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": "1"}
    code = ("import json; from tests.appearance.test_surfaces import _digests; "
            "print(json.dumps(_digests()))")
    fresh = subprocess.run([sys.executable, "-c", code], env=env, cwd=root,
                           capture_output=True, text=True, check=True).stdout
    assert json.loads(fresh) == _digests()


@pytest.mark.parametrize("name", sorted(SURFACE_PARAMS))
@pytest.mark.parametrize("end", ["minimum", "maximum"])
def test_every_parameter_at_its_bounds_gives_valid_maps(name, end):
    fields = SURFACE_PARAMS[name]
    params = {k: (getattr(f, end) if f.kind != "string" else f.choices[-1])
              for k, f in fields.items()}
    for size in (8, 64):
        m = surface_maps(name, params, size=size)
        assert np.isfinite(m.detail).all() and (m.detail > 0).all(), (name, size)
        np.testing.assert_allclose(m.detail.mean(axis=(0, 1)), 1.0, atol=1e-4)
        assert np.isfinite(m.slope).all() and np.isfinite(m.roughness).all()
        assert m.roughness.min() >= 0.02 and m.roughness.max() <= 1.0
