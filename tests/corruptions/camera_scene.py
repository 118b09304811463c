"""A realistic camera capture for the camera-corruption tests, rendered once per session,
and independent image measures (SSIM, PSNR, the sRGB curve) written from their
definitions."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simengine import Engine

SCENE = Path(__file__).resolve().parents[2] / "scenes" / "tabletop.yaml"
CAMERA = "camera/front"
FRAME_INTERVAL_S = 1 / 30
CAMERA_SPEED_M_S = 1.0  # sideways, for the flow of a translating camera


@dataclass(frozen=True)
class Capture:
    rgb: np.ndarray  # (H, W, 3) uint8
    context: dict[str, Any]


@functools.cache
def tabletop_capture() -> Capture:
    """The tabletop scene's 640 × 480 RGB-D capture (sample 0). The scene has one capture,
    hence no rendered flow: the flow is that of the camera moving sideways at 1 m/s over
    1/30 s, u = fx·v·Δt / z (exact for a pure translation; 0 at the sky, z = ∞)."""
    sample = Engine(SCENE, 0).sample(0)
    rgb = np.ascontiguousarray(sample[f"{CAMERA}/rgb"][0])
    depth = np.ascontiguousarray(sample[f"{CAMERA}/depth"][0])
    K = np.asarray(sample[f"{CAMERA}/K"], dtype=np.float64)
    inv_depth = np.divide(1.0, depth, out=np.zeros_like(depth), where=depth > 0)
    flow = np.zeros((*depth.shape, 2), np.float32)
    flow[..., 0] = K[0, 0] * CAMERA_SPEED_M_S * FRAME_INTERVAL_S * inv_depth
    for array in (rgb, depth, flow):
        array.flags.writeable = False
    T = np.asarray(sample[f"{CAMERA}/T_world_cam"][0], dtype=np.float64)
    return Capture(rgb, {"depth": depth, "K": K, "flow": flow, "T_world_cam": T,
                         "frame_interval_s": FRAME_INTERVAL_S})


def srgb_to_linear(code: np.ndarray) -> np.ndarray:
    v = np.asarray(code, np.float64) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb_code(x: np.ndarray) -> np.ndarray:
    x = np.clip(np.asarray(x, np.float64), 0.0, 1.0)
    v = np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)
    return np.floor(255.0 * v + 0.5)
