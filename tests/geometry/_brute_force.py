"""Möller–Trumbore over every ray and every triangle, in numpy: the brute-force reference
the BVH and the ray caster are checked against."""

from __future__ import annotations

import numpy as np


def ray_triangle_distances(o: np.ndarray, d: np.ndarray, tris: np.ndarray, chunk: int = 64
                           ) -> np.ndarray:
    """(R, T) distance t > 0 of every ray (origins ``o``, directions ``d``, (R, 3)) to every
    triangle (T, 3, 3) (inf where it misses), with divisions (barycentrics u, v in [0, 1],
    u + v <= 1)."""
    out = np.full((len(o), len(tris)), np.inf)
    v0 = tris[:, 0]
    e1, e2 = tris[:, 1] - v0, tris[:, 2] - v0
    for s in range(0, len(o), chunk):
        oo, dd = o[s:s + chunk, None, :], d[s:s + chunk, None, :]
        p = np.cross(dd, e2[None])
        det = np.einsum("rtk,tk->rt", p, e1)
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = 1.0 / det
            w = oo - v0[None]
            u = np.einsum("rtk,rtk->rt", w, p) * inv
            q = np.cross(w, e1[None])
            v = np.einsum("rtk,rtk->rt", dd, q) * inv
            t = np.einsum("rtk,tk->rt", q, e2) * inv
        ok = (np.abs(det) > 1e-18) & (u >= 0) & (u <= 1) & (v >= 0) & (u + v <= 1) & (t > 0)
        out[s:s + chunk] = np.where(ok, t, np.inf)
    return out
