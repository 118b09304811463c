"""A straight road section: carriageway, lane markings, kerbs and sidewalks as one mesh.

x runs along the road, y across it, centred on the carriageway's centre line; the mesh rests
on z = 0. The carriageway is a thin asphalt layer (``ASPHALT_THICKNESS``) holding the
driving lanes and, on each side, a parking lane; solid edge lines bound the driving lanes
and a dashed line separates every pair of neighbouring lanes. A kerb (a concrete block
``KERB_WIDTH`` wide) and a sidewalk of paving as high as the kerb line each side. Objects on
a sidewalk stand at z = ``kerb_height``; a scene uses the road with ``surface: true`` (other
objects stand on it, the spawner does not keep them out of its bounding box).

Pieces are separate closed boxes; markings lie 2 mm proud of the asphalt, within the bounds.
Sources: docs/references.md#road.
"""

from __future__ import annotations

import math

from ..mesh import MeshBuilder, PartMesh
from ..shapes import box
from . import Generator, GenParam

REF = "docs/references.md#road"
ASPHALT = (0.07, 0.07, 0.075)  # linear albedo of aged asphalt (fresh ≈ 0.04-0.05)
PAINT = (0.65, 0.65, 0.62)  # white road marking
KERB = (0.30, 0.29, 0.27)  # concrete kerb stone
PAVING = (0.24, 0.23, 0.22)  # concrete paving slabs
ASPHALT_THICKNESS = 0.005  # m above the ground: thin enough that wheels at z = 0 look right
MARKING_THICKNESS = 0.002
KERB_WIDTH = 0.15


def _road(p: dict[str, float]) -> PartMesh:
    b = MeshBuilder()
    asphalt = b.part("asphalt", ASPHALT, "asphalt")
    marking = b.part("marking", PAINT, "lane_paint")  # white road paint, 905 nm ≈ 0.7
    kerb = b.part("kerb", KERB, "concrete")
    sidewalk = b.part("sidewalk", PAVING, "concrete")
    length, lanes, lane = p["length"], int(p["lanes"]), p["lane_width"]
    parking, h, walk = p["parking_width"], p["kerb_height"], p["sidewalk_width"]
    drive = lanes * lane
    half = drive / 2 + parking  # the carriageway's half width, kerb face to kerb face
    t = ASPHALT_THICKNESS
    b.add(asphalt, box((length, 2 * half, t), (0, 0, t / 2)))
    w = p["marking_width"]
    z = t + MARKING_THICKNESS / 2
    for y in (-drive / 2 + w / 2, drive / 2 - w / 2):  # edge lines of the driving lanes
        b.add(marking, box((length, w, MARKING_THICKNESS), (0, y, z)))
    dash, gap = p["dash_length"], p["dash_gap"]
    period = dash + gap
    n = max(1, math.floor((length + gap) / period))  # dashes fitting the length, centred
    x0 = -(n * period - gap) / 2 + dash / 2
    for k in range(1, lanes):
        y = -drive / 2 + k * lane
        for i in range(n):
            b.add(marking, box((dash, w, MARKING_THICKNESS), (x0 + i * period, y, z)))
    for side in (-1.0, 1.0):
        b.add(kerb, box((length, KERB_WIDTH, h), (0, side * (half + KERB_WIDTH / 2), h / 2)))
        # the paving overlaps the kerb by a millimetre: one closed piece each, no gap
        b.add(sidewalk, box((length, walk + 0.001, h),
                            (0, side * (half + KERB_WIDTH + walk / 2 - 0.0005), h / 2)))
    return b.build(meta={"carriageway_half_width": half, "kerb_height": h,
                         "outer_half_width": half + KERB_WIDTH + walk,
                         "lane_centres": tuple(-drive / 2 + (k + 0.5) * lane
                                               for k in range(lanes))})


def _p(low, high, unit, doc, **kw) -> GenParam:
    return GenParam(low, high, unit, f"{doc}; {REF}", **kw)


GENERATORS = (
    Generator("road", "street", "road", "asphalt",
              {"length": _p(10.0, 300.0, "m", "length of the section"),
               "lanes": _p(1, 4, "", "driving lanes in all", integer=True, default=2),
               "lane_width": _p(2.75, 3.75, "m", "lane width (AASHTO 10-12 ft urban; RASt "
                                                 "06 2.75-3.5 m)"),
               "parking_width": _p(0.0, 2.7, "m", "parking lane each side (0: none; "
                                                   "parallel parking 2.0-2.7 m)"),
               "kerb_height": _p(0.08, 0.2, "m", "kerb upstand (100-150 mm typical)"),
               "sidewalk_width": _p(1.5, 6.0, "m", "sidewalk width each side (1.5 m "
                                                    "minimum clear width)"),
               "marking_width": _p(0.1, 0.15, "m", "lane line width (MUTCD 4-6 in)"),
               "dash_length": _p(1.0, 6.0, "m", "dash of a broken lane line (3 m urban)"),
               "dash_gap": _p(2.0, 12.0, "m", "gap between dashes (6 m urban in Europe, "
                                              "30 ft in the MUTCD)")},
              _road, doc="a straight road: lanes, markings, kerbs and sidewalks"),
)
