"""Sensor effects on ideal renders: a camera's development pipeline and a stereo depth model.

Pure functions. Every random draw comes from the ``np.random.Generator`` passed in, and each
function returns the parameters it drew or used as ``dict[str, float]`` so the caller can
store them as labels.

``develop`` (linear radiance -> uint8), in this order:

0. camera response, only when one of its keys is given (``response.apply_response``):
   exposure in EV100 (fixed or auto), white balance, filmic tone curve. Without those keys
   nothing of it runs and every output keeps its bytes;
a. exposure: ``x = exposure_gain * linear``;
b. vignetting: ``x *= V(u, v)`` with ``V = cos⁴θ`` (natural falloff, θ the angle of the pixel's
   ray to the optical axis) or ``V = 1 - strength * (r / r_max)²`` with r the radius in
   normalised image coordinates ((u - cx)/fx, (v - cy)/fy) and r_max that of the farthest
   pixel centre;
c. raw noise, heteroscedastic Gaussian: ``x += sqrt(shot * max(x, 0) + read) * N(0, 1)``.
   This is the Poisson–Gaussian model's two-moment approximation used by Brooks et al.,
   "Unprocessing Images for Learned Raw Denoising" (CVPR 2019), the source of the random
   model in docs/references.md#raw-noise (natural logs). Exact Poisson sampling is ~4x
   slower and is not offered;
d. clip to [0, 1];
e. tone curve: ``x ** (1 / gamma)`` or the IEC 61966-2-1 sRGB curve;
f. quantise: ``floor(255 * y + 0.5)`` (round half up, no dithering).
   e and f run as a table of 255 decision thresholds, bit-exact to the float64 formula.

RNG streams: ``develop`` draws only when noise is on ("random": two scalars, then one
standard normal per channel value; fixed: the normals only), so switching noise off never
shifts what the caller draws afterwards beyond this call. ``stereo_depth`` always draws one
standard normal per pixel (holes included), so its consumption depends on the shape only.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np
from numba import prange

from ..._numba import kernel
from .response import RESPONSE_KEYS, apply_response

# docs/references.md#raw-noise: Brooks et al. 2019 random raw-noise model (natural logs).
SHOT_RANGE = (1e-4, 0.012)
READ_SLOPE, READ_OFFSET, READ_LOG_STD = 2.18, 1.20, 0.26
SRGB_THRESHOLD = 0.0031308

_DEVELOP_KEYS = frozenset({"exposure_gain", "vignetting", "noise", "gamma"}) | RESPONSE_KEYS
_OFF = (None, False, 0, 0.0, "off", "none")


def sample_noise_params(rng: np.random.Generator) -> tuple[float, float]:
    """Draw (shot, read) from the random raw-noise model; two draws from ``rng``.

    shot ~ log-uniform(1e-4, 0.012); log(read) = 2.18 log(shot) + 1.20 + N(0, 0.26²).
    Both are in units of the linear signal (read is a variance, shot multiplies x).
    """
    log_shot = rng.uniform(math.log(SHOT_RANGE[0]), math.log(SHOT_RANGE[1]))
    log_read = READ_SLOPE * log_shot + READ_OFFSET + rng.normal(0.0, READ_LOG_STD)
    return math.exp(log_shot), math.exp(log_read)


def optical_rays(K: np.ndarray, height: int, width: int) -> np.ndarray:
    """Unit rays (H, W, 3) float64 through pixel centres, in the OpenCV optical frame."""
    fx, fy, cx, cy = float(K[0, 0]), float(K[1, 1]), float(K[0, 2]), float(K[1, 2])
    u, v = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    rays = np.stack([(u - cx) / fx, (v - cy) / fy, np.ones_like(u)], axis=-1)
    return rays / np.linalg.norm(rays, axis=-1, keepdims=True)


def _corner_r2(K: np.ndarray, height: int, width: int) -> float:
    """Largest squared normalised radius over the pixel centres (reached at a corner)."""
    fx, fy, cx, cy = float(K[0, 0]), float(K[1, 1]), float(K[0, 2]), float(K[1, 2])
    du = max(abs(0.0 - cx), abs(width - 1.0 - cx)) / fx
    dv = max(abs(0.0 - cy), abs(height - 1.0 - cy)) / fy
    return du * du + dv * dv


_LUT_BITS = 16  # start table over [0, 1]; a power of two keeps i / 2**bits <= x exact


def _tone(x: np.ndarray, gamma: float | None) -> np.ndarray:
    """Tone curve in float64: x ** (1/gamma), or sRGB (IEC 61966-2-1) when gamma is None."""
    if gamma is not None:
        return x ** (1.0 / gamma)
    with np.errstate(invalid="ignore"):
        return np.where(x <= SRGB_THRESHOLD, 12.92 * x, 1.055 * x ** (1.0 / 2.4) - 0.055)


def code_tables(gamma: float | None) -> tuple[np.ndarray, np.ndarray]:
    """The tone-curve decision tables (public: the camera's render kernel quantises with
    them directly when no other image effect is on)."""
    return _code_tables(gamma)


@functools.lru_cache(maxsize=16)
def _code_tables(gamma: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Tone curve + quantisation as decision thresholds, bit-exact to the float64 formula.

    ``thresholds[k]`` (k = 1..255) is the smallest float64 x in [0, 1] with
    ``floor(255 * tone(x) + 0.5) >= k``, found by bisection on the float64 bit patterns
    (which order like the values for x >= 0); ``thresholds[0] = -inf``, ``[256] = inf``.
    ``start[i]`` is the code of x = i / 2**_LUT_BITS, a lower bound for every x in that bin.
    """
    k = np.arange(1, 256, dtype=np.float64)
    lo, hi = np.zeros(255, np.int64), np.full(255, np.float64(1.0).view(np.int64))
    while np.any(hi - lo > 1):
        mid = lo + (hi - lo) // 2
        reached = np.floor(255.0 * _tone(mid.view(np.float64), gamma) + 0.5) >= k
        hi = np.where(reached, mid, hi)
        lo = np.where(reached, lo, mid)
    t = hi.view(np.float64)
    thresholds = np.concatenate([[-np.inf], t, [np.inf]])
    grid = np.arange(2**_LUT_BITS + 1, dtype=np.float64) / 2**_LUT_BITS
    start = np.searchsorted(t, grid, side="right").astype(np.uint8)
    return thresholds, start


