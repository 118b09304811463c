"""The audio_c suite and its new audio corruptions (audio/perturb.py).

The ranges are typed from their sources (docs/references.md#audio-c): audiomentations'
documented defaults (AddGaussianSNR 5–40 dB, LowPassFilter 150–7500 Hz, ClippingDistortion
0–40 %, Resample 8000–44100 Hz, Gain ±12 dB), Ko et al. (2015) speed factors 0.9 / 1.1,
G.711 μ-law (8 bits, μ = 255). Each new corruption is checked against a closed form: gain
ratios, a tone's frequency after a speed change, μ-law reconstruction levels and G.711's
quantisation SNR, the Butterworth magnitude response, a resampler's pass and stop band."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import yaml

from simengine import Engine
from simengine.corruptions import get, suites
from simengine.spec.loader import scene_from_dict

from ..conftest import MINI

AUDIO_C = ["gaussian_noise", "low_pass", "clipping", "resample", "gain", "speed", "mu_law",
           "packet_loss"]
# (mildest, harshest) of each entry and the source range it must lie in
RANGES = {
    "gaussian_noise": ((40, 5), (5, 40)),  # AddGaussianSNR min/max_snr_db
    "low_pass": ((7500, 150), (150, 7500)),  # LowPassFilter min/max_cutoff_freq
    "clipping": ((0.05, 0.40), (0.0, 0.40)),  # ClippingDistortion 0–40 percentile
    "resample": ((32000, 8000), (8000, 44100)),  # Resample min/max_sample_rate
    "gain": ((2.4, 12), (0, 12)),  # Gain ±12 dB
    "speed": ((0.025, 0.2), (0, 0.2)),  # Ko et al. 0.9/1.1; TimeStretch down to 0.8
    "mu_law": ((8, 4), (1, 8)),  # G.711: 8 bits
    "packet_loss": ((0.02, 0.3), (0, 1)),
}
FS = 16000.0


def test_audio_c_lists_its_eight_perturbations_within_their_published_ranges():
    suite = suites.get("audio_c")
    assert list(suite.names()) == AUDIO_C and suite.severities == 5
    for name, ((mild, harsh), (low, high)) in RANGES.items():
        levels = suites.corruption("audio_c", name).levels
        assert (levels[0], levels[-1]) == (mild, harsh)
        assert all(low <= v <= high for v in levels)
        assert list(levels) == sorted(levels, reverse=mild > harsh)  # monotone in severity


def _tone(freq: float, seconds: float = 1.0, channels: int = 2) -> np.ndarray:
    t = np.arange(int(FS * seconds)) / FS
    return np.tile(np.sin(2 * np.pi * freq * t), (channels, 1)).astype(np.float32)


def test_gain_scales_by_the_decibels_with_a_drawn_sign():
    x = _tone(300)
    signs = set()
    for seed in range(6):
        out = get("gain")(x, 5, np.random.default_rng(seed))
        g = out.params["gain_db"]
        assert abs(g) == 12.0
        signs.add(g > 0)
        np.testing.assert_allclose(out.data, x * 10 ** (g / 20), rtol=1e-6, atol=1e-7)
    assert signs == {True, False}


def _peak_hz(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    k = int(np.argmax(spectrum))
    # parabolic interpolation of the log peak: a fraction of a bin
    a, b, c = np.log(spectrum[k - 1:k + 2])
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * FS / x.size


def test_speed_moves_a_tone_by_the_factor():
    x = _tone(440.0)
    for seed in range(4):
        out = get("speed")(x, 3, np.random.default_rng(seed), {"sample_rate": FS})
        factor = out.params["factor"]
        assert abs(abs(factor - 1) - 0.1) < 1e-9
        # x'(t) = x(factor·t): 440·factor Hz, over the samples the speed change filled
        filled = int(out.params["samples_out"]) if factor > 1 else x.shape[1]
        assert _peak_hz(out.data[0, :filled]) == pytest.approx(440.0 * factor, abs=0.2)
        if factor > 1:  # faster: shorter content, the rest zero and masked
            assert out.mask[:, filled:].all() and not out.data[:, filled:].any()


@pytest.mark.parametrize("bits", [8, 4])
def test_mu_law_output_sits_on_the_expanded_code_levels(bits):
    x = _tone(97.0) * 0.7
    severity = {8: 1, 4: 5}[bits]
    out = get("mu_law")(x, severity, None).data.astype(np.float64)
    mu = 2**bits - 1
    full = float(np.abs(x).max())
    # reconstruction levels of codes k = 0 … μ: y = 2k/μ − 1, x = sgn(y)((1+μ)^|y| − 1)/μ
    y = 2 * np.arange(mu + 1) / mu - 1
    levels = np.sign(y) * ((1 + mu) ** np.abs(y) - 1) / mu * full
    nearest = np.abs(out[..., None] - levels).min(axis=-1)
    assert nearest.max() < 1e-5 * full
    assert len(np.unique(np.round(out / full, 6))) <= 2**bits


def test_mu_law_8_bit_snr_is_g711s():
    # G.711 μ-law: ≈ 38 dB signal-to-quantisation-noise for a full-scale sine
    x = _tone(1013.0, channels=1).astype(np.float64)
    out = get("mu_law")(x, 1, None).data.astype(np.float64)
    snr = 10 * np.log10(np.sum(x**2) / np.sum((out - x) ** 2))
    assert 36.0 < snr < 40.0


def _steady_gain_db(out: np.ndarray, x: np.ndarray) -> float:
    half = x.shape[1] // 2  # past the filter's start-up
    return 10 * np.log10(np.mean(out[0, half:] ** 2) / np.mean(x[0, half:] ** 2))


def test_low_pass_has_the_butterworth_magnitude():
    cutoff = 1060.0  # severity 3
    for f in (cutoff / 4, cutoff, 2 * cutoff):
        x = _tone(f)
        out = get("low_pass")(x, 3, None, {"sample_rate": FS}).data.astype(np.float64)
        # 4th order, bilinear: |H|² = 1 / (1 + (tan(πf/fs) / tan(πfc/fs))^8)
        warped = math.tan(math.pi * f / FS) / math.tan(math.pi * cutoff / FS)
        assert _steady_gain_db(out, x) == pytest.approx(-10 * math.log10(1 + warped**8),
                                                        abs=0.1)
    skipped = get("low_pass")(_tone(300), 1, None, {"sample_rate": 8000.0})
    assert skipped.params["skipped"] == 1.0  # 7500 Hz is above an 8 kHz recording's Nyquist


def test_resample_round_trip_keeps_the_band_below_the_new_nyquist():
    ctx = {"sample_rate": FS}
    passed = suites.corruption("audio_c", "resample")(_tone(1000.0), 5, None, ctx).data  # 8 kHz
    assert _steady_gain_db(passed.astype(np.float64), _tone(1000.0)) == pytest.approx(0, abs=0.1)
    stopped = suites.corruption("audio_c", "resample")(_tone(6000.0), 5, None, ctx).data
    assert _steady_gain_db(stopped.astype(np.float64), _tone(6000.0)) < -40
    same = suites.corruption("audio_c", "resample")(_tone(1000.0), 1, None, ctx)  # 32 kHz
    assert same.params["skipped"] == 1.0


def test_audio_c_grid_runs_end_to_end_on_the_mini_scene():
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["corruptions"] = copy.deepcopy([{"name": "ac", "suite": "audio_c", "policy": "grid",
                                          "corruptions": ["gain", "mu_law"]}])
    engine = Engine(scene_from_dict(data, source=str(MINI)), seed=3)
    sample = engine.sample(0)
    clean = sample["audio/mics/waveform"].astype(np.float64)
    assert engine.spec.corruptions[0].slots == 10
    for slot in range(10):
        assert sample[f"corrupted/ac/{slot}/severity"].tolist() == [
            slot % 5 + 1 if i == slot // 5 else 0 for i in range(2)]
    loud = sample["corrupted/ac/4/audio/mics/waveform"].astype(np.float64)  # gain ±12 dB
    ratio = np.sum(loud * clean) / np.sum(clean * clean)
    assert min(abs(ratio - 10 ** (12 / 20)), abs(ratio - 10 ** (-12 / 20))) < 1e-4
    coarse = sample["corrupted/ac/9/audio/mics/waveform"]  # μ-law 4 bits
    assert len(np.unique(coarse)) <= 16 and not np.array_equal(coarse, clean)
