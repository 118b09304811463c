"""Checks shared by the generator-family tests: every build is a valid mesh (trimesh's own
watertight and winding tests, no degenerate faces) at the corners, the middle and random
draws of its parameter ranges."""

from __future__ import annotations

import numpy as np
import trimesh

from simengine.assets import generator


def corners_and_draws(name: str, draws: int = 50) -> list[dict]:
    """Low corner, high corner, middle (None) and ``draws`` uniform draws (seed 0)."""
    params = generator(name).params
    rng = np.random.default_rng(0)
    out: list = [{k: p.low for k, p in params.items()}, {k: p.high for k, p in params.items()},
                 None]
    for _ in range(draws):
        out.append({k: int(rng.integers(int(p.low), int(p.high) + 1)) if p.integer
                    else float(rng.uniform(p.low, p.high)) for k, p in params.items()})
    return out


def corners(name: str) -> list[dict]:
    """The low corner, the high corner and the middle (``{}``: every value resolved to the
    middle of its range) of a generator's parameters."""
    return [*corners_and_draws(name, 0)[:2], {}]


def draws(name: str, n: int = 50) -> list[dict]:
    """``n`` uniform draws over the ranges (seed 0)."""
    return corners_and_draws(name, n)[3:]


def check_valid(name: str, mesh) -> trimesh.Trimesh:
    tm = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
    if generator(name).watertight:
        assert tm.is_watertight, name
    assert tm.is_winding_consistent, name
    assert tm.volume > 0, name
    assert tm.area_faces.min() > 1e-10, name
    assert set(np.unique(mesh.face_part)) == set(range(len(mesh.parts))), "a part has no faces"
    # rests on the floor, centred on its footprint (checked by the caller where the
    # footprint is not the bounding box, e.g. a mug's handle)
    assert abs(tm.bounds[0, 2]) < 1e-9, name
    return tm


def check_appearance(mesh) -> None:
    """Every part names a known material and a linear-RGB colour inside [0, 1]."""
    from simengine.materials import MATERIALS

    known = {m.name for m in MATERIALS}
    assert set(mesh.part_materials) <= known, mesh.part_materials
    assert all(0.0 <= c <= 1.0 for rgb in mesh.part_colors for c in rgb)


MM = 1e-3


def check_built(name: str, values, extents=None, centred: bool = True):
    """Build ``name`` at ``values`` and check it: a valid mesh (``check_valid``) of known
    materials and colours, whose trimesh extents are what ``extents(p)`` promises for the
    resolved parameters p (None: any), to 1 mm, with its footprint centred on x = y = 0
    unless ``centred`` is False (a mug's handle). Returns (p, mesh, trimesh mesh)."""
    g = generator(name)
    p = g.resolve(values)
    mesh = g(values)
    tm = check_valid(name, mesh)
    check_appearance(mesh)
    for axis, want in enumerate(extents(p) if extents else ()):
        if want is not None:
            assert abs(tm.extents[axis] - want) <= MM, (name, axis, tm.extents[axis], want, p)
    if centred:
        centre = tm.bounds.mean(axis=0)
        assert abs(centre[0]) < MM and abs(centre[1]) < MM, (name, centre)
    return p, mesh, tm
