"""The ray-casting core against closed-form geometry and a brute-force triangle caster.

Every expected number is computed here, never by the code under test: rotations come from
Rodrigues' formula (not simengine's quaternion code); exact first hits are constructed by
picking a surface point P with outward normal n and a ray that reaches P from the open
half-space beyond P's tangent plane (for a convex body, P is then the first hit, at the
distance we chose); random rays are checked against the quadratic (sphere) and a world-frame
Cyrus–Beck clip (box); meshes against a numpy Möller–Trumbore over every triangle.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pybullet_data
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simengine.geometry.raycast import Hits, cast_rays
from simengine.geometry.scene_geometry import (
    BOX,
    CAPSULE,
    CYLINDER,
    MESH,
    SPHERE,
    PartDesc,
    build_geometry,
)
from tests.geometry._brute_force import ray_triangle_distances

DATA = Path(pybullet_data.getDataPath())
CUBE_OBJ = str(DATA / "cube.obj")  # unit cube, vertices at ±0.5
DUCK_OBJ = str(DATA / "duck.obj")  # 2108 vertices, 4212 triangles
IDENTITY = (0.0, 0.0, 0.0, 1.0)
REL = 1e-9  # relative distance tolerance against closed forms
NORMAL_TOL = 1e-6  # normals are stored as float32


# --- independent helpers ----------------------------------------------------------------

def rotation(axis, angle: float) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """(R, xyzw quaternion) of a rotation by ``angle`` about ``axis`` (Rodrigues' formula)."""
    a = np.asarray(axis, np.float64)
    a = a / np.linalg.norm(a)
    K = np.array([[0.0, -a[2], a[1]], [a[2], 0.0, -a[0]], [-a[1], a[0], 0.0]])
    R = np.eye(3) + math.sin(angle) * K + (1 - math.cos(angle)) * (K @ K)
    s = math.sin(angle / 2)
    return R, (a[0] * s, a[1] * s, a[2] * s, math.cos(angle / 2))


def random_rotation(rng: np.random.Generator):
    return rotation(rng.normal(size=3) + 1e-3, rng.uniform(0.0, 2 * math.pi))


def part(kind: int, params, position, quat, instance: int = 1, mesh: str | None = None,
         material: str = "wood"):
    params = tuple(float(v) for v in params) + (0.0,) * (3 - len(params))
    return (PartDesc(kind, params, 0, (0.0, 0.0, 0.0), IDENTITY, mesh),
            np.asarray(position, np.float64), tuple(quat), instance, instance, material,
            (0.5, 0.5, 0.5))


def cast(parts, origins, directions, t_min=0.0, t_max=np.inf) -> Hits:
    return cast_rays(build_geometry(list(parts)), np.asarray(origins, np.float64),
                     np.asarray(directions, np.float64), t_min, t_max)


def unit_vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def incoming(normals: np.ndarray, rng: np.random.Generator, min_cos: float = 0.2) -> np.ndarray:
    """Unit directions d with d·n ≤ −min_cos (rays entering through the surface)."""
    u = unit_vectors(rng, len(normals))
    tangent = u - np.einsum("ij,ij->i", u, normals)[:, None] * normals
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    c = rng.uniform(min_cos, 1.0, len(normals))[:, None]
    return -c * normals + np.sqrt(1 - c * c) * tangent


def exact_first_hits(parts, points: np.ndarray, normals: np.ndarray,
                     rng: np.random.Generator) -> tuple[float, float]:
    """Cast rays that must first hit ``points`` (world, on convex parts) at a chosen distance;
    returns the worst relative distance error and the worst normal error."""
    d = incoming(normals, rng)
    t = rng.uniform(0.05, 5.0, len(points))
    hits = cast(parts, points - t[:, None] * d, d)
    assert hits.hit.all()
    err = np.abs(hits.t - t) / t
    nerr = np.abs(hits.normal - normals).max()
    assert err.max() < REL, err.max()
    assert nerr < NORMAL_TOL, nerr
    return float(err.max()), float(nerr)


def box_points(h, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points on the faces of a box (half extents h, own frame), away from its edges."""
    h = np.asarray(h, np.float64)
    axis = rng.integers(0, 3, n)
    sign = rng.choice([-1.0, 1.0], n)
    pts = rng.uniform(-0.95, 0.95, (n, 3)) * h
    pts[np.arange(n), axis] = sign * h[axis]
    normals = np.zeros((n, 3))
    normals[np.arange(n), axis] = sign
    return pts, normals


def cylinder_side_points(r: float, half: float, n: int, rng: np.random.Generator):
    a = rng.uniform(0, 2 * math.pi, n)
    normals = np.stack([np.cos(a), np.sin(a), np.zeros(n)], axis=1)
    pts = normals * r
    pts[:, 2] = rng.uniform(-0.95, 0.95, n) * half
    return pts, normals


def cap_points(r: float, half: float, n: int, rng: np.random.Generator):
    a = rng.uniform(0, 2 * math.pi, n)
    rho = 0.95 * r * np.sqrt(rng.uniform(0, 1, n))
    sign = rng.choice([-1.0, 1.0], n)
    pts = np.stack([rho * np.cos(a), rho * np.sin(a), sign * half], axis=1)
    normals = np.zeros((n, 3))
    normals[:, 2] = sign
    return pts, normals


def hemisphere_points(r: float, half: float, n: int, rng: np.random.Generator):
    normals = unit_vectors(rng, n)
    normals[:, 2] = np.where(np.abs(normals[:, 2]) < 0.05, 0.05, normals[:, 2])
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    pts = r * normals
    pts[:, 2] += np.sign(normals[:, 2]) * half
    return pts, normals


def to_world(R: np.ndarray, pos, pts: np.ndarray, normals: np.ndarray):
    return pts @ R.T + np.asarray(pos), normals @ R.T


def sphere_reference(o: np.ndarray, d: np.ndarray, c, r: float) -> np.ndarray:
    """Entry distance of rays starting outside a sphere (inf on a miss)."""
    oc = o - np.asarray(c)
    b = np.einsum("ij,ij->i", oc, d)
    disc = b * b - (np.einsum("ij,ij->i", oc, oc) - r * r)
    t = -b - np.sqrt(np.maximum(disc, 0.0))
    return np.where((disc > 0) & (t > 0), t, np.inf)


def box_reference(o: np.ndarray, d: np.ndarray, c, R: np.ndarray, h) -> tuple[np.ndarray, ...]:
    """Cyrus–Beck clip against the six face planes in world coordinates: (entry distance or
    inf, exit distance, gap = exit − entry) for rays starting outside the box."""
    t_in = np.zeros(len(o))
    t_out = np.full(len(o), np.inf)
    inside = np.ones(len(o), bool)
    for k in range(3):
        for s in (-1.0, 1.0):
            nrm = s * R[:, k]
            offset = nrm @ np.asarray(c) + h[k]
            num = offset - o @ nrm  # ≥ 0 where the origin is on the inner side
            den = d @ nrm
            with np.errstate(divide="ignore", invalid="ignore"):
                tk = num / den
            t_in = np.where(den < 0, np.maximum(t_in, tk), t_in)
            t_out = np.where(den > 0, np.minimum(t_out, tk), t_out)
            inside &= np.where(den == 0, num >= 0, True)
    hit = inside & (t_in <= t_out) & (t_in > 0)
    return np.where(hit, t_in, np.inf), t_out, t_out - t_in


# --- primitives: exact first hits ---------------------------------------------------------

def test_sphere_first_hits_and_normals() -> None:
    rng = np.random.default_rng(1)
    R, q = random_rotation(rng)
    pos, r = np.array([0.3, -1.2, 0.8]), 0.37
    nrm = unit_vectors(rng, 2000)
    pts = nrm * r
    print("sphere", exact_first_hits([part(SPHERE, (r,), pos, q)], *to_world(R, pos, pts, nrm),
                                     rng))


def test_rotated_box_first_hits_and_normals() -> None:
    rng = np.random.default_rng(2)
    R, q = random_rotation(rng)
    pos, h = np.array([-0.4, 2.0, 0.5]), (0.6, 0.15, 0.33)
    pts, nrm = box_points(h, 2000, rng)
    print("box", exact_first_hits([part(BOX, h, pos, q)], *to_world(R, pos, pts, nrm), rng))


@pytest.mark.parametrize("sampler", [cylinder_side_points, cap_points], ids=["side", "caps"])
def test_cylinder_first_hits_and_normals(sampler) -> None:
    rng = np.random.default_rng(3)
    R, q = random_rotation(rng)
    pos, r, half = np.array([1.0, 0.5, -0.3]), 0.21, 0.4
    pts, nrm = sampler(r, half, 2000, rng)
    print("cylinder", sampler.__name__,
          exact_first_hits([part(CYLINDER, (r, half), pos, q)], *to_world(R, pos, pts, nrm), rng))


@pytest.mark.parametrize("sampler", [cylinder_side_points, hemisphere_points],
                         ids=["side", "hemispheres"])
def test_capsule_first_hits_and_normals(sampler) -> None:
    rng = np.random.default_rng(4)
    R, q = random_rotation(rng)
    pos, r, half = np.array([0.0, -0.7, 1.1]), 0.15, 0.3
    pts, nrm = sampler(r, half, 2000, rng)
    print("capsule", sampler.__name__,
          exact_first_hits([part(CAPSULE, (r, half), pos, q)], *to_world(R, pos, pts, nrm), rng))


def test_cylinder_and_capsule_along_their_axis() -> None:
    """Rays parallel to the axis (the side quadratic degenerates) hit the cap / the pole."""
    _, q = rotation((1.0, 0.0, 0.0), math.pi / 2)  # local z → world −y
    r, half = 0.2, 0.5
    o = np.array([[0.05, 3.0, 0.1], [0.0, -3.0, 0.0]])
    d = np.array([[0.0, -1.0, 0.0], [0.0, 1.0, 0.0]])
    cyl = cast([part(CYLINDER, (r, half), (0, 0, 0), q)], o, d)
    np.testing.assert_allclose(cyl.t, [3.0 - half, 3.0 - half], rtol=REL)
    np.testing.assert_allclose(cyl.normal, -d, atol=NORMAL_TOL)
    cap = cast([part(CAPSULE, (r, half), (0, 0, 0), q)], o, d)
    off = math.hypot(0.05, 0.1)
    np.testing.assert_allclose(cap.t, [3.0 - half - math.sqrt(r * r - off * off),
                                       3.0 - half - r], rtol=REL)


# --- hypothesis: random poses and rays ----------------------------------------------------

unit_component = st.floats(-1.0, 1.0, allow_nan=False)
axes = st.tuples(unit_component, unit_component, unit_component).filter(
    lambda v: sum(x * x for x in v) > 1e-2)
angles = st.floats(0.0, 2 * math.pi)
coords = st.floats(-5.0, 5.0)
positions = st.tuples(coords, coords, coords)
seeds = st.integers(0, 2**32 - 1)
HYP = settings(max_examples=150, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@HYP
@given(axis=axes, angle=angles, pos=positions, r=st.floats(0.05, 3.0), seed=seeds)
def test_sphere_property(axis, angle, pos, r, seed) -> None:
    rng = np.random.default_rng(seed)
    R, q = rotation(axis, angle)
    parts = [part(SPHERE, (r,), pos, q)]
    # exact first hits through chosen surface points
    pts = unit_vectors(rng, 16) * r
    exact_first_hits(parts, *to_world(R, pos, pts, pts / r), rng)
    # random rays from outside: hit or miss and distance by the quadratic
    o = np.asarray(pos) + unit_vectors(rng, 64) * rng.uniform(1.05 * r, 4 * r + 3, (64, 1))
    aim = np.asarray(pos) + rng.uniform(-2 * r, 2 * r, (64, 3))
    d = aim - o
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    oc = o - np.asarray(pos)
    b = np.einsum("ij,ij->i", oc, d)
    disc = b * b - (np.einsum("ij,ij->i", oc, oc) - r * r)
    keep = np.abs(disc) > 1e-4 * r * r  # not grazing
    assume(keep.sum() > 32)
    expected = sphere_reference(o, d, pos, r)
    hits = cast(parts, o, d)
    assert np.array_equal(hits.hit[keep], np.isfinite(expected[keep]))
    both = keep & np.isfinite(expected)
    assert np.all(np.abs(hits.t[both] - expected[both]) <= REL * expected[both])
    assert np.all(hits.t[~hits.hit] == np.inf) and np.all(hits.part[~hits.hit] == -1)


@HYP
@given(axis=axes, angle=angles, pos=positions,
       h=st.tuples(*[st.floats(0.02, 2.0)] * 3), seed=seeds)
def test_box_property(axis, angle, pos, h, seed) -> None:
    rng = np.random.default_rng(seed)
    R, q = rotation(axis, angle)
    parts = [part(BOX, h, pos, q)]
    pts, nrm = box_points(h, 16, rng)
    exact_first_hits(parts, *to_world(R, pos, pts, nrm), rng)
    size = float(np.linalg.norm(h))
    o = np.asarray(pos) + unit_vectors(rng, 64) * rng.uniform(1.05 * size, 4 * size + 3,
                                                                (64, 1))
    aim = np.asarray(pos) + (rng.uniform(-1.5, 1.5, (64, 3)) * h) @ R.T
    d = aim - o
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    expected, _, gap = box_reference(o, d, pos, R, np.asarray(h))
    keep = np.abs(gap) > 1e-9 * (size + 1)  # not through an edge or a corner
    assume(keep.sum() > 32)
    hits = cast(parts, o, d)
    assert np.array_equal(hits.hit[keep], np.isfinite(expected[keep]))
    both = keep & np.isfinite(expected)
    assert np.all(np.abs(hits.t[both] - expected[both]) <= REL * expected[both])


# --- triangle meshes ------------------------------------------------------------------------

@pytest.mark.parametrize("scale", [(0.8, 0.8, 0.8), (0.3, 1.7, 0.55)],
                         ids=["uniform", "non-uniform"])
def test_cube_mesh_equals_the_box(scale) -> None:
    rng = np.random.default_rng(5)
    R, q = random_rotation(rng)
    pos = np.array([0.2, 0.1, 1.5])
    h = tuple(s / 2 for s in scale)
    mesh = [part(MESH, scale, pos, q, mesh=CUBE_OBJ)]
    pts, nrm = box_points(h, 2000, rng)
    print("cube mesh", scale, exact_first_hits(mesh, *to_world(R, pos, pts, nrm), rng))
    # random rays: same hits as the box primitive and as the world-frame clip
    o = pos + unit_vectors(rng, 4000) * 4.0
    d = pos + rng.uniform(-0.8, 0.8, (4000, 3)) - o
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    expected, _, gap = box_reference(o, d, pos, R, np.asarray(h))
    keep = np.abs(gap) > 1e-9
    got_mesh = cast(mesh, o, d)
    got_box = cast([part(BOX, h, pos, q)], o, d)
    for got in (got_mesh, got_box):
        assert np.array_equal(got.hit[keep], np.isfinite(expected[keep]))
    both = keep & np.isfinite(expected)
    assert 1000 < both.sum() < 3900
    np.testing.assert_allclose(got_mesh.t[both], expected[both], rtol=REL)
    np.testing.assert_allclose(got_mesh.normal[both], got_box.normal[both], atol=NORMAL_TOL)


def moller_trumbore(o: np.ndarray, d: np.ndarray, tris: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Brute force: nearest t (inf on a miss) and triangle index (−1) of every ray over every
    triangle (T, 3, 3), world frame."""
    t = ray_triangle_distances(o, d, tris)
    k = np.argmin(t, axis=1)
    t_best = t[np.arange(len(k)), k]
    return t_best, np.where(np.isfinite(t_best), k, -1)


def load_obj_triangles(path: str) -> np.ndarray:
    """(T, 3, 3) triangles of an OBJ with triangular faces, read independently."""
    verts, faces = [], []
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        tok = line.split()
        if tok and tok[0] == "v":
            verts.append([float(x) for x in tok[1:4]])
        elif tok and tok[0] == "f":
            faces.append([int(x.split("/")[0]) - 1 for x in tok[1:]])
    assert all(len(f) == 3 for f in faces)
    return np.asarray(verts)[np.asarray(faces)]


def rays_at(lo: np.ndarray, hi: np.ndarray, n: int, rng: np.random.Generator):
    """Rays from a sphere around a box (lo, hi) aimed at random points of a slightly larger
    box, so that about half of them hit what is inside."""
    c, ext = (lo + hi) / 2, (hi - lo) / 2
    o = c + unit_vectors(rng, n) * 3 * np.linalg.norm(ext)
    d = c + rng.uniform(-1.2, 1.2, (n, 3)) * ext - o
    return o, d / np.linalg.norm(d, axis=1, keepdims=True)


def test_duck_bvh_equals_brute_force() -> None:
    rng = np.random.default_rng(6)
    R, q = random_rotation(rng)
    pos, scale = np.array([0.5, -0.2, 0.9]), np.array([0.7, 1.3, 0.9])
    tris = load_obj_triangles(DUCK_OBJ)
    assert len(tris) == 4212
    world = (tris * scale) @ R.T + pos
    o, d = rays_at(world.reshape(-1, 3).min(0), world.reshape(-1, 3).max(0), 3000, rng)
    expected, tri = moller_trumbore(o, d, world)
    hits = cast([part(MESH, scale, pos, q, instance=7, mesh=DUCK_OBJ)], o, d)
    assert np.array_equal(hits.hit, np.isfinite(expected))
    hit = hits.hit
    assert 0.2 < hit.mean() < 0.8
    err = np.abs(hits.t[hit] - expected[hit])
    print("duck BVH vs brute force: hits", int(hit.sum()), "max |dt|", err.max())
    assert err.max() < 1e-9
    assert np.all(hits.instance[hit] == 7) and np.all(hits.instance[~hit] == 0)
    # normals: the hit triangle's (world) normal, facing the ray
    n = np.cross(world[tri[hit], 1] - world[tri[hit], 0], world[tri[hit], 2] - world[tri[hit], 0])
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    n *= -np.sign(np.einsum("ij,ij->i", n, d[hit]))[:, None]
    # a ray through a shared edge may report either triangle: allow a few
    cos = np.einsum("ij,ij->i", n, hits.normal[hit])
    print("duck normals agreeing:", np.mean(cos > 1 - 1e-6))
    assert np.mean(cos > 1 - 1e-6) > 0.99


def test_non_uniformly_scaled_mesh_normals(tmp_path: Path) -> None:
    """A tetrahedron under a non-uniform scale: normals are those of the scaled triangles
    (the inverse transpose of the scale), distances those of the scaled triangles."""
    verts = np.array([[0.0, 0.0, 0.0], [1.0, 0.1, 0.0], [0.2, 1.0, 0.1], [0.3, 0.2, 1.0]])
    faces = [(1, 3, 2), (1, 2, 4), (1, 4, 3), (2, 3, 4)]
    path = tmp_path / "tetra.obj"
    path.write_text("".join(f"v {x} {y} {z}\n" for x, y, z in verts)
                    + "".join(f"f {a} {b} {c}\n" for a, b, c in faces), encoding="utf-8")
    rng = np.random.default_rng(7)
    R, q = random_rotation(rng)
    pos, scale = np.array([-0.3, 0.4, 0.2]), np.array([2.0, 0.4, 1.3])
    world = (load_obj_triangles(str(path)) * scale) @ R.T + pos
    o, d = rays_at(world.reshape(-1, 3).min(0), world.reshape(-1, 3).max(0), 2000, rng)
    expected, tri = moller_trumbore(o, d, world)
    hits = cast([part(MESH, scale, pos, q, mesh=str(path))], o, d)
    assert np.array_equal(hits.hit, np.isfinite(expected))
    hit = hits.hit
    np.testing.assert_allclose(hits.t[hit], expected[hit], rtol=REL)
    n = np.cross(world[tri[hit], 1] - world[tri[hit], 0], world[tri[hit], 2] - world[tri[hit], 0])
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    n *= -np.sign(np.einsum("ij,ij->i", n, d[hit]))[:, None]
    cos = np.einsum("ij,ij->i", n, hits.normal[hit])
    assert np.mean(cos > 1 - 1e-6) > 0.99


# --- misses, bounds, several parts ----------------------------------------------------------

def test_misses_report_inf_and_minus_one() -> None:
    parts = [part(SPHERE, (0.5,), (3, 0, 0), IDENTITY, instance=2),
             part(BOX, (0.5, 0.5, 0.5), (0, 3, 0), IDENTITY, instance=3),
             part(MESH, (1, 1, 1), (0, 0, 3), IDENTITY, instance=4, mesh=CUBE_OBJ)]
    d = np.array([[-1.0, 0, 0], [0, -1.0, 0], [0, 0, -1.0], [0.0, 0.6, 0.8],
                  [1.0, 0, 0]])
    o = np.array([[0.0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0.55, 0]])
    hits = cast(parts, o, d)
    assert np.all(hits.t == np.inf)
    assert np.all(hits.part == -1)
    assert np.all(hits.instance == 0) and np.all(hits.semantic == 0)
    assert np.all(hits.material == -1)
    assert np.all(hits.normal == 0)


@pytest.mark.parametrize("kind", ["sphere", "box", "cylinder", "capsule", "mesh"])
def test_t_min_and_t_max_bound_the_accepted_distance(kind) -> None:
    """A body 1 m thick whose near surface is 4 m away along +x: with t_min past the near
    surface the far surface is the hit; past both (or t_max short of the near one) a miss."""
    _, q_side = rotation((1.0, 0.0, 0.0), math.pi / 2)  # axis along y: the ray hits the side
    prims = {
        "sphere": part(SPHERE, (0.5,), (4.5, 0, 0), IDENTITY),
        "box": part(BOX, (0.5, 0.7, 0.3), (4.5, 0, 0), IDENTITY),
        "cylinder": part(CYLINDER, (0.5, 0.8), (4.5, 0, 0), q_side),
        "capsule": part(CAPSULE, (0.5, 0.8), (4.5, 0, 0), q_side),
        "mesh": part(MESH, (1, 1, 1), (4.5, 0, 0), IDENTITY, mesh=CUBE_OBJ),
    }
    t_min = np.array([0.0, 3.9, 4.5, 4.99, 5.01, 0.0, 0.0, 4.5])
    t_max = np.array([np.inf, np.inf, np.inf, np.inf, np.inf, 3.99, 4.01, 4.99])
    want = np.array([4.0, 4.0, 5.0, 5.0, np.inf, np.inf, 4.0, np.inf])
    n = len(want)
    hits = cast([prims[kind]], np.zeros((n, 3)), np.tile([1.0, 0.0, 0.0], (n, 1)), t_min, t_max)
    np.testing.assert_allclose(hits.t, want, rtol=REL)
    assert np.array_equal(hits.hit, np.isfinite(want))
    # the normal faces the ray on the near and on the far surface
    np.testing.assert_allclose(hits.normal[hits.hit], [[-1.0, 0, 0]] * int(hits.hit.sum()),
                               atol=NORMAL_TOL)


def test_a_ray_starting_inside_hits_the_surface_not_the_interior() -> None:
    """From inside a closed body (scalar t_min = 0) the hit is where the ray leaves it, for
    every kind; along a capsule's axis that is the pole (h + r), not the inner half of the
    end sphere (h − r)."""
    r, h = 0.2, 0.5
    cases = [(part(SPHERE, (1.0,), (0, 0, 0), IDENTITY), (1.0, 0.0, 0.0), 1.0),
             (part(BOX, (1.0, 2.0, 3.0), (0, 0, 0), IDENTITY), (1.0, 0.0, 0.0), 1.0),
             (part(BOX, (1.0, 2.0, 3.0), (0, 0, 0), IDENTITY), (0.0, 0.0, -1.0), 3.0),
             (part(CYLINDER, (1.0, 2.0), (0, 0, 0), IDENTITY), (1.0, 0.0, 0.0), 1.0),
             (part(CYLINDER, (1.0, 2.0), (0, 0, 0), IDENTITY), (0.0, 0.0, 1.0), 2.0),
             (part(CAPSULE, (r, h), (0, 0, 0), IDENTITY), (1.0, 0.0, 0.0), r),
             (part(CAPSULE, (r, h), (0, 0, 0), IDENTITY), (0.0, 0.0, 1.0), h + r),
             (part(CAPSULE, (r, h), (0, 0, 0), IDENTITY), (0.0, 0.0, -1.0), h + r),
             (part(MESH, (2, 2, 2), (0, 0, 0), IDENTITY, mesh=CUBE_OBJ), (0.0, 1.0, 0.0), 1.0)]
    for p, d, want in cases:
        hits = cast([p], np.zeros(3), np.array([d]), 0.0, 10.0)
        np.testing.assert_allclose(hits.t, [want], rtol=REL)
        np.testing.assert_allclose(hits.normal, [np.negative(d)], atol=NORMAL_TOL)
    # the same with t_min inside the body: a capsule seen along its axis from outside
    hits = cast([part(CAPSULE, (r, h), (0, 0, 0), IDENTITY)], np.array([0.0, 0.0, -2.0]),
                np.array([[0.0, 0.0, 1.0]] * 3), [0.0, 1.5, 2.5], 10.0)
    np.testing.assert_allclose(hits.t, [2 - h - r, 2 + h + r, 2 + h + r], rtol=REL)


def test_nearest_of_overlapping_parts_wins() -> None:
    rng = np.random.default_rng(8)
    Ra, qa = random_rotation(rng)
    Rb, qb = random_rotation(rng)
    ca, ha = np.array([0.0, 0.0, 0.0]), np.array([0.5, 0.3, 0.4])
    cb, hb = np.array([0.35, 0.1, 0.0]), np.array([0.3, 0.45, 0.2])
    cs, rs = np.array([-0.2, 0.3, 0.25]), 0.3
    parts = [part(BOX, ha, ca, qa, instance=1), part(BOX, hb, cb, qb, instance=2),
             part(SPHERE, (rs,), cs, IDENTITY, instance=3)]
    o, d = rays_at(np.array([-0.8] * 3), np.array([0.8] * 3), 5000, rng)
    ta, _, ga = box_reference(o, d, ca, Ra, ha)
    tb, _, gb = box_reference(o, d, cb, Rb, hb)
    ts = sphere_reference(o, d, cs, rs)
    stack = np.stack([ta, tb, ts], axis=1)
    expected = stack.min(axis=1)
    owner = np.where(np.isfinite(expected), np.argmin(stack, axis=1) + 1, 0)
    srt = np.sort(stack, axis=1)
    runner_up = np.where(np.isfinite(srt[:, 1]), srt[:, 1], 1e300)
    clear = (np.abs(ga) > 1e-9) & (np.abs(gb) > 1e-9) & (
        (runner_up - srt[:, 0] > 1e-9) | np.isinf(srt[:, 0]))
    hits = cast(parts, o, d)
    assert np.array_equal(hits.hit[clear], np.isfinite(expected[clear]))
    both = clear & np.isfinite(expected)
    assert len(np.unique(owner[both])) == 3
    np.testing.assert_allclose(hits.t[both], expected[both], rtol=REL)
    assert np.array_equal(hits.instance[clear], owner[clear])
    assert np.array_equal(hits.part[both], owner[both] - 1)
