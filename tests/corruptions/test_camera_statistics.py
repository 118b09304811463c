"""Camera corruptions against independent references: noise statistics measured from the
output against closed forms (censored normal, the Poisson pmf, the raw-noise model), colour
changes against OpenCV's HSV conversion, JPEG against cv2's codec, geometry against
formulas (Koschmieder's law, box averages, shifted copies)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from simengine.corruptions import get
from simengine.corruptions.camera.imagenet_c import motion_kernel

from .camera_scene import linear_to_srgb_code, srgb_to_linear, tabletop_capture

H, W = 480, 640
S = 480 / 224


def flat(code: int | tuple[int, int, int]) -> np.ndarray:
    return np.broadcast_to(np.asarray(code, np.uint8), (H, W, 3)).copy()


def apply(name: str, image: np.ndarray, severity: int, seed: int = 0, context=None):
    return get(name)(image, severity, np.random.default_rng(seed), context or {})


def phi(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def big_phi(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def censored_normal_std(mean: float, sd: float, lo: float, hi: float) -> float:
    """Std of clip(mean + sd·Z, lo, hi) (closed form of the censored normal)."""
    a, b = (lo - mean) / sd, (hi - mean) / sd
    inside = big_phi(b) - big_phi(a)
    m1 = a * big_phi(a) + b * (1 - big_phi(b)) + phi(a) - phi(b)
    m2 = a * a * big_phi(a) + b * b * (1 - big_phi(b)) + inside - (b * phi(b) - a * phi(a))
    return sd * math.sqrt(m2 - m1 * m1)


@pytest.mark.parametrize("severity", [1, 2, 3, 4, 5])
def test_gaussian_noise_sigma(severity):
    """σ of the output on mid-grey is the table's σ × 255 within 3 % (the expected std
    accounts for clipping at 0/255 and adds the rounding's 1/12 code²)."""
    sigma = (0.08, 0.12, 0.18, 0.26, 0.38)[severity - 1]
    out = apply("gaussian_noise", flat(128), severity).data.astype(np.float64)
    expected = math.sqrt(censored_normal_std(128, 255 * sigma, 0, 255) ** 2 + 1 / 12)
    assert out.std() == pytest.approx(expected, rel=0.03)
    if severity <= 2:  # no clipping to speak of: the plain σ
        assert out.std() == pytest.approx(255 * sigma, rel=0.03)


def poisson_moments(x: float, photons: float) -> tuple[float, float]:
    """Mean and variance of round(255·min(k/λ, 1)), k ~ Poisson(x·λ), from the pmf."""
    lam = x * photons
    k = np.arange(0, int(lam + 20 * math.sqrt(lam) + 20))
    log_pmf = k * math.log(lam) - lam - np.array([math.lgamma(v + 1) for v in k])
    pmf = np.exp(log_pmf)
    codes = np.floor(255 * np.minimum(k / photons, 1.0) + 0.5)
    mean = float(np.sum(pmf * codes))
    return mean, float(np.sum(pmf * (codes - mean) ** 2))


@pytest.mark.parametrize("severity", [1, 3, 5])
def test_shot_noise_is_poisson(severity):
    photons = (60, 25, 12, 5, 3)[severity - 1]
    for code in (51, 102):
        out = apply("shot_noise", flat(code), severity).data.astype(np.float64)
        mean, var = poisson_moments(code / 255, photons)
        assert out.mean() == pytest.approx(mean, abs=0.3)
        assert out.var() == pytest.approx(var, rel=0.03)
    if severity == 1:  # no clipping: the variance is x/λ, proportional to x
        low = apply("shot_noise", flat(51), 1).data.astype(np.float64).var()
        high = apply("shot_noise", flat(102), 1).data.astype(np.float64).var()
        assert low == pytest.approx(255**2 * 0.2 / 60, rel=0.03)
        assert high / low == pytest.approx(2.0, rel=0.03)


@pytest.mark.parametrize("severity", [1, 5])
def test_impulse_noise_fraction(severity):
    amount = (0.03, 0.06, 0.09, 0.17, 0.27)[severity - 1]
    result = apply("impulse_noise", flat(128), severity)
    out = result.data
    assert np.mean(out == 0) == pytest.approx(amount / 2, rel=0.03)
    assert np.mean(out == 255) == pytest.approx(amount / 2, rel=0.03)
    assert np.mean(out != 128) == pytest.approx(amount, rel=0.03)
    assert np.array_equal(result.mask, (out != 128).any(axis=2))


@pytest.mark.parametrize("severity", [1, 5])
def test_speckle_noise_sigma(severity):
    sigma = (0.15, 0.2, 0.35, 0.45, 0.6)[severity - 1]
    out = apply("speckle_noise", flat(128), severity).data.astype(np.float64)
    expected = math.sqrt(censored_normal_std(128, 128 * sigma, 0, 255) ** 2 + 1 / 12)
    assert out.std() == pytest.approx(expected, rel=0.03)


