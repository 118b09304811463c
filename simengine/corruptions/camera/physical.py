"""Camera corruptions that use the simulator's ground truth (depth, flow, K) or its sensor
model: fog from metric depth, thin-lens defocus, motion blur along the true optical flow,
low light with raw-domain noise, lens dirt and colour quantisation.

Input: one uint8 (H, W, 3) sRGB image; output uint8 of the same shape. Light-transport
effects (fog, defocus, motion blur, low light) work on linear light: the image is decoded
with the IEC 61966-2-1 sRGB curve (``decode_srgb``), changed, and encoded back
(``encode_srgb``), as our camera's ``effects.develop`` encodes it.

Severity tables (our choices, documented per corruption):

====================  ===============================================  =======================
corruption            parameter                                        severity 1 … 5
====================  ===============================================  =======================
depth_fog             meteorological optical range MOR, m              300, 150, 75, 40, 20
depth_defocus         (focal length m, f-number) → aperture f/N        50 mm, f/16, 8, 4, 2, 1.4
velocity_motion_blur  exposure time, s                                 1/120 1/60 1/30 1/15 1/8
low_light             exposure reduction, stops                        1, 2, 3, 4, 5
lens_dirt             image fraction behind opaque dirt (α > 0.5)      .02, .05, .10, .18, .30
color_quantization    bits per channel                                 5, 4, 3, 2, 1
====================  ===============================================  =======================

MOR 300 m … 20 m spans moderate (200–500 m), thick (50–200 m) and dense (< 50 m) fog of
the international visibility code; a tabletop scene a few metres deep fogs only slightly,
while its sky (no hit: infinitely far) turns to airlight at every severity. The airlight is
the scene's own (``context["airlight"]``, ``scene_light``: its horizon sky, or in a closed
room fog lit by its light); a bare image without a scene gets a grey ``FOG_AIRLIGHT``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import cv2
import numpy as np

from ...sensors.camera.effects import READ_OFFSET, READ_SLOPE, SHOT_RANGE, develop
from ..base import Result, register
from .blur import disk_kernel
from .imagenet_c import check_rgb8


@functools.cache
def _srgb_tables() -> tuple[np.ndarray, np.ndarray]:
    """(decode: 256 codes -> linear float32, encode: 65536 linear bins -> code uint8)."""
    v = np.arange(256, dtype=np.float64) / 255.0
    decode = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    x = np.arange(65536, dtype=np.float64) / 65535.0
    tone = np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)
    encode = np.floor(255.0 * tone + 0.5).astype(np.uint8)
    return decode.astype(np.float32), encode


def decode_srgb(image: np.ndarray) -> np.ndarray:
    """uint8 sRGB -> float32 linear light in [0, 1]."""
    check_rgb8(image)
    return _srgb_tables()[0][image]


def encode_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear light (clipped to [0, 1]) -> uint8 sRGB through a 16-bit table (the code of
    the nearest of 65536 levels: at most one code off next to a decision threshold)."""
    index = np.clip(linear, 0.0, 1.0) * np.float32(65535.0) + np.float32(0.5)
    return _srgb_tables()[1][index.astype(np.uint16)]


def ray_range_factor(K: np.ndarray, height: int, width: int) -> np.ndarray:
    """|ray| / z per pixel (H, W) float32: range along the line of sight = z-depth × this."""
    fx, fy, cx, cy = float(K[0, 0]), float(K[1, 1]), float(K[0, 2]), float(K[1, 2])
    u = (np.arange(width, dtype=np.float32) - np.float32(cx)) / np.float32(fx)
    v = (np.arange(height, dtype=np.float32) - np.float32(cy)) / np.float32(fy)
    return np.sqrt(1.0 + u[None, :] ** 2 + v[:, None] ** 2)


FOG_AIRLIGHT = 0.8  # a bright overcast horizon, linear (sRGB code ≈ 231): without a scene
CONTRAST_THRESHOLD = 0.05  # Koschmieder: MOR is where contrast falls to 5 %


def airlight_of(context: Mapping[str, Any]) -> np.ndarray:
    """(3,) float32 linear airlight: the scene's (``scene_light``), else a grey 0.8."""
    if "airlight" in context:
        return np.asarray(context["airlight"], np.float32).reshape(3)
    return np.full(3, FOG_AIRLIGHT, np.float32)


