"""Textured and part-labelled meshes against independent references.

- A plate with a known 4×4 checker of distinct colours, written here with trimesh as GLB and
  as OBJ + MTL + PNG, shows each cell's colour at the pixel ``cv2.projectPoints`` gives for
  the cell's centre (its UV centre mapped onto the plate's top face).
- PyBullet's own textured ``duck.obj`` and ``table/table.urdf`` render as TinyRenderer
  renders them, pixel by pixel, when both are lit by ambient light alone (the colour is then
  the texture's: ours decodes sRGB, interpolates in linear light and encodes again).
- A generated sedan's per-pixel and per-point ``part`` labels are those of the triangle
  trimesh's own ray caster finds along the same pixel and beam rays.
"""

from __future__ import annotations

import os

import cv2
import numpy as np
import pybullet_data
import pytest
import trimesh
from PIL import Image

import simengine
from simengine._pybullet import pybullet as p
from simengine.assets.procedural import generated_mesh
from simengine.geometry.transforms import quat_to_matrix
from simengine.spec.loader import scene_from_dict
from tests.sensors.test_camera_reference import projection_matrix

W, H, NEAR, FAR = 320, 240, 0.05, 10.0
DATA = pybullet_data.getDataPath()
FLAT_LIGHT = {"ambient": 1.0, "intensity": 0.0, "shadows": False}  # colour = albedo
CELLS, CELL_PX = 4, 16
PLATE = (1.0, 1.0, 0.02)  # m; UV (0..1, 0..1) spans the top face's x and y


def camera(position, look_at, **overrides) -> dict:
    return {"name": "cam", "preset": "rgbd_d435_640x480",
            "overrides": {"width": W, "height": H, "near": NEAR, "far": FAR, **overrides},
            "pose": {"position": list(position), "look_at": list(look_at)}}


def scene(template: dict, position, sensors, euler_deg=(0.0, 0.0, 0.0)) -> dict:
    return {"name": "textures",
            "world": {"ground": {"material": "concrete", "color": [0.4, 0.4, 0.4]},
                      "light": FLAT_LIGHT},
            "objects": [{"name": "thing", "template": {"fixed": True, **template},
                         "position": list(position),
                         "orientation": {"euler_deg": list(euler_deg)}}],
            "simulation": {"capture_times": [0.0], "duration": 0.01},
            "sensors": sensors}


def render(data: dict, source: str = "<textures>") -> tuple[dict, object]:
    spec = scene_from_dict(data, source=source)
    return simengine.Engine(spec, seed=0).sample(0), spec


# --- a checker written with trimesh ----------------------------------------------------

def checker_colors() -> np.ndarray:
    """(CELLS, CELLS, 3) distinct sRGB bytes, cell [row, col] of the image."""
    rng = np.random.default_rng(7)
    return rng.integers(20, 236, size=(CELLS, CELLS, 3)).astype(np.uint8)


def write_plate(folder, fmt: str) -> str:
    colors = checker_colors()
    image = Image.fromarray(np.kron(colors, np.ones((CELL_PX, CELL_PX, 1), np.uint8)), "RGB")
    plate = trimesh.creation.box(PLATE)
    uv = plate.vertices[:, :2] / np.array(PLATE[:2]) + 0.5  # top face: (x, y) → (u, v)
    if fmt == "glb":
        material = trimesh.visual.material.PBRMaterial(
            name="checker", baseColorFactor=[255, 255, 255, 255], baseColorTexture=image)
    else:
        material = trimesh.visual.material.SimpleMaterial(name="checker", diffuse=[255] * 4,
                                                          image=image)
    plate.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    path = os.path.join(folder, f"plate.{fmt}")
    plate.export(path)
    return path


