"""Meshes read from files with trimesh: Wavefront .obj (+ .mtl), glTF (.glb, .gltf), .ply,
.stl and COLLADA .dae (the last only when pycollada is installed).

A file becomes one :class:`LoadedMesh`: its triangles as a :class:`PartMesh` whose parts are
the file's material groups (one per trimesh geometry), with their diffuse / base colours and
per-vertex UVs, plus what the camera may sample later: each part's base-colour texture
(a Pillow image) and per-vertex colours. The sensors use the triangles only.

Files are read with ``process=False`` so faces keep the file's order: for the
single-material OBJ files of pybullet_data the triangles are exactly the old hand-written
parser's (tests/assets/test_mesh_files.py), so scenes render as before. An OBJ vertex used
with two texture coordinates (a UV seam) becomes two vertices, one per coordinate pair
(``maintain_order=True`` would keep one and smear the texture across the seam).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .mesh import PartMesh

MESH_SUFFIXES = (".obj", ".glb", ".gltf", ".ply", ".stl", ".dae")


@dataclass(frozen=True)
class LoadedMesh:
    """A mesh file's triangles and appearance. ``mesh.part_colors`` are the material
    factors as the file gives them (glTF base colour factor, which multiplies its texture;
    MTL ``Kd`` of a part without a ``map_Kd`` texture; white otherwise); ``textures[i]``
    is part i's base-colour image (sRGB-encoded, as stored) or None; ``vertex_colors`` is
    (V, 4) RGBA in 0..1 as stored, or None."""

    mesh: PartMesh
    textures: tuple[Any, ...]  # PIL.Image.Image | None per part
    vertex_colors: np.ndarray | None = None


@functools.lru_cache(maxsize=64)
def load_mesh_file(path: str) -> LoadedMesh:
    """The mesh in ``path`` (cached per process: assets are immutable). Node transforms of
    scene formats (glTF, COLLADA) are applied; units are the file's."""
    import trimesh

    suffix = Path(path).suffix.lower()
    if suffix not in MESH_SUFFIXES:
        raise ValueError(f"{path}: not a mesh file simengine reads ({', '.join(MESH_SUFFIXES)})")
    scene = trimesh.load(path, process=False, force="scene")
    pieces = []
    for node in scene.graph.nodes_geometry:
        transform, name = scene.graph[node]
        geometry = scene.geometry[name]
        if not isinstance(geometry, trimesh.Trimesh) or len(geometry.faces) == 0:
            continue  # point clouds and paths have no triangles
        pieces.append((str(name), geometry, np.asarray(transform, np.float64)))
    if not pieces:
        raise ValueError(f"{path}: the file holds no triangles")
    return _join(pieces)


def mesh_file_arrays(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (V, 3) float64 and triangles (T, 3) of a mesh file (read-only arrays)."""
    mesh = load_mesh_file(path).mesh
    return mesh.vertices, mesh.faces


def _join(pieces) -> LoadedMesh:
    vertices, faces, face_part, uvs, vcolors = [], [], [], [], []
    names, colors, textures = [], [], []
    offset = 0
    for i, (name, geometry, transform) in enumerate(pieces):
        v = np.asarray(geometry.vertices, np.float64)
        if not np.array_equal(transform, np.eye(4)):  # identity: keep the file's exact floats
            v = v @ transform[:3, :3].T + transform[:3, 3]
        vertices.append(v)
        faces.append(np.asarray(geometry.faces, np.int64) + offset)
        face_part.append(np.full(len(geometry.faces), i, np.int16))
        part_name, color, texture, uv, vcolor = _appearance(name, geometry)
        names.append(part_name)
        colors.append(color)
        textures.append(texture)
        uvs.append(uv)
        vcolors.append(vcolor)
        offset += len(v)
    counts = [len(v) for v in vertices]
    mesh = PartMesh(
        vertices=_read_only(np.concatenate(vertices)),
        faces=_read_only(np.concatenate(faces)),
        face_part=_read_only(np.concatenate(face_part)),
        parts=_unique(names), part_colors=tuple(colors),
        part_materials=("default",) * len(names),
        uv=_stack_optional(uvs, counts, 2))
    return LoadedMesh(mesh, tuple(textures), _stack_optional(vcolors, counts, 4, fill=1.0))


def _appearance(name: str, geometry):
    """(part name, colour, texture, uv, vertex colours) of one trimesh geometry."""
    visual = geometry.visual
    color, texture, uv, vcolor = (1.0, 1.0, 1.0), None, None, None
    if visual.kind == "texture":
        material = visual.material
        name = getattr(material, "name", None) or name
        if visual.uv is not None and len(visual.uv) == len(geometry.vertices):
            uv = np.asarray(visual.uv, np.float64)
        texture = getattr(material, "baseColorTexture", None)
        if texture is None:
            texture = getattr(material, "image", None)
        factor = getattr(material, "baseColorFactor", None)  # PBRMaterial (glTF)
        if factor is None and texture is None:
            # SimpleMaterial (OBJ / MTL): Kd colours an untextured part; a map_Kd texture
            # is the colour itself, as PyBullet and Blender read MTL files
            factor = getattr(material, "diffuse", None)
        if factor is not None:
            color = tuple(float(c) / 255.0 for c in np.asarray(factor)[:3])
    elif visual.kind == "vertex":
        vcolor = np.asarray(visual.vertex_colors, np.float64) / 255.0
    elif visual.kind == "face":  # one colour per part when the faces share one
        fc = np.asarray(visual.face_colors, np.float64) / 255.0
        if len(fc) and np.all(fc == fc[0]):
            color = tuple(float(c) for c in fc[0, :3])
    return name, color, texture, uv, vcolor


def _unique(names: list[str]) -> tuple[str, ...]:
    """Part names made unique (two geometries may share a material name)."""
    out: list[str] = []
    for n in names:
        out.append(n if n not in out else f"{n}.{sum(m.startswith(n) for m in out)}")
    return tuple(out)


def _stack_optional(arrays, counts, width: int, fill: float = 0.0) -> np.ndarray | None:
    """Per-vertex arrays of the pieces stacked, pieces without one filled; None if none."""
    if all(a is None for a in arrays):
        return None
    full = [np.full((n, width), fill) if a is None else a[:, :width] for a, n in
            zip(arrays, counts, strict=True)]
    return _read_only(np.concatenate(full).astype(np.float64))


def _read_only(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a
