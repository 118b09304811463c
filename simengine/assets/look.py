"""What a mesh source looks like, face by face: the per-face arrays the renderer indexes.

A :class:`MeshLook` holds, in the mesh's own face order, each face's part (index into the
mesh's parts), the texture coordinates and colours of its three corners, and per part the
base colour, the material (a ``simengine.materials`` name, or None where the file does not
say: the object's material then applies), the base-colour texture as linear RGB and the
part's label, ``<prefix>/<part name>`` (``sedan/wheel``; a file's prefix is its stem).

Colours are linear RGB. Texture images and vertex colours are stored sRGB-encoded in the
files we read (PNG/JPEG textures, PLY vertex colours), so they are decoded with the sRGB
transfer function (IEC 61966-2-1) here; material factors (MTL ``Kd``, glTF
``baseColorFactor``) are linear already.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .procedural import GeneratedMesh, MeshSource, generated_mesh

# a texture larger than this (per side) is downsampled when read: the camera samples it
# bilinearly, and a 4096² texture of a small object would cost 200 MB as linear floats
MAX_TEXTURE_SIDE = 1024


@dataclass(frozen=True)
class MeshLook:
    face_part: np.ndarray  # (F,) int32 part of each face
    uv: np.ndarray | None  # (F, 3, 2) float32 corner texture coordinates (OpenGL: v up)
    corner_color: np.ndarray | None  # (F, 3, 3) float32 linear vertex colours, or None
    part_colors: tuple[tuple[float, float, float], ...]  # linear base colour per part
    part_materials: tuple[str | None, ...]
    part_textures: tuple[np.ndarray | None, ...]  # (H, W, 3) float32 linear, or None
    part_labels: tuple[str, ...]


def srgb_to_linear(encoded: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 decoding of values in 0..1."""
    c = np.asarray(encoded, np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def texture_linear(image) -> np.ndarray:
    """A Pillow image as (H, W, 3) float32 linear RGB (alpha dropped), row 0 at the top."""
    image = image.convert("RGB")
    if max(image.size) > MAX_TEXTURE_SIDE:
        scale = MAX_TEXTURE_SIDE / max(image.size)
        size = (max(1, round(image.size[0] * scale)), max(1, round(image.size[1] * scale)))
        image = image.resize(size, resample=3)  # Pillow BICUBIC
    return np.ascontiguousarray(srgb_to_linear(np.asarray(image, np.float64) / 255.0),
                                np.float32)


@functools.lru_cache(maxsize=256)
def mesh_look(source: MeshSource) -> MeshLook:
    """The look of a generated mesh (its parts' colours and materials; labels
    ``<generator>/<part>``) or of a mesh file (material groups, textures, vertex colours)."""
    if isinstance(source, GeneratedMesh):
        mesh = generated_mesh(source)
        uv = None if mesh.uv is None else mesh.uv[mesh.faces].astype(np.float32)
        return MeshLook(
            face_part=mesh.face_part.astype(np.int32), uv=uv, corner_color=None,
            part_colors=mesh.part_colors, part_materials=mesh.part_materials,
            part_textures=(None,) * len(mesh.parts),
            part_labels=tuple(f"{source.generator}/{p}" for p in mesh.parts))
    from .mesh_files import load_mesh_file

    loaded = load_mesh_file(source)
    mesh = loaded.mesh
    uv = None if mesh.uv is None else mesh.uv[mesh.faces].astype(np.float32)
    corner = None
    if loaded.vertex_colors is not None:
        corner = srgb_to_linear(loaded.vertex_colors[:, :3])[mesh.faces].astype(np.float32)
    textures = tuple(None if t is None else texture_linear(t) for t in loaded.textures)
    stem = Path(source).stem
    return MeshLook(
        face_part=mesh.face_part.astype(np.int32), uv=uv, corner_color=corner,
        part_colors=mesh.part_colors, part_materials=(None,) * len(mesh.parts),
        part_textures=textures, part_labels=tuple(f"{stem}/{p}" for p in mesh.parts))


def paint_colors(part_colors, color) -> tuple[tuple[float, float, float], ...]:
    """The part colours with an object's own ``color`` (None: the asset's colours) as its
    paint: it replaces the first part's colour and that of every part sharing it (a car's
    body and doors, a mug's body and handle), so one scene key recolours an object while
    tyres, glass and lights keep theirs."""
    if color is None or not part_colors:
        return tuple(part_colors)
    paint = part_colors[0]
    own = tuple(float(c) for c in color)
    return tuple(own if c == paint else tuple(c) for c in part_colors)