@kernel(parallel=True)
def _develop_kernel(linear, gain, vig_mode, vig_coef, fx, fy, cx, cy,
                    noisy, shot, read, normals, thresholds, start, out):  # pragma: no cover
    height, width, channels = linear.shape
    scale = np.float64(start.shape[0] - 1)
    for v in prange(height):
        yn = (v - cy) / fy
        for u in range(width):
            xn = (u - cx) / fx
            r2 = xn * xn + yn * yn
            g = gain
            if vig_mode == 1:
                g = gain / ((1.0 + r2) * (1.0 + r2))
            elif vig_mode == 2:
                g = gain * (1.0 - vig_coef * r2)
            for c in range(channels):
                x = g * np.float64(linear[v, u, c])
                if noisy:
                    xc = x if x > 0.0 else 0.0
                    x += math.sqrt(shot * xc + read) * np.float64(normals[v, u, c])
                if not x > 0.0:  # also maps NaN to 0
                    x = 0.0
                elif x > 1.0:
                    x = 1.0
                code = np.int64(start[int(x * scale)])
                while x >= thresholds[code + 1]:
                    code += 1
                out[v, u, c] = np.uint8(code)


def _parse_noise(noise: object, rng: np.random.Generator) -> tuple[float, float]:
    if isinstance(noise, str) and noise == "random":
        return sample_noise_params(rng)
    if isinstance(noise, dict):
        unknown = set(noise) - {"shot", "read"}
        if unknown:
            raise ValueError(f"noise: unknown keys {sorted(unknown)} (expected shot, read)")
        shot, read = float(noise.get("shot", 0.0)), float(noise.get("read", 0.0))
        if not (shot >= 0.0 and read >= 0.0):
            raise ValueError(f"noise: shot and read must be >= 0, got {shot}, {read}")
        return shot, read
    if noise in _OFF:
        return 0.0, 0.0
    raise ValueError(f"noise: expected None, 'random' or {{shot, read}}, got {noise!r}")


