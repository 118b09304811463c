"""Camera effects against independent references: lens distortion (OpenCV's undistortion and
projection, closed-form box surfaces), rolling shutter and motion blur (analytic motion of a
box flying at constant velocity), shadows and checker textures (closed-form shading through
the sRGB curve), the image pipeline (exposure, vignetting, noise, gamma in closed form), the
stereo depth-sensor model (Z²·subpixel/(f·B), incidence holes) and optical flow (OpenCV's
projection of each surface point carried by the recorded rigid motion, or seen by the moved
camera).

Frames: ``T_world_cam`` maps OpenCV optical-frame points (x right, y down, z forward) to the
world; pixel (u, v) is the ray through the pixel centre (u, v), as ``cv2.projectPoints``.
A camera at the origin looking along world +x (the default here) has optical x = world −y,
optical y = world −z.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

import simengine
from simengine.spec.loader import scene_from_dict

PRESET = "rgbd_d435_640x480"  # hfov 87°, near 0.1, far 10, baseline 0.05 m, subpixel 0.08
W, H = 200, 150
DISTORTION = [-0.25, 0.08, 0.001, -0.001, 0.0]
UNDISTORT_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 200, 1e-15)


# --- scene helpers --------------------------------------------------------------------------

def box(name: str, size, position, euler_deg=(0.0, 0.0, 0.0), *, color=(0.7, 0.7, 0.7),
        fixed: bool = True, velocity=None, angular_velocity=None, texture=None) -> dict:
    template: dict = {"shape": "box", "size": list(size), "color": list(color)}
    if fixed:
        template["fixed"] = True
    if texture is not None:
        template["texture"] = texture
    group: dict = {"name": name, "template": template, "position": list(position),
                   "orientation": {"euler_deg": list(euler_deg)}}
    if velocity is not None:
        group["linear_velocity"] = list(velocity)
    if angular_velocity is not None:
        group["angular_velocity"] = list(angular_velocity)
    return group


def scene(objects: list[dict], *, overrides: dict | None = None, world: dict | None = None,
          pose: dict | None = None, capture_times=(0.05,)) -> dict:
    """A free-space scene (no gravity, no ground unless ``world`` says otherwise) seen by one
    camera ``cam`` at the origin looking along world +x."""
    return {
        "name": "camera_effects",
        "world": {"gravity": [0.0, 0.0, 0.0], "ground": False, **(world or {})},
        "objects": objects,
        "simulation": {"capture_times": list(capture_times), "duration": max(capture_times)},
        "sensors": [{"name": "cam", "preset": PRESET,
                     "overrides": {"width": W, "height": H, **(overrides or {})},
                     "pose": pose or {"position": [0.0, 0.0, 0.0], "look_at": [1.0, 0.0, 0.0]}}],
    }


def render(d: dict) -> dict[str, np.ndarray]:
    return simengine.Engine(scene_from_dict(d, source="<test_camera_effects>"), seed=0).sample(0)


def cam(sample: dict, key: str) -> np.ndarray:
    return sample[f"camera/cam/{key}"]


def quat_matrix(q) -> np.ndarray:
    """xyzw → rotation matrix (written out here, independent of the package)."""
    x, y, z, w = np.asarray(q, np.float64) / np.linalg.norm(q)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def euler_matrix(euler_deg) -> np.ndarray:
    """R = Rz(yaw)·Ry(pitch)·Rx(roll) (the scene files' euler_deg convention)."""
    r, p, y = np.radians(euler_deg)
    Rx = np.array([[1, 0, 0], [0, math.cos(r), -math.sin(r)], [0, math.sin(r), math.cos(r)]])
    Ry = np.array([[math.cos(p), 0, math.sin(p)], [0, 1, 0], [-math.sin(p), 0, math.cos(p)]])
    Rz = np.array([[math.cos(y), -math.sin(y), 0], [math.sin(y), math.cos(y), 0], [0, 0, 1]])
    return Rz @ Ry @ Rx


def pixel_grid() -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.arange(W, dtype=np.float64), np.arange(H, dtype=np.float64))


def normalized_rays(K: np.ndarray, dist=None) -> np.ndarray:
    """(H, W, 3) rays (x, y, 1) through every pixel centre: K⁻¹ for a pinhole, OpenCV's
    iterative undistortion otherwise (checked to reproject onto the pixel)."""
    u, v = pixel_grid()
    uv = np.stack([u.ravel(), v.ravel()], axis=1)
    if dist is None or not np.any(dist):
        xy = (uv - K[:2, 2]) / np.diag(K)[:2]
    else:
        xy = cv2.undistortPoints(uv[:, None], K, np.asarray(dist, np.float64),
                                 criteria=UNDISTORT_CRITERIA)[:, 0]
        back, _ = cv2.projectPoints(np.c_[xy, np.ones(len(xy))], np.zeros(3), np.zeros(3), K,
                                    np.asarray(dist, np.float64))
        assert np.abs(back[:, 0] - uv).max() < 1e-6  # OpenCV converged on every pixel
    return np.concatenate([xy, np.ones((len(xy), 1))], axis=1).reshape(H, W, 3)


def world_points(sample: dict, f: int = 0, dist=None) -> np.ndarray:
    """(H, W, 3) world points of every pixel from the z-depth (garbage where depth is 0)."""
    T = cam(sample, "T_world_cam")[f]
    X_cam = normalized_rays(cam(sample, "K"), dist) * cam(sample, "depth")[f][..., None]
    return X_cam @ T[:3, :3].T + T[:3, 3]


