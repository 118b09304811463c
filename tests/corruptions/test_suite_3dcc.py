"""The 3dcc suite and its new camera corruptions (camera/threedcc.py).

The list, names, order and values are typed from the generator's code, github
EPFL-VILAB/3DCommonCorruptions (commit 4fc007b), create_3dcc/ (docs/references.md#3dcc);
each new corruption is checked against an independent computation (scipy.ndimage filters
and shifts, PIL, closed forms, the statistics of its noise)."""

from __future__ import annotations

import copy
import math

import cv2
import numpy as np
import pytest
import yaml
from PIL import Image, ImageOps
from scipy import ndimage

from simengine import Engine
from simengine.corruptions import get, suites
from simengine.corruptions.camera.physical import decode_srgb, encode_srgb
from simengine.spec.loader import scene_from_dict

from ..conftest import MINI

av = pytest.importorskip("av")

# create_3dcc.py's order: dof, motion, fog, non-3D (create_non3d.py: low_light, color_quant,
# iso_noise), flash, shadow, multi_illumination, then video_distortions.py's h265_crf,
# h265_abr, bit_error; then the view changes occlusion and scale (3DCC selects those views
# from amodal masks of its scans: no table; the levels are ours, pinned below)
THREEDCC = ["near_focus", "far_focus", "xy_motion_blur", "z_motion_blur", "fog_3d",
            "low_light", "color_quant", "iso_noise", "flash", "shadow", "multi_illumination",
            "h265_crf", "h265_abr", "bit_error", "occlusion", "scale"]
THREEDCC_TABLE = {
    "near_focus": (3, 4, 5, 6, 7),  # create_dof.py:213 aperture = severity + 2
    "far_focus": (1.5, 2.5, 3.5, 4.5, 5.5),  # create_dof.py:222 (aperture − 1.5) / 1
    "xy_motion_blur": (20, 30, 40, 50, 60),  # create_motion.py:223-243 all_frames[:n]
    "z_motion_blur": (20, 25, 30, 35, 38),  # create_motion.py:273-293 all_frames[:n]
    "fog_3d": (4, 8, 12, 16, 20),  # create_fog.py:34 alpha
    "low_light": (0.60, 0.50, 0.40, 0.30, 0.20),  # create_non3d.py:68 c
    "color_quant": (5, 4, 3, 2, 1),  # create_non3d.py:75 bits = 6 − severity
    "iso_noise": (0.056, 0.084, 0.126, 0.182, 0.266),  # create_non3d.py:36 0.7·[.08 … .38]
    "flash": (2.4, 1.4, 0.9, 0.6, 0.4),  # create_flash.py:33 corr_scaler
    # create_multi_illumination.py:54-91: severity s mixes 6 − s relit renders
    "multi_illumination": (5, 4, 3, 2, 1),
    "h265_crf": (24, 26, 32, 39, 41),  # video_distortions.py:49
    "h265_abr": (2, 4, 8, 16, 32),  # video_distortions.py:63
    "bit_error": (100000, 50000, 30000, 20000, 10000),  # video_distortions.py:9
    "occlusion": (0.05, 0.10, 0.20, 0.30, 0.40),  # ours: share of the image hidden
    "scale": (1.15, 1.3, 1.5, 1.75, 2.0),  # ours: magnification of the median-depth plane
}


def test_3dcc_lists_its_corruptions_in_order_with_the_code_values():
    suite = suites.get("3dcc")
    assert list(suite.names()) == THREEDCC
    assert suite.scale == ("1", "2", "3", "4", "5")
    for name, expected in THREEDCC_TABLE.items():
        np.testing.assert_allclose(suites.corruption("3dcc", name).levels, expected)


def test_fog_3d_is_the_reference_transmission_on_metric_depth():
    # create_fog.py: t = exp(−α·depth) on Taskonomy depth / 8000 (units of 1/512 m:
    # dataset.py:74), out = t·x + A·(1 − t); here on linear light with a grey airlight 0.8
    depth_m = 3.0
    image = np.full((8, 8, 3), 120, np.uint8)
    K = np.array([[1e6, 0, 4], [0, 1e6, 4], [0, 0, 1.0]])  # rays ≈ the axis: range = depth
    entry = suites.corruption("3dcc", "fog_3d")
    for severity, alpha in enumerate(THREEDCC_TABLE["fog_3d"], start=1):
        t = math.exp(-alpha * depth_m * 512 / 8000)
        want = t * decode_srgb(image)[0, 0, 0] + 0.8 * (1 - t)
        out = entry(image, severity, np.random.default_rng(0),
                    {"depth": np.full((8, 8), depth_m, np.float32), "K": K}).data
        assert abs(decode_srgb(out)[0, 0, 0] - want) < 0.004


