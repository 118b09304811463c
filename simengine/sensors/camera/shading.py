"""Image formation of one camera frame through the geometry core: tiles, shadow grid, kernel
call (the shading pass; not a batch render of a store, which is ``simengine render``).

``shade_frame`` returns the per-pixel results every camera output derives from: linear
colour, ray distance, z-depth, hit part, instance, class and camera-frame normal.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numba
import numpy as np

from ...assets.look import srgb_to_linear as decode_srgb
from ...geometry.scene_geometry import SceneGeometry
from ._kernels import TILE, bin_parts, render_tiles
from ._shadow_kernels import shadow_cells
from .effects import code_tables
from .projection import CameraModel

SHADOW_GRID = 64


@dataclass(frozen=True)
class FrameResult:
    rgb_linear: np.ndarray | None  # (H, W, 3) float32 linear radiance (None when fused)
    rgb: np.ndarray | None  # (H, W, 3) uint8 through the tone curve (when fused)
    t: np.ndarray | None  # (H, W) float64 distance along the unit ray, inf on a miss
    depth: np.ndarray  # (H, W) float32 z-depth, 0 on a miss
    part: np.ndarray | None  # (H, W) int32, -1 on a miss
    instance: np.ndarray  # (H, W) int32
    semantic: np.ndarray  # (H, W) int16
    normal: np.ndarray | None  # (H, W, 3) float32, optical frame, facing the camera
    label: np.ndarray | None = None  # (H, W) int16 part label (part vocabulary), 0 = none


@dataclass(frozen=True)
class Pose:
    """Camera pose at the capture and its motion (constant velocities, world frame)."""

    R_world_cam: np.ndarray  # optical frame
    position: np.ndarray
    linear_velocity: np.ndarray
    angular_velocity: np.ndarray


def strip_order(height: int, width: int) -> np.ndarray:
    """Pixel indices (row-major) in the renderer's order: strips of TILE rows, within a
    strip tile by tile (TILE columns, the last one narrower), within a tile row by row.
    Each tile's pixels are then contiguous, as the visibility pass reads them."""
    order = np.empty(height * width, np.int64)
    pixel = np.arange(height * width).reshape(height, width)
    n = 0
    for ty0 in range(0, height, TILE):
        for tx0 in range(0, width, TILE):
            block = pixel[ty0:ty0 + TILE, tx0:tx0 + TILE].ravel()
            order[n:n + block.size] = block
            n += block.size
    return order


@functools.lru_cache(maxsize=8)
def strip_rays(model: CameraModel, offset: tuple[float, float] = (0.0, 0.0)
               ) -> tuple[np.ndarray, np.ndarray]:
    """The pixel rays (through each pixel's centre moved by ``offset`` pixels) in strip
    order (``strip_order``) as (3, H·W), x, y and z each contiguous (the visibility loops
    load them as vectors), and their 1 / z (H·W,): a z-depth limit d is the ray distance
    d / z."""
    rays = model.pixel_rays(offset)[strip_order(model.height, model.width)]
    components = np.ascontiguousarray(rays.T)
    inv_z = 1.0 / rays[:, 2]
    components.setflags(write=False)
    inv_z.setflags(write=False)
    return components, inv_z