def opencv_pose(T_world_cam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    T_cam_world = np.linalg.inv(T_world_cam)
    rvec, _ = cv2.Rodrigues(T_cam_world[:3, :3])
    return rvec, T_cam_world[:3, 3].copy()


def project(points_world: np.ndarray, T_world_cam: np.ndarray, K: np.ndarray,
            dist=None) -> np.ndarray:
    rvec, tvec = opencv_pose(T_world_cam)
    d = np.zeros(5) if dist is None else np.asarray(dist, np.float64)
    uv, _ = cv2.projectPoints(np.ascontiguousarray(points_world, np.float64).reshape(-1, 1, 3),
                              rvec, tvec, K, d)
    return uv[:, 0]


def box_sdf(points: np.ndarray, center, R: np.ndarray, half) -> np.ndarray:
    """Signed distance of world points to a box surface (0 on it)."""
    q = np.abs((points - np.asarray(center)) @ R) - np.asarray(half)
    outside = np.linalg.norm(np.maximum(q, 0.0), axis=-1)
    return outside + np.minimum(q.max(axis=-1), 0.0)


def srgb_linear(c) -> np.ndarray:
    c = np.asarray(c, np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def srgb_code(x) -> np.ndarray:
    """8-bit code of a linear value through the IEC 61966-2-1 curve."""
    x = np.clip(np.asarray(x, np.float64), 0.0, 1.0)
    y = np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)
    return np.floor(255.0 * y + 0.5)


def gamma_code(x, gamma: float) -> np.ndarray:
    return np.floor(255.0 * np.clip(np.asarray(x, np.float64), 0.0, 1.0) ** (1 / gamma) + 0.5)


def fx_of(sample: dict) -> float:
    return float(cam(sample, "K")[0, 0])


# --- 1. lens distortion ---------------------------------------------------------------------

WALL_X = 4.0  # the wall's front face (world x), facing the camera
DISTORTED_BOXES = {  # name: (size, position, euler_deg)
    "a": ((0.4, 0.6, 0.5), (2.0, 0.6, 0.3), (0.0, 0.0, 25.0)),
    "b": ((0.3, 0.3, 0.3), (1.5, -0.7, -0.4), (15.0, 20.0, 40.0)),
    "c": ((0.5, 0.2, 0.4), (2.5, -1.9, 1.2), (0.0, 0.0, -30.0)),  # far off-axis: strong
    "d": ((0.4, 0.4, 0.4), (3.2, 1.5, 0.25), (0.0, 0.0, 10.0)),  # partly behind "a"
}
DISTORTED_SCENE = scene(
    [box("wall", (0.2, 12.0, 9.0), (WALL_X + 0.1, 0.0, 0.0))]
    + [box(k, *v) for k, v in DISTORTED_BOXES.items()],
    overrides={"distortion": DISTORTION})


@pytest.fixture(scope="module")
def distorted() -> dict[str, np.ndarray]:
    return render(DISTORTED_SCENE)


def box_geometry(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    size, position, euler = DISTORTED_BOXES[name]
    return np.asarray(position), euler_matrix(euler), np.asarray(size) / 2


def test_distortion_output_is_the_parameter(distorted) -> None:
    np.testing.assert_array_equal(cam(distorted, "distortion"), DISTORTION)


def test_distorted_pixels_unproject_onto_the_known_surfaces(distorted) -> None:
    """Every hit pixel, unprojected with cv2.undistortPoints and the z-depth, lies on the
    surface of the object its instance label names (closed form, within 0.1 mm)."""
    depth, ids = cam(distorted, "depth")[0], cam(distorted, "instance")[0]
    assert np.all(depth > 0)  # the wall fills the view
    X = world_points(distorted, dist=DISTORTION)
    wall = ids == 1
    err = np.abs(X[wall][:, 0] - WALL_X)
    print(f"wall: {wall.sum()} px, max |x − {WALL_X}| = {err.max():.2e} m")
    assert err.max() < 1e-4
    # the wall spans the undistorted field of view, wider than a pinhole of the same K
    K = cam(distorted, "K")
    x_edge = (W - 1 - K[0, 2]) / K[0, 0]
    assert -X[wall][:, 1].min() > 1.1 * x_edge * WALL_X
    for index, name in enumerate(DISTORTED_BOXES, start=2):
        mine = ids == index
        assert mine.sum() > 100, name
        sdf = box_sdf(X[mine], *box_geometry(name))
        print(f"box {name}: {mine.sum()} px, max |distance to surface| = "
              f"{np.abs(sdf).max():.2e} m")
        assert np.abs(sdf).max() < 1e-4, name
    # the pinhole unprojection of the same pixels would miss the surfaces by centimetres
    X_pinhole = world_points(distorted)
    assert np.abs(X_pinhole[wall][:, 0] - WALL_X).max() < 1e-4  # z-depth: same plane ...
    assert np.abs(X_pinhole[wall][:, 1:] - X[wall][:, 1:]).max() > 0.5  # ... other points


def dense_edges(center, R, half, n: int = 400) -> np.ndarray:
    """Points along the 12 edges of a box (world)."""
    signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)])
    s = np.linspace(0.0, 1.0, n)[:, None]
    points = []
    for i in range(8):
        for j in range(i + 1, 8):
            if np.abs(signs[i] - signs[j]).sum() == 2:  # differ in one axis: an edge
                a, b = signs[i] * half, signs[j] * half
                points.append(a + s * (b - a))
    return np.concatenate(points) @ R.T + center


