"""Meshes read from files (trimesh): the shipped OBJ assets keep the arrays of the old
hand-written parser, every supported format loads a known box, and a textured mesh written
here with trimesh comes back with its UVs, material colours and texture.

The reference for the OBJ arrays is a copy of the parser simengine used before trimesh
(``old_obj_arrays`` below): the shipped scenes' outputs depend on vertex and face order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pybullet_data
import pytest
import trimesh
from PIL import Image

from simengine.assets import asset_bundle, load_mesh_file, mesh_file_arrays

PYBULLET_DATA = Path(pybullet_data.getDataPath())
# Meshes shipped scenes and tests use (duck_vhacd: tabletop; table: table.urdf), and others
# with triangles, quads, texture coordinates and several objects.
SAME_ARRAYS = ["duck.obj", "duck_vhacd.obj", "teddy2_VHACD_CHs.obj", "table/table.obj",
               "cube.obj"]
# Quads: trimesh splits (a, b, c, d) into (a, b, c), (c, d, a), the old parser into
# (a, b, c), (a, c, d): the same triangles, in the same order, corners rotated.
SAME_UP_TO_ROTATION = ["soccerball.obj", "sphere_smooth.obj", "textured_sphere_smooth.obj"]


def old_obj_arrays(path: str) -> tuple[np.ndarray, np.ndarray]:
    """The OBJ parser of simengine before trimesh: ``v`` and ``f`` records, polygons fanned
    from their first corner, negative indices relative."""
    vertices, faces = [], []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith("v "):
                vertices.append(tuple(float(x) for x in line.split()[1:4]))
            elif line.startswith("f "):
                idx = []
                for token in line.split()[1:]:
                    i = int(token.split("/")[0])
                    idx.append(i - 1 if i > 0 else len(vertices) + i)
                faces.extend((idx[0], idx[j], idx[j + 1]) for j in range(1, len(idx) - 1))
    return (np.asarray(vertices, np.float64).reshape(-1, 3),
            np.asarray(faces, np.int64).reshape(-1, 3))


def canonical_corners(faces: np.ndarray) -> np.ndarray:
    """Each triangle rotated to start at its smallest index (winding kept)."""
    k = np.argmin(faces, axis=1)
    return np.stack([faces[np.arange(len(faces)), (k + j) % 3] for j in range(3)], axis=1)


def trimesh_obj(path: str) -> trimesh.Trimesh:
    return trimesh.load(path, process=False, maintain_order=True, force="mesh")


@pytest.mark.parametrize("name", SAME_ARRAYS)
def test_trimesh_reads_the_old_parsers_arrays(name: str) -> None:
    v, f = old_obj_arrays(str(PYBULLET_DATA / name))
    m = trimesh_obj(str(PYBULLET_DATA / name))
    np.testing.assert_array_equal(m.vertices, v)
    np.testing.assert_array_equal(m.faces, f)


@pytest.mark.parametrize("name", SAME_UP_TO_ROTATION)
def test_trimesh_reads_the_old_parsers_triangles_with_quads_split_differently(name) -> None:
    v, f = old_obj_arrays(str(PYBULLET_DATA / name))
    m = trimesh_obj(str(PYBULLET_DATA / name))
    np.testing.assert_array_equal(m.vertices, v)
    np.testing.assert_array_equal(canonical_corners(m.faces), canonical_corners(f))


# --- our loader -------------------------------------------------------------------------

@pytest.mark.parametrize("name", SAME_ARRAYS + SAME_UP_TO_ROTATION)
def test_loader_keeps_the_old_parsers_triangles(name: str) -> None:
    """The same triangles in the same order (vertices split at UV seams may be added)."""
    v, f = old_obj_arrays(str(PYBULLET_DATA / name))
    lv, lf = mesh_file_arrays(str(PYBULLET_DATA / name))
    if name in SAME_ARRAYS:
        np.testing.assert_array_equal(lv[lf], v[f])
    else:  # quads split along the other diagonal: compare each face's corner set
        assert len(lf) == len(f)
        for a, b in zip(lv[lf], v[f], strict=True):
            np.testing.assert_array_equal(np.unique(a, axis=0), np.unique(b, axis=0))


def checker(n: int = 8) -> Image.Image:
    cells = (np.indices((n, n)).sum(axis=0) % 2).astype(np.uint8)
    rgb = np.stack([cells * 255, cells * 40 + 20, 255 - cells * 255], axis=-1)
    return Image.fromarray(rgb.astype(np.uint8), "RGB")


COLOR = (200, 100, 50, 255)


def textured_box(material) -> tuple[trimesh.Trimesh, np.ndarray]:
    box = trimesh.creation.box((0.4, 0.3, 0.2))
    uv = np.random.default_rng(0).uniform(size=(len(box.vertices), 2))
    box.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    return box, uv


@pytest.mark.parametrize("suffix", [".glb", ".obj"])
def test_a_textured_box_comes_back_with_its_uvs_colour_and_texture(tmp_path, suffix) -> None:
    image = checker()
    if suffix == ".glb":
        material = trimesh.visual.material.PBRMaterial(
            name="checker", baseColorFactor=COLOR, baseColorTexture=image)
    else:  # OBJ + MTL + PNG, written next to each other
        material = trimesh.visual.material.SimpleMaterial(name="checker", diffuse=COLOR,
                                                          image=image)
    box, uv = textured_box(material)
    path = tmp_path / f"box{suffix}"
    box.export(path)
    if suffix == ".obj":
        assert {p.suffix for p in tmp_path.iterdir()} == {".obj", ".mtl", ".png"}
    loaded = load_mesh_file(str(path))
    mesh = loaded.mesh
    np.testing.assert_allclose(mesh.vertices[mesh.faces], box.vertices[box.faces], atol=1e-7)
    np.testing.assert_allclose(mesh.uv[mesh.faces], uv[box.faces], atol=1e-6)
    assert mesh.parts == ("checker",)
    np.testing.assert_array_equal(mesh.face_part, 0)
    # glTF's factor multiplies its texture; an MTL map_Kd is the colour itself (Kd unused)
    factor = np.array(COLOR[:3]) / 255 if suffix == ".glb" else np.ones(3)
    np.testing.assert_allclose(mesh.part_colors[0], factor, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(loaded.textures[0].convert("RGB")),
                                  np.asarray(image))
    assert set(asset_bundle(path)) >= {p.resolve() for p in tmp_path.iterdir()}


def test_material_groups_become_parts_and_vertex_colours_are_kept(tmp_path) -> None:
    red = trimesh.creation.box((1, 1, 1))
    red.visual = trimesh.visual.TextureVisuals(material=trimesh.visual.material.PBRMaterial(
        name="red", baseColorFactor=(255, 0, 0, 255)))
    blue = trimesh.creation.box((1, 1, 1), transform=trimesh.transformations.translation_matrix(
        (2.0, 0.0, 0.0)))
    blue.visual = trimesh.visual.TextureVisuals(material=trimesh.visual.material.PBRMaterial(
        name="blue", baseColorFactor=(0, 0, 255, 255)))
    trimesh.Scene([red, blue]).export(tmp_path / "two.glb")
    mesh = load_mesh_file(str(tmp_path / "two.glb")).mesh
    assert sorted(mesh.parts) == ["blue", "red"]
    for part, color in (("red", (1, 0, 0)), ("blue", (0, 0, 1))):
        i = mesh.parts.index(part)
        assert mesh.part_colors[i] == color
        centre = mesh.vertices[mesh.faces[mesh.face_part == i]].reshape(-1, 3).mean(axis=0)
        assert np.isclose(centre[0], 2.0 if part == "blue" else 0.0)

    painted = trimesh.creation.box((1, 1, 1))
    colors = np.random.default_rng(1).integers(0, 256, (len(painted.vertices), 4), np.uint8)
    colors[:, 3] = 255
    painted.visual = trimesh.visual.ColorVisuals(painted, vertex_colors=colors)
    painted.export(tmp_path / "painted.ply")
    loaded = load_mesh_file(str(tmp_path / "painted.ply"))
    np.testing.assert_allclose(loaded.vertex_colors, colors / 255.0)


def formats() -> list[str]:
    out = [".obj", ".glb", ".gltf", ".ply", ".stl"]
    try:
        import collada  # noqa: F401  (trimesh reads and writes COLLADA with pycollada)
        out.append(".dae")
    except ImportError:
        pass
    return out


@pytest.mark.parametrize("suffix", formats())
def test_every_format_loads_a_box_with_its_bounds(tmp_path, suffix) -> None:
    box = trimesh.creation.box((0.5, 0.25, 0.125),
                               transform=trimesh.transformations.translation_matrix((1, 2, 3)))
    if suffix == ".gltf":  # a .gltf and its buffer file (export() leaves a file open)
        for name, data in trimesh.exchange.gltf.export_gltf(box.scene()).items():
            (tmp_path / ("box.gltf" if name == "model.gltf" else name)).write_bytes(data)
    else:
        box.export(tmp_path / f"box{suffix}")
    v, f = mesh_file_arrays(str(tmp_path / f"box{suffix}"))
    np.testing.assert_allclose(np.stack([v.min(axis=0), v.max(axis=0)]), box.bounds, atol=1e-6)
    assert f.shape == (12, 3)
    assert trimesh.Trimesh(v, f, process=True).is_watertight
    assert len(asset_bundle(tmp_path / f"box{suffix}")) == len(list(tmp_path.iterdir()))


def test_an_unknown_suffix_is_refused(tmp_path) -> None:
    (tmp_path / "box.off").write_text("OFF\n0 0 0\n")
    with pytest.raises(ValueError, match="not a mesh file"):
        load_mesh_file(str(tmp_path / "box.off"))


SCENE = """
name: glb_boxes
world:
  ground: {material: concrete}
  bounds: {min: [-5, -5, -1], max: [5, 5, 5]}
