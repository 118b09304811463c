"""A scene's part vocabulary (part label id = position): the named parts of its meshes.

Labels are ``<generator>/<part>`` for procedural objects (every part the generator can
build, ``Generator.part_names``) and ``<file stem>/<material group>`` for mesh files, in
group order; id 0 is ``none`` (primitives, the environment, the sky, URDF visuals). A scene
without meshes with named parts has an empty vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .scene import GroupSpec

NONE = "none"


def part_vocabulary(groups: Iterable[GroupSpec]) -> tuple[str, ...]:
    labels: dict[str, None] = {}
    for g in groups:
        t = g.template
        if t.shape == "procedural":
            from ..assets.generators import generator

            labels.update(dict.fromkeys(f"{t.generator}/{p}"
                                        for p in generator(t.generator).part_names()))
        elif t.shape == "mesh":
            from ..assets.mesh_files import load_mesh_file

            stem = Path(t.asset).stem
            labels.update(dict.fromkeys(f"{stem}/{p}" for p in load_mesh_file(t.asset).mesh.parts))
    return (NONE, *labels) if labels else ()
