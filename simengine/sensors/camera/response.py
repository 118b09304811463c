"""Camera response in linear radiance: exposure in EV100, white balance, a filmic tone curve.

These steps run before ``effects.develop``'s own pipeline (gain, vignetting, raw noise, clip,
OETF, quantisation), and only when asked for: ``apply_response`` maps scene radiance in
cd/m² (linear Rec.709/sRGB primaries, Y of the RGB = luminance) to display-linear values.
Sources: docs/references.md#camera-response.

1. Exposure (Lagarde & de Rousiers 2014, "Moving Frostbite to PBR", §5.1, saturation-based
   speed, ISO 100): ``x = L / L_max`` with ``L_max = 1.2 · 2^EV100`` (78 / (S q) with
   S = 100, q = 0.65). Auto-exposure meters the log-average luminance (Reinhard et al. 2002)
   and takes ``EV100 = log2(L_avg · 100 / 12.5)`` (reflected-light meter calibration
   K = 12.5), so a surface at L_avg maps to 12.5 / 120 = 0.1042 ("middle grey" before the
   tone curve). ``compensation_ev`` > 0 brightens: EV100 - compensation.
2. White balance: a von Kries adaptation in the Bradford cone space (Lam 1985; matrix as
   published by Lindbloom / CIECAM97s) from the illuminant's white (CIE daylight locus,
   4000-25000 K; Kang et al. 2002 Planckian fit, 1667-4000 K) to D65, the white of the
   sRGB primaries. The two loci do not meet at 4000 K (Δy ≈ 0.005): a step there.
3. Tone curve, display-linear in [0, 1]: "aces" (Narkowicz 2015 fit of the ACES RRT+ODT,
   x(2.51x + 0.03) / (x(2.43x + 0.59) + 0.14)) or "hable" (Hable 2010, Uncharted 2, A..F =
   0.15, 0.50, 0.10, 0.20, 0.02, 0.30, white point W = 11.2, F(x) / F(W)); both clipped to
   [0, 1]. Neither pre-scales its input (Narkowicz suggests x·0.6, Hable an exposure bias
   of 2): the exposure step owns the scale.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

# IEC 61966-2-1 (sRGB) / ITU-R BT.709 primaries and the D65 white, CIE 1931 xy.
SRGB_PRIMARIES_XY = np.array([[0.64, 0.33], [0.30, 0.60], [0.15, 0.06]])
D65_XY = np.array([0.3127, 0.3290])
D65_CCT_K = 6504.0

# Bradford cone response (Lam 1985), XYZ -> "sharpened" RGB, rows L, M, S.
BRADFORD = np.array([[0.8951, 0.2664, -0.1614],
                     [-0.7502, 1.7135, 0.0367],
                     [0.0389, -0.0685, 1.0296]])

CALIBRATION_K = 12.5    # reflected-light meter constant (ISO 2720), cd·s/m²
SATURATION_Q = 1.2      # 78 / (100 · 0.65): L_max = 1.2 · 2^EV100 at ISO 100
MIDDLE_GREY = CALIBRATION_K / (100.0 * SATURATION_Q)  # 0.1042: L_avg after exposure
LOG_AVERAGE_DELTA = 1e-4  # cd/m²: floor of the metered luminance, keeps log() finite on black

HABLE = {"A": 0.15, "B": 0.50, "C": 0.10, "D": 0.20, "E": 0.02, "F": 0.30, "W": 11.2}
TONE_CURVES = {"none": 0, "aces": 1, "hable": 2}
RESPONSE_KEYS = frozenset({"ev100", "auto_exposure", "white_balance_k", "tone_curve"})


def xy_to_xyz(xy: np.ndarray, luminance: float = 1.0) -> np.ndarray:
    """CIE xy chromaticity -> XYZ with Y = ``luminance``."""
    x, y = float(xy[0]), float(xy[1])
    return np.array([x / y, 1.0, (1.0 - x - y) / y]) * luminance


def _rgb_to_xyz_matrix() -> np.ndarray:
    """Linear sRGB -> XYZ from the primaries and the D65 white (RGB (1,1,1) -> D65, Y = 1);
    rounds to IEC 61966-2-1's published four-decimal matrix."""
    prim = np.stack([xy_to_xyz(p) for p in SRGB_PRIMARIES_XY], axis=1)
    scale = np.linalg.solve(prim, xy_to_xyz(D65_XY))
    return prim * scale


