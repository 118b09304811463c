"""ImageNet-C (Hendrycks & Dietterich, ICLR 2019): 15 corruptions in four groups and the
4 held-out extras, 5 severities each.

The registry's ImageNet-C corruptions already carry the published parameter tables
(docs/references.md#imagenet-c), so every entry takes its levels from there; the suite
fixes the benchmark's list, names, grouping and order (the order of the paper's Figure 1,
which mCE tables follow). The extras are the paper's validation corruptions, not part of
mCE.
"""

from __future__ import annotations

from .base import Suite, SuiteEntry

_GROUPS = {
    "noise": ("gaussian_noise", "shot_noise", "impulse_noise"),
    "blur": ("defocus_blur", "glass_blur", "motion_blur", "zoom_blur"),
    "weather": ("snow", "frost", "fog", "brightness"),
    "digital": ("contrast", "elastic_transform", "pixelate", "jpeg_compression"),
    "extra": ("speckle_noise", "gaussian_blur", "spatter", "saturate"),
}

SUITE = Suite(
    name="imagenet_c",
    title="ImageNet-C (Hendrycks & Dietterich, ICLR 2019)",
    reference="imagenet-c",
    scale=("1", "2", "3", "4", "5"),
    entries=tuple(SuiteEntry(name, name, group=group)
                  for group, members in _GROUPS.items() for name in members),
    doc="15 corruptions (noise, blur, weather, digital) + 4 extras (speckle_noise, "
        "gaussian_blur, spatter, saturate), severities 1-5; mCE averages the 15.",
)
