"""Image statistics as a realism check: luminance power-spectrum slope, colour saturation and
contrast of 8-bit sRGB camera images.

Natural images have a luminance power spectrum that falls about as 1/f^2 with spatial
frequency f (amplitude as 1/f): Field 1987; van der Schaaf & van Hateren 1996 (power exponent
1.88 +- 0.43 over 276 calibrated images); Torralba & Oliva 2003 (slopes near -2, varying with
orientation and scene type). Flat-shaded renders of solid colours have large uniform regions
and sharp edges, whose spectra differ from that; these figures say how far a scene's images
are from natural ones (sources: docs/references.md#image-statistics).

Definitions (per image):

- luminance: the sRGB values decoded to linear (IEC 61966-2-1) and weighted by the Rec. 709 /
  sRGB luminance coefficients, so figures are in linear relative luminance in 0..1.
- ``power_slope``: the luminance minus its mean, times a 2-D Hann window (so the image's
  borders do not add a cross of 1/f^2 leakage), Fourier transformed; the power |F|^2 is
  averaged in rings of radial frequency 1/N cycles per pixel wide (N = the shorter side), and
  a straight line is fitted to log10 power against log10 frequency over the band
  ``BAND_CYCLES_PER_PIXEL`` (from 4 cycles per image, above the window's own lobe, up to a
  quarter of the sampling rate, below where anti-aliasing, noise and demosaicing act).
  ``amplitude_slope`` is half of it (natural images: about -1).
- ``saturation_*``: HSV saturation from OpenCV (``cv2.cvtColor(..., COLOR_RGB2HSV)``, 8-bit:
  S = 255 (max - min) / max) scaled to 0..1: mean and the 10th, 50th and 90th percentiles.
- ``rms_contrast``: standard deviation of log10 luminance (luminance floored at 1e-4 so black
  pixels stay finite), the RMS contrast of log luminance used in the natural-image
  literature.
- ``michelson_contrast``: (Lmax - Lmin) / (Lmax + Lmin) with Lmax, Lmin the 99th and 1st
  percentiles of luminance (percentiles so a few hot or dead pixels do not decide it).
- ``mean_luminance``.

An image with no luminance variation in the band (a flat image) has no defined slope: nan.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..assets.look import srgb_to_linear

LUMA_709 = np.array([0.2126, 0.7152, 0.0722])  # linear sRGB primaries, D65 white
BAND_LOW_CYCLES_PER_IMAGE = 4.0
BAND_HIGH_CYCLES_PER_PIXEL = 0.25
LOG_FLOOR = 1e-4
STAT_NAMES = ("power_slope", "amplitude_slope", "saturation_mean", "saturation_p10",
              "saturation_p50", "saturation_p90", "rms_contrast", "michelson_contrast",
              "mean_luminance")


def luminance(rgb: np.ndarray) -> np.ndarray:
    """(H, W) float64 linear relative luminance of an (H, W, 3) uint8 sRGB image."""
    return srgb_to_linear(np.asarray(rgb, np.float64) / 255.0) @ LUMA_709


def radial_power_spectrum(lum: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(frequencies in cycles per pixel, mean power, Fourier coefficients averaged) of a
    Hann-windowed (H, W) image, one ring per 1/N cycles per pixel (N = min(H, W)), DC
    excluded."""
    lum = np.asarray(lum, np.float64)
    H, W = lum.shape
    window = np.outer(np.hanning(H), np.hanning(W))
    power = np.abs(np.fft.fft2((lum - lum.mean()) * window)) ** 2
    radius = np.hypot(*np.meshgrid(np.fft.fftfreq(H), np.fft.fftfreq(W), indexing="ij"))
    n = min(H, W)
    ring = np.rint(radius * n).astype(np.int64)
    counts = np.bincount(ring.ravel())
    sums = np.bincount(ring.ravel(), weights=power.ravel())
    keep = np.flatnonzero(counts[1:]) + 1
    return keep / n, sums[keep] / counts[keep], counts[keep]


def spectral_slope(lum: np.ndarray) -> float:
    """Slope of log10 power against log10 frequency over the stated band (nan if flat)."""
    f, p, count = radial_power_spectrum(lum)
    n = min(np.shape(lum))
    band = (f >= BAND_LOW_CYCLES_PER_IMAGE / n) & (f <= BAND_HIGH_CYCLES_PER_PIXEL) & (p > 0)
    if band.sum() < 3 or p[band].max() <= 1e-20:
        return float("nan")
    # a ring's mean power scatters as 1/sqrt(its coefficient count): weight the fit so
    # (np.polyfit's w is 1/sigma), else the few-coefficient low rings decide the slope
    return float(np.polyfit(np.log10(f[band]), np.log10(p[band]), 1,
                            w=np.sqrt(count[band]))[0])


def single_image_statistics(rgb: np.ndarray) -> dict[str, float]:
    """The statistics of one (H, W, 3) uint8 sRGB image (module docstring)."""
    rgb = np.ascontiguousarray(rgb)
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {rgb.dtype} {rgb.shape}")
    lum = luminance(rgb)
    slope = spectral_slope(lum)
    sat = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)[..., 1].astype(np.float64) / 255.0
    lo, hi = np.percentile(lum, [1, 99])
    p10, p50, p90 = np.percentile(sat, [10, 50, 90])
    return {"power_slope": slope, "amplitude_slope": slope / 2,
            "saturation_mean": float(sat.mean()), "saturation_p10": float(p10),
            "saturation_p50": float(p50), "saturation_p90": float(p90),
            "rms_contrast": float(np.log10(np.maximum(lum, LOG_FLOOR)).std()),
            "michelson_contrast": float((hi - lo) / (hi + lo)) if hi + lo > 0 else 0.0,
            "mean_luminance": float(lum.mean())}


def image_statistics(rgb: np.ndarray) -> dict[str, float]:
    """Statistics of an (H, W, 3) uint8 image, or of a batch (..., H, W, 3): then the mean
    over the images of each statistic and its standard deviation as ``<name>_std`` (nan
    slopes of flat images left out), plus ``images``."""
    rgb = np.asarray(rgb)
    if rgb.ndim == 3:
        return single_image_statistics(rgb)
    per = [single_image_statistics(im) for im in rgb.reshape(-1, *rgb.shape[-3:])]
    return aggregate(per)


def aggregate(per_image: list[dict[str, float]]) -> dict[str, float]:
    """Mean and standard deviation over images of each statistic (finite values only)."""
    out: dict[str, float] = {"images": float(len(per_image))}
    for name in STAT_NAMES:
        v = np.array([s[name] for s in per_image], np.float64)
        v = v[np.isfinite(v)]
        out[name] = float(v.mean()) if v.size else float("nan")
        out[f"{name}_std"] = float(v.std()) if v.size else float("nan")
    return out


def store_image_statistics(path: str, camera: str, max_samples: int = 16
                           ) -> dict[str, float]:
    """The aggregate statistics of ``camera``'s clean rgb images of up to ``max_samples``
    done samples spread evenly over the store (every capture frame of each)."""
    from ..store.reader import StoreReader  # the module itself stays store-free
    from .contact_sheet import pick_samples

    key = f"camera/{camera}/rgb"
    reader = StoreReader(path, keys=[key])
    samples = pick_samples(reader.done_indices(), max(1, max_samples))
    per: list[dict[str, float]] = []
    for k in samples:  # one sample at a time: a store's images can be large
        per += [single_image_statistics(im) for im in reader.read([k])[key][0]]
    return aggregate(per)
