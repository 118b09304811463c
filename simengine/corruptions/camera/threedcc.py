"""Camera corruptions of 3D Common Corruptions (Kar et al., CVPR 2022; docs/references.md#3dcc)
that the registry lacked, on our metric depth, normals and intrinsics instead of the
Taskonomy renders the reference generator (github EPFL-VILAB/3DCommonCorruptions,
``create_3dcc/``) reads.

Lengths of the reference's tables are pixels of its 512-px Taskonomy images and are scaled
here by s = short side / 512. Light-transport effects (defocus, camera motion, flash) work on
linear light (``physical.decode_srgb``) where the reference works on sRGB codes; noise and
posterisation work on the codes, as the reference does.

=================  ==========================================  ===========================
corruption         parameter (reference file)                  severity 1 … 5
=================  ==========================================  ===========================
near_focus         aperture, 512-px pixels (create_dof.py)     3, 4, 5, 6, 7
far_focus          aperture, 512-px pixels (create_dof.py)     1.5, 2.5, 3.5, 4.5, 5.5
xy_motion_blur     frames of a 60-step path (create_motion)    20, 30, 40, 50, 60
z_motion_blur      frames of a 60-step path (create_motion)    20, 25, 30, 35, 38
iso_noise          σ of the Gaussian part (create_non3d.py)    0.7 × .08 .12 .18 .26 .38
posterize          bits kept (create_non3d.py, PIL)            5, 4, 3, 2, 1
flash              shading divisor (create_flash.py)           2.4, 1.4, 0.9, 0.6, 0.4
shadow             shadowed share of the image (ours)          .1, .2, .3, .4, .5
multi_illumination lights it is relit by (create_multi_illum.)  5, 4, 3, 2, 1
h265_crf           libx265 CRF (video_distortions.py)          24, 26, 32, 39, 41
h265_abr           bit budget divisor (video_distortions.py)   2, 3, 4, 6, 8 (3DCC: 2 … 32)
bit_error          1 in N bytes hit (video_distortions.py)     4e3 … 30 (3DCC: 1e5 … 1e4)
=================  ==========================================  ===========================

The registry's levels are the reference's except for h265_abr and bit_error, whose
reference values saturate (QP 51) or mostly hit nothing on one small frame; the ``3dcc``
suite runs both at the reference's values.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import cv2
import numpy as np

from ..base import Result, register
from .imagenet_c import check_rgb8
from .physical import decode_srgb, encode_srgb

REFERENCE_SIDE = 512.0  # the reference's Taskonomy images are 512 × 512


def reference_scale(image: np.ndarray) -> float:
    return min(image.shape[:2]) / REFERENCE_SIDE


# ---------------------------------------------------------------------------------------
# depth of field (create_dof.py)

N_QUANTILES = 8  # create_dof.py N_QUANTILES: depth layers between the 0 … 8/8 quantiles
FAR_FOCUS_QUANTILE = 7  # create_dof.py sample_idxs_2: far focus at quantile index 7 of 8


def truncated_gaussian(sigma: float) -> np.ndarray | None:
    """create_dof.py's separable kernel: int(3σ) taps (made odd), exp(−n²/2σ²), normalised;
    None (no blur) for σ < 0.1."""
    if sigma < 0.1:
        return None
    taps = int(sigma * 3)
    taps += 1 - taps % 2
    n = np.arange(taps, dtype=np.float64) - (taps - 1) / 2.0
    w = np.exp(-n * n / (2.0 * sigma * sigma))
    return (w / w.sum()).astype(np.float32)


def _gaussian_layer(linear: np.ndarray, sigma: float) -> np.ndarray:
    kernel = truncated_gaussian(sigma)
    if kernel is None:
        return linear
    return cv2.sepFilter2D(linear, -1, kernel, kernel, borderType=cv2.BORDER_REPLICATE)


def refocus(linear: np.ndarray, depth: np.ndarray, focus_m: float, aperture_px: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """create_dof.py's layered refocus: Gaussian σ = A·|d − d_f|/d (no magnification) at each
    depth quantile, each pixel a mix of the two layers around its depth weighted 1 − δ²
    (δ its fractional distance to the layer), renormalised. Layers sit at the distinct
    quantiles of the hit depths; pixels without a hit (the sky, d = ∞) get σ = A.
    Returns (image, per-pixel σ of its nearest layer)."""
    hit = depth > 0
    values = (np.unique(np.quantile(depth[hit], np.arange(N_QUANTILES + 1) / N_QUANTILES))
              if hit.any() else np.zeros(0))
    sigmas = aperture_px * np.abs(values - focus_m) / np.maximum(values, 1e-9)
    out = np.zeros_like(linear)
    total = np.zeros(depth.shape, np.float32)
    sigma_map = np.full(depth.shape, float(aperture_px), np.float32)
    weights = []
    if values.size == 1:
        weights = [hit.astype(np.float32)]
        sigma_map[hit] = sigmas[0]
    elif values.size > 1:
        d = np.clip(depth, values[0], values[-1])
        right = np.clip(np.searchsorted(values, d), 1, values.size - 1)
        left = right - 1
        frac = (d - values[left]) / (values[right] - values[left])
        for k in range(values.size):
            w = (np.where(left == k, 1.0 - frac**2, 0.0)
                 + np.where(right == k, 1.0 - (1.0 - frac) ** 2, 0.0))
            weights.append(np.where(hit, w, 0.0).astype(np.float32))
        nearest = np.where(frac < 0.5, left, right)
        sigma_map = np.where(hit, sigmas[nearest], sigma_map).astype(np.float32)
    for sigma, weight in zip(sigmas, weights, strict=True):
        if weight.any():
            out += _gaussian_layer(linear, float(sigma)) * weight[..., None]
            total += weight
    if not hit.all():
        sky = (~hit).astype(np.float32)
        out += _gaussian_layer(linear, float(aperture_px)) * sky[..., None]
        total += sky
    return out / total[..., None], sigma_map


def _focus(image, aperture, rng, context, quantile_index: int) -> Result:
    linear = decode_srgb(image)
    depth = np.asarray(context["depth"], dtype=np.float32)
    hit = depth[depth > 0]
    focus_m = (float(np.quantile(hit, quantile_index / N_QUANTILES)) if hit.size else 1.0)
    aperture_px = float(aperture) * reference_scale(image)
    out, sigma = refocus(linear, depth, focus_m, aperture_px)
    return Result(encode_srgb(out), {"aperture_px": aperture_px, "focus_distance_m": focus_m,
                                     "max_sigma_px": float(sigma.max()),
                                     "mean_sigma_px": float(sigma.mean())})


@register("near_focus", "camera", "aperture A in 512-px pixels (× s = short side / 512): "
          "Gaussian σ = A·|d − d_f|/d, focus d_f on the nearest hit depth",
          (3.0, 4.0, 5.0, 6.0, 7.0), needs=("depth",))
def near_focus(image: np.ndarray, aperture: float, rng: np.random.Generator,
               context: Mapping[str, Any]) -> Result:
    """Focus on the nearest surface (quantile 0 of the hit depths; create_dof.py's near
    focus), everything behind it blurs with depth (``refocus``). Deterministic."""
    return _focus(image, aperture, rng, context, 0)


@register("far_focus", "camera", "aperture A in 512-px pixels (× s = short side / 512): "
          "Gaussian σ = A·|d − d_f|/d, focus d_f at the 7/8 quantile of the hit depths",
          (1.5, 2.5, 3.5, 4.5, 5.5), needs=("depth",))
def far_focus(image: np.ndarray, aperture: float, rng: np.random.Generator,
              context: Mapping[str, Any]) -> Result:
    """Focus far (quantile 7/8 of the hit depths; create_dof.py's far focus with its
    aperture reduced by 1.5), near surfaces blur (``refocus``). Deterministic."""
    return _focus(image, aperture, rng, context, FAR_FOCUS_QUANTILE)


# ---------------------------------------------------------------------------------------
# camera motion (motion_video/create_motion.py: a 60-step 3D Ken Burns path, the first n
# frames averaged)

PATH_STEPS = 60  # create_motion.py: fltSteps = linspace(0, 1, 60)
MIN_DEPTH_FRACTION = 0.25  # a point the camera would pass is held at 1/4 of its depth


def camera_motion_blur(linear: np.ndarray, depth: np.ndarray, K: np.ndarray,
                       translation: np.ndarray, frames: int, reference_m: float
                       ) -> tuple[np.ndarray, float]:
    """Average of ``frames`` views along a straight camera path (step i/(60 − 1) of
    ``translation``, camera frame, metres): each view re-projects every pixel's 3D point
    (depth, K) from the moved camera and samples the clean image there (cv2.remap, linear;
    the point seen at q is taken as the one the clean view shows at q minus its motion).
    Pixels without a hit are at ``reference_m``·10⁶ (the sky does not move under a
    translation). Returns (image, largest displacement in pixels)."""
    out = np.zeros_like(linear)
    largest = 0.0
    for i in range(frames):
        tau = i / (PATH_STEPS - 1)
        view, shift = moved_view(linear, depth, K, tau * np.asarray(translation, np.float64),
                                 reference_m)
        out += view
        largest = max(largest, shift)
    return out / np.float32(frames), largest


def moved_view(linear: np.ndarray, depth: np.ndarray, K: np.ndarray, translation: np.ndarray,
               reference_m: float) -> tuple[np.ndarray, float]:
    """The view from the camera moved by ``translation`` (camera frame, metres): every
    pixel's 3D point (depth, K) re-projected from the moved camera, the clean image sampled
    there (cv2.remap, linear; the point seen at q is taken as the one the clean view shows
    at q minus its motion, edges replicated). Pixels without a hit are at
    ``reference_m``·10⁶; points the camera would reach are held at 1/4 of their depth.
    Returns (image, largest displacement in pixels)."""
    height, width = depth.shape
    K = np.asarray(K, dtype=np.float64)
    fx, fy, cx, cy = K[0, 0], K[1, 1], K[0, 2], K[1, 2]
    cols = np.arange(width, dtype=np.float64)[None, :]
    rows = np.arange(height, dtype=np.float64)[:, None]
    z = np.where(depth > 0, depth, reference_m * 1e6).astype(np.float64)
    x, y = (cols - cx) / fx * z, (rows - cy) / fy * z
    tx, ty, tz = np.asarray(translation, dtype=np.float64).tolist()
    z2 = np.maximum(z - tz, MIN_DEPTH_FRACTION * z)
    du = fx * (x - tx) / z2 + cx - cols
    dv = fy * (y - ty) / z2 + cy - rows
    view = cv2.remap(linear, (cols - du).astype(np.float32), (rows - dv).astype(np.float32),
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return view, float(np.sqrt(du * du + dv * dv).max())


def _median_depth(depth: np.ndarray) -> float:
    hit = depth[depth > 0]
    return float(np.median(hit)) if hit.size else 1.0


@register("xy_motion_blur", "camera", "frames averaged of a 60-step sideways camera path "
          "(its end moves the median-depth point by |u| ∈ [50, 75), v ∈ [−75, 75) 512-px "
          "pixels × s)", (20, 30, 40, 50, 60), needs=("depth", "K"))
def xy_motion_blur(image: np.ndarray, frames: int, rng: np.random.Generator,
                   context: Mapping[str, Any]) -> Result:
    """Camera translation in its image plane during the exposure (create_motion.py's
    XY-motion blur): u ~ ±U[50, 75) (sign drawn), v ~ U[−75, 75) 512-px pixels are the
    shift, at the end of the 60-step path, of a point at the median hit depth d_m, so the
    camera moves t = −(u·s·d_m/fx, v·s·d_m/fy, 0); nearer points streak longer (parallax),
    the sky stays sharp. The first ``frames`` views are averaged in linear light."""
    depth = np.asarray(context["depth"], dtype=np.float32)
    K = np.asarray(context["K"], dtype=np.float64)
    s = reference_scale(image)
    u = float(rng.uniform(50, 75)) * (1.0 if rng.random() < 0.5 else -1.0)
    v = float(rng.uniform(-75, 75))
    d_m = _median_depth(depth)
    t = np.array([-u * s * d_m / K[0, 0], -v * s * d_m / K[1, 1], 0.0])
    out, largest = camera_motion_blur(decode_srgb(image), depth, K, t, int(frames), d_m)
    return Result(encode_srgb(out), {
        "frames": frames, "shift_u_px": u * s, "shift_v_px": v * s, "median_depth_m": d_m,
        "t_x_m": t[0], "t_y_m": t[1], "max_shift_px": largest})


@register("z_motion_blur", "camera", "frames averaged of a 60-step forward camera path (its "
          "end magnifies the median-depth plane 1/k, k ∈ [0.5, 0.6), and shifts it u, v ∈ "
          "[−30, 30) 512-px pixels × s)", (20, 25, 30, 35, 38), needs=("depth", "K"))
def z_motion_blur(image: np.ndarray, frames: int, rng: np.random.Generator,
                  context: Mapping[str, Any]) -> Result:
    """Camera moving forward during the exposure (create_motion.py's Z-motion blur: a crop
    shrinking to k ~ U[0.5, 0.6) of the frame with its centre moved u, v ~ U[−30, 30)):
    at the median hit depth d_m a magnification 1/k is a forward move t_z = d_m·(1 − k);
    the centre shift is a sideways move as in ``xy_motion_blur``. The reference draws k per
    axis; a forward move magnifies both alike, so one k is drawn. Points the camera would
    reach are held at 1/4 of their depth. The first ``frames`` views are averaged."""
    depth = np.asarray(context["depth"], dtype=np.float32)
    K = np.asarray(context["K"], dtype=np.float64)
    s = reference_scale(image)
    u, v = (float(w) for w in rng.uniform(-30, 30, 2))
    k = float(rng.uniform(0.5, 0.6))
    d_m = _median_depth(depth)
    t = np.array([-u * s * d_m / K[0, 0], -v * s * d_m / K[1, 1], d_m * (1.0 - k)])
    out, largest = camera_motion_blur(decode_srgb(image), depth, K, t, int(frames), d_m)
    return Result(encode_srgb(out), {
        "frames": frames, "shift_u_px": u * s, "shift_v_px": v * s, "crop_scale": k,
        "median_depth_m": d_m, "t_x_m": t[0], "t_y_m": t[1], "t_z_m": t[2],
        "max_shift_px": largest})


# ---------------------------------------------------------------------------------------
# noise and posterisation (create_non3d.py), on sRGB codes as the reference

ISO_PHOTONS = 25.0  # create_non3d.py iso_noise: c_poisson = 25 ("ISO doesn't affect photons")


@register("iso_noise", "camera", "σ of the Gaussian (electronic) part, fraction of full "
          "scale, after Poisson(25·x)/25 photon noise",
          tuple(0.7 * c for c in (0.08, 0.12, 0.18, 0.26, 0.38)))
def iso_noise(image: np.ndarray, sigma: float, rng: np.random.Generator,
              context: Mapping[str, Any]) -> Result:
    """create_non3d.py iso_noise: x ← clip(Poisson(25·x)/25), x ← clip(x + N(0, σ²)), on
    codes / 255, truncated to uint8 like the reference's ``np.uint8``."""
    check_rgb8(image)
    x = image.astype(np.float64) / 255.0
    x = np.clip(rng.poisson(x * ISO_PHOTONS) / ISO_PHOTONS, 0.0, 1.0)
    x = np.clip(x + rng.normal(0.0, sigma, x.shape), 0.0, 1.0)
    return Result((x * 255.0).astype(np.uint8), {"sigma": sigma, "photons": ISO_PHOTONS})


