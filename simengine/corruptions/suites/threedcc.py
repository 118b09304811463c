"""3D Common Corruptions (Kar et al., CVPR 2022; docs/references.md#3dcc): the corruptions of
its generator (github EPFL-VILAB/3DCommonCorruptions, ``create_3dcc/``), 5 severities each,
under the generator's own names and in its order (create_3dcc.py), with the values of its
code per severity.

Depth-aware entries run on our metric depth and intrinsics. Entries the registry already had
(depth_fog, low_light) run at the 3DCC values converted to their parameters (``to_level``);
the rest are registry corruptions of ``camera/threedcc.py`` at the same values.

The generator's shadow and multi-illumination multiply the image by Blender renders of the
scene under other lights; here those lights act on our depth and normals (``shadow``: an
added occluder's shadow, whose shadowed share is ours per severity, the generator's being
its relit renders ordered brightest first; ``multi_illumination``: 5 … 1 lights as the
generator mixes). Its occlusion and scale are views of a scanned building it selects from
amodal masks, with no per-severity table; here they are physical and their levels ours
(``camera/view_change.py``: the share of the image an occluder close in front of the camera
hides, and the magnification of the median-depth plane as the camera moves nearer).
"""

from __future__ import annotations

import math

from .base import Suite, SuiteEntry

# create_3dcc/dataset.py:74: Taskonomy depth (PNG units of 1/512 m) divided by 8000, so the
# fog's α multiplies depth in units of 8000/512 = 15.625 m.
TASKONOMY_DEPTH_UNIT_M = 8000.0 / 512.0
LN_20 = math.log(20.0)  # Koschmieder: MOR where the transmission falls to 5 %


def fog_alpha_to_mor(alpha: float) -> float:
    """create_fog.py's t = exp(−α·depth/15.625 m) as our MOR: ln 20 / (α / 15.625 m)."""
    return LN_20 * TASKONOMY_DEPTH_UNIT_M / alpha


def low_light_to_stops(peak: float) -> float:
    """create_non3d.py's low_light maps codes onto [0, c] (gamma 2 within); the brightest
    code falls by c, i.e. linear light by c^2.2: 2.2·log2(1/c) stops."""
    return 2.2 * math.log2(1.0 / peak)


SUITE = Suite(
    name="3dcc",
    title="3D Common Corruptions (Kar et al., CVPR 2022)",
    reference="3dcc",
    scale=("1", "2", "3", "4", "5"),
    entries=(
        SuiteEntry("near_focus", "near_focus", (3.0, 4.0, 5.0, 6.0, 7.0),
                   group="depth_of_field"),
        SuiteEntry("far_focus", "far_focus", (1.5, 2.5, 3.5, 4.5, 5.5),
                   group="depth_of_field"),
        SuiteEntry("xy_motion_blur", "xy_motion_blur", (20, 30, 40, 50, 60),
                   group="camera_motion"),
        SuiteEntry("z_motion_blur", "z_motion_blur", (20, 25, 30, 35, 38),
                   group="camera_motion"),
        SuiteEntry("fog_3d", "depth_fog", (4, 8, 12, 16, 20),
                   parameter="α per Taskonomy depth unit (15.625 m): MOR = ln 20·15.625 m / α",
                   group="weather", to_level=fog_alpha_to_mor),
        SuiteEntry("low_light", "low_light", (0.60, 0.50, 0.40, 0.30, 0.20),
                   parameter="peak code c the image is mapped onto (gamma 2): "
                             "2.2·log2(1/c) stops less light",
                   group="noise", to_level=low_light_to_stops),
        SuiteEntry("color_quant", "posterize", (5, 4, 3, 2, 1), group="noise"),
        SuiteEntry("iso_noise", "iso_noise",
                   tuple(0.7 * c for c in (0.08, 0.12, 0.18, 0.26, 0.38)), group="noise"),
        SuiteEntry("flash", "flash", (2.4, 1.4, 0.9, 0.6, 0.4), group="lighting"),
        SuiteEntry("shadow", "shadow", group="lighting"),
        SuiteEntry("multi_illumination", "multi_illumination", (5, 4, 3, 2, 1),
                   group="lighting"),
        SuiteEntry("h265_crf", "h265_crf", (24, 26, 32, 39, 41), group="video"),
        SuiteEntry("h265_abr", "h265_abr", (2, 4, 8, 16, 32),
                   parameter="divisor of the bit budget (the frame's H.264 CRF 23 bytes / "
                             "divisor), libx265 at the lowest QP that fits it",
                   group="video"),
        SuiteEntry("bit_error", "bit_error", (100000, 50000, 30000, 20000, 10000),
                   parameter="N: each byte of the coded slices replaced with probability 1/N",
                   group="video"),
        SuiteEntry("occlusion", "occlusion", group="view"),
        SuiteEntry("scale", "scale", group="view"),
    ),
    doc="the 16 3DCC corruption types (depth of field, camera motion, 3D fog, noise, "
        "lighting, H.265 and bit errors, view changes), severities 1-5, on metric depth; "
        "the view changes' levels are ours (3DCC selects views, with no table).",
)
