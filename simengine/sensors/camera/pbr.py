"""The physically based image of one frame (``quality`` standard and high): the samples of
every pixel (points in the pixel and times in the exposure) rendered by
``_pbr_kernels.pbr_tiles`` and averaged in linear radiance.

Surfaces: each material of ``simengine.materials`` has its procedural maps
(``appearance.surfaces``: detail, roughness, metalness, bump, at their defaults), packed once
per process into mip tables (``appearance.packing``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numba
import numpy as np

from ...appearance.mipmaps import MipTable, build_mip_table
from ...appearance.packing import SurfaceTables, surface_tables
from ...appearance.surfaces import SurfaceMaps, surface_maps
from ...geometry.scene_geometry import SceneGeometry
from ...materials import MATERIAL_NAMES
from ._denoise_kernels import smooth_on_surfaces
from ._pbr_kernels import pbr_tiles
from .lighting import Lighting
from .projection import CameraModel
from .shading import FrameResult, Pose, bin_tiles, srgb_to_linear, strip_rays


@functools.lru_cache(maxsize=1)
def material_surfaces() -> SurfaceTables:
    """Every material's default maps, texture t = material id."""
    return surface_tables([surface_maps(name) for name in MATERIAL_NAMES])


_TEXTURE_MIPS: dict[tuple[int, ...], tuple[tuple, MipTable]] = {}


def texture_mips(textures: tuple) -> MipTable:
    """The mip pyramids of a frame's mesh textures (``SceneGeometry.textures``, the assets'
    cached images), texture t = tex id t. Cached by the images' identities, which the cache
    keeps alive (building a 1024² texture's pyramid takes ~0.3 s: once per process)."""
    key = tuple(id(t) for t in textures)
    hit = _TEXTURE_MIPS.get(key)
    if hit is None:
        images = list(textures) or [np.ones((1, 1, 3), np.float32)]
        hit = (textures, build_mip_table([np.asarray(t, np.float32) for t in images]))
        if len(_TEXTURE_MIPS) >= 8:
            _TEXTURE_MIPS.pop(next(iter(_TEXTURE_MIPS)))
        _TEXTURE_MIPS[key] = hit
    return hit[1]


def uniform_surfaces(roughness: float, metalness: float = 0.0, f0: float = 0.04,
                     size: int = 8) -> SurfaceTables:
    """One flat surface (no detail, no bump) for every material id: what a comparison with
    a reference renderer's plain BSDF takes."""
    flat = SurfaceMaps(detail=np.ones((size, size, 3), np.float32),
                       roughness=np.full((size, size), roughness, np.float32),
                       metalness=np.full((size, size), metalness, np.float32),
                       slope=np.zeros((size, size, 2), np.float32), tile_m=1.0, f0=f0,
                       default_color=np.full(3, 0.5, np.float32))
    return surface_tables([flat] * len(MATERIAL_NAMES))


@dataclass
class Radiance:
    """What ``pbr_tiles`` accumulates per pixel (weighted by sample)."""

    rgb: np.ndarray  # (H, W, 3) sun light and the background
    sky: np.ndarray  # (H, W, 3) the sky's light, unoccluded
    open_fraction: np.ndarray  # (H, W)
    lamp: np.ndarray  # (H, W, 3) the lamps' light, unshadowed
    lamp_seen: np.ndarray  # (H, W) luminance of the lamps' light seen
    lamp_total: np.ndarray  # (H, W) and in all

    @classmethod
    def zeros(cls, H: int, W: int) -> Radiance:
        return cls(np.zeros((H, W, 3), np.float32), np.zeros((H, W, 3), np.float32),
                   np.zeros((H, W), np.float32), np.zeros((H, W, 3), np.float32),
                   np.zeros((H, W), np.float32), np.zeros((H, W), np.float32))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return (self.rgb, self.sky, self.open_fraction, self.lamp, self.lamp_seen,
                self.lamp_total)

    def take(self, other: Radiance, where: np.ndarray) -> None:
        """Replace the pixels ``where`` with ``other``'s."""
        for mine, theirs in zip(self.arrays(), other.arrays(), strict=True):
            mine[where] = theirs[where]


ALL_PIXELS = np.ones((1, 1), np.bool_)


def edge_pixels(centre: FrameResult) -> np.ndarray:
    """Pixels whose area may hold more than one surface, so that its samples need their
    own rays: where a 3×3 neighbourhood changes instance, meets the sky, or turns its normal
    by more than ~25° (silhouettes, the horizon, creases), and where inverse depth (linear
    across the image on a plane) bends by more than 5 % between neighbours (a surface
    hiding another part of the same instance)."""
    inst, depth = centre.instance, centre.depth
    H, W = inst.shape
    hit = depth > 0
    inv = np.where(hit, 1.0 / np.where(hit, depth, 1.0), 0.0)
    bend = np.zeros((H, W), bool)
    bend[:, 1:-1] |= np.abs(inv[:, :-2] + inv[:, 2:] - 2 * inv[:, 1:-1]) > 0.05 * inv[:, 1:-1]
    bend[1:-1] |= np.abs(inv[:-2] + inv[2:] - 2 * inv[1:-1]) > 0.05 * inv[1:-1]
    edge = bend & hit
    for dv in (-1, 0, 1):
        for du in (-1, 0, 1):
            if dv == du == 0:
                continue
            a = (slice(max(dv, 0), H + min(dv, 0)), slice(max(du, 0), W + min(du, 0)))
            b = (slice(max(-dv, 0), H + min(-dv, 0)), slice(max(-du, 0), W + min(-du, 0)))
            change = (inst[a] != inst[b]) | (hit[a] != hit[b])
            if centre.normal is not None:
                change |= hit[a] & hit[b] & ((centre.normal[a] * centre.normal[b]).sum(axis=2)
                                             < 0.9)
            edge[a] |= change
    return edge


