"""The camera's quality presets: what ``quality: draft | standard | high`` sets when the
scene leaves it unset, and what each costs (measured by tools/bench.py, section 2).

- ``draft``: one ray per pixel through the fast renderer (Lambert, hard shadows, flat
  ambient; ``_kernels.render_tiles``) — today's speed. Under a physical sky it takes the
  light as ``lighting.draft_scene`` gives it (white sun, sky and lamps as one ambient term,
  the sky's zenith-to-horizon gradient as the background, in cd/m²), then the camera
  response.
- ``standard``: 4 samples per pixel (anti-aliasing; each sample also takes one point of the
  sun's disc and of every lamp: soft shadows), one ambient-occlusion ray per sample, the
  open fraction smoothed over 5×5 pixels of the same surface, textures filtered by the
  samples.
- ``high``: 16 samples per pixel, 2 ambient-occlusion rays per sample, smoothed over 3×3.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Quality:
    name: str
    samples_per_pixel: int
    ao_rays: int  # per sample
    physically_based: bool  # the PBR pass even under the relative light
    ao_filter_px: int  # the open fraction's edge-aware smoothing radius (_denoise_kernels)


PRESETS = {
    "draft": Quality("draft", 1, 0, False, 0),
    "standard": Quality("standard", 4, 1, True, 2),
    "high": Quality("high", 16, 2, True, 1),
}


def resolve(params: dict) -> Quality:
    """The preset of a camera's parameters, with its explicit overrides applied."""
    q = PRESETS[params.get("quality") or "draft"]
    spp = params.get("samples_per_pixel")
    ao = params.get("ao_rays")
    return Quality(q.name, q.samples_per_pixel if spp is None else int(spp),
                   q.ao_rays if ao is None else int(ao), q.physically_based, q.ao_filter_px)
