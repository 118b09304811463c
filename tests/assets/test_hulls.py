"""Convex-hull pieces are closed, wound outwards, and have the closed-form volume and bounds of
the solid they describe (checked with trimesh)."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from simengine.assets.hulls import chamfered_box, hull, slab, tapered_block


def solid(piece) -> trimesh.Trimesh:
    mesh = trimesh.Trimesh(*piece, process=False)
    assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0
    assert mesh.area_faces.min() > 1e-10
    return mesh


def test_hull_of_a_cube_with_an_inner_point_keeps_only_the_corners():
    corners = [(x, y, z) for x in (0, 1) for y in (0, 1) for z in (0, 1)]
    mesh = solid(hull([*corners, (0.5, 0.5, 0.5)]))
    assert len(mesh.vertices) == 8 and mesh.volume == pytest.approx(1.0)


def test_chamfered_box_volume_is_the_box_less_its_edges_and_corners():
    a, b, h, c = 1.0, 2.0, 3.0, 0.1
    mesh = solid(chamfered_box((0, 0, 0), (a, b, h), c))
    # each of the 12 edges loses a prism of section c^2/2; each corner keeps a c^3/6 tetrahedron
    edges = 4 * (c * c / 2) * ((a - 2 * c) + (b - 2 * c) + (h - 2 * c))
    assert mesh.volume == pytest.approx(a * b * h - edges - 8 * (c**3 - c**3 / 6))
    np.testing.assert_allclose(mesh.bounds, [[0, 0, 0], [a, b, h]])


def test_chamfer_too_large_is_refused():
    with pytest.raises(ValueError):
        chamfered_box((0, 0, 0), (1, 1, 0.1), 0.05)


def test_tapered_block_is_a_frustum_of_a_wedge():
    mesh = solid(tapered_block((-1.0, 1.0), (-0.5, 0.5), 1.0, 0.5, (0.0, 1.0)))
    # prismatoid: V = h/6 (A_bottom + 4 A_mid + A_top)
    assert mesh.volume == pytest.approx((4.0 + 4 * (1.5 * 1.5) + 1.0) / 6)
    np.testing.assert_allclose(mesh.bounds, [[-1, -1, 0], [1, 1, 1]])


def test_slab_stands_half_its_thickness_either_side_of_its_face():
    mesh = solid(slab([(0, 0, 1), (2, 0, 1), (2, 1, 1), (0, 1, 1)], (0, 0, 3), 0.02))
    assert mesh.volume == pytest.approx(2 * 1 * 0.02)
    np.testing.assert_allclose(mesh.bounds, [[0, 0, 0.99], [2, 1, 1.01]])