@register("posterize", "camera", "bits kept per channel (the low 8 − bits bits cleared, "
          "PIL ImageOps.posterize)", (5, 4, 3, 2, 1))
def posterize(image: np.ndarray, bits: int, rng: np.random.Generator,
              context: Mapping[str, Any]) -> Result:
    """Colour quantisation as create_non3d.py does it: PIL's posterize keeps the top
    ``bits`` bits of each code (rounds down, so the image darkens slightly).
    Deterministic."""
    check_rgb8(image)
    keep = np.uint8((0xFF << (8 - int(bits))) & 0xFF)
    return Result(image & keep, {"bits": bits})


# ---------------------------------------------------------------------------------------
# flash (create_flash.py: rgb + rgb·reshade/k, reshade a light at the camera)


@register("flash", "camera", "divisor k of the flash shading: L·(1 + cosθ/k), θ between the "
          "surface normal and the way to the camera", (2.4, 1.4, 0.9, 0.6, 0.4),
          needs=("depth", "normals", "K"))
def flash(image: np.ndarray, k: float, rng: np.random.Generator,
          context: Mapping[str, Any]) -> Result:
    """A flash at the camera (create_flash.py adds rgb·reshade/k, reshade = the Lambertian
    shading of a light at the camera): linear light L·(1 + max(0, n·ω)/k), n the surface
    normal, ω the unit vector from the surface to the camera; the sky gets no flash.
    Clipped at full scale as in the reference. Deterministic."""
    linear = decode_srgb(image)
    depth = np.asarray(context["depth"], dtype=np.float32)
    normals = np.asarray(context["normals"], dtype=np.float32)
    K = np.asarray(context["K"], dtype=np.float64)
    height, width = depth.shape
    rays = np.stack(np.broadcast_arrays(
        ((np.arange(width) - K[0, 2]) / K[0, 0])[None, :],
        ((np.arange(height) - K[1, 2]) / K[1, 1])[:, None], np.ones((1, 1))), axis=-1)
    to_camera = -rays / np.linalg.norm(rays, axis=-1, keepdims=True)
    cosine = np.clip(np.sum(normals * to_camera, axis=-1), 0.0, 1.0)
    cosine = np.where((depth > 0) & np.isfinite(cosine), cosine, 0.0).astype(np.float32)
    out = linear * (1.0 + cosine / np.float32(k))[..., None]
    return Result(encode_srgb(out), {"divisor": k, "mean_shading": float(cosine.mean())})


