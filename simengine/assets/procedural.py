"""Meshes given as arrays (procedural generators) next to meshes read from files.

A *mesh source* is what a part's triangles come from: the path of a mesh file
(``mesh_files.MESH_SUFFIXES``), or a :class:`GeneratedMesh` key (a generator's name and
its parameter values). Both are hashable, so every consumer (bounds, BVHs, the inside test)
caches per source within the process: a file once per path, a generated mesh once per
generator and parameter values.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from .generators import generate
from .mesh import PartMesh
from .mesh_files import mesh_file_arrays


class GeneratedMesh(NamedTuple):
    """The key of a generated mesh: generator name and (parameter, value) pairs, sorted."""

    generator: str
    params: tuple[tuple[str, float], ...]

    @classmethod
    def of(cls, generator: str, params: Mapping[str, float]) -> GeneratedMesh:
        return cls(generator, tuple(sorted((k, params[k]) for k in params)))


MeshSource = str | GeneratedMesh


@functools.lru_cache(maxsize=256)
def generated_mesh(key: GeneratedMesh) -> PartMesh:
    """The PartMesh of ``key`` (built once per process per generator and parameter values;
    generators are pure functions of their parameters)."""
    mesh = generate(key.generator, dict(key.params))
    mesh.vertices.setflags(write=False)
    mesh.faces.setflags(write=False)
    return mesh


@functools.lru_cache(maxsize=256)
def hull_vertices(key: MeshSource) -> np.ndarray:
    """The vertices of a mesh source on its convex hull (read-only): what a moving body
    collides with. PyBullet hulls whatever points it is given, but tests every one of them
    at every contact query, so the interior points are dropped once here."""
    from scipy.spatial import ConvexHull

    v = mesh_arrays(key)[0]
    out = np.ascontiguousarray(v[np.sort(ConvexHull(v).vertices)])
    out.setflags(write=False)
    return out


def mesh_arrays(source: MeshSource) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (V, 3) float64 and triangles (T, 3) of a mesh source (read-only arrays)."""
    if isinstance(source, GeneratedMesh):
        mesh = generated_mesh(source)
        return mesh.vertices, mesh.faces
    return mesh_file_arrays(source)


def mesh_bounds(key: GeneratedMesh
                ) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Axis-aligned bounds (min, max) of a generated mesh in its own frame, in metres."""
    v = generated_mesh(key).vertices
    return tuple(map(float, v.min(axis=0))), tuple(map(float, v.max(axis=0)))
