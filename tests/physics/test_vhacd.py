"""``collision: vhacd``: a concave mesh collides as VHACD's convex pieces, cached on disk.

A U-shaped trough (a floor slab and two walls, written with trimesh) stands on the ground
and a small ball is dropped into it. With the default single convex hull the trough's
opening is a lid: the ball rests on the wall-top plane, at z = H + r. With VHACD's pieces the
ball falls in and rests on the trough's floor, at z = T + r (closed form; VHACD's pieces
follow its voxel grid, up to a few millimetres off the surface: 3.4 mm measured here).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import trimesh
import yaml

from simengine._pybullet import pybullet as p
from simengine.assets.procedural import mesh_arrays
from simengine.instance import SceneInstance, sample_instance
from simengine.physics import vhacd
from simengine.physics.bodies import environment_parts, spawn_environment, spawn_object
from simengine.spec.loader import load_scene

HALF_WIDTH, WALL, HEIGHT = 0.1, 0.01, 0.06  # the trough: outer half width, wall/floor, height
BALL = 0.03  # ball radius: fits the 0.18 m wide opening with room to spare
TOLERANCE = 0.003  # PyBullet's contact with a hull of the exact vertices
# VHACD's pieces: about one cell of its 64-cell voxel grid (3.1 mm over the 0.2 m trough) off
# the true surface, plus the contact tolerance
VHACD_TOLERANCE = 2 * HALF_WIDTH / 64 + 0.002


def trough_mesh() -> trimesh.Trimesh:
    def box(lo, hi):
        b = trimesh.creation.box(np.subtract(hi, lo))
        b.apply_translation(np.add(lo, hi) / 2)
        return b

    w, t, h = HALF_WIDTH, WALL, HEIGHT
    return trimesh.util.concatenate([  # the floor, the wall at -x, the wall at +x
        box((-w, -w, 0), (w, w, t)), box((-w, -w, 0), (-w + t, w, h)),
        box((w - t, -w, 0), (w, w, h))])


def write_scene(folder, collision: str | None):
    trough_mesh().export(folder / "trough.stl")
    trough = {"shape": "mesh", "mesh": "trough.stl", "mass": 2.0, "class": "trough"}
    if collision is not None:
        trough["collision"] = collision
    scene = {
        "name": "trough", "world": {"ground": {"material": "concrete"}},
        "objects": [{"name": "trough", "template": trough},
                    {"name": "ball", "position": [0, 0, HEIGHT + 3 * BALL],
                     "template": {"shape": "sphere", "radius": BALL, "mass": 0.05,
                                  "restitution": 0.0}}],
        "sensors": [{"name": "cam", "preset": "rgbd_d435_640x480",
                     "pose": {"position": [1, 0, 1], "look_at": [0, 0, 0]}}],
    }
    path = folder / f"trough_{collision}.yaml"
    path.write_text(yaml.safe_dump(scene), encoding="utf-8")
    return path


def resting_ball_height(scene_path) -> float:
    return settled_ball_height(sample_instance(load_scene(scene_path), 0, 0))


def settled_ball_height(instance: SceneInstance) -> float:
    """The height of the object of group ``ball`` after 2 s under gravity, the instance's
    bodies spawned in a fresh PyBullet client as the engine spawns them."""
    client = p.connect(p.DIRECT)
    try:
        p.setGravity(0, 0, -9.81, physicsClientId=client)
        for part in environment_parts(instance):
            spawn_environment(part, client)
        bodies = {o.group: spawn_object(o, client) for o in instance.objects}
        for _ in range(480):  # 2 s at 240 Hz: the ball has fallen and settled
            p.stepSimulation(physicsClientId=client)
        pos, _ = p.getBasePositionAndOrientation(bodies["ball"], physicsClientId=client)
        return pos[2]
    finally:
        p.disconnect(client)


def obj_pieces(text: str) -> list[trimesh.Trimesh]:
    """The objects (``o``) of an OBJ text as meshes (OBJ indices count over the whole file)."""
    vertices, pieces = [], []
    for line in text.splitlines():
        tag, *rest = line.split() or [""]
        if tag == "o":
            pieces.append([])
        elif tag == "v":
            vertices.append([float(x) for x in rest])
        elif tag == "f":
            pieces[-1].append([int(x.split("/")[0]) - 1 for x in rest])
    v = np.array(vertices)
    return [trimesh.Trimesh(v, np.array(f), process=True) for f in pieces]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One cache folder for the module: VHACD runs once for the trough."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SIMENGINE_CACHE_DIR", str(folder))
        yield folder


def test_hull_holds_the_ball_on_the_rim(tmp_path):
    assert resting_ball_height(write_scene(tmp_path, None)) == pytest.approx(
        HEIGHT + BALL, abs=TOLERANCE)


def test_vhacd_lets_the_ball_into_the_cavity(tmp_path, cache):
    assert resting_ball_height(write_scene(tmp_path, "vhacd")) == pytest.approx(
        WALL + BALL, abs=VHACD_TOLERANCE)
    files = list((cache / "vhacd").glob("*.obj"))
    assert len(files) == 1
    pieces = obj_pieces(files[0].read_text())
    assert len(pieces) >= 3  # at least the floor and the two walls
    assert all(piece.is_convex for piece in pieces)


def test_cached_decomposition_is_reused(tmp_path, cache, monkeypatch):
    scene = write_scene(tmp_path, "vhacd")
    v, f = mesh_arrays(str(tmp_path / "trough.stl"))  # the arrays the engine decomposes
    first = vhacd.decomposed_obj(v, f)  # cached by the previous test (same file content)
    stamp = os.stat(first).st_mtime_ns

    def no_vhacd(*args, **kwargs):
        raise AssertionError("VHACD ran although the decomposition is cached")

    monkeypatch.setattr(vhacd.p, "vhacd", no_vhacd)
    assert resting_ball_height(scene) == pytest.approx(WALL + BALL, abs=VHACD_TOLERANCE)
    assert vhacd.decomposed_obj(v, f) == first
    assert os.stat(first).st_mtime_ns == stamp
    assert len(list((cache / "vhacd").iterdir())) == 1  # no temporary folder left behind


def test_decomposition_is_deterministic(tmp_path, cache, monkeypatch):
    """A fresh run (an empty cache folder) writes the same bytes as the cached one."""
    write_scene(tmp_path, "vhacd")
    v, f = mesh_arrays(str(tmp_path / "trough.stl"))
    cached = vhacd.decomposed_obj(v, f)
    monkeypatch.setenv("SIMENGINE_CACHE_DIR", str(tmp_path / "fresh"))
    fresh = vhacd.decomposed_obj(v, f)
    assert fresh != cached
    assert Path(fresh).read_bytes() == Path(cached).read_bytes()


def test_collision_key_is_recorded_only_when_given(tmp_path):
    """Instances of templates without the key keep their bytes; a given key round-trips."""
    plain = sample_instance(load_scene(write_scene(tmp_path, None)), 0, 0)
    chosen = sample_instance(load_scene(write_scene(tmp_path, "vhacd")), 0, 0)
    assert all("collision" not in o for o in plain.to_dict()["objects"])
    assert chosen.to_dict()["objects"][0]["collision"] == "vhacd"
    assert SceneInstance.from_dict(chosen.to_dict()) == chosen


def copy_as_decomposition(src, dst, log, **params):
    """A stand-in for pybullet.vhacd (instant): the input mesh as one "piece"."""
    Path(dst).write_text("o convex_0\n" + Path(src).read_text(), encoding="ascii")


def test_unwritable_cache_folder_falls_back_to_a_process_folder(tmp_path, monkeypatch):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("")  # the cache root is a file: no folder can be made under it
    monkeypatch.setenv("SIMENGINE_CACHE_DIR", str(blocker))
    monkeypatch.setattr(vhacd.p, "vhacd", copy_as_decomposition)
    mesh = trough_mesh()
    out = Path(vhacd.decomposed_obj(mesh.vertices, mesh.faces))
    assert blocker not in out.parents and out.read_text().startswith("o convex_0\nv ")
    assert vhacd.decomposed_obj(mesh.vertices, mesh.faces) == str(out)


def test_cache_name_follows_content_and_parameters(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMENGINE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(vhacd.p, "vhacd", copy_as_decomposition)
    mesh = trough_mesh()
    first = vhacd.decomposed_obj(mesh.vertices, mesh.faces)
    moved = vhacd.decomposed_obj(mesh.vertices + 0.001, mesh.faces)
    monkeypatch.setitem(vhacd.VHACD_PARAMS, "concavity", 0.001)
    retuned = vhacd.decomposed_obj(mesh.vertices, mesh.faces)
    assert len({first, moved, retuned}) == 3
    assert sorted(entry.name for entry in (tmp_path / "vhacd").iterdir()) == sorted(
        Path(f).name for f in (first, moved, retuned))  # no temporary file left behind