# ---------------------------------------------------------------------------------------
# shadow and multi-illumination (create_shadow.py, create_multi_illumination.py multiply the
# image by renders of the scene under other lights; here those lights act on our geometry)


def camera_points(depth: np.ndarray, K: np.ndarray) -> np.ndarray:
    """(H, W, 3) camera-frame points of each pixel (z = depth; 0 where nothing was hit)."""
    height, width = depth.shape
    u = (np.arange(width) - K[0, 2]) / K[0, 0]
    v = (np.arange(height) - K[1, 2]) / K[1, 1]
    z = depth.astype(np.float64)
    return np.stack(np.broadcast_arrays(u[None, :] * z, v[:, None] * z, z), axis=-1)


def sphere_shadow(points: np.ndarray, to_light: np.ndarray, centre: np.ndarray,
                  radius: float) -> np.ndarray:
    """True where the ray from a point towards a directional light (unit ``to_light``)
    passes through the sphere (centre, radius) in front of it, or starts inside it."""
    rel = centre - points
    along = rel @ to_light
    squared = np.sum(rel * rel, axis=-1)
    across = squared - along * along
    return ((along > 0) & (across < radius * radius)) | (squared < radius * radius)


SHADOW_DIRECT_SHARE = 0.8  # direct light a shadow takes away; the rest is sky and bounces


