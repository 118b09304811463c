"""Street furniture and roadside objects: traffic cone, pole, litter bin, bench, tree, building,
traffic light, sign and barrier, sized from street-furniture standards and product ranges.

Each object rests on z = 0 centred on its footprint (x forward: a bench's seat, a sign's face,
a signal's lenses and a building's door face +x). Pieces are separate closed solids that
overlap where they join, so every joined mesh is watertight in trimesh's sense; details laid on
a face (windows, lenses, bands) stand out of it by a few millimetres inside the promised
bounds.
"""

from __future__ import annotations

import numpy as np

from ..hulls import chamfered_box, hull, slab
from ..mesh import MeshBuilder, PartMesh
from ..shapes import box, cylinder, extrude, lathe, transform
from . import Generator, GenParam

REF = "docs/references.md#street-furniture"
CONE_ORANGE = (0.90, 0.18, 0.02)
WHITE = (0.85, 0.85, 0.85)
BLACK = (0.03, 0.03, 0.03)
GALVANISED = (0.45, 0.47, 0.48)
DARK_GREEN = (0.03, 0.10, 0.05)
WOOD = (0.35, 0.20, 0.09)
BARK = (0.12, 0.08, 0.05)
LEAVES = (0.05, 0.20, 0.04)
CONCRETE = (0.50, 0.49, 0.46)
GLASS = (0.05, 0.08, 0.10)
Y_AXIS = ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0), (0.0, 1.0, 0.0))  # z to y: extrusions along y


def _cone(p: dict[str, float]) -> PartMesh:
    """A square rubber base, a hollow-topped tapered body and two reflective collars."""
    b = MeshBuilder()
    body = b.part("body", CONE_ORANGE, "plastic")
    base = b.part("base", BLACK, "rubber")
    band = b.part("band", WHITE, "plastic")
    h, side = p["height"], p["base"]
    foot = 0.045 * h + 0.01
    b.add(base, chamfered_box((-side / 2, -side / 2, 0), (side / 2, side / 2, foot),
                              (0.02, 0.02, 0.004)))
    r0, r1 = 0.36 * side, 0.035 + 0.02 * h

    def radius(z):  # the body's taper
        return r0 + (r1 - r0) * (z - foot / 2) / (h - foot / 2)

    b.add(body, lathe([(0, foot / 2), (r0, foot / 2), (r1, h), (0, h)], 32))
    for lo, hi in ((0.55, 0.67), (0.30, 0.40)):  # collars as fractions of the height
        z0, z1 = lo * h, hi * h
        b.add(band, lathe([(0, z0), (radius(z0) + 0.002, z0), (radius(z1) + 0.002, z1),
                           (0, z1)], 32))
    return b.build()


def _pole(p: dict[str, float]) -> PartMesh:
    """A tapered column on a base flange, with a cap."""
    b = MeshBuilder()
    pole = b.part("pole", GALVANISED, "metal")
    base = b.part("base", GALVANISED, "metal")
    h, d = p["height"], p["diameter"]
    flange = 2.2 * d
    b.add(base, chamfered_box((-flange / 2, -flange / 2, 0), (flange / 2, flange / 2, 0.03),
                              (0.01, 0.01, 0.005)))
    b.add(base, cylinder(0.6 * d, 0.3, 24, (0, 0, 0.15)))  # the sleeve over the root
    top = 0.6 * d / 2
    b.add(pole, lathe([(0, 0.01), (d / 2, 0.01), (top, h - top), (0, h)], 24))
    return b.build()


def _bin(p: dict[str, float]) -> PartMesh:
    """A round litter bin: an open drum with a rolled rim on a short plinth."""
    b = MeshBuilder()
    body = b.part("body", DARK_GREEN, "metal")
    rim = b.part("rim", BLACK, "plastic")
    h, d = p["height"], p["diameter"]
    r, wall = d / 2, 0.012
    plinth = 0.06
    b.add(body, cylinder(0.7 * r, plinth, 32, (0, 0, plinth / 2)))
    b.add(body, lathe([(0, plinth - 0.01), (r - 0.01, plinth - 0.01), (r - 0.01, h - 0.03),
                       (r - 0.01 - wall, h - 0.03), (r - 0.01 - wall, plinth + 0.02),
                       (0, plinth + 0.02)], 32))
    b.add(rim, lathe([(r - 0.03, h - 0.05), (r, h - 0.04), (r, h), (r - 0.03, h)], 32))
    return b.build()


