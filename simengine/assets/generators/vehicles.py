"""Road vehicles: sedan, SUV, van, rigid truck and bus, sized from published class ranges.

Every vehicle is built the same way (x forward, z up, centred on its footprint, resting on its
tyres at z = 0): a chamfered lower body cut away over the wheel arches, a cabin (greenhouse)
that is narrower and shorter than the body with a sloped windscreen, rear window and sides
leaning in, glass panes laid on the cabin's faces, lamps and number plates standing a few
millimetres proud of the body's ends (so they, not the body, touch the promised length), and
wheels with a dished tyre and a recessed rim. A style table says where each class puts its
belt line, cabin and windows. Each piece is a separate closed solid (pieces overlap where they
join), so the joined mesh is watertight in trimesh's sense of every edge shared by two faces.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..hulls import chamfered_box, hull, slab
from ..mesh import MeshBuilder, PartMesh
from ..shapes import cylinder, lathe, transform
from . import Generator, GenParam

REF = "docs/references.md#vehicle-dimensions"
PROUD = 0.008  # how far lamps and plates stand out of the body's ends (m)
PLATE = (0.52, 0.11)  # EU number plate, width x height (m)

# Paint colours (linear RGB) roughly in order of world popularity: white, black, grey, silver,
# blue, red, brown, green (see the `paint` parameter).
PAINTS = ((0.80, 0.80, 0.78), (0.02, 0.02, 0.025), (0.20, 0.21, 0.22), (0.50, 0.51, 0.52),
          (0.04, 0.10, 0.35), (0.45, 0.03, 0.03), (0.18, 0.10, 0.05), (0.05, 0.18, 0.08))
GLASS = (0.03, 0.05, 0.07)
TYRE = (0.025, 0.025, 0.025)
RIM = (0.55, 0.56, 0.58)
HEADLAMP = (0.85, 0.85, 0.80)
TAIL_LAMP = (0.60, 0.02, 0.02)
PLATE_WHITE = (0.85, 0.85, 0.85)
CARGO_WHITE = (0.75, 0.75, 0.74)
Z_TO_Y = ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0), (0.0, 1.0, 0.0))  # turns a lathe's axis to y


@dataclass(frozen=True)
class Style:
    """Where a vehicle class puts its cabin, as fractions of its dimensions."""

    belt: float  # belt line above the ground clearance, fraction of (height - clearance)
    screen_base: float  # windscreen foot x, fraction of length from the centre (+ forward)
    tail_base: float  # rear window foot x, fraction of length (- backward)
    screen_slope: float  # windscreen run / rise (0: upright)
    tail_slope: float  # rear window run / rise
    tumble: float  # inward lean of the cabin sides, run / rise
    side_panes: int  # side windows per side (0: one per 1.4 m of cabin, as on a bus)
    pane_band: tuple[float, float]  # side window bottom and top, fraction of the cabin face
    axles: int = 2  # 2, or 3 (a rear tandem)


SEDAN = Style(0.57, 0.21, -0.32, 1.45, 1.1, 0.18, 2, (0.10, 0.88))
SUV = Style(0.55, 0.22, -0.47, 1.2, 0.3, 0.12, 3, (0.10, 0.88))
VAN = Style(0.42, 0.36, -0.49, 0.6, 0.05, 0.05, 3, (0.12, 0.55))
TRUCK_CAB = Style(0.0, 0.0, 0.0, 0.12, 0.0, 0.03, 1, (0.42, 0.88), axles=3)
BUS = Style(0.0, 0.49, -0.49, 0.06, 0.02, 0.03, 0, (0.12, 0.90), axles=3)


class _Vehicle:
    """Builds one vehicle's pieces into a MeshBuilder."""

    def __init__(self, p: dict[str, float], paint: int):
        self.p = p
        self.b = MeshBuilder()
        self.body = self.b.part("body", PAINTS[paint], "metal")
        self.window = self.b.part("window", GLASS, "glass")
        self.tyre = self.b.part("tyre", TYRE, "rubber")
        self.rim = self.b.part("rim", RIM, "metal")
        self.light = self.b.part("light", HEADLAMP, "plastic")
        self.tail_light = self.b.part("tail_light", TAIL_LAMP, "plastic")
        self.plate = self.b.part("plate", PLATE_WHITE, "metal")
        length, r = p["length"], p["wheel_radius"]
        self.front = length / 2 - PROUD  # the body's ends, inside the lamps and plates
        self.arch_half = r + 0.04  # half the arch opening along x
        self.arch_top = 2 * r + 0.03

    def wheels(self, axles: int) -> list[tuple[float, float, float]]:
        """Wheel centres (front axle first); the wheelbase is shortened if the drawn length
        cannot hold it with room for the arches (stored in meta as ``wheelbase``)."""
        p, r = self.p, self.p["wheel_radius"]
        tandem = 2 * r + 0.3 if axles == 3 else 0.0  # rear bogie axle spacing
        room = p["length"] - 2 * (self.arch_half + 0.25) - tandem / 2
        self.wheelbase = min(p["wheelbase"], room)
        # centre the axle group on the footprint
        front_axle = (self.wheelbase + tandem / 2) / 2
        rear = front_axle - self.wheelbase
        xs = [front_axle] + ([rear + tandem / 2, rear - tandem / 2] if tandem else [rear])
        self.tyre_width = 0.115 * p["width"]
        y = p["width"] / 2 - 0.03 - self.tyre_width / 2
        return [(x, s * y, r) for x in xs for s in (1.0, -1.0)]

    def add_wheel(self, centre) -> None:
        r, w = self.p["wheel_radius"], self.tyre_width
        dish, rim_r = 0.2 * w, 0.64 * r
        # a tyre whose side walls are dished in around the rim, turned to roll about y
        tyre = lathe([(0.0, -w / 2 + dish), (rim_r + 0.01, -w / 2 + dish),
                      (rim_r + 0.03, -w / 2), (r - 0.03, -w / 2), (r, -w / 2 + 0.03),
                      (r, w / 2 - 0.03), (r - 0.03, w / 2), (rim_r + 0.03, w / 2),
                      (rim_r + 0.01, w / 2 - dish), (0.0, w / 2 - dish)], 28)
        self.b.add(self.tyre, transform(tyre, Z_TO_Y, centre))
        self.b.add(self.rim, cylinder(rim_r, w - 1.5 * dish, 20, centre, "y"))

    def lower_body(self, xs_axles: list[float], belt: float) -> None:
        """The band from the arch tops to the belt line, and below it the pieces between
        and beyond the wheel arches."""
        p, a = self.p, self.arch_half
        w2, gc, top = p["width"] / 2, p["ground_clearance"], self.arch_top
        cz = min(0.05, 0.3 * (belt - top))
        self.b.add(self.body, chamfered_box((-self.front, -w2, top), (self.front, w2, belt),
                                            (0.10, 0.06, cz)))
        ends = [self.front] + [e for x in xs_axles for e in (x + a, x - a)] + [-self.front]
        for hi, lo in zip(ends[::2], ends[1::2], strict=True):
            if hi - lo > 0.1:
                self.b.add(self.body, chamfered_box((lo, -w2, gc), (hi, w2, top + cz + 0.01),
                                                    (0.04, 0.04, 0.04)))

    def cabin(self, style: Style, x_base: tuple[float, float], z: tuple[float, float],
              half_width: float, part: int | None = None) -> dict:
        """A greenhouse: a hull of its foot (x_base, ±half_width at z[0]), its shoulders
        (90 % of the rise: the sloped faces end there) and a roof set in from the shoulders
        so the roof edge reads rounded. Returns the faces' geometry for the windows."""
        rise = z[1] - z[0]
        z2 = z[0] + 0.9 * rise
        xf0, xr0 = x_base
        xf2 = xf0 - style.screen_slope * 0.9 * rise
        xr2 = xr0 + style.tail_slope * 0.9 * rise
        hw2 = half_width - style.tumble * 0.9 * rise
        # the roof must lie inside the planes of the faces below it for them to stay faces
        rx_f = style.screen_slope * 0.1 * rise + 0.05
        rx_r = style.tail_slope * 0.1 * rise + 0.05
        ry = style.tumble * 0.1 * rise + 0.03
        levels = [(z[0], xf0, xr0, half_width), (z2, xf2, xr2, hw2),
                  (z[1], xf2 - rx_f, xr2 + rx_r, hw2 - ry)]
        points = [(x, s * hw, zz) for zz, xf, xr, hw in levels for x in (xf, xr)
                  for s in (-1, 1)]
        self.b.add(self.body if part is None else part, hull(points))
        return {"foot": levels[0], "shoulder": levels[1]}

    def windows(self, style: Style, faces: dict, screen: bool = True,
                rear: bool = True) -> None:
        (z0, xf0, xr0, hw0), (z2, xf2, xr2, hw2) = faces["foot"], faces["shoulder"]

        def at(v):  # the cabin's outline at fraction v from foot to shoulder
            return (z0 + v * (z2 - z0), xf0 + v * (xf2 - xf0), xr0 + v * (xr2 - xr0),
                    hw0 + v * (hw2 - hw0))

        t = 0.01
        lo, hi = at(0.06), at(0.94)
        for sign, use in ((1.0, screen), (-1.0, rear)):
            if not use:
                continue
            k = 1 if sign > 0 else 2
            slope = style.screen_slope if sign > 0 else style.tail_slope
            corners = [(lv[k], s * (lv[3] - 0.08), lv[0]) for lv in (lo, hi) for s in (-1, 1)]
            self.b.add(self.window, slab(corners, (sign, 0.0, slope), t))
        lo, hi = at(style.pane_band[0]), at(style.pane_band[1])
        n = style.side_panes or max(1, round((xf0 - xr0) / 1.4))
        for side in (1.0, -1.0):
            for i in range(n):
                corners = []
                for lv in (lo, hi):
                    x_lo, x_hi = lv[2] + 0.08, lv[1] - 0.08
                    span = (x_hi - x_lo) / n
                    for f in (0.04, 0.96):
                        corners.append((x_lo + span * (i + f), side * lv[3], lv[0]))
                self.b.add(self.window, slab(corners, (0.0, side, style.tumble), t))

    def lamps_and_plates(self, lamp_z: tuple[float, float]) -> None:
        """Head and tail lamps near the corners of the ends at heights ``lamp_z``, plates
        centred low on both ends; all from the body's end to the promised length."""
        p = self.p
        half = p["length"] / 2
        lamp_w = 0.2 * p["width"]
        y_out = p["width"] / 2 - 0.12
        gc = p["ground_clearance"]
        plate_z = (gc + self.arch_top) / 2
        for sign, part in ((1.0, self.light), (-1.0, self.tail_light)):
            x = sign * (half - PROUD)
            for s in (1.0, -1.0):
                corners = [(x, s * y, z) for y in (y_out, y_out - lamp_w) for z in lamp_z]
                self.b.add(part, slab(corners, (sign, 0, 0), 2 * PROUD))
            corners = [(x, y, z) for y in (-PLATE[0] / 2, PLATE[0] / 2)
                       for z in (plate_z - PLATE[1] / 2, plate_z + PLATE[1] / 2)]
            self.b.add(self.plate, slab(corners, (sign, 0, 0), 2 * PROUD))

    def build(self, centres) -> PartMesh:
        return self.b.build({"wheel_centres": [tuple(map(float, c)) for c in centres],
                             "wheelbase": float(self.wheelbase),
                             "tyre_width": float(self.tyre_width)})


