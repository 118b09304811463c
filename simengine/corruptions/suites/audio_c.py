"""``audio_c``: the common audio-robustness perturbations on 5 severities
(docs/references.md#audio-c): noise at an SNR, low-pass, clipping, resampling round trip,
gain, speed, μ-law and packet loss.

No single published benchmark fixes all eight with severity tables, so each spans the
default range of the transform that audiomentations (the most used augmentation library)
documents for it (AddGaussianSNR 5–40 dB, LowPassFilter 150–7500 Hz, ClippingDistortion
0–40 %, Resample 8–44.1 kHz, Gain ±12 dB), speed spans Ko et al.'s (2015) 0.9 / 1.1 speed
perturbation out to TimeStretch's 0.8, μ-law starts at G.711 (8 bits), and packet loss
takes 20 ms packets lost with probability 2–30 %. Severity 1 is the mild end. A low-pass
cut-off at or above the recording's Nyquist frequency and a resampling rate at or above its
own rate change nothing (the corruption records ``skipped``): on a 16 kHz array the
resampling entry acts from severity 4 (11025 Hz), as Resample would.
"""

from __future__ import annotations

from .base import Suite, SuiteEntry

SUITE = Suite(
    name="audio_c",
    title="Audio corruptions on audiomentations' default ranges (and Ko et al. 2015, G.711)",
    reference="audio-c",
    scale=("1", "2", "3", "4", "5"),
    entries=(
        SuiteEntry("gaussian_noise", "gaussian_noise_snr", (40.0, 30.0, 20.0, 10.0, 5.0),
                   group="noise"),
        SuiteEntry("low_pass", "low_pass", (7500.0, 2800.0, 1060.0, 400.0, 150.0),
                   group="channel"),
        SuiteEntry("clipping", "clipping", (0.05, 0.10, 0.20, 0.30, 0.40), group="channel"),
        SuiteEntry("resample", "resample_round_trip",
                   (32000.0, 22050.0, 16000.0, 11025.0, 8000.0), group="channel"),
        SuiteEntry("gain", "gain", (2.4, 4.8, 7.2, 9.6, 12.0), group="level"),
        SuiteEntry("speed", "speed", (0.025, 0.05, 0.1, 0.15, 0.2), group="level"),
        SuiteEntry("mu_law", "mu_law", (8, 7, 6, 5, 4), group="codec"),
        SuiteEntry("packet_loss", "packet_loss", (0.02, 0.05, 0.1, 0.2, 0.3), group="codec"),
    ),
    doc="8 perturbations (noise, low-pass, clipping, resampling, gain, speed, μ-law, packet "
        "loss), severities 1-5 spanning audiomentations' default ranges.",
)
