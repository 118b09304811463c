"""Household objects: surfaces of revolution and extrusions, sized from product ranges.

Every object stands on z = 0, centred on its footprint (a mug's body, not its handle, is
centred). Sizes cite ``docs/references.md#household-objects``. Each part is one or more
closed solids; pieces of one object may touch or overlap, so the joined mesh stays
watertight in trimesh's sense (every edge shared by two faces).
"""

from __future__ import annotations

import numpy as np

from ..mesh import MeshBuilder, PartMesh
from ..shapes import box, lathe, sweep
from . import Generator, GenParam
from .cutlery import CUTLERY_GENERATORS

REF = "docs/references.md#household-objects"
SEGMENTS = 48  # a multiple of 4, so the lathe's rings reach +-r on both x and y

CARDBOARD = (0.55, 0.40, 0.24)  # linear RGB of kraft board
# glazes of stoneware and porcelain: white, cream, black, cobalt, sage, terracotta
CERAMIC = ((0.80, 0.80, 0.77), (0.72, 0.62, 0.45), (0.03, 0.03, 0.03), (0.03, 0.08, 0.32),
           (0.30, 0.40, 0.28), (0.55, 0.17, 0.07))
# printed can bodies: red, silver, blue, green, black, yellow
CAN_PRINT = ((0.60, 0.02, 0.02), (0.55, 0.55, 0.57), (0.02, 0.10, 0.45), (0.05, 0.35, 0.06),
             (0.02, 0.02, 0.02), (0.85, 0.60, 0.02))
ALUMINIUM = (0.60, 0.60, 0.62)
# bottle glass (flint, green, amber) and PET (clear blue tint), caps
GLASS = ((0.75, 0.80, 0.78), (0.08, 0.25, 0.08), (0.25, 0.10, 0.02))
PET = (0.70, 0.78, 0.85)
CAPS = ((0.02, 0.15, 0.60), (0.80, 0.80, 0.80), (0.60, 0.03, 0.03), (0.70, 0.60, 0.10))
# cloth and paper book covers; page edges
COVERS = ((0.35, 0.03, 0.03), (0.03, 0.07, 0.25), (0.04, 0.18, 0.06), (0.02, 0.02, 0.02),
          (0.70, 0.60, 0.40), (0.80, 0.80, 0.78))
PAGES = (0.78, 0.75, 0.66)


def _pick(palette, index: float):
    return palette[int(index) % len(palette)]


def _cardboard_box(p: dict[str, float]) -> PartMesh:
    b = MeshBuilder()
    body = b.part("body", CARDBOARD, "cardboard")
    b.add(body, box((p["length"], p["width"], p["height"]), (0.0, 0.0, p["height"] / 2)))
    return b.build()


def _mug(p: dict[str, float]) -> PartMesh:
    """A cylindrical mug with a C handle on +x, swept from inside the wall."""
    r, h, wall = p["diameter"] / 2, p["height"], p["wall"]
    floor = 1.5 * wall  # thicker base, as slip-cast and thrown mugs have
    b = MeshBuilder()
    color = _pick(CERAMIC, p["color"])
    body = b.part("body", color, "ceramic")
    b.add(body, lathe([(0, 0), (r, 0), (r, h), (r - wall, h), (r - wall, floor), (0, floor)],
                      SEGMENTS))
    # handle: a half ellipse in the xz plane over the middle 70 % of the height (measured
    # mugs: a 71-75 mm handle on a 92-99 mm mug, 9-12 mm above the table)
    reach, tube = p["handle_reach"], 0.0045
    top, bottom = 0.85 * h, 0.15 * h
    mid, half = (top + bottom) / 2, (top - bottom) / 2
    t = np.linspace(0.0, np.pi, 13)
    path = [(r - wall / 2, 0.0, top)]
    path += [(r + reach * np.sin(a), 0.0, mid + half * np.cos(a)) for a in t]
    path += [(r - wall / 2, 0.0, bottom)]
    b.add(b.part("handle", color, "ceramic"), sweep(path, tube, 12))
    return b.build({"handle_tube_radius": tube})


