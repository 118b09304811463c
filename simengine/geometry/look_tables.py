"""The flat look tables of a scene's meshes (``SceneGeometry.tri_*``, ``look_*``, ``tex_*``).

Per mesh source, once per geometry: each triangle's part, corner texture coordinates and
colours, texture, material and part label, put in the order of the source's BVH triangles
(``MeshBVH.face_index``) and appended in the same order as the BVH tables, so a triangle's
index into ``tris`` is its index here too. Per posed mesh part: its palette of part colours
(the object's paint applied, ``assets.look.paint_colors``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..assets.look import mesh_look, paint_colors, srgb_to_linear
from ..materials import MATERIAL_ID
from .bvh import MeshBVH


class LookTables:
    def __init__(self, part_vocabulary: tuple[str, ...] = ()) -> None:
        self.label_id = {name: i for i, name in enumerate(part_vocabulary)}
        self.tri: dict[str, list[np.ndarray]] = {k: [] for k in (
            "tri_part", "tri_uv", "tri_color", "tri_texture", "tri_material", "tri_label")}
        self.textures: list[np.ndarray] = []
        self.palette: list[tuple[float, float, float]] = []

    def add_mesh(self, source: Any, bvh: MeshBVH) -> None:
        """Append the look of ``source``'s triangles, in ``bvh``'s triangle order."""
        look = mesh_look(source)
        order = bvh.face_index
        part = look.face_part[order]
        n = len(order)
        texture_of_part = np.full(len(look.part_labels), -1, np.int32)
        for i, image in enumerate(look.part_textures):
            if image is not None and look.uv is not None:  # a texture needs coordinates
                texture_of_part[i] = len(self.textures)
                self.textures.append(image)
        material_of_part = np.array([-1 if m is None else MATERIAL_ID[m]
                                     for m in look.part_materials], np.int32)
        label_of_part = np.array([self.label_id.get(name, 0) for name in look.part_labels],
                                 np.int32)
        self.tri["tri_part"].append(part)
        self.tri["tri_uv"].append(np.zeros((n, 3, 2), np.float32) if look.uv is None
                                  else look.uv[order])
        self.tri["tri_color"].append(np.ones((n, 3, 3), np.float32)
                                     if look.corner_color is None
                                     else look.corner_color[order])
        self.tri["tri_texture"].append(texture_of_part[part])
        self.tri["tri_material"].append(material_of_part[part])
        self.tri["tri_label"].append(label_of_part[part])

    def add_palette(self, source: Any, color) -> int:
        """The offset of a posed part's palette: its mesh's part colours (linear), painted
        with the object's ``color`` (a scene colour: display sRGB values) unless None."""
        offset = len(self.palette)
        paint = None if color is None else tuple(srgb_to_linear(color))
        self.palette.extend(paint_colors(mesh_look(source).part_colors, paint))
        return offset

    def arrays(self) -> dict[str, np.ndarray]:
        shapes = {"tri_part": (0,), "tri_uv": (0, 3, 2), "tri_color": (0, 3, 3),
                  "tri_texture": (0,), "tri_material": (0,), "tri_label": (0,)}
        out = {}
        for key, pieces in self.tri.items():
            dtype = np.float32 if key in ("tri_uv", "tri_color") else np.int32
            # one dummy row when empty: Numba kernels index these arrays unconditionally typed
            out[key] = (np.ascontiguousarray(np.concatenate(pieces), dtype) if pieces
                        else np.zeros((1, *shapes[key][1:]), dtype))
        sizes = [t.shape[0] * t.shape[1] for t in self.textures]
        out["tex_start"] = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) \
            if sizes else np.zeros(1, np.int64)
        out["tex_width"] = np.array([t.shape[1] for t in self.textures] or [1], np.int32)
        out["tex_height"] = np.array([t.shape[0] for t in self.textures] or [1], np.int32)
        out["tex_texels"] = (np.ascontiguousarray(np.concatenate(
            [t.reshape(-1, 3) for t in self.textures]), np.float32) if self.textures
            else np.zeros((1, 3), np.float32))
        out["look_color"] = (np.asarray(self.palette, np.float32).reshape(-1, 3)
                             if self.palette else np.zeros((1, 3), np.float32))
        return out
