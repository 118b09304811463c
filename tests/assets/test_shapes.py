"""The solid pieces generators assemble are closed, consistently wound outwards, and have the
volume and bounds of the solid they describe (checked with trimesh, and closed forms)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh

from simengine.assets import GenParam, PartMesh, generate, generator, generators
from simengine.assets.mesh import MeshBuilder
from simengine.assets.shapes import box, cylinder, extrude, lathe, sweep


def solid(piece) -> trimesh.Trimesh:
    mesh = trimesh.Trimesh(*piece, process=False)
    assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0
    return mesh


def test_box_volume_and_bounds():
    mesh = solid(box((1.0, 2.0, 3.0), (1.0, 0.0, 0.0)))
    assert mesh.volume == pytest.approx(6.0)
    np.testing.assert_allclose(mesh.bounds, [[0.5, -1.0, -1.5], [1.5, 1.0, 1.5]])


@pytest.mark.parametrize("axis", ["x", "y", "z"])
def test_cylinder_volume_approaches_pi_r2_h(axis):
    n = 64
    mesh = solid(cylinder(0.2, 1.0, n, axis=axis))
    polygon_area = 0.5 * n * 0.2**2 * math.sin(2 * math.pi / n)  # inscribed n-gon
    assert mesh.volume == pytest.approx(polygon_area * 1.0)
    assert mesh.extents[{"x": 0, "y": 1, "z": 2}[axis]] == pytest.approx(1.0)


def test_a_cup_profile_turning_back_on_itself_is_a_hollow_solid():
    outer, inner, height, floor = 0.04, 0.036, 0.1, 0.006
    mesh = solid(lathe([(0, 0), (outer, 0), (outer, height), (inner, height), (inner, floor),
                        (0, floor)], 48))
    ring = 0.5 * 48 * math.sin(2 * math.pi / 48)  # area factor of the 48-gon
    expected = ring * (outer**2 * height - inner**2 * (height - floor))
    assert mesh.volume == pytest.approx(expected)


def test_profiles_listed_top_down_still_face_outwards():
    assert solid(lathe([(0.2, 1.0), (0.2, 0.0)], 12)).volume == pytest.approx(
        solid(lathe([(0.2, 0.0), (0.2, 1.0)], 12)).volume)


def test_extrude_and_sweep():
    assert solid(extrude([(0, 0), (0, 1), (2, 1), (2, 0)], 0.5)).volume == pytest.approx(1.0)
    tube = solid(sweep([(0, 0, 0), (0, 0, 0.5), (0, 0, 1.0)], 0.05, 32))
    assert tube.volume == pytest.approx(0.5 * 32 * 0.05**2 * math.sin(2 * math.pi / 32))


def test_bad_pieces_are_refused():
    with pytest.raises(ValueError, match="profile"):
        lathe([(0.1, 0.0)])
    with pytest.raises(ValueError, match="polygon"):
        extrude([(0, 0), (1, 0)], 1.0)


def test_part_mesh_checks_its_labels():
    v, f = box((1, 1, 1))
    with pytest.raises(ValueError, match="face_part"):
        PartMesh(v, f, np.zeros(3, np.int16), ("body",), ((1, 1, 1),), ("wood",))
    b = MeshBuilder()
    b.add(b.part("a", (1, 0, 0), "wood"), box((1, 1, 1)))
    b.add(b.part("b", (0, 1, 0), "metal"), box((1, 1, 1), (2, 0, 0)))
    mesh = b.build()
    assert mesh.parts == ("a", "b") and np.bincount(mesh.face_part).tolist() == [12, 12]


def test_registry_lists_generators_and_checks_parameters():
    assert "cardboard_box" in generators() and "cardboard_box" in generators("household")
    with pytest.raises(KeyError, match="unknown generator 'sedann'"):
        generator("sedann")
    with pytest.raises(ValueError, match="unknown parameter 'lenght'"):
        generate("cardboard_box", {"lenght": 0.3})
    with pytest.raises(ValueError, match=r"length: expected a value in \[0.15, 0.8\] m"):
        generate("cardboard_box", {"length": 2.0})
    with pytest.raises(ValueError):
        GenParam(2.0, 1.0)


def test_the_cardboard_box_has_the_asked_size_and_rests_on_the_ground():
    mesh = generate("cardboard_box", {"length": 0.4, "width": 0.3, "height": 0.2})
    np.testing.assert_allclose(mesh.to_trimesh().bounds, [[-0.2, -0.15, 0.0], [0.2, 0.15, 0.2]])
