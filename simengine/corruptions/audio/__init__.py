"""Audio corruptions of one microphone array's (C, N) float32 recording in pascals: added
sound (``noise``, ``rain``) and faults of the recording chain (``channel``)."""

from . import channel, noise, rain

MODULES = (channel, noise, rain)  # the modules that declare corruptions

from . import perturb  # noqa: E402  gain, speed, μ-law, low-pass, resampling

MODULES += (perturb,)