def test_distorted_box_outlines_match_opencv_projection(distorted) -> None:
    """Unoccluded boxes: the mask box (boxes2d) is the box of the OpenCV-projected outline
    within a pixel, the amodal box is that outline clipped to the image, and every visible
    corner projects onto the mask's boundary and inside boxes2d."""
    K, T = cam(distorted, "K"), cam(distorted, "T_world_cam")[0]
    ids = cam(distorted, "instance")[0]
    boxes, amodal = cam(distorted, "boxes2d")[0], cam(distorted, "boxes2d_amodal")[0]
    visibility = cam(distorted, "visibility")[0]
    u, v = pixel_grid()
    for index, name in enumerate(DISTORTED_BOXES, start=1):
        center, R, half = box_geometry(name)
        outline = project(dense_edges(center, R, half), T, K, DISTORTION)
        lo, hi = outline.min(axis=0), outline.max(axis=0)
        expected = np.r_[np.maximum(lo, -0.5), np.minimum(hi, [W - 0.5, H - 0.5])]
        err_amodal = np.abs(amodal[index] - expected).max()
        print(f"box {name}: visibility {visibility[index]:.3f}, |amodal − cv2 outline box| "
              f"max {err_amodal:.3f} px", end="")
        assert err_amodal < 0.1, name
        corners = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1)
                            for sz in (-1, 1)]) * half @ R.T + center
        uv = project(corners, T, K, DISTORTION)
        # a corner of a convex box is visible (unless occluded) when one of its three faces
        # faces the camera
        to_cam = T[:3, 3] - corners
        front = np.zeros(8, bool)
        for axis in range(3):
            normal = R[:, axis] * np.sign((corners - center) @ R[:, axis])[:, None]
            front |= np.einsum("ij,ij->i", normal, to_cam) > 0
        mask = ids == index + 1
        if name == "d":  # partly hidden: only its box can be bounded
            assert visibility[index] < 0.95
            x0, y0, x1, y1 = boxes[index]
            assert lo[0] - 1 <= x0 and x1 <= hi[0] + 1 and lo[1] - 1 <= y0 and y1 <= hi[1] + 1
            print()
            continue
        assert visibility[index] == 1.0, name
        err_box = np.abs(boxes[index] - np.r_[lo, hi]).max()
        # the silhouette's corners are the images of the convex hull of the corners' pinhole
        # projections (distortion maps that hull's outline to the mask's outline)
        T_cam_world = np.linalg.inv(T)
        c_cam = corners @ T_cam_world[:3, :3].T + T_cam_world[:3, 3]
        hull = cv2.convexHull((c_cam[:, :2] / c_cam[:, 2:]).astype(np.float32),
                              returnPoints=False)[:, 0]
        on_outline = np.zeros(8, bool)
        on_outline[hull] = True
        worst_in = worst_out = 0.0
        x0, y0, x1, y1 = boxes[index]
        for (cu, cv), is_front, outer in zip(uv, front, on_outline, strict=True):
            d = np.hypot(u - cu, v - cv)
            if is_front or outer:
                assert x0 - 1 <= cu <= x1 + 1 and y0 - 1 <= cv <= y1 + 1, (name, cu, cv)
                worst_in = max(worst_in, float(d[mask].min()))
            if outer:
                worst_out = max(worst_out, float(d[~mask].min()))
        print(f", |boxes2d − outline box| max {err_box:.3f} px, visible corners to the "
              f"nearest mask pixel ≤ {worst_in:.2f} px, outline corners to the nearest "
              f"non-mask pixel ≤ {worst_out:.2f} px")
        assert err_box <= 1.0, name
        assert worst_in <= 1.5 and worst_out <= 1.5, name


# --- 2, 3. rolling shutter and motion blur ----------------------------------------------------

BAR_SPEED = 5.0  # m/s along world +y: leftwards in the image
BAR_HALF = 0.15  # half width (x and y) of the tall bar; its front face is at x = 2 − 0.15
BAR_Z = 2.0 - BAR_HALF
BAR_COLOR = 1.0
BAR_SHADE = (0.2, 0.6)  # ambient, intensity; the light shines along +x onto the front face


def bar_scene(mover: str = "object", **overrides) -> dict:
    """A tall bar flying sideways in free space, centred in the view at the capture (t =
    0.05 s), its front face square to the camera; white on black, lit head-on. With
    ``mover="camera"`` the bar stands still and the camera glides the other way instead."""
    world = {"background": [0.0, 0.0, 0.0],
             "light": {"direction": [1.0, 0.0, 0.0], "ambient": BAR_SHADE[0],
                       "intensity": BAR_SHADE[1]}}
    size, color = (2 * BAR_HALF, 2 * BAR_HALF, 4.0), (BAR_COLOR,) * 3
    if mover == "camera":
        bar = box("bar", size, (2.0, 0.0, 0.0), color=color)
        pose = {"position": [0.0, BAR_SPEED * 0.05, 0.0], "look_at": [1.0, BAR_SPEED * 0.05, 0.0],
                "velocity": [0.0, -BAR_SPEED, 0.0]}
        return scene([bar], overrides=overrides, world=world, pose=pose, capture_times=(0.05,))
    bar = box("bar", size, (2.0, -BAR_SPEED * 0.05, 0.0), color=color, fixed=False,
              velocity=(0.0, BAR_SPEED, 0.0))
    return scene([bar], overrides=overrides, world=world, capture_times=(0.05,))


@pytest.fixture(scope="module")
def bar_still() -> dict[str, np.ndarray]:
    return render(bar_scene())


def bar_speed(sample: dict) -> float:
    """The bar's velocity at the capture as the physics recorded it, the velocity the
    renderer moves it with. (PyBullet's default damping, which the physics module leaves on,
    slows a free body: 1.2 % of 5 m/s lost after 0.05 s.)"""
    v = sample["objects/linear_velocity"][0, 0]
    np.testing.assert_allclose(v, [0.0, BAR_SPEED, 0.0], atol=0.03 * BAR_SPEED)
    return float(v[1])


def left_edges(instance: np.ndarray) -> np.ndarray:
    """Per row, the image position of the bar's left silhouette (outer edge of its first
    pixel)."""
    mask = instance == 1
    assert np.all(mask.any(axis=1))  # the bar spans every row
    return np.argmax(mask, axis=1) - 0.5


