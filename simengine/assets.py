"""Mesh and URDF assets: where they are found and what their triangles are.

Assets are files next to the scene or in the ``pybullet_data`` package that ships with
PyBullet, so shipped scenes need no downloads.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pybullet_data

PYBULLET_DATA = Path(pybullet_data.getDataPath())


def resolve_asset(name: str, base_dir: Path) -> Path | None:
    """An existing asset file: absolute, relative to the scene's folder, or in pybullet_data."""
    p = Path(name)
    candidates = [p] if p.is_absolute() else [base_dir / p, PYBULLET_DATA / p]
    for c in candidates:
        if c.is_file():
            return c.resolve()
    return None


@functools.lru_cache(maxsize=64)
def load_obj(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (V, 3) float64 and triangles (T, 3) int32 of a Wavefront OBJ file.

    Only geometry is read (``v`` and ``f`` records); polygons are fanned into triangles,
    negative (relative) indices are honoured. Cached per process: assets are immutable.
    """
    vertices: list[tuple[float, float, float]] = []
    faces: list[tuple[int, int, int]] = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith("v "):
                x, y, z = line.split()[1:4]
                vertices.append((float(x), float(y), float(z)))
            elif line.startswith("f "):
                idx = []
                for token in line.split()[1:]:
                    i = int(token.split("/")[0])
                    idx.append(i - 1 if i > 0 else len(vertices) + i)
                faces.extend((idx[0], idx[j], idx[j + 1]) for j in range(1, len(idx) - 1))
    v = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
    f = np.asarray(faces, dtype=np.int32).reshape(-1, 3)
    if len(f) and (f.min() < 0 or f.max() >= len(v)):
        raise ValueError(f"{path}: face index out of range")
    v.setflags(write=False)
    f.setflags(write=False)
    return v, f


@functools.lru_cache(maxsize=64)
def local_bounds(shape: str, asset: str | None, scale: float, radius: float | None,
                 length: float | None, size: tuple[float, float, float] | None
                 ) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Axis-aligned bounds (min, max) of an object in its own frame, in metres."""
    if shape == "box":
        h = tuple(s / 2 for s in size)
        return (-h[0], -h[1], -h[2]), h
    if shape == "sphere":
        return (-radius,) * 3, (radius,) * 3
    if shape in ("cylinder", "capsule"):
        hz = length / 2 + (radius if shape == "capsule" else 0.0)
        return (-radius, -radius, -hz), (radius, radius, hz)
    if shape == "mesh":
        v, _ = load_obj(asset)
        lo, hi = v.min(axis=0) * scale, v.max(axis=0) * scale
        return tuple(map(float, lo)), tuple(map(float, hi))
    if shape == "urdf":
        return _urdf_bounds(asset, scale)
    raise ValueError(shape)


def _urdf_bounds(asset: str, scale: float):
    from ._pybullet import pybullet as p

    client = p.connect(p.DIRECT)
    try:
        body = p.loadURDF(asset, globalScaling=scale, physicsClientId=client)
        lo = np.full(3, np.inf)
        hi = np.full(3, -np.inf)
        for link in range(-1, p.getNumJoints(body, physicsClientId=client)):
            a, b = p.getAABB(body, link, physicsClientId=client)
            lo, hi = np.minimum(lo, a), np.maximum(hi, b)
        return tuple(map(float, lo)), tuple(map(float, hi))
    finally:
        p.disconnect(client)
