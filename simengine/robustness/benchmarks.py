"""The benchmarks ``simengine score`` knows: their severity scale, the corruptions their mean
scores average, the score functions and the baseline they normalise by by default.

A benchmark's corruption list is its suite's (``simengine.corruptions.suites``) when that
suite is registered, so names always match the store's; otherwise the list published with
the benchmark (names as its code spells them), or, for KITTI-C without a registered suite,
whatever corruptions the store's sets of that suite hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..corruptions import suites
from ..errors import UserError
from . import scores

ROBO3D = ("fog", "wet_ground", "snow", "motion_blur", "beam_missing", "crosstalk",
          "incomplete_echo", "cross_sensor")
MULTICORRUPT = ("beamsreducing", "brightness", "dark", "fog", "missingcamera", "motionblur",
                "pointsreducing", "snow", "spatialmisalignment", "temporalmisalignment")


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str
    reference: str  # docs/references.md anchor of the score definitions
    severities: int
    published: tuple[str, ...]  # the corruption list if no suite is registered ("": none)
    default_baseline: str | None  # a name of ``baselines.BASELINES``
    baseline_kind: str  # what the score functions take from a baseline: "error" | "score"
    headline: tuple[str, ...]  # the summary scores, most important first

    def corruptions(self) -> tuple[str, ...]:
        """Every corruption of the benchmark, in its order (empty: not known here)."""
        if self.name in suites.names():
            return suites.get(self.name).names()
        return self.published

    def averaged(self) -> tuple[str, ...]:
        """The corruptions the mean scores average (ImageNet-C leaves out its 4 extras)."""
        if self.name in suites.names():
            return tuple(e.name for e in suites.get(self.name).entries if e.group != "extra")
        return self.published

    def compute(self, table: dict[str, list[float]], clean: float,
                baseline: dict | None, mean_over: list[str]) -> dict:
        return _COMPUTE[self.name](table, clean, baseline, mean_over)


def _imagenet_c(table, clean, baseline, mean_over):
    errors = {c: [1.0 - v for v in vs] for c, vs in table.items()}
    return scores.imagenet_c(errors, 1.0 - clean, baseline["corruptions"], baseline["clean"],
                             mean_over)


def _robo3d(table, clean, baseline, mean_over):
    return scores.robo3d(table, clean, baseline and baseline["corruptions"], mean_over)


def _multicorrupt(table, clean, baseline, mean_over):
    return scores.multicorrupt(table, clean, baseline and baseline["corruptions"], mean_over)


def _kitti_c(table, clean, baseline, mean_over):
    return scores.kitti_c(table, clean, mean_over)


_COMPUTE: dict[str, Callable[..., dict]] = {
    "imagenet_c": _imagenet_c, "robo3d": _robo3d, "multicorrupt": _multicorrupt,
    "kitti_c": _kitti_c}

BENCHMARKS = {
    "imagenet_c": Benchmark("imagenet_c", "ImageNet-C (Hendrycks & Dietterich, ICLR 2019)",
                            "imagenet-c-scores", 5, (), "alexnet", "error",
                            ("mCE", "relative_mCE", "mCE_unnormalized")),
    "robo3d": Benchmark("robo3d", "Robo3D (Kong et al., ICCV 2023)", "robo3d-scores", 3,
                        ROBO3D, None, "score", ("mCE", "mRR")),
    "multicorrupt": Benchmark("multicorrupt", "MultiCorrupt (Beemelmanns et al., IV 2024)",
                              "multicorrupt-scores", 3, MULTICORRUPT, None, "score",
                              ("mRA", "mRRA")),
    "kitti_c": Benchmark("kitti_c", "KITTI-C (Dong et al., CVPR 2023)", "kitti-c-scores", 5,
                         (), None, "score", ("mCE", "mRCE")),
}


def get(name: str) -> Benchmark:
    if name not in BENCHMARKS:
        raise UserError(f"--benchmark: unknown benchmark {name!r}; known: "
                        f"{', '.join(sorted(BENCHMARKS))}")
    return BENCHMARKS[name]
