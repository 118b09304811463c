"""Spawning scene objects and the environment into a PyBullet client.

Every call is bound to the world's own ``physicsClientId``; nothing touches PyBullet's
default client, so worlds never share state.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._pybullet import pybullet as p
from ..geometry.scene_geometry import DEFAULT_COLOR
from ..instance import ObjectInstance, SceneInstance

WALL_THICKNESS = 0.2
GROUND_HALF_EXTENT = 500.0  # the ground is a large thin box: finite, so renderers agree on it


@dataclass(frozen=True)
class EnvironmentPart:
    """A static environment piece (ground slab, room wall), as an axis-aligned box."""

    name: str
    semantic: str  # "ground" or "wall"
    material: str
    color: tuple[float, float, float]
    center: tuple[float, float, float]
    half_extents: tuple[float, float, float]


def environment_parts(instance: SceneInstance) -> list[EnvironmentPart]:
    """The ground slab (top face at z = 0) and, with a room, its walls and ceiling."""
    parts: list[EnvironmentPart] = []
    t = WALL_THICKNESS
    room = instance.room
    if instance.ground is not None:
        g = instance.ground
        parts.append(EnvironmentPart("ground", "ground", g["material"], tuple(g["color"]),
                                     (0.0, 0.0, -t / 2), (GROUND_HALF_EXTENT, GROUND_HALF_EXTENT,
                                                          t / 2)))
    if room is not None:
        sx, sy, sz = (float(v) for v in room["size"])
        color = tuple(room["color"])
        wm, cm = room["wall_material"], room["ceiling_material"]
        if instance.ground is None:
            parts.append(EnvironmentPart("floor", "ground", room["floor_material"], color,
                                         (0.0, 0.0, -t / 2), (sx / 2 + t, sy / 2 + t, t / 2)))
        parts += [
            EnvironmentPart("wall_x_min", "wall", wm, color, (-sx / 2 - t / 2, 0.0, sz / 2),
                            (t / 2, sy / 2 + t, sz / 2 + t)),
            EnvironmentPart("wall_x_max", "wall", wm, color, (sx / 2 + t / 2, 0.0, sz / 2),
                            (t / 2, sy / 2 + t, sz / 2 + t)),
            EnvironmentPart("wall_y_min", "wall", wm, color, (0.0, -sy / 2 - t / 2, sz / 2),
                            (sx / 2, t / 2, sz / 2 + t)),
            EnvironmentPart("wall_y_max", "wall", wm, color, (0.0, sy / 2 + t / 2, sz / 2),
                            (sx / 2, t / 2, sz / 2 + t)),
            EnvironmentPart("ceiling", "wall", cm, color, (0.0, 0.0, sz + t / 2),
                            (sx / 2, sy / 2, t / 2)),
        ]
    return parts


def spawn_environment(part: EnvironmentPart, client: int) -> int:
    col = p.createCollisionShape(p.GEOM_BOX, halfExtents=part.half_extents, physicsClientId=client)
    vis = p.createVisualShape(p.GEOM_BOX, halfExtents=part.half_extents,
                              rgbaColor=(*part.color, 1.0), physicsClientId=client)
    body = p.createMultiBody(0.0, col, vis, basePosition=part.center, physicsClientId=client)
    # PyBullet multiplies the restitutions of a pair: 1.0 here makes an object's own
    # restitution the one it has against floors and walls.
    p.changeDynamics(body, -1, lateralFriction=0.8, restitution=1.0, physicsClientId=client)
    return body


def spawn_object(obj: ObjectInstance, client: int, visual: bool = True) -> int:
    """Create one object's body; its base frame is the object frame of the labels.

    ``visual=False`` gives a primitive or a mesh no visual shape: a simulation's client
    is never rendered (the sensors draw ``parts.object_parts``), and a mesh's visual
    shape cost as much as its collision shape to build. A URDF keeps its visual shapes,
    which are where its parts are read from."""
    color = (*(obj.color or DEFAULT_COLOR), 1.0)
    rgba = color if visual else None  # None: no visual shape
    # a kinematic actor has mass 0: PyBullet moves it by its velocity, no force moves it
    mass = 0.0 if obj.fixed or obj.motion is not None else obj.mass
    if obj.shape == "urdf":
        body = p.loadURDF(obj.asset_file, basePosition=obj.position,
                          baseOrientation=obj.orientation,
                          useFixedBase=obj.fixed, globalScaling=obj.scale,
                          flags=p.URDF_USE_INERTIA_FROM_FILE, physicsClientId=client)
        for link in range(-1, p.getNumJoints(body, physicsClientId=client)):
            p.changeVisualShape(body, link, rgbaColor=color, physicsClientId=client)
        if not obj.fixed:
            p.changeDynamics(body, -1, mass=obj.mass, physicsClientId=client)
    elif obj.shape == "procedural":
        col, vis = _generated_shapes(obj, rgba, client)
        body = p.createMultiBody(mass, col, vis, basePosition=obj.position,
                                 baseOrientation=obj.orientation,
                                 baseInertialFramePosition=inertial_offset(obj),
                                 physicsClientId=client)
    else:
        col, vis = _shapes(obj, rgba, client)
        body = p.createMultiBody(mass, col, vis, basePosition=obj.position,
                                 baseOrientation=obj.orientation, physicsClientId=client)
    for link in range(-1, p.getNumJoints(body, physicsClientId=client)):
        # PyBullet damps every body by default (4 % per second); ground truth wants free
        # flight to keep its velocity, as labels and motion-derived effects assume.
        p.changeDynamics(body, link, lateralFriction=obj.friction, restitution=obj.restitution,
                         linearDamping=0.0, angularDamping=0.0, physicsClientId=client)
    if not obj.fixed:
        p.resetBaseVelocity(body, obj.linear_velocity, obj.angular_velocity,
                            physicsClientId=client)
    return body


def inertial_offset(obj: ObjectInstance) -> tuple[float, float, float]:
    """Where the centre of mass sits in the object frame: the centre of a generated mesh's
    bounding box (a generated mesh rests on z = 0, so its frame origin is no place for the
    mass; the box centre is the centroid of symmetric solids and close for the rest)."""
    if obj.shape == "procedural":
        return tuple(float(c) for c in obj.center)
    return (0.0, 0.0, 0.0)


def _generated_shapes(obj: ObjectInstance, rgba, client: int) -> tuple[int, int]:
    """A generated mesh's collision (``mesh_collision``) and visual shapes."""
    from ..assets.procedural import mesh_arrays

    v, f = mesh_arrays(obj.mesh_source)
    col = mesh_collision(obj, obj.mesh_source, 1.0, client)
    if rgba is None:
        return col, -1
    vis = p.createVisualShape(p.GEOM_MESH, vertices=v.tolist(),
                              indices=f.reshape(-1).astype(int).tolist(), rgbaColor=rgba,
                              physicsClientId=client)
    return col, vis