LINEAR_SRGB_TO_XYZ = _rgb_to_xyz_matrix()
XYZ_TO_LINEAR_SRGB = np.linalg.inv(LINEAR_SRGB_TO_XYZ)
LUMINANCE_WEIGHTS = LINEAR_SRGB_TO_XYZ[1].copy()  # 0.2126, 0.7152, 0.0722


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Y (cd/m² for radiance in cd/m²) of linear sRGB values (..., 3)."""
    return np.asarray(rgb, dtype=np.float64) @ LUMINANCE_WEIGHTS


def xyz_to_linear_srgb(xyz: np.ndarray) -> np.ndarray:
    """CIE XYZ (..., 3) -> linear sRGB (..., 3), float64 (may leave the gamut: negatives)."""
    return np.asarray(xyz, dtype=np.float64) @ XYZ_TO_LINEAR_SRGB.T


# ---- exposure -------------------------------------------------------------------------

def exposure_scale(ev100: float) -> float:
    """Multiplier from luminance (cd/m²) to sensor-relative exposure: 1 / (1.2 · 2^EV100)."""
    return 1.0 / (SATURATION_Q * 2.0 ** float(ev100))


def auto_ev100(linear_rgb: np.ndarray, *, compensation_ev: float = 0.0,
               percentiles: tuple[float, float] | None = None) -> float:
    """EV100 metered from the log-average luminance of ``linear_rgb`` (..., 3) in cd/m².

    ``percentiles`` (lo, hi) in [0, 100] drops pixels whose luminance lies outside that
    percentile range before averaging (a sky or a specular highlight then does not set the
    exposure alone). ``compensation_ev`` > 0 brightens the image.
    """
    y = luminance(linear_rgb).ravel()
    y = np.where(np.isfinite(y), np.maximum(y, 0.0), 0.0)
    if percentiles is not None:
        lo, hi = (float(p) for p in percentiles)
        if not 0.0 <= lo < hi <= 100.0:
            raise ValueError(f"auto_exposure percentiles: expected 0 <= lo < hi <= 100, "
                             f"got {percentiles!r}")
        y_lo, y_hi = np.percentile(y, [lo, hi])
        y = y[(y >= y_lo) & (y <= y_hi)]
    if y.size == 0:
        raise ValueError("auto_ev100: no pixels to meter")
    log_avg = math.exp(float(np.mean(np.log(np.maximum(y, LOG_AVERAGE_DELTA)))))
    return math.log2(log_avg * 100.0 / CALIBRATION_K) - float(compensation_ev)


# ---- white balance --------------------------------------------------------------------

def daylight_xy(cct_k: float) -> np.ndarray:
    """CIE daylight locus (CIE 15:2004, eq. 3.3/3.4) at a CCT of 4000-25000 K."""
    t = float(cct_k)
    if not 4000.0 <= t <= 25000.0:
        raise ValueError(f"daylight locus: CCT must be in [4000, 25000] K, got {t}")
    if t <= 7000.0:
        x = 0.244063 + 0.09911e3 / t + 2.9678e6 / t**2 - 4.6070e9 / t**3
    else:
        x = 0.237040 + 0.24748e3 / t + 1.9018e6 / t**2 - 2.0064e9 / t**3
    return np.array([x, -3.000 * x * x + 2.870 * x - 0.275])


def planckian_xy(temperature_k: float) -> np.ndarray:
    """Planckian locus, Kang et al. 2002 cubic fit, 1667-25000 K."""
    t = float(temperature_k)
    if not 1667.0 <= t <= 25000.0:
        raise ValueError(f"Planckian locus: T must be in [1667, 25000] K, got {t}")
    if t <= 4000.0:
        x = -0.2661239e9 / t**3 - 0.2343589e6 / t**2 + 0.8776956e3 / t + 0.179910
    else:
        x = -3.0258469e9 / t**3 + 2.1070379e6 / t**2 + 0.2226347e3 / t + 0.240390
    if t <= 2222.0:
        y = -1.1063814 * x**3 - 1.34811020 * x**2 + 2.18555832 * x - 0.20219683
    elif t <= 4000.0:
        y = -0.9549476 * x**3 - 1.37418593 * x**2 + 2.09137015 * x - 0.16748867
    else:
        y = 3.0817580 * x**3 - 5.87338670 * x**2 + 3.75112997 * x - 0.37001483
    return np.array([x, y])


def illuminant_xy(temperature_k: float) -> np.ndarray:
    """White of an illuminant of colour temperature T: the daylight locus from 4000 K up,
    the Planckian locus (Kang et al.) below (incandescent, sodium-free warm light)."""
    t = float(temperature_k)
    return daylight_xy(t) if t >= 4000.0 else planckian_xy(t)


def bradford_matrix(src_xy: np.ndarray, dst_xy: np.ndarray) -> np.ndarray:
    """XYZ -> XYZ von Kries adaptation in Bradford space from white ``src_xy`` to ``dst_xy``
    (both at Y = 1, so luminance of the white is kept)."""
    src = BRADFORD @ xy_to_xyz(src_xy)
    dst = BRADFORD @ xy_to_xyz(dst_xy)
    return np.linalg.inv(BRADFORD) @ np.diag(dst / src) @ BRADFORD


def white_balance_matrix(illuminant_k: float) -> np.ndarray:
    """3x3 on linear sRGB that maps the white of an illuminant at ``illuminant_k`` to the
    D65 white, RGB (1, 1, 1) · its luminance (Bradford CAT)."""
    cat = bradford_matrix(illuminant_xy(illuminant_k), D65_XY)
    return XYZ_TO_LINEAR_SRGB @ cat @ LINEAR_SRGB_TO_XYZ


# ---- tone curves ----------------------------------------------------------------------

def aces_filmic(x: np.ndarray) -> np.ndarray:
    """Narkowicz 2015 ACES fit, clipped to [0, 1] (input >= 0)."""
    x = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
    return np.clip(x * (2.51 * x + 0.03) / (x * (2.43 * x + 0.59) + 0.14), 0.0, 1.0)


def _hable_raw(x: np.ndarray) -> np.ndarray:
    a, b, c, d, e, f = (HABLE[k] for k in "ABCDEF")
    return (x * (a * x + c * b) + d * e) / (x * (a * x + b) + d * f) - e / f


def hable_filmic(x: np.ndarray) -> np.ndarray:
    """Hable 2010 (Uncharted 2) curve normalised by its white point W = 11.2, in [0, 1]."""
    x = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
    return np.clip(_hable_raw(x) / _hable_raw(np.float64(HABLE["W"])), 0.0, 1.0)


def tone_curve(x: np.ndarray, name: str) -> np.ndarray:
    """Apply the named curve ("none", "aces", "hable"); "none" returns x as float64."""
    if name == "aces":
        return aces_filmic(x)
    if name == "hable":
        return hable_filmic(x)
    if name == "none":
        return np.asarray(x, dtype=np.float64)
    raise ValueError(f"tone_curve: expected one of {sorted(TONE_CURVES)}, got {name!r}")


# ---- the response as one step of develop() ---------------------------------------------

def _parse_auto(auto: object) -> tuple[bool, float, tuple[float, float] | None]:
    if auto in (None, False):
        return False, 0.0, None
    if auto is True:
        return True, 0.0, None
    if isinstance(auto, dict):
        unknown = set(auto) - {"compensation_ev", "percentiles"}
        if unknown:
            raise ValueError(f"auto_exposure: unknown keys {sorted(unknown)} "
                             f"(expected compensation_ev, percentiles)")
        pct = auto.get("percentiles")
        return True, float(auto.get("compensation_ev", 0.0)), (
            None if pct is None else (float(pct[0]), float(pct[1])))
    raise ValueError(f"auto_exposure: expected a bool or {{compensation_ev, percentiles}}, "
                     f"got {auto!r}")


def apply_response(linear_rgb: np.ndarray, params: dict) -> tuple[np.ndarray, dict[str, float]]:
    """Exposure, then white balance, then tone curve (each only when its key is given).

    Parameters
    ----------
    linear_rgb : (H, W, 3) float array
        Scene radiance, cd/m² per channel, linear sRGB primaries.
    params : dict
        Any of ``ev100`` (float), ``auto_exposure`` (bool or ``{"compensation_ev": c,
        "percentiles": [lo, hi]}``; exclusive with ev100), ``white_balance_k`` (illuminant
        temperature, 1667-25000 K), ``tone_curve`` ("none", "aces", "hable"). Other keys
        are ignored (they belong to develop).

    Returns
    -------
    out : (H, W, 3) float64
        Display-linear values (in [0, 1] after a tone curve).
    used : dict[str, float]
        ``ev100`` (NaN when there is no exposure step), ``auto_exposure`` (1.0 / 0.0),
        ``white_balance_k`` (0.0 when off), ``tone_curve`` (0 none, 1 aces, 2 hable).
        Auto-exposure meters the image as given, before white balance (like a camera's
        meter on the raw signal).
    """
    out = np.asarray(linear_rgb, dtype=np.float64)
    auto, comp, pct = _parse_auto(params.get("auto_exposure"))
    ev = params.get("ev100")
    if auto and ev is not None:
        raise ValueError("ev100 and auto_exposure are exclusive")
    if ev is not None and not (isinstance(ev, numbers.Real) and math.isfinite(ev)):
        raise ValueError(f"ev100: expected a finite number, got {ev!r}")
    ev100 = auto_ev100(out, compensation_ev=comp, percentiles=pct) if auto else ev
    if ev100 is not None:
        out = out * exposure_scale(ev100)

    wb = params.get("white_balance_k")
    if wb is not None:
        if not isinstance(wb, numbers.Real):
            raise ValueError(f"white_balance_k: expected a temperature in K, got {wb!r}")
        out = out @ white_balance_matrix(float(wb)).T

    curve = params.get("tone_curve", "none")
    curve = "none" if curve is None else curve
    if curve not in TONE_CURVES:
        raise ValueError(f"tone_curve: expected one of {sorted(TONE_CURVES)}, got {curve!r}")
    out = tone_curve(out, curve)
    used = {"ev100": float("nan") if ev100 is None else float(ev100),
            "auto_exposure": float(auto),
            "white_balance_k": 0.0 if wb is None else float(wb),
            "tone_curve": float(TONE_CURVES[curve])}
    return out, used