def koschmieder(linear: np.ndarray, depth: np.ndarray, K: np.ndarray, mor_m: float,
                airlight: np.ndarray | float = FOG_AIRLIGHT
                ) -> tuple[np.ndarray, np.ndarray]:
    """(fogged linear image, transmission (H, W)): t = exp(−β·r), out = t·L + A·(1 − t),
    β = ln 20 / MOR, r the range along each pixel's ray; no hit (depth 0) is airlight A
    (a linear RGB triple or a grey)."""
    depth = np.asarray(depth, dtype=np.float32)
    height, width = depth.shape
    beta = math.log(1.0 / CONTRAST_THRESHOLD) / mor_m
    distance = depth * ray_range_factor(np.asarray(K), height, width)
    transmission = np.where(depth > 0, np.exp(np.float32(-beta) * distance), np.float32(0.0))
    t = transmission[..., None]
    return linear * t + np.asarray(airlight, np.float32) * (1.0 - t), transmission


@register("depth_fog", "camera", "meteorological optical range MOR in metres (extinction "
          "β = ln 20 / MOR)", (300.0, 150.0, 75.0, 40.0, 20.0), needs=("depth", "K"))
def depth_fog(image: np.ndarray, mor_m: float, rng: np.random.Generator,
              context: Mapping[str, Any]) -> Result:
    """Koschmieder's law on linear light: t = exp(−β·r), out = t·L + A·(1 − t), with r the
    range along each pixel's ray (z-depth × |ray|/z) and A the scene's airlight (module
    docstring; recorded as airlight_r/g/b); pixels without a hit (depth 0, the sky) are
    airlight. Deterministic. ``mask``: t < 0.05, i.e. farther than the MOR, where the scene
    is invisible by the definition of MOR."""
    beta = math.log(1.0 / CONTRAST_THRESHOLD) / mor_m
    airlight = airlight_of(context)
    out, transmission = koschmieder(decode_srgb(image), context["depth"], context["K"], mor_m,
                                    airlight)
    return Result(encode_srgb(out), {"mor_m": mor_m, "extinction_per_m": beta,
                                     **airlight_params(airlight),
                                     "mean_transmission": float(transmission.mean())},
                  transmission < CONTRAST_THRESHOLD)


def airlight_params(airlight: np.ndarray) -> dict[str, float]:
    return {f"airlight_{c}": float(v) for c, v in zip("rgb", airlight, strict=True)}


COC_RADII = np.array([0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0])  # layers: pillbox radii, px
MAX_COC_RADIUS = float(COC_RADII[-1])