def test_low_light_dims_the_peak_by_c_to_the_display_gamma():
    # c = 0.5 maps the brightest code to half: linear light 0.5^2.2 → 2.2 stops
    entry = suites.get("3dcc").entry("low_light")
    assert entry.to_level(0.5) == pytest.approx(2.2)
    assert entry.to_level(0.2) == pytest.approx(2.2 * math.log2(5))


def _ramp(height=48, width=64) -> np.ndarray:
    x = np.arange(width)[None, :, None] * 4 + np.arange(height)[:, None, None] * 2
    return (np.sin(x / 5.0) * 100 + 128 + np.arange(3) * 10).astype(np.uint8)


def _reference_gaussian(linear: np.ndarray, sigma: float) -> np.ndarray:
    """create_dof.py's separable kernel written out: int(3σ) taps made odd, replicate edges."""
    taps = int(3 * sigma)
    taps += 1 - taps % 2
    n = np.arange(taps) - (taps - 1) / 2
    w = np.exp(-n**2 / (2 * sigma**2))
    w /= w.sum()
    out = ndimage.convolve1d(linear.astype(np.float64), w, axis=0, mode="nearest")
    return ndimage.convolve1d(out, w, axis=1, mode="nearest")


def test_far_focus_blurs_the_near_plane_by_the_circle_of_confusion():
    image = _ramp(64, 64)  # short side 64: s = 1/8 of the reference's 512
    depth = np.where(np.arange(64)[None, :] < 24, 1.0, 4.0) * np.ones((64, 1))
    depth = depth.astype(np.float32)
    ctx = {"depth": depth, "K": np.diag([50.0, 50.0, 1.0])}
    out = get("far_focus")(image, 5, np.random.default_rng(0), ctx)
    # the 7/8 quantile of the depth is the far plane: in focus, untouched
    assert out.params["focus_distance_m"] == 4.0
    np.testing.assert_array_equal(out.data[:, 24:], image[:, 24:])
    # near plane: σ = A·s·|1 − 4/1| with A = 5.5 px at 512 px
    sigma = 5.5 / 8 * 3
    want = _reference_gaussian(decode_srgb(image), sigma)
    got = decode_srgb(out.data)
    assert np.abs(got[:, :24] - want[:, :24]).max() < 0.006


def test_near_focus_keeps_the_nearest_plane_sharp():
    image = _ramp(64, 64)
    depth = np.where(np.arange(64)[None, :] < 24, 1.0, 2.0) * np.ones((64, 1))
    out = get("near_focus")(image, 1, np.random.default_rng(0),
                            {"depth": depth.astype(np.float32)})
    np.testing.assert_array_equal(out.data[:, :24], image[:, :24])
    sigma = 3 / 8 * 0.5  # A·s·|1 − 1/2|
    want = _reference_gaussian(decode_srgb(image), sigma)
    assert np.abs(decode_srgb(out.data)[:, 24:] - want[:, 24:]).max() < 0.006


def test_xy_motion_blur_of_a_plane_averages_the_shifted_frames():
    image = _ramp(64, 96)
    depth = np.full((64, 96), 2.0, np.float32)
    K = np.array([[80.0, 0, 48], [0, 80.0, 32], [0, 0, 1]])
    out = get("xy_motion_blur")(image, 1, np.random.default_rng(3), {"depth": depth, "K": K})
    u, v = out.params["shift_u_px"], out.params["shift_v_px"]
    assert 50 <= abs(u) * 8 < 75 and -75 <= v * 8 < 75  # drawn in 512-px pixels, × 1/8
    linear = decode_srgb(image).astype(np.float64)
    # a fronto-parallel plane at the median depth: every pixel moves (u, v)·i/59
    frames = [ndimage.shift(linear, (v * i / 59, u * i / 59, 0), order=1, mode="nearest")
              for i in range(20)]
    want = np.mean(frames, axis=0)
    got = decode_srgb(out.data)
    assert np.abs(got - want).max() < 0.006
    assert np.abs(got - linear).mean() > 0.01


