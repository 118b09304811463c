"""How loud an impact is: the energy budget of a contact and the modes that radiate it.

An impact's sound is paid for by the kinetic energy the contact dissipates. For a normal
impact of relative speed ``v``, effective mass ``m_eff = m_a m_b / (m_a + m_b)`` and
coefficient of restitution ``e``, the normal impulse is ``J = m_eff (1 + e) v`` and the
kinetic energy lost is ``E = m_eff v^2 (1 - e^2) / 2``. Eliminating ``m_eff``:

    E_diss = J v (1 - e) / 2

so the event's recorded impulse and speed are enough; no mass is needed. A fraction
``eta`` of it leaves as sound (``radiated_energy``), split over the two bodies: each body
radiates ``E_diss / 2`` times its own efficiency, so ``eta`` of the pair is the mean of the
two. A body's efficiency is its material's ``radiation_efficiency`` (the fraction for modes
that radiate fully, ``ka >> 1``) times the modes' mean radiation ratio ``(ka)^2 / (1 +
(ka)^2)``: the radiation resistance of a pulsating sphere of radius ``a`` over ``rho c S``
(e.g. Kinsler et al., *Fundamentals of Acoustics*, the pulsating sphere), with
``a = size / 2`` and ``k = 2 pi f / c``. Low, soft modes (rubber, fabric, grass) radiate
little; with the table's 1/size frequency law ``ka`` of a mode is the same at every size,
so a body's size changes its pitch and ring time but not this ratio.

Each body rings with its material's modes at ``f_k = f0 * ratio_k * (0.1 / size)`` and decay
``tau_k = 1 / (pi f_k eta_loss)`` (a mode of loss factor ``eta_loss`` loses its energy at
rate ``omega eta_loss``, i.e. its amplitude at ``pi f eta_loss``): small bodies ring high
and short, metal rings long, rubber thuds. The table's relative amplitudes ``a_k`` share a
body's vibration energy as ``a_k^2``. Amplitudes are set so that the dry pressure at 1 m
carries exactly the radiated energy, ``E = 4 pi r^2 / (rho c) * integral p^2 dt`` at
``r = 1`` m (``rho c = 413`` Pa s/m, air at 20 °C), computed in closed form (``ringing_energy``)
for the sampled, untruncated ringing, so cutting a ringing short at the end of the window
only ever removes energy.

The environment (instance 0: ground, floor, walls) is no free body of 1 m: it is coupled to
the rest of the structure, which carries vibration away. Its modes get the extra loss factor
``1 / sqrt(f)`` (EN 12354-1's estimate of the total loss factor of a heavy building element in
situ, ``eta_int + 1/sqrt(f)``) and radiate only the share ``eta_int / eta_total`` of their
energy here (the rest leaves through the structure), so a floor thuds instead of ringing
like a free slab, at the same peak amplitude.

Sources: docs/references.md#impact-loudness-from-energy.
"""

from __future__ import annotations

import math

import numpy as np

from ...materials import Material

RHO_C = 413.0  # Pa s/m: characteristic impedance of air at 20 °C
SPEED_OF_SOUND = 343.0  # m/s at 20 °C (the radiation ratio's k = 2 pi f / c)
REFERENCE_SIZE = 0.1  # m: the size ``f0_hz`` of the material table refers to
MAX_MODE_FRACTION = 0.45  # of the sample rate: higher modes would alias
# Below this relative normal speed a contact is resting or settling, not an impact: the
# speed of a 0.5 mm fall (v^2 / 2g), about twice what one 240 Hz physics step of gravity
# gives a body resting on another (g dt = 0.04 m/s).
MIN_IMPACT_SPEED = 0.1  # m/s
# Share of an impact's radiated energy in the broadband contact click (the rest rings):
# squeezed into ~0.3 ms it sets the peak; 2 % puts the click's peak near the ringing's
# (a wood-on-wood knock: both about 94 dB at 1 m for 0.3 J dissipated), so the attack
# stays sharp without a click-dominated peak level.
CLICK_SHARE = 0.02


def exposure_per_joule() -> float:
    """``integral p^2 dt`` (Pa² s) at 1 m per joule radiated uniformly over a sphere."""
    return RHO_C / (4.0 * math.pi)


def dissipated_energy(impulse: float, speed: float, restitution: float | None = None) -> float:
    """Kinetic energy (J) a normal impact of ``impulse`` (N s) and relative normal ``speed``
    (m/s) dissipates: ``J v (1 - e) / 2`` (module docstring). An unknown ``restitution``
    counts as 0, the upper bound for a given impulse; values are clamped to [0, 1]. Contacts
    slower than ``MIN_IMPACT_SPEED`` dissipate nothing audible and give 0."""
    if not (math.isfinite(impulse) and math.isfinite(speed)) or impulse <= 0:
        return 0.0
    if abs(speed) < MIN_IMPACT_SPEED:
        return 0.0
    e = 0.0 if restitution is None or not math.isfinite(restitution) else restitution
    e = min(max(float(e), 0.0), 1.0)
    return 0.5 * float(impulse) * abs(float(speed)) * (1.0 - e)


