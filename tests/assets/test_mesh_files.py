"""Meshes read from files (trimesh): the shipped OBJ assets keep the arrays of the old
hand-written parser, every supported format loads a known box, and a textured mesh written
here with trimesh comes back with its UVs, material colours and texture.

The reference for the OBJ arrays is a copy of the parser simengine used before trimesh
(``old_obj_arrays`` below): the shipped scenes' outputs depend on vertex and face order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pybullet_data
import pytest
import trimesh

PYBULLET_DATA = Path(pybullet_data.getDataPath())
# Meshes shipped scenes and tests use (duck_vhacd: tabletop; table: table.urdf), and others
# with triangles, quads, texture coordinates and several objects.
SAME_ARRAYS = ["duck.obj", "duck_vhacd.obj", "teddy2_VHACD_CHs.obj", "table/table.obj",
               "cube.obj"]
# Quads: trimesh splits (a, b, c, d) into (a, b, c), (c, d, a), the old parser into
# (a, b, c), (a, c, d): the same triangles, in the same order, corners rotated.
SAME_UP_TO_ROTATION = ["soccerball.obj", "sphere_smooth.obj", "textured_sphere_smooth.obj"]


def old_obj_arrays(path: str) -> tuple[np.ndarray, np.ndarray]:
    """The OBJ parser of simengine before trimesh: ``v`` and ``f`` records, polygons fanned
    from their first corner, negative indices relative."""
    vertices, faces = [], []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith("v "):
                vertices.append(tuple(float(x) for x in line.split()[1:4]))
            elif line.startswith("f "):
                idx = []
                for token in line.split()[1:]:
                    i = int(token.split("/")[0])
                    idx.append(i - 1 if i > 0 else len(vertices) + i)
                faces.extend((idx[0], idx[j], idx[j + 1]) for j in range(1, len(idx) - 1))
    return (np.asarray(vertices, np.float64).reshape(-1, 3),
            np.asarray(faces, np.int64).reshape(-1, 3))


def canonical_corners(faces: np.ndarray) -> np.ndarray:
    """Each triangle rotated to start at its smallest index (winding kept)."""
    k = np.argmin(faces, axis=1)
    return np.stack([faces[np.arange(len(faces)), (k + j) % 3] for j in range(3)], axis=1)


def trimesh_obj(path: str) -> trimesh.Trimesh:
    return trimesh.load(path, process=False, maintain_order=True, force="mesh")


@pytest.mark.parametrize("name", SAME_ARRAYS)
def test_trimesh_reads_the_old_parsers_arrays(name: str) -> None:
    v, f = old_obj_arrays(str(PYBULLET_DATA / name))
    m = trimesh_obj(str(PYBULLET_DATA / name))
    np.testing.assert_array_equal(m.vertices, v)
    np.testing.assert_array_equal(m.faces, f)


@pytest.mark.parametrize("name", SAME_UP_TO_ROTATION)
def test_trimesh_reads_the_old_parsers_triangles_with_quads_split_differently(name) -> None:
    v, f = old_obj_arrays(str(PYBULLET_DATA / name))
    m = trimesh_obj(str(PYBULLET_DATA / name))
    np.testing.assert_array_equal(m.vertices, v)
    np.testing.assert_array_equal(canonical_corners(m.faces), canonical_corners(f))
