"""Numba kernel of the lidar sweep (``sweep.py`` validates, allocates and casts).

Only arithmetic: which beams can reach which moving part. The intersections themselves go
through the geometry core's compiled kernel, so the lidar adds next to nothing to the
engine's compile time. Every beam is independent: results do not depend on the thread count.
"""

from __future__ import annotations

import numba

from ..._numba import kernel

CHUNK = 1024  # beams per parallel work item


@kernel(parallel=True)
def reachable(dirs, origin, centers, radii, t_hit, out):
    """``out[k, i]`` = the line of beam i (unit ``dirs[i]`` from ``origin``) passes within
    ``radii[k]`` of ``centers[k]`` somewhere in (−radii[k], t_hit[i] + radii[k]) along it:
    a bounding-sphere test of M moving parts against N beams, world frame, metres."""
    n = dirs.shape[0]
    m = centers.shape[0]
    for c in numba.prange((n + CHUNK - 1) // CHUNK):
        for i in range(c * CHUNK, min((c + 1) * CHUNK, n)):
            ux, uy, uz = dirs[i, 0], dirs[i, 1], dirs[i, 2]
            for k in range(m):
                cx = centers[k, 0] - origin[0]
                cy = centers[k, 1] - origin[1]
                cz = centers[k, 2] - origin[2]
                proj = cx * ux + cy * uy + cz * uz
                r = radii[k]
                out[k, i] = (cx * cx + cy * cy + cz * cz - proj * proj <= r * r
                             and proj + r > 0.0 and proj - r < t_hit[i])
