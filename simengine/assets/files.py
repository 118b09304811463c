"""Mesh, URDF and audio-clip assets: where they are found, which files they bring along,
and what their triangles are.

A scene names an asset by a path relative to its own folder, to a folder of
``SIMENGINE_ASSET_PATH`` (``os.pathsep``-separated) or to the ``pybullet_data`` package
that ships with PyBullet (shipped scenes need no downloads). A name that leads out of these
roots (``../``, an absolute path elsewhere, a symlink pointing out) is refused. Names are
resolved once, when the scene is loaded; a store keeps a copy of every asset
(``store.assets``), so its workers never look for them again.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np
import pybullet_data

from .mesh_files import mesh_file_arrays

PYBULLET_DATA = Path(pybullet_data.getDataPath())


class AssetEscapeError(ValueError):
    """An asset name that leads out of the allowed roots."""


def asset_roots(base_dir: Path) -> list[Path]:
    extra = [Path(p) for p in os.environ.get("SIMENGINE_ASSET_PATH", "").split(os.pathsep) if p]
    return [base_dir, *extra, PYBULLET_DATA]


def resolve_asset(name: str, base_dir: Path) -> Path | None:
    """The existing asset file ``name`` names, looked for in the scene's folder, then
    ``SIMENGINE_ASSET_PATH``, then pybullet_data; None when there is none. Raises
    ``AssetEscapeError`` when the name (or a symlink on the way) leads out of its root."""
    p = Path(name)
    roots = [r.resolve() for r in asset_roots(base_dir)]
    candidates = [(p, None)] if p.is_absolute() else [(r / p, r) for r in roots]
    for c, root in candidates:
        if not c.is_file():
            continue
        real = c.resolve()
        inside = [r for r in roots if real.is_relative_to(r)] if root is None else \
            ([root] if real.is_relative_to(root) else [])
        if not inside:
            raise AssetEscapeError(f"{name}: leads out of the allowed asset folders (the "
                                   "scene's folder, SIMENGINE_ASSET_PATH, pybullet_data)")
        return real
    return None


@dataclass(frozen=True)
class AssetResolver:
    """How a scene's asset names become files: looked up on disk next to the scene, or, for
    a scene read back from a store, in the store's own copies (``files``)."""

    base_dir: Path
    files: Mapping[str, str] | None = None

    def find(self, node: Any, expectation: str) -> str:
        """The file the string at ``node`` names (a ``SpecError`` at that key path if none)."""
        name = node.string()
        if self.files is not None:
            if name not in self.files:
                raise node.error("expected an asset the store holds a copy of")
            return self.files[name]
        try:
            found = resolve_asset(name, self.base_dir)
        except AssetEscapeError:
            raise node.error("expected a path inside the scene's folder, SIMENGINE_ASSET_PATH "
                             "or pybullet_data (no '..' or links leading out)") from None
        if found is None:
            raise node.error(expectation)
        return str(found)


_REFERENCE = re.compile(r"""filename\s*=\s*["']([^"']+)["']""")
_DAE_IMAGE = re.compile(r"<image\b[^>]*>\s*<init_from>([^<]+)</init_from>")


def asset_bundle(path: str | Path) -> list[Path]:
    """The file and every file it loads by a relative path (a URDF's meshes, an OBJ's
    material library and its textures, a glTF's buffers and images, a COLLADA file's
    images), resolved, existing ones only, the file first."""
    first = Path(path).resolve()
    out: list[Path] = []
    todo = [first]
    while todo:
        f = todo.pop(0)
        if f in out or not f.is_file():
            continue
        out.append(f)
        suffix = f.suffix.lower()
        if suffix not in (".urdf", ".obj", ".mtl", ".gltf", ".dae"):
            continue
        text = f.read_text(encoding="utf-8", errors="replace")
        if suffix == ".urdf":
            refs = _REFERENCE.findall(text)
        elif suffix == ".gltf":  # buffers and images; embedded data: URIs are no files
            data = json.loads(text)
            refs = [unquote(item["uri"]) for key in ("buffers", "images")
                    for item in data.get(key, []) if "uri" in item
                    and not item["uri"].startswith("data:")]
        elif suffix == ".dae":  # texture images
            refs = [unquote(r.strip()) for r in _DAE_IMAGE.findall(text)]
        else:
            refs = [line.split(None, 1)[1].strip() for line in text.splitlines()
                    if line.strip().split(None, 1)[0:1] in (["mtllib"], ["map_Kd"], ["map_Ka"],
                                                             ["map_Ks"], ["map_d"], ["map_bump"],
                                                             ["bump"], ["norm"])
                    and len(line.split(None, 1)) == 2]
        for ref in refs:
            if "://" in ref or Path(ref).is_absolute():  # package:// and the like: not ours
                continue
            todo.append((f.parent / ref).resolve())
    return out


@functools.lru_cache(maxsize=64)
def local_bounds(shape: str, asset: str | None, scale: float, radius: float | None,
                 length: float | None, size: tuple[float, float, float] | None
                 ) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Axis-aligned bounds (min, max) of an object in its own frame, in metres (procedural
    objects: ``procedural.mesh_bounds``)."""
    if shape == "box":
        h = tuple(s / 2 for s in size)
        return (-h[0], -h[1], -h[2]), h
    if shape == "sphere":
        return (-radius,) * 3, (radius,) * 3
    if shape in ("cylinder", "capsule"):
        hz = length / 2 + (radius if shape == "capsule" else 0.0)
        return (-radius, -radius, -hz), (radius, radius, hz)
    if shape == "mesh":
        v, _ = mesh_file_arrays(asset)
        lo, hi = v.min(axis=0) * scale, v.max(axis=0) * scale
        return tuple(map(float, lo)), tuple(map(float, hi))
    if shape == "urdf":
        return _urdf_bounds(asset, scale)
    raise ValueError(shape)


def _urdf_bounds(asset: str, scale: float):
    from .._pybullet import pybullet as p

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