def develop(linear_rgb: np.ndarray, K: np.ndarray, params: dict | None,
            rng: np.random.Generator) -> tuple[np.ndarray, dict[str, float]]:
    """Develop a linear radiance render into an 8-bit image (pipeline in the module doc).

    Parameters
    ----------
    linear_rgb : (H, W, 3) float array
        Linear scene radiance; 1 is a fully lit white diffuse surface (may exceed 1).
    K : (3, 3) array
        Intrinsics in pixels (fx, fy, cx, cy used by vignetting).
    params : dict or None
        ``exposure_gain`` (float, default 1), ``vignetting`` (None/0 off, "cos4", or a
        strength in [0, 1]), ``noise`` (None off, "random", or ``{"shot": s, "read": r}``),
        ``gamma`` (float > 0, default 2.2, or "srgb"). Missing keys take the default.
        Camera response (step 0, off unless given): ``ev100``, ``auto_exposure``,
        ``white_balance_k``, ``tone_curve`` (see ``response.apply_response``).
    rng : np.random.Generator
        Untouched when noise is off.

    Returns
    -------
    image : (H, W, 3) uint8
    used : dict[str, float]
        ``exposure_gain``; ``vignetting_strength`` (light lost at the farthest pixel centre,
        1 - V_corner; 0 when off); ``vignetting_cos4`` (1.0 for cos⁴, else 0.0);
        ``noise_shot``, ``noise_read`` (0 when off); ``gamma`` (0.0 for sRGB); and, only
        when a response key was given, ``ev100`` (NaN without exposure step),
        ``auto_exposure``, ``white_balance_k`` (0 off), ``tone_curve`` (0 none, 1 aces,
        2 hable).
    """
    params = dict(params or {})
    unknown = set(params) - _DEVELOP_KEYS
    if unknown:
        raise ValueError(f"develop: unknown keys {sorted(unknown)}")
    linear = np.ascontiguousarray(linear_rgb, dtype=np.float32)
    if linear.ndim != 3 or linear.shape[2] != 3:
        raise ValueError(f"develop: linear_rgb must be (H, W, 3), got {linear.shape}")
    used_response: dict[str, float] = {}
    if RESPONSE_KEYS & set(params):
        # from the caller's values (float64), then float32 like any other input
        responded, used_response = apply_response(linear_rgb, params)
        linear = np.ascontiguousarray(responded, dtype=np.float32)
    height, width = linear.shape[:2]
    K = np.asarray(K, dtype=np.float64)
    fx, fy, cx, cy = float(K[0, 0]), float(K[1, 1]), float(K[0, 2]), float(K[1, 2])

    gain = float(params.get("exposure_gain", 1.0))
    if not gain >= 0.0:
        raise ValueError(f"exposure_gain: expected >= 0, got {gain}")

    vignetting = params.get("vignetting")
    r2_max = _corner_r2(K, height, width)
    if isinstance(vignetting, str) and vignetting == "cos4":
        vig_mode, vig_coef, strength = 1, 0.0, 1.0 - 1.0 / (1.0 + r2_max) ** 2
    elif vignetting in _OFF:
        vig_mode, vig_coef, strength = 0, 0.0, 0.0
    elif isinstance(vignetting, numbers.Real) and 0.0 <= vignetting <= 1.0:
        strength = float(vignetting)
        vig_mode, vig_coef = 2, (strength / r2_max if r2_max > 0.0 else 0.0)
    else:
        raise ValueError(f"vignetting: expected None, 'cos4' or a number in [0, 1], "
                         f"got {vignetting!r}")

    gamma = params.get("gamma", 2.2)
    srgb = isinstance(gamma, str) and gamma == "srgb"
    if not srgb and not (isinstance(gamma, numbers.Real) and gamma > 0):
        raise ValueError(f"gamma: expected a number > 0 or 'srgb', got {gamma!r}")
    thresholds, start = _code_tables(None if srgb else float(gamma))

    shot, read = _parse_noise(params.get("noise"), rng)
    noisy = shot > 0.0 or read > 0.0
    normals = (rng.standard_normal(linear.shape, dtype=np.float32) if noisy
               else np.zeros((1, 1, 1), np.float32))

    out = np.empty(linear.shape, np.uint8)
    _develop_kernel(linear, gain, vig_mode, vig_coef, fx, fy, cx, cy,
                    noisy, shot, read, normals, thresholds, start, out)
    used = {"exposure_gain": gain, "vignetting_strength": float(strength),
            "vignetting_cos4": float(vig_mode == 1), "noise_shot": shot, "noise_read": read,
            "gamma": 0.0 if srgb else float(gamma), **used_response}
    return out, used


