"""Ambient beds: the diffuse background of a kind of place, with a measured spectrum shape.

A bed is a spherically isotropic noise field (:func:`.sources.diffuse_noise`) whose power
spectrum follows an octave-band table (63 Hz .. 8 kHz), set to the scene's level (usually
``level_dba``, the A-weighted LAeq at the array). Sources in docs/references.md#ambient-beds.

- ``urban_traffic``: the hum of distant road traffic: the CNOSSOS-EU emission spectrum of a
  category 1 (light) vehicle at 50 km/h (:mod:`.traffic`), after ``TRAFFIC_DISTANCE_M`` of
  air absorption (:data:`.room.AIR_A_DB`): the far field of a city street, lower and duller
  than a passing car. Daytime urban levels 55-70 dB(A) (EEA noise maps: most city dwellers
  live at Lden 55-70).
- ``hvac``: the Noise Criterion curve NC-35 (Beranek 1957; ANSI S12.2), the spectrum shape
  building services are designed to; offices and open-plan rooms 35-45 dB(A).
- ``room_tone``: NC-25, a quiet room (bedrooms, studios, 25-35 dB(A)).

Between band centres the power density (per Hz) is interpolated linearly in log-log, with
the centre values fitted so that every octave band holds exactly its tabulated power; beyond
the end bands it continues their slope; below 20 Hz and at DC it is zero.
"""

from __future__ import annotations

import functools

import numpy as np

OCTAVES_HZ = np.array([63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0])
TRAFFIC_DISTANCE_M = 100.0
MIN_HZ = 20.0
BAND_FIT_STEPS = 12

# Noise Criterion curves, octave band SPL (dB) at 63 .. 8000 Hz (Beranek 1957, as tabulated
# in ANSI/ASA S12.2 and the ASHRAE Handbook, HVAC Applications, ch. 49)
NC_35 = (60.0, 52.0, 45.0, 40.0, 36.0, 34.0, 33.0, 32.0)
NC_25 = (54.0, 44.0, 37.0, 31.0, 27.0, 24.0, 22.0, 21.0)


def _urban_traffic() -> np.ndarray:
    from .room import AIR_A_DB
    from .traffic import emission

    band = np.asarray(emission(1, 50.0).total, np.float64).reshape(-1)
    return band - AIR_A_DB * OCTAVES_HZ**2 * TRAFFIC_DISTANCE_M


BEDS = {"urban_traffic": _urban_traffic,
        "hvac": lambda: np.array(NC_35),
        "room_tone": lambda: np.array(NC_25)}


def band_levels(bed: str) -> np.ndarray:
    """Octave-band levels (dB, 63 Hz .. 8 kHz) of a bed's spectrum shape."""
    if bed not in BEDS:
        raise ValueError(f"unknown ambient bed {bed!r}; expected one of {sorted(BEDS)}")
    return BEDS[bed]()


def _density_db(freqs: np.ndarray, centre_db: np.ndarray) -> np.ndarray:
    """Power density (dB per Hz) through ``centre_db`` at the band centres, log-log linear,
    continuing the end slopes."""
    logf = np.log10(OCTAVES_HZ)
    x = np.log10(np.maximum(np.asarray(freqs, np.float64), MIN_HZ))
    d = np.interp(x, logf, centre_db)
    lo_slope = (centre_db[1] - centre_db[0]) / (logf[1] - logf[0])
    hi_slope = (centre_db[-1] - centre_db[-2]) / (logf[-1] - logf[-2])
    d = np.where(x < logf[0], centre_db[0] + lo_slope * (x - logf[0]), d)
    return np.where(x > logf[-1], centre_db[-1] + hi_slope * (x - logf[-1]), d)


@functools.lru_cache(maxsize=8)
def _centre_density_db(bed: str) -> np.ndarray:
    """Densities at the band centres whose interpolation integrates to the table's band
    levels: a peaked spectrum's band holds less than its centre density times its width,
    so the centres are raised until every band's power is the table's (fixed point)."""
    target = band_levels(bed)
    grid = np.geomspace(OCTAVES_HZ[0] / 2**0.5, OCTAVES_HZ[-1] * 2**0.5, 4096)
    centre = target - 10.0 * np.log10(0.7071 * OCTAVES_HZ)
    for _ in range(BAND_FIT_STEPS):
        power = 10.0 ** (_density_db(grid, centre) / 10.0)
        got = np.array([10.0 * np.log10(_integral(power[m], grid[m]))
                        for m in ((grid >= f / 2**0.5) & (grid <= f * 2**0.5)
                                  for f in OCTAVES_HZ)])
        centre = centre + (target - got)
    return centre


def _integral(y: np.ndarray, x: np.ndarray) -> float:
    """Trapezoidal rule (numpy >= 2 renamed its own; the package supports 1.26)."""
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(x)))


def amplitude_weights(freqs: np.ndarray, bed: str) -> np.ndarray:
    """Amplitude weight per frequency (sqrt of the power density), for shaping white
    spectra, such that each octave band holds the table's share of the power."""
    centre = _centre_density_db(bed)
    w = 10.0 ** ((_density_db(freqs, centre) - centre.max()) / 20.0)
    return np.where(np.asarray(freqs) < MIN_HZ, 0.0, w)
