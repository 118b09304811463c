"""Contact sheets: a grid of one camera's RGB images from a store, for a quick look.

Tiles are the samples' images, spread evenly over the done samples, in index order, row by
row, each with a caption strip (sample index; for a corrupted variant the corruptions and
severities applied). Images wider than the tile width are shrunk with area averaging
(``cv2.INTER_AREA``); smaller ones are kept at their own size (never enlarged).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw

from ..box2d import PixelBox
from ..errors import UserError
from ..store.reader import StoreReader
from .plots import PALETTE, load_font

BACKGROUND, CAPTION = (40, 40, 40), (235, 235, 235)


@dataclass(frozen=True)
class SheetLayout:
    columns: int
    rows: int
    tile_w: int
    tile_h: int
    gap: int = 4
    caption_h: int = 14

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the whole sheet."""
        return (self.gap + self.columns * (self.tile_w + self.gap),
                self.gap + self.rows * (self.tile_h + self.caption_h + self.gap))

    def tile_origin(self, i: int) -> tuple[int, int]:
        """Top-left pixel (x, y) of tile ``i``'s image."""
        r, c = divmod(i, self.columns)
        return (self.gap + c * (self.tile_w + self.gap),
                self.gap + r * (self.tile_h + self.caption_h + self.gap))


@dataclass(frozen=True)
class Sheet:
    image: Image.Image
    layout: SheetLayout
    samples: list[int]
    camera: str
    frame: int
    variant: str | None


def pick_samples(done: np.ndarray, count: int) -> list[int]:
    """``count`` done sample indices spread evenly from the first to the last."""
    if len(done) <= count:
        return [int(k) for k in done]
    return [int(done[i]) for i in np.linspace(0, len(done) - 1, count).round().astype(int)]


def tile_size(width: int, height: int, tile_width: int) -> tuple[int, int]:
    if width <= tile_width:
        return width, height
    return tile_width, max(1, round(height * tile_width / width))


def contact_sheet(path: str, camera: str | None = None, frame: int = 0, columns: int = 6,
                  max_samples: int = 24, tile_width: int = 160, variant: str | None = None,
                  boxes: bool = False) -> Sheet:
    """The sheet of ``camera`` (default: the store's first) at capture ``frame``; with
    ``variant`` ("<set>/<slot>", e.g. "fog/0") the corrupted images instead of the clean
    ones; ``boxes`` outlines each object's visible 2D box."""
    probe = StoreReader(path, keys=["meta/time"])
    attrs = probe.attrs
    cams = [s["name"] for s in attrs["sensors"] if s["kind"] == "camera"]
    if not cams:
        raise UserError(f"{path}: the store has no camera")
    camera = camera or cams[0]
    if camera not in cams:
        raise UserError(f"{path}: no camera {camera!r}; cameras: {', '.join(cams)}")
    rgb_key = f"camera/{camera}/rgb"
    frames = probe.root[rgb_key].shape[1]
    if not 0 <= frame < frames:
        raise UserError(f"--frame: expected 0..{frames - 1}, got {frame}")
    keys, base = [rgb_key], None
    if variant is not None:
        base = f"corrupted/{variant.strip('/')}"
        if f"{base}/{rgb_key}" not in attrs["arrays"]:
            have = sorted({k.rsplit("/" + rgb_key, 1)[0].removeprefix("corrupted/")
                           for k in attrs["arrays"] if k.endswith("/" + rgb_key)
                           and k.startswith("corrupted/")})
            raise UserError(f"{path}: no corrupted variant {variant!r} of {rgb_key}; "
                            f"variants: {', '.join(have) or 'none'}")
        keys = [f"{base}/{rgb_key}", f"{base}/applied", f"{base}/severity"]
    if boxes:
        keys += [f"camera/{camera}/boxes2d", "objects/count", "objects/class_id"]
    done = probe.done_indices()
    if done.size == 0:
        raise UserError(f"{path}: no rendered samples (meta/done is all False)")
    samples = pick_samples(done, max(1, max_samples))
    data = StoreReader(path, keys=keys).read(samples)
    images = data[keys[0]][:, frame]
    H, W = images.shape[1:3]
    tw, th = tile_size(W, H, max(1, tile_width))
    cols = max(1, min(columns, len(samples)))
    layout = SheetLayout(cols, -(-len(samples) // cols), tw, th)
    sheet = Image.new("RGB", layout.size, BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = load_font(10)
    names = _set_names(attrs, variant) if variant else []
    for i, k in enumerate(samples):
        tile = images[i] if (tw, th) == (W, H) else cv2.resize(images[i], (tw, th),
                                                               interpolation=cv2.INTER_AREA)
        x, y = layout.tile_origin(i)
        sheet.paste(Image.fromarray(np.ascontiguousarray(tile)), (x, y))
        caption = f"#{k}"
        if base is not None:
            flags, sev = data[f"{base}/applied"][i], data[f"{base}/severity"][i]
            caption += " " + (", ".join(f"s{int(s)} {n}" for n, a, s in  # level first
                                        zip(names, flags, sev, strict=False) if a) or "none")
        while len(caption) > 3 and draw.textlength(caption, font=font) > tw - 2:
            caption = caption[:-3] + ".."  # keep it inside its own tile
        draw.text((x + 1, y + th + 1), caption, fill=CAPTION, font=font)
        if boxes:
            _draw_boxes(draw, data, camera, i, frame, (x, y), (tw, th), tw / W, th / H)
    return Sheet(sheet, layout, samples, camera, frame, variant)


def _set_names(attrs: dict, variant: str) -> list[str]:
    set_name = variant.strip("/").split("/")[0]
    for cset in attrs["scene"].get("corruptions", []):
        if cset["name"] == set_name:
            return list(cset["corruptions"])
    return []


def _draw_boxes(draw: ImageDraw.ImageDraw, data: dict, camera: str, i: int, frame: int,
                origin: tuple[int, int], tile: tuple[int, int], sx: float, sy: float) -> None:
    """Outline each visible object's box on its tile: the tile pixels the box overlaps, at
    least one however thin the object (PixelBox.pixels)."""
    boxes = data[f"camera/{camera}/boxes2d"][i, frame]
    classes = data["objects/class_id"][i]
    for m in range(int(data["objects/count"][i])):
        box = PixelBox.from_stored(boxes[m])
        rect = None if box is None else box.pixels(sx, sy, *tile)
        if rect is None:  # zeros: not visible
            continue
        x0, y0, x1, y1 = rect
        colour = PALETTE[int(classes[m]) % len(PALETTE)]
        # A one-pixel-thin outline is the rectangle itself: filled, since Pillow (13.0)
        # draws the outline of a one-row rectangle one row too tall at its ends.
        thin = x0 == x1 or y0 == y1
        draw.rectangle([origin[0] + x0, origin[1] + y0, origin[0] + x1, origin[1] + y1],
                       outline=colour, fill=colour if thin else None)
