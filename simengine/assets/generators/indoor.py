"""Indoor furniture and pallets, built from boxes (boards, legs, cushions).

Conventions: metres, z up, the object stands on z = 0 centred on its footprint, and its
front faces +x (a chair's sitter looks along +x, a shelf's and a cabinet's open side and
doors face +x, a sofa's seat faces +x). ``length`` or ``width`` along y is the object's
span across its front. Each board is a closed box; boards touch or overlap, so the joined
mesh is watertight in trimesh's sense. Ranges cite ``docs/references.md#indoor-furniture``.
"""

from __future__ import annotations

from ..mesh import MeshBuilder, PartMesh
from ..shapes import box
from . import Generator, GenParam

REF = "docs/references.md#indoor-furniture"

# linear RGB: oak, walnut, white laminate, black-stained ash, pine
WOODS = ((0.45, 0.28, 0.13), (0.17, 0.08, 0.04), (0.80, 0.80, 0.78), (0.03, 0.03, 0.03),
         (0.62, 0.45, 0.24))
# upholstery: grey, navy, mustard, bottle green, rust, beige
FABRICS = ((0.25, 0.25, 0.25), (0.03, 0.05, 0.15), (0.60, 0.40, 0.05), (0.03, 0.14, 0.07),
           (0.40, 0.10, 0.04), (0.55, 0.48, 0.38))
PALLET_WOOD = (0.60, 0.47, 0.30)  # fresh sawn pine/spruce
STEEL = (0.55, 0.55, 0.55)


def _pick(palette, index: float):
    return palette[int(index) % len(palette)]


def _slab(b: MeshBuilder, part: int, x0, x1, y0, y1, z0, z1) -> None:
    """A box by its corner coordinates (the way furniture drawings give them)."""
    b.add(part, box((x1 - x0, y1 - y0, z1 - z0), ((x0 + x1) / 2, (y0 + y1) / 2, (z0 + z1) / 2)))


def _legs(b: MeshBuilder, part: int, dx: float, dy: float, side: float, z1: float,
          z0: float = 0.0) -> None:
    """Four square legs of ``side`` with their outer faces at x = +-dx, y = +-dy."""
    for sx in (-1, 1):
        for sy in (-1, 1):
            x, y = sx * (dx - side / 2), sy * (dy - side / 2)
            _slab(b, part, x - side / 2, x + side / 2, y - side / 2, y + side / 2, z0, z1)


def _table(p: dict[str, float]) -> PartMesh:
    lx, wy, h = p["length"], p["width"], p["height"]
    top_t, leg, inset, apron = 0.03, 0.05, 0.04, 0.08
    b = MeshBuilder()
    wood = _pick(WOODS, p["color"])
    top = b.part("top", wood, "wood")
    _slab(b, top, -lx / 2, lx / 2, -wy / 2, wy / 2, h - top_t, h)
    legs = b.part("leg", wood, "wood")
    dx, dy = lx / 2 - inset, wy / 2 - inset
    _legs(b, legs, dx, dy, leg, h - top_t)
    frame = b.part("apron", wood, "wood")  # rails joining the legs under the top
    z0 = h - top_t - apron
    _slab(b, frame, -dx + leg, dx - leg, -dy, -dy + 0.02, z0, h - top_t)
    _slab(b, frame, -dx + leg, dx - leg, dy - 0.02, dy, z0, h - top_t)
    _slab(b, frame, -dx, -dx + 0.02, -dy + leg, dy - leg, z0, h - top_t)
    _slab(b, frame, dx - 0.02, dx, -dy + leg, dy - leg, z0, h - top_t)
    return b.build()


def _chair(p: dict[str, float]) -> PartMesh:
    """Four legs, a seat, two back posts continuing the rear legs, a backrest panel; the
    sitter faces +x, so the back is at -x."""
    d, w, sh, h = p["seat_depth"], p["seat_width"], p["seat_height"], p["height"]
    seat_t, leg = 0.03, 0.035
    b = MeshBuilder()
    wood = _pick(WOODS, p["color"])
    seat = b.part("seat", _pick(FABRICS, p["fabric"]), "fabric")
    _slab(b, seat, -d / 2, d / 2, -w / 2, w / 2, sh - seat_t, sh)
    legs = b.part("leg", wood, "wood")
    _legs(b, legs, d / 2, w / 2, leg, sh - seat_t)
    back = b.part("back", wood, "wood")
    for sy in (-1, 1):  # posts above the rear legs, up to the full height
        y = sy * (w / 2 - leg / 2)
        _slab(b, back, -d / 2, -d / 2 + leg, y - leg / 2, y + leg / 2, sh, h)
    rest = min(0.25, 0.6 * (h - sh))  # backrest panel at the top of the posts
    _slab(b, back, -d / 2, -d / 2 + 0.02, -w / 2 + leg, w / 2 - leg, h - rest, h - 0.01)
    return b.build({"seat_height": sh})