def stereo_depth(depth: np.ndarray, normals_cam: np.ndarray, rays_cam: np.ndarray,
                 fx: float, baseline_m: float, subpixel: float, rng: np.random.Generator,
                 *, max_incidence_deg: float = 75.0, min_depth: float = 0.0,
                 max_depth: float = 10.0) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Stereo / structured-light depth: disparity noise and holes.

    Disparity d = fx·B/Z gets Gaussian noise N(0, subpixel²) (px) and is converted back,
    Z' = fx·B/d', so the RMS depth error is ≈ Z²·subpixel/(fx·B) (RealSense D435 at 848 px:
    fx ≈ 447 px, B = 0.05 m, subpixel ≈ 0.08 -> ≈ 4/15/60 mm at 1/2/4 m,
    docs/references.md#d435).
    Disparities are not quantised (the subpixel noise stands for the matcher's resolution).

    Holes (0 in the output, True in the mask) where the input depth is 0 or not finite (no
    hit), where the incidence angle (between the surface normal and the reversed viewing
    ray) exceeds ``max_incidence_deg`` (back faces and non-finite normals included), where
    the noisy disparity is <= 0, and where the *measured* depth Z' falls outside
    [min_depth, max_depth]. The range defaults are generic, not a datasheet's: a sensor
    preset should set them.

    Parameters
    ----------
    depth : (H, W) float array
        Ideal z-depth in metres along the optical axis; 0 where nothing was hit. Not modified.
    normals_cam : (H, W, 3) float array
        Unit surface normals in the OpenCV optical frame, facing the camera.
    rays_cam : (H, W, 3) float array
        Unit viewing rays of the pixels in the same frame (see ``optical_rays``).
    fx : float
        Focal length of the depth image in pixels.
    baseline_m : float
        Stereo baseline B in metres.
    subpixel : float
        RMS disparity error in pixels.
    rng : np.random.Generator
        Draws H·W standard normals.
    max_incidence_deg, min_depth, max_depth : float
        Hole thresholds (degrees, metres, metres).

    Returns
    -------
    depth_noisy : (H, W) float32
        Measured z-depth in metres, 0 at holes.
    holes : (H, W) bool
    used : dict[str, float]
        fx, baseline_m, subpixel, max_incidence_deg, min_depth, max_depth.
    """
    depth = np.asarray(depth, dtype=np.float64)
    normals_cam = np.asarray(normals_cam, dtype=np.float64)
    rays_cam = np.asarray(rays_cam, dtype=np.float64)
    if depth.ndim != 2 or normals_cam.shape != (*depth.shape, 3) or \
            rays_cam.shape != normals_cam.shape:
        raise ValueError(f"stereo_depth: expected depth (H, W) and normals/rays (H, W, 3), got "
                         f"{depth.shape}, {normals_cam.shape}, {rays_cam.shape}")
    if not (fx > 0.0 and baseline_m > 0.0 and subpixel >= 0.0):
        raise ValueError("stereo_depth: need fx > 0, baseline_m > 0 and subpixel >= 0")
    fb = float(fx) * float(baseline_m)

    cos_incidence = -np.einsum("hwk,hwk->hw", normals_cam, rays_cam)
    grazing = ~(cos_incidence >= math.cos(math.radians(max_incidence_deg)))
    hit = np.isfinite(depth) & (depth > 0.0)
    disparity = np.divide(fb, depth, out=np.zeros_like(depth), where=hit)
    disparity += subpixel * rng.standard_normal(depth.shape)
    ok = hit & ~grazing & (disparity > 0.0)
    measured = np.divide(fb, disparity, out=np.zeros_like(depth), where=ok)
    ok &= (measured >= min_depth) & (measured <= max_depth)
    holes = ~ok
    depth_noisy = np.where(ok, measured, 0.0).astype(np.float32)
    used = {"fx": float(fx), "baseline_m": float(baseline_m), "subpixel": float(subpixel),
            "max_incidence_deg": float(max_incidence_deg), "min_depth": float(min_depth),
            "max_depth": float(max_depth)}
    return depth_noisy, holes, used
