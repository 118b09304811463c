"""The mesh BVH's structure: every triangle in exactly one leaf, every box holding what lies
below it, no tree deeper than the traversal stack, and a surface-area cost below the
median split's (what the SAH build is for). Hits through the BVH are checked against a
brute-force Möller–Trumbore in test_raycast_closed_form.py."""

from __future__ import annotations

import numpy as np
import pytest

from simengine.assets import PYBULLET_DATA, mesh_file_arrays
from simengine.geometry import bvh
from simengine.geometry._raycast_kernels import STACK

MESHES = ("duck.obj", "soccerball.obj", "teddy2_VHACD_CHs.obj", "bunny.obj")


def walk(tree: bvh.MeshBVH):
    """(node, depth, parent) for every node, from the root."""
    out, todo = [], [(0, 0, -1)]
    while todo:
        node, depth, parent = todo.pop()
        out.append((node, depth, parent))
        a = tree.node_left[node]
        if tree.node_count[node] == 0:
            todo += [(a, depth + 1, node), (a + 1, depth + 1, node)]
    return out


def sah_cost(tree: bvh.MeshBVH) -> float:
    """Expected cost of a random ray through the root: node visits plus triangle tests,
    each weighted by the chance (area ratio) that the ray meets the node's box."""
    area = bvh._half_area(tree.node_min, tree.node_max)
    cost = 0.0
    for node, _, _ in walk(tree):
        weight = area[node] / area[0]
        cost += weight * (tree.node_count[node] if tree.node_count[node] else 1.0)
    return cost


def check_structure(tree: bvh.MeshBVH, n_tris: int) -> None:
    seen = np.zeros(n_tris, int)
    nodes = walk(tree)
    assert len(nodes) == len(tree.node_left)  # every node reachable, none twice
    for node, depth, parent in nodes:
        assert depth < STACK - 2
        lo, hi = tree.node_min[node], tree.node_max[node]
        if parent >= 0:
            assert np.all(lo >= tree.node_min[parent]) and np.all(hi <= tree.node_max[parent])
        count = tree.node_count[node]
        if count:
            assert 1 <= count <= bvh.MAX_LEAF
            s = tree.node_start[node]
            tris = tree.tris[s:s + count]
            seen[s:s + count] += 1
            assert np.all(tris.min(axis=1) >= lo) and np.all(tris.max(axis=1) <= hi)
    assert np.all(seen == 1)


@pytest.mark.parametrize("mesh", MESHES)
def test_every_triangle_in_one_leaf_inside_every_box_above_it(mesh) -> None:
    v, f = mesh_file_arrays(str(PYBULLET_DATA / mesh))
    tree = bvh.build_bvh(v, f)
    check_structure(tree, len(f))
    # the same triangles, reordered: each input triangle appears once in the leaf order
    given = np.sort(v[f].reshape(len(f), -1), axis=0)
    np.testing.assert_array_equal(np.sort(tree.tris.reshape(len(f), -1), axis=0), given)


@pytest.mark.parametrize("mesh", MESHES)
def test_sah_tree_costs_less_than_the_median_split(mesh, monkeypatch) -> None:
    v, f = mesh_file_arrays(str(PYBULLET_DATA / mesh))
    sah = sah_cost(bvh.build_bvh(v, f))
    monkeypatch.setattr(bvh, "MAX_DEPTH", 0)  # median split at every node
    median = sah_cost(bvh.build_bvh(v, f))
    assert sah < 0.9 * median, (sah, median)


def test_a_degenerate_mesh_stays_within_the_traversal_stack(monkeypatch) -> None:
    """1000 triangles, each 1.3x the size and distance of the last: the SAH peels off one
    triangle per level (104 levels deep unbounded), so only the depth bound keeps the tree
    within the 64-entry traversal stack."""
    n = 1000
    s = 1.3 ** np.arange(n)
    verts = np.zeros((3 * n, 3))
    verts[0::3, 0], verts[1::3, 0], verts[2::3, 0], verts[2::3, 1] = s, 2 * s, s, s
    faces = np.arange(3 * n).reshape(n, 3)
    check_structure(bvh.build_bvh(verts, faces), n)
    monkeypatch.setattr(bvh, "MAX_DEPTH", 10**9)
    deepest = max(depth for _, depth, _ in walk(bvh.build_bvh(verts, faces)))
    assert deepest >= STACK  # the case needs the bound
