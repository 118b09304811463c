"""Surface maps packed into mip tables for the camera's kernels, with the bump's slope
moments kept so that filtering a bump map roughens the surface instead of flattening it.

Averaging slopes over a pixel's footprint smooths the normal, but the facets inside the
footprint still scatter light: their slope variance is the difference of the averaged
second moment and the squared averaged slope (LEAN mapping, Olano and Baker 2010), and it
adds to the GGX α² of the surface (Kaplanyan et al. 2016; α = roughness², Burley 2012).
Sources: docs/references.md#surfaces.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._numba import kernel
from .mipmaps import MipTable, build_mip_table
from .surfaces import SurfaceMaps

# channels of SurfaceTables.shading
ALPHA2, METALNESS, SLOPE_U, SLOPE_V, SLOPE_U2, SLOPE_V2 = range(6)


@dataclass(frozen=True)
class SurfaceTables:
    """T surfaces' maps as mip tables.

    detail: C = 3, the detail maps.
    shading: C = 6, (α² = roughness⁴, metalness, dh/du, dh/dv, (dh/du)², (dh/dv)²); sample
    it with ``_mip_kernels._sample_mip`` and read it with ``_filtered_shading``.
    tile_m: (T,) float64 metres per tile; f0: (T,) float32; default_color: (T, 3) float32
    sRGB.
    """

    detail: MipTable
    shading: MipTable
    tile_m: np.ndarray
    f0: np.ndarray
    default_color: np.ndarray


def surface_tables(maps: Sequence[SurfaceMaps]) -> SurfaceTables:
    """Pack ``maps`` (e.g. one ``surface_maps`` per material of a scene) into mip tables;
    texture t of both tables is ``maps[t]``."""
    if not maps:
        raise ValueError("surface_tables needs at least one SurfaceMaps")
    shading = []
    for m in maps:
        su, sv = m.slope[..., 0], m.slope[..., 1]
        shading.append(np.stack([m.roughness.astype(np.float64) ** 4, m.metalness, su, sv,
                                 su.astype(np.float64) ** 2, sv.astype(np.float64) ** 2],
                                axis=-1).astype(np.float32))
    return SurfaceTables(
        detail=build_mip_table([m.detail for m in maps]),
        shading=build_mip_table(shading),
        tile_m=np.array([m.tile_m for m in maps], np.float64),
        f0=np.array([m.f0 for m in maps], np.float32),
        default_color=np.array([m.default_color for m in maps], np.float32))


@kernel(inline="always")
def _filtered_shading(sample):
    """(roughness, metalness, dh/du, dh/dv) from a trilinear sample of the shading table:
    the mean slope, and the roughness whose α² is the filtered α² plus the slope variance
    lost to filtering (var_u + var_v, i.e. twice the per-axis mean: α² = 2σ² for a
    Beckmann-like lobe), clamped to [0.02, 1]."""
    mu = sample[SLOPE_U]
    mv = sample[SLOPE_V]
    variance = max(sample[SLOPE_U2] - mu * mu, 0.0) + max(sample[SLOPE_V2] - mv * mv, 0.0)
    alpha2 = max(sample[ALPHA2], 0.0) + variance
    roughness = min(max(math.sqrt(math.sqrt(alpha2)), 0.02), 1.0)
    return roughness, sample[METALNESS], mu, mv
