"""Numba kernel of the BVH build (``bvh.build_bvh`` validates, allocates and wraps it).

Top-down with an explicit stack, children of a node stored as a pair (right = left + 1) and
the left subtree laid out before the right one, as the traversal kernel expects. Each split
is scored by a binned surface-area heuristic: the triangles' centroids fall into ``bins``
equal slots per axis over the node's centroid bounds, and only the cuts between slots are
scored (Wald 2007, "On fast construction of SAH-based bounding volume hierarchies"), which
costs O(n) per node instead of the O(n log n) sort of every cut. The tree's parameters come
in as arguments, not module constants, so that changing them in ``bvh`` (as tests do) takes
effect without recompiling.
"""

from __future__ import annotations

import numpy as np

from .._numba import kernel


@kernel(inline="always")
def _half_area(x0, y0, z0, x1, y1, z1):
    ex, ey, ez = max(x1 - x0, 0.0), max(y1 - y0, 0.0), max(z1 - z0, 0.0)
    return ex * ey + ey * ez + ez * ex


@kernel(inline="always")
def _slot(c, c_lo, scale, bins):
    """The slot (0 .. bins-1) of centroid coordinate ``c``. Clamped both ways, NaN to 0:
    an index out of range would write outside the scratch arrays (Numba checks no bounds),
    e.g. for a centroid on the upper bound, an extent so small that its scale overflows,
    or NaN vertices."""
    x = (c - c_lo) * scale
    if not x > 0.0:
        return 0
    if x >= bins:
        return bins - 1
    return int(x)


@kernel
def _binned_sah(order, lo, hi, centroids, tmin, tmax, cmin, cmax, bins, box_lo, box_hi,
                counts, right_cost):
    """The best binned SAH cut of triangles ``order[lo:hi]``: (cost, axis, first bin of the
    right side), or cost inf when every axis has all centroids in one slot. ``box_lo``,
    ``box_hi`` (bins, 3), ``counts`` and ``right_cost`` (bins,) are scratch space."""
    best_cost, best_axis, best_bin = np.inf, -1, -1
    for axis in range(3):
        extent = cmax[axis] - cmin[axis]
        if not extent > 0.0:
            continue
        scale = bins / extent
        for b in range(bins):
            counts[b] = 0
            for k in range(3):
                box_lo[b, k] = np.inf
                box_hi[b, k] = -np.inf
        for i in range(lo, hi):
            t = order[i]
            b = _slot(centroids[t, axis], cmin[axis], scale, bins)
            counts[b] += 1
            for k in range(3):
                box_lo[b, k] = min(box_lo[b, k], tmin[t, k])
                box_hi[b, k] = max(box_hi[b, k], tmax[t, k])
        # sweep from the right: right_cost[b] = area · count of slots b.. bins-1
        x0 = y0 = z0 = np.inf
        x1 = y1 = z1 = -np.inf
        n = 0
        for b in range(bins - 1, 0, -1):
            x0, y0, z0 = min(x0, box_lo[b, 0]), min(y0, box_lo[b, 1]), min(z0, box_lo[b, 2])
            x1, y1, z1 = max(x1, box_hi[b, 0]), max(y1, box_hi[b, 1]), max(z1, box_hi[b, 2])
            n += counts[b]
            right_cost[b] = _half_area(x0, y0, z0, x1, y1, z1) * n if n else np.inf
        x0 = y0 = z0 = np.inf
        x1 = y1 = z1 = -np.inf
        n = 0
        for b in range(1, bins):  # cut before slot b
            x0, y0, z0 = min(x0, box_lo[b - 1, 0]), min(y0, box_lo[b - 1, 1]), min(
                z0, box_lo[b - 1, 2])
            x1, y1, z1 = max(x1, box_hi[b - 1, 0]), max(y1, box_hi[b - 1, 1]), max(
                z1, box_hi[b - 1, 2])
            n += counts[b - 1]
            if n == 0:
                continue
            cost = _half_area(x0, y0, z0, x1, y1, z1) * n + right_cost[b]
            if cost < best_cost:
                best_cost, best_axis, best_bin = cost, axis, b
    return best_cost, best_axis, best_bin


@kernel
def _partition(order, lo, hi, centroids, axis, cmin_axis, scale, cut_bin, bins, spare):
    """Moves the triangles of slots < ``cut_bin`` to the front of ``order[lo:hi]`` keeping
    the relative order on each side (so the tree does not depend on a partition's swaps);
    returns how many went left. ``spare`` (T,) is scratch space."""
    n_left = n_right = 0
    for i in range(lo, hi):
        t = order[i]
        if _slot(centroids[t, axis], cmin_axis, scale, bins) < cut_bin:
            order[lo + n_left] = t
            n_left += 1
        else:
            spare[n_right] = t
            n_right += 1
    for i in range(n_right):
        order[lo + n_left + i] = spare[i]
    return n_left