def test_z_motion_blur_moves_the_camera_forward_by_the_crop_scale():
    image = _ramp(64, 96)
    depth = np.full((64, 96), 2.0, np.float32)
    K = np.array([[80.0, 0, 48], [0, 80.0, 32], [0, 0, 1]])
    out = get("z_motion_blur")(image, 5, np.random.default_rng(4), {"depth": depth, "K": K})
    k = out.params["crop_scale"]
    assert 0.5 <= k < 0.6 and out.params["t_z_m"] == pytest.approx(2.0 * (1 - k))
    # the last of 38 frames magnifies the plane by 2 / (2 − (37/59)·t_z) about the centre
    m = 2.0 / (2.0 - 37 / 59 * out.params["t_z_m"])
    shift = (out.params["shift_u_px"] * 37 / 59 * m, out.params["shift_v_px"] * 37 / 59 * m)
    assert out.params["max_shift_px"] == pytest.approx(
        max(math.hypot((c - 48) * (m - 1) + shift[0], (r - 32) * (m - 1) + shift[1])
            for c in (0, 95) for r in (0, 63)), rel=1e-6)


def test_iso_noise_has_the_variance_of_photon_and_electronic_noise():
    image = np.full((200, 200, 3), 128, np.uint8)
    out = get("iso_noise")(image, 1, np.random.default_rng(0)).data.astype(np.float64) / 255
    x = 128 / 255
    # Poisson(25x)/25 has variance x/25; plus σ² = 0.056²; truncation to codes lowers the mean
    # by half a code and adds 1/12 code² of variance
    assert out.mean() == pytest.approx(x - 0.5 / 255, abs=0.003)
    assert out.var() == pytest.approx(x / 25 + 0.056**2 + 1 / 12 / 255**2, rel=0.04)


@pytest.mark.parametrize("bits", [5, 3, 1])
def test_posterize_is_pils(bits):
    image = _ramp()
    severity = 6 - bits
    want = np.asarray(ImageOps.posterize(Image.fromarray(image), bits))
    np.testing.assert_array_equal(get("posterize")(image, severity, None).data, want)


def test_flash_adds_lambertian_light_from_the_camera():
    image = np.full((40, 60, 3), 90, np.uint8)
    K = np.array([[30.0, 0, 30], [0, 30.0, 20], [0, 0, 1]])
    normals = np.zeros((40, 60, 3), np.float32)
    normals[..., 2] = -1.0  # a wall facing the camera
    depth = np.full((40, 60), 2.0, np.float32)
    depth[:5] = 0.0  # sky: no flash
    out = get("flash")(image, 5, None, {"depth": depth, "normals": normals, "K": K}).data
    L = decode_srgb(image)[0, 0, 0]
    for r, c in ((20, 30), (35, 55), (10, 2)):
        ray = np.array([(c - 30) / 30, (r - 20) / 30, 1.0])
        cosine = 1.0 / np.linalg.norm(ray)  # n·ω for n = −z, ω = −ray/|ray|
        assert decode_srgb(out)[r, c, 0] == pytest.approx(min(1.0, L * (1 + cosine / 0.4)),
                                                          abs=0.004)
    np.testing.assert_array_equal(out[:5], image[:5])


def _wall(height=60, width=80, depth_m=3.0):
    K = np.array([[60.0, 0, width / 2], [0, 60.0, height / 2], [0, 0, 1]])
    normals = np.zeros((height, width, 3), np.float32)
    normals[..., 2] = -1.0
    return np.full((height, width), depth_m, np.float32), normals, K


def test_shadow_is_the_occluders_ray_cast_shadow():
    depth, _, K = _wall()
    image = np.full((60, 80, 3), 170, np.uint8)
    out = get("shadow")(image, 3, np.random.default_rng(5), {"depth": depth, "K": K})
    p = out.params
    light = np.array([p["light_x"], p["light_y"], p["light_z"]])
    centre = np.array([p["centre_x_m"], p["centre_y_m"], p["centre_z_m"]])
    # ray P + t·l against the sphere: t² + 2t·l·(P − C) + |P − C|² − R² = 0, a root t > 0
    v, u = np.mgrid[0:60, 0:80]
    P = np.stack([(u - 40) / 60 * 3.0, (v - 30) / 60 * 3.0, np.full(u.shape, 3.0)], axis=-1)
    b = (P - centre) @ light
    c = np.sum((P - centre) ** 2, axis=-1) - p["radius_m"] ** 2
    disc = b * b - c
    shadowed = (disc > 0) & (-b + np.sqrt(np.maximum(disc, 0)) > 0)
    assert np.mean(shadowed != out.mask) < 0.002  # ties on the rim
    assert abs(out.mask.mean() - 0.3) < 0.01
    # inside the shadow (away from the soft rim) the direct share 0.8 of the light is gone
    core = ndimage.binary_erosion(out.mask, iterations=3)
    L = decode_srgb(image)[0, 0, 0]
    np.testing.assert_allclose(decode_srgb(out.data)[core][:, 0], 0.2 * L, atol=0.003)
    far = ~ndimage.binary_dilation(out.mask, iterations=3)
    np.testing.assert_array_equal(out.data[far], image[far])