def render_pbr(model: CameraModel, pose: Pose, geometry: SceneGeometry, near: float,
               far: float, lighting: Lighting, row_time: np.ndarray,
               samples: list[tuple[float, tuple[float, float]]], centre: FrameResult,
               *, ao_rays: int, ao_radius: float, ao_filter_px: int, ao_bounce: bool = True,
               surfaces: SurfaceTables | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Linear radiance (H, W, 3) float32 over ``samples`` ((time offset, subpixel offset)
    each), and each pixel's coverage: the fraction of its samples that see the instance at
    the pixel's centre (``centre``, the labels' render, with normals when ``ao_filter_px``
    smooths the occlusion estimate and the lamps' seen share).

    Without motion blur (every time offset 0) the samples are adaptive: one ray through
    each pixel's centre takes all the pixel's light samples (sun, occlusion, lamps: soft
    shadows at full count), and only the pixels on edges (``edge_pixels``) cast a ray per
    sample for their area; inside a surface, the mip-mapped textures filter the pixel's
    footprint. With motion blur every sample is a full ray.

    ``ao_bounce``: an occluded occlusion ray still brings back its occluder's albedo's
    share of the sky (off: the sky behind it is lost, as a path tracer's direct light
    alone). ``surfaces``: the maps by material id, instead of ``material_surfaces()``."""
    H, W = model.height, model.width
    g = geometry
    st = material_surfaces() if surfaces is None else surfaces
    tx = texture_mips(g.textures)
    albedo, albedo2 = srgb_to_linear(g.color), srgb_to_linear(g.color2)
    n = len(samples)
    pixel_angle = 1.0 / float(model.K[0, 0])
    inst = np.empty((H, W), np.int32)

    def run(offset, subpixel, first, n_light, n_area, mask, weight, out: Radiance):
        times = np.ascontiguousarray(row_time + offset, np.float64)
        bins = bin_tiles(model, pose, g, times, subpixel)
        rays, inv_z = strip_rays(model, subpixel)
        pbr_tiles(rays, inv_z, W, H, times, pose.R_world_cam, pose.position,
                  pose.linear_velocity, pose.angular_velocity, near, far, bins.lists,
                  bins.counts, bins.near_bound, g.kind, g.rot, g.pos, g.params,
                  g.bound_center, g.bound_radius, bins.pad, g.linear_velocity,
                  g.angular_velocity, g.mesh_node, g.mesh_tri, g.node_min, g.node_max,
                  g.node_left, g.node_start, g.node_count, g.tris, albedo, albedo2,
                  g.texture_kind, g.texture_scale, g.texture_axis, g.instance, g.material,
                  g.look_offset, g.look_color, g.tri_part, g.tri_uv, g.tri_color,
                  g.tri_texture, g.tri_material,
                  *_mip_arrays(tx), *_mip_arrays(st.detail), *_mip_arrays(st.shading),
                  st.tile_m, st.f0, lighting.sun_dir, lighting.sun_cos, lighting.sun_rgb,
                  lighting.env_light, lighting.env_background, lighting.irradiance,
                  lighting.lamps, lighting.shadows, ao_rays, ao_radius, ao_bounce, first,
                  n_light, n, n_area, mask, pixel_angle, weight, numba.get_num_threads(),
                  *out.arrays(), inst)

    light = Radiance.zeros(H, W)
    coverage = np.ones((H, W), np.float32)
    if n > 1 and all(offset == 0.0 for offset, _ in samples):
        run(0.0, (0.0, 0.0), 0, n, 1, ALL_PIXELS, 1.0, light)
        edges = edge_pixels(centre)
        if edges.any():
            at_edges = Radiance.zeros(H, W)
            seen = np.zeros((H, W), np.int32)
            for s, (offset, subpixel) in enumerate(samples):
                run(offset, subpixel, s, 1, n, edges, 1.0 / n, at_edges)
                seen += inst == centre.instance
            light.take(at_edges, edges)
            coverage[edges] = (seen / n)[edges]
    else:
        seen = np.zeros((H, W), np.int32)
        for s, (offset, subpixel) in enumerate(samples):
            run(offset, subpixel, s, 1, n, ALL_PIXELS, 1.0 / n, light)
            seen += inst == centre.instance
        coverage = (seen / n).astype(np.float32)
    open_fraction = light.open_fraction
    if ao_rays and ao_filter_px:
        open_fraction = _smoothed(open_fraction, centre, ao_filter_px)
    rgb = light.rgb + light.sky * open_fraction[..., None]
    if len(lighting.lamps):
        lamp_share = np.divide(light.lamp_seen, light.lamp_total,
                               out=np.ones_like(light.lamp_seen), where=light.lamp_total > 0)
        if ao_filter_px and lighting.shadows:
            lamp_share = _smoothed(lamp_share, centre, ao_filter_px)
        rgb += light.lamp * lamp_share[..., None]
    return rgb, coverage


def _smoothed(share: np.ndarray, centre: FrameResult, radius: int) -> np.ndarray:
    out = np.empty_like(share)
    smooth_on_surfaces(share, centre.instance, centre.depth, centre.normal, radius, out)
    return out


def _mip_arrays(table: MipTable) -> tuple[np.ndarray, ...]:
    return (table.texels, table.level_start, table.level_width, table.level_height,
            table.n_levels)
