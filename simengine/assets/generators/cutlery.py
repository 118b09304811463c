"""Cutlery lying flat on z = 0, the head towards +x: fork, knife or spoon by ``kind``.

Flat pieces are extrusions of convex outlines (handle, blade, fork head), tines are boxes and
a spoon's bowl is a flattened ellipsoid; all pieces are closed solids that overlap where they
join. Listed by ``household.py`` (category "household").
"""

from __future__ import annotations

import numpy as np

from ..mesh import MeshBuilder, PartMesh
from ..shapes import box, extrude, lathe, transform
from . import Generator, GenParam

REF = "docs/references.md#household-objects"
STEEL = (0.62, 0.62, 0.60)  # linear RGB of polished stainless steel
KINDS = ("fork", "knife", "spoon")
THICK = 0.0025  # handle thickness of table cutlery


def _handle(x0: float, x1: float, w0: float, w1: float) -> tuple:
    """A tapered flat handle from x0 (width w0) to x1 (width w1)."""
    return extrude([(x0, -w0 / 2), (x1, -w1 / 2), (x1, w1 / 2), (x0, w0 / 2)], THICK)


def _fork(b: MeshBuilder, length: float, width: float) -> None:
    x0 = -length / 2
    neck = x0 + 0.6 * length  # where the handle meets the head
    base = neck + 0.12 * length  # where the tines start
    b.add(b.part("handle", STEEL, "metal"), _handle(x0, neck + 0.005, 0.6 * width, 0.22 * width))
    head = b.part("head", STEEL, "metal")
    b.add(head, extrude([(neck, -0.11 * width), (base, -width / 2), (base + 0.003, -width / 2),
                         (base + 0.003, width / 2), (base, width / 2), (neck, 0.11 * width)],
                        THICK))
    tine = width / 7  # four tines and three gaps of equal width
    for k in range(4):
        y = -width / 2 + tine / 2 + 2 * k * tine
        b.add(head, box((length / 2 - base, tine, THICK), ((base + length / 2) / 2, y,
                                                            THICK / 2)))


def _knife(b: MeshBuilder, length: float, width: float) -> None:
    x0 = -length / 2
    bolster = x0 + 0.45 * length
    b.add(b.part("handle", STEEL, "metal"),
          _handle(x0, bolster + 0.005, 0.75 * width, 0.85 * width))
    blade = b.part("blade", STEEL, "metal")
    # straight back on +y, the edge curving up to the tip (a convex outline)
    t = np.linspace(0.0, 1.0, 8)
    edge = [(bolster + (length / 2 - bolster) * s, -width / 2 + width * s**3) for s in t]
    outline = [*edge, (bolster, width / 2)]
    b.add(blade, extrude(outline, 0.6 * THICK))


def _spoon(b: MeshBuilder, length: float, width: float) -> None:
    x0 = -length / 2
    bowl_len = 0.33 * length
    neck = length / 2 - bowl_len
    b.add(b.part("handle", STEEL, "metal"),
          _handle(x0, neck + 0.01, 0.55 * width, 0.2 * width))
    depth = 0.012  # a table spoon's bowl is about a centimetre deep
    angles = np.linspace(0.0, np.pi, 13)[1:-1]
    # a unit sphere; the poles exactly on the axis (sin(pi) is 1e-16, a ring of slivers)
    unit = lathe([(0.0, -1.0), *[(np.sin(a), -np.cos(a)) for a in angles], (0.0, 1.0)], 32)
    scale = np.diag([bowl_len / 2, width / 2, depth / 2])
    b.add(b.part("bowl", STEEL, "metal"),
          transform(unit, rotation=scale, translation=(neck + bowl_len / 2, 0, depth / 2)))


def _cutlery(p: dict[str, float]) -> PartMesh:
    kind = KINDS[int(p["kind"])]
    b = MeshBuilder()
    {"fork": _fork, "knife": _knife, "spoon": _spoon}[kind](b, p["length"], p["width"])
    return b.build({"kind": kind})


CUTLERY_GENERATORS = (
    Generator(
        "cutlery", "household", "cutlery", "metal",
        {"kind": GenParam(0, 2, "", "0 fork, 1 knife, 2 spoon", integer=True),
         "length": GenParam(0.15, 0.24, "m", f"dessert to table size ({REF})"),
         "width": GenParam(0.018, 0.03, "m", f"widest point of head or blade ({REF})")},
        _cutlery, doc="a fork, knife or spoon lying flat, head at +x (parts handle and "
                      "head, blade or bowl); x extent = length, y extent = width"),
)
