"""Actor sounds: the carrier vehicle's screening (detour in closed form, ISO 9613-2's
barrier attenuation written out here) and vehicles listed as sounding actors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simengine.sensors.microphone.actor_sounds import screened, screening_detour


def test_detour_over_a_saloon_roof():
    size, mount = (4.6, 1.8, 1.45), np.array([-0.3, 0.0, 1.6])
    around = 0.9 + (1.45 - 0.05) + math.sqrt(0.3**2 + 0.9**2 + 0.15**2)
    direct = math.sqrt(0.3**2 + (1.6 - 0.05) ** 2)
    assert screening_detour(size, mount) == pytest.approx(around - direct, abs=1e-12)
    # a capsule beside the body or below its roof has no roof edge to go over
    assert screening_detour(size, np.array([0.0, 1.2, 1.0])) == 0.0


@pytest.mark.parametrize("f", [63.0, 250.0, 1000.0])
def test_screening_is_iso_9613_2_single_diffraction(f):
    fs, c, detour = 16000.0, 343.0, 1.2
    n = 16000
    x = np.sin(2 * np.pi * f * np.arange(n) / fs)  # whole cycles: a single FFT bin
    y = screened(x, fs, detour, c)
    fresnel = 2.0 * detour / (c / f)
    expected = min(10 * math.log10(3 + 20 * fresnel), 20.0)  # ISO 9613-2 eq. (14), C2 = 20
    got = 20 * math.log10(np.sqrt(np.mean(x**2)) / np.sqrt(np.mean(y**2)))
    assert got == pytest.approx(expected, abs=0.01)
