"""A generated asset: one triangle mesh whose faces are labelled with named parts.

Every part has a base colour (linear RGB albedo, 0..1) and a material name (a key of
``simengine.materials``, which gives its lidar reflectivity and its sound), so the camera,
the lidar and the microphones see one description. Texture coordinates are optional, per
vertex. Units are metres, the object's frame is z up, x forward, and the mesh rests on
z = 0 unless the generator says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class PartMesh:
    vertices: np.ndarray  # (V, 3) float64, metres
    faces: np.ndarray  # (F, 3) int64, counter-clockwise seen from outside
    face_part: np.ndarray  # (F,) int16: index into ``parts``
    parts: tuple[str, ...]  # part names, e.g. ("body", "wheel", "window")
    part_colors: tuple[tuple[float, float, float], ...]  # linear RGB per part
    part_materials: tuple[str, ...]  # simengine.materials name per part
    uv: np.ndarray | None = None  # (V, 2) float64 texture coordinates
    meta: dict = field(default_factory=dict)  # generator-specific facts (e.g. wheel centres)

    def __post_init__(self) -> None:
        v, f, p = self.vertices, self.faces, self.face_part
        if v.ndim != 2 or v.shape[1] != 3 or f.ndim != 2 or f.shape[1] != 3:
            raise ValueError("vertices must be (V, 3) and faces (F, 3)")
        if p.shape != (f.shape[0],):
            raise ValueError("face_part must hold one part index per face")
        n = len(self.parts)
        if not (len(self.part_colors) == len(self.part_materials) == n):
            raise ValueError("one colour and one material per part")
        if f.size and (f.min() < 0 or f.max() >= v.shape[0]):
            raise ValueError("faces index vertices out of range")
        if p.size and (p.min() < 0 or p.max() >= n):
            raise ValueError("face_part indexes parts out of range")
        if self.uv is not None and self.uv.shape != (v.shape[0], 2):
            raise ValueError("uv must be (V, 2)")

    @property
    def bounds(self) -> np.ndarray:
        """(2, 3): min and max corner of the vertices."""
        return np.stack([self.vertices.min(axis=0), self.vertices.max(axis=0)])

    def to_trimesh(self):
        """The mesh as a ``trimesh.Trimesh`` (not processed: vertices and faces as built)."""
        import trimesh

        return trimesh.Trimesh(self.vertices, self.faces, process=False)


@dataclass
class MeshBuilder:
    """Collects pieces (each a mesh of one part) and joins them into a PartMesh."""

    parts: list[str] = field(default_factory=list)
    colors: list[tuple[float, float, float]] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    _pieces: list[tuple[np.ndarray, np.ndarray, int, np.ndarray | None]] = field(
        default_factory=list)

    def part(self, name: str, color, material: str) -> int:
        """The index of part ``name`` (declared on first use with its colour and material)."""
        if name in self.parts:
            return self.parts.index(name)
        self.parts.append(name)
        self.colors.append(tuple(float(c) for c in color))
        self.materials.append(material)
        return len(self.parts) - 1

    def add(self, part: int, piece: tuple[np.ndarray, np.ndarray],
            uv: np.ndarray | None = None) -> None:
        vertices, faces = piece
        self._pieces.append((np.asarray(vertices, np.float64), np.asarray(faces, np.int64),
                             part, uv))

    def build(self, meta: dict | None = None) -> PartMesh:
        vertices, faces, face_part, uvs = [], [], [], []
        offset = 0
        with_uv = any(uv is not None for *_, uv in self._pieces)
        for v, f, part, uv in self._pieces:
            vertices.append(v)
            faces.append(f + offset)
            face_part.append(np.full(len(f), part, np.int16))
            if with_uv:
                uvs.append(uv if uv is not None else np.zeros((len(v), 2)))
            offset += len(v)
        return PartMesh(np.concatenate(vertices), np.concatenate(faces),
                        np.concatenate(face_part), tuple(self.parts), tuple(self.colors),
                        tuple(self.materials), np.concatenate(uvs) if with_uv else None,
                        dict(meta or {}))