def _file_mesh_shapes(obj: ObjectInstance, rgba, client: int) -> tuple[int, int]:
    """A mesh file given as arrays, as a generated mesh is (a file PyBullet cannot read:
    glTF, PLY, STL, COLLADA; or any file whose template names its collision shape)."""
    from ..assets.procedural import mesh_arrays

    v, f = mesh_arrays(obj.asset_file)
    col = mesh_collision(obj, obj.asset_file, obj.scale, client)
    if rgba is None:
        return col, -1
    vis = p.createVisualShape(p.GEOM_MESH, vertices=(v * obj.scale).tolist(),
                              indices=f.reshape(-1).astype(int).tolist(), rgbaColor=rgba,
                              physicsClientId=client)
    return col, vis


def mesh_collision(obj: ObjectInstance, source, scale: float, client: int) -> int:
    """The collision shape of a mesh source, by the template's ``collision`` key; by default
    the convex hull of the vertices for a moving body (PyBullet builds it from ``vertices``
    alone) and the exact triangles for a fixed one (``indices``: a concave mesh, which
    PyBullet only allows on static bodies). ``vhacd``: a compound of the convex pieces of
    VHACD's decomposition (``simengine.physics.vhacd``), cached on disk."""
    from ..assets.procedural import hull_vertices, mesh_arrays

    kind = obj.collision or ("mesh" if obj.fixed else "hull")
    v, f = mesh_arrays(source)
    if kind == "mesh":
        return p.createCollisionShape(p.GEOM_MESH, vertices=(v * scale).tolist(),
                                      indices=f.reshape(-1).astype(int).tolist(),
                                      physicsClientId=client)
    if kind == "vhacd":
        from .vhacd import decomposed_obj

        # PyBullet loads an OBJ of several objects as a compound, one convex hull each
        return p.createCollisionShape(p.GEOM_MESH, fileName=decomposed_obj(v, f),
                                      meshScale=[scale] * 3, physicsClientId=client)
    return p.createCollisionShape(p.GEOM_MESH, vertices=(hull_vertices(source) * scale)
                                  .tolist(), physicsClientId=client)


def _shapes(obj: ObjectInstance, rgba, client: int) -> tuple[int, int]:
    if obj.shape == "box":
        h = [s / 2 for s in obj.size]
        kw_c = kw_v = {"halfExtents": h}
        kind = p.GEOM_BOX
    elif obj.shape == "sphere":
        kind, kw_c, kw_v = p.GEOM_SPHERE, {"radius": obj.radius}, {"radius": obj.radius}
    elif obj.shape in ("cylinder", "capsule"):
        kind = p.GEOM_CYLINDER if obj.shape == "cylinder" else p.GEOM_CAPSULE
        kw_c = {"radius": obj.radius, "height": obj.length}
        kw_v = {"radius": obj.radius, "length": obj.length}
    elif obj.shape == "mesh" and (obj.collision is not None
                                  or not obj.asset_file.lower().endswith(".obj")):
        return _file_mesh_shapes(obj, rgba, client)
    elif obj.shape == "mesh":  # PyBullet reads OBJ itself: its hull of the file's vertices
        kind = p.GEOM_MESH
        kw_c = kw_v = {"fileName": obj.asset_file, "meshScale": [obj.scale] * 3}
    else:
        raise ValueError(obj.shape)
    col = p.createCollisionShape(kind, physicsClientId=client, **kw_c)
    if rgba is None:
        return col, -1
    vis = p.createVisualShape(kind, rgbaColor=rgba, physicsClientId=client, **kw_v)
    return col, vis