@register("shadow", "camera", "fraction of the hit pixels in the shadow of an occluder "
          "(a sphere between the scene and a drawn light direction)",
          (0.1, 0.2, 0.3, 0.4, 0.5), needs=("depth", "K"))
def shadow(image: np.ndarray, fraction: float, rng: np.random.Generator,
           context: Mapping[str, Any]) -> Result:
    """A shadow cast by an added occluder (3DCC's shadow: the scene relit by a light other
    objects block). A directional light from above (camera frame: y down) is drawn, and an
    invisible sphere is placed a third of the median depth from a drawn scene point towards
    it; its radius is bisected so that the level's fraction of the hit pixels lies in its
    shadow, where linear light loses the direct share 0.8. The shadow edge is softened by
    σ = 0.5 % of the short side (the penumbra of an extended light). ``mask``: in shadow."""
    linear = decode_srgb(image)
    depth = np.asarray(context["depth"], dtype=np.float32)
    K = np.asarray(context["K"], dtype=np.float64)
    hit = depth > 0
    if not hit.any():
        return Result(image.copy(), {"fraction_target": fraction, "fraction": 0.0})
    points = camera_points(depth, K)
    to_light = np.array([rng.uniform(-1, 1), -rng.uniform(0.5, 1.5), -rng.uniform(0, 1)])
    to_light /= np.linalg.norm(to_light)
    rows, cols = np.nonzero(hit)
    pick = int(rng.integers(rows.size))
    d_m = float(np.median(depth[hit]))
    centre = points[rows[pick], cols[pick]] + to_light * (d_m / 3.0)
    lo, hi = 0.0, d_m
    for _ in range(30):  # the shadowed share grows with the radius
        mid = 0.5 * (lo + hi)
        share = float(np.mean(sphere_shadow(points[hit], to_light, centre, mid)))
        lo, hi = (mid, hi) if share < fraction else (lo, mid)
    radius = hi
    inside = sphere_shadow(points, to_light, centre, radius) & hit
    sigma = 0.005 * min(image.shape[:2])
    soft = inside.astype(np.float32)
    if sigma >= 0.3:
        soft = cv2.GaussianBlur(soft, (0, 0), sigma) * hit
    out = linear * (1.0 - SHADOW_DIRECT_SHARE * soft)[..., None]
    return Result(encode_srgb(out), {
        "fraction_target": fraction, "fraction": float(inside[hit].mean()),
        "radius_m": radius,
        **{f"light_{c}": float(v) for c, v in zip("xyz", to_light, strict=True)},
        **{f"centre_{c}_m": float(v) for c, v in zip("xyz", centre, strict=True)}}, inside)