def test_global_shutter_bar_edge_is_vertical(bar_still) -> None:
    edges = left_edges(cam(bar_still, "instance")[0])
    assert np.all(edges == edges[0])
    assert cam(bar_still, "effects/rolling_shutter_s")[0] == 0.0
    assert np.all(cam(bar_still, "depth")[0][cam(bar_still, "instance")[0] == 1] == BAR_Z)


@pytest.mark.parametrize(("mover", "readout"),
                         [("object", 0.05), ("object", 0.02), ("camera", 0.05)])
def test_rolling_shutter_slants_a_moving_edge(mover: str, readout: float) -> None:
    """Rows are read top first over ``readout`` s, row v at t + readout·(v/(H−1) − 0.5): an
    edge moving at image speed u' = −v_y·fx/Z shifts by u'·readout/(H−1) per row. The bar
    flying right-to-left or the camera gliding left-to-right slant it alike."""
    sample = render(bar_scene(mover, rolling_shutter_s=readout))
    edges = left_edges(cam(sample, "instance")[0])
    rows = np.arange(H)
    slope, intercept = np.polyfit(rows, edges, 1)
    speed = bar_speed(sample) if mover == "object" else BAR_SPEED
    expected = -speed * fx_of(sample) * readout / (BAR_Z * (H - 1))
    residual = np.abs(edges - (slope * rows + intercept)).max()
    print(f"{mover} moving, readout {readout} s: slope {slope:.5f} px/row, expected "
          f"{expected:.5f} ({(slope / expected - 1) * 100:+.2f} %), max residual "
          f"{residual:.2f} px")
    assert slope == pytest.approx(expected, rel=0.1)
    assert residual < 1.0  # a straight slanted edge
    # the middle row is read at the capture time: there the edge is where the global
    # shutter puts it
    still = render(bar_scene(mover))
    centre = left_edges(cam(still, "instance")[0])
    assert np.all(centre == centre[0])
    assert abs(slope * (H - 1) / 2 + intercept - centre[0]) < 1.0
    assert cam(sample, "effects/rolling_shutter_s")[0] == np.float32(readout)


def coverage(rgb_row: np.ndarray) -> np.ndarray:
    """Fraction of the exposure each pixel of a row saw the bar: blur averages linear light,
    the bar is a uniform linear radiance on black."""
    ambient, intensity = BAR_SHADE
    radiance = float(srgb_linear(BAR_COLOR)) * (ambient + intensity)
    return srgb_linear(rgb_row.astype(np.float64) / 255.0).mean(axis=-1) / radiance


def crossing(u: np.ndarray, f: np.ndarray, level: float) -> float:
    """Where f(u), from 0 up to 1, first reaches ``level`` (linear interpolation)."""
    i = int(np.argmax(f >= level))
    assert i > 0 and f[i - 1] < level
    return float(u[i - 1] + (level - f[i - 1]) / (f[i] - f[i - 1]) * (u[i] - u[i - 1]))


