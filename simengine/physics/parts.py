"""What each body looks like to the ray caster: its visual parts, read once per world."""

from __future__ import annotations

import dataclasses

import numpy as np

from .._pybullet import pybullet as p
from ..assets.mesh_files import MESH_SUFFIXES
from ..geometry.scene_geometry import (
    BOX,
    CAPSULE,
    CYLINDER,
    KIND_OF_SHAPE,
    MESH,
    SPHERE,
    PartDesc,
    PosedPart,
)
from ..geometry.transforms import quat_to_matrix
from ..instance import ObjectInstance, SceneInstance
from .bodies import EnvironmentPart, inertial_offset
from .snapshot import Snapshot

IDENTITY = (0.0, 0.0, 0.0, 1.0)


def object_parts(obj: ObjectInstance, body: int, client: int) -> tuple[PartDesc, ...]:
    """Primitives and meshes we created are one part at the body frame (a generated mesh's
    frame is offset from its centre of mass: ``bodies.inertial_offset``); a URDF has one part
    per visual shape, posed relative to its link's centre-of-mass frame (PyBullet's
    convention for ``getVisualShapeData``)."""
    if obj.shape == "box":
        return (PartDesc(BOX, tuple(s / 2 for s in obj.size), 0, (0, 0, 0), IDENTITY),)
    if obj.shape == "sphere":
        return (PartDesc(SPHERE, (obj.radius, 0.0, 0.0), 0, (0, 0, 0), IDENTITY),)
    if obj.shape in ("cylinder", "capsule"):
        return (PartDesc(KIND_OF_SHAPE[obj.shape], (obj.radius, obj.length / 2, 0.0), 0,
                         (0, 0, 0), IDENTITY),)
    if obj.shape == "mesh":
        return (PartDesc(MESH, (obj.scale,) * 3, 0, (0, 0, 0), IDENTITY, obj.asset_file),)
    if obj.shape == "procedural":  # hung off the centre-of-mass frame, like a URDF's parts
        offset = tuple(-c for c in inertial_offset(obj))
        return (PartDesc(MESH, (1.0, 1.0, 1.0), 0, offset, IDENTITY, obj.mesh_source),)
    parts = []
    for v in p.getVisualShapeData(body, physicsClientId=client):
        link, geom, dims, fname, lpos, lorn = v[1], v[2], v[3], v[4], v[5], v[6]
        if geom == p.GEOM_BOX:
            desc = PartDesc(BOX, tuple(d / 2 for d in dims), link + 1, lpos, lorn)
        elif geom == p.GEOM_SPHERE:
            desc = PartDesc(SPHERE, (dims[0], 0.0, 0.0), link + 1, lpos, lorn)
        elif geom in (p.GEOM_CYLINDER, p.GEOM_CAPSULE):
            kind = CYLINDER if geom == p.GEOM_CYLINDER else CAPSULE
            desc = PartDesc(kind, (dims[1], dims[0] / 2, 0.0), link + 1, lpos, lorn)
        elif geom == p.GEOM_MESH:
            path = fname.decode("utf-8")
            if not path.lower().endswith(MESH_SUFFIXES):
                raise ValueError(f"{obj.asset_file}: visual meshes must be one of "
                                 f"{', '.join(MESH_SUFFIXES)}, got {path}")
            desc = PartDesc(MESH, tuple(float(d) for d in dims), link + 1, lpos, lorn, path)
        else:
            continue
        parts.append(desc)
    return tuple(parts)


def environment_desc(part: EnvironmentPart) -> tuple[PartDesc, np.ndarray, tuple]:
    return (PartDesc(BOX, part.half_extents, 0, (0, 0, 0), IDENTITY),
            np.asarray(part.center, np.float64), IDENTITY)


def _environment_texture(instance: SceneInstance, env: EnvironmentPart) -> dict | None:
    source = instance.ground if env.name == "ground" else instance.room
    return (source or {}).get("texture")


def posed_parts(instance: SceneInstance, snapshot: Snapshot,
                object_descs: tuple[tuple[PartDesc, ...], ...],
                environment: tuple[EnvironmentPart, ...], classes: tuple[str, ...]
                ) -> list[PosedPart]:
    """Every part of the scene at the snapshot: the environment first, then each object's
    parts in order (the same order at every capture, so parts correspond across frames).
    A part's velocity is that of its body at the part's origin: v + ω × (p − p_com)."""
    out = []
    for env in environment:
        desc, pos, q = environment_desc(env)
        out.append(PosedPart(desc, pos, q, 0, classes.index(env.semantic), env.material,
                             env.color, _environment_texture(instance, env)))
    for obj, state, own in zip(instance.objects, snapshot.objects, object_descs, strict=True):
        descs = own
        if state.mesh_source is not None:  # a walker's mesh, posed for this instant
            descs = tuple(dataclasses.replace(d, mesh=state.mesh_source) if d.kind == MESH
                          else d for d in own)
        for d in descs:
            link_pos, link_q = state.links[d.link]
            R_link = quat_to_matrix(link_q)
            pos = R_link @ np.asarray(d.local_position, np.float64) + link_pos
            q = _quat_mul(link_q, d.local_orientation)
            w = state.angular_velocity
            v = state.linear_velocity + np.cross(w, pos - state.links[0][0])
            out.append(PosedPart(d, pos, q, obj.instance_id, obj.class_id, obj.material,
                                 obj.color, obj.texture, tuple(v), tuple(w)))
    return out


def _quat_mul(a, b) -> tuple[float, float, float, float]:
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return (aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz)
