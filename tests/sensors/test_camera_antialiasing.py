"""Anti-aliasing (``samples_per_pixel``) against OpenCV's exact polygon areas.

A dark box floats face-on in front of a uniform bright sky, lit by ambient light alone, so
a pixel's linear value is cov·A + (1 − cov)·B with cov the fraction of the pixel the box's
front face covers. That fraction comes from ``cv2.projectPoints`` of the face's corners and
``cv2.intersectConvexConvex`` with the pixel's square. The image (decoded from sRGB) and the
``coverage`` output must give it within 1/spp on axis-aligned silhouette edges (the sample
lattice has one point in each of the N columns and rows of the pixel); slanted edges are
checked against the measured bound of the lattice. Pixels holding a corner of the face (two
edges) are left out: no 4-point pattern counts every corner region within 1/4. Labels stay
those of the pixel centre.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

import simengine
from simengine.spec.loader import scene_from_dict
from tests.conftest import assert_samples_equal, on_one_and_two_threads

W, H = 96, 72
DARK, BRIGHT = 0.1, 0.9  # display values of the box and the sky
BOX = (0.2, 1.0, 0.8)  # m; its front face, x = 2.9, faces the camera at the origin


def srgb_to_linear(c):
    c = np.asarray(c, np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def render(roll_deg: float, spp: int, quality: str = "draft") -> dict:
    scene = {
        "name": "aa",
        "world": {"ground": False, "background": [BRIGHT] * 3,
                  "light": {"ambient": 1.0, "intensity": 0.0, "shadows": False}},
        "objects": [{"name": "box", "template": {"shape": "box", "size": list(BOX),
                                                 "fixed": True, "color": [DARK] * 3},
                     "position": [3.0, 0.0, 1.5],
                     "orientation": {"euler_deg": [roll_deg, 0, 0]}}],
        "simulation": {"capture_times": [0.0], "duration": 0.01},
        "sensors": [{"name": "cam", "preset": "rgbd_d435_640x480",
                     "overrides": {"width": W, "height": H, "hfov_deg": 40.0,
                                   "samples_per_pixel": spp, "output_coverage": True,
                                   "quality": quality},
                     "pose": {"position": [0.0, 0.07, 1.53], "look_at": [3.0, 0.07, 1.53]}}],
    }
    return simengine.Engine(scene_from_dict(scene), 0).sample(0)


def true_coverage(sample: dict, roll_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel, the exact fraction of its square inside the projected front face; and the
    pixels holding a corner of the face (two edges cross them: not edge pixels)."""
    r = math.radians(roll_deg)
    c, s = math.cos(r), math.sin(r)
    corners = [(-BOX[0] / 2, y, z) for y, z in ((-0.5, -0.4), (0.5, -0.4), (0.5, 0.4),
                                                 (-0.5, 0.4))]
    world = np.array([[3.0 + x, y * c - z * s, 1.5 + y * s + z * c] for x, y, z in corners])
    T = np.linalg.inv(sample["camera/cam/T_world_cam"][0])
    px, _ = cv2.projectPoints(world, cv2.Rodrigues(T[:3, :3])[0], T[:3, 3],
                              sample["camera/cam/K"], sample["camera/cam/distortion"])
    face = cv2.convexHull(px.reshape(-1, 2).astype(np.float32))
    cov = np.zeros((H, W))
    for v in range(H):
        for u in range(W):
            square = np.array([[u - 0.5, v - 0.5], [u + 0.5, v - 0.5], [u + 0.5, v + 0.5],
                               [u - 0.5, v + 0.5]], np.float32)
            cov[v, u] = cv2.intersectConvexConvex(face, square)[0]
    corner = np.zeros((H, W), bool)
    for u, v in np.rint(face.reshape(-1, 2)).astype(int):
        corner[max(v - 1, 0):v + 2, max(u - 1, 0):u + 2] = True
    return cov, corner