@functools.lru_cache(maxsize=8)
def tile_cones(model: CameraModel, offset: tuple[float, float] = (0.0, 0.0)
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per tile: the unit axis (optical frame) and half-angle of the cone holding its rays
    (the rays through the tile's pixel centres moved by ``offset``, the only rays cast)."""
    rays = model.pixel_rays(offset).reshape(model.height, model.width, 3)
    ty, tx = -(-model.height // TILE), -(-model.width // TILE)
    axes = np.zeros((ty * tx, 3))
    half = np.zeros(ty * tx)
    for j in range(ty):
        for i in range(tx):
            block = rays[j * TILE:(j + 1) * TILE, i * TILE:(i + 1) * TILE].reshape(-1, 3)
            axis = block.mean(axis=0)
            axis /= np.linalg.norm(axis)
            cos = np.clip(block @ axis, -1.0, 1.0)
            axes[j * tx + i] = axis
            half[j * tx + i] = float(np.arccos(cos.min())) + 1e-9
    axes.setflags(write=False)
    half.setflags(write=False)
    return axes, half


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    """Scene colours are given as display (sRGB) values; shading works in linear light
    (float32, as the kernels take it)."""
    return decode_srgb(c).astype(np.float32)


def shadow_grid(geometry: SceneGeometry, light: np.ndarray, pad: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, float, int, np.ndarray, np.ndarray,
                           np.ndarray]:
    """A grid in the plane across the light: per cell, the objects whose bounding sphere's
    shadow covers it. Environment parts (ground, walls) cast no shadows: the light is inside
    the room. Returns the grid's origin, its two axes, 1 / its cell size, its cells per
    side, the CSR offsets and part lists of its cells, and the casters."""
    lx, ly, lz = (float(x) for x in light)
    # light × z (or × x for a light near vertical), then light × e1; written out because
    # np.cross costs ~80 µs a call, a tenth of a small frame's render
    if abs(lz) < 0.9:
        a1, a2, a3 = ly, -lx, 0.0
    else:
        a1, a2, a3 = 0.0, lz, -ly
    norm = math.sqrt(a1 * a1 + a2 * a2 + a3 * a3)
    e1 = np.array([a1 / norm, a2 / norm, a3 / norm])
    e2 = np.array([ly * e1[2] - lz * e1[1], lz * e1[0] - lx * e1[2], lx * e1[1] - ly * e1[0]])
    axes = np.stack([e1, e2])
    casters = np.flatnonzero(geometry.instance > 0).astype(np.int32)
    if len(casters) == 0:
        return (np.zeros(3), axes, 1.0, 0, np.zeros(1, np.int32), np.zeros(0, np.int32),
                casters)
    ab = np.ascontiguousarray(np.einsum("ij,kj->ik", geometry.bound_center[casters], axes))
    r = np.ascontiguousarray((geometry.bound_radius + pad)[casters])
    lo = (ab - r[:, None]).min(axis=0)
    hi = (ab + r[:, None]).max(axis=0)
    inv_cell = 1.0 / max(float((hi - lo).max()) / SHADOW_GRID, 1e-6)
    n = SHADOW_GRID
    start = np.zeros(n * n + 1, np.int32)
    total = shadow_cells(ab, r, lo, inv_cell, n, start, np.zeros(0, np.int32), casters)
    flat = np.empty(total, np.int32)
    shadow_cells(ab, r, lo, inv_cell, n, start, flat, casters)
    return lo[0] * e1 + lo[1] * e2, axes, inv_cell, n, start, flat, casters


@dataclass(frozen=True)
class TileBins:
    """Per tile of a frame: which parts its rays can meet (nearest first), with the motion
    allowances the kernels need."""

    axes: np.ndarray  # (tiles, 3) cone axes, optical frame
    cone: np.ndarray  # (tiles,) half-angles, widened by the camera's turn
    lists: np.ndarray  # (tiles, P) part lists
    counts: np.ndarray  # (tiles,)
    near_bound: np.ndarray  # (P,) nearest possible distance of each part
    pad: np.ndarray  # (P,) how far each part (and the camera) moves during the offsets
    cam_speed: float
    span: float  # the largest time offset

    def __iter__(self):
        return iter((self.axes, self.cone, self.lists, self.counts, self.near_bound,
                     self.pad, self.cam_speed, self.span))


def bin_tiles(model: CameraModel, pose: Pose, g: SceneGeometry, row_time: np.ndarray,
              subpixel: tuple[float, float] = (0.0, 0.0)) -> TileBins:
    """List, for every tile, the parts whose (motion-grown) bounding sphere meets its cone
    of rays (``_kernels.bin_parts``)."""
    H = model.height
    axes, half = tile_cones(model, subpixel)
    # How far a part (or the camera) can move during the frame's time offsets.
    if np.shape(row_time) != (H,):
        raise ValueError(f"row_time must have one time per image row ({H}), "
                         f"got shape {np.shape(row_time)}")
    span = float(np.abs(row_time).max()) if H else 0.0
    speed = (np.linalg.norm(g.linear_velocity, axis=1)
             + np.linalg.norm(g.angular_velocity, axis=1) * g.bound_radius)
    cam_speed = float(np.linalg.norm(pose.linear_velocity))
    pad = (speed + cam_speed) * span
    # Rotating the camera sweeps rays: widen every tile cone by the angle turned.
    cone = half + float(np.linalg.norm(pose.angular_velocity)) * span
    dist = np.linalg.norm(g.bound_center - pose.position, axis=1)
    near_bound = dist - g.bound_radius - pad
    order = np.argsort(near_bound, kind="stable").astype(np.int32)
    lists = np.empty((len(half), len(order)), np.int32)
    counts = np.empty(len(half), np.int32)
    cone = np.minimum(cone, np.pi)
    bin_parts(axes, np.cos(cone), np.sin(cone), pose.R_world_cam, pose.position,
              g.bound_center, g.bound_radius, pad, order, lists, counts)
    return TileBins(axes, cone, lists, counts, near_bound, pad, cam_speed, span)


def shade_frame(model: CameraModel, pose: Pose, geometry: SceneGeometry, near: float,
                 far: float, light: dict, background: tuple, background_bottom: tuple | None,
                 row_time: np.ndarray, *, tone: float | None = None,
                 normals: bool = True, distances: bool = True,
                 labels: bool = False, subpixel: tuple[float, float] = (0.0, 0.0)
                 ) -> FrameResult:
    """Render one frame. ``row_time`` (H,) gives each image row's time offset from the
    capture (rolling shutter row time plus a motion-blur sample offset); zeros for a global
    shutter. (Per row, not per pixel: a part's local frame is then computed once a row.)

    ``tone``: None gives linear radiance (``rgb_linear``) for the image pipeline; a gamma
    (0 = the sRGB curve) quantises in the kernel instead (``rgb``), the fast path when no
    other image effect is on. ``normals=False`` skips writing the normals, ``distances=False``
    the ray distances ``t`` and hit parts ``part`` (what range and flow need), both None
    then: a render of rgb, depth and masks alone writes a third fewer bytes. ``labels``
    gives ``label``, each pixel's part label. ``subpixel`` (du, dv) casts each pixel's ray
    through that point of the pixel instead of its centre (an anti-aliasing sample)."""
    H, W = model.height, model.width
    g = geometry
    tiles = bin_tiles(model, pose, g, row_time, subpixel)
    axes, cone, lists, counts, near_bound, pad, cam_speed, span = tiles
    direction = np.asarray(light["direction"], np.float64)
    direction /= np.linalg.norm(direction)
    grid = shadow_grid(g, direction, pad)
    # how far a shadow ray's origin can lie from its tile's cone of rays at time 0: the
    # camera's travel, and the ray's offset along the normal (render_tiles)
    reach = cam_speed * span + 1e-5
    fused = tone is not None
    thresholds, code_start = code_tables(None if tone in (None, 0.0) else float(tone))
    rgb = np.empty((H, W, 3) if not fused else (1, 1, 3), np.float32)
    rgb8 = np.empty((H, W, 3) if fused else (1, 1, 3), np.uint8)
    t = np.empty((H, W) if distances else (1, 1))
    depth = np.empty((H, W), np.float32)
    part = np.empty((H, W) if distances else (1, 1), np.int32)
    inst = np.empty((H, W), np.int32)
    sem = np.empty((H, W), np.int16)
    normal = np.empty((H, W, 3) if normals else (1, 1, 3), np.float32)
    label = np.empty((H, W) if labels else (1, 1), np.int16)
    bottom = background if background_bottom is None else background_bottom
    render_tiles(*strip_rays(model, subpixel), W, H, np.ascontiguousarray(row_time, np.float64),
                 pose.R_world_cam,
                 pose.position, pose.linear_velocity, pose.angular_velocity, near, far,
                 lists, counts, near_bound,
                 g.kind, g.rot, g.pos, g.params, g.bound_center, g.bound_radius, pad,
                 g.linear_velocity, g.angular_velocity, g.mesh_node, g.mesh_tri, g.node_min,
                 g.node_max, g.node_left, g.node_start, g.node_count, g.tris,
                 srgb_to_linear(g.color), srgb_to_linear(g.color2), g.texture_kind,
                 g.texture_scale, g.texture_axis, g.instance, g.semantic,
                 g.look_offset, g.look_color, g.tri_part, g.tri_uv, g.tri_color, g.tri_texture,
                 g.tri_label, g.tex_texels, g.tex_start, g.tex_width, g.tex_height,
                 direction, float(light["ambient"]), float(light["intensity"]),
                 bool(light["shadows"]), srgb_to_linear(background), srgb_to_linear(bottom),
                 *grid, axes, cone, reach, fused, thresholds, code_start, normals, distances,
                 labels, numba.get_num_threads(),
                 rgb, rgb8, t, depth, part, inst, sem, normal, label)
    return FrameResult(None if fused else rgb, rgb8 if fused else None,
                       t if distances else None, depth, part if distances else None, inst,
                       sem, normal if normals else None, label if labels else None)
