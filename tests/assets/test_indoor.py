"""Indoor generators: valid closed meshes whose trimesh extents are the sizes their
parameters promise, with the parts, board counts and heights their docs describe."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from simengine.assets import generate, generators

from ._checks import check_built, corners_and_draws

MM = 1e-3
EXTENTS = {  # (x, y, z) extents from the parameters; the front faces +x
    "table": lambda p: (p["length"], p["width"], p["height"]),
    "chair": lambda p: (p["seat_depth"], p["seat_width"], p["height"]),
    "shelf": lambda p: (p["depth"], p["width"], p["height"]),
    "cabinet": lambda p: (p["depth"], p["width"], p["height"]),
    "sofa": lambda p: (p["depth"], p["length"], p["height"]),
    "pallet": lambda p: (p["length"], p["width"], p["height"]),
}
PARTS = {
    "table": {"top", "leg", "apron"}, "chair": {"seat", "leg", "back"},
    "shelf": {"side", "shelf", "back"}, "cabinet": {"carcass", "door", "handle"},
    "sofa": {"base", "seat", "back", "arm", "foot"}, "pallet": {"deck", "block"},
}


def part_mesh(mesh, name: str) -> trimesh.Trimesh:
    faces = mesh.faces[mesh.face_part == mesh.parts.index(name)]
    return trimesh.Trimesh(mesh.vertices, faces, process=False)


def pieces(mesh, name: str) -> int:
    """Connected closed pieces of one part (boards, doors, blocks)."""
    return len(part_mesh(mesh, name).split(only_watertight=False))


def test_the_indoor_family_is_registered():
    assert set(EXTENTS) <= set(generators("indoor"))


@pytest.mark.parametrize("name", sorted(EXTENTS))
def test_valid_meshes_with_promised_extents_over_the_ranges(name):
    for values in corners_and_draws(name):
        _, mesh, _ = check_built(name, values, EXTENTS[name])
        assert set(mesh.parts) == PARTS[name]


@pytest.mark.parametrize("shelves", [2, 4, 7])
def test_a_shelf_has_one_board_per_level_plus_the_top(shelves):
    mesh = generate("shelf", {"shelves": shelves})
    assert pieces(mesh, "shelf") == shelves + 1


@pytest.mark.parametrize("doors", [1, 2])
def test_a_cabinet_has_its_doors_and_a_handle_on_each_at_the_front(doors):
    mesh = generate("cabinet", {"doors": doors})
    assert pieces(mesh, "door") == pieces(mesh, "handle") == doors
    assert part_mesh(mesh, "handle").bounds[1, 0] == pytest.approx(mesh.bounds[1, 0])


def test_seats_are_at_their_seat_height_and_a_chair_back_is_behind_the_sitter():
    chair = generate("chair", {"seat_height": 0.45})
    assert part_mesh(chair, "seat").bounds[1, 2] == pytest.approx(0.45)
    assert part_mesh(chair, "back").bounds.mean(axis=0)[0] < 0  # the sitter faces +x
    sofa = generate("sofa", {"seat_height": 0.42})
    assert part_mesh(sofa, "seat").bounds[1, 2] == pytest.approx(0.42)


def test_the_default_pallet_is_a_eur_pallet_with_nine_blocks():
    mesh = generate("pallet")
    np.testing.assert_allclose(mesh.to_trimesh().extents, [1.2, 0.8, 0.144], atol=1e-9)
    assert pieces(mesh, "block") == 9


@pytest.mark.parametrize("height", [0.14, 0.16])
def test_pallet_fork_openings_meet_iso_6780(height):
    mesh = generate("pallet", {"height": height})
    blocks = part_mesh(mesh, "block").bounds
    # the deck's boards above a block row's gap: opening = block + stringer board heights
    deck = part_mesh(mesh, "deck")
    top_boards_bottom = deck.vertices[:, 2][deck.vertices[:, 2] > blocks[1, 2] + 1e-9].min()
    assert top_boards_bottom - blocks[0, 2] >= 0.098 - 1e-9
