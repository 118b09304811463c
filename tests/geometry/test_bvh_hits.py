"""The Numba-built BVH against brute force: on random triangle soups, degenerate layouts and
generated meshes, the traversal kernel's nearest hit through the tree (distance, and the
source face via ``face_index``) equals a numpy Möller–Trumbore over every source triangle,
and the tree's structure holds (every node's box contains its triangles, every triangle
in one leaf, depth within the traversal stack)."""

from __future__ import annotations

import numpy as np
import pytest

from simengine.assets import generate, generator
from simengine.geometry import bvh
from simengine.geometry._raycast_kernels import STACK, _mesh

from ._brute_force import ray_triangle_distances
from .test_bvh import check_structure

GENERATED = ("building", "sedan", "pedestrian", "tree", "shelf", "mug", "traffic_light")


def rays_at(lo: np.ndarray, hi: np.ndarray, n: int, rng: np.random.Generator):
    """Rays from a sphere around the box (lo, hi) aimed at random points of a slightly
    larger box: many hit, some miss."""
    c, ext = (lo + hi) / 2, np.maximum((hi - lo) / 2, 1e-3)
    u = rng.normal(size=(n, 3))
    o = c + u / np.linalg.norm(u, axis=1, keepdims=True) * 3 * np.linalg.norm(ext)
    d = c + rng.uniform(-1.2, 1.2, (n, 3)) * ext - o
    return o, d / np.linalg.norm(d, axis=1, keepdims=True)


def check_hits(vertices: np.ndarray, faces: np.ndarray, n_rays: int, seed: int) -> None:
    tree = bvh.build_bvh(vertices, faces)
    check_structure(tree, len(faces))
    # face_index names each leaf-order triangle's source face, each face once
    assert np.array_equal(np.sort(tree.face_index), np.arange(len(faces)))
    np.testing.assert_array_equal(tree.tris, vertices[faces[tree.face_index]])
    source = vertices[faces].astype(np.float64)
    o, d = rays_at(source.reshape(-1, 3).min(0), source.reshape(-1, 3).max(0), n_rays,
                   np.random.default_rng(seed))
    all_t = ray_triangle_distances(o, d, source)
    expected = all_t.min(axis=1)
    stack = np.zeros(STACK, np.int32)
    got_t, got_face = np.full(n_rays, np.inf), np.full(n_rays, -1)
    for i in range(n_rays):
        t, k = _mesh(*o[i], *d[i], 0, 0, tree.node_min, tree.node_max, tree.node_left,
                     tree.node_start, tree.node_count, tree.tris, 0.0, np.inf, stack)
        got_t[i] = t
        got_face[i] = tree.face_index[k] if k >= 0 else -1
    hit = np.isfinite(expected)
    assert hit.sum() >= 40 and (~hit).sum() >= 10, hit.sum()  # both cases exercised
    assert np.array_equal(np.isfinite(got_t), hit)
    assert np.all(got_face[hit] >= 0) and np.all(got_face[~hit] == -1)
    np.testing.assert_allclose(got_t[hit], expected[hit], rtol=1e-9, atol=0)
    # the face found hits at the nearest distance; where one face alone is nearest (no
    # shared edge or coplanar twin within 1e-9), it is that face
    rows = np.flatnonzero(hit)
    np.testing.assert_allclose(all_t[rows, got_face[rows]], expected[rows], rtol=1e-9)
    second = np.partition(all_t[rows], 1, axis=1)[:, 1]
    unique = second > expected[rows] * (1 + 1e-9)
    assert unique.mean() > 0.9
    np.testing.assert_array_equal(got_face[rows[unique]], all_t[rows[unique]].argmin(axis=1))


def soup(rng: np.random.Generator, n: int, size_sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """``n`` independent triangles: centres uniform in a 2 m cube, edges log-normal in size
    around 1.5 / sqrt(n) m, so that rays meet some of them whatever ``n`` (``size_sigma``
    spreads the sizes over orders of magnitude, the SAH's hard case)."""
    centres = rng.uniform(-1, 1, (n, 1, 3))
    size = 1.5 / np.sqrt(n) * np.exp(rng.normal(0, size_sigma, (n, 1, 1)))
    verts = (centres + rng.normal(size=(n, 3, 3)) * size).reshape(-1, 3)
    return verts, np.arange(3 * n).reshape(n, 3)


@pytest.mark.parametrize("seed,n,sigma", [(0, 50, 0.3), (1, 700, 0.5), (2, 1500, 1.5)])
def test_random_soups_hit_like_brute_force(seed, n, sigma) -> None:
    check_hits(*soup(np.random.default_rng(seed), n, sigma), n_rays=400, seed=seed)


def test_triangles_sharing_one_centroid_and_axis_planes() -> None:
    """Layouts the binned SAH cannot cut: 200 triangles about one centroid (every centroid
    in one slot: the median split takes over), then 300 parallel squares stacked along x
    (every centroid equal in y and z: only one axis has extent)."""
    rng = np.random.default_rng(3)
    spokes = rng.normal(size=(200, 3, 3))
    spokes -= spokes.mean(axis=1, keepdims=True)  # centroid 0 for all
    check_hits(spokes.reshape(-1, 3), np.arange(600).reshape(200, 3), n_rays=300, seed=3)
    x = np.repeat(np.linspace(0, 1, 150), 4)
    yz = np.tile([[-1, -1], [1, -1], [1, 1], [-1, 1]], (150, 1)).astype(float)
    verts = np.column_stack([x, yz])
    quads = np.arange(600).reshape(150, 4)
    faces = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])
    check_hits(verts, faces, n_rays=300, seed=4)


@pytest.mark.parametrize("name", GENERATED)
def test_generated_meshes_hit_like_brute_force(name) -> None:
    """A generated mesh at the middle of its parameters and at one random draw."""
    params = generator(name).params
    rng = np.random.default_rng(5)
    draw = {k: int(rng.integers(int(p.low), int(p.high) + 1)) if p.integer
            else float(rng.uniform(p.low, p.high)) for k, p in params.items()}
    for values in (None, draw):
        mesh = generate(name, values)
        check_hits(mesh.vertices, mesh.faces, n_rays=250, seed=6)
