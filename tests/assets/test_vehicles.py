"""Generated vehicles are valid solids whose trimesh bounds are the promised length, width and
height, whose tyres stand on the ground at the stored wheel centres, and whose cabin sits
narrower and shorter than the body."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import trimesh

from simengine.assets import generator, generators

from ._checks import check_built, corners, draws

VEHICLES = ("sedan", "suv", "van", "truck", "bus")
PARTS = {"body", "window", "tyre", "rim", "light", "tail_light", "plate"}


def check(name, values):
    p, m, mesh = check_built(name, values, lambda p: (p["length"], p["width"], p["height"]))
    assert set(m.parts) >= PARTS
    return p, m, mesh


def test_the_vehicle_generators_are_registered_and_cite_their_ranges():
    assert set(generators("vehicle")) >= set(VEHICLES)
    for name in VEHICLES:
        for key, p in generator(name).params.items():
            assert "docs/references.md#" in p.doc or "(ours)" in p.doc, key


@pytest.mark.parametrize(("name", "case"), list(itertools.product(VEHICLES, range(3))))
def test_low_high_and_middle_of_the_ranges(name, case):
    _, _, mesh = check(name, corners(name)[case])
    # every separate piece (body blocks, panes, lamps, tyres, rims) is a closed positive solid
    for piece in mesh.split(only_watertight=False):
        assert piece.is_watertight and piece.volume > 0


@pytest.mark.parametrize("name", VEHICLES)
def test_fifty_random_draws(name):
    for values in draws(name):
        check(name, values)


@pytest.mark.parametrize("name", VEHICLES)
def test_tyres_touch_the_ground_at_the_stored_wheel_centres(name):
    for values in corners(name):
        p, m, _ = check(name, values)
        centres = np.asarray(m.meta["wheel_centres"])
        assert len(centres) == (6 if name in ("truck", "bus") else 4)
        np.testing.assert_allclose(centres[:, 2], p["wheel_radius"])
        tyre = m.vertices[np.unique(m.faces[m.face_part == m.parts.index("tyre")])]
        assert tyre[:, 2].min() == pytest.approx(0.0, abs=1e-9)
        for c in centres:  # each wheel's tyre vertices lie within one radius of its centre
            near = tyre[np.linalg.norm(tyre - c, axis=1) <= p["wheel_radius"] + 1e-9]
            assert len(near) > 0
        # wheels sit inside the body's width, left and right, with front and rear axles
        assert np.abs(centres[:, 1]).max() < p["width"] / 2
        assert centres[:, 0].max() > 0 > centres[:, 0].min()
        assert m.meta["wheelbase"] <= p["wheelbase"] + 1e-12


@pytest.mark.parametrize("name", ("sedan", "suv", "van"))
def test_the_cabin_is_narrower_and_shorter_than_the_body(name):
    p, m, _ = check(name, {})
    top = m.vertices[m.vertices[:, 2] > 0.95 * p["height"]]
    assert np.ptp(top[:, 0]) < 0.9 * p["length"]
    assert np.ptp(top[:, 1]) < p["width"] - 0.05
    # a sloped windscreen: the roof's front edge is behind the cabin's foot
    window = m.vertices[np.unique(m.faces[m.face_part == m.parts.index("window")])]
    front = window[window[:, 0] > 0]
    low, high = front[front[:, 2].argmin()], front[front[:, 2].argmax()]
    assert high[0] < low[0] - 0.1


def test_windows_glass_and_lamps_have_their_materials():
    m = generator("sedan")()
    materials = dict(zip(m.parts, m.part_materials, strict=True))
    assert materials["window"] == "glass" and materials["tyre"] == "rubber"
    assert materials["rim"] == "metal"


def pieces_of(m, part):
    """The separate closed pieces of one part, as trimesh meshes."""
    mesh = trimesh.Trimesh(m.vertices, m.faces[m.face_part == m.parts.index(part)],
                           process=False)
    return mesh.split(only_watertight=False)


@pytest.mark.parametrize("name", VEHICLES)
def test_window_panes_are_laid_on_the_cabin_half_in_half_out(name):
    from scipy.spatial import Delaunay

    m = generator(name)()
    cabin = max(pieces_of(m, "body"), key=lambda piece: piece.bounds[1][2])  # the roof's piece
    inside = Delaunay(cabin.vertices)  # the cabin is convex: its vertices' Delaunay fills it
    panes = pieces_of(m, "window")
    assert len(panes) >= 3  # a windscreen and at least one pane a side
    for pane in panes:
        hits = inside.find_simplex(pane.vertices) >= 0
        assert hits.any() and not hits.all()


@pytest.mark.parametrize("name", VEHICLES)
def test_head_lamps_at_the_front_tail_lamps_and_plates_at_both_ends(name):
    p, m, _ = check(name, {})
    half = p["length"] / 2
    for part, ends in (("light", {1}), ("tail_light", {-1}), ("plate", {1, -1})):
        found = {int(np.sign(piece.centroid[0])) for piece in pieces_of(m, part)}
        assert found == ends, part
        for piece in pieces_of(m, part):
            assert abs(piece.bounds[:, 0]).max() == pytest.approx(half, abs=1e-9)