def _bowl(p: dict[str, float]) -> PartMesh:
    """A bowl on a foot: the outer wall flares from the foot to the rim as a quarter sine;
    the inner wall follows it one wall thickness in, so the two never cross."""
    r, h, wall = p["diameter"] / 2, p["height"], p["wall"]
    foot = 0.45 * r
    floor = 1.5 * wall
    t = np.linspace(0.0, 1.0, 12)
    outer = [(foot + (r - foot) * np.sin(s * np.pi / 2), h * s) for s in t]
    inner = [(foot - wall + (r - foot) * np.sin(s * np.pi / 2), floor + (h - floor) * s)
             for s in t[::-1]]
    b = MeshBuilder()
    body = b.part("body", _pick(CERAMIC, p["color"]), "ceramic")
    b.add(body, lathe([(0, 0), *outer, *inner, (0, floor)], SEGMENTS))
    return b.build()


def _plate(p: dict[str, float]) -> PartMesh:
    """A plate: flat well, rim rising linearly to the edge, the top surface the bottom
    surface raised by the thickness (so the slab has one thickness everywhere on the rim)."""
    r, h, thick = p["diameter"] / 2, p["height"], p["thickness"]
    foot, well = 0.5 * r, 0.62 * r

    def under(x: float) -> float:  # height of the underside at radius x >= foot
        return (h - thick) * (x - foot) / (r - foot)

    b = MeshBuilder()
    body = b.part("body", _pick(CERAMIC, p["color"]), "ceramic")
    top_well = under(well) + thick
    b.add(body, lathe([(0, 0), (foot, 0), (r, h - thick), (r, h), (well, top_well),
                       (0, top_well)], SEGMENTS))
    return b.build()


def _bottle(p: dict[str, float]) -> PartMesh:
    """A bottle: cylindrical body, a shoulder easing (cosine) into the neck, a finish lip and
    a screw cap. ``glass`` 1 gives a glass bottle (wine/beer colours), 0 a PET one."""
    h, r, rn = p["height"], p["diameter"] / 2, p["neck_diameter"] / 2
    cap_h = min(0.02, 0.08 * h)
    shoulder, neck_base = 0.6 * h, 0.8 * h
    glass = bool(p["glass"])
    b = MeshBuilder()
    mat = "glass" if glass else "plastic"
    color = _pick(GLASS, p["color"]) if glass else PET
    bevel = 0.1 * r
    t = np.linspace(0.0, 1.0, 10)
    profile = [(0, 0), (r - bevel, 0), (r, bevel), (r, shoulder)]
    profile += [(rn + (r - rn) * (1 + np.cos(np.pi * s)) / 2,
                 shoulder + (neck_base - shoulder) * s) for s in t[1:]]
    profile += [(0, neck_base)]
    b.add(b.part("body", color, mat), lathe(profile, SEGMENTS))
    b.add(b.part("neck", color, mat),
          lathe([(rn, neck_base), (rn, h - cap_h)], SEGMENTS))
    b.add(b.part("cap", _pick(CAPS, p["color"]), "metal" if glass else "plastic"),
          lathe([(rn + 0.0015, h - cap_h), (rn + 0.0015, h)], SEGMENTS))
    return b.build()


def _can(p: dict[str, float]) -> PartMesh:
    """A two-piece beverage can: domed base on a stand ring, necked-in top, a lid recessed
    inside its seam rim."""
    h, r = p["height"], p["diameter"] / 2
    rn = r - 0.004  # necked-in seam radius (a 202 end on a 211 body; see references)
    b = MeshBuilder()
    body = b.part("body", _pick(CAN_PRINT, p["color"]), "metal")
    b.add(body, lathe([(0, 0.006), (0.78 * r, 0), (r, 0.008), (r, h - 0.014),
                       (rn, h - 0.005)], SEGMENTS))
    lid = b.part("lid", ALUMINIUM, "metal")
    b.add(lid, lathe([(0, h - 0.007), (rn, h - 0.007), (rn, h), (rn - 0.002, h),
                      (rn - 0.0025, h - 0.004), (0, h - 0.004)], SEGMENTS))
    return b.build()