def _car(style: Style):
    def build(p: dict[str, float]) -> PartMesh:
        v = _Vehicle(p, int(p["paint"]))
        centres = v.wheels(style.axles)
        gc, h, length = p["ground_clearance"], p["height"], p["length"]
        belt = max(gc + style.belt * (h - gc), v.arch_top + 0.1)
        v.lower_body(sorted({c[0] for c in centres}, reverse=True), belt)
        half = p["width"] / 2 - 0.04
        faces = v.cabin(style, (style.screen_base * length, style.tail_base * length),
                        (belt, h), half)
        v.windows(style, faces)
        band = belt - v.arch_top
        v.lamps_and_plates((belt - 0.45 * band - 0.03, belt - 0.45 * band + 0.05))
        for c in centres:
            v.add_wheel(c)
        return v.build(centres)
    return build


def _truck(p: dict[str, float]) -> PartMesh:
    """A cab-over rigid truck: a chassis band, a cab at the front and a box body behind."""
    v = _Vehicle(p, int(p["paint"]))
    centres = v.wheels(3)
    h = p["height"]
    deck = v.arch_top + 0.3
    v.lower_body(sorted({c[0] for c in centres}, reverse=True), deck)
    cab_len = 2.1
    cab_top = deck + 0.72 * (h - deck)
    faces = v.cabin(TRUCK_CAB, (v.front, v.front - cab_len), (deck, cab_top),
                    p["width"] / 2 - 0.03)
    v.windows(TRUCK_CAB, faces, rear=False)
    cargo = v.b.part("cargo", CARGO_WHITE, "metal")
    w2 = p["width"] / 2
    v.b.add(cargo, chamfered_box((-v.front, -w2, deck - 0.05),
                                 (v.front - cab_len - 0.15, w2, h), 0.03))
    v.lamps_and_plates((deck - 0.2, deck - 0.1))
    for c in centres:
        v.add_wheel(c)
    return v.build(centres)


