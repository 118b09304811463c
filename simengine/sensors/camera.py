"""Camera (basic): pinhole rays through pixel centres, RGB with Lambert shading, metric
z-depth, instance and semantic masks, and 2D boxes from the instance mask.

Frames: the camera's body frame is x forward, z up (as every sensor's); its optical frame is
OpenCV's (x right, y down, z forward). ``T_world_cam`` maps optical-frame points to the world.
Pixel (u, v) is the ray through the pixel centre at (u, v), as ``cv2.projectPoints`` uses.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..geometry.raycast import cast_rays
from ..geometry.scene_geometry import SceneGeometry
from ..geometry.transforms import R_BODY_OPTICAL, quat_to_matrix
from ..instance import SensorInstance
from .base import OutputSpec


def intrinsics(params: dict) -> np.ndarray:
    """K from fx/fy/cx/cy or from hfov_deg (square pixels, principal point at the centre)."""
    w, h = params["width"], params["height"]
    if params.get("fx") is not None:
        fx = float(params["fx"])
        fy = float(params.get("fy") or fx)
    else:
        fx = fy = 0.5 * w / math.tan(math.radians(params["hfov_deg"]) / 2)
    cx = float(params["cx"]) if params.get("cx") is not None else (w - 1) / 2
    cy = float(params["cy"]) if params.get("cy") is not None else (h - 1) / 2
    return np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])


@functools.lru_cache(maxsize=8)
def _optical_rays(w: int, h: int, fx: float, fy: float, cx: float, cy: float) -> np.ndarray:
    """Unit ray directions (H*W, 3) in the optical frame and their z components."""
    u, v = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
    d = np.stack([(u - cx) / fx, (v - cy) / fy, np.ones_like(u)], axis=-1).reshape(-1, 3)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    d.setflags(write=False)
    return d


class Camera:
    kind = "camera"

    def __init__(self, sensor: SensorInstance, n_frames: int, max_objects: int) -> None:
        self.name = sensor.name
        self.params = sensor.params
        self.width, self.height = int(sensor.params["width"]), int(sensor.params["height"])
        self.K = intrinsics(sensor.params)
        R_world_body = quat_to_matrix(sensor.orientation)
        self.T_world_cam = np.eye(4)
        self.T_world_cam[:3, :3] = R_world_body @ R_BODY_OPTICAL
        self.T_world_cam[:3, 3] = sensor.position
        self.n_frames = n_frames
        self.max_objects = max_objects

    def outputs(self) -> dict[str, OutputSpec]:
        F, H, W, M = self.n_frames, self.height, self.width, self.max_objects
        return {
            "rgb": OutputSpec((F, H, W, 3), "uint8", doc="shaded colour"),
            "depth": OutputSpec((F, H, W), "float32", unit="m",
                                doc="z-depth in the optical frame; 0 where nothing is hit"),
            "instance": OutputSpec((F, H, W), "int32", doc="object index + 1; 0 = none/stuff"),
            "semantic": OutputSpec((F, H, W), "int16", doc="class id (root attr classes)"),
            "K": OutputSpec((3, 3), "float64", unit="px"),
            "T_world_cam": OutputSpec((F, 4, 4), "float64", unit="m",
                                      doc="optical (OpenCV) frame to world"),
            "boxes2d": OutputSpec((F, M, 4), "float32", unit="px",
                                  doc="x_min, y_min, x_max, y_max of the visible mask in K's "
                                      "continuous coordinates (pixel centres at integers, so "
                                      "outer pixel edges at ±0.5); zeros where not visible"),
            "visible_pixels": OutputSpec((F, M), "int32", doc="pixels of each object"),
        }

    def observe(self, frames: list[tuple[SceneGeometry, tuple[float, float, float]]],
                rng: np.random.Generator) -> dict[str, np.ndarray]:
        """``frames``: per capture, the scene geometry and the background colour."""
        del rng  # the basic camera is noise-free; the stream is reserved for sensor effects
        specs = self.outputs()
        out = {k: np.zeros(s.shape, s.dtype) for k, s in specs.items()}
        out["K"][:] = self.K
        fx, fy, cx, cy = self.K[0, 0], self.K[1, 1], self.K[0, 2], self.K[1, 2]
        d_opt = _optical_rays(self.width, self.height, fx, fy, cx, cy)
        d_world = d_opt @ self.T_world_cam[:3, :3].T
        near, far = float(self.params["near"]), float(self.params["far"])
        # near/far bound z-depth; along a ray that is t·d_z
        t_min, t_max = near / d_opt[:, 2], far / d_opt[:, 2]
        light = np.asarray(self.params["light_direction"], np.float64)
        light /= np.linalg.norm(light)
        ambient = float(self.params["ambient"])
        for f, (geometry, background) in enumerate(frames):
            hits = cast_rays(geometry, self.T_world_cam[:3, 3], d_world, t_min, t_max)
            hit = hits.hit
            depth = np.where(hit, hits.t * d_opt[:, 2], 0.0)
            shade = ambient + (1 - ambient) * np.clip(-(hits.normal @ light), 0.0, 1.0)
            colour = geometry.color[np.where(hit, hits.part, 0)] * shade[:, None]
            colour = np.where(hit[:, None], colour, np.asarray(background, np.float32))
            shape = (self.height, self.width)
            out["rgb"][f] = np.round(np.clip(colour, 0, 1) * 255).astype(np.uint8).reshape(
                *shape, 3)
            out["depth"][f] = depth.reshape(shape)
            out["instance"][f] = hits.instance.reshape(shape)
            out["semantic"][f] = hits.semantic.reshape(shape)
            out["T_world_cam"][f] = self.T_world_cam
            boxes, counts = boxes_from_mask(out["instance"][f], self.max_objects)
            out["boxes2d"][f], out["visible_pixels"][f] = boxes, counts
        return out


def boxes_from_mask(instance: np.ndarray, max_objects: int) -> tuple[np.ndarray, np.ndarray]:
    """Tight 2D boxes and pixel counts per instance id 1..M.

    Coordinates are those of ``K`` (OpenCV: the centre of pixel (u, v) is at (u, v)), so a
    box runs from the outer edge of its first pixel, u_min − 0.5, to the outer edge of its
    last, u_max + 0.5. COCO-style boxes (pixel u spans [u, u+1)) are these plus 0.5."""
    boxes = np.zeros((max_objects, 4), np.float32)
    ids = instance.ravel()
    counts = np.bincount(ids, minlength=max_objects + 1)[1:max_objects + 1].astype(np.int32)
    if counts.any():
        v, u = np.divmod(np.arange(ids.size), instance.shape[1])
        sel = ids > 0
        idx = ids[sel] - 1
        big = np.iinfo(np.int64).max
        for arr, target, fn, init in ((u, 0, np.minimum, big), (v, 1, np.minimum, big),
                                      (u, 2, np.maximum, -1), (v, 3, np.maximum, -1)):
            acc = np.full(max_objects, init, np.int64)
            fn.at(acc, idx, arr[sel])
            boxes[:, target] = np.where(counts > 0, acc + (0.5 if target >= 2 else -0.5), 0)
    return boxes, counts