# create_multi_illumination.py: severity s mixes 6 − s relit renders with coefficients
# U(lo, lo + 0.1): the fewer the lights, the harsher the lighting
ILLUMINATION_MIX = {5: 0.2, 4: 0.25, 3: 0.35, 2: 0.5, 1: 1.0}


@register("multi_illumination", "camera", "number of far lights the scene is relit by "
          "(fewer: harsher), each weighted U(c, c + 0.1), c = .2/.25/.35/.5/1.0",
          (5, 4, 3, 2, 1), needs=("depth", "normals"))
def multi_illumination(image: np.ndarray, lights: int, rng: np.random.Generator,
                       context: Mapping[str, Any]) -> Result:
    """The scene relit by ``lights`` far lights (create_multi_illumination.py: the image
    times a weighted sum of renders under random lights). The lights sit 36° apart on a
    ring of radius 0.7·d_m about the optical axis at 0.3·d_m (d_m the median depth),
    centred on its top and turned by a drawn ±18°, and shine from there as far lights
    towards the scene's centre (the axis at d_m); each light's Lambertian shading
    max(0, n·ω), scaled to a mean of 1 over the hit pixels (the renders are exposed
    alike), is weighted by U(c, c + 0.1) with the reference's c for that many lights;
    linear light is multiplied by the weighted mean (the reference's weights sum to
    1.0–1.35, a brightening that would fall as severity rises), so what grows with severity
    is how unevenly the scene is lit. The sky keeps its light."""
    linear = decode_srgb(image)
    depth = np.asarray(context["depth"], dtype=np.float32)
    normals = np.asarray(context["normals"], dtype=np.float64)
    hit = (depth > 0) & np.all(np.isfinite(normals), axis=-1)
    d_m = float(np.median(depth[hit])) if hit.any() else 1.0
    low = ILLUMINATION_MIX[int(lights)]
    total = np.zeros(depth.shape)
    weights = 0.0
    offset = float(rng.uniform(-0.5, 0.5))
    for i in range(int(lights)):
        # 36° apart on a ring around the optical axis, centred on its top (y up is −y; so
        # fewer lights span a narrower arc), radius 0.7·d_m, between the camera and the
        # scene (z = 0.3·d_m)
        angle = 1.5 * np.pi + np.pi / 5 * (i - (int(lights) - 1) / 2 + offset)
        position = d_m * np.array([0.7 * np.cos(angle), 0.7 * np.sin(angle), 0.3])
        weight = float(rng.uniform(low, low + 0.1))
        # far lights (the reference's relit renders are exposed for the whole room): the
        # direction from the scene's centre on the axis, no fall-off across the scene
        direction = position - np.array([0.0, 0.0, d_m])
        direction /= np.linalg.norm(direction)
        cosine = np.clip(np.nan_to_num(normals) @ direction, 0, 1)
        shade = np.where(hit, cosine, 0.0)
        scale = float(shade[hit].mean()) if hit.any() else 0.0
        if scale > 0:  # a light that reaches no visible surface adds nothing
            total += weight * shade / scale
            weights += weight
    gain = np.where(hit, total / weights if weights > 0 else 1.0, 1.0).astype(np.float32)
    return Result(encode_srgb(linear * gain[..., None]), {
        "lights": lights, "offset": offset,
        "mean_gain": float(gain[hit].mean()) if hit.any() else 1.0})