def test_motion_blur_ramps_span_the_exposure_motion(bar_still) -> None:
    """Blur over E s: each edge becomes a ramp of partial coverage v_y·E·fx/Z px wide,
    centred on the sharp edge; depth and instance stay those of the unblurred render."""
    exposure = 0.035
    sample = render(bar_scene(motion_blur_s=exposure, motion_blur_samples=32))
    span = bar_speed(sample) * exposure * fx_of(sample) / BAR_Z
    still_ids = cam(bar_still, "instance")[0]
    np.testing.assert_array_equal(cam(sample, "instance")[0], still_ids)
    np.testing.assert_array_equal(cam(sample, "depth")[0], cam(bar_still, "depth")[0])
    assert cam(sample, "effects/motion_blur_s")[0] == np.float32(exposure)
    # sharp: the unblurred rgb is the bar's exact colour or black, nothing between
    np.testing.assert_allclose(coverage(cam(bar_still, "rgb")[0][H // 2]),
                               still_ids[H // 2] == 1, atol=2e-3)
    u = np.arange(W, dtype=np.float64)
    for row in (10, H // 2, H - 10):
        f = coverage(cam(sample, "rgb")[0][row])
        mask = np.flatnonzero(still_ids[row] == 1)
        sharp = {"left": mask[0] - 0.5, "right": mask[-1] + 0.5}
        assert sharp["right"] - sharp["left"] > 1.4 * span  # the two ramps do not meet
        centre = int(mask.mean())
        # each ramp read from the outside in: coverage rises from 0 to 1
        ramps = {"left": (u[:centre], f[:centre]), "right": (u[centre:][::-1], f[centre:][::-1])}
        for side, (us, fs) in ramps.items():
            partial = int(((fs > 0.01) & (fs < 0.99)).sum())
            width = abs(crossing(us, fs, 0.95) - crossing(us, fs, 0.05)) / 0.9  # linear ramp
            middle = crossing(us, fs, 0.5)
            print(f"row {row} {side}: {partial} partial px, ramp width {width:.2f} px, "
                  f"expected {span:.2f}; 50 % at {middle:.2f}, sharp edge {sharp[side]:.2f}")
            assert abs(partial - span) <= 1.5
            assert abs(width - span) <= 1.5
            assert abs(middle - sharp[side]) <= 1.0


# --- 4. shadows -------------------------------------------------------------------------------

GROUND_COLOR = 0.5
SHADOW_LIGHT = {"direction": [0.0, 0.0, -1.0], "ambient": 0.3, "intensity": 0.6}
SLAB_HALF = 0.5  # a 1 × 1 × 0.2 slab floating at z = 0.8 above the ground


def shadow_scene(shadows: bool) -> dict:
    world = {"gravity": [0.0, 0.0, -9.81], "ground": {"color": [GROUND_COLOR] * 3},
             "light": {**SHADOW_LIGHT, "shadows": shadows}}
    slab = box("slab", (2 * SLAB_HALF, 2 * SLAB_HALF, 0.2), (0.0, 0.0, 0.8))
    return scene([slab], world=world,
                 pose={"position": [-2.5, 0.5, 1.8], "look_at": [0.0, 0.0, 0.0]})


def ground_regions(sample: dict) -> tuple[np.ndarray, np.ndarray]:
    """Ground pixels strictly inside the slab's footprint (5 cm margin), and well outside."""
    ids, depth = cam(sample, "instance")[0], cam(sample, "depth")[0]
    X = world_points(sample)
    ground = (ids == 0) & (depth > 0)
    assert np.abs(X[ground][:, 2]).max() < 1e-5
    reach = np.abs(X[..., :2]).max(axis=-1)
    return ground & (reach < SLAB_HALF - 0.05), ground & (reach > SLAB_HALF + 0.15)


@pytest.mark.parametrize("shadows", [True, False])
def test_shadow_of_a_floating_slab_under_a_vertical_light(shadows: bool) -> None:
    """Light straight down: under the slab the ground gets the ambient term only, elsewhere
    ambient + intensity (normal incidence), each through the sRGB curve; with shadows off
    the footprint is lit too."""
    sample = render(shadow_scene(shadows))
    inside, outside = ground_regions(sample)
    assert inside.sum() > 200 and outside.sum() > 1000
    rgb = cam(sample, "rgb")[0].astype(np.int64)
    albedo = srgb_linear(GROUND_COLOR)
    a, i = SHADOW_LIGHT["ambient"], SHADOW_LIGHT["intensity"]
    lit, dark = srgb_code(albedo * (a + i)), srgb_code(albedo * a)
    under = lit if not shadows else dark
    err_in, err_out = np.abs(rgb[inside] - under).max(), np.abs(rgb[outside] - lit).max()
    print(f"shadows {shadows}: footprint {inside.sum()} px code {np.unique(rgb[inside])} "
          f"(expected {under:.0f}, max err {err_in}), outside {outside.sum()} px code "
          f"{np.unique(rgb[outside])} (expected {lit:.0f}, max err {err_out})")
    assert err_in <= 2 and err_out <= 2
    assert lit - dark > 40  # the two cases are far apart


# --- 5. procedural textures ---------------------------------------------------------------

CHECKER = {"kind": "checker", "scale": 0.095, "color2": [0.15, 0.35, 0.3]}
CHECKER_COLOR = (0.8, 0.7, 0.55)
TEXTURE_LIGHT = {"direction": [0.3, -0.2, -1.0], "ambient": 0.25, "intensity": 0.7}
GROUND_CENTRE = np.array([0.0, 0.0, -0.1])  # the ground: a box of half extents (500, 500, 0.1)


def test_checker_ground_colour_follows_the_parity_of_the_local_cell() -> None:
    """Each ground pixel away from square borders shows colour or colour2 by the parity of
    floor(x/s) + floor(y/s) + floor(z/s) of its point in the ground box's frame (z = 0.1 on
    the top face: with s < 0.1 the z term flips the pattern), shaded by the light's cosine on
    the normal (0, 0, 1)."""
    world = {"gravity": [0.0, 0.0, -9.81], "light": TEXTURE_LIGHT,
             "ground": {"color": list(CHECKER_COLOR), "texture": CHECKER}}
    marker = box("marker", (0.2, 0.2, 0.2), (-5.0, -5.0, 0.1))  # out of view
    sample = render(scene([marker], world=world, pose={"position": [0.0, 0.0, 1.2],
                                                        "look_at": [0.3, 0.1, 0.0]}))
    ids, depth = cam(sample, "instance")[0], cam(sample, "depth")[0]
    ground = (ids == 0) & (depth > 0)
    assert ground.all()
    local = world_points(sample) - GROUND_CENTRE
    s = CHECKER["scale"]
    cells = np.floor(local / s)
    frac = local[..., :2] / s - cells[..., :2]
    clear = ground & (np.minimum(frac, 1 - frac).min(axis=-1) * s > 2e-3)  # 2 mm from borders
    assert np.abs(local[ground][:, 2] - 0.1).max() < 1e-5
    parity = cells.sum(axis=-1).astype(np.int64) & 1
    direction = np.asarray(TEXTURE_LIGHT["direction"]) / np.linalg.norm(
        TEXTURE_LIGHT["direction"])
    shade = TEXTURE_LIGHT["ambient"] + TEXTURE_LIGHT["intensity"] * -direction[2]
    c1, c2 = srgb_linear(CHECKER_COLOR), srgb_linear(CHECKER["color2"])
    expected = srgb_code(shade * np.where(parity[..., None] == 1, c2, c1))
    rgb = cam(sample, "rgb")[0].astype(np.int64)
    err = np.abs(rgb - expected)[clear]
    wrong_parity = np.abs(rgb - srgb_code(shade * np.where(parity[..., None] == 0, c2, c1)))
    print(f"checker: {clear.sum()} of {ground.sum()} ground px away from borders, "
          f"max |code − expected| {err.max()}, {(err > 0).any(axis=-1).sum()} px off by one; "
          f"both parities present: {np.bincount(parity[clear])}")
    assert clear.sum() > 0.8 * ground.sum()
    assert err.max() <= 2
    assert np.bincount(parity[clear]).min() > 0.3 * clear.sum()
    assert (wrong_parity[clear].max(axis=-1) > 20).all()  # the two colours are far apart


# --- 6. image pipeline ----------------------------------------------------------------------

WALL_COLOR = 0.6
WALL_LIGHT = {"direction": [1.0, 0.0, 0.0], "ambient": 0.2, "intensity": 0.5,  # head-on
              "shadows": False}  # (the block's shadow would fall on the visible wall)


def wall_scene(**overrides) -> dict:
    """A grey wall 3 m ahead filling the view, lit head-on, and a box in front of it."""
    return scene([box("wall", (0.2, 12.0, 9.0), (3.1, 0.0, 0.0), color=(WALL_COLOR,) * 3),
                  box("block", (0.3, 0.4, 0.5), (2.0, 0.4, 0.1), (0.0, 0.0, 30.0),
                      color=(0.2, 0.5, 0.8))],
                 overrides=overrides, world={"light": WALL_LIGHT})


def wall_radiance() -> float:
    return float(srgb_linear(WALL_COLOR)) * (WALL_LIGHT["ambient"] + WALL_LIGHT["intensity"])


PIPELINE = {"exposure_gain": 1.5, "vignetting": 0.3, "gamma": 2.2}
NOISE = {"noise_shot": 0.01, "noise_read": 1e-4}


@pytest.fixture(scope="module")
def developed() -> tuple[dict, dict]:
    return render(wall_scene(**PIPELINE, **NOISE)), render(wall_scene(**PIPELINE))


def test_pipeline_parameters_are_recorded(developed) -> None:
    noisy, clean = developed
    expected = {"exposure_gain": 1.5, "vignetting_strength": 0.3, "vignetting_cos4": 0.0,
                "noise_shot": 0.01, "noise_read": 1e-4, "gamma": 2.2, "motion_blur_s": 0.0,
                "rolling_shutter_s": 0.0}
    for name, value in expected.items():
        assert cam(noisy, f"effects/{name}")[0] == np.float32(value), name
        no_noise = 0.0 if name.startswith("noise") else value
        assert cam(clean, f"effects/{name}")[0] == np.float32(no_noise), name


def test_noise_changes_the_image_not_the_labels(developed) -> None:
    noisy, clean = developed
    assert (cam(noisy, "rgb") != cam(clean, "rgb")).mean() > 0.5
    for key in ("depth", "instance", "semantic", "normals", "boxes2d"):
        np.testing.assert_array_equal(cam(noisy, key), cam(clean, key), err_msg=key)


def test_clean_pipeline_matches_the_closed_form(developed) -> None:
    """code = floor(255·(g·L·(1 − 0.3·r²/r²_max))^(1/2.2) + 0.5) on the wall, r the pixel
    centre's normalized radius, r_max that of the farthest pixel centre."""
    _, clean = developed
    K = cam(clean, "K")
    u, v = pixel_grid()
    r2 = ((u - K[0, 2]) / K[0, 0]) ** 2 + ((v - K[1, 2]) / K[1, 1]) ** 2
    x = PIPELINE["exposure_gain"] * wall_radiance() * (1 - PIPELINE["vignetting"] * r2
                                                       / r2.max())
    expected = gamma_code(x, PIPELINE["gamma"])
    wall = cam(clean, "instance")[0] == 1
    err = np.abs(cam(clean, "rgb")[0].astype(np.int64) - expected[..., None])[wall]
    print(f"vignetted wall: codes {expected[wall].min():.0f}..{expected[wall].max():.0f}, "
          f"max |code − closed form| {err.max()}")
    assert err.max() <= 1
    assert expected[wall].max() - expected[wall].min() > 15  # vignetting is visible


def test_noise_statistics_follow_the_shot_read_model(developed) -> None:
    """In linear light the noisy − clean difference has variance shot·x + read."""
    noisy, clean = developed
    wall = cam(clean, "instance")[0] == 1
    gamma = PIPELINE["gamma"]
    lin = {k: (cam(s, "rgb")[0][wall].astype(np.float64) / 255.0) ** gamma
           for k, s in (("noisy", noisy), ("clean", clean))}
    sigma = np.sqrt(NOISE["noise_shot"] * lin["clean"] + NOISE["noise_read"])
    z = (lin["noisy"] - lin["clean"]) / sigma
    print(f"noise: {z.size} values, mean z {z.mean():+.4f}, std z {z.std():.4f}, "
          f"sigma {sigma.min():.4f}..{sigma.max():.4f}")
    assert abs(z.mean()) < 0.03
    assert z.std() == pytest.approx(1.0, rel=0.05)


@pytest.mark.parametrize("gamma", [0.0, 2.2])
def test_wall_brightness_scales_with_exposure_through_the_tone_curve(gamma: float) -> None:
    """Gain 1 (the fused in-kernel tone curve) and gain 1.5 (the develop pass): each wall
    is the tone curve's code of g·L; the means scale as the curve predicts."""
    means = {}
    for gain in (1.0, 1.5):
        sample = render(wall_scene(exposure_gain=gain, gamma=gamma))
        wall = cam(sample, "instance")[0] == 1
        rgb = cam(sample, "rgb")[0][wall].astype(np.float64)
        x = gain * wall_radiance()
        expected = srgb_code(x) if gamma == 0.0 else gamma_code(x, gamma)
        assert np.abs(rgb - expected).max() <= 1, gain
        means[gain] = rgb.mean()
    tone = (lambda x: srgb_code(x) / 255) if gamma == 0.0 else (lambda x: x ** (1 / gamma))
    predicted = tone(1.5 * wall_radiance()) / tone(wall_radiance())
    print(f"gamma {gamma or 'sRGB'}: mean {means[1.0]:.2f} → {means[1.5]:.2f}, ratio "
          f"{means[1.5] / means[1.0]:.4f}, tone curve predicts {predicted:.4f}")
    assert means[1.5] / means[1.0] == pytest.approx(predicted, rel=0.01)


# --- 7. stereo depth sensor ---------------------------------------------------------------

def test_depth_sensor_noise_matches_the_stereo_model() -> None:
    """A wall 2 m ahead: ``depth`` is the same bytes as without the model; the RMS error of
    ``depth_sensor`` is Z²·subpixel/(fx·B) (preset: B = 0.05 m, subpixel 0.08)."""
    Z = 2.0
    d = scene([box("wall", (0.2, 12.0, 9.0), (Z + 0.1, 0.0, 0.0))], overrides={"depth_noise": True})
    sample = render(d)
    d["sensors"][0]["overrides"]["depth_noise"] = False
    ideal = render(d)
    assert cam(sample, "depth").tobytes() == cam(ideal, "depth").tobytes()
    assert "camera/cam/depth_sensor" not in ideal
    depth, measured = cam(sample, "depth")[0], cam(sample, "depth_sensor")[0]
    assert np.all(depth == Z) and np.all(measured > 0)
    rms = float(np.sqrt(np.mean((measured - depth) ** 2)))
    expected = Z**2 * 0.08 / (fx_of(sample) * 0.05)
    bias = float(np.mean(measured - depth))
    print(f"depth sensor at {Z} m: RMS {rms * 1e3:.2f} mm, model {expected * 1e3:.2f} mm "
          f"({(rms / expected - 1) * 100:+.1f} %), mean error {bias * 1e3:+.2f} mm")
    assert rms == pytest.approx(expected, rel=0.1)
    for name, value in (("baseline_m", 0.05), ("subpixel", 0.08), ("max_incidence_deg", 75.0)):
        assert cam(sample, f"effects/depth_{name}")[0] == np.float32(value)


def test_depth_sensor_holes_at_grazing_incidence() -> None:
    """A wall turned 60° about the vertical: pixels seeing it beyond 75° incidence (closed
    form from the pixel ray and the wall normal) are holes, those well below are measured."""
    theta = math.radians(60.0)
    normal = np.array([-math.cos(theta), -math.sin(theta), 0.0])  # towards the camera
    anchor = np.array([3.0, 0.0, 0.0])  # a point of the front face
    wall = box("wall", (0.1, 30.0, 9.0), anchor - 0.05 * normal, (0.0, 0.0, 60.0))
    sample = render(scene([wall], overrides={"depth_noise": True}))
    depth, measured = cam(sample, "depth")[0], cam(sample, "depth_sensor")[0]
    T = cam(sample, "T_world_cam")[0]
    rays = normalized_rays(cam(sample, "K")) @ T[:3, :3].T
    rays /= np.linalg.norm(rays, axis=-1, keepdims=True)
    incidence = np.degrees(np.arccos(np.clip(-(rays @ normal), -1, 1)))
    X = world_points(sample)
    on_face = (depth > 0) & (np.abs((X - anchor) @ normal) < 1e-4)
    grazing, facing = on_face & (incidence > 75.5), on_face & (incidence < 74.5) & (depth < 5)
    print(f"tilted wall: {on_face.sum()} px, incidence {incidence[on_face].min():.1f}.."
          f"{incidence[on_face].max():.1f}°; {grazing.sum()} beyond 75.5° (holes: "
          f"{(measured[grazing] == 0).sum()}), {facing.sum()} below 74.5° (holes: "
          f"{(measured[facing] == 0).sum()})")
    assert grazing.sum() > 200 and facing.sum() > 1000
    assert np.all(measured[grazing] == 0)
    assert np.all(measured[facing] > 0)


# --- 8, 9. optical flow -----------------------------------------------------------------------

FLYING = {  # name: (size, position, euler_deg, linear velocity, angular velocity)
    "a": ((0.4, 0.3, 0.5), (2.5, 0.4, 0.2), (10.0, 20.0, 30.0), (0.5, -1.0, 0.3),
          (0.5, 1.0, 2.0)),
    "b": ((0.4, 0.4, 0.4), (3.0, -0.8, -0.3), (0.0, 0.0, 0.0), (-0.8, 0.6, 0.2),
          (-1.5, 0.3, 0.7)),
    "c": ((0.6, 0.2, 0.2), (2.0, -0.3, 0.8), (0.0, 45.0, 0.0), (0.0, 0.0, -1.0),
          (0.0, 0.0, 0.0)),
}
CAPTURES = (0.1, 0.2)


def axis_angle(R: np.ndarray) -> np.ndarray:
    rvec, _ = cv2.Rodrigues(R)
    return rvec[:, 0]


@pytest.mark.parametrize("dist", [None, DISTORTION], ids=["pinhole", "distorted"])
def test_flow_of_flying_boxes_is_their_projected_rigid_motion(dist) -> None:
    """Static camera, boxes flying in free space: each frame-0 object pixel's flow is the
    OpenCV projection of its surface point carried by the box's recorded motion from
    capture 0 to 1, minus the pixel; the empty background does not move."""
    objects = [box(k, size, pos, euler, fixed=False, velocity=vel, angular_velocity=omega)
               for k, (size, pos, euler, vel, omega) in FLYING.items()]
    overrides = {} if dist is None else {"distortion": dist}
    sample = render(scene(objects, overrides=overrides, capture_times=CAPTURES))
    K, T = cam(sample, "K"), cam(sample, "T_world_cam")
    np.testing.assert_array_equal(T[0], T[1])
    flow, ids = cam(sample, "flow"), cam(sample, "instance")[0]
    positions, orientations = sample["objects/position"], sample["objects/orientation"]
    X = world_points(sample, 0, dist)
    u, v = pixel_grid()
    dt = CAPTURES[1] - CAPTURES[0]
    for index, (name, (_, _, _, vel, omega)) in enumerate(FLYING.items()):
        R0, R1 = quat_matrix(orientations[0, index]), quat_matrix(orientations[1, index])
        p0, p1 = positions[0, index], positions[1, index]
        # the recorded motion is the commanded one (up to PyBullet's damping)
        np.testing.assert_allclose(p1 - p0, np.multiply(vel, dt), atol=0.02 * dt)
        print(f"{name}: moved {p1 - p0}, commanded {np.multiply(vel, dt)}; turned "
              f"{axis_angle(R1 @ R0.T)}, commanded {np.multiply(omega, dt)}")
        np.testing.assert_allclose(axis_angle(R1 @ R0.T), np.multiply(omega, dt), atol=0.02)
        mine = ids == index + 1
        assert mine.sum() > 100, name
        moved = (X[mine] - p0) @ R0 @ R1.T + p1
        expected = project(moved, T[1], K, dist) - np.c_[u[mine], v[mine]]
        err = np.abs(flow[0][mine] - expected).max()
        print(f"{name}: {mine.sum()} px, |flow| up to {np.abs(expected).max():.1f} px, "
              f"max |flow − cv2 projection| {err:.2e} px")
        assert err < 0.01, name
    background = ids == 0
    assert background.sum() > 1000 and np.all(cam(sample, "depth")[0][background] == 0)
    assert np.abs(flow[0][background]).max() < 1e-4
    assert np.all(flow[1] == 0)  # the last capture has no next one


def test_moving_camera_pose_and_static_scene_flow() -> None:
    """A camera gliding at 0.5 m/s along world y over a static scene: T_world_cam of the
    second capture is the first translated by 0.5·Δt, and the flow of every hit pixel is the
    OpenCV projection of its point by the moved camera minus the pixel (misses: no flow, a
    pure translation does not move points at infinity)."""
    velocity = np.array([0.0, 0.5, 0.0])
    position = np.array([0.0, 0.0, 1.0])
    world = {"gravity": [0.0, 0.0, -9.81], "ground": {"color": [0.5, 0.5, 0.5]}}
    objects = [box("a", (0.5, 0.5, 0.5), (3.0, 0.4, 0.25)),
               box("b", (0.3, 0.6, 0.8), (2.2, -0.8, 0.4), (0.0, 0.0, 35.0))]
    pose = {"position": position.tolist(), "look_at": [4.0, 0.0, 0.6],
            "velocity": velocity.tolist()}
    sample = render(scene(objects, world=world, pose=pose, capture_times=CAPTURES))
    T, K = cam(sample, "T_world_cam"), cam(sample, "K")
    np.testing.assert_array_equal(T[1][:3, :3], T[0][:3, :3])
    np.testing.assert_allclose(T[1][:3, 3] - T[0][:3, 3], velocity * 0.1, rtol=0, atol=1e-15)
    np.testing.assert_allclose(T[0][:3, 3], position + velocity * CAPTURES[0], atol=1e-15)
    depth, flow = cam(sample, "depth")[0], cam(sample, "flow")[0]
    hit = depth > 0
    assert hit.sum() > 1000 and (~hit).sum() > 1000  # ground and boxes, and sky
    u, v = pixel_grid()
    expected = project(world_points(sample)[hit], T[1], K) - np.c_[u[hit], v[hit]]
    err = np.abs(flow[hit] - expected).max()
    print(f"moving camera: {hit.sum()} hit px, |flow| up to {np.abs(expected).max():.1f} px, "
          f"max |flow − cv2 projection| {err:.2e} px; sky max |flow| "
          f"{np.abs(flow[~hit]).max():.1e}")
    assert err < 0.01
    assert np.abs(expected).max() > 2  # the motion is visible
    assert np.abs(flow[~hit]).max() < 1e-4


def test_rotating_camera_flow_moves_points_at_infinity() -> None:
    """A camera turning at 1 rad/s about the vertical: the second pose is the first turned
    by ω·Δt; hit pixels flow to the OpenCV projection of their point, and sky pixels (a
    direction at infinity) to the projection of their direction, both by the turned camera."""
    omega = 1.0
    pose = {"position": [0.0, 0.0, 0.0], "look_at": [1.0, 0.0, 0.0],
            "angular_velocity": [0.0, 0.0, omega]}
    objects = [box("a", (0.4, 0.5, 0.8), (2.0, 0.3, 0.0)),
               box("b", (0.5, 0.5, 0.5), (3.0, -0.7, 0.3), (0.0, 0.0, 20.0))]
    sample = render(scene(objects, pose=pose, capture_times=CAPTURES))
    T, K = cam(sample, "T_world_cam"), cam(sample, "K")
    dt = CAPTURES[1] - CAPTURES[0]
    turn = euler_matrix((0.0, 0.0, math.degrees(omega * dt)))
    np.testing.assert_allclose(T[1][:3, :3] @ T[0][:3, :3].T, turn, atol=1e-12)
    np.testing.assert_array_equal(T[1][:3, 3], T[0][:3, 3])
    depth, flow = cam(sample, "depth")[0], cam(sample, "flow")[0]
    hit = depth > 0
    assert hit.sum() > 1000 and (~hit).sum() > 1000
    u, v = pixel_grid()
    points = world_points(sample)[hit]
    directions = normalized_rays(K)[~hit] @ T[0][:3, :3].T  # world directions of the misses
    err_hit = np.abs(flow[hit] - (project(points, T[1], K) - np.c_[u[hit], v[hit]])).max()
    far = T[1][:3, 3] + 1e9 * directions
    expected_sky = project(far, T[1], K) - np.c_[u[~hit], v[~hit]]
    err_sky = np.abs(flow[~hit] - expected_sky).max()
    print(f"rotating camera: max |flow − cv2| hits {err_hit:.2e} px, sky {err_sky:.2e} px "
          f"(sky flow ≈ {np.median(expected_sky[:, 0]):.2f} px)")
    assert err_hit < 0.01 and err_sky < 0.01
    assert np.abs(expected_sky[:, 0]).min() > 5  # ω·Δt·fx ≈ 10.5 px at the centre
