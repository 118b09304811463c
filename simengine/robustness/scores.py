"""The benchmarks' robustness scores, each as its paper or code defines it, on small tables.

Every function takes per-corruption values per severity (lowest severity first) as
fractions, and returns plain dicts of floats. Means over corruptions average the listed
corruptions with equal weight, as every one of these benchmarks does.

- ImageNet-C (Hendrycks & Dietterich 2019; docs/references.md#imagenet-c-scores), on top-1
  **errors** E: CE_c = Σ_s E_{s,c} / Σ_s E^base_{s,c}; relative CE_c =
  Σ_s (E_{s,c} − E_clean) / Σ_s (E^base_{s,c} − E^base_clean); mCE and relative mCE are their
  means over the 15 benchmark corruptions (not the 4 extras).
- Robo3D (Kong et al. 2023; docs/references.md#robo3d-scores), on scores m (mIoU, mAP):
  CE_i = Σ_l (1 − m_{i,l}) / Σ_l (1 − m^base_{i,l}); RR_i = Σ_l m_{i,l} / (L · m_clean).
- MultiCorrupt (Beemelmanns et al. 2024; docs/references.md#multicorrupt-scores), on scores
  M (NDS): RA_{c,s} = M_{c,s} / M_clean, RA_c = mean_s RA_{c,s}; RRA_c = Σ_s M_{c,s} /
  Σ_s M^base_{c,s} − 1 (fractions here; the README prints RRA × 100).
- Dong et al. 2023, KITTI-C (docs/references.md#kitti-c-scores), on scores A (AP):
  CE_{c,s} = A_clean − A_{c,s}, RCE_{c,s} = CE_{c,s} / A_clean, each averaged over the
  severities and then over the corruptions (mCE, mRCE).

A baseline given as one value per corruption (a severity average, as Robo3D publishes its
baselines) stands for every severity: the ratios of sums above are then ratios of means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

Table = Mapping[str, Sequence[float]]  # corruption -> value per severity


def _per_severity(values: Sequence[float], levels: int) -> np.ndarray:
    """A baseline row at ``levels`` severities (a single value: the same at every one)."""
    v = np.asarray(values, np.float64)
    return np.full(levels, v[0]) if v.size == 1 else v


def _mean(d: Mapping[str, float], names: Sequence[str]) -> float:
    return float(np.mean([d[n] for n in names])) if names else float("nan")


def imagenet_c(errors: Table, clean_error: float, baseline: Table,
               baseline_clean: float | None, mean_over: Sequence[str]) -> dict:
    ce, rel = {}, {}
    for c, row in errors.items():
        e = np.asarray(row, np.float64)
        b = _per_severity(baseline[c], e.size)
        ce[c] = float(e.sum() / b.sum())
        if baseline_clean is not None:
            rel[c] = float((e - clean_error).sum() / (b - baseline_clean).sum())
    out = {"CE": ce, "mCE": _mean(ce, mean_over),
           "error_unnormalized": {c: float(np.mean(e)) for c, e in errors.items()},
           "mCE_unnormalized": float(np.mean([np.mean(errors[c]) for c in mean_over]))
           if mean_over else float("nan")}
    if baseline_clean is not None:
        out["relative_CE"] = rel
        out["relative_mCE"] = _mean(rel, mean_over)
    return out


def robo3d(scores: Table, clean: float, baseline: Table | None, mean_over: Sequence[str]
           ) -> dict:
    rr = {c: float(np.sum(m) / (len(m) * clean)) for c, m in scores.items()}
    out: dict = {"RR": rr, "mRR": _mean(rr, mean_over)}
    if baseline is not None:
        ce = {}
        for c, row in scores.items():
            m = np.asarray(row, np.float64)
            ce[c] = float((1 - m).sum() / (1 - _per_severity(baseline[c], m.size)).sum())
        out["CE"], out["mCE"] = ce, _mean(ce, mean_over)
    return out


def multicorrupt(scores: Table, clean: float, baseline: Table | None,
                 mean_over: Sequence[str]) -> dict:
    ra = {c: float(np.mean(np.asarray(m, np.float64) / clean)) for c, m in scores.items()}
    out: dict = {"RA": ra, "mRA": _mean(ra, mean_over),
                 "RA_per_severity": {c: (np.asarray(m, np.float64) / clean).tolist()
                                     for c, m in scores.items()}}
    if baseline is not None:
        rra = {}
        for c, row in scores.items():
            m = np.asarray(row, np.float64)
            rra[c] = float(m.sum() / _per_severity(baseline[c], m.size).sum() - 1)
        out["RRA"], out["mRRA"] = rra, _mean(rra, mean_over)
    return out


def kitti_c(scores: Table, clean: float, mean_over: Sequence[str]) -> dict:
    ce = {c: float(np.mean(clean - np.asarray(a, np.float64))) for c, a in scores.items()}
    rce = {c: v / clean for c, v in ce.items()}
    return {"CE": ce, "mCE": _mean(ce, mean_over), "RCE": rce, "mRCE": _mean(rce, mean_over)}


def per_severity(values: Table, names: Sequence[str]) -> list[float]:
    """Mean over ``names`` of the value at each severity (the per-severity table)."""
    if not names:
        return []
    return np.mean(np.array([np.asarray(values[c], np.float64) for c in names]), axis=0
                   ).tolist()
