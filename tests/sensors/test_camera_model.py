"""CameraModel against OpenCV (projectPoints, undistortPoints) and closed-form geometry.

Tolerances: our projection equals ``cv2.projectPoints`` to 1e-9 px; our undistortion is
Newton to machine precision, so pixel rays re-project onto their pixel centres within 1e-8 px
(measured ≈ 1e-12 px over 300 random lenses). ``cv2.undistortPoints`` with its default
criteria stops after a few fixed-point iterations and is off by up to ~1e-3 (normalized) on a
strong lens; with criteria (COUNT | EPS, 100, 1e-15) it agrees with ours within 1e-9
(measured ≈ 5e-16).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simengine.sensors.camera.projection import CameraModel
from simengine.sensors.camera.sensor import intrinsics

PINHOLE = (0.0, 0.0, 0.0, 0.0, 0.0)
BARREL = (-0.3, 0.1, 0.005, -0.005, -0.02)
PINCUSHION = (0.2, -0.1, 0.002, 0.003, 0.05)
LENSES = [PINHOLE, BARREL, PINCUSHION]
CV_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-15)


def _model(dist, w=160, h=120, hfov=60.0) -> CameraModel:
    return CameraModel.from_params({"width": w, "height": h, "hfov_deg": hfov,
                                    "distortion": list(dist)})


def _grid(w: int, h: int) -> np.ndarray:
    """(H*W, 2) pixel centres, row-major (v outer)."""
    u, v = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
    return np.stack([u.ravel(), v.ravel()], axis=1)


def _cv_project(model: CameraModel, points: np.ndarray) -> np.ndarray:
    uv, _ = cv2.projectPoints(points.reshape(-1, 1, 3), np.zeros(3), np.zeros(3), model.K,
                              model.dist)
    return uv.reshape(-1, 2)


# -- construction ------------------------------------------------------------------------------

def test_from_params_hfov() -> None:
    m = CameraModel.from_params({"width": 640, "height": 480, "hfov_deg": 75.0})
    fx = 0.5 * 640 / math.tan(math.radians(75.0) / 2)
    np.testing.assert_allclose(m.K, [[fx, 0, 319.5], [0, fx, 239.5], [0, 0, 1]], rtol=1e-15)
    assert m.dist.shape == (5,) and not m.dist.any() and m.dist.dtype == np.float64
    np.testing.assert_array_equal(m.K, intrinsics({"width": 640, "height": 480,
                                                   "hfov_deg": 75.0}))


def test_from_params_explicit_intrinsics() -> None:
    m = CameraModel.from_params({"width": 64, "height": 48, "fx": 50.0, "fy": 55.0, "cx": 30.0,
                                 "cy": 20.5, "distortion": [0.1, 0, 0, 0, 0]})
    np.testing.assert_array_equal(m.K, [[50, 0, 30], [0, 55, 20.5], [0, 0, 1]])
    np.testing.assert_array_equal(m.dist, [0.1, 0, 0, 0, 0])
    m = CameraModel.from_params({"width": 64, "height": 48, "fx": 50.0, "distortion": None})
    np.testing.assert_array_equal(m.K, [[50, 0, 31.5], [0, 50, 23.5], [0, 0, 1]])
    assert not m.K.flags.writeable and not m.dist.flags.writeable


def test_from_params_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="hfov_deg or fx"):
        CameraModel.from_params({"width": 64, "height": 48})
    with pytest.raises(ValueError, match="distortion"):
        CameraModel.from_params({"width": 64, "height": 48, "fx": 50.0, "distortion": [0.1]})


def test_non_invertible_distortion_raises() -> None:
    with pytest.raises(ValueError, match="distortion"):
        _model((-1.5, 0, 0, 0, 0), 640, 480, 120.0)
    # radially monotonic (g' > 0 everywhere) but nearly flat at the corners, where the
    # tangential terms fold the map: some pixels would have no (or two) rays
    with pytest.raises(ValueError, match="distortion"):
        _model((-0.3416, -0.1803, -0.00429, 0.00219, 0.1346), 379, 97, 98.4)
    _model((-0.3, 0, 0, 0, 0), 640, 480, 50.0)  # a narrower lens of the same family: fine


# -- projection --------------------------------------------------------------------------------

@pytest.mark.parametrize("dist", LENSES)
def test_project_matches_cv2(dist) -> None:
    m = _model(dist)
    rng = np.random.default_rng(0)
    z = rng.uniform(0.05, 50.0, 2000)
    xy = rng.uniform(-0.6, 0.6, (2000, 2)) * z[:, None]  # a little wider than the image
    points = np.column_stack([xy, z])
    uv, valid = m.project(points)
    assert uv.shape == (2000, 2) and uv.dtype == np.float64 and valid.all()
    np.testing.assert_allclose(uv, _cv_project(m, points), rtol=0, atol=1e-9)
    _, valid = m.project(points * [1, 1, -1])
    assert not valid.any()


@pytest.mark.parametrize("dist", LENSES)
def test_pixel_rays_reproject_to_pixel_centres(dist) -> None:
    m = _model(dist)
    rays = m.pixel_rays()
    assert rays.shape == (120 * 160, 3) and rays.dtype == np.float64
    assert not rays.flags.writeable
    np.testing.assert_allclose(np.linalg.norm(rays, axis=1), 1.0, rtol=0, atol=1e-15)
    uv, valid = m.project(rays)
    assert valid.all()
    np.testing.assert_allclose(uv, _grid(160, 120), rtol=0, atol=1e-8)
    np.testing.assert_allclose(_cv_project(m, rays), _grid(160, 120), rtol=0, atol=1e-8)


def test_pixel_rays_pinhole_closed_form() -> None:
    m = CameraModel.from_params({"width": 40, "height": 30, "fx": 35.0, "fy": 33.0,
                                 "cx": 18.2, "cy": 16.7})
    g = _grid(40, 30)
    d = np.column_stack([(g[:, 0] - 18.2) / 35.0, (g[:, 1] - 16.7) / 33.0, np.ones(len(g))])
    np.testing.assert_allclose(m.pixel_rays(), d / np.linalg.norm(d, axis=1, keepdims=True),
                               rtol=0, atol=1e-15)


@pytest.mark.parametrize("dist", LENSES)
def test_undistort_matches_cv2(dist) -> None:
    m = _model(dist)
    g = _grid(160, 120)
    ref = cv2.undistortPoints(g.reshape(-1, 1, 2), m.K, m.dist, criteria=CV_CRITERIA)
    np.testing.assert_allclose(m.undistort_points(g), ref.reshape(-1, 2), rtol=0, atol=1e-9)


def test_pixel_rays_cached_per_model() -> None:
    a, b = _model(BARREL), _model(BARREL)
    assert a == b and hash(a) == hash(b) and a != _model(PINCUSHION)
    assert a.pixel_rays() is b.pixel_rays()


# -- properties --------------------------------------------------------------------------------

@st.composite
def models(draw) -> CameraModel:
    """Random intrinsics and realistic distortion, shrunk until the lens is invertible (a
    tall image at hfov 120° can reach a vertical field of view near 180°, where no k3 ≠ 0 is
    invertible: those fall back to a pinhole)."""
    w, h = draw(st.integers(16, 1024)), draw(st.integers(16, 1024))
    hfov = draw(st.floats(30.0, 120.0))
    limits = (0.5, 0.3, 0.01, 0.01, 0.2)
    dist = np.array([draw(st.floats(-a, a)) for a in limits])
    for _ in range(60):
        try:
            return _model(dist, w, h, hfov)
        except ValueError:
            dist *= 0.85
    return _model(PINHOLE, w, h, hfov)


@st.composite
def poses(draw) -> tuple[np.ndarray, np.ndarray]:
    """(R_world_cam (3, 3), t_world_cam (3,)) from a random quaternion and translation."""
    q = np.array([draw(st.floats(-1.0, 1.0)) for _ in range(4)])
    assume(np.linalg.norm(q) > 0.1)
    x, y, z, w = q / np.linalg.norm(q)
    R = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                  [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                  [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])
    return R, np.array([draw(st.floats(-100.0, 100.0)) for _ in range(3)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=models(), pose=poses(), seed=st.integers(0, 2**32 - 1))
def test_world_points_land_on_their_pixel_ray(model, pose, seed) -> None:
    """World → (pose, model) → pixel → undistorted ray: the point lies on the ray."""
    R, t = pose
    rng = np.random.default_rng(seed)
    corners = np.array([[0, 0], [model.width - 1, 0], [0, model.height - 1],
                        [model.width - 1, model.height - 1]], np.float64)
    r_max = np.linalg.norm(model.undistort_points(corners), axis=1).max()
    rho, phi = r_max * np.sqrt(rng.uniform(0, 1, 300)), rng.uniform(0, 2 * np.pi, 300)
    z = rng.uniform(0.05, 200.0, 300)
    xy = np.column_stack([rho * np.cos(phi), rho * np.sin(phi)])
    points_world = np.column_stack([xy * z[:, None], z]) @ R.T + t
    uv, valid = model.project((points_world - t) @ R)
    assert valid.all()
    ray_world = np.column_stack([model.undistort_points(uv), np.ones(300)]) @ R.T
    ray_world /= np.linalg.norm(ray_world, axis=1, keepdims=True)
    to_point = (points_world - t) / np.linalg.norm(points_world - t, axis=1, keepdims=True)
    assert np.abs(np.cross(ray_world, to_point)).max() < 1e-9  # sine of the angle
    np.testing.assert_allclose(model.undistort_points(uv), xy, rtol=0, atol=1e-9)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=models(), pose=poses(), seed=st.integers(0, 2**32 - 1))
def test_pixel_rays_round_trip_through_a_pose(model, pose, seed) -> None:
    """Pixel centre → pixel_rays → world point at some depth → (pose, model) → same pixel."""
    R, t = pose
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, model.width * model.height, 500)
    depth = rng.uniform(0.05, 200.0, 500)
    points_world = (model.pixel_rays()[idx] * depth[:, None]) @ R.T + t
    uv, valid = model.project((points_world - t) @ R)
    assert valid.all()
    v, u = np.divmod(idx, model.width)
    np.testing.assert_allclose(uv, np.column_stack([u, v]), rtol=0, atol=1e-8)


@settings(max_examples=200, deadline=None)
@given(w=st.integers(16, 1024), h=st.integers(16, 1024), hfov=st.floats(30.0, 120.0),
       k1=st.floats(-1.5, 1.0), k2=st.floats(-0.5, 0.5), k3=st.floats(-0.3, 0.3))
def test_radial_invertibility_check_is_exact(w, h, hfov, k1, k2, k3) -> None:
    """Without tangential terms the lens is accepted iff g(r) = r(1 + k1 r² + k2 r⁴ + k3 r⁶)
    keeps increasing until it reaches the corners' distorted radius (dense-sampled g)."""
    fx = 0.5 * w / math.tan(math.radians(hfov) / 2)
    rd_max = math.hypot(w / 2, h / 2) / fx  # outer pixel edge of the corner
    r = np.linspace(0.0, 20.0, 400_001)
    g = r * (1 + r**2 * (k1 + r**2 * (k2 + r**2 * k3)))
    stops = np.flatnonzero(np.diff(g) <= 0)
    g_peak = g[stops[0]] if stops.size else np.inf  # largest radius reached monotonically
    assume(not math.isclose(g_peak, rd_max, rel_tol=1e-6))
    assume(stops.size or g[-1] > rd_max)  # the sampled range decides
    if g_peak > rd_max:
        m = _model((k1, k2, 0, 0, k3), w, h, hfov)
        corners = np.array([[0, 0], [w - 1, h - 1], [0, h - 1], [w - 1, 0]], np.float64)
        assert not np.isnan(m.undistort_points(corners)).any()
    else:
        with pytest.raises(ValueError, match="distortion"):
            _model((k1, k2, 0, 0, k3), w, h, hfov)
