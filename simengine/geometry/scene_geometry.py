"""The scene's geometry at one instant, as flat arrays for the ray-casting core.

Every visible thing is a *part*: an analytic primitive (box, sphere, cylinder, capsule) or a
triangle mesh with a BVH, posed in the world. An object has one or more parts (a URDF has
one per visual shape); the environment (ground slab, room walls) contributes boxes.
Parts carry the labels sensors need: instance id, semantic class, material and colour.
A mesh part's look goes down to its triangles (``assets.look``): each triangle has its
mesh part, corner texture coordinates and colours, a texture, a material and a part label,
in tables aligned with the BVH triangles; each posed mesh part has its own palette of part
colours (``look_offset`` into ``look_color``), so one mesh shared by two objects can wear
two paints.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ..materials import MATERIAL_ID
from .bvh import MeshBVH, mesh_bvh
from .look_tables import LookTables
from .transforms import quat_to_matrix

BOX, SPHERE, CYLINDER, CAPSULE, MESH = 1, 2, 3, 4, 5
TEXTURE_KIND = {"none": 0, "checker": 1, "stripes": 2, "noise": 3}
ZERO3 = (0.0, 0.0, 0.0)
DEFAULT_COLOR = (0.7, 0.7, 0.7)  # a part without a colour of its own (scene default too)
KIND_OF_SHAPE = {"box": BOX, "sphere": SPHERE, "cylinder": CYLINDER, "capsule": CAPSULE,
                 "mesh": MESH}


@dataclass(frozen=True)
class PartDesc:
    """A part in the frame of the link it hangs off (link 0 = the base)."""

    kind: int
    params: tuple[float, float, float]  # box half extents | (r,) | (r, half length) | scale
    link: int
    local_position: tuple[float, float, float]
    local_orientation: tuple[float, float, float, float]
    mesh: Any = None  # mesh source: an .obj path or a GeneratedMesh key (assets.procedural)


class PosedPart(NamedTuple):
    """A part placed in the world at one instant, with what sensors need to know of it."""

    desc: PartDesc
    position: Any  # world position (3,)
    orientation: Any  # world xyzw
    instance: int  # object index + 1, 0 for the environment
    semantic: int  # class id
    material: str
    color: tuple[float, float, float] | None  # None: a mesh's own colours
    texture: dict | None = None
    linear_velocity: tuple[float, float, float] = ZERO3  # of the part's origin, m/s
    angular_velocity: tuple[float, float, float] = ZERO3  # rad/s


@dataclass(frozen=True)
class SceneGeometry:
    kind: np.ndarray  # (P,) int32
    rot: np.ndarray  # (P, 3, 3) R_world_part
    pos: np.ndarray  # (P, 3)
    params: np.ndarray  # (P, 3)
    bound_center: np.ndarray  # (P, 3)
    bound_radius: np.ndarray  # (P,)
    instance: np.ndarray  # (P,) int32, 0 = environment
    semantic: np.ndarray  # (P,) int32 class id
    material: np.ndarray  # (P,) int32
    color: np.ndarray  # (P, 3) float32 in [0, 1]
    texture_kind: np.ndarray  # (P,) int32, TEXTURE_KIND
    texture_scale: np.ndarray  # (P,) float64, m
    texture_axis: np.ndarray  # (P,) int32
    color2: np.ndarray  # (P, 3) float32, the texture's second colour
    linear_velocity: np.ndarray  # (P, 3) of each part's origin, world
    angular_velocity: np.ndarray  # (P, 3) rad/s, world
    mesh_node: np.ndarray  # (P,) int32 offset of the part's BVH root in the node arrays
    mesh_tri: np.ndarray  # (P,) int32 offset of its triangles
    mesh_tri_count: np.ndarray  # (P,) int32 number of its triangles (0 for primitives)
    node_min: np.ndarray
    node_max: np.ndarray
    node_left: np.ndarray
    node_start: np.ndarray
    node_count: np.ndarray
    tris: np.ndarray
    # the look of mesh triangles (``assets.look``), aligned with ``tris``
    look_offset: np.ndarray  # (P,) int32 first palette entry of a mesh part, -1 otherwise
    look_color: np.ndarray  # (L, 3) float32 linear colour of each mesh part of each part
    tri_part: np.ndarray  # (T,) int32 the triangle's part within its mesh
    tri_uv: np.ndarray  # (T, 3, 2) float32 corner texture coordinates
    tri_color: np.ndarray  # (T, 3, 3) float32 corner colour factors (vertex colours; else 1)
    tri_texture: np.ndarray  # (T,) int32 texture id, -1 none
    tri_material: np.ndarray  # (T,) int32 material id, -1: the part's
    tri_label: np.ndarray  # (T,) int32 part label (index into the part vocabulary), 0 none
    tex_texels: np.ndarray  # (N, 3) float32 linear RGB of every texture, row-major, top row first
    tex_start: np.ndarray  # (K,) int64 first texel of each texture
    tex_width: np.ndarray  # (K,) int32
    tex_height: np.ndarray  # (K,) int32
    # the source images of the tex_* tables (the assets' cached arrays): what the
    # physically based pass builds and caches mip pyramids from
    textures: tuple = ()


def local_bound(desc: PartDesc) -> tuple[np.ndarray, float]:
    """Centre (part frame) and radius of a sphere enclosing the part."""
    k, (a, b, c) = desc.kind, desc.params
    if k == BOX:
        return np.zeros(3), float(np.sqrt(a * a + b * b + c * c))
    if k == SPHERE:
        return np.zeros(3), a
    if k in (CYLINDER, CAPSULE):
        return np.zeros(3), float(np.hypot(a, b + (a if k == CAPSULE else 0.0)))
    lo, hi = mesh_bvh(desc.mesh).bounds
    scale = np.asarray(desc.params)
    lo, hi = np.minimum(lo * scale, hi * scale), np.maximum(lo * scale, hi * scale)
    return (lo + hi) / 2, float(np.linalg.norm(hi - lo) / 2) * (1 + 1e-9)


def build_geometry(parts: list[PosedPart] | list[tuple],
                   part_vocabulary: tuple[str, ...] = ()) -> SceneGeometry:
    """``parts``: PosedParts, or plain tuples in PosedPart's field order (the trailing
    texture and velocities may be left out), with the pose already composed from the link
    frame and the part's local frame. ``part_vocabulary``: the part labels mesh triangles
    are numbered by (a label it does not list is 0)."""
    parts = [PosedPart(*p) for p in parts]
    n = len(parts)
    kind = np.zeros(n, np.int32)
    rot = np.zeros((n, 3, 3))
    pos = np.zeros((n, 3))
    params = np.zeros((n, 3))
    bcenter = np.zeros((n, 3))
    bradius = np.zeros(n)
    instance = np.zeros(n, np.int32)
    semantic = np.zeros(n, np.int32)
    material = np.zeros(n, np.int32)
    color = np.zeros((n, 3), np.float32)
    tex_kind = np.zeros(n, np.int32)
    tex_scale = np.ones(n)
    tex_axis = np.zeros(n, np.int32)
    color2 = np.zeros((n, 3), np.float32)
    lin_vel = np.zeros((n, 3))
    ang_vel = np.zeros((n, 3))
    mesh_node = np.zeros(n, np.int32)
    mesh_tri = np.zeros(n, np.int32)
    mesh_tri_count = np.zeros(n, np.int32)
    look_offset = np.full(n, -1, np.int32)
    looks = LookTables(part_vocabulary)
    bvhs: dict[Any, tuple[int, int, MeshBVH]] = {}
    node_total = tri_total = 0
    for i, (desc, p, q, inst, cls, mat, col, tex, v, w) in enumerate(parts):
        R = quat_to_matrix(q)
        kind[i], rot[i], pos[i], params[i] = desc.kind, R, p, desc.params
        c_local, bradius[i] = local_bound(desc)
        bcenter[i] = R @ c_local + p
        instance[i], semantic[i], material[i] = inst, cls, MATERIAL_ID[mat]
        color[i] = DEFAULT_COLOR if col is None else col
        if tex:
            tex_kind[i], tex_scale[i] = TEXTURE_KIND[tex["kind"]], tex["scale"]
            tex_axis[i], color2[i] = tex["axis"], tex["color2"]
        lin_vel[i], ang_vel[i] = v, w
        if desc.kind == MESH:
            if desc.mesh not in bvhs:
                bvh = mesh_bvh(desc.mesh)
                bvhs[desc.mesh] = (node_total, tri_total, bvh)
                looks.add_mesh(desc.mesh, bvh)
                node_total += len(bvh.node_left)
                tri_total += len(bvh.tris)
            mesh_node[i], mesh_tri[i] = bvhs[desc.mesh][:2]
            mesh_tri_count[i] = len(bvhs[desc.mesh][2].tris)
            look_offset[i] = looks.add_palette(desc.mesh, col)
    tables = [b for _, _, b in sorted(bvhs.values(), key=lambda v: v[0])]

    def cat(attr: str, shape: tuple, dtype) -> np.ndarray:
        if not tables:
            return np.zeros(shape, dtype)
        return np.ascontiguousarray(np.concatenate([getattr(b, attr) for b in tables]), dtype)

    return SceneGeometry(
        kind=kind, rot=rot, pos=pos, params=params, bound_center=bcenter, bound_radius=bradius,
        instance=instance, semantic=semantic, material=material, color=color,
        texture_kind=tex_kind, texture_scale=tex_scale, texture_axis=tex_axis, color2=color2,
        linear_velocity=lin_vel, angular_velocity=ang_vel,
        mesh_node=mesh_node, mesh_tri=mesh_tri, mesh_tri_count=mesh_tri_count,
        node_min=cat("node_min", (1, 3), np.float64), node_max=cat("node_max", (1, 3), np.float64),
        node_left=cat("node_left", (1,), np.int32), node_start=cat("node_start", (1,), np.int32),
        node_count=cat("node_count", (1,), np.int32), tris=cat("tris", (1, 3, 3), np.float64),
        look_offset=look_offset, **looks.arrays(), textures=tuple(looks.textures),
    )


# The mesh tables every part indexes by offset: shared as they are by a subset.
_TABLES = {"node_min", "node_max", "node_left", "node_start", "node_count", "tris",
           "look_color", "tri_part", "tri_uv", "tri_color", "tri_texture", "tri_material",
           "tri_label", "tex_texels", "tex_start", "tex_width", "tex_height", "textures"}


def subset(geometry: SceneGeometry, parts: np.ndarray) -> SceneGeometry:
    """The scene holding only ``parts`` (mesh tables are shared, offsets stay valid)."""
    n = len(geometry.kind)
    per_part = {f.name: getattr(geometry, f.name) for f in dataclasses.fields(geometry)
                if f.name not in _TABLES}
    return dataclasses.replace(geometry, **{
        k: np.ascontiguousarray(v[parts]) for k, v in per_part.items()
        if isinstance(v, np.ndarray) and v.shape[:1] == (n,)})
