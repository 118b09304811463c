"""Lidar reflectivity of road surfaces and signs (issue 20): on a generated road with a sign
and a sedan, every return's intensity is the model's figure for the material and incidence
angle of the triangle trimesh's own ray caster finds along the return's ray; lane paint reads
brighter than the asphalt beside it on the same ring, a sign's retroreflective face brighter
than any diffuse surface, tyres dark."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

import simengine
from simengine.assets.procedural import generated_mesh
from simengine.geometry.transforms import quat_to_matrix
from simengine.materials import RETRO_COS_EXPONENT, material
from simengine.sensors.lidar.beams import INTENSITY_SATURATION
from simengine.spec.loader import scene_from_dict

ROAD = {"shape": "procedural", "generator": "road", "fixed": True, "surface": True,
        "params": {"length": 40.0, "lanes": 2, "lane_width": 3.5, "parking_width": 0.0,
                   "kerb_height": 0.12, "sidewalk_width": 2.0, "marking_width": 0.15,
                   "dash_length": 3.0, "dash_gap": 3.0}}
SIGN = {"shape": "procedural", "generator": "sign", "fixed": True,
        "params": {"size": 1.2, "shape": 2, "mounting_height": 2.0}}
SEDAN = {"shape": "procedural", "generator": "sedan", "fixed": True}
LIDAR = {"name": "top", "preset": "vlp16",
         "overrides": {"columns": 1800, "range_noise_std": 0.0, "beam_divergence_mrad": 0.0,
                       "detection_range_m": None, "snr_noise": None,
                       "intensity_reference_range_m": 100.0},
         "pose": {"position": [0.0, -1.75, 1.8]}}


@pytest.fixture(scope="module")
def street():
    data = {"name": "reflectivity",
            "world": {"ground": {"material": "concrete"}},
            "objects": [
                {"name": "road", "template": ROAD, "position": [0, 0, 0]},
                # facing -x, towards the lidar, beside the right lane
                {"name": "sign", "template": SIGN, "position": [10.0, -4.5, 0.12],
                 "orientation": {"euler_deg": [0, 0, 180]}},
                {"name": "car", "template": SEDAN, "position": [7.0, 1.75, 0.0],
                 "orientation": {"euler_deg": [0, 0, 10]}}],
            "simulation": {"capture_times": [0.0], "duration": 0.01},
            "sensors": [LIDAR]}
    spec = scene_from_dict(data, source="<reflectivity>")
    sample = simengine.Engine(spec, seed=0).sample(0)
    return sample, trimesh_materials(sample)


def trimesh_materials(sample) -> dict[str, np.ndarray]:
    """Per return (in the order of the hit mask): the material and |cos incidence| of the
    first triangle trimesh's ray caster finds along it over every object's posed mesh
    (material "" where the ray meets no object: the ground)."""
    instance = simengine.decode_instance(sample["meta/instance_json"])
    vertices, faces, mats, offset = [], [], [], 0
    for i, obj in enumerate(instance.objects):
        mesh = generated_mesh(obj.mesh_source)
        R = quat_to_matrix(sample["objects/orientation"][0, i])
        vertices.append(mesh.vertices @ R.T + sample["objects/position"][0, i])
        faces.append(mesh.faces + offset)
        offset += len(mesh.vertices)
        own = np.array([m or obj.material for m in mesh.part_materials])
        mats.append(own[mesh.face_part])
    world = trimesh.Trimesh(np.concatenate(vertices), np.concatenate(faces), process=False)
    face_material = np.concatenate(mats)
    hit = sample["lidar/top/range"][0] > 0
    xyz = sample["lidar/top/xyz"][0][hit].astype(np.float64)
    T = sample["lidar/top/T_world_lidar"][0]
    d = xyz / np.linalg.norm(xyz, axis=1, keepdims=True) @ T[:3, :3].T
    tri = world.ray.intersects_first(np.broadcast_to(T[:3, 3], d.shape), d)
    ok = tri >= 0
    cos = np.where(ok, np.abs(np.einsum("ij,ij->i", world.face_normals[np.maximum(tri, 0)],
                                        d)), np.nan)
    return {"material": np.where(ok, face_material[np.maximum(tri, 0)], ""), "cos": cos,
            "row": np.nonzero(hit)[0], "intensity": sample["lidar/top/intensity"][0][hit]}


def model(name: str, cos: np.ndarray) -> np.ndarray:
    """The documented model: ρ·cos θ + ρ_r·cos^n θ, saturating (ranges < R_ref, no air)."""
    m = material(name)
    return np.minimum(m.reflectivity * cos + m.retroreflectivity * cos ** RETRO_COS_EXPONENT,
                      INTENSITY_SATURATION)


def test_intensity_is_the_model_of_the_material_trimesh_finds(street) -> None:
    _, r = street
    on_object = r["material"] != ""
    expected = np.array([model(m, np.array(c)) for m, c in
                         zip(r["material"][on_object], r["cos"][on_object], strict=True)])
    got = r["intensity"][on_object]
    agree = np.abs(got - expected) <= 1e-3 + 1e-3 * expected
    seen = set(r["material"][on_object][agree])
    print(f"intensity agreeing with the model: {agree.mean():.4f} of {on_object.sum()}; "
          f"materials {sorted(seen)}")
    assert {"asphalt", "lane_paint", "retroreflective", "rubber"} <= seen
    assert on_object.sum() > 500 and agree.mean() > 0.97


def test_paint_brighter_than_asphalt_on_the_same_ring(street) -> None:
    """A ring of a level lidar meets the flat road at one range and incidence angle, so
    paint and asphalt on it differ by their surfaces alone."""
    _, r = street
    rings = 0
    for row in np.unique(r["row"]):
        on = r["row"] == row
        paint = r["intensity"][on & (r["material"] == "lane_paint")]
        asphalt = r["intensity"][on & (r["material"] == "asphalt")]
        if paint.size and asphalt.size:
            rings += 1
            assert paint.min() > 3 * asphalt.max()
    assert rings >= 3


def test_sign_face_outshines_every_diffuse_surface_and_tyres_are_dark(street) -> None:
    _, r = street
    face = r["intensity"][r["material"] == "retroreflective"]
    diffuse = r["intensity"][(r["material"] != "retroreflective") & (r["material"] != "")]
    assert face.size >= 10 and diffuse.size > 500
    assert face.min() > diffuse.max()  # a diffuse surface reads at most its ρ ≤ 1
    assert face.max() == pytest.approx(INTENSITY_SATURATION)
    tyres = r["intensity"][r["material"] == "rubber"]
    assert tyres.size >= 5 and tyres.max() <= material("rubber").reflectivity + 1e-6
    asphalt = r["intensity"][r["material"] == "asphalt"]
    assert np.median(tyres) < np.median(asphalt)
