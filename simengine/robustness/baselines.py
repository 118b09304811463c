"""Published baseline results the benchmark scores normalise by, shipped with their sources.

Values are fractions (0..1), per corruption under the benchmark's own names, one value per
severity of the benchmark's scale (lowest first), plus the clean value:

- ``alexnet``: ImageNet-C top-1 **errors** of AlexNet, the normaliser of mCE and relative
  mCE (docs/references.md#imagenet-c-scores). Per-severity errors as published in the
  README of hendrycks/robustness (commit 76d9393, 2019-10-10, table "AlexNet ImageNet-C
  Error"; later replaced there by a link to a spreadsheet); clean error 43.5 %, the
  paper's AlexNet "Error" in its table of results.
- ``minkunet18_semantickitti_c``: Robo3D's segmentation baseline, MinkUNet-18 (cr 1.0) on
  SemanticKITTI-C, **mIoU** per corruption averaged over the three levels, as published in
  ``docs/GET_STARTED.md`` of ldkong1205/Robo3D (docs/references.md#robo3d-scores). Robo3D
  normalises by these averages, so each corruption holds one value, used at every level.
- ``bevfusion_multicorrupt``: MultiCorrupt's baseline BEVFusion, **NDS** per corruption and
  severity, ``evaluation/evaluations_nds.csv`` of ika-rwth-aachen/MultiCorrupt
  (docs/references.md#multicorrupt-scores).

Each is a :class:`Baseline`; ``kind`` says whether the values are errors (lower is better)
or scores (higher is better).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Baseline:
    name: str
    benchmark: str
    kind: str  # "error" or "score"
    clean: float | None
    corruptions: dict[str, tuple[float, ...]]  # name -> value per severity (or 1: average)
    source: str

    def to_dict(self) -> dict:
        return {"name": self.name, "benchmark": self.benchmark, "kind": self.kind,
                "clean": self.clean,
                "corruptions": {k: list(v) for k, v in self.corruptions.items()},
                "source": self.source}


# hendrycks/robustness README at 76d9393: "Use these values to normalize raw corruption error
# to calculate mCE"; columns severity 1..5 (its "Average" column is their mean).
ALEXNET_ERRORS = {
    "gaussian_noise": (0.69528, 0.82542, 0.93554, 0.98138, 0.99452),
    "shot_noise": (0.71224, 0.85108, 0.93574, 0.98182, 0.99146),
    "impulse_noise": (0.78374, 0.89808, 0.94870, 0.98720, 0.99548),
    "defocus_blur": (0.65624, 0.73202, 0.85036, 0.91364, 0.94714),
    "glass_blur": (0.64308, 0.75054, 0.88806, 0.91622, 0.93344),
    "motion_blur": (0.58430, 0.70048, 0.82108, 0.89750, 0.92638),
    "zoom_blur": (0.70008, 0.76992, 0.80784, 0.84198, 0.87198),
    "snow": (0.71726, 0.88392, 0.86468, 0.91870, 0.94952),
    "frost": (0.61390, 0.79734, 0.88790, 0.89942, 0.93430),
    "fog": (0.67474, 0.76050, 0.84378, 0.87260, 0.94500),
    "brightness": (0.45140, 0.48502, 0.54048, 0.62166, 0.72440),
    "contrast": (0.64548, 0.76150, 0.88874, 0.97760, 0.99270),
    "elastic_transform": (0.52596, 0.70116, 0.55686, 0.64076, 0.80554),
    "pixelate": (0.52218, 0.54620, 0.73728, 0.87092, 0.91262),
    "jpeg_compression": (0.51002, 0.54718, 0.57294, 0.65458, 0.74778),
    "speckle_noise": (0.66192, 0.74440, 0.90246, 0.94548, 0.97268),
    "gaussian_blur": (0.54732, 0.70444, 0.82574, 0.89864, 0.95940),
    "spatter": (0.47196, 0.62194, 0.75052, 0.84132, 0.90182),
    "saturate": (0.59342, 0.65514, 0.51174, 0.70834, 0.82260),
}
ALEXNET_CLEAN_ERROR = 0.435  # Hendrycks & Dietterich 2019, AlexNet "Error" 43.5 %

BASELINES = {
    "alexnet": Baseline(
        "alexnet", "imagenet_c", "error", ALEXNET_CLEAN_ERROR, ALEXNET_ERRORS,
        "hendrycks/robustness README (commit 76d9393) 'AlexNet ImageNet-C Error'; clean "
        "error: Hendrycks & Dietterich, ICLR 2019 (AlexNet, 43.5 %)"),
    "minkunet18_semantickitti_c": Baseline(
        "minkunet18_semantickitti_c", "robo3d", "score", 0.6276, {
            "fog": (0.5587,), "wet_ground": (0.5399,), "snow": (0.5328,),
            "motion_blur": (0.3292,), "beam_missing": (0.5632,), "crosstalk": (0.5834,),
            "incomplete_echo": (0.5443,), "cross_sensor": (0.4605,)},
        "ldkong1205/Robo3D docs/GET_STARTED.md, SemanticKITTI-C, MinkUNet_18_cr10 (mIoU, "
        "mean of the three levels)"),
    "bevfusion_multicorrupt": Baseline(
        "bevfusion_multicorrupt", "multicorrupt", "score", 0.7144, {
            "beamsreducing": (0.6396, 0.4899, 0.3199),
            "brightness": (0.6967, 0.6913, 0.6851),
            "dark": (0.699, 0.691, 0.6861),
            "fog": (0.6555, 0.5981, 0.3584),
            "missingcamera": (0.7038, 0.6961, 0.6873),
            "motionblur": (0.6861, 0.6217, 0.5475),
            "pointsreducing": (0.6684, 0.6379, 0.5628),
            "snow": (0.5782, 0.5572, 0.5233),
            "spatialmisalignment": (0.5903, 0.4943, 0.4266),
            "temporalmisalignment": (0.6341, 0.5471, 0.4085)},
        "ika-rwth-aachen/MultiCorrupt evaluation/evaluations_nds.csv, row BEVfusion (NDS)"),
}