def _bus(p: dict[str, float]) -> PartMesh:
    """A single-deck bus: a chassis band with the whole length as its cabin above."""
    v = _Vehicle(p, int(p["paint"]))
    centres = v.wheels(3)
    belt = v.arch_top + 0.3
    v.lower_body(sorted({c[0] for c in centres}, reverse=True), belt)
    faces = v.cabin(BUS, (v.front, -v.front), (belt, p["height"]), p["width"] / 2 - 0.02)
    v.windows(BUS, faces)
    v.lamps_and_plates((belt - 0.2, belt - 0.1))
    for c in centres:
        v.add_wheel(c)
    return v.build(centres)


def _params(length, width, height, wheelbase, clearance, radius, source) -> dict[str, GenParam]:
    def cite(text):
        return f"{text}; {source}, {REF}"
    return {
        "length": GenParam(*length, "m", cite("overall length, bumper to bumper")),
        "width": GenParam(*width, "m", cite("body width without mirrors")),
        "height": GenParam(*height, "m", cite("overall height, unladen")),
        "wheelbase": GenParam(*wheelbase, "m", cite(
            "front axle to rear axle (to the rear bogie's centre on three axles); shortened "
            "when the drawn length leaves too little room for the arches")),
        "ground_clearance": GenParam(*clearance, "m", cite("underbody height above the road")),
        "wheel_radius": GenParam(*radius, "m", cite("tyre outer radius, from the tyre sizes "
                                                      "fitted to the class")),
        "paint": GenParam(0, len(PAINTS) - 1, "", "body colour: index into PAINTS (white, "
                          "black, grey, silver, blue, red, brown, green) (ours)", integer=True),
    }