# ---------------------------------------------------------------------------------------
# video compression and bit errors (motion_video/video_distortions.py), through PyAV's FFmpeg

H264_REFERENCE_CRF = 23  # the reference's source clips: moviepy's libx264 at its default CRF
VIDEO_FPS = 25  # create_motion.py writes its clips at 25 fps
VIDEO = {"av": "video"}  # PyAV (FFmpeg with libx265), from the `video` extra
QUIET_X265 = "log-level=none:info=0:pools=none:frame-threads=1"  # no SEI, one thread


def _even(image: np.ndarray) -> np.ndarray:
    """video_distortions.py crops to even sides (crop='iw-mod(iw,2)':'ih-mod(ih,2)')."""
    return image[: image.shape[0] // 2 * 2, : image.shape[1] // 2 * 2]


def encode_frame(image: np.ndarray, codec: str, options: dict[str, str],
                 bit_rate: int | None = None) -> list[bytes]:
    """One RGB frame as yuv420p packets of ``codec`` (PyAV), flushed."""
    import av

    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(_even(image)), format="rgb24")
    ctx = av.CodecContext.create(codec, "w")
    ctx.width, ctx.height = frame.width, frame.height
    ctx.pix_fmt = "yuv420p"
    ctx.thread_count = 1  # x264 cuts a slice per thread: the stream would depend on the cores
    ctx.time_base = Fraction(1, VIDEO_FPS)
    ctx.framerate = VIDEO_FPS
    if bit_rate is not None:
        ctx.bit_rate = bit_rate
    ctx.options = options
    packets = [bytes(p) for p in ctx.encode(frame.reformat(format="yuv420p"))]
    packets += [bytes(p) for p in ctx.encode(None)]
    return packets