@kernel
def _sort_by_centroid(order, lo, hi, centroids, axis, spare):
    """Sorts ``order[lo:hi]`` by centroid coordinate ``axis``, stably (bottom-up merge
    sort through ``spare``; hand-written: ``np.argsort`` and fancy indexing tripled the
    kernel's compile time, which every cold start pays)."""
    n = hi - lo
    width = 1
    src, dst = order, spare
    in_spare = False  # where the sorted runs are after each pass
    while width < n:
        for a in range(0, n, 2 * width):
            m, b = min(a + width, n), min(a + 2 * width, n)
            i, j = a, m
            for k in range(a, b):
                if i < m and (j >= b or centroids[src[lo + i], axis]
                              <= centroids[src[lo + j], axis]):
                    dst[lo + k] = src[lo + i]
                    i += 1
                else:
                    dst[lo + k] = src[lo + j]
                    j += 1
        src, dst = dst, src
        in_spare = not in_spare
        width *= 2
    if in_spare:
        for k in range(lo, hi):
            order[k] = src[k]


@kernel
def build_kernel(centroids, tmin, tmax, leaf_size, max_leaf, max_depth, sah_min,
                 traversal_cost, bins, order, node_min, node_max, node_left, node_start,
                 node_count):
    """Fills ``order`` (the leaf order of the triangles) and the node arrays (room for
    2T - 1 nodes, the most a tree with non-empty leaves has); returns the node count."""
    n_tris = len(order)
    box_lo = np.empty((bins, 3))
    box_hi = np.empty((bins, 3))
    counts = np.empty(bins, np.int64)
    right_cost = np.empty(bins)
    cmin = np.empty(3)
    cmax = np.empty(3)
    spare = np.empty(n_tris, np.int64)
    # (node, lo, hi, depth) of the nodes still to build: at most one per level of the tree,
    # whose depth is below max_depth + 64 (median splits past it) and below T
    stack = np.empty((min(max_depth + 64, n_tris) + 2, 4), np.int64)
    node_left[0] = -1
    n_nodes = 1
    stack[0, 0], stack[0, 1], stack[0, 2], stack[0, 3] = 0, 0, n_tris, 0
    top = 1
    while top > 0:
        top -= 1
        node, lo, hi, depth = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
        for k in range(3):
            cmin[k] = np.inf
            cmax[k] = -np.inf
            node_min[node, k] = np.inf
            node_max[node, k] = -np.inf
        for i in range(lo, hi):
            t = order[i]
            for k in range(3):
                node_min[node, k] = min(node_min[node, k], tmin[t, k])
                node_max[node, k] = max(node_max[node, k], tmax[t, k])
                cmin[k] = min(cmin[k], centroids[t, k])
                cmax[k] = max(cmax[k], centroids[t, k])
        n = hi - lo
        node_left[node] = -1
        if n <= leaf_size or (n < sah_min and n <= 2 * leaf_size):
            node_start[node], node_count[node] = lo, n
            continue
        mid = -1
        if depth < max_depth and n >= sah_min:
            cost, axis, cut = _binned_sah(order, lo, hi, centroids, tmin, tmax, cmin, cmax,
                                          bins, box_lo, box_hi, counts, right_cost)
            area = _half_area(node_min[node, 0], node_min[node, 1], node_min[node, 2],
                              node_max[node, 0], node_max[node, 1], node_max[node, 2])
            if n <= max_leaf and (area <= 0.0 or cost / area + traversal_cost >= n):
                node_start[node], node_count[node] = lo, n
                continue
            if axis >= 0:
                scale = bins / (cmax[axis] - cmin[axis])
                mid = _partition(order, lo, hi, centroids, axis, cmin[axis], scale, cut,
                                 bins, spare)
        if mid < 0:  # median split on the widest centroid axis (stable: ties keep order)
            axis = 0
            for k in range(1, 3):
                if cmax[k] - cmin[k] > cmax[axis] - cmin[axis]:
                    axis = k
            _sort_by_centroid(order, lo, hi, centroids, axis, spare)
            mid = n // 2
        a = n_nodes
        n_nodes += 2
        node_left[node] = a
        node_start[node], node_count[node] = 0, 0
        stack[top, 0], stack[top, 1] = a + 1, lo + mid
        stack[top, 2], stack[top, 3] = hi, depth + 1
        stack[top + 1, 0], stack[top + 1, 1] = a, lo
        stack[top + 1, 2], stack[top + 1, 3] = lo + mid, depth + 1
        top += 2
    return n_nodes
