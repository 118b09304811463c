"""Edge-aware smoothing of a pixel's stochastic shares (the open fraction of the sky, the
seen fraction of the lamps' light): the few rays of a pixel give a noisy share, but it
varies slowly over a surface. Each pixel takes
the mean over a (2r + 1)² window of the pixels that show the same surface: the same
instance, a depth within 2 % and a normal within ~25° (a joint, or cross, bilateral filter
with box weights; Tomasi & Manduchi 1998, Eisemann & Durand 2004). Labels come from the
pixel centres, so edges stay where the labels put them."""

from __future__ import annotations

import numba
import numpy as np

from ..._numba import kernel

DEPTH_TOLERANCE = 0.02  # relative
NORMAL_COS = 0.9


@kernel(parallel=True)
def smooth_on_surfaces(share, instance, depth, normal, radius, out):
    height, width = share.shape
    for v in numba.prange(height):
        for u in range(width):
            d0 = depth[v, u]
            if d0 <= 0.0:  # the sky: nothing occludes it
                out[v, u] = share[v, u]
                continue
            i0 = instance[v, u]
            n0x, n0y, n0z = normal[v, u, 0], normal[v, u, 1], normal[v, u, 2]
            acc = 0.0
            count = 0
            for vv in range(max(v - radius, 0), min(v + radius + 1, height)):
                for uu in range(max(u - radius, 0), min(u + radius + 1, width)):
                    d = depth[vv, uu]
                    if (instance[vv, uu] == i0 and abs(d - d0) <= DEPTH_TOLERANCE * d0
                            and n0x * normal[vv, uu, 0] + n0y * normal[vv, uu, 1]
                            + n0z * normal[vv, uu, 2] >= NORMAL_COS):
                        acc += share[vv, uu]
                        count += 1
            out[v, u] = np.float32(acc / count)