def decode_frame(packets: list[bytes], codec: str, shape: tuple[int, ...]
                 ) -> np.ndarray | None:
    """The decoded RGB frame back at ``shape`` (an odd last row/column repeated), or None
    when the decoder gives no picture."""
    import av

    ctx = av.CodecContext.create(codec.replace("libx265", "hevc").replace("libx264", "h264"),
                                 "r")
    frames = []
    for data in packets:
        try:
            frames += ctx.decode(av.Packet(data))
        except av.error.FFmpegError:  # a corrupted packet: the decoder skips it
            continue
    with contextlib.suppress(av.error.FFmpegError):
        frames += ctx.decode(None)
    if not frames:
        return None
    rgb = frames[-1].to_ndarray(format="rgb24")
    return np.pad(rgb, ((0, shape[0] - rgb.shape[0]), (0, shape[1] - rgb.shape[1]), (0, 0)),
                  mode="edge")


@register("h265_crf", "camera", "libx265 constant rate factor CRF (yuv420p)",
          (24, 26, 32, 39, 41), requires=VIDEO)
def h265_crf(image: np.ndarray, crf: int, rng: np.random.Generator,
             context: Mapping[str, Any]) -> Result:
    """H.265 at constant quality (video_distortions.py h265_crf): the frame encoded by
    libx265 at ``crf`` and decoded back. Deterministic."""
    check_rgb8(image)
    packets = encode_frame(image, "libx265", {"crf": str(crf), "x265-params": QUIET_X265})
    out = decode_frame(packets, "libx265", image.shape)
    return Result(out, {"crf": crf, "bytes": float(slice_bytes(packets, "libx265"))})


@register("h265_abr", "camera", "divisor of the bit budget (the frame's bytes at H.264 CRF "
          "23 / divisor), libx265 at the lowest QP that fits it (ours: 3DCC's 16 and 32 "
          "reach x265's QP 51 floor on a 320 × 240 frame)", (2, 3, 4, 6, 8),
          requires=VIDEO)
def h265_abr(image: np.ndarray, divisor: int, rng: np.random.Generator,
             context: Mapping[str, Any]) -> Result:
    """H.265 at an average bitrate (video_distortions.py h265_abr: target = the source
    clip's bitrate / divisor, -maxrate and -bufsize the same). The reference's source is a
    moviepy clip (libx264 at CRF 23), so the frame's budget is its size encoded so, divided
    by ``divisor``. A single frame gives x265's rate control nothing to average over, so the
    budget is met directly: the lowest QP (bisected over 0 … 51) whose frame fits it, QP 51
    if none does. Deterministic."""
    check_rgb8(image)
    source = slice_bytes(encode_frame(image, "libx264", {"crf": str(H264_REFERENCE_CRF)}),
                         "libx264")
    budget = source / float(divisor)
    lo, hi = 0, 51  # invariant: QP hi fits (or is the last resort), QP lo − 1 does not

    def at(qp: int) -> list[bytes]:
        return encode_frame(image, "libx265", {"qp": str(qp), "x265-params": QUIET_X265})

    best = at(hi)
    while lo < hi:
        mid = (lo + hi) // 2
        packets = at(mid)
        if slice_bytes(packets, "libx265") <= budget:
            hi, best = mid, packets
        else:
            lo = mid + 1
    out = decode_frame(best, "libx265", image.shape)
    return Result(out, {"divisor": divisor, "source_bytes": float(source),
                        "budget_bytes": budget, "qp": float(hi),
                        "bytes": float(slice_bytes(best, "libx265"))})