def colour_chart(seed: int = 1) -> np.ndarray:
    """Random colours plus every grey level (S = 0) and black."""
    image = np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)
    image[:256, 0] = np.arange(256, dtype=np.uint8)[:, None]
    return image


def hsv_reference(image: np.ndarray, channel: int, fn) -> np.ndarray:
    """OpenCV float HSV round trip with ``fn`` applied to channel 1 (S) or 2 (V)."""
    hsv = cv2.cvtColor(image.astype(np.float32) / 255, cv2.COLOR_RGB2HSV)
    hsv[..., channel] = np.clip(fn(hsv[..., channel]), 0, 1)
    return np.floor(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB) * 255 + 0.5)


@pytest.mark.parametrize("severity", [1, 3, 5])
def test_brightness_against_opencv_hsv(severity):
    shift = (0.1, 0.2, 0.3, 0.4, 0.5)[severity - 1]
    image = colour_chart()
    out = apply("brightness", image, severity).data.astype(np.float64)
    assert np.abs(out - hsv_reference(image, 2, lambda v: v + shift)).max() <= 1


@pytest.mark.parametrize("severity", [1, 2, 3, 4, 5])
def test_saturate_against_opencv_hsv(severity):
    a, b = ((0.3, 0), (0.1, 0), (2, 0), (5, 0.1), (20, 0.2))[severity - 1]
    image = colour_chart()
    out = apply("saturate", image, severity).data.astype(np.float64)
    assert np.abs(out - hsv_reference(image, 1, lambda s: s * a + b)).max() <= 1


@pytest.mark.parametrize("severity", [1, 5])
def test_contrast_closed_form(severity):
    c = (0.4, 0.3, 0.2, 0.1, 0.05)[severity - 1]
    image = tabletop_capture().rgb
    x = image / 255.0
    mean = x.mean(axis=(0, 1))
    expected = np.floor(np.clip((x - mean) * c + mean, 0, 1) * 255 + 0.5)
    out = apply("contrast", image, severity).data.astype(np.float64)
    assert np.abs(out - expected).max() <= 1


@pytest.mark.parametrize("severity", [1, 5])
def test_jpeg_is_cv2_at_the_quality(severity):
    quality = (25, 18, 15, 10, 7)[severity - 1]
    image = tabletop_capture().rgb
    ok, encoded = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    expected = cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1]
    result = apply("jpeg_compression", image, severity)
    assert result.data.tobytes() == np.ascontiguousarray(expected).tobytes()
    assert result.params["quality"] == quality


def test_pixelate_blocks():
    """Factor 0.25 at 640 × 480: 4 × 4 blocks, each the (rounded) mean of its pixels."""
    image = tabletop_capture().rgb
    out = apply("pixelate", image, 5).data.astype(np.float64)
    blocks = out.reshape(120, 4, 160, 4, 3)
    assert np.all(blocks == blocks[:, :1, :, :1])
    means = image.reshape(120, 4, 160, 4, 3).mean(axis=(1, 3))
    assert np.abs(blocks[:, 0, :, 0] - means).max() <= 1
    # factor 0.6: 384 distinct columns at most
    out1 = apply("pixelate", image, 1).data
    changes = np.any(out1[:, 1:] != out1[:, :-1], axis=(0, 2)).sum()
    assert changes <= 383


def test_motion_kernel_closed_form():
    """Angle 0: taps i = 0 … 2·ceil(r) along +x, weights ∝ exp(−i²/2σ²) (ImageMagick)."""
    kernel, anchor = motion_kernel(10.0, 3.0, 0.0)
    i = np.arange(21)
    expected = np.exp(-(i**2) / 18.0)
    assert anchor == (0, 0)
    assert np.allclose(kernel[0, :21], expected / expected.sum(), atol=1e-7)
    assert np.allclose(kernel.sum(), 1.0, atol=1e-6)


def test_zoom_factors_and_scaled_parameters():
    image = tabletop_capture().rgb
    counts = [apply("zoom_blur", image, s).params["n_zooms"] for s in range(1, 6)]
    assert counts == [12, 16, 11, 13, 11]  # np.arange's float quirk at severity 1 included
    assert apply("defocus_blur", image, 5).params["radius_px"] == pytest.approx(10 * S)
    assert apply("gaussian_blur", image, 5).params["sigma_px"] == pytest.approx(6 * S)
    params = apply("motion_blur", image, 5).params
    assert params["radius_px"] == pytest.approx(20 * S)
    assert -45 <= params["angle_deg"] <= 45


def ramp_context():
    depth = np.tile(np.linspace(0.5, 120.0, W, dtype=np.float32), (H, 1))
    depth[:40] = 0.0  # sky
    K = np.array([[400.0, 0, W / 2 - 0.5], [0, 400.0, H / 2 - 0.5], [0, 0, 1]])
    return {"depth": depth, "K": K}