DOC = ("{} with part-labelled body, windows, tyres, rims, lamps and plates; wheel centres in "
       "meta['wheel_centres']; separate closed pieces that overlap where they join")

GENERATORS = (
    Generator("sedan", "vehicle", "car", "metal",
              _params((4.4, 5.0), (1.75, 1.90), (1.40, 1.50), (2.60, 2.95), (0.12, 0.17),
                      (0.30, 0.35), "EU D/E segment, EPA mid-size and large cars"),
              _car(SEDAN), doc=DOC.format("a four-door saloon")),
    Generator("suv", "vehicle", "car", "metal",
              _params((4.3, 5.1), (1.80, 2.00), (1.60, 1.85), (2.60, 3.00), (0.18, 0.23),
                      (0.34, 0.40), "EU J segment, EPA small and standard SUVs"),
              _car(SUV), doc=DOC.format("a sport utility vehicle")),
    Generator("van", "vehicle", "van", "metal",
              _params((4.8, 6.0), (1.90, 2.05), (1.90, 2.80), (3.00, 3.70), (0.15, 0.20),
                      (0.33, 0.37), "large panel vans (N1, up to 3.5 t)"),
              _car(VAN), doc=DOC.format("a panel van")),
    Generator("truck", "vehicle", "truck", "metal",
              _params((6.0, 12.0), (2.30, 2.55), (3.0, 4.0), (3.5, 6.5), (0.25, 0.35),
                      (0.42, 0.54), "rigid N2/N3 trucks, EU 96/53/EC limits"),
              _truck, doc=DOC.format("a three-axle cab-over rigid truck with a box body "
                                     "(part 'cargo')")),
    Generator("bus", "vehicle", "bus", "metal",
              _params((10.5, 13.5), (2.50, 2.55), (2.9, 3.4), (5.0, 7.0), (0.20, 0.30),
                      (0.47, 0.54), "single-deck city and intercity buses, EU 96/53/EC"),
              _bus, doc=DOC.format("a three-axle single-deck bus")),
)
