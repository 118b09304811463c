"""shade_frame's optional outputs: leaving out the ray distances (``distances=False``, what
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
from simengine.sensors.camera.projection import CameraModel
from simengine.sensors.camera.shading import Pose, shade_frame, srgb_to_linear

from .shadow_reference import shadow_truth

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
    full = shade_frame(*args, tone=tone)
    lean = shade_frame(*args, tone=tone, distances=False)
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
    res = shade_frame(MODEL, ps, g, 0.1, 100.0, LIGHT, (0.6, 0.7, 0.9), None, np.zeros(H),
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


def scattered_scene():
    """Objects in one corner of the view, so that most tiles hold no shadow at all (the
    renderer skips the shadow test there) and some hold the casters' shadows."""
    parts = [part(BOX, (5.0, 5.0, 0.05), (0.0, 0.0, -0.05), 0)]
    rng = np.random.default_rng(7)
    kinds = (BOX, SPHERE, CYLINDER, CAPSULE)
    for i in range(8):
        k = kinds[i % 4]
        size = {BOX: (0.15, 0.12, 0.2), SPHERE: (0.15, 0, 0), CYLINDER: (0.1, 0.2, 0),
                CAPSULE: (0.08, 0.15, 0)}[k]
        xy = rng.uniform([-0.5, -0.6], [0.1, 0.0])
        parts.append(part(k, size, (xy[0], xy[1], 0.3 + 0.2 * rng.uniform()), i + 1))
    return build_geometry(parts)


@pytest.mark.parametrize("scene_fn", [scene, scattered_scene], ids=["central", "corner"])
def test_every_lit_pixel_is_shadowed_exactly_when_its_shadow_ray_hits_a_caster(scene_fn):
    """Each pixel whose surface faces the light shows ambient alone when the ray from its
    point towards the light meets an object (cast_rays, independent of the renderer's grid
    and of its per-tile skipping), ambient plus the cosine term otherwise."""
    W2, H2 = 160, 128  # 5 × 4 tiles of 32 pixels
    model = CameraModel.from_params({"width": W2, "height": H2, "hfov_deg": 70.0})
    g, ps = scene_fn(), pose()
    res = shade_frame(model, ps, g, 0.1, 100.0, LIGHT, (0.6, 0.7, 0.9), None, np.zeros(H2))
    facing, shadowed, cosine = shadow_truth(res, model, ps, g, LIGHT["direction"])
    albedo = srgb_to_linear(g.color)[res.part.ravel()]
    rgb = res.rgb_linear.reshape(-1, 3)
    lit = albedo * (LIGHT["ambient"] + LIGHT["intensity"] * cosine[:, None])
    dark = albedo * LIGHT["ambient"]
    looks_dark = (np.abs(rgb - dark).max(axis=1) < np.abs(rgb - lit).max(axis=1))
    assert shadowed[facing].sum() > 100 and (~shadowed[facing]).sum() > 1000
    wrong = facing & (looks_dark != shadowed)
    print(f"{facing.sum()} lit-facing px, {shadowed.sum()} in shadow, {wrong.sum()} disagree")
    assert wrong.sum() == 0
