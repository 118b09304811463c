"""Rebuild a rendered sample's primitives in a separate PyBullet client, the independent
reference that camera and lidar tests compare against (TinyRenderer, rayTestBatch)."""

from __future__ import annotations

from simengine._pybullet import pybullet as p

GROUND_HALF = [500.0, 500.0, 0.1]  # same slab as simengine.physics.bodies (top face z = 0)


def _shape(obj, client: int, *, visual: bool) -> int:
    create = p.createVisualShape if visual else p.createCollisionShape
    if obj.shape == "box":
        return create(p.GEOM_BOX, halfExtents=[s / 2 for s in obj.size], physicsClientId=client)
    if obj.shape == "sphere":
        return create(p.GEOM_SPHERE, radius=obj.radius, physicsClientId=client)
    kind = {"cylinder": p.GEOM_CYLINDER, "capsule": p.GEOM_CAPSULE}[obj.shape]
    # visual shapes take `length`, collision shapes `height`, for the same cylinder part
    size = {"length": obj.length} if visual else {"height": obj.length}
    return create(kind, radius=obj.radius, physicsClientId=client, **size)


def reference_bodies(client: int, sample: dict, instance, *, visual: bool,
                     frame: int = 0) -> dict[int, int]:
    """Static ground slab and one static body per object at its pose in ``frame``; returns
    PyBullet body id -> our instance id (0 for the ground)."""
    ground = (p.createVisualShape if visual else p.createCollisionShape)(
        p.GEOM_BOX, halfExtents=GROUND_HALF, physicsClientId=client)
    shapes = (-1, ground) if visual else (ground, -1)
    body_to_instance = {p.createMultiBody(0.0, *shapes, basePosition=[0, 0, -0.1],
                                          physicsClientId=client): 0}
    for obj in instance.objects:
        shape = _shape(obj, client, visual=visual)
        shapes = (-1, shape) if visual else (shape, -1)
        body = p.createMultiBody(
            0.0, *shapes, basePosition=sample["objects/position"][frame, obj.index].tolist(),
            baseOrientation=sample["objects/orientation"][frame, obj.index].tolist(),
            physicsClientId=client)
        body_to_instance[body] = obj.instance_id
    return body_to_instance
