"""Lidar corruptions of MultiCorrupt (Beemelmanns et al., IV 2024; docs/references.md#multicorrupt)
the registry lacked: fewer beams (every k-th ring kept) and fewer points (a random share of
the returns dropped), as its ``converter/lidar.py`` does on nuScenes sweeps.

================  =============================================  ========================
corruption        parameter                                      severity 1 … 5
================  =============================================  ========================
beam_reducing     k: every k-th ring kept (rings 1, 1 + k, …)    2, 3, 4, 6, 8
points_reducing   fraction of the returns dropped                .5, .6, .7, .8, .9
================  =============================================  ========================

MultiCorrupt keeps 16 / 8 / 4 of nuScenes' 32 beams (k = 2, 4, 8) and drops 70 / 80 / 90 %
of the points; ours span those with two more levels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..base import Result, register
from .sensor import drop, rings


@register("beam_reducing", "lidar", "k: every k-th ring kept, rings 1, 1 + k, 1 + 2k, … "
          "(MultiCorrupt: 16 / 8 / 4 of 32 beams, k = 2 / 4 / 8)", (2, 3, 4, 6, 8))
def beam_reducing(data: Mapping[str, np.ndarray], k: int, rng: np.random.Generator,
                  context: Mapping[str, Any]) -> Result:
    """A lower-resolution lidar: only rings r with r mod k = 1 (MultiCorrupt's
    reduce_LiDAR_beamsV2 keeps beams 1, 3, 5 … / 1, 5, 9 … / 1, 9, 17 … of 32) return;
    the others lose every return. Deterministic."""
    n = rings(data)
    kept = (np.arange(n) % int(k)) == (1 % int(k))
    removed = np.broadcast_to(~kept[:, None], np.asarray(data["range"]).shape)
    return Result(drop(data, removed), {"k": k, "rings_kept": int(kept.sum()), "rings": n},
                  removed & (np.asarray(data["range"]) > 0))


@register("points_reducing", "lidar", "fraction of the returns dropped, drawn uniformly "
          "(MultiCorrupt: 70 / 80 / 90 %)", (0.5, 0.6, 0.7, 0.8, 0.9))
def points_reducing(data: Mapping[str, np.ndarray], fraction: float,
                    rng: np.random.Generator, context: Mapping[str, Any]) -> Result:
    """MultiCorrupt's pointsreducing: of the n returns, round(n·(1 − fraction)) are kept,
    chosen by a random permutation; the others are dropped."""
    r = np.asarray(data["range"])
    live = np.flatnonzero(r.reshape(-1) > 0)
    keep = round(live.size * (1.0 - fraction))
    removed = np.zeros(r.size, bool)
    removed[live[rng.permutation(live.size)[keep:]]] = True
    removed = removed.reshape(r.shape)
    return Result(drop(data, removed), {"fraction": fraction, "returns": float(live.size),
                                        "kept": float(keep)}, removed)