def _bench(p: dict[str, float]) -> PartMesh:
    """Wooden slats on two metal side frames; the seat faces +x, the back leans back to -x."""
    b = MeshBuilder()
    slat = b.part("seat", WOOD, "wood")
    frame = b.part("frame", BLACK, "metal")
    back = b.part("back", WOOD, "wood")
    length, depth = p["length"], p["depth"]
    seat, height = p["seat_height"], p["height"]
    x_front, x_back = depth / 2, -depth / 2
    lean = 0.12  # the backrest's run from the seat to its top (ours)

    def back_x(z):  # the rear face of the uprights at height z
        return x_back + lean * (height - z) / (height - seat)

    x_seat_back = back_x(seat) + 0.04
    n = max(3, round((x_front - x_seat_back) / 0.1))
    pitch = (x_front - x_seat_back) / n
    for i in range(n):  # slats with 20 % gaps, the first flush with the front
        x1 = x_front - i * pitch
        b.add(slat, box((0.8 * pitch, length, 0.04), (x1 - 0.4 * pitch, 0, seat - 0.02)))
    for side in (-1.0, 1.0):
        y0 = side * (length / 2 - 0.15)
        b.add(frame, box((x_front - x_seat_back, 0.05, 0.05),
                         ((x_front + x_seat_back) / 2, y0, seat - 0.065)))
        for x in (x_front - 0.08, x_seat_back + 0.02):
            b.add(frame, box((0.05, 0.05, seat - 0.04), (x, y0, (seat - 0.04) / 2)))
        z_low = seat - 0.09
        upright = [(back_x(z) + dx, y0 + dy, z) for z in (z_low, height)
                   for dx in (0.0, 0.04) for dy in (-0.025, 0.025)]
        b.add(frame, hull(upright))
    rows = 3
    for i in range(rows):  # back slats, the top one flush with the promised height
        z1 = height - i * (height - seat - 0.08) / rows
        zc = z1 - 0.045
        b.add(back, box((0.03, length, 0.09), (back_x(zc) + 0.055, 0, zc)))
    return b.build()


def _tree(p: dict[str, float]) -> PartMesh:
    """A trunk and a crown of stacked surfaces of revolution: a broadleaf's rounded lobes or a
    conifer's tiers of cones."""
    b = MeshBuilder()
    trunk = b.part("trunk", BARK, "wood")
    crown = b.part("crown", LEAVES, "grass")
    h, cd, dbh = p["height"], p["crown_diameter"], p["trunk_diameter"]
    base = p["crown_base"] * h
    # the trunk flares at the root and runs a third of the way into the crown
    inside = base + 0.35 * (h - base)
    b.add(trunk, lathe([(0, 0), (0.65 * dbh, 0), (dbh / 2, 0.3),
                        (0.35 * dbh, inside - 0.05 * (h - base)), (0, inside)], 16))
    r = cd / 2
    if int(p["conifer"]):
        tiers = 3
        span = (h - base) / tiers
        for i in range(tiers):  # tiers narrowing upwards, each overlapping the next
            z0 = base + i * span * 0.85
            ri = r * (1 - 0.25 * i)
            top = h if i == tiers - 1 else z0 + 1.5 * span
            b.add(crown, lathe([(0, z0), (ri, z0 + 0.12 * span), (0, top)], 20))
    else:
        lobes = 2
        for i in range(lobes):  # two ellipsoids: a wide lower mass and a smaller top
            ri = r * (1.0 if i == 0 else 0.75)
            z0 = base if i == 0 else base + 0.45 * (h - base)
            z1 = base + 0.75 * (h - base) if i == 0 else h
            a = np.linspace(-np.pi / 2, np.pi / 2, 9)
            zc, hz = (z0 + z1) / 2, (z1 - z0) / 2
            prof = [(0.0, z0)] + [(ri * np.cos(t), zc + hz * np.sin(t)) for t in a[1:-1]]
            b.add(crown, lathe([*prof, (0.0, z1)], 20))
    return b.build()


