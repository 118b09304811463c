"""Camera payloads: one frame's image layers as PNG and its boxes as JSON."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..box2d import PixelBox
from . import images
from .lidar import range_image
from .store_view import NotFoundError, StoreView, Variant

THUMB_WIDTH = 256  # the grid's tiles are about 200 px wide; a big grid stays light
# layer name -> (array name under camera/<s>/, colouring)
LAYERS = {
    "rgb": ("rgb", None),
    "depth": ("depth", images.colour_distance),
    "instance": ("instance", images.colour_ids),
    "semantic": ("semantic", images.colour_ids),
    "normals": ("normals", images.colour_normals),
    "flow": ("flow", images.colour_flow),
    "mask": ("rgb", images.colour_mask),  # the variant's rgb_mask
}


def layers_of(view: StoreView, head: str) -> list[str]:
    """The layers this camera's arrays support (normals and flow are optional outputs)."""
    return [name for name, (array, _) in LAYERS.items()
            if name == "mask" or view.has(f"{head}/{array}")]


def layer_png(view: StoreView, k: int, head: str, frame: int, layer: str,
              variant: Variant | None) -> bytes:
    """PNG of ``layer`` of frame ``frame`` of camera ``head`` (``camera/<name>``). Only
    ``rgb`` and ``mask`` depend on the variant (corruptions change the image, not the
    labels); ``mask`` is all transparent for a variant that leaves the camera alone."""
    if layer not in LAYERS:
        raise NotFoundError(f"no camera layer {layer!r}")
    array, colour = LAYERS[layer]
    if layer == "rgb":
        rgb, _ = view.read_variant(f"{head}/rgb", k, variant)
        return images.png(rgb[frame])
    if layer == "mask":
        mask = view.mask(f"{head}/rgb", k, variant)
        h, w = view.shape(f"{head}/rgb")[1:3]
        frame_mask = np.zeros((h, w), bool) if mask is None else mask[frame]
        return images.png(images.colour_mask(frame_mask))
    data = view.read(f"{head}/{array}", k)
    assert colour is not None
    return images.png(colour(data[frame]))


def _box(box: np.ndarray) -> list[float] | None:
    """A stored 2D box as [x0, y0, x1, y1] in K's coordinates, in order (x0 <= x1,
    y0 <= y1); None for a padded/absent box (all zeros, or not finite)."""
    pixel_box = PixelBox.from_stored(box)
    return None if pixel_box is None else [round(v, 3) for v in pixel_box.k_box()]


def boxes(view: StoreView, k: int, head: str, frame: int) -> dict[str, Any]:
    """Per real object (``objects/count``): instance id, class, visible and amodal 2D boxes,
    visibility and the 8 projected corners of its 3D box (corner ``4·ix + 2·iy + iz``;
    ``None`` when a corner is behind the camera)."""
    count = int(view.read("objects/count", k))
    class_id = view.read("objects/class_id", k)
    instance = view.read("objects/instance_id", k)

    def per_object(name: str) -> np.ndarray | None:
        key = f"{head}/{name}"
        return view.read(key, k)[frame] if view.has(key) else None

    visible, amodal = per_object("boxes2d"), per_object("boxes2d_amodal")
    corners, visibility = per_object("box3d_corners_2d"), per_object("visibility")
    pixels = per_object("visible_pixels")
    out = []
    for m in range(count):
        c = corners[m] if corners is not None else None
        out.append({
            "instance": int(instance[m]),
            "class_id": int(class_id[m]),
            "class": view.class_name(int(class_id[m])),
            "box2d": (_box(visible[m]) if visible is not None
                      and (pixels is None or pixels[m] > 0) else None),
            "box2d_amodal": _box(amodal[m]) if amodal is not None else None,
            "visibility": (round(float(visibility[m]), 4) if visibility is not None
                           and np.isfinite(visibility[m]) else None),
            "corners": (np.round(c, 3).tolist() if c is not None
                        and np.all(np.isfinite(c)) else None),
        })
    h, w = view.shape(f"{head}/rgb")[1:3]
    return {"width": w, "height": h, "objects": out}


def thumbnail_png(view: StoreView, k: int) -> bytes:
    """The grid's picture of sample ``k``: the first camera's first frame, else the first
    lidar's range image, else a blank tile."""
    cams = view.sensors_of("camera")
    if cams:
        return images.png(images.shrink(view.read(f"camera/{cams[0]}/rgb", k)[0],
                                        THUMB_WIDTH))
    lidars = view.sensors_of("lidar")
    if lidars:
        return images.png(range_image(view, k, f"lidar/{lidars[0]}", 0, None, "range", 0))
    return images.png(np.full((48, 64, 3), 40, np.uint8))
