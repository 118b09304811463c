"""Section 8, image statistics per shipped scene: the realism check of issue 20
(``simengine.report.image_stats``) on the clean camera images of a few samples of every
scene in ``scenes/``: luminance power-spectrum slope (natural images: about -2 in power),
HSV saturation, RMS contrast of log10 luminance, Michelson contrast, mean luminance. Not a
timing: a table of figures to compare before and after a change to the camera's look."""

from __future__ import annotations

import sys
from pathlib import Path

import simengine
from simengine.report.image_stats import aggregate, single_image_statistics

COLUMNS = (("power_slope", "slope"), ("saturation_mean", "sat mean"),
           ("saturation_p50", "sat p50"), ("saturation_p90", "sat p90"),
           ("rms_contrast", "RMS log C"), ("michelson_contrast", "Michelson"),
           ("mean_luminance", "mean L"))


def scene_image_statistics(scene: Path, seed: int, samples: int) -> dict[str, dict[str, float]]:
    """Camera name -> aggregate statistics over samples 0..samples-1 (every capture)."""
    engine = simengine.Engine(scene, seed)
    per: dict[str, list[dict[str, float]]] = {}
    for k in range(samples):
        out = engine.sample(k)
        for key, rgb in out.items():
            if key.startswith("camera/") and key.endswith("/rgb"):
                name = key.split("/")[1]
                per.setdefault(name, []).extend(
                    single_image_statistics(im) for im in rgb.reshape(-1, *rgb.shape[-3:]))
    return {name: aggregate(v) for name, v in per.items()}


def bench_image_statistics(scenes: list[Path], seed: int, samples: int) -> None:
    header = ("scene / camera", "images", *(c for _, c in COLUMNS))
    cells = [header]
    for scene in scenes:
        for cam, s in scene_image_statistics(scene, seed, samples).items():
            cells.append((f"{scene.stem} / {cam}", str(int(s["images"])),
                          *(f"{s[k]:.3f}±{s[k + '_std']:.3f}" for k, _ in COLUMNS)))
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]

    def line(c: tuple[str, ...]) -> str:
        return "  ".join(f"{v:<{w}}" if i == 0 else f"{v:>{w}}"
                         for i, (v, w) in enumerate(zip(c, widths, strict=True)))

    rule = "-" * len(line(header))
    print(f"\n8. Image statistics per shipped scene (mean±std over images)\n{rule}\n"
          f"{line(header)}\n{rule}")
    for c in cells[1:]:
        print(line(c))
    print(rule)
    print(f"  seed {seed}, samples 0..{samples - 1}, every capture; slope: log-log power of "
          "linear luminance over 4 cycles/image..0.25 cycles/px (natural images about -2: "
          "van der Schaaf & van Hateren 1996); sat: OpenCV HSV S in 0..1; RMS log C: std of "
          "log10 luminance; Michelson: 1st/99th luminance percentiles")
    sys.stdout.flush()
