"""The generated road: valid closed pieces, trimesh bounds equal to the widths and lengths the
parameters promise, lane lines where the lanes meet, dashes of the stated length and period,
and sidewalks as high as the kerb."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from simengine.assets import generator

from ._checks import check_appearance, check_valid, corners_and_draws

KERB_WIDTH = 0.15  # m, the generator's kerb stone (a constant, not a parameter)


def part_pieces(mesh, part: str) -> list[trimesh.Trimesh]:
    """The closed pieces of one part, as trimesh splits them."""
    faces = mesh.faces[mesh.face_part == mesh.parts.index(part)]
    return trimesh.Trimesh(mesh.vertices, faces, process=False).split(only_watertight=True)


@pytest.mark.parametrize("case", range(53))
def test_bounds_are_the_parameters(case) -> None:
    values = corners_and_draws("road", 50)[case]
    g = generator("road")
    p = g.resolve(values)
    mesh = g(values)
    check_appearance(mesh)
    tm = check_valid("road", mesh)
    half = p["lanes"] * p["lane_width"] / 2 + p["parking_width"]
    outer = half + KERB_WIDTH + p["sidewalk_width"]
    np.testing.assert_allclose(tm.bounds, [[-p["length"] / 2, -outer, 0.0],
                                           [p["length"] / 2, outer, p["kerb_height"]]],
                               atol=1e-6)
    assert set(mesh.parts) == {"asphalt", "marking", "kerb", "sidewalk"}
    assert dict(zip(mesh.parts, mesh.part_materials, strict=True)) == {
        "asphalt": "asphalt", "marking": "lane_paint", "kerb": "concrete",
        "sidewalk": "concrete"}
    for walk in part_pieces(mesh, "sidewalk"):
        assert walk.bounds[1, 2] == pytest.approx(p["kerb_height"])
        assert abs(walk.bounds[0, 1]) >= half + KERB_WIDTH - 0.0011  # beyond the kerb


def test_lane_lines_dash_at_the_stated_length_and_period() -> None:
    values = {"length": 60.0, "lanes": 3, "lane_width": 3.5, "dash_length": 3.0,
              "dash_gap": 6.0, "marking_width": 0.12, "parking_width": 2.0}
    mesh = generator("road")(values)
    lines = part_pieces(mesh, "marking")
    ys = np.array([piece.bounds.mean(axis=0)[1] for piece in lines])
    lengths = np.array([np.ptp(piece.bounds[:, 0]) for piece in lines])
    edges = np.isclose(lengths, 60.0)
    np.testing.assert_allclose(sorted(ys[edges]), [-5.25 + 0.06, 5.25 - 0.06])
    dashes = ~edges
    # two dashed lines where three lanes meet, at y = -1.75 and +1.75
    np.testing.assert_allclose(sorted(set(np.round(ys[dashes], 6))), [-1.75, 1.75])
    np.testing.assert_allclose(lengths[dashes], 3.0)
    starts = np.sort([piece.bounds[0, 0] for piece, d in zip(lines, dashes, strict=True)
                      if d and piece.bounds.mean(axis=0)[1] > 0])
    np.testing.assert_allclose(np.diff(starts), 9.0)
    assert len(starts) == 7  # (60 + 6) // 9: 7 dashes and 6 gaps span 57 m of the 60
    assert starts[0] == pytest.approx(-28.5)  # centred along the section
    for piece in lines:  # paint lies on the asphalt
        assert piece.bounds[0, 2] == pytest.approx(0.005)


def test_objects_stand_on_a_road_surface() -> None:
    """With ``surface: true`` the spawner places objects over the road's bounding box, and
    the physics rests them on its asphalt and its sidewalk (closed-form heights)."""
    import simengine
    from simengine.spec.loader import scene_from_dict

    kerb = 0.12
    scene = {
        "name": "road_surface",
        "objects": [
            {"name": "road", "template": {"shape": "procedural", "generator": "road",
                                          "fixed": True, "surface": True,
                                          "params": {"length": 20.0, "kerb_height": kerb,
                                                     "lanes": 2, "lane_width": 3.5,
                                                     "parking_width": 0.0,
                                                     "sidewalk_width": 3.0}},
             "position": [0, 0, 0]},
            {"name": "on_lane", "template": {"shape": "box", "size": [0.4, 0.4, 0.4]},
             "position": [0.0, -1.75, 0.3]},
            {"name": "on_walk", "template": {"shape": "box", "size": [0.4, 0.4, 0.4]},
             "position": [2.0, 5.0, 0.45]},
        ],
        "simulation": {"capture_times": [1.5], "duration": 1.5},
        "sensors": [{"name": "cam", "preset": "rgbd_d435_640x480",
                     "overrides": {"width": 64, "height": 48},
                     "pose": {"position": [8, -8, 4], "look_at": [0, 0, 0]}}],
    }
    sample = simengine.Engine(scene_from_dict(scene), seed=0).sample(0)
    instance = simengine.decode_instance(sample["meta/instance_json"])
    assert [o.group for o in instance.objects] == ["road", "on_lane", "on_walk"]
    z = sample["objects/position"][0, 1:3, 2]
    np.testing.assert_allclose(z, [0.005 + 0.2, kerb + 0.2], atol=3e-3)