def image_coverage(sample: dict) -> np.ndarray:
    """cov solved from the developed image: L = cov·A + (1 − cov)·B in linear light."""
    lin = srgb_to_linear(sample["camera/cam/rgb"][0].astype(np.float64) / 255.0).mean(axis=2)
    a, b = srgb_to_linear(DARK), srgb_to_linear(BRIGHT)
    return (b - lin) / (b - a)


@pytest.mark.parametrize("spp", [4, 16])
def test_axis_aligned_edges_take_the_covered_fraction(spp) -> None:
    sample = render(0.0, spp)
    truth, corner = true_coverage(sample, 0.0)
    edge = (truth > 1e-6) & (truth < 1 - 1e-6) & ~corner
    assert edge.sum() > 100 and np.any((truth[edge] > 0.2) & (truth[edge] < 0.8))
    from_image = image_coverage(sample)
    from_output = sample["camera/cam/coverage"][0].astype(np.float64)
    # coverage counts the samples seeing the centre's instance: the box, or the sky
    from_output = np.where(sample["camera/cam/instance"][0] == 1, from_output, 1 - from_output)
    err_image = np.abs(from_image - truth)[edge]
    err_output = np.abs(from_output - truth)[edge]
    print(f"spp {spp}: {edge.sum()} edge pixels, |image − exact| max {err_image.max():.4f} "
          f"mean {err_image.mean():.4f}; |coverage − exact| max {err_output.max():.4f}")
    assert err_image.max() <= 1 / spp + 0.01  # + 8-bit quantisation
    assert err_output.max() <= 1 / spp + 1e-6
    inside = truth >= 1 - 1e-6
    assert np.abs(from_image - truth)[inside | (truth <= 1e-6)].max() < 0.01


def test_standard_preset_coverage_is_the_covered_fraction() -> None:
    """The physically based pass samples edge pixels only (``pbr.edge_pixels``): its
    ``coverage`` must still give OpenCV's exact covered fraction within 1/spp on every edge
    pixel, and 1 away from the edges."""
    spp = 4
    sample = render(0.0, spp, "standard")
    truth, corner = true_coverage(sample, 0.0)
    edge = (truth > 1e-6) & (truth < 1 - 1e-6) & ~corner
    cov = sample["camera/cam/coverage"][0].astype(np.float64)
    cov = np.where(sample["camera/cam/instance"][0] == 1, cov, 1 - cov)
    err = np.abs(cov - truth)[edge]
    print(f"standard, spp {spp}: {edge.sum()} edge pixels, |coverage − exact| max {err.max():.4f}")
    assert edge.sum() > 100
    assert err.max() <= 1 / spp + 1e-6
    away = (truth <= 1e-6) | (truth >= 1 - 1e-6)
    assert np.all(sample["camera/cam/coverage"][0][away & ~corner] == 1.0)


def test_slanted_edges_within_the_lattices_bound() -> None:
    spp = 16
    sample = render(20.0, spp)
    truth, corner = true_coverage(sample, 20.0)
    edge = (truth > 1e-6) & (truth < 1 - 1e-6) & ~corner
    err = np.abs(image_coverage(sample) - truth)[edge]
    print(f"slanted, spp {spp}: {edge.sum()} edge pixels, max {err.max():.4f}, "
          f"mean {err.mean():.4f}")
    assert err.mean() <= 1 / spp
    assert err.max() <= 0.1  # measured 0.074 (the lattice of 16 points)


def test_labels_stay_those_of_the_pixel_centre() -> None:
    one, many = render(20.0, 1), render(20.0, 16)
    for key in ("depth", "instance", "semantic", "normals"):
        np.testing.assert_array_equal(one[f"camera/cam/{key}"], many[f"camera/cam/{key}"])
    assert not np.array_equal(one["camera/cam/rgb"], many["camera/cam/rgb"])
    assert np.all(one["camera/cam/coverage"] == 1.0)


def test_antialiased_render_is_thread_count_independent() -> None:
    assert_samples_equal(*on_one_and_two_threads(lambda: render(20.0, 9)))