@pytest.mark.parametrize("fmt", ["glb", "obj"])
def test_checker_texture_colour_at_projected_uv_centres(tmp_path, fmt) -> None:
    write_plate(str(tmp_path), fmt)
    data = scene({"shape": "mesh", "mesh": f"plate.{fmt}"}, (0.0, 0.0, 0.4),
                 [camera((0.35, -1.0, 1.7), (0.0, 0.0, 0.4))], euler_deg=(0, 0, 20))
    sample, _ = render(data, source=str(tmp_path / "scene.yaml"))
    rgb = sample["camera/cam/rgb"][0]
    K, T = sample["camera/cam/K"], sample["camera/cam/T_world_cam"][0]
    pos = sample["objects/position"][0, 0]
    R = quat_to_matrix(sample["objects/orientation"][0, 0])
    colors = checker_colors()
    centres = (np.arange(CELLS) + 0.5) / CELLS
    u, v = np.meshgrid(centres, centres)  # UV of every cell centre
    local = np.stack([(u - 0.5) * PLATE[0], (v - 0.5) * PLATE[1],
                      np.full_like(u, PLATE[2] / 2)], axis=-1).reshape(-1, 3)
    world = local @ R.T + pos
    T_cw = np.linalg.inv(T)
    px, _ = cv2.projectPoints(world, cv2.Rodrigues(T_cw[:3, :3])[0], T_cw[:3, 3], K, None)
    px = np.rint(px.reshape(-1, 2)).astype(int)
    # image row 0 is the top of the texture, v = 1 (OpenGL texture coordinates)
    rows = (CELLS - 1 - np.floor(v * CELLS)).astype(int).ravel()
    cols = np.floor(u * CELLS).astype(int).ravel()
    expected = colors[rows, cols]
    seen = rgb[px[:, 1], px[:, 0]]
    assert np.all((px >= 0) & (px < [W, H]))
    np.testing.assert_allclose(seen.astype(int), expected.astype(int), atol=1)


# --- PyBullet's textured assets against TinyRenderer ------------------------------------

def tinyrenderer(sample: dict, make_body) -> tuple[np.ndarray, np.ndarray]:
    """(rgb, body mask) of the same view by TinyRenderer under ambient light alone."""
    client = p.connect(p.DIRECT)
    try:
        body = make_body(client, sample["objects/position"][0, 0].tolist(),
                         sample["objects/orientation"][0, 0].tolist())
        K, T = sample["camera/cam/K"], sample["camera/cam/T_world_cam"][0]
        view = np.diag([1.0, -1.0, -1.0, 1.0]) @ np.linalg.inv(T)
        _, _, img, _, seg = p.getCameraImage(
            W, H, viewMatrix=view.T.ravel().tolist(),
            projectionMatrix=projection_matrix(K, W, H, NEAR, FAR).T.ravel().tolist(),
            renderer=p.ER_TINY_RENDERER, lightAmbientCoeff=1.0, lightDiffuseCoeff=0.0,
            lightSpecularCoeff=0.0, shadow=0, physicsClientId=client)
    finally:
        p.disconnect(client)
    img = np.reshape(np.asarray(img, np.uint8), (H, W, 4))[..., :3]
    return img, np.reshape(np.asarray(seg), (H, W)) == body