def test_multi_illumination_relights_by_lambertian_point_lights():
    depth, normals, K = _wall()
    image = np.full((60, 80, 3), 60, np.uint8)
    out = get("multi_illumination")(image, 5, np.random.default_rng(2),
                                    {"depth": depth, "normals": normals, "K": K})
    # on a wall facing the camera every far light shades it evenly: relit, it stays as it is
    np.testing.assert_array_equal(out.data, image)
    # a wall turned away from the light: one light (severity 5) at 3π/2 + (π/5)·offset on a
    # ring of 0.7·d about the axis at 0.3·d, shining towards (0, 0, d): n·ω by hand
    tilted = np.zeros_like(normals)
    tilted[:, :40] = [0.0, -0.6, -0.8]  # left half faces up-ish, right half down-ish
    tilted[:, 40:] = [0.0, 0.6, -0.8]
    out = get("multi_illumination")(image, 5, np.random.default_rng(2),
                                    {"depth": depth, "normals": tilted, "K": K})
    phi = 1.5 * np.pi + np.pi / 5 * out.params["offset"]
    omega = np.array([0.7 * np.cos(phi), 0.7 * np.sin(phi), 0.3 - 1.0])
    omega /= np.linalg.norm(omega)
    shade = np.clip(tilted @ omega, 0, 1)
    gain = shade / shade.mean()  # one light: its weight cancels
    want = np.minimum(decode_srgb(image)[..., 0] * gain, 1.0)
    assert np.abs(decode_srgb(out.data)[..., 0] - want).max() < 0.004
    assert want[0, 0] > want[0, -1]  # the face towards the light is the brighter


def _psnr(a, b):
    return 10 * np.log10(255.0**2 / np.mean((a.astype(float) - b.astype(float)) ** 2))


@pytest.fixture(scope="module")
def smooth():
    return _ramp(64, 96)


def test_h265_crf_encodes_hevc_at_the_rate_factor(smooth):
    from simengine.corruptions.camera.threedcc import encode_frame, nal_units

    packets = encode_frame(smooth, "libx265", {"crf": "24", "x265-params": "log-level=none"})
    # an HEVC stream: NAL header type (byte >> 1) & 63 of VPS 32, SPS 33, PPS 34
    types = {(h >> 1) & 63 for p in packets for h, _, _ in nal_units(p)}
    assert {32, 33, 34} <= types
    outs = [get("h265_crf")(smooth, s, None) for s in range(1, 6)]
    sizes = [o.params["bytes"] for o in outs]
    psnrs = [_psnr(o.data, smooth) for o in outs]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]
    assert psnrs[0] > 30 and psnrs[0] > psnrs[-1]


def test_h265_abr_fits_the_frame_into_its_share_of_the_h264_bits(smooth):
    outs = [get("h265_abr")(smooth, s, None) for s in (1, 5)]
    for out, divisor in zip(outs, (2, 8), strict=True):
        p = out.params
        assert p["budget_bytes"] == pytest.approx(p["source_bytes"] / divisor)
        assert p["qp"] == 51 or p["bytes"] <= p["budget_bytes"]
    assert outs[0].params["qp"] <= outs[1].params["qp"]
    assert _psnr(outs[0].data, smooth) > _psnr(outs[1].data, smooth)


def test_bit_error_hits_one_in_n_slice_bytes(smooth):
    fn = get("bit_error").fn
    clean = fn(smooth, 10**15, np.random.default_rng(0), {})
    assert clean.params["bytes_hit"] == 0 and not clean.mask.any()
    assert _psnr(clean.data, smooth) > 30  # the error-free H.264 CRF 23 decode
    hit = fn(smooth, 20, np.random.default_rng(0), {})
    expected = hit.params["bytes"] / 20  # binomial, σ ≈ √expected
    assert abs(hit.params["bytes_hit"] - expected) < 4 * math.sqrt(expected) + 1
    assert hit.mask.any()


