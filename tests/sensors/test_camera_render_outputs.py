"""render_frame's optional outputs: leaving out the ray distances (``distances=False``, what
Camera.observe does unless the scene asks for range or flow) must not change anything else,
and what it does return must still agree with an independent ray cast."""

from __future__ import annotations

import numpy as np
import pytest

from simengine.geometry.raycast import cast_rays
from simengine.geometry.scene_geometry import (
    BOX,
    CAPSULE,
    CYLINDER,
    SPHERE,
    PartDesc,
    build_geometry,
)
from simengine.sensors.camera_model import CameraModel
from simengine.sensors.camera_render import Pose, render_frame

W, H = 96, 72
MODEL = CameraModel.from_params({"width": W, "height": H, "hfov_deg": 70.0})
LIGHT = {"direction": (-0.4, -0.3, -0.87), "ambient": 0.3, "intensity": 1.0, "shadows": True}


def part(kind, params, pos, inst):
    return (PartDesc(kind, tuple(params), 0, (0, 0, 0), (0, 0, 0, 1), None),
            np.asarray(pos, float), (0.0, 0.0, 0.0, 1.0), inst, inst, "wood", (0.6, 0.4, 0.3))


def scene():
    return build_geometry([
        part(BOX, (5.0, 5.0, 0.05), (0.0, 0.0, -0.05), 0),
        part(BOX, (0.2, 0.15, 0.1), (0.3, -0.2, 0.1), 1),
        part(SPHERE, (0.15, 0, 0), (-0.3, 0.2, 0.15), 2),
        part(CYLINDER, (0.08, 0.2, 0), (0.0, 0.4, 0.2), 3),
        part(CAPSULE, (0.07, 0.15, 0), (-0.4, -0.3, 0.22), 4),
    ])


def pose() -> Pose:
    position = np.array([2.0, -1.2, 1.1])
    z = -position / np.linalg.norm(position)
    x = np.cross(z, [0.0, 0.0, 1.0])
    x /= np.linalg.norm(x)
    R = np.column_stack([x, np.cross(z, x), z])
    return Pose(R, position, np.zeros(3), np.zeros(3))


@pytest.mark.parametrize("tone", [0.0, None], ids=["fused", "linear"])
def test_leaving_out_distances_changes_nothing_else(tone):
    g, ps = scene(), pose()
    args = (MODEL, ps, g, 0.1, 10.0, LIGHT, (0.6, 0.7, 0.9), (0.9, 0.9, 0.9), np.zeros(H))
    full = render_frame(*args, tone=tone)
    lean = render_frame(*args, tone=tone, distances=False)
    assert lean.t is None and lean.part is None
    assert full.t is not None and full.part is not None
    for name in ("rgb", "rgb_linear", "depth", "instance", "semantic", "normal"):
        a, b = getattr(full, name), getattr(lean, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert a.tobytes() == b.tobytes(), name


def test_lean_render_agrees_with_the_ray_caster():
    """Every kind (capsules in the per-pixel loop, the others in vector loops) against
    cast_rays on the same rays: the same instance at every pixel, z-depths within 1 µm."""
    g, ps = scene(), pose()
    res = render_frame(MODEL, ps, g, 0.1, 100.0, LIGHT, (0.6, 0.7, 0.9), None, np.zeros(H),
                       tone=0.0, normals=False, distances=False)
    rays = MODEL.pixel_rays()
    ref = cast_rays(g, ps.position, rays @ ps.R_world_cam.T)
    inst = ref.instance.reshape(H, W)
    assert set(np.unique(inst)) >= {1, 2, 3, 4}
    assert np.array_equal(res.instance, inst)
    hit = np.isfinite(ref.t).reshape(H, W)
    z_ref = (ref.t * rays[:, 2]).reshape(H, W)
    assert np.abs(res.depth[hit] - z_ref[hit]).max() < 1e-6
    assert np.all(res.depth[~hit] == 0.0)
