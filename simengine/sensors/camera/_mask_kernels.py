"""Numba kernel of the mask labels: per-instance pixel counts and tight boxes in one pass
(numpy's ufunc.at took ~7 ms at 640×480)."""

from __future__ import annotations

from ..._numba import kernel


@kernel
def instance_extents(instance, max_objects, counts, u_min, v_min, u_max, v_max):
    """For ids 1..max_objects: pixel count and the extreme pixel columns/rows (ids outside
    the range are ignored; the extents of an absent id are left untouched)."""
    H, W = instance.shape
    for v in range(H):
        for u in range(W):
            i = instance[v, u]
            if i <= 0 or i > max_objects:
                continue
            k = i - 1
            if counts[k] == 0:
                u_min[k] = u_max[k] = u
                v_min[k] = v_max[k] = v
            else:
                u_min[k] = min(u_min[k], u)
                u_max[k] = max(u_max[k], u)
                v_max[k] = v  # rows are visited in order
            counts[k] += 1