def _book(p: dict[str, float]) -> PartMesh:
    """A closed book lying flat: two boards and a spine (cover) around a page block; spine
    on -y. ``length`` runs along x, ``width`` along y, ``thickness`` along z."""
    length, width, thick = p["length"], p["width"], p["thickness"]
    board = min(0.0025, 0.15 * thick)  # hard boards on thick books, paper on thin ones
    b = MeshBuilder()
    cover = b.part("cover", _pick(COVERS, p["color"]), "cardboard")
    b.add(cover, box((length, width, board), (0, 0, board / 2)))
    b.add(cover, box((length, width, board), (0, 0, thick - board / 2)))
    b.add(cover, box((length, board, thick), (0, -width / 2 + board / 2, thick / 2)))
    inset = min(0.003, 0.03 * width)  # boards overhang the pages ("squares")
    pages = b.part("pages", PAGES, "cardboard")
    b.add(pages, box((length - 2 * inset, width - board - inset, thick - 2 * board),
                     (0, board / 2 - inset / 2, thick / 2)))
    return b.build()


def _color(n: int) -> GenParam:
    return GenParam(0, n - 1, "", "index into the generator's colour palette", integer=True)


GENERATORS = (
    Generator(
        "cardboard_box", "household", "box", "cardboard",
        {"length": GenParam(0.15, 0.8, "m", "outer length; shipping cartons range from "
                                              "small parcels to large moving boxes"),
         "width": GenParam(0.1, 0.6, "m", "outer width"),
         "height": GenParam(0.08, 0.6, "m", "outer height")},
        _cardboard_box, doc="a closed corrugated carton (one body part)"),
    Generator(
        "mug", "household", "mug", "ceramic",
        {"height": GenParam(0.08, 0.12, "m", f"overall height ({REF})"),
         "diameter": GenParam(0.07, 0.095, "m", f"outer body diameter ({REF})"),
         "wall": GenParam(0.003, 0.007, "m", f"wall thickness of stoneware ({REF})"),
         "handle_reach": GenParam(0.02, 0.04, "m", "how far the handle stands out from the "
                                                    f"body ({REF})"),
         "color": _color(len(CERAMIC))},
        _mug, doc="a ceramic mug (parts body, handle); x extent is the body diameter plus "
                  "handle_reach plus the handle tube radius"),
    Generator(
        "bowl", "household", "bowl", "ceramic",
        {"diameter": GenParam(0.12, 0.25, "m", f"rim diameter, dessert to serving ({REF})"),
         "height": GenParam(0.045, 0.11, "m", f"overall height ({REF})"),
         "wall": GenParam(0.003, 0.006, "m", f"wall thickness ({REF})"),
         "color": _color(len(CERAMIC))},
        _bowl, doc="a ceramic bowl on a foot ring (one body part)"),
    Generator(
        "plate", "household", "plate", "ceramic",
        {"diameter": GenParam(0.15, 0.31, "m", f"side plate to charger ({REF})"),
         "height": GenParam(0.015, 0.03, "m", f"overall height ({REF})"),
         "thickness": GenParam(0.003, 0.006, "m", f"slab thickness ({REF})"),
         "color": _color(len(CERAMIC))},
        _plate, doc="a ceramic plate with a flat well and a rising rim (one body part)"),
    Generator(
        "bottle", "household", "bottle", "plastic",
        {"height": GenParam(0.17, 0.33, "m", f"0.33 l PET to 0.75 l wine bottle ({REF})"),
         "diameter": GenParam(0.055, 0.09, "m", f"body diameter ({REF})"),
         "neck_diameter": GenParam(0.022, 0.032, "m", f"finish diameter, e.g. PCO 1881 28 mm "
                                                       f"and 26 mm crown ({REF})"),
         "glass": GenParam(0, 1, "", "1 glass, 0 PET", integer=True),
         "color": _color(len(CAPS))},
        _bottle, doc="a bottle (parts body, neck, cap)"),
    Generator(
        "can", "household", "can", "metal",
        {"height": GenParam(0.092, 0.168, "m", f"150 ml mini to 500 ml ({REF})"),
         "diameter": GenParam(0.053, 0.066, "m", f"slim 53 mm to standard 66 mm ({REF})"),
         "color": _color(len(CAN_PRINT))},
        _can, doc="an aluminium beverage can (parts body, lid)"),
    Generator(
        "book", "household", "book", "cardboard",
        {"length": GenParam(0.15, 0.30, "m", f"page height, A6 paperback to A4 ({REF})"),
         "width": GenParam(0.10, 0.22, "m", f"page width ({REF})"),
         "thickness": GenParam(0.005, 0.07, "m", f"closed thickness ({REF})"),
         "color": _color(len(COVERS))},
        _book, doc="a closed book lying flat (parts cover, pages)"),
    *CUTLERY_GENERATORS,
)
