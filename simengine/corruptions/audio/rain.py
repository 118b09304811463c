"""Rain heard by a microphone array, from the rain rate.

The field is ``noise``'s procedural rain (diffuse pink hiss plus drop crackle at the
real capsule positions); its loudness follows the rain's kinetic-energy flux,
``rain_physics.noise_level_db_spl`` (≈ 50 dB SPL at 2.5 mm/h, 66 dB at 50 mm/h), as an
absolute pressure added to the recording in pascals — unlike ``background_scene``, which
sets an SNR, a quiet scene gets the same rain as a loud one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...dsp import P_REF
from ..base import Result, register
from ..rain_physics import RAIN_RATES, noise_level_db_spl
from .noise import capsule_positions, rain_field, sample_rate, waveform


@register("rain_noise", "audio", "rain rate in mm/h (rain noise at an absolute level from "
          "the rain's kinetic-energy flux)", RAIN_RATES,
          needs=("sample_rate", "mic_positions"), precipitation=True)
def rain_noise(data: Any, rate: float, rng: np.random.Generator,
               context: Mapping[str, Any]) -> Result:
    """The recording plus rain at ``noise_level_db_spl(rate)`` RMS (module docstring)."""
    x = waveform(data)
    fs = sample_rate(context)
    mics = capsule_positions(context, x.shape[0])
    level = noise_level_db_spl(rate)
    field = rain_field(rng, mics, x.shape[1], fs) if x.shape[1] >= 2 else np.zeros_like(x)
    rms = math.sqrt(float(np.mean(field**2))) if field.size else 0.0
    gain = P_REF * 10.0 ** (level / 20.0) / rms if rms > 0 else 0.0
    out = (x + gain * field).astype(np.float32)
    signal = float(np.sum(x * x))
    noise = float(np.sum((out.astype(np.float64) - x) ** 2))
    snr = 10.0 * math.log10(signal / noise) if signal > 0 and noise > 0 else float("nan")
    return Result(out, {"rate_mm_per_h": rate, "level_db_spl": level, "snr_db": snr})