objects:
  - name: loose
    template: {shape: mesh, mesh: box.glb, class: box}
    position: [0.0, 0.0, 0.02]
  - name: bolted
    template: {shape: mesh, mesh: box.glb, class: box, fixed: true, scale: 2.0}
    position: [0.0, 0.8, 0.0]
simulation:
  capture_times: [0.3]
  duration: 0.3
  max_events: 4
sensors:
  - name: cam
    preset: rgbd_d435_640x480
    overrides: {width: 64, height: 48}
    pose: {position: [1.2, 0.4, 1.2], look_at: [0, 0.4, 0.1]}
"""


def test_a_scene_glb_mesh_renders_with_its_trimesh_bounds_as_box_label(tmp_path) -> None:
    from simengine.engine import Engine
    from simengine.geometry.transforms import quat_to_matrix
    from simengine.labels import decode_instance
    from simengine.spec.loader import load_scene

    box = trimesh.creation.box((0.3, 0.2, 0.1),
                               transform=trimesh.transformations.translation_matrix(
                                   (0.05, 0.0, 0.05)))  # off-centre, resting on z = 0
    box.export(tmp_path / "box.glb")
    (tmp_path / "scene.yaml").write_text(SCENE)
    sample = Engine(load_scene(tmp_path / "scene.yaml"), seed=0).sample(0)
    instance = decode_instance(sample["meta/instance_json"])
    seen = set(np.unique(sample["camera/cam/instance"][0]).tolist())
    for o in instance.objects:
        lo, hi = box.bounds * o.scale
        i = o.index
        np.testing.assert_allclose(sample["objects/size"][i], hi - lo, atol=1e-3)
        np.testing.assert_allclose(sample["objects/box_center_local"][i], (lo + hi) / 2,
                                   atol=1e-3)
        assert o.instance_id in seen, o.group
        R = quat_to_matrix(sample["objects/orientation"][0, i])
        corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])
                            for z in (lo[2], hi[2])])
        bottom = (corners @ R.T + sample["objects/position"][0, i])[:, 2].min()
        assert abs(bottom) < 5e-3, (o.group, bottom)  # the hull / triangles rest on the ground