def _shelf(p: dict[str, float]) -> PartMesh:
    """An open shelving unit: two sides, ``shelves`` + 1 boards (the top closes it), a thin
    back panel; open towards +x."""
    d, w, h, n = p["depth"], p["width"], p["height"], int(p["shelves"])
    t, back_t, plinth = 0.018, 0.004, 0.06
    b = MeshBuilder()
    wood = _pick(WOODS, p["color"])
    sides = b.part("side", wood, "wood")
    _slab(b, sides, -d / 2, d / 2, -w / 2, -w / 2 + t, 0, h)
    _slab(b, sides, -d / 2, d / 2, w / 2 - t, w / 2, 0, h)
    boards = b.part("shelf", wood, "wood")
    pitch = (h - plinth - t) / n  # equal spacing from the lowest board to the top
    for k in range(n + 1):
        z = plinth + k * pitch
        _slab(b, boards, -d / 2 + back_t, d / 2, -w / 2 + t, w / 2 - t, z, z + t)
    _slab(b, b.part("back", wood, "wood"), -d / 2, -d / 2 + back_t, -w / 2 + t, w / 2 - t,
          plinth, h)
    return b.build({"board_heights": [plinth + k * pitch + t for k in range(n + 1)]})


def _cabinet(p: dict[str, float]) -> PartMesh:
    """A closed carcass on a plinth with one or two doors and bar handles on its +x front;
    ``depth`` includes doors and handles."""
    d, w, h, doors = p["depth"], p["width"], p["height"], int(p["doors"])
    door_t, handle_d, plinth, gap = 0.018, 0.03, 0.08, 0.003
    wood = _pick(WOODS, p["color"])
    b = MeshBuilder()
    front = d / 2 - handle_d - door_t  # the carcass's front face
    carcass = b.part("carcass", wood, "wood")
    _slab(b, carcass, -d / 2, front, -w / 2, w / 2, 0.0, h)
    door = b.part("door", wood, "wood")
    handle = b.part("handle", STEEL, "metal")
    dw = w / doors
    for k in range(doors):
        y0, y1 = -w / 2 + k * dw + gap, -w / 2 + (k + 1) * dw - gap
        _slab(b, door, front, front + door_t, y0, y1, plinth, h - gap)
        # vertical bar handle near the opening edge (the middle for a pair of doors)
        hy = y1 - 0.04 if (doors == 1 or k == 0) else y0 + 0.04
        zc = min(h - 0.15, plinth + 0.6 * (h - plinth))
        _slab(b, handle, front + door_t, d / 2, hy - 0.006, hy + 0.006, zc - 0.06, zc + 0.06)
    return b.build()


def _sofa(p: dict[str, float]) -> PartMesh:
    """A base, seat cushions (one per ~0.65 m of seat), a back and two arms; faces +x."""
    d, w, h, sh = p["depth"], p["length"], p["height"], p["seat_height"]
    arm_w, back_t, cushion_t = 0.16, 0.2, 0.12
    arm_h = min(h, sh + 0.2)
    fabric = _pick(FABRICS, p["color"])
    b = MeshBuilder()
    base = b.part("base", fabric, "fabric")
    _slab(b, base, -d / 2, d / 2, -w / 2 + arm_w, w / 2 - arm_w, 0.05, sh - cushion_t)
    seat_w = w - 2 * arm_w
    count = max(1, round(seat_w / 0.65))
    cushions = b.part("seat", fabric, "fabric")
    for k in range(count):
        y0 = -w / 2 + arm_w + k * seat_w / count
        _slab(b, cushions, -d / 2 + back_t, d / 2, y0, y0 + seat_w / count, sh - cushion_t, sh)
    back = b.part("back", fabric, "fabric")
    _slab(b, back, -d / 2, -d / 2 + back_t, -w / 2 + arm_w, w / 2 - arm_w, 0.05, h)
    arms = b.part("arm", fabric, "fabric")
    for sy in (-1, 1):
        y0 = sy * w / 2 - (arm_w if sy > 0 else 0)
        _slab(b, arms, -d / 2, d / 2, y0, y0 + arm_w, 0.05, arm_h)
    feet = b.part("foot", _pick(WOODS, 1), "wood")
    _legs(b, feet, d / 2 - 0.03, w / 2 - 0.03, 0.04, 0.05)
    return b.build({"seat_height": sh})


