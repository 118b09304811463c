"""Generated street furniture is made of valid closed solids whose trimesh bounds are what the
parameters promise (heights, footprints), with the parts each object is named for."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import trimesh

from simengine.assets import generator, generators

from ._checks import check_built, corners, draws

# generator -> (parts it must have, the extents (x, y, z) its parameters promise; None: any)
EXPECTED = {
    "cone": ({"body", "base", "band"}, lambda p: (p["base"], p["base"], p["height"])),
    "pole": ({"pole", "base"}, lambda p: (None, None, p["height"])),
    "bin": ({"body", "rim"}, lambda p: (p["diameter"], p["diameter"], p["height"])),
    "bench": ({"seat", "back", "frame"}, lambda p: (p["depth"], p["length"], p["height"])),
    "tree": ({"trunk", "crown"},
             lambda p: (p["crown_diameter"], p["crown_diameter"], p["height"])),
    "building": ({"wall", "window", "door", "roof"},
                 lambda p: (p["depth"], p["bays"] * p["bay_width"], None)),
    "traffic_light": ({"pole", "housing", "red", "amber", "green"},
                      lambda p: (None, None, p["height"])),
    "sign": ({"pole", "plate", "face"},
             lambda p: (None, p["size"], p["mounting_height"] + p["size"])),
    "barrier": ({"body"}, lambda p: (None, p["length"], p["height"])),
}
NAMES = tuple(EXPECTED)


def check(name, values):
    parts, extents = EXPECTED[name]
    p, m, mesh = check_built(name, values, extents)
    assert set(m.parts) >= parts
    return p, m, mesh


def test_the_street_generators_are_registered_and_cite_their_ranges():
    assert set(generators("street")) >= set(NAMES)
    for name in NAMES:
        for p in generator(name).params.values():
            assert "docs/references.md#" in p.doc


@pytest.mark.parametrize(("name", "case"), list(itertools.product(NAMES, range(3))))
def test_low_high_and_middle_of_the_ranges(name, case):
    _, _, mesh = check(name, corners(name)[case])
    for piece in mesh.split(only_watertight=False):  # every piece a closed positive solid
        assert piece.is_watertight and piece.volume > 0


@pytest.mark.parametrize("name", NAMES)
def test_fifty_random_draws(name):
    for values in draws(name):
        check(name, values)


def test_cone_bands_stand_proud_of_its_body_and_it_tapers():
    m = generator("cone")({"height": 0.75, "base": 0.4})

    def rings(part):  # (radius, z) of the part's vertices off the axis
        v = m.vertices[np.unique(m.faces[m.face_part == m.parts.index(part)])]
        r = np.hypot(v[:, 0], v[:, 1])
        return r[r > 1e-9], v[r > 1e-9, 2]

    r, z = rings("body")
    (r_top, z_top), (r_bottom, z_bottom) = ((r[z.argmax()], z.max()), (r[z.argmin()], z.min()))
    assert r_top < 0.4 * r_bottom
    band_r, band_z = rings("band")
    surface = r_bottom + (r_top - r_bottom) * (band_z - z_bottom) / (z_top - z_bottom)
    assert (band_r > surface + 1e-3).all()  # the collars wrap the body, never sink in it


def test_building_has_a_window_per_bay_and_floor_on_its_front():
    floors, bays = 3, 4
    m = generator("building")({"floors": floors, "bays": bays, "depth": 10.0})
    mesh = trimesh.Trimesh(m.vertices, m.faces, process=False)
    front = [piece for piece in mesh.split(only_watertight=False)
             if piece.bounds[0][0] > 4.9 and piece.extents[0] < 0.05]
    assert len(front) == floors * bays  # windows plus the one door that replaces a window


def test_sign_shapes_differ_in_plate_area():
    areas = []
    for shape in (0, 1, 2):
        m = generator("sign")({"shape": shape, "size": 0.9})
        mesh = trimesh.Trimesh(m.vertices, m.faces, process=False)
        sheet = [c for c in mesh.split(only_watertight=False) if c.extents[0] < 0.002]
        assert len(sheet) == 1
        areas.append(sheet[0].volume / 0.001)
    # a disc of diameter s (a 32-gon: 0.6 % short), a point-up triangle of base and height s,
    # a square of side s
    np.testing.assert_allclose(areas, [np.pi / 4 * 0.81, 0.5 * 0.81, 0.81], rtol=0.01)


def test_sign_face_is_retroreflective_sheeting_in_front_of_the_plate():
    m = generator("sign")({"shape": 2, "size": 0.9})
    materials = dict(zip(m.parts, m.part_materials, strict=True))
    assert materials["face"] == "retroreflective" and materials["plate"] == "metal"
    names = list(m.parts)
    face = m.vertices[np.unique(m.faces[m.face_part == names.index("face")])]
    plate = m.vertices[np.unique(m.faces[m.face_part == names.index("plate")])]
    assert face[:, 0].min() == pytest.approx(plate[:, 0].max())  # on the plate's front
    assert face[:, 0].max() == pytest.approx(m.vertices[:, 0].max())  # the sign's front
