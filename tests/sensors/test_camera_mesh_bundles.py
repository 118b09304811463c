"""The camera's mesh path against the geometry core's per-ray caster: each tile row enters a
mesh's BVH below its root (the node outside of which its bundle of rays meets nothing),
and shadow rays stop at the first triangle they hit. Neither may change what a pixel sees:
``cast_rays`` walks every ray from the root to its nearest hit."""

from __future__ import annotations

import numpy as np
import pytest

from simengine.assets import PYBULLET_DATA
from simengine.geometry.raycast import cast_rays
from simengine.geometry.scene_geometry import BOX, MESH, PartDesc, build_geometry
from simengine.geometry.transforms import quat_from_euler
from simengine.sensors.camera.projection import CameraModel
from simengine.sensors.camera.shading import Pose, shade_frame

from .shadow_reference import shadow_truth

W, H = 160, 128  # 5 x 4 tiles of 32 pixels
MODEL = CameraModel.from_params({"width": W, "height": H, "hfov_deg": 75.0})
LIGHT = {"direction": (-0.4, -0.3, -0.87), "ambient": 0.3, "intensity": 1.0, "shadows": True}


def mesh(name, scale, pos, euler_deg, inst):
    q = tuple(float(x) for x in quat_from_euler(*np.radians(euler_deg)))
    return (PartDesc(MESH, (scale, scale, scale), 0, (0, 0, 0), (0, 0, 0, 1),
                     str(PYBULLET_DATA / name)),
            np.asarray(pos, float), q, inst, inst, "plastic", (0.7, 0.5, 0.3))


def scene():
    """Meshes of a few hundred to several thousand triangles, turned and scaled, one of them
    (the ball) large enough to span every tile row of the view's lower half, over a box
    ground."""
    ground = (PartDesc(BOX, (6.0, 6.0, 0.05), 0, (0, 0, 0), (0, 0, 0, 1), None),
              np.array([0.0, 0.0, -0.05]), (0.0, 0.0, 0.0, 1.0), 0, 0, "wood", (0.6, 0.6, 0.6))
    return build_geometry([
        ground,
        mesh("bunny.obj", 0.6, (0.3, -0.4, 0.0), (90, 0, 30), 1),
        mesh("duck.obj", 0.5, (-0.4, 0.5, 0.15), (90, 0, -60), 2),
        mesh("teddy2_VHACD_CHs.obj", 1.2, (0.5, 0.6, 0.2), (90, 0, 120), 3),
        mesh("soccerball.obj", 2.0, (-1.6, -1.2, 1.0), (0, 0, 15), 4),
    ])


def pose() -> Pose:
    position = np.array([2.2, -1.4, 1.3])
    z = np.array([-0.2, 0.0, 0.3]) - position
    z /= np.linalg.norm(z)
    x = np.cross(z, [0.0, 0.0, 1.0])
    x /= np.linalg.norm(x)
    R = np.column_stack([x, np.cross(z, x), z])
    return Pose(R, position, np.zeros(3), np.zeros(3))


def test_mesh_pixels_see_what_the_ray_caster_sees():
    g, ps = scene(), pose()
    res = shade_frame(MODEL, ps, g, 0.1, 100.0, LIGHT, (0.6, 0.7, 0.9), None, np.zeros(H),
                      tone=0.0, normals=False)
    rays = MODEL.pixel_rays()
    ref = cast_rays(g, ps.position, rays @ ps.R_world_cam.T)
    part = ref.part.reshape(H, W)
    # every mesh in view, over many pixels each
    seen = np.bincount(g.instance[part[part >= 0]], minlength=5)
    assert np.all(seen[1:] > 200), seen
    assert np.array_equal(res.part, part)
    hit = ref.hit.reshape(H, W)
    assert np.abs(res.t[hit] - ref.t.reshape(H, W)[hit]).max() < 1e-9


@pytest.mark.parametrize("direction", [(-0.4, -0.3, -0.87), (0.6, 0.2, -0.5)])
def test_mesh_shadows_fall_exactly_where_a_shadow_ray_meets_a_mesh(direction):
    """Lit-facing pixels are darker than without shadows exactly where cast_rays (nearest
    hit, from the root) finds a caster between the point and the light. (Against the
    unshadowed render, not against an albedo: mesh pixels take textures and palettes.)"""
    g, ps = scene(), pose()
    light = {**LIGHT, "direction": direction}
    args = (MODEL, ps, g, 0.1, 100.0)
    res = shade_frame(*args, light, (0.6, 0.7, 0.9), None, np.zeros(H))
    flat = shade_frame(*args, {**light, "shadows": False}, (0.6, 0.7, 0.9), None, np.zeros(H))
    facing, shadowed, _ = shadow_truth(res, MODEL, ps, g, direction)
    darker = np.any(res.rgb_linear.reshape(-1, 3) < flat.rgb_linear.reshape(-1, 3), axis=1)
    assert shadowed[facing].sum() > 100 and (~shadowed[facing]).sum() > 1000
    assert np.sum(facing & (darker != shadowed)) == 0