def nal_units(data: bytes) -> list[tuple[int, int, int]]:
    """(first header byte, payload start, end) of each NAL unit of an Annex B packet."""
    raw = np.frombuffer(data, np.uint8)
    zero = raw[:-2] == 0
    starts = (np.flatnonzero(zero & (raw[1:-1] == 0) & (raw[2:] == 1)) + 3).tolist()
    units = []
    for n, start in enumerate(starts):
        end = starts[n + 1] - 3 if n + 1 < len(starts) else raw.size
        while n + 1 < len(starts) and end > start and raw[end - 1] == 0:
            end -= 1  # a 4-byte start code's leading zero belongs to the next unit
        if start < raw.size:
            units.append((int(raw[start]), start, end))
    return units


def is_slice(header: int, codec: str) -> bool:
    """A coded slice (VCL) NAL unit: H.264 types 1–5, HEVC types 0–31."""
    if codec.endswith("264"):
        return 1 <= header & 0x1F <= 5
    return (header >> 1) & 0x3F < 32


def slice_bytes(packets: list[bytes], codec: str) -> int:
    """Bytes of the coded slices: the picture, without parameter sets and the encoder's
    settings SEI (which x264/x265 write once per stream, not per frame)."""
    return sum(end - start for data in packets for header, start, end in nal_units(data)
               if is_slice(header, codec))


@register("bit_error", "camera", "N: each byte of the coded slices is replaced by a random "
          "byte with probability 1/N (H.264 CRF 23, FFmpeg's noise bitstream filter; ours: "
          "3DCC's N = 1e5 … 1e4 mostly miss one small frame)", (4000, 1000, 300, 100, 30),
          requires=VIDEO)
def bit_error(image: np.ndarray, amount: int, rng: np.random.Generator,
              context: Mapping[str, Any]) -> Result:
    """Transmission errors in the compressed stream (video_distortions.py bit_error:
    ``-bsf noise=N`` on the source clip, libx264 CRF 23): each slice byte is hit with
    probability 1/N; the decoder conceals what it can. The frame is coded one slice per
    macroblock row, so an error spoils its row band: in the reference's clip errors reach the
    frame from every earlier frame of its GOP, here damage grows with N from one frame. If
    the decoder yields no picture the frame is black (``mask`` all True); otherwise the mask
    marks pixels that differ from the error-free decode by more than 8 codes in a channel."""
    check_rgb8(image)
    rows = max(1, image.shape[0] // 16)  # one slice per macroblock row
    packets = encode_frame(image, "libx264", {"crf": str(H264_REFERENCE_CRF),
                                               "slices": str(rows)})
    clean = decode_frame(packets, "libx264", image.shape)
    hit_bytes = 0
    corrupted = []
    for data in packets:
        raw = np.frombuffer(data, np.uint8).copy()
        inside = np.zeros(raw.size, bool)
        for header, start, end in nal_units(data):
            if is_slice(header, "libx264"):
                inside[start + 2:end] = True  # the NAL header and first slice byte spared
        # one draw per byte whatever N (common random numbers: a higher rate hits a
        # superset of the bytes a lower one hits, with the same values)
        chance = rng.random(raw.size)
        values = rng.integers(0, 256, raw.size, dtype=np.uint8)
        hits = inside & (chance < 1.0 / float(amount))
        raw[hits] = values[hits]
        hit_bytes += int(hits.sum())
        corrupted.append(raw.tobytes())
    out = decode_frame(corrupted, "libx264", image.shape)
    if out is None:
        out = np.zeros_like(image)
        mask = np.ones(image.shape[:2], bool)
    else:
        mask = np.abs(out.astype(np.int16) - clean.astype(np.int16)).max(axis=-1) > 8
    return Result(out, {"amount": amount, "bytes": float(slice_bytes(packets, "libx264")),
                        "bytes_hit": float(hit_bytes)}, mask)

