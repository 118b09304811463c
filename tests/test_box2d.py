"""simengine.box2d: stored 2D boxes as pixels to draw and boxes to export. The pixels a box
covers in a shrunk image are checked against OpenCV's area-averaging shrink of the box's
mask (a tile pixel is touched exactly when some of the box's area lands in it)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simengine.box2d import PixelBox


def stored(u0: int, v0: int, u1: int, v1: int) -> np.ndarray:
    """The box a camera stores for a mask whose pixels span columns u0..u1, rows v0..v1."""
    return np.array([u0 - 0.5, v0 - 0.5, u1 + 0.5, v1 + 0.5], np.float32)


@pytest.mark.parametrize("box", [np.zeros(4, np.float32), [np.nan, 1, 2, 3],
                                 [0, 1, np.inf, 3]])
def test_no_box_for_zeros_or_non_finite_values(box):
    assert PixelBox.from_stored(box) is None


def test_a_one_pixel_box_shrunk_to_half_is_one_pixel_not_reversed():
    # the crash of issue 17: (x0 + 0.5)·s .. (x1 + 0.5)·s − 1 put the far edge first
    box = PixelBox.from_stored(stored(41, 10, 41, 60))
    assert box.pixels(0.5, 0.5, 160, 120) == (20, 5, 20, 30)
    assert box.pixels(1 / 640, 1 / 640, 1, 1) == (0, 0, 0, 0)


def test_exports_in_coco_and_k_coordinates():
    box = PixelBox.from_stored(stored(3, 4, 3, 9))
    assert box.xywh() == [3.0, 4.0, 1.0, 6.0]  # COCO: pixel corners at integers
    assert box.k_box() == [2.5, 3.5, 3.5, 9.5]
    assert box.pixels() == (3, 4, 3, 9)


def test_reversed_edges_are_put_in_order():
    box = PixelBox.from_stored([5.5, 9.5, 2.5, 3.5])
    assert box.k_box() == [2.5, 3.5, 5.5, 9.5] and (box.width, box.height) == (3, 6)


@pytest.mark.parametrize("k_box, pixels", [
    ([10.2, 5.0, 10.4, 5.1], (10, 5, 10, 5)),   # sub-pixel, inside pixel (10, 5)
    ([10.4, 5.0, 10.6, 5.1], (10, 5, 11, 5)),   # straddles the edge between 10 and 11
    ([7.0, 7.0, 7.0, 7.0], (7, 7, 7, 7)),       # zero size: still one pixel
])
def test_sub_pixel_boxes_cover_the_pixels_they_touch(k_box, pixels):
    box = PixelBox.from_stored(k_box)
    assert box.pixels() == pixels
    x, y, w, h = box.xywh()
    assert w >= 0 and h >= 0 and (x, y) == pytest.approx((k_box[0] + 0.5, k_box[1] + 0.5))


def test_edges_on_a_tile_pixel_boundary_in_inexact_floats():
    # 25·(14/50) = 7.000000000000001 and 22·(30/44) = 14.999999999999998 in floats; both
    # are pixel boundaries: the box must neither gain pixel 7 nor pixel 14
    assert PixelBox.from_stored(stored(20, 0, 24, 0)).pixels(14 / 50, 1.0)[2] == 6
    assert PixelBox.from_stored(stored(22, 0, 30, 0)).pixels(30 / 44, 1.0)[0] == 15


def test_boxes_are_clipped_to_the_image_or_dropped_outside_it():
    box = PixelBox.from_stored([-3.5, -2.5, 4.5, 200.5])
    assert box.pixels(width=64, height=48) == (0, 0, 4, 47)
    assert PixelBox.from_stored([70.5, 0, 80.5, 3]).pixels(width=64, height=48) is None
    assert PixelBox.from_stored([-9.5, 0, -0.5, 3]).pixels(width=64, height=48) is None


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_pixels_are_the_tile_pixels_opencv_area_shrink_touches(data):
    W = data.draw(st.integers(1, 160), label="W")
    H = data.draw(st.integers(1, 120), label="H")
    tw = data.draw(st.integers(1, W), label="tile width")
    th = max(1, round(H * tw / W))  # as the contact sheet sizes its tiles
    u0 = data.draw(st.integers(0, W - 1))
    u1 = data.draw(st.integers(u0, min(W - 1, u0 + data.draw(st.sampled_from([0, 1, 3, W])))))
    v0 = data.draw(st.integers(0, H - 1))
    v1 = data.draw(st.integers(v0, min(H - 1, v0 + data.draw(st.sampled_from([0, 1, 3, H])))))
    mask = np.zeros((H, W), np.float32)
    mask[v0:v1 + 1, u0:u1 + 1] = 1.0
    small = cv2.resize(mask, (tw, th), interpolation=cv2.INTER_AREA)
    # scaled edges sit at multiples of 1/W and 1/H of a tile pixel: a box that reaches into
    # a tile pixel covers at least 1/(W·H) of it; OpenCV's rounding stays far below that
    rows, cols = np.nonzero(small > 0.25 / (W * H))
    want = (int(cols.min()), int(rows.min()), int(cols.max()), int(rows.max()))
    got = PixelBox.from_stored(stored(u0, v0, u1, v1)).pixels(tw / W, th / H, tw, th)
    assert got == want


@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=4, max_size=4),
       st.floats(1e-3, 4.0), st.floats(1e-3, 4.0))
def test_any_box_gives_an_ordered_rectangle_of_at_least_one_pixel(values, sx, sy):
    box = PixelBox.from_stored(values)
    if box is None:
        assert not any(values)
        return
    x, y, w, h = box.xywh()
    assert w >= 0 and h >= 0 and math.isfinite(x + y + w + h)
    x0, y0, x1, y1 = box.pixels(sx, sy)
    assert x0 <= x1 and y0 <= y1
    # the rectangle holds the scaled box (up to the edge tolerance)
    assert x0 <= box.left * sx + 1e-6 and box.right * sx - 1e-6 <= x1 + 1
    assert y0 <= box.top * sy + 1e-6 and box.bottom * sy - 1e-6 <= y1 + 1