@pytest.mark.parametrize("name", ["h265_crf", "h265_abr", "bit_error"])
def test_codec_corruptions_are_deterministic(name, smooth):
    # single-threaded coders: the same stream gives the same bytes on any machine
    a = get(name)(smooth, 5, np.random.default_rng(9)).data
    b = get(name)(smooth, 5, np.random.default_rng(9)).data
    np.testing.assert_array_equal(a, b)


def test_3dcc_grid_runs_end_to_end_on_the_mini_scene():
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["corruptions"] = copy.deepcopy([{"name": "cc", "suite": "3dcc", "policy": "grid",
                                          "corruptions": ["far_focus", "fog_3d", "flash"]}])
    engine = Engine(scene_from_dict(data, source=str(MINI)), seed=2)
    sample = engine.sample(1)
    clean = sample["camera/cam/rgb"]
    assert engine.spec.corruptions[0].slots == 15
    for slot in range(15):
        assert sample[f"corrupted/cc/{slot}/severity"].tolist() == [
            slot % 5 + 1 if i == slot // 5 else 0 for i in range(3)]
    # fog_3d at severity 5 (α = 20: MOR 2.3 m) on a scene ~2 m away changes every capture
    fogged = sample["corrupted/cc/9/camera/cam/rgb"]
    assert fogged.shape == clean.shape
    assert all(np.abs(fogged[f].astype(int) - clean[f]).mean() > 5 for f in range(len(clean)))


def _plane_scene(depth_m: float = 4.0, width: int = 160, height: int = 120):
    """A textured fronto-parallel wall at ``depth_m`` seen by a 160 × 120 pinhole."""
    rng = np.random.default_rng(11)
    image = cv2.resize(rng.integers(0, 256, (height // 8, width // 8, 3), dtype=np.uint8),
                       (width, height), interpolation=cv2.INTER_LINEAR)
    K = np.array([[150.0, 0, 79.5], [0, 150.0, 59.5], [0, 0, 1]])
    return image, {"depth": np.full((height, width), depth_m, np.float32), "K": K}


@pytest.mark.parametrize("severity", [1, 3, 5])
def test_occlusion_hides_the_pixels_whose_ray_meets_the_sphere_first(severity):
    image, context = _plane_scene()
    result = get("occlusion")(image, severity, np.random.default_rng(severity), context)
    p = result.params
    assert abs(p["share"] - p["share_target"]) < 0.01
    # the quadratic |t·r − c|² = R² per pixel ray, written here from scratch
    K = context["K"]
    u, v = np.meshgrid(np.arange(160.0), np.arange(120.0))
    rays = np.stack([(u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], np.ones_like(u)], -1)
    rays /= np.linalg.norm(rays, axis=-1, keepdims=True)
    centre = rays[int(p["pixel_v"]), int(p["pixel_u"])] * p["distance_m"]
    b = rays @ centre
    disc = b * b - (centre @ centre - p["radius_m"] ** 2)
    t_near = b - np.sqrt(np.maximum(disc, 0.0))
    expected = (disc >= 0) & (t_near > 0) & (t_near * rays[..., 2] < 4.0)
    assert np.mean(result.mask == expected) > 0.999
    assert (result.data[~result.mask] == image[~result.mask]).all()
    # head-on at the drawn pixel: albedo × twice the median luminance, fully facing
    linear = decode_srgb(image)
    luminance = np.median(linear @ np.array([0.2126, 0.7152, 0.0722], np.float32))
    centre_code = result.data[int(p["pixel_v"]), int(p["pixel_u"])]
    want = p["albedo"] * 2.0 * luminance
    assert np.allclose(decode_srgb(centre_code[None, None])[0, 0], want, rtol=0.02)


@pytest.mark.parametrize("severity", [1, 5])
def test_scale_magnifies_a_wall_about_the_principal_point(severity):
    image, context = _plane_scene()
    result = get("scale")(image, severity, np.random.default_rng(0), context)
    m = get("scale").level(severity)
    assert result.params["t_z_m"] == pytest.approx(4.0 * (1 - 1 / m))
    cx, cy = context["K"][0, 2], context["K"][1, 2]
    # the same magnification by OpenCV's affine warp, in linear light
    warp = np.array([[m, 0, (1 - m) * cx], [0, m, (1 - m) * cy]])
    expected = cv2.warpAffine(decode_srgb(image), warp, (160, 120), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
    diff = result.data.astype(int) - encode_srgb(expected).astype(int)
    assert np.abs(diff[2:-2, 2:-2]).max() <= 1  # one code: OpenCV's fixed-point weights
