"""Surface maps packed into mip tables (simengine.appearance.packing): the packed levels
carry the maps, and filtering a bump turns its lost slope variance into roughness as the
closed form of a sinusoidal bump says."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from simengine.appearance.mipmaps import sample_mip
from simengine.appearance.packing import _filtered_shading, surface_tables
from simengine.appearance.surfaces import surface_maps


def _flat_maps_with_bump(size, cycles, amplitude_m, tile_m, roughness):
    """SurfaceMaps of a constant roughness and a height A·sin(2π·cycles·u) (u in tiles)."""
    base = surface_maps("plastic", {"roughness": roughness, "roughness_variation": 0.0},
                        size=size)
    x = (np.arange(size) + 0.5) / size
    k = 2 * np.pi * cycles / tile_m  # radians per metre
    slope_u = amplitude_m * k * np.cos(2 * np.pi * cycles * x)
    slope = np.zeros((size, size, 2), np.float32)
    slope[..., 0] = slope_u[None, :]
    return dataclasses.replace(base, slope=slope, tile_m=tile_m,
                               roughness=np.full((size, size), roughness, np.float32))


def test_packed_tables_hold_the_maps_at_level_zero():
    maps = [surface_maps(n, size=32) for n in ("brick", "metal", "grass")]
    tables = surface_tables(maps)
    size = 32
    rows, cols = np.mgrid[0:size, 0:size]
    u, v = (cols + 0.5) / size, 1.0 - (rows + 0.5) / size
    for t, m in enumerate(maps):
        np.testing.assert_allclose(sample_mip(tables.detail, t, u, v, 0.0), m.detail,
                                   atol=1e-5)
        shading = sample_mip(tables.shading, t, u, v, 0.0)
        out = np.array([_filtered_shading(s) for s in shading.reshape(-1, 6)])
        np.testing.assert_allclose(out[:, 0], m.roughness.ravel(), atol=1e-4)
        np.testing.assert_allclose(out[:, 1], m.metalness.ravel(), atol=0)
        np.testing.assert_allclose(out[:, 2:], m.slope.reshape(-1, 2), atol=1e-5)
    assert tables.tile_m[0] == pytest.approx(maps[0].tile_m)
    np.testing.assert_allclose(tables.default_color[1], maps[1].default_color, atol=1e-6)


def test_a_filtered_bump_becomes_roughness():
    size, cycles, amplitude, tile, r0 = 64, 4, 0.004, 0.5, 0.3
    tables = surface_tables([_flat_maps_with_bump(size, cycles, amplitude, tile, r0)])
    top = sample_mip(tables.shading, 0, 0.3, 0.7, 40.0)  # the 1×1 level: (6,)
    roughness, metalness, mu, mv = _filtered_shading(top)
    # the mean of cos² over whole periods is 1/2: slope variance (A·k)²/2, mean slope 0
    k = 2 * np.pi * cycles / tile
    expected = (r0**4 + (amplitude * k) ** 2 / 2) ** 0.25
    assert mu == pytest.approx(0.0, abs=1e-6) and mv == pytest.approx(0.0, abs=1e-6)
    assert roughness == pytest.approx(expected, rel=1e-4)
    assert roughness > r0 + 0.05  # the flattened bump's facets still scatter
    assert metalness == 0.0