def radiation_ratio(freq: np.ndarray, size: float) -> np.ndarray:
    """``(ka)^2 / (1 + (ka)^2)`` of modes at ``freq`` (Hz) on a body of ``size`` (m)."""
    ka = 2.0 * math.pi * np.asarray(freq, np.float64) * (0.5 * size) / SPEED_OF_SOUND
    return ka**2 / (1.0 + ka**2)


def mode_frequencies(m: Material, size: float) -> np.ndarray:
    return np.array([m.f0_hz * r for r, _, _ in m.modes], np.float64) * (REFERENCE_SIZE / size)


def mode_shares(m: Material) -> np.ndarray:
    """Fraction of a body's vibration energy in each mode: ``a_k^2 / sum a_j^2``."""
    a = np.array([amp for _, _, amp in m.modes], np.float64)
    return a**2 / np.sum(a**2)


def loss_factors(m: Material, freqs: np.ndarray, environment: bool) -> np.ndarray:
    """Total loss factor of each mode: the material's, plus ``1 / sqrt(f)`` for the
    environment (coupled to the rest of the structure; module docstring)."""
    extra = 1.0 / np.sqrt(freqs) if environment else 0.0
    return m.loss_factor + extra + np.zeros_like(freqs)


def _mode_weights(m: Material, size: float, environment: bool) -> np.ndarray:
    """Per-mode radiated fraction of the body's dissipated energy, over ``radiation_efficiency``:
    energy share x radiation ratio x the share not carried away by the structure."""
    freqs = mode_frequencies(m, size)
    kept_here = m.loss_factor / loss_factors(m, freqs, environment)
    return mode_shares(m) * radiation_ratio(freqs, size) * kept_here


def body_efficiency(m: Material, size: float, environment: bool = False) -> float:
    """Fraction of the energy a body dissipates that it radiates as sound (all its modes,
    whatever the sample rate: modes dropped above Nyquist are energy not rendered)."""
    return float(m.radiation_efficiency * np.sum(_mode_weights(m, size, environment)))


def radiated_energy(e_diss: float, ma: Material, size_a: float, mb: Material, size_b: float,
                    environment: tuple[bool, bool] = (False, False)) -> tuple[float, float]:
    """Sound energy (J) radiated by each body: half the dissipated energy times its
    efficiency."""
    return (0.5 * e_diss * body_efficiency(ma, size_a, environment[0]),
            0.5 * e_diss * body_efficiency(mb, size_b, environment[1]))


def decay_times(m: Material, size: float, environment: bool = False) -> np.ndarray:
    """Amplitude decay time (s) of each mode, ``1 / (pi f eta_total)``."""
    freqs = mode_frequencies(m, size)
    return 1.0 / (math.pi * freqs * loss_factors(m, freqs, environment))


def mode_table(m: Material, size: float, energy: float, fs: float,
               environment: bool = False) -> np.ndarray:
    """Rows ``(f_k Hz, tau_k s, A_k Pa)`` of the modes below ``MAX_MODE_FRACTION * fs``
    whose ringing radiates their share of ``energy`` (J), shape (K, 3), contiguous."""
    freqs = mode_frequencies(m, size)
    weights = _mode_weights(m, size, environment)
    per_mode = energy * weights / max(float(np.sum(weights)), 1e-300)
    keep = freqs < MAX_MODE_FRACTION * fs
    table = np.stack([freqs, decay_times(m, size, environment), np.zeros_like(freqs)],
                     axis=1)[keep]
    unit = ringing_energy(np.stack([table[:, 0], table[:, 1], np.ones(len(table))], axis=1)
                          if len(table) else np.zeros((0, 3)), fs, diagonal=True)
    target = per_mode[keep] * exposure_per_joule()
    table[:, 2] = np.sqrt(target / np.maximum(unit, 1e-300))
    total = ringing_energy(table, fs) if len(table) else 0.0
    if total > 0:  # the modes' cross terms: the body's ringing carries exactly its share
        table[:, 2] *= math.sqrt(float(np.sum(target)) / total)
    return np.ascontiguousarray(table)


def ringing_energy(table: np.ndarray, fs: float, *, diagonal: bool = False):
    """``sum_n p[n]^2 / fs`` (Pa² s) of ``p[n] = sum_k A_k exp(-n / (tau_k fs))
    sin(2 pi f_k n / fs)``, n = 0 .. infinity, in closed form (geometric series of
    ``r^n cos(theta n)``, cross terms between modes included). ``diagonal``: each mode
    alone, shape (K,); otherwise the total, a float."""
    f, tau, amp = table[:, 0], table[:, 1], table[:, 2]
    w = 2.0 * math.pi * f / fs
    d = 1.0 / (tau * fs)

    def series(wi, wj, di, dj):
        r = np.exp(-(di + dj))
        lo = 1.0 / (1.0 - r * np.exp(1j * (wi - wj)))
        hi = 1.0 / (1.0 - r * np.exp(1j * (wi + wj)))
        return 0.5 * np.real(lo - hi)  # sum_n r^n sin(wi n) sin(wj n)

    if diagonal:
        return amp**2 * series(w, w, d, d) / fs
    s = series(w[:, None], w[None, :], d[:, None], d[None, :])
    return float(amp @ s @ amp) / fs