def _building(p: dict[str, float]) -> PartMesh:
    """Box massing with a grid of windows on all four facades, a door in the +x facade's
    middle bay and a flat roof with a parapet."""
    b = MeshBuilder()
    wall = b.part("wall", (0.55, 0.45, 0.38), "plaster")
    window = b.part("window", GLASS, "glass")
    door = b.part("door", (0.20, 0.12, 0.06), "wood")
    roof = b.part("roof", (0.25, 0.25, 0.26), "concrete")
    floors, bays = int(p["floors"]), int(p["bays"])
    fh, bw, depth = p["floor_height"], p["bay_width"], p["depth"]
    width, wall_h = bays * bw, floors * fh
    t = 0.02  # windows and door stand t / 2 out of the wall, up to the promised footprint
    hx, hy = depth / 2 - t / 2, width / 2 - t / 2
    b.add(wall, box((2 * hx, 2 * hy, wall_h), (0, 0, wall_h / 2)))
    b.add(roof, box((2 * hx, 2 * hy, 0.12), (0, 0, wall_h + 0.06)))
    parapet = 0.9
    for sx in (-1, 1):
        b.add(roof, box((0.25, 2 * hy, parapet), (sx * (hx - 0.125), 0, wall_h + parapet / 2)))
    for sy in (-1, 1):
        b.add(roof, box((2 * hx - 0.5, 0.25, parapet), (0, sy * (hy - 0.125),
                                                         wall_h + parapet / 2)))
    door_bay = bays // 2
    win_w, win_h = 0.55 * bw, 0.5 * fh

    def pane(normal, u, z0, z1, half):  # a quad on the facade with outward ``normal``
        n = np.asarray(normal, float)
        if n[0]:
            pts = [(n[0] * hx, u + s * half, z) for s in (-1, 1) for z in (z0, z1)]
        else:
            pts = [(u + s * half, n[1] * hy, z) for s in (-1, 1) for z in (z0, z1)]
        return slab(pts, n, t)

    side_bays = max(1, int(depth // bw))
    for f in range(floors):
        z0 = f * fh + 0.35 * fh
        for sx in (-1, 1):
            for i in range(bays):
                u = -width / 2 + (i + 0.5) * bw
                if f == 0 and sx == 1 and i == door_bay:
                    b.add(door, pane((1, 0, 0), u, 0.0, min(2.4, 0.85 * fh), 0.45 * bw))
                else:
                    b.add(window, pane((sx, 0, 0), u, z0, z0 + win_h, win_w / 2))
        for sy in (-1, 1):
            for i in range(side_bays):
                u = -depth / 2 + (i + 0.5) * depth / side_bays
                b.add(window, pane((0, sy, 0), u, z0, z0 + win_h, win_w / 2))
    return b.build()


def _traffic_light(p: dict[str, float]) -> PartMesh:
    """A post carrying a three-aspect signal head whose lenses face +x."""
    b = MeshBuilder()
    post = b.part("pole", (0.12, 0.12, 0.12), "metal")
    housing = b.part("housing", BLACK, "plastic")
    lens = [b.part(c, col, "glass") for c, col in
            (("red", (0.6, 0.02, 0.02)), ("amber", (0.6, 0.3, 0.0)), ("green", (0.0, 0.4, 0.1)))]
    h, lens_d = p["height"], p["lens_diameter"]
    pitch = lens_d + 0.08
    head_h, head_w = 3 * pitch + 0.04, lens_d + 0.1
    head_d = 0.25
    b.add(post, cylinder(0.05, h - head_h / 2, 16, (0, 0, (h - head_h / 2) / 2)))
    x_face = head_d / 2
    b.add(housing, chamfered_box((-head_d / 2, -head_w / 2, h - head_h),
                                 (x_face - 0.01, head_w / 2, h), 0.015))
    for i, part in enumerate(lens):  # red on top
        zc = h - 0.02 - pitch * (i + 0.5)
        disc = cylinder(lens_d / 2, 0.02, 24, (x_face - 0.01, 0, zc), "x")
        b.add(part, disc)
    return b.build({"lens_centres_z": [h - 0.02 - pitch * (i + 0.5) for i in range(3)]})


PLATE_THICKNESS = 0.014  # m: an aluminium sign blank with its stiffening
SHEETING_THICKNESS = 0.001  # m: sheeting on the face, docs/references.md#lidar-retroreflection


def _sign(p: dict[str, float]) -> PartMesh:
    """A post with a plate facing +x: round, triangular (point up) or square; the plate's
    front is retroreflective sheeting (part ``face``)."""
    b = MeshBuilder()
    post = b.part("pole", GALVANISED, "metal")
    plate = b.part("plate", GALVANISED, "metal")
    sheeting = b.part("face", WHITE, "retroreflective")
    size, bottom = p["size"], p["mounting_height"]
    shape = int(p["shape"])
    top = bottom + size
    # the post's axis just behind the plate, so post and plate together are centred on x = 0
    b.add(post, cylinder(0.03, top - 0.05, 12, (-0.005, 0, (top - 0.05) / 2)))
    zc = bottom + size / 2
    if shape == 0:
        outline = [(size / 2 * np.cos(a), size / 2 * np.sin(a)) for a in
                   np.linspace(0, 2 * np.pi, 32, endpoint=False)]
    elif shape == 1:
        outline = [(-size / 2, -size / 2), (size / 2, -size / 2), (0.0, size / 2)]
    else:
        outline = [(-size / 2, -size / 2), (size / 2, -size / 2), (size / 2, size / 2),
                   (-size / 2, size / 2)]
    # the aluminium plate and, on its front, a layer of retroreflective sheeting (what makes
    # a sign bright to headlamps and lidars), together as thick as the old plate alone
    for part, thickness, x0 in ((plate, PLATE_THICKNESS, 0.02),
                                (sheeting, SHEETING_THICKNESS, 0.02 + PLATE_THICKNESS)):
        v, f = extrude(outline, thickness, x0)  # outline in (y, z), thickness along x
        # (y, z, x) -> (x, y, z) is a cyclic swap of axes, a rotation: the winding stays
        # outward
        b.add(part, (np.column_stack([v[:, 2], v[:, 0], v[:, 1] + zc]), f))
    return b.build()


def _barrier(p: dict[str, float]) -> PartMesh:
    """A concrete safety barrier with the New Jersey profile, extruded along y."""
    b = MeshBuilder()
    body = b.part("body", CONCRETE, "concrete")
    length, h = p["length"], p["height"]
    s = h / 0.81  # the profile scaled from the 810 mm standard section
    half = [(0.305 * s, 0.0), (0.305 * s, 0.075 * s), (0.13 * s, 0.33 * s), (0.075 * s, h)]
    profile = half + [(-x, z) for x, z in reversed(half)]
    b.add(body, transform(extrude(profile, length, -length / 2), Y_AXIS))
    return b.build()


def _p(low, high, unit, doc, **kw) -> GenParam:
    return GenParam(low, high, unit, f"{doc}; {REF}", **kw)


GENERATORS = (
    Generator("cone", "street", "traffic_cone", "plastic",
              {"height": _p(0.45, 1.0, "m", "overall height: MUTCD 18-28 in minimum, "
                                               "EN 13422 500/750/1000 mm classes"),
               "base": _p(0.28, 0.50, "m", "side of the square base")},
              _cone, doc="a traffic cone: body, square base, two reflective bands"),
    Generator("pole", "street", "pole", "metal",
              {"height": _p(3.0, 12.0, "m", "column height above ground (lighting "
                                              "columns, EN 40)"),
               "diameter": _p(0.08, 0.22, "m", "column diameter at its foot")},
              _pole, doc="a tapered street column on a flange"),
    Generator("bin", "street", "bin", "metal",
              {"height": _p(0.75, 1.1, "m", "overall height of street litter bins"),
               "diameter": _p(0.35, 0.60, "m", "drum diameter (50-120 l bins)")},
              _bin, doc="a round open litter bin with a rim"),
    Generator("bench", "street", "bench", "wood",
              {"length": _p(1.2, 2.4, "m", "seat length"),
               "depth": _p(0.45, 0.65, "m", "overall depth"),
               "seat_height": _p(0.40, 0.48, "m", "seat height (BS 8300, ADA)"),
               "height": _p(0.75, 0.90, "m", "top of the backrest")},
              _bench, doc="a slatted park bench facing +x"),
    Generator("tree", "street", "tree", "wood",
              {"height": _p(3.0, 20.0, "m", "overall height of street trees"),
               "crown_diameter": _p(1.5, 10.0, "m", "crown spread"),
               "trunk_diameter": _p(0.08, 0.6, "m", "trunk diameter at its foot"),
               "crown_base": _p(0.2, 0.5, "", "crown base height, fraction of height"),
               "conifer": _p(0, 1, "", "0: broadleaf lobes, 1: conifer tiers",
                             integer=True)},
              _tree, doc="a tree: trunk and stacked-lathe crown"),
    Generator("building", "street", "building", "plaster",
              {"floors": _p(1, 8, "", "storeys", integer=True),
               "bays": _p(2, 8, "", "window bays along the +x facade", integer=True),
               "floor_height": _p(2.8, 3.6, "m", "storey height"),
               "bay_width": _p(2.5, 4.0, "m", "bay width"),
               "depth": _p(8.0, 16.0, "m", "building depth along x")},
              _building, doc="box massing with window grid, door, roof and parapet"),
    Generator("traffic_light", "street", "traffic_light", "metal",
              {"height": _p(2.8, 4.0, "m", "top of the signal head"),
               "lens_diameter": _p(0.2, 0.3, "m", "roundel diameter (EN 12368: "
                                                  "200 or 300 mm)")},
              _traffic_light, doc="a post-mounted three-aspect signal facing +x"),
    Generator("sign", "street", "sign", "metal",
              {"size": _p(0.6, 1.2, "m", "plate diameter, triangle side or square side"),
               "mounting_height": _p(2.0, 2.5, "m", "height of the plate's lower edge"),
               "shape": _p(0, 2, "", "0 round, 1 triangle, 2 square", integer=True)},
              _sign, doc="a road sign on a post facing +x"),
    Generator("barrier", "street", "barrier", "concrete",
              {"length": _p(2.0, 6.0, "m", "segment length"),
               "height": _p(0.81, 1.07, "m", "height: New Jersey 810 mm, tall 1070 mm")},
              _barrier, doc="a New Jersey concrete barrier segment"),
)
