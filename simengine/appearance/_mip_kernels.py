"""Numba device functions of mip-mapped texture sampling over a ``MipTable``'s flat arrays.

Conventions are those of the camera's ``_mesh_albedo``: texel centres at half-integers, v runs
up the image while rows run down, wrap addressing (textures repeat). A level's coordinates
are scaled by that level's own size, so odd-sized levels (whose texels are not exactly twice
the size of the level below) are still addressed consistently.
"""

from __future__ import annotations

import math

from .._numba import kernel


@kernel(inline="always")
def _mip_lod(footprint_m, texel_m):
    """Level of detail of a pixel whose footprint on the surface spans ``footprint_m``
    metres, for a texture whose level-0 texels span ``texel_m``: log2 of the footprint in
    texels, 0 when the footprint is a texel or less (magnification uses level 0)."""
    if not footprint_m > texel_m > 0.0:
        return 0.0
    return math.log2(footprint_m / texel_m)


@kernel(inline="always")
def _add_bilinear(texels, start, w, h, u, v, weight, out):
    """Add ``weight`` × the bilinear value at (u, v) of the level stored from ``start``
    (w × h texels, row-major, row 0 at the top) to ``out``."""
    x = u * w - 0.5
    y = (1.0 - v) * h - 0.5
    fx = math.floor(x)
    fy = math.floor(y)
    tx = x - fx
    ty = y - fy
    x0 = int(fx) % w  # Python modulo: non-negative for w > 0
    y0 = int(fy) % h
    x1 = (x0 + 1) % w
    y1 = (y0 + 1) % h
    w00 = (1.0 - tx) * (1.0 - ty) * weight
    w10 = tx * (1.0 - ty) * weight
    w01 = (1.0 - tx) * ty * weight
    w11 = tx * ty * weight
    i00 = start + y0 * w + x0
    i10 = start + y0 * w + x1
    i01 = start + y1 * w + x0
    i11 = start + y1 * w + x1
    for c in range(out.shape[0]):
        out[c] += (w00 * texels[i00, c] + w10 * texels[i10, c] + w01 * texels[i01, c]
                   + w11 * texels[i11, c])


@kernel(refcounts=False)
def _sample_mip(texels, level_start, level_width, level_height, n_levels, t, u, v, lod, out):
    """Trilinear sample of texture ``t`` at (u, v): bilinear in the two levels around
    ``lod`` (clamped to the texture's levels), blended linearly; writes C channels into
    ``out`` (length C = texels.shape[1]). Allocates nothing."""
    for c in range(out.shape[0]):
        out[c] = 0.0
    top = n_levels[t] - 1
    lod = min(max(lod, 0.0), float(top))
    l0 = math.floor(lod)
    f = lod - l0
    _add_bilinear(texels, level_start[t, l0], level_width[t, l0], level_height[t, l0], u, v,
                  1.0 - f, out)
    if f > 0.0:
        l1 = min(l0 + 1, top)
        _add_bilinear(texels, level_start[t, l1], level_width[t, l1], level_height[t, l1], u,
                      v, f, out)


@kernel
def _sample_mip_points(texels, level_start, level_width, level_height, n_levels, t, u, v, lod,
                       out):
    """``_sample_mip`` at each of n points (t, u, v, lod arrays of length n) into out (n, C)."""
    for i in range(u.shape[0]):
        _sample_mip(texels, level_start, level_width, level_height, n_levels, t[i], u[i],
                    v[i], lod[i], out[i])
