"""CNOSSOS-EU road-vehicle emission coefficients (Commission Directive (EU) 2015/996, Annex II,
Appendix F, Table F-1 as replaced by Commission Delegated Directive (EU) 2021/1226).

Why the 2021 table: the 2015 coefficients had been fitted with the Harmonoise propagation
model and under-estimate the emission when used with the CNOSSOS propagation model
(Peeters & van Blokland, Euronoise 2018; RIVM report 2019-0023); 2021/1226 raised A_R and
A_P by up to 5 dB (most in the low bands) and left B_R and B_P unchanged. The numbers below
are those of the amended table as transcribed by NoiseModelling (``RoadCnossos_2020.json``,
Universite Gustave Eiffel) and, independently, by phonometry (``_TABLE_F1``), which agree
to the digit.

Rows per category: ``A_R, B_R, A_P, B_P`` over the octave bands 63 Hz .. 8 kHz, in dB.
Categories 4a (mopeds) and 4b (motorcycles) have no rolling term (Table F-1 prints zeros,
and (2.2.3) sums propulsion only for them).
"""

from __future__ import annotations

import numpy as np

OCTAVE_HZ = np.array([63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0])
"""Nominal band centres; the exact base-2 centres are ``1000 * 2**(i - 4)`` Hz."""

TABLE_F1: dict[str, tuple[tuple[float, ...], ...]] = {
    "1": (  # light motor vehicles: cars, vans <= 3.5 t, SUVs, MPVs
        (83.1, 89.2, 87.7, 93.1, 100.1, 96.7, 86.8, 76.2),
        (30.0, 41.5, 38.9, 25.7, 32.5, 37.2, 39.0, 40.0),
        (97.9, 92.5, 90.7, 87.2, 84.7, 88.0, 84.4, 77.1),
        (-1.3, 7.2, 7.7, 8.0, 8.0, 8.0, 8.0, 8.0),
    ),
    "2": (  # medium heavy: vans > 3.5 t, buses, motorhomes with two axles
        (88.7, 93.2, 95.7, 100.9, 101.7, 95.1, 87.8, 83.6),
        (30.0, 35.8, 32.6, 23.8, 30.1, 36.2, 38.3, 40.1),
        (105.5, 100.2, 100.5, 98.7, 101.0, 97.8, 91.2, 85.0),
        (-1.9, 4.7, 6.4, 6.5, 6.5, 6.5, 6.5, 6.5),
    ),
    "3": (  # heavy: heavy duty vehicles, touring cars, buses with three or more axles
        (91.7, 96.2, 98.2, 104.9, 105.1, 98.5, 91.1, 85.6),
        (30.0, 33.5, 31.3, 25.4, 31.8, 37.1, 38.6, 40.6),
        (108.8, 104.2, 103.5, 102.9, 102.6, 98.5, 93.8, 87.5),
        (0.0, 3.0, 4.6, 5.0, 5.0, 5.0, 5.0, 5.0),
    ),
    "4a": (  # two-, three- and four-wheel mopeds
        (0.0,) * 8,
        (0.0,) * 8,
        (93.0, 93.0, 93.5, 95.3, 97.2, 100.4, 95.8, 90.9),
        (4.2, 7.4, 9.8, 11.6, 15.7, 18.9, 20.3, 20.6),
    ),
    "4b": (  # motorcycles, tricycles and quads
        (0.0,) * 8,
        (0.0,) * 8,
        (99.9, 101.9, 96.7, 94.4, 95.2, 94.7, 92.1, 88.6),
        (3.2, 5.9, 11.9, 11.6, 11.5, 12.6, 11.1, 12.0),
    ),
}

TEMPERATURE_K = {"1": 0.08, "2": 0.04, "3": 0.04, "4a": 0.0, "4b": 0.0}
"""K_m of (2.2.10), dB per degree C: rolling noise rises as the air gets colder."""

REFERENCE_TEMPERATURE_C = 20.0
REFERENCE_SPEED_KMH = 70.0
SPEED_RANGE_KMH = (20.0, 130.0)  # the range over which Annex II, 2.2.1 applies the model
