"""Image statistics: the spectral slope of synthetic 1/f^alpha noise made here with a known
exponent, a flat grey image, saturation against OpenCV's HSV conversion computed
independently, contrast against closed-form values."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from simengine.report.image_stats import (
    LUMA_709,
    image_statistics,
    luminance,
    spectral_slope,
)


def power_law_noise(shape: tuple[int, int], alpha: float, seed: int) -> np.ndarray:
    """Real noise whose power spectrum is exactly |f|^-alpha (amplitude |f|^-alpha/2), random
    phases: the spectrum is set here, so the slope the estimator should find is -alpha."""
    rng = np.random.default_rng(seed)
    H, W = shape
    f = np.hypot(*np.meshgrid(np.fft.fftfreq(H), np.fft.fftfreq(W), indexing="ij"))
    f[0, 0] = 1.0
    white = np.fft.fft2(rng.standard_normal(shape))
    field = np.real(np.fft.ifft2(white / np.abs(white) * f ** (-alpha / 2)))
    return (field - field.mean()) / field.std()


@pytest.mark.parametrize("alpha", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("shape", [(512, 512), (384, 640)])
@pytest.mark.parametrize("seed", [0, 1])
def test_slope_of_power_law_noise_is_recovered(alpha, shape, seed):
    """One realisation's estimate scatters by about +-0.03 at these sizes (+-0.1 at 256^2:
    the phases interfere through the window), so +-0.1 is a margin, not a fit."""
    lum = 0.3 + 0.05 * power_law_noise(shape, alpha, seed=seed)
    assert spectral_slope(lum) == pytest.approx(-alpha, abs=0.1)


def test_slope_through_an_8bit_srgb_image():
    """The same noise as linear luminance encoded to 8-bit sRGB grey: decoding, luminance
    weighting and quantisation keep the slope within 0.1."""
    lum = np.clip(0.25 + 0.06 * power_law_noise((384, 640), 2.0, seed=3), 0.01, 1.0)
    enc = np.where(lum <= 0.0031308, 12.92 * lum, 1.055 * lum ** (1 / 2.4) - 0.055)
    rgb = np.repeat(np.rint(enc * 255).astype(np.uint8)[..., None], 3, axis=2)
    stats = image_statistics(rgb)
    assert stats["power_slope"] == pytest.approx(-2.0, abs=0.1)
    assert stats["amplitude_slope"] == pytest.approx(stats["power_slope"] / 2)


def test_grey_image_has_no_saturation_no_contrast_and_no_slope():
    rgb = np.full((64, 80, 3), 128, np.uint8)
    s = image_statistics(rgb)
    assert s["saturation_mean"] == s["saturation_p90"] == 0.0
    assert s["rms_contrast"] == 0.0 and s["michelson_contrast"] == 0.0
    assert np.isnan(s["power_slope"])
    # sRGB 128 decodes to 0.2158605 (IEC 61966-2-1), grey so luminance is the same value
    assert s["mean_luminance"] == pytest.approx(((128 / 255 + 0.055) / 1.055) ** 2.4)


def test_saturation_matches_opencv_hsv():
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    s = image_statistics(rgb)
    # OpenCV's BGR order, the other way round, and its float HSV (S in 0..1) as the check
    hsv = cv2.cvtColor(rgb[..., ::-1].astype(np.float32) / 255, cv2.COLOR_BGR2HSV)
    ref = hsv[..., 1]
    assert s["saturation_mean"] == pytest.approx(ref.mean(), abs=1 / 255)
    for q in (10, 50, 90):
        assert s[f"saturation_p{q}"] == pytest.approx(np.percentile(ref, q), abs=1 / 255)
    # and by the definition: (max - min) / max
    mx, mn = rgb.max(axis=2).astype(float), rgb.min(axis=2).astype(float)
    assert s["saturation_mean"] == pytest.approx(
        np.mean(np.where(mx > 0, (mx - mn) / np.maximum(mx, 1), 0)), abs=1 / 255)


def test_contrast_of_a_two_level_image():
    """Half the pixels at luminance a, half at b: log10 RMS contrast is |log10(b/a)| / 2 and
    Michelson (b - a) / (b + a)."""
    rgb = np.zeros((40, 40, 3), np.uint8)
    rgb[:, :20] = 60
    rgb[:, 20:] = 220
    a, b = luminance(rgb[:1, :1])[0, 0], luminance(rgb[:1, -1:])[0, 0]
    s = image_statistics(rgb)
    assert s["rms_contrast"] == pytest.approx(abs(np.log10(b / a)) / 2, rel=1e-9)
    assert s["michelson_contrast"] == pytest.approx((b - a) / (b + a), rel=1e-9)
    assert LUMA_709.sum() == pytest.approx(1.0)


def test_batch_aggregates_mean_and_std():
    rng = np.random.default_rng(1)
    batch = rng.integers(0, 256, (2, 3, 32, 32, 3), dtype=np.uint8)
    agg = image_statistics(batch)
    per = [image_statistics(im) for im in batch.reshape(-1, 32, 32, 3)]
    assert agg["images"] == 6
    v = [p["saturation_mean"] for p in per]
    assert agg["saturation_mean"] == pytest.approx(np.mean(v))
    assert agg["saturation_mean_std"] == pytest.approx(np.std(v))


def test_wrong_input_is_refused():
    with pytest.raises(ValueError, match="uint8"):
        image_statistics(np.zeros((8, 8, 3), np.float32))
