"""Point-in-part tests against Bullet's own signed distance (GJK/EPA between the part and a
0.1 mm probe sphere: negative inside) and closed-form geometry."""

from __future__ import annotations

import numpy as np
import pytest

from simengine._pybullet import pybullet as p
from simengine.assets import PYBULLET_DATA
from simengine.geometry.inside import SolidPart, contains, winding_number
from simengine.geometry.scene_geometry import BOX, CAPSULE, CYLINDER, MESH, SPHERE
from simengine.geometry.transforms import random_quaternion

PROBE = 1e-4  # probe sphere radius, m
SURFACE = 1e-3  # points this close to a surface are left out (either answer is right)


@pytest.fixture()
def bullet():
    client = p.connect(p.DIRECT)
    shape = p.createCollisionShape(p.GEOM_SPHERE, radius=PROBE, physicsClientId=client)
    probe = p.createMultiBody(0, shape, basePosition=[0, 0, 100], physicsClientId=client)

    def signed_distance(body: int, points: np.ndarray) -> np.ndarray:
        out = []
        for q in points:
            p.resetBasePositionAndOrientation(probe, q, (0, 0, 0, 1), physicsClientId=client)
            hits = p.getClosestPoints(body, probe, 1.0, physicsClientId=client)
            out.append(min((h[8] for h in hits), default=1.0) + PROBE)
        return np.asarray(out)

    yield client, signed_distance
    p.disconnect(client)


CASES = [
    (BOX, (0.3, 0.2, 0.1), p.GEOM_BOX, {"halfExtents": [0.3, 0.2, 0.1]}),
    (SPHERE, (0.25, 0.0, 0.0), p.GEOM_SPHERE, {"radius": 0.25}),
    (CYLINDER, (0.15, 0.3, 0.0), p.GEOM_CYLINDER, {"radius": 0.15, "height": 0.6}),
    (CAPSULE, (0.15, 0.3, 0.0), p.GEOM_CAPSULE, {"radius": 0.15, "height": 0.6}),
]


@pytest.mark.parametrize("kind, params, geom, kwargs", CASES,
                         ids=["box", "sphere", "cylinder", "capsule"])
def test_primitives_agree_with_bullet(bullet, kind, params, geom, kwargs):
    client, signed_distance = bullet
    rng = np.random.default_rng(kind)
    position = rng.normal(size=3)
    q = random_quaternion(rng)
    shape = p.createCollisionShape(geom, physicsClientId=client, **kwargs)
    body = p.createMultiBody(0, shape, basePosition=position, baseOrientation=q,
                             physicsClientId=client)
    points = position + rng.uniform(-0.5, 0.5, (2000, 3))
    d = signed_distance(body, points)
    mine = contains(SolidPart(kind, params, tuple(position), q), points)
    clear = np.abs(d) > SURFACE
    assert clear.sum() > 1900 and 50 < mine.sum() < 1950
    np.testing.assert_array_equal(mine[clear], d[clear] < 0)


def test_vhacd_mesh_agrees_with_bullets_compound_of_hulls(bullet):
    """pybullet_data's duck_vhacd.obj is a convex decomposition: Bullet loads it as a
    compound of convex hulls; inside any hull is inside the duck."""
    client, signed_distance = bullet
    path = str(PYBULLET_DATA / "duck_vhacd.obj")
    scale = (0.5, 0.5, 0.5)
    rng = np.random.default_rng(7)
    position, q = (0.3, -0.2, 1.0), random_quaternion(rng)
    shape = p.createCollisionShape(p.GEOM_MESH, fileName=path, meshScale=scale,
                                   physicsClientId=client)
    body = p.createMultiBody(0, shape, basePosition=position, baseOrientation=q,
                             physicsClientId=client)
    lo, hi = p.getAABB(body, physicsClientId=client)
    points = np.asarray(lo) + (np.asarray(hi) - lo) * rng.random((1500, 3))
    d = signed_distance(body, points)
    mine = contains(SolidPart(MESH, scale, position, q, path), points)
    clear = np.abs(d) > SURFACE
    assert clear.sum() > 1400 and 100 < mine.sum() < 1400
    np.testing.assert_array_equal(mine[clear], d[clear] < 0)


def test_cube_mesh_is_the_closed_form_box():
    """pybullet_data's cube.obj spans [-0.5, 0.5]³: with scale s it is the box of half
    extents s/2, and the winding number is 1 inside, 0 outside, 1/2 on a face."""
    path = str(PYBULLET_DATA / "cube.obj")
    scale = (0.4, 0.25, 0.1)
    rng = np.random.default_rng(3)
    q = random_quaternion(rng)
    points = rng.uniform(-0.5, 0.5, (3000, 3))
    mesh = contains(SolidPart(MESH, scale, (0.0, 0.0, 0.0), q, path), points)
    half = tuple(v / 2 for v in scale)
    box = contains(SolidPart(BOX, half, (0.0, 0.0, 0.0), q), points)
    np.testing.assert_array_equal(mesh, box)
    from simengine.geometry.inside import mesh_triangles

    tris = mesh_triangles(path, scale)
    w = winding_number(tris, np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.05], [0.0, 0.0, 0.3]]))
    np.testing.assert_allclose(np.abs(w), [1.0, 0.5, 0.0], atol=1e-9)


def test_surface_points_are_outside_and_a_sheet_has_no_inside():
    box = SolidPart(BOX, (0.5, 0.5, 0.5), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 1.0))
    assert not contains(box, [[0.5, 0.0, 0.0]])[0]  # resting on a face
    assert contains(box, [[0.4999, 0.0, 0.0]])[0]
    plane = SolidPart(MESH, (1.0, 1.0, 1.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 1.0),
                      str(PYBULLET_DATA / "plane.obj"))
    assert not contains(plane, [[0.0, 0.0, 1e-4], [0.0, 0.0, -1e-4], [1.0, 2.0, 0.0]]).any()
