"""Mip pyramids of a list of textures in one flat table, the layout the camera's kernels
index (like the asset textures' ``tex_texels``/``tex_start`` of ``geometry.look_tables``).

Each level halves the one above (``max(1, n // 2)`` per axis) by averaging in linear light
over the area each new texel covers: a 2×2 box for even sizes, and for odd sizes the
area-weighted average OpenCV's ``cv2.resize(..., interpolation=INTER_AREA)`` computes (a new
texel spans n / m old ones, partial texels weighted by the covered fraction).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._mip_kernels import _sample_mip_points


@dataclass(frozen=True)
class MipTable:
    """Pyramids of T textures of C channels, level 0 the full image.

    texels: (N, C) float32, every level of every texture, row-major, row 0 at the top.
    level_start: (T, L) int64, the first texel of level l of texture t (L the largest level
    count; a texture's entries past its own last level repeat that level).
    level_width, level_height: (T, L) int32 sizes; n_levels: (T,) int32.
    """

    texels: np.ndarray
    level_start: np.ndarray
    level_width: np.ndarray
    level_height: np.ndarray
    n_levels: np.ndarray


def _area_weights(n: int, m: int) -> np.ndarray:
    """(m, n) matrix averaging n samples into m: row i covers [i·n/m, (i+1)·n/m)."""
    if m == n:
        return np.eye(n)
    scale = n / m
    edges = np.arange(m + 1) * scale
    lo, hi = edges[:-1, None], edges[1:, None]
    j = np.arange(n)[None, :]
    overlap = np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0.0, None)
    return overlap / scale


def downsample(image: np.ndarray) -> np.ndarray:
    """The next level of an (H, W, C) image: (max(1, H // 2), max(1, W // 2), C)."""
    h, w = image.shape[:2]
    wy = _area_weights(h, max(1, h // 2))
    wx = _area_weights(w, max(1, w // 2))
    out = np.einsum("ih,hwc,jw->ijc", wy, image.astype(np.float64), wx, optimize=True)
    return out.astype(np.float32)


def pyramid(image: np.ndarray) -> list[np.ndarray]:
    """Every level of an (H, W, C) image down to 1×1."""
    levels = [np.asarray(image, np.float32)]
    while levels[-1].shape[0] > 1 or levels[-1].shape[1] > 1:
        levels.append(downsample(levels[-1]))
    return levels


def build_mip_table(images: list[np.ndarray]) -> MipTable:
    """The mip table of ``images``: each (H, W, C) or (H, W) float32 linear values, all with
    the same channel count C."""
    if not images:
        raise ValueError("build_mip_table needs at least one image")
    pyramids = []
    for k, image in enumerate(images):
        a = np.asarray(image, np.float32)
        if a.ndim == 2:
            a = a[:, :, None]
        if a.ndim != 3 or a.shape[0] < 1 or a.shape[1] < 1:
            raise ValueError(f"image {k}: expected (H, W) or (H, W, C), got shape {a.shape}")
        pyramids.append(pyramid(a))
    channels = {p[0].shape[2] for p in pyramids}
    if len(channels) != 1:
        raise ValueError(f"images have different channel counts {sorted(channels)}")
    n_levels = np.array([len(p) for p in pyramids], np.int32)
    t_count, l_count = len(pyramids), int(n_levels.max())
    level_start = np.zeros((t_count, l_count), np.int64)
    level_width = np.zeros((t_count, l_count), np.int32)
    level_height = np.zeros((t_count, l_count), np.int32)
    flat, offset = [], 0
    for t, levels in enumerate(pyramids):
        for lvl in range(l_count):
            level = levels[min(lvl, len(levels) - 1)]
            if lvl < len(levels):
                level_start[t, lvl] = offset
                offset += level.shape[0] * level.shape[1]
                flat.append(level.reshape(-1, level.shape[2]))
            else:
                level_start[t, lvl] = level_start[t, len(levels) - 1]
            level_height[t, lvl], level_width[t, lvl] = level.shape[:2]
    return MipTable(np.ascontiguousarray(np.concatenate(flat), np.float32), level_start,
                    level_width, level_height, n_levels)


def mip_table_from_flat(tex_texels: np.ndarray, tex_start: np.ndarray, tex_width: np.ndarray,
                        tex_height: np.ndarray) -> MipTable:
    """The mip table of textures flattened as ``LookTables.arrays()`` does (``tex_*``)."""
    images = []
    for start, width, height in zip(tex_start, tex_width, tex_height, strict=True):
        s, w, h = int(start), int(width), int(height)
        images.append(tex_texels[s:s + w * h].reshape(h, w, tex_texels.shape[1]))
    return build_mip_table(images)


def sample_mip(table: MipTable, t, u, v, lod) -> np.ndarray:
    """(n, C) trilinear samples (``_sample_mip``) at arrays (or scalars) t, u, v, lod."""
    t, u, v, lod = np.broadcast_arrays(np.asarray(t, np.int64), np.asarray(u, np.float64),
                                       np.asarray(v, np.float64), np.asarray(lod, np.float64))
    shape = u.shape
    t, u, v, lod = (np.ascontiguousarray(a.ravel()) for a in (t, u, v, lod))
    out = np.zeros((u.shape[0], table.texels.shape[1]), np.float32)
    _sample_mip_points(table.texels, table.level_start, table.level_width, table.level_height,
                       table.n_levels, t, u, v, lod, out)
    return out.reshape(*shape, table.texels.shape[1])