def _disk_blur(x: np.ndarray, radius: float) -> np.ndarray:
    """Pillbox blur; radii ≥ 2 px run at 1/2, ≥ 6 px at 1/4 resolution (4–16× cheaper; the
    detail lost there is finer than the blur removes anyway)."""
    if radius < 0.5:
        return x
    factor = 1 if radius < 2 else 2 if radius < 6 else 4
    if factor == 1:
        return cv2.filter2D(x, -1, disk_kernel(radius, 0.5), borderType=cv2.BORDER_REFLECT_101)
    height, width = x.shape[:2]
    small = cv2.resize(x, (width // factor, height // factor), interpolation=cv2.INTER_AREA)
    small = cv2.filter2D(small, -1, disk_kernel(radius / factor, 0.5),
                         borderType=cv2.BORDER_REFLECT_101)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


@register("depth_defocus", "camera", "(focal length m, f-number): aperture A = f/N; circle "
          "of confusion c = A·fx·|d − d_f| / (d·(d_f − f)) px",
          ((0.05, 16.0), (0.05, 8.0), (0.05, 4.0), (0.05, 2.0), (0.05, 1.4)),
          needs=("depth", "K"))
def depth_defocus(image: np.ndarray, level: tuple[float, float], rng: np.random.Generator,
                  context: Mapping[str, Any]) -> Result:
    """Thin-lens defocus around a focus distance d_f drawn log-uniformly between the 5th and
    95th percentile of the scene's depth (near or far focus; one draw). The CoC diameter in
    pixels is A·fx·|d − d_f| / (d·(d_f − f)), with d = ∞ where nothing was hit; the 50 mm
    focal length is nominal (only A = f/N and fx set the blur; f only enters d_f − f).

    Layered gather blur: the linear image is blurred with pillboxes of radii ``COC_RADII``
    (0, 1, 2, 4, … 32 px; capped at 32) and each pixel interpolates between the two layers
    around its CoC radius, linearly in r² (so the mix has the spread of a pillbox of its
    own radius). Not occlusion-aware: a blurred background may take colour from a sharp
    foreground edge (a scatter renderer would not)."""
    focal_m, f_number = level
    aperture_m = focal_m / f_number
    linear = decode_srgb(image)
    depth = np.asarray(context["depth"], dtype=np.float32)
    fx = float(np.asarray(context["K"])[0, 0])
    hit = depth[depth > 0]
    near, far = (np.percentile(hit, [5, 95]) if hit.size else (1.0, 10.0))
    focus_m = float(np.exp(rng.uniform(math.log(near), math.log(max(far, near * 1.001)))))
    focus_m = max(focus_m, 1.01 * focal_m)  # a real image needs d_f > f
    inv_depth = np.divide(1.0, depth, out=np.zeros_like(depth), where=depth > 0)
    # |d − d_f| / d = |1 − d_f/d|, finite at d = ∞
    coc_diameter = (aperture_m * fx / (focus_m - focal_m)) * np.abs(1.0 - focus_m * inv_depth)
    coc_radius = np.minimum(coc_diameter / 2, MAX_COC_RADIUS).astype(np.float32)

    # tent weights in r²: a mix of pillboxes r_k, r_k+1 has the second moment of radius r
    squared = (COC_RADII**2).astype(np.float32)
    q = coc_radius * coc_radius
    out, total = None, None
    for k in range(int(np.searchsorted(squared, q.max())) + 1):
        rising = (q - squared[k - 1]) / (squared[k] - squared[k - 1]) if k else 1.0
        falling = ((squared[k + 1] - q) / (squared[k + 1] - squared[k])
                   if k + 1 < len(squared) else 1.0)
        weight = np.clip(np.minimum(rising, falling), 0.0, 1.0)
        if not weight.any():
            continue
        layer = _disk_blur(linear, float(COC_RADII[k]))
        if out is None:
            out, total = layer.copy(), weight
        else:  # running weighted mean (w₁·a + w₂·b)/(w₁ + w₂), one SIMD pass per layer
            out = cv2.blendLinear(out, layer, total, weight)
            total = total + weight
    return Result(encode_srgb(out), {
        "focal_length_m": focal_m, "f_number": f_number, "aperture_m": aperture_m,
        "focus_distance_m": focus_m, "max_coc_px": float(2 * coc_radius.max()),
        "mean_coc_px": float(2 * coc_radius.mean())})


MAX_BLUR_SAMPLES = 16
BLUR_SAMPLE_SPACING_PX = 2.0


@register("velocity_motion_blur", "camera", "exposure time in seconds (blur = flow × "
          "exposure / frame interval)", (1 / 120, 1 / 60, 1 / 30, 1 / 15, 1 / 8),
          needs=("flow", "frame_interval_s"))
def velocity_motion_blur(image: np.ndarray, exposure_s: float, rng: np.random.Generator,
                         context: Mapping[str, Any]) -> Result:
    """Per-pixel blur along the true optical flow: the flow over the frame interval is the
    image-plane velocity (assumed constant, also for exposures longer than the interval);
    each pixel averages n samples of the linear image along −v·τ, τ uniform over the
    exposure centred on the capture time: n = ceil(longest blur / 2) + 1 (samples ≤ 2 px
    apart, bilinear), at most 16 (blurs over 30 px are sampled sparser; each sample is one
    cv2.remap, ≈ 2 ms at 640 × 480). Deterministic."""
    linear = decode_srgb(image)
    flow = np.asarray(context["flow"], dtype=np.float32)
    interval = float(context["frame_interval_s"])
    if not interval > 0.0:
        raise ValueError(f"velocity_motion_blur: frame_interval_s must be > 0, got {interval}")
    blur = flow * np.float32(exposure_s / interval)  # pixels travelled during the exposure
    length = np.sqrt(blur[..., 0] ** 2 + blur[..., 1] ** 2)
    n = int(min(MAX_BLUR_SAMPLES,
                max(2, math.ceil(float(length.max()) / BLUR_SAMPLE_SPACING_PX) + 1)))
    height, width = length.shape
    cols = np.broadcast_to(np.arange(width, dtype=np.float32), (height, width)).copy()
    rows = np.broadcast_to(np.arange(height, dtype=np.float32)[:, None], (height, width)).copy()
    blur_x, blur_y = np.ascontiguousarray(blur[..., 0]), np.ascontiguousarray(blur[..., 1])
    out = np.zeros_like(linear)
    for tau in np.linspace(-0.5, 0.5, n):
        # fixed-point maps: the remap itself runs ~30 % faster
        map_xy, map_frac = cv2.convertMaps(cv2.scaleAdd(blur_x, -tau, cols),
                                           cv2.scaleAdd(blur_y, -tau, rows), cv2.CV_16SC2)
        cv2.add(out, cv2.remap(linear, map_xy, map_frac, cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE), dst=out)
    out *= np.float32(1.0 / n)
    return Result(encode_srgb(out), {"exposure_s": exposure_s, "frame_interval_s": interval,
                                     "max_blur_px": float(length.max()),
                                     "mean_blur_px": float(length.mean()),
                                     "samples": float(n)})


# The raw-noise model's noisiest sensor (docs/references.md#raw-noise): shot at the top of
# its range, read from the log-linear fit without its scatter.
LOW_LIGHT_SHOT = SHOT_RANGE[1]
LOW_LIGHT_READ = math.exp(READ_SLOPE * math.log(LOW_LIGHT_SHOT) + READ_OFFSET)


@register("low_light", "camera", "exposure reduction in stops (linear light × 2^−stops), "
          "then Poisson–Gaussian raw noise shot 0.012, read 2.16e-4", (1, 2, 3, 4, 5))
def low_light(image: np.ndarray, stops: float, rng: np.random.Generator,
              context: Mapping[str, Any]) -> Result:
    """Less light on the same sensor, no extra gain: linear light × 2^−stops, raw noise of
    variance shot·x + read, clip, sRGB encode and quantise, all by our camera's
    ``effects.develop`` (its Numba kernel; noise is the Poisson–Gaussian two-moment
    approximation). Draws one standard normal per channel value."""
    linear = decode_srgb(image)
    gain = 2.0 ** -float(stops)
    out, _ = develop(linear, np.eye(3), {
        "exposure_gain": gain, "vignetting": None, "gamma": "srgb",
        "noise": {"shot": LOW_LIGHT_SHOT, "read": LOW_LIGHT_READ}}, rng)
    return Result(out, {"stops": stops, "exposure_gain": gain, "noise_shot": LOW_LIGHT_SHOT,
                        "noise_read": LOW_LIGHT_READ})


DIRT_RGB = np.float32([0.28, 0.25, 0.21])  # dried mud / dust seen against the light


@register("lens_dirt", "camera", "fraction of the image behind opaque dirt (occlusion "
          "> 0.5); blotch size and defocus relative to the short side",
          (0.02, 0.05, 0.10, 0.18, 0.30))
def lens_dirt(image: np.ndarray, coverage: float, rng: np.random.Generator,
              context: Mapping[str, Any]) -> Result:
    """Semi-transparent blotches on the lens, out of focus. Two octaves of smooth noise
    (cells 1/10 and 1/30 of the short side), thresholded, give the blotches; opacity rises
    over a soft rim to 0.95 and is blurred by σ = 1 % of the short side (the dirt sits far
    in front of the focus), all at 1/4 resolution. The threshold is bisected so that the
    fraction with α > 0.5 is the level's coverage. out = (1 − α)·x + α·dirt.
    ``mask``: α > 0.5."""
    check_rgb8(image)
    height, width = image.shape[:2]
    short = min(height, width)
    work = (max(8, height // 4), max(8, width // 4))  # the field is smooth: 1/4 resolution
    field = np.zeros(work, np.float32)
    for cells, weight in ((10, 0.7), (30, 0.3)):
        grid = rng.random((cells * height // short + 2, cells * width // short + 2),
                          dtype=np.float32)
        field += weight * cv2.resize(grid, work[::-1], interpolation=cv2.INTER_CUBIC)
    sigma = 0.01 * short
    work_sigma = sigma * work[0] / height

    def occlusion(threshold: float) -> np.ndarray:
        # opacity rises over a soft rim to 0.95; then the defocus blur (at work resolution)
        alpha = np.clip((field - threshold) / np.float32(0.02) + 0.5, 0.0, 1.0) * 0.95
        ksize = 2 * math.ceil(3 * work_sigma) + 1
        return cv2.GaussianBlur(alpha.astype(np.float32), (ksize, ksize), work_sigma)

    # the blur shrinks small blotches: bisect the threshold for the covered fraction
    lo, hi = float(field.min()), float(field.max())
    for _ in range(16):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if np.mean(occlusion(mid) > 0.5) > coverage else (lo, mid)
    alpha = cv2.resize(occlusion(0.5 * (lo + hi)), (width, height),
                       interpolation=cv2.INTER_LINEAR)[..., None]
    x = image.astype(np.float32) * np.float32(1 / 255)
    out = x * (1.0 - alpha) + alpha * DIRT_RGB
    mask = alpha[..., 0] > 0.5
    out8 = (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)
    return Result(out8, {"coverage_target": coverage, "covered_fraction": float(mask.mean()),
                         "mean_occlusion": float(alpha.mean()), "defocus_sigma_px": sigma},
                  mask)


@register("color_quantization", "camera", "bits per channel (2^bits evenly spaced levels, "
          "nearest, no dithering)", (5, 4, 3, 2, 1))
def color_quantization(image: np.ndarray, bits: int, rng: np.random.Generator,
                       context: Mapping[str, Any]) -> Result:
    """Each channel to the nearest of 2^bits levels k·255/(2^bits − 1), by table lookup.
    Ordered dithering is not applied. Deterministic."""
    check_rgb8(image)
    top = 2 ** int(bits) - 1
    codes = np.arange(256, dtype=np.float64)
    table = np.floor(np.floor(codes * top / 255 + 0.5) * 255 / top + 0.5).astype(np.uint8)
    return Result(cv2.LUT(image, table), {"bits": bits, "levels": float(top + 1)})