@pytest.mark.parametrize("severity", [1, 3, 5])
def test_depth_fog_koschmieder(severity):
    mor = (300.0, 150.0, 75.0, 40.0, 20.0)[severity - 1]
    context = ramp_context()
    depth, K = context["depth"], context["K"]
    u, v = np.meshgrid(np.arange(W), np.arange(H))
    distance = depth * np.sqrt(1 + ((u - K[0, 2]) / K[0, 0]) ** 2 + ((v - K[1, 2]) / K[1, 1]) ** 2)
    t = np.where(depth > 0, np.exp(-math.log(20) * distance / mor), 0.0)
    image = flat((30, 90, 160))
    lin = srgb_to_linear(image)
    expected = linear_to_srgb_code(lin * t[..., None] + 0.8 * (1 - t[..., None]))
    result = apply("depth_fog", image, severity, context=context)
    assert np.abs(result.data - expected).max() <= 1
    # the transmission read back from the output (blue channel: largest A − L)
    t_measured = (0.8 - srgb_to_linear(result.data[..., 2])) / (0.8 - lin[..., 2])
    assert np.abs(t_measured - t).max() < 0.01
    # mask: beyond the MOR (transmission < 5 %) and the sky; float32 may flip the boundary
    near, far = distance < mor * 0.999, distance > mor * 1.001
    assert result.mask[:40].all()
    assert not result.mask[40:][near[40:]].any() and result.mask[40:][far[40:]].all()


@pytest.mark.parametrize("severity", [1, 2, 3])
def test_low_light_noise_matches_raw_model(severity):
    """Linear light 2^−stops with noise variance shot·x + read (decoded from the codes)."""
    from simengine.corruptions.camera.physical import LOW_LIGHT_READ, LOW_LIGHT_SHOT

    x = 2.0 ** -severity
    out = srgb_to_linear(apply("low_light", flat(255), severity).data)
    assert out.mean() == pytest.approx(x, rel=0.02)
    assert out.var() == pytest.approx(LOW_LIGHT_SHOT * x + LOW_LIGHT_READ, rel=0.05)


@pytest.mark.parametrize("severity", [1, 3, 5])
def test_color_quantization_levels(severity):
    bits = (5, 4, 3, 2, 1)[severity - 1]
    image = np.broadcast_to(np.arange(256, dtype=np.uint8)[None, :, None], (8, 256, 3)).copy()
    out = apply("color_quantization", image, severity).data
    levels = np.unique(out)
    top = 2**bits - 1
    assert len(levels) == top + 1
    assert np.array_equal(levels, np.floor(np.arange(top + 1) * 255 / top + 0.5))
    assert np.abs(out.astype(int) - image).max() <= math.ceil(255 / top / 2)


def test_velocity_motion_blur_is_a_box_along_uniform_flow():
    """Uniform flow of 16 px per interval at exposure = interval (severity 3 with a 1/30 s
    interval): 9 samples 2 px apart, i.e. the mean of 9 shifted copies in linear light."""
    image = tabletop_capture().rgb
    context = {"flow": np.zeros((H, W, 2), np.float32), "frame_interval_s": 1 / 30}
    context["flow"][..., 0] = 16.0
    result = apply("velocity_motion_blur", image, 3, context=context)
    assert result.params["samples"] == 9
    lin = srgb_to_linear(image)
    shifted = [np.roll(lin, shift, axis=1) for shift in range(-8, 9, 2)]
    expected = linear_to_srgb_code(np.mean(shifted, axis=0))
    assert np.abs(result.data[:, 16:-16] - expected[:, 16:-16]).max() <= 1


def test_depth_defocus_sharp_in_focus_and_coc_formula():
    image = tabletop_capture().rgb
    in_focus = {"depth": np.full((H, W), 2.0, np.float32),
                "K": tabletop_capture().context["K"]}
    assert np.abs(apply("depth_defocus", image, 5, context=in_focus).data.astype(int)
                  - image).max() <= 1
    depth = np.full((H, W), 1.0, np.float32)
    depth[:, W // 2:] = 4.0
    context = {"depth": depth, "K": in_focus["K"]}
    params = apply("depth_defocus", image, 4, context=context).params
    f, n, d_f = 0.05, 2.0, params["focus_distance_m"]
    assert 1.0 <= d_f <= 4.0
    fx = in_focus["K"][0, 0]
    coc = [(f / n) * fx * abs(d - d_f) / (d * (d_f - f)) for d in (1.0, 4.0)]
    assert params["max_coc_px"] == pytest.approx(min(max(coc), 64.0), rel=1e-4)


def test_lens_dirt_coverage():
    image = tabletop_capture().rgb
    for severity, coverage in ((1, 0.02), (3, 0.10), (5, 0.30)):
        result = apply("lens_dirt", image, severity)
        assert result.mask.mean() == pytest.approx(coverage, rel=0.1)
        assert result.params["covered_fraction"] == pytest.approx(result.mask.mean())
