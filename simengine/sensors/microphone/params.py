"""Microphone array parameters: what a preset or a scene override may set (``sensors/*.yaml``).

A plain declaration, kept apart from the model so that loading and validating a scene never
compiles a Numba kernel.
"""

from __future__ import annotations

from ...params import Field

PARAMS = {
    "positions": Field("vectors", required=True, length=3, random=False),
    "sample_rate": Field("integer", default=16000, minimum=1000, maximum=192000, random=False),
    # Equivalent self-noise of each capsule in dB SPL (A-weighting not modelled: white noise).
    "self_noise_db_spl": Field("number", default=30.0, minimum=-20.0, maximum=120.0),
    "speed_of_sound": Field("number", default=343.0, positive=True),
    # Capsule directivity: first-order pattern a + (1 - a) cos(theta) about each capsule's
    # axis (omni a = 1, subcardioid 0.7, cardioid 0.5, supercardioid 0.37, hypercardioid 0.25,
    # figure8 0). Axes in the array frame, one per capsule; default: outward from the array
    # centre (the array's x axis for a capsule at the centre).
    "directivity": Field("string", default="omni", choices=("omni", "subcardioid", "cardioid",
                                                            "supercardioid", "hypercardioid",
                                                            "figure8")),
    "axes": Field("vectors", length=3, random=False),
    # Capsule mismatch, drawn per sample and channel: gain N(0, std) in dB, phase N(0, std)
    # in degrees (a frequency-independent phase rotation, as datasheets quote it at 1 kHz).
    "gain_mismatch_db_std": Field("number", default=0.0, minimum=0.0, maximum=20.0),
    "phase_mismatch_deg_std": Field("number", default=0.0, minimum=0.0, maximum=90.0),
    # Converter: clipping at the acoustic overload point (peak of a sine of this SPL; null =
    # no clipping) and quantisation to bit_depth bits over that full scale (0 = float).
    "clip_db_spl": Field("number", minimum=60.0, maximum=200.0),
    "bit_depth": Field("integer", default=0, minimum=0, maximum=32, random=False),
    # Optional outputs: clean per-source stems and log-mel features (librosa).
    "output_stems": Field("boolean", default=False, random=False),
    "output_logmel": Field("boolean", default=False, random=False),
    "n_mels": Field("integer", default=64, minimum=8, maximum=256, random=False),
}

# The log-mel output's analysis window and hop (s): fixed, so every store has one layout.
LOGMEL_WINDOW, LOGMEL_HOP = 0.025, 0.010
