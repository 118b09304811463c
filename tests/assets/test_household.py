"""Household generators: valid closed meshes whose trimesh extents are the sizes their
parameters promise, with the parts their docs name."""

from __future__ import annotations

import numpy as np
import pytest

from simengine.assets import generate, generators

from ._checks import check_built, check_valid, corners_and_draws

MM = 1e-3


def _round(p):  # a body of revolution: diameter across x and y, height along z
    return (p["diameter"], p["diameter"], p["height"])


EXTENTS = {
    "cardboard_box": lambda p: (p["length"], p["width"], p["height"]),
    "bowl": _round, "plate": _round, "bottle": _round, "can": _round,
    "mug": lambda p: (None, p["diameter"], p["height"]),  # x adds the handle; see below
    "book": lambda p: (p["length"], p["width"], p["thickness"]),
    "cutlery": lambda p: (p["length"], p["width"], None),
}
PARTS = {
    "cardboard_box": {"body"}, "bowl": {"body"}, "plate": {"body"}, "mug": {"body", "handle"},
    "bottle": {"body", "neck", "cap"}, "can": {"body", "lid"}, "book": {"cover", "pages"},
}
CUTLERY_PARTS = ({"handle", "head"}, {"handle", "blade"}, {"handle", "bowl"})


def test_the_household_family_is_registered():
    assert set(EXTENTS) <= set(generators("household"))


@pytest.mark.parametrize("name", sorted(EXTENTS))
def test_valid_meshes_with_promised_extents_over_the_ranges(name):
    for values in corners_and_draws(name):
        p, mesh, _ = check_built(name, values, EXTENTS[name], centred=name != "mug")
        expected = CUTLERY_PARTS[int(p["kind"])] if name == "cutlery" else PARTS[name]
        assert set(mesh.parts) == expected


def test_mug_body_is_centred_and_the_handle_stands_out_on_plus_x():
    p = {"height": 0.1, "diameter": 0.08, "wall": 0.004, "handle_reach": 0.03, "color": 0}
    tm = check_valid("mug", generate("mug", p))
    assert tm.bounds[0, 0] == pytest.approx(-0.04, abs=1e-9)
    assert 0.04 + 0.03 < tm.bounds[1, 0] < 0.04 + 0.03 + 0.01
    assert tm.bounds[1, 2] == pytest.approx(0.1)  # the handle stays below the rim


def test_a_330_ml_can_is_115_by_66_mm_and_holds_about_330_ml():
    tm = check_valid("can", generate("can", {"height": 0.115, "diameter": 0.066}))
    np.testing.assert_allclose(tm.extents, [0.066, 0.066, 0.115], atol=1e-9)
    # brim-full capacity of a 330 ml can is about 350 ml; the solid's volume is close
    assert 0.33e-3 < tm.volume < 0.40e-3


def test_hollow_ware_holds_less_than_its_envelope():
    mug = check_valid("mug", generate("mug", {"height": 0.1, "diameter": 0.08, "wall": 0.004,
                                              "handle_reach": 0.03, "color": 0}))
    envelope = np.pi * 0.04**2 * 0.1
    assert 0.1 * envelope < mug.volume < 0.35 * envelope