def compare_with_tinyrenderer(sample: dict, make_body, min_pixels: int) -> None:
    ref, ref_mask = tinyrenderer(sample, make_body)
    ours = sample["camera/cam/rgb"][0]
    mask = sample["camera/cam/instance"][0] == 1
    both = cv2.erode((mask & ref_mask).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    assert both.sum() >= min_pixels
    diff = np.abs(ours[both].astype(int) - ref[both].astype(int))
    mean_ours, mean_ref = ours[both].mean(axis=0), ref[both].mean(axis=0)
    print(f"|ours - TinyRenderer| median {np.median(diff)}, p95 {np.percentile(diff, 95)}; "
          f"mean colour ours {mean_ours.round(1)} reference {mean_ref.round(1)}; "
          f"std ours {ours[both].std(axis=0).round(1)}")
    # measured: duck median 0, p95 0; table median 0, p95 1 (bilinear here, nearest texel
    # there: they differ where a pixel falls near a texel edge)
    assert np.median(diff) <= 1
    assert np.percentile(diff, 95) <= 4
    np.testing.assert_allclose(mean_ours, mean_ref, atol=2.0)
    assert ours[both].std(axis=0).max() > 5  # a texture, not a flat colour


def test_pybullet_duck_renders_with_its_texture() -> None:
    scale = 0.15
    data = scene({"shape": "mesh", "mesh": "duck.obj", "scale": scale},
                 (0.0, 0.0, 0.3), [camera((0.55, -0.45, 0.55), (0.0, 0.0, 0.4))],
                 euler_deg=(90, 0, 30))
    sample, _ = render(data)

    def duck(client, position, orientation):
        shape = p.createVisualShape(p.GEOM_MESH, fileName=os.path.join(DATA, "duck.obj"),
                                    meshScale=[scale] * 3, physicsClientId=client)
        return p.createMultiBody(0.0, -1, shape, basePosition=position,
                                 baseOrientation=orientation, physicsClientId=client)

    compare_with_tinyrenderer(sample, duck, min_pixels=1500)


def test_pybullet_table_urdf_renders_with_its_texture() -> None:
    data = scene({"shape": "urdf", "urdf": "table/table.urdf"}, (0.0, 0.0, 0.0),
                 [camera((1.4, -1.1, 1.5), (0.0, 0.0, 0.5))], euler_deg=(0, 0, 10))
    sample, _ = render(data)

    def table(client, position, orientation):
        return p.loadURDF(os.path.join(DATA, "table/table.urdf"), basePosition=position,
                          baseOrientation=orientation, useFixedBase=True,
                          physicsClientId=client)

    compare_with_tinyrenderer(sample, table, min_pixels=5000)


# --- part labels against trimesh's ray caster --------------------------------------------

SEDAN = {"shape": "procedural", "generator": "sedan"}


@pytest.fixture(scope="module")
def sedan_sample():
    data = scene(SEDAN, (0.0, 0.0, 0.0),
                 [camera((5.0, -3.5, 1.8), (0.0, 0.0, 0.7), output_parts=True),
                  {"name": "top", "preset": "vlp16", "overrides": {"output_parts": True},
                   "pose": {"position": [4.0, 2.5, 1.2]}}], euler_deg=(0, 0, 15))
    sample, spec = render(data)
    instance = simengine.decode_instance(sample["meta/instance_json"])
    return sample, spec, instance


def trimesh_labels(sample, spec, instance, origins, directions) -> np.ndarray:
    """Part label ids along world rays, from trimesh's own ray caster on the sedan."""
    obj = instance.objects[0]
    mesh = generated_mesh(obj.mesh_source)
    pos = sample["objects/position"][0, 0]
    R = quat_to_matrix(sample["objects/orientation"][0, 0])
    tm = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
    tri = tm.ray.intersects_first((origins - pos) @ R, directions @ R)
    ids = np.array([spec.parts.index(f"sedan/{n}") for n in mesh.parts])
    return np.where(tri >= 0, ids[mesh.face_part[np.maximum(tri, 0)]], 0)


def test_pixel_part_labels_match_trimesh(sedan_sample) -> None:
    sample, spec, instance = sedan_sample
    part = sample["camera/cam/part"][0]
    assert {"sedan/body", "sedan/window", "sedan/tyre"} <= {
        spec.parts[i] for i in np.unique(part) if i}
    on_car = sample["camera/cam/instance"][0] == 1
    # interior pixels: a silhouette pixel's ray may graze either of two triangles
    inner = cv2.erode(on_car.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    v, u = np.nonzero(inner)
    K, T = sample["camera/cam/K"], sample["camera/cam/T_world_cam"][0]
    rays = np.stack([u, v, np.ones_like(u)], axis=-1) @ np.linalg.inv(K).T @ T[:3, :3].T
    rays /= np.linalg.norm(rays, axis=1, keepdims=True)
    expected = trimesh_labels(sample, spec, instance, np.broadcast_to(T[:3, 3], rays.shape),
                              rays)
    agree = np.mean(expected == part[v, u])
    print(f"pixel part labels agreeing with trimesh: {agree:.4f} of {len(u)}")
    assert len(u) > 3000 and agree > 0.99
    assert np.all(part[~on_car] == 0)


def test_point_part_labels_match_trimesh(sedan_sample) -> None:
    sample, spec, instance = sedan_sample
    part = sample["lidar/top/part"][0]
    hit = sample["lidar/top/instance"][0] == 1
    xyz = sample["lidar/top/xyz"][0][hit].astype(np.float64)
    T = sample["lidar/top/T_world_lidar"][0]
    directions = xyz / np.linalg.norm(xyz, axis=1, keepdims=True) @ T[:3, :3].T
    expected = trimesh_labels(sample, spec, instance,
                              np.broadcast_to(T[:3, 3], directions.shape), directions)
    agree = np.mean(expected == part[hit])
    print(f"point part labels agreeing with trimesh: {agree:.4f} of {hit.sum()}")
    assert hit.sum() > 50 and agree > 0.97
    assert np.all(part[~hit] == 0)


def test_vertex_colours_of_a_ply(tmp_path) -> None:
    """A PLY box whose two halves carry two vertex colours (written by trimesh) shows each
    colour where cv2.projectPoints puts points well inside that half of its top face."""
    top = trimesh.creation.box((1.0, 1.0, 0.02))
    top = top.subdivide().subdivide()  # vertices inside the faces: x = ±0.25 exist
    left, right = np.array([200, 60, 30]), np.array([30, 160, 90])
    colors = np.where(top.vertices[:, [0]] < -0.01, left, right)
    # a face straddling x = 0 blends its corners' colours: test points away from there
    top.visual = trimesh.visual.ColorVisuals(top, vertex_colors=np.column_stack(
        [colors, np.full(len(colors), 255)]).astype(np.uint8))
    top.export(tmp_path / "two.ply")
    data = scene({"shape": "mesh", "mesh": "two.ply"}, (0.0, 0.0, 0.4),
                 [camera((0.2, -1.2, 1.6), (0.0, 0.0, 0.4))])
    sample, _ = render(data, source=str(tmp_path / "scene.yaml"))
    rgb, K, T = (sample["camera/cam/rgb"][0], sample["camera/cam/K"],
                 sample["camera/cam/T_world_cam"][0])
    pos = sample["objects/position"][0, 0]
    points = np.array([[-0.4, -0.1, 0.01], [-0.35, 0.2, 0.01], [0.4, 0.1, 0.01],
                       [0.35, -0.2, 0.01]]) + pos
    T_cw = np.linalg.inv(T)
    px, _ = cv2.projectPoints(points, cv2.Rodrigues(T_cw[:3, :3])[0], T_cw[:3, 3], K, None)
    px = np.rint(px.reshape(-1, 2)).astype(int)
    seen = rgb[px[:, 1], px[:, 0]].astype(int)
    np.testing.assert_allclose(seen, [left, left, right, right], atol=1)


def test_lidar_intensity_follows_each_triangles_material() -> None:
    """A sedan's tyres, glass and paint return reflectivity × |cos incidence| of their own
    material (the scene sets each reflectivity; noise, divergence and range fall-off off),
    with the triangle and its normal found by trimesh's ray caster along each return."""
    reflectivity = {"metal": 0.55, "glass": 0.12, "rubber": 0.04, "plastic": 0.3}
    lidar = {"name": "top", "preset": "vlp16",
             "overrides": {"columns": 720, "range_noise_std": 0.0, "beam_divergence_mrad": 0.0,
                           "detection_range_m": None, "snr_noise": None,
                           "intensity_reference_range_m": 100.0,
                           "reflectivity": reflectivity},
             "pose": {"position": [4.0, 2.5, 0.45]}}
    sample, _ = render(scene(SEDAN, (0.0, 0.0, 0.0), [camera((5, -3, 2), (0, 0, 0.7)), lidar],
                             euler_deg=(0, 0, 15)))
    instance = simengine.decode_instance(sample["meta/instance_json"])
    mesh = generated_mesh(instance.objects[0].mesh_source)
    hit = sample["lidar/top/instance"][0] == 1
    xyz = sample["lidar/top/xyz"][0][hit].astype(np.float64)
    T = sample["lidar/top/T_world_lidar"][0]
    d = xyz / np.linalg.norm(xyz, axis=1, keepdims=True) @ T[:3, :3].T
    pos = sample["objects/position"][0, 0]
    R = quat_to_matrix(sample["objects/orientation"][0, 0])
    tm = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
    tri = tm.ray.intersects_first(((T[:3, 3] - pos) @ R)[None].repeat(len(d), 0), d @ R)
    ok = tri >= 0
    materials = np.array(mesh.part_materials)[mesh.face_part[tri[ok]]]
    cos = np.abs(np.einsum("ij,ij->i", tm.face_normals[tri[ok]], d[ok] @ R))
    expected = np.array([reflectivity[m] for m in materials]) * cos
    got = sample["lidar/top/intensity"][0][hit][ok]
    agree = np.abs(got - expected) <= 1e-3 + 1e-3 * expected
    print(f"intensity agreeing with material × |cos|: {agree.mean():.4f} of {ok.sum()}; "
          f"materials seen {sorted(set(materials))}")
    assert {"rubber", "glass", "metal"} <= set(materials[agree])
    assert ok.sum() > 50 and agree.mean() > 0.97
