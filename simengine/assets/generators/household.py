"""Household objects: surfaces of revolution and extrusions, sized from product ranges."""

from __future__ import annotations

from ..mesh import MeshBuilder, PartMesh
from ..shapes import box
from . import Generator, GenParam

CARDBOARD = (0.55, 0.40, 0.24)  # linear RGB of kraft board


def _cardboard_box(p: dict[str, float]) -> PartMesh:
    b = MeshBuilder()
    body = b.part("body", CARDBOARD, "wood")
    b.add(body, box((p["length"], p["width"], p["height"]), (0.0, 0.0, p["height"] / 2)))
    return b.build()


GENERATORS = (
    Generator(
        "cardboard_box", "household", "box", "wood",
        {"length": GenParam(0.15, 0.8, "m", "outer length; shipping cartons range from "
                                              "small parcels to large moving boxes"),
         "width": GenParam(0.1, 0.6, "m", "outer width"),
         "height": GenParam(0.08, 0.6, "m", "outer height")},
        _cardboard_box, doc="a closed corrugated carton (one body part)"),
)
