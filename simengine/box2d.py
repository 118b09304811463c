"""Stored 2D boxes as rectangles to draw or export: the one place that turns a float box
into pixels or an exported box (contact sheets and reports, viewer payloads, COCO, KITTI).

A camera stores each object's 2D box as ``x_min, y_min, x_max, y_max`` in ``K``'s continuous
coordinates, where the centre of pixel (u, v) sits at (u, v): a visible box (from the
instance mask) runs from u_min − 0.5 to u_max + 0.5, so it is at least one pixel wide; an
amodal box (the projected geometry) may be narrower than a pixel. All zeros means no box.

:class:`PixelBox` holds such a box by its edges in pixel-corner coordinates (pixel (u, v)
covers [u, u + 1) × [v, v + 1), COCO's convention), finite and ordered, and gives it as

- COCO's ``[x, y, w, h]`` (:meth:`PixelBox.xywh`, w and h never negative);
- ``K``'s coordinates again (:meth:`PixelBox.k_box`: KITTI's label box, the viewer's JSON);
- the pixels to draw in an image scaled by (sx, sy) (:meth:`PixelBox.pixels`): every pixel
  the box overlaps, at least one, clipped to the image. Scaling the two edges and rounding
  each on its own is what this replaces: below scale 1 it turns a one-pixel box into a
  reversed rectangle (the far edge minus one pixel lands before the near edge), which
  Pillow's ``ImageDraw.rectangle`` refuses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Scaled edges within this of a pixel boundary count as on it: tile scales such as 7/640
# are not exact in binary, and an edge at 2.9999999 must not claim pixel 2.
_EDGE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class PixelBox:
    """A 2D box by its edges in pixel-corner coordinates; ``left <= right``,
    ``top <= bottom``, all finite."""

    left: float
    top: float
    right: float
    bottom: float

    @classmethod
    def from_stored(cls, box: np.ndarray | list[float]) -> PixelBox | None:
        """The box of a stored ``x_min, y_min, x_max, y_max`` (``K``'s coordinates), or None
        for no box (all zeros, or any value not finite). Reversed edges are put in order."""
        x0, y0, x1, y1 = (float(v) for v in np.asarray(box, np.float64).reshape(4))
        if not all(math.isfinite(v) for v in (x0, y0, x1, y1)) or x0 == y0 == x1 == y1 == 0:
            return None
        return cls(min(x0, x1) + 0.5, min(y0, y1) + 0.5, max(x0, x1) + 0.5, max(y0, y1) + 0.5)

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def xywh(self) -> list[float]:
        """COCO's ``[x, y, w, h]``: top-left corner and size, pixel corners at integers."""
        return [self.left, self.top, self.width, self.height]

    def k_box(self) -> list[float]:
        """``[x_min, y_min, x_max, y_max]`` in ``K``'s coordinates (pixel centres at
        integers), in order."""
        return [self.left - 0.5, self.top - 0.5, self.right - 0.5, self.bottom - 0.5]

    def pixels(self, sx: float = 1.0, sy: float = 1.0, width: int | None = None,
               height: int | None = None) -> tuple[int, int, int, int] | None:
        """Inclusive pixel indices ``(x0, y0, x1, y1)`` (``x0 <= x1``, ``y0 <= y1``) of
        every pixel the box overlaps in the image scaled by ``(sx, sy)`` (a tile of
        ``width`` × ``height`` pixels: clipped to it), at least one pixel however thin the
        box; None when it lies wholly outside the image. At scale 1 a visible box gives the
        first and last pixel of its mask."""
        x = _span(self.left * sx, self.right * sx, width)
        y = _span(self.top * sy, self.bottom * sy, height)
        if x is None or y is None:
            return None
        return x[0], y[0], x[1], y[1]


def _span(lo: float, hi: float, size: int | None) -> tuple[int, int] | None:
    """First and last pixel index that [lo, hi] overlaps (one pixel for a zero-width span),
    clipped to 0..size-1."""
    first = math.floor(lo + _EDGE_TOLERANCE)
    last = max(math.ceil(hi - _EDGE_TOLERANCE) - 1, first)
    if size is not None:
        if last < 0 or first > size - 1:
            return None
        first, last = max(first, 0), min(last, size - 1)
    return first, last
