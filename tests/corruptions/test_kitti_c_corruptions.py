"""KITTI-C's new registry corruptions against computations made here, independently of the
code: point sets checked with scipy's KD-tree and rotation fitting, object moves redone by
hand in the box frame, noise statistics with binomial / chi-square tolerances, and the
scene's sun worked out from the recorded light and pose."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial import cKDTree
from scipy.spatial.transform import Rotation
from scipy.stats import chi2

from simengine.corruptions import get
from simengine.corruptions.sun import sun_world


def wall(rows=32, cols=64, seed=0):
    """A capture of random ranges on a regular beam grid; xyz = direction × range."""
    rng = np.random.default_rng(seed)
    r = rng.uniform(3.0, 25.0, (rows, cols))
    e = np.radians(np.linspace(10, -20, rows))[:, None]
    a = np.radians(np.linspace(-180, 180, cols, endpoint=False))[None, :]
    d = np.stack(np.broadcast_arrays(np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)),
                 axis=-1)
    r[rng.random(r.shape) < 0.1] = 0.0  # some beams see nothing
    return {"range": r.astype(np.float32),
            "intensity": np.where(r > 0, rng.uniform(0.05, 0.9, r.shape), 0).astype(np.float32),
            "xyz": (d * r[..., None]).astype(np.float32)}


def call(name, data, level, seed=0, context=None):
    return get(name).fn(data, level, np.random.default_rng(seed), context or {})


def test_density_decrease_removes_the_floor_of_the_fraction():
    data = wall()
    n = int((data["range"] > 0).sum())
    out = call("density_decrease", data, 0.18)
    removed = (data["range"] > 0) & (out.data["range"] == 0)
    assert removed.sum() == int(0.18 * n)
    np.testing.assert_array_equal(out.mask, removed)
    kept = out.data["range"] > 0
    np.testing.assert_array_equal(out.data["xyz"][kept], data["xyz"][kept])


def test_point_cutout_removes_knn_balls():
    data = wall()
    live = data["range"] > 0
    pts = data["xyz"][live].astype(np.float64)
    k = int(0.05 * len(pts))
    out = call("point_cutout", data, (1, 0.05), seed=3)
    gone = (out.data["range"] == 0)[live]
    assert gone.sum() == k
    # the removed set is the k nearest neighbours of one of its own points
    tree = cKDTree(pts)
    balls = [set(tree.query(pts[i], k=k)[1].tolist()) for i in np.flatnonzero(gone)]
    assert set(np.flatnonzero(gone).tolist()) in balls


@pytest.mark.parametrize("name,level", [("point_gaussian_noise", 0.06),
                                        ("point_uniform_noise", 0.08)])
def test_point_noise_statistics_and_range(name, level):
    data = wall(rows=64, cols=128)
    live = data["range"] > 0
    out = call(name, data, level, seed=1)
    delta = (out.data["xyz"][live].astype(np.float64) - data["xyz"][live]).ravel()
    variance = level**2 if name == "point_gaussian_noise" else level**2 / 3.0
    n = delta.size
    lo, hi = chi2.ppf([1e-4, 1 - 1e-4], n) / n  # sample variance / σ² bounds (Gaussian)
    ratio = float(np.mean(delta**2)) / variance
    assert lo * 0.97 < ratio < hi * 1.03  # uniform: kurtosis differs a little, margin 3 %
    if name == "point_uniform_noise":
        assert np.abs(delta).max() <= level + 1e-6
    np.testing.assert_allclose(out.data["range"][live],
                               np.linalg.norm(out.data["xyz"][live].astype(np.float64), axis=1),
                               rtol=1e-6)
    assert np.all(out.data["range"][~live] == 0)


def test_point_impulse_moves_n_over_d_points_by_a_tenth():
    data = wall()
    live = data["range"] > 0
    out = call("point_impulse_noise", data, 20, seed=2)
    delta = out.data["xyz"].astype(np.float64) - data["xyz"]
    moved = np.any(np.abs(delta) > 1e-4, axis=-1)
    assert moved.sum() == live.sum() // 20
    np.testing.assert_allclose(np.abs(delta[moved]), 0.1, atol=2e-6)


def test_motion_compensation_is_one_rigid_motion_per_sector():
    data = wall(rows=32, cols=200)
    live = data["range"] > 0
    sigma_t, sigma_r = 0.10, 0.010
    out = call("motion_compensation", data, (sigma_t, sigma_r), seed=5)
    rotvecs, shifts = [], []
    for j in range(100):  # 200 columns → sectors of 2 consecutive columns
        cols = live[:, 2 * j:2 * j + 2]
        a = data["xyz"][:, 2 * j:2 * j + 2][cols].astype(np.float64)
        b = out.data["xyz"][:, 2 * j:2 * j + 2][cols].astype(np.float64)
        ca, cb = a.mean(0), b.mean(0)
        rot, _ = Rotation.align_vectors(b - cb, a - ca)  # Kabsch
        np.testing.assert_allclose(rot.apply(a) + (cb - rot.apply(ca)), b, atol=2e-5)
        rotvecs.append(rot.as_rotvec())
        shifts.append(cb - rot.apply(ca))
    rotvecs, shifts = np.array(rotvecs), np.array(shifts)
    # 300 draws each: the sample σ within ±20 % of the level
    assert 0.8 < rotvecs.std() / sigma_r < 1.2
    assert 0.8 < shifts.std() / sigma_t < 1.2


# --- object level ---------------------------------------------------------------------
YAW = math.radians(30.0)
CENTRE = np.array([10.0, 2.0, 0.75])
SIZE = np.array([4.0, 2.0, 1.5])


def box_scene(n_obj=400, n_ground=300, seed=0):
    """An object's returns filling its box (yawed 30°) and ground returns elsewhere, laid
    out as a (1, N) capture with per-return instance labels and the box."""
    rng = np.random.default_rng(seed)
    R = Rotation.from_euler("z", YAW).as_matrix()
    local = rng.uniform(-0.5, 0.5, (n_obj, 3)) * SIZE
    obj = local @ R.T + CENTRE
    ground = np.column_stack([rng.uniform(-20, 20, n_ground), rng.uniform(-20, 20, n_ground),
                              np.full(n_ground, -1.5)])
    xyz = np.vstack([obj, ground])[None]
    r = np.linalg.norm(xyz, axis=-1)
    instance = np.concatenate([np.ones(n_obj, np.int32), np.zeros(n_ground, np.int32)])[None]
    quat = Rotation.from_matrix(R).as_quat()  # xyzw
    context = {"instance": instance, "box3d_center_lidar": CENTRE[None],
               "box3d_size": SIZE[None].astype(np.float32),
               "box3d_orientation_lidar": quat[None]}
    data = {"range": r.astype(np.float32), "intensity": np.full(r.shape, 0.5, np.float32),
            "xyz": xyz.astype(np.float32)}
    return data, context, R


def local_of(p, R):
    return (np.asarray(p, np.float64) - CENTRE) @ R


def test_object_density_and_cutout_touch_only_the_object():
    data, ctx, _ = box_scene()
    on = ctx["instance"] == 1
    out = call("object_density_decrease", data, 0.3, context=ctx)
    assert (out.data["range"][on] == 0).sum() == int(0.3 * on.sum())
    np.testing.assert_array_equal(out.data["range"][~on], data["range"][~on])
    out = call("object_cutout", data, 0.6, seed=4, context=ctx)
    gone = out.data["range"][on] == 0
    k = int(0.6 * on.sum())
    assert gone.sum() == k
    pts = data["xyz"][on].astype(np.float64)
    tree = cKDTree(pts)
    assert set(np.flatnonzero(gone).tolist()) in [set(tree.query(pts[i], k=k)[1].tolist())
                                                  for i in np.flatnonzero(gone)]
    np.testing.assert_array_equal(out.data["range"][~on], data["range"][~on])


def test_object_rotation_turns_about_the_box_up_axis_through_its_centre():
    data, ctx, _ = box_scene()
    on = ctx["instance"] == 1
    out = call("object_rotation", data, 5.0, seed=7, context=ctx)
    a = data["xyz"][on].astype(np.float64) - CENTRE
    b = out.data["xyz"][on].astype(np.float64) - CENTRE
    rot, _ = Rotation.align_vectors(b, a)
    np.testing.assert_allclose(rot.apply(a), b, atol=2e-5)  # a rotation about the centre
    rv = rot.as_rotvec()
    angle = np.degrees(np.linalg.norm(rv))
    assert 4.0 - 1e-3 <= angle <= 6.0 + 1e-3  # ±U(c − 1, c + 1), c = 5°
    np.testing.assert_allclose(np.abs(rv / np.linalg.norm(rv)), [0, 0, 1], atol=1e-4)
    np.testing.assert_array_equal(out.data["xyz"][~on], data["xyz"][~on])


def test_object_scale_scales_one_box_axis_and_keeps_the_bottom():
    data, ctx, R = box_scene()
    on = ctx["instance"] == 1
    c = 0.16
    out = call("object_scale", data, c, seed=2, context=ctx)
    a, b = local_of(data["xyz"][on], R), local_of(out.data["xyz"][on], R)
    fits = []
    for axis in range(3):
        for sign in (-1, 1):
            factor = np.ones(3)
            factor[axis] += sign * c
            expected = a * factor
            bottom = -SIZE[2] / 2
            expected[:, 2] += (factor[2] - 1) * (-bottom)  # the bottom face stays put
            fits.append(np.abs(expected - b).max())
    assert min(fits) < 1e-4 and sorted(fits)[1] > 1e-2  # exactly one of the six fits


def test_object_shear_is_linear_in_the_box_frame_and_stays_inside():
    data, ctx, R = box_scene()
    on = ctx["instance"] == 1
    out = call("object_shear", data, 0.25, seed=9, context=ctx)
    scale = SIZE.max() / 2
    a, b = local_of(data["xyz"][on], R) / scale, local_of(out.data["xyz"][on], R) / scale
    M, *_ = np.linalg.lstsq(a, b, rcond=None)
    np.testing.assert_allclose(a @ M, b, atol=2e-5)
    # row-vector form p·[[1,0,b],[d,1,e],[f,0,1]] with columns rescaled: zeros stay zero
    assert abs(M[0, 1]) < 1e-5 and abs(M[2, 1]) < 1e-5
    off = np.abs([M[0, 2], M[1, 0], M[1, 2], M[2, 0]]) / np.abs(M[[2, 0, 2, 0],
                                                                    [2, 0, 2, 0]])
    assert np.all((off > 0.2 - 1e-6) & (off < 0.3 + 1e-6))
    assert np.all(np.abs(b) <= SIZE / SIZE.max() + 1e-5)  # inside the box


def test_moving_object_shifts_by_thirds_along_the_heading():
    data, ctx, R = box_scene()
    on = ctx["instance"] == 1
    c = 0.6
    out = call("moving_object", data, c, context=ctx)
    x = local_of(data["xyz"][on], R)[:, 0]
    lo, third = x.min(), (x.max() - x.min()) / 3
    expected = np.where(x == lo, 0.0, np.where(x <= lo + third, c / 2, c))
    shift = (out.data["xyz"][on].astype(np.float64) - data["xyz"][on]) @ R[:, 0]
    np.testing.assert_allclose(shift, expected, atol=2e-5)
    sideways = (out.data["xyz"][on].astype(np.float64) - data["xyz"][on]) @ R[:, 1:]
    np.testing.assert_allclose(sideways, 0.0, atol=2e-5)


@pytest.mark.parametrize("name", ["object_gaussian_noise", "object_uniform_noise",
                                  "object_impulse_noise"])
def test_object_noise_moves_only_the_object(name):
    data, ctx, _ = box_scene()
    on = ctx["instance"] == 1
    level = {"object_impulse_noise": 10}.get(name, 0.1)
    out = call(name, data, level, seed=1, context=ctx)
    delta = out.data["xyz"].astype(np.float64) - data["xyz"]
    np.testing.assert_array_equal(delta[~on], 0.0)
    moved = np.any(np.abs(delta[on]) > 1e-5, axis=1)
    if name == "object_impulse_noise":
        assert moved.sum() == on.sum() // 10
        np.testing.assert_allclose(np.abs(delta[on][moved]), 0.1, atol=2e-6)
    else:
        assert moved.all()


# --- the sun --------------------------------------------------------------------------
def test_sun_of_a_physical_and_a_relative_light():
    el, az = math.radians(30.0), math.radians(120.0)
    expected = [math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)]
    travel = [-v for v in expected]
    scene = {"light": {"direction": travel, "sky": {"model": "preetham"},
                       "sun": {"elevation_deg": 30.0, "azimuth_deg": 120.0}}}
    np.testing.assert_allclose(sun_world(scene), expected, atol=1e-12)
    scene["light"]["sky"]["model"] = "overcast"
    assert sun_world(scene) is None
    relative = {"light": {"direction": (-0.4, -0.3, -1.0)}}
    np.testing.assert_allclose(sun_world(relative), np.array([0.4, 0.3, 1.0]) / math.sqrt(1.25))
    assert sun_world({**relative, "room": {"size": [4, 4, 3]}}) is None


def test_solar_noise_draws_bright_returns_and_pulls_them_nearer():
    data = wall(rows=64, cols=128, seed=4)
    live = data["range"] > 0
    # two reflectivities: left half dark (0.1), right half bright (0.8), all within 10 m
    data["range"] = np.where(live, 8.0, 0.0).astype(np.float32)
    bright = np.zeros(live.shape, bool)
    bright[:, 64:] = True
    data["intensity"] = np.where(live, np.where(bright, 0.8, 0.1), 0.0).astype(np.float32)
    assert np.array_equal(call("solar_noise", data, 0.05).data["range"], data["range"])  # no sun
    out = call("solar_noise", data, 0.05, seed=1, context={"sun_direction": np.array([0, 0, 1.0])})
    hit = out.mask
    assert hit.sum() == int(0.05 * live.sum())
    assert np.all(out.data["range"][hit] < 8.0) and np.all(out.data["range"][hit] > 0)
    # P(bright) per draw = 8 / 9 for equal counts (weighted draws, few drawn: ≈ independent)
    n = int(hit.sum())
    share = (hit & bright).sum() / n
    p = 0.8 * (bright & live).sum() / (0.8 * (bright & live).sum() + 0.1 * (~bright & live).sum())
    assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / n)
    # the false returns are uniform on (0, R): mean R/2
    assert abs(out.data["range"][hit].mean() - 4.0) < 4 * 8.0 / math.sqrt(12 * n)


# --- camera uniform noise and the extrinsic noise -------------------------------------------
def test_camera_uniform_noise_bounds_and_variance():
    image = np.full((64, 64, 3), 128, np.uint8)
    c = 0.18
    out = call("uniform_noise", image, c, seed=2).data.astype(np.float64)
    delta = out - 128.0
    assert np.abs(delta).max() <= c * 255 + 0.5
    expected_var = (c * 255) ** 2 / 3 + 1 / 12  # plus rounding to integers
    assert abs(delta.var() / expected_var - 1) < 0.05


def test_extrinsic_noise_is_a_rigid_error_on_the_lidar_pose():
    T = np.tile(np.eye(4), (3, 1, 1))
    T[:, :3, 3] = [1.0, 2.0, 3.0]
    data = {"camera/front/T_world_cam": T.copy(), "lidar/top/T_world_lidar": T.copy()}
    sig_t, sig_r = 0.2, 0.02
    shifts, angles = [], []
    for seed in range(200):
        out = call("extrinsic_noise", data, (sig_t, sig_r), seed=seed)
        assert set(out.data) == {"lidar/top/T_world_lidar"}
        E = np.linalg.inv(T[0]) @ out.data["lidar/top/T_world_lidar"][0]
        np.testing.assert_allclose(E[:3, :3] @ E[:3, :3].T, np.eye(3), atol=1e-12)
        np.testing.assert_allclose(out.data["lidar/top/T_world_lidar"][1:],
                                   np.broadcast_to(out.data["lidar/top/T_world_lidar"][0],
                                                   (2, 4, 4)))
        shifts.append(E[:3, 3])
        angles.append(Rotation.from_matrix(E[:3, :3]).as_rotvec())
    assert 0.85 < np.std(shifts) / sig_t < 1.15  # 600 draws
    assert 0.85 < np.std(angles) / sig_r < 1.15


def test_sun_glare_at_the_sun_with_the_inverse_square_halo():
    K = np.array([[100.0, 0, 80], [0, 100.0, 60], [0, 0, 1]])
    image = np.full((120, 160, 3), 51, np.uint8)  # 0.2 grey
    radius = 50  # KITTI pixels: θ_c = atan(50 / 721.5377)
    theta_c = math.atan(50 / 721.5377)
    assert np.array_equal(call("sun_glare", image, radius, context={"K": K}).data, image)
    behind = {"K": K, "sun_direction": np.array([0.0, 0.0, -1.0])}
    assert np.array_equal(call("sun_glare", image, radius, context=behind).data, image)
    # the sun 10° right of the axis: its pixel u = 80 + 100·tan 10°
    s = np.array([math.sin(math.radians(10)), 0.0, math.cos(math.radians(10))])
    out = call("sun_glare", image, radius, context={"K": K, "sun_direction": s})
    assert out.params["sun_u"] == pytest.approx(80 + 100 * math.tan(math.radians(10)))
    u_sun = round(out.params["sun_u"])
    assert np.all(out.data[60, u_sun] == 255) and out.mask[60, u_sun, 0]
    for u, v in ((0, 0), (159, 119), (40, 20)):  # the halo, worked out per pixel
        ray = np.array([(u - 80) / 100, (v - 60) / 100, 1.0])
        theta = math.acos(ray @ s / np.linalg.norm(ray))
        g = min(1.0, (theta_c / theta) ** 2)
        expected = 0.2 + g * 0.8
        assert abs(out.data[v, u, 0] / 255 - expected) <= 0.6 / 255
        assert not out.mask[v, u, 0]
    # the disc covers the pixels within θ_c of the sun
    assert out.params["core_pixels"] == int(out.mask[..., 0].sum()) > 0


# --- object level on the camera: lifted with the depth, moved in 3D, projected back --------
CAM_K = np.array([[100.0, 0.0, 64.0], [0.0, 100.0, 48.0], [0.0, 0.0, 1.0]])
BACKGROUND = np.array([40, 80, 120], np.uint8)
# the box frame in the camera (OpenCV) frame: forward = +x, up = −y, so y_box = +z
BOX_R = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


def camera_scene():
    """A wall at 10 m (uniform colour) and a textured square patch at 5 m (instance 1), the
    front face of a 0.8 m box; every patch pixel coded by its index (R = i % 256,
    G = i // 256, B = 255)."""
    h, w = 96, 128
    depth = np.full((h, w), 10.0, np.float32)
    inst = np.zeros((h, w), np.int32)
    image = np.broadcast_to(BACKGROUND, (h, w, 3)).copy()
    depth[28:68, 44:84] = 5.0
    inst[28:68, 44:84] = 1
    idx = np.arange(40 * 40).reshape(40, 40)
    image[28:68, 44:84] = np.stack([idx % 256, idx // 256, np.full_like(idx, 255)], -1)
    # the patch spans x, y ∈ [−0.2, 0.2) m at z = 5: the box behind it, 0.8 m deep
    centre = np.array([-0.005, -0.005, 5.4])
    context = {"depth": depth, "instance": inst, "K": CAM_K,
               "box3d_center_cam": centre[None], "box3d_size": np.array([[0.4, 0.8, 0.4]]),
               "box3d_orientation_cam": Rotation.from_matrix(BOX_R).as_quat()[None]}
    return image, context, centre


def patch_points():
    """The patch's pixels as camera-frame points (by hand: (u − cx)·z / f, ...)."""
    v, u = np.mgrid[28:68, 44:84]
    z = np.full(u.shape, 5.0)
    return np.stack([(u - 64) * z / 100, (v - 48) * z / 100, z], -1).reshape(-1, 3)


def test_image_object_rotation_redraws_the_turned_patch():
    import cv2

    image, ctx, centre = camera_scene()
    seed, c = 3, 7.0
    out = call("image_object_rotation", image, c, seed=seed, context=ctx)
    # the benchmark's draw: U(c − 1, c + 1) then a sign
    g = np.random.default_rng(seed)
    beta = math.radians(g.uniform(c - 1, c + 1) * g.choice([-1, 1]))
    # its turn: p̂ ↦ p̂·[[cos, sin, 0], [−sin, cos, 0], [0, 0, 1]] in the box frame
    turn = np.array([[math.cos(beta), math.sin(beta), 0], [-math.sin(beta), math.cos(beta), 0],
                     [0, 0, 1]])
    local = (patch_points() - centre) @ BOX_R
    moved = (local @ turn) @ BOX_R.T + centre
    uv, _ = cv2.projectPoints(moved, np.zeros(3), np.zeros(3), CAM_K, None)
    uv = np.rint(uv.reshape(-1, 2)).astype(int)
    nearest: dict = {}
    for i, ((u, v), z) in enumerate(zip(uv, moved[:, 2], strict=True)):
        if (u, v) not in nearest or z < nearest[(u, v)][1]:
            nearest[(u, v)] = (i, z)
    for (u, v), (i, _) in nearest.items():
        assert tuple(out.data[v, u]) == (i % 256, i // 256, 255)
    # nothing else shows the patch, and the wall far from it is untouched
    shows = out.data[..., 2] == 255
    assert shows.sum() == len(nearest)
    np.testing.assert_array_equal(out.data[:, :20], image[:, :20])
    assert out.mask[..., 0][28:68, 44:84].all() and not out.mask[:, :20].any()


def test_image_moving_object_is_the_mean_over_the_exposure():
    import cv2

    image, ctx, _ = camera_scene()
    image[28:68, 44:84] = (200, 30, 30)  # a plain patch over the plain wall
    c = 0.6
    out = call("image_moving_object", image, c, context=ctx)
    counts = np.zeros(image.shape[:2])
    for k in range(8):  # the object 0 … c along its forward axis (camera +x)
        pts = patch_points() + np.array([c * k / 7, 0.0, 0.0])
        uv, _ = cv2.projectPoints(pts, np.zeros(3), np.zeros(3), CAM_K, None)
        uv = np.rint(uv.reshape(-1, 2)).astype(int)
        cover = np.zeros(image.shape[:2], bool)
        cover[uv[:, 1], uv[:, 0]] = True
        counts += cover
    a, b = np.array([200, 30, 30.0]), BACKGROUND.astype(float)
    expected = b + (a - b) * (counts / 8)[..., None]
    assert np.abs(out.data.astype(float) - expected).max() <= 1.0
    assert counts.max() == 8 and (counts[48] > 0).sum() == 40 + round(100 * c / 5)