def _pallet(p: dict[str, float]) -> PartMesh:
    """A block pallet in the EUR pattern scaled to the footprint: five top deck boards
    running along x, three stringer boards across y, nine blocks, three bottom boards
    along x. Boards are 22 mm (EUR), thinner on low pallets so the fork opening (block
    plus stringer board) keeps ISO 6780's 98 mm minimum; the blocks take the rest."""
    lx, wy, h = p["length"], p["width"], p["height"]
    t = min(0.022, (h - 0.1) / 2)
    block_h = h - 3 * t
    bw = 0.145 * lx / 1.2  # block and board widths scale with the footprint (EUR: 145 mm)
    b = MeshBuilder()
    deck = b.part("deck", PALLET_WOOD, "wood")
    blocks = b.part("block", PALLET_WOOD, "wood")
    ys = (-wy / 2 + bw / 2, 0.0, wy / 2 - bw / 2)
    xs = (-lx / 2 + bw / 2, 0.0, lx / 2 - bw / 2)
    for y in ys:  # bottom boards along x under each row of blocks
        _slab(b, deck, -lx / 2, lx / 2, y - bw / 2, y + bw / 2, 0.0, t)
    for x in xs:
        for y in ys:
            _slab(b, blocks, x - bw / 2, x + bw / 2, y - bw / 2, y + bw / 2, t, t + block_h)
        # stringer board across y on each column of blocks
        _slab(b, deck, x - bw / 2, x + bw / 2, -wy / 2, wy / 2, t + block_h, 2 * t + block_h)
    for k in range(5):  # top deck boards along x, evenly spread across y
        y = -wy / 2 + bw / 2 + k * (wy - bw) / 4
        _slab(b, deck, -lx / 2, lx / 2, y - bw / 2, y + bw / 2, h - t, h)
    return b.build({"fork_opening": h - 2 * t})


def _color(n: int) -> GenParam:
    return GenParam(0, n - 1, "", "index into the generator's colour palette", integer=True)


GENERATORS = (
    Generator(
        "table", "indoor", "table", "wood",
        {"length": GenParam(0.6, 2.4, "m", f"top length along x ({REF})"),
         "width": GenParam(0.6, 1.2, "m", f"top width along y ({REF})"),
         "height": GenParam(0.71, 0.76, "m", f"top surface height, 28-30 in ({REF})"),
         "color": _color(len(WOODS))},
        _table, doc="a four-legged table (parts top, leg, apron)"),
    Generator(
        "chair", "indoor", "chair", "wood",
        {"seat_height": GenParam(0.43, 0.48, "m", f"seat surface height, 17-19 in ({REF})"),
         "seat_width": GenParam(0.40, 0.50, "m", f"seat width along y ({REF})"),
         "seat_depth": GenParam(0.38, 0.46, "m", f"seat depth along x ({REF})"),
         "height": GenParam(0.78, 1.0, "m", f"overall height to the top of the back ({REF})"),
         "color": _color(len(WOODS)),
         "fabric": _color(len(FABRICS))},
        _chair, doc="a dining chair facing +x (parts seat, leg, back)"),
    Generator(
        "shelf", "indoor", "shelf", "wood",
        {"width": GenParam(0.6, 1.2, "m", f"span along y ({REF})"),
         "depth": GenParam(0.25, 0.6, "m", f"depth along x ({REF})"),
         "height": GenParam(0.8, 2.2, "m", f"overall height ({REF})"),
         "shelves": GenParam(2, 7, "", f"number of shelf levels ({REF})", integer=True),
         "color": _color(len(WOODS))},
        _shelf, doc="an open shelving unit facing +x (parts side, shelf, back)"),
    Generator(
        "cabinet", "indoor", "cabinet", "wood",
        {"width": GenParam(0.4, 1.2, "m", f"span along y ({REF})"),
         "depth": GenParam(0.35, 0.62, "m", f"depth along x, handles included ({REF})"),
         "height": GenParam(0.7, 2.0, "m", f"overall height ({REF})"),
         "doors": GenParam(1, 2, "", "number of doors", integer=True),
         "color": _color(len(WOODS))},
        _cabinet, doc="a closed cabinet, doors on +x (parts carcass, door, handle)"),
    Generator(
        "sofa", "indoor", "sofa", "fabric",
        {"length": GenParam(1.5, 2.4, "m", f"span along y ({REF})"),
         "depth": GenParam(0.8, 1.0, "m", f"depth along x ({REF})"),
         "height": GenParam(0.75, 0.95, "m", f"back height ({REF})"),
         "seat_height": GenParam(0.40, 0.46, "m", f"seat cushion top ({REF})"),
         "color": _color(len(FABRICS))},
        _sofa, doc="an upholstered sofa facing +x (parts base, seat, back, arm, foot)"),
    Generator(
        "pallet", "indoor", "pallet", "wood",
        {"length": GenParam(0.8, 1.22, "m", f"along x; ISO 6780 footprints ({REF})",
                            default=1.2),
         "width": GenParam(0.8, 1.22, "m", f"along y ({REF})", default=0.8),
         "height": GenParam(0.14, 0.16, "m", f"EUR 0.144 m; US 48x40 in about 0.14-0.15 m "
                                                f"({REF})", default=0.144)},
        _pallet, doc="a block pallet (parts deck, block); defaults are the EUR pallet"),
)
