"""Lidar (basic): beams from the preset's elevation table × azimuth columns, a static range
image of range, intensity, instance and class, plus xyz in the sensor frame.

Layout: rows are beams sorted by elevation, highest first (``laser_id`` keeps each row's
index in the preset's table, which lists lasers in firing order); columns sweep clockwise
seen from above, the centre column looking along the body x axis, so the range image reads
like a panorama (left of the sensor on the left).
"""

from __future__ import annotations

import numpy as np

from ..geometry.raycast import cast_rays
from ..geometry.scene_geometry import SceneGeometry
from ..geometry.transforms import quat_to_matrix, rotate_rows
from ..instance import SensorInstance
from ..materials import MATERIALS
from .base import OutputSpec

REFLECTIVITY = np.array([m.reflectivity for m in MATERIALS], np.float32)


def beam_angles(params: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(elevations (R,), azimuths (C,), laser ids (R,)) in degrees, in range-image order."""
    table = np.asarray(params["elevations_deg"], np.float64)
    laser_id = np.argsort(-table, kind="stable")
    columns = int(params["columns"])
    fov = float(params["horizontal_fov_deg"])
    step = fov / columns
    azimuth = params["azimuth_offset_deg"] + fov / 2 - (np.arange(columns) + 0.5) * step
    return table[laser_id], azimuth, laser_id.astype(np.int16)


def beam_directions(elevation_deg: np.ndarray, azimuth_deg: np.ndarray) -> np.ndarray:
    """Unit vectors (R, C, 3) in the lidar body frame (x forward, y left, z up)."""
    e = np.radians(elevation_deg)[:, None]
    a = np.radians(azimuth_deg)[None, :]
    return np.stack(np.broadcast_arrays(np.cos(e) * np.cos(a), np.cos(e) * np.sin(a),
                                        np.sin(e)), axis=-1)


class Lidar:
    kind = "lidar"

    def __init__(self, sensor: SensorInstance, n_frames: int, max_objects: int) -> None:
        self.name = sensor.name
        self.params = sensor.params
        self.elevation, self.azimuth, self.laser_id = beam_angles(sensor.params)
        self.T_world_lidar = np.eye(4)
        self.T_world_lidar[:3, :3] = quat_to_matrix(sensor.orientation)
        self.T_world_lidar[:3, 3] = sensor.position
        self.n_frames = n_frames
        self.max_objects = max_objects

    def outputs(self) -> dict[str, OutputSpec]:
        F, R, C = self.n_frames, len(self.elevation), len(self.azimuth)
        return {
            "range": OutputSpec((F, R, C), "float32", unit="m", doc="0 = no return"),
            "intensity": OutputSpec((F, R, C), "float32",
                                    doc="reflectivity × cos(incidence), 0 = no return"),
            "instance": OutputSpec((F, R, C), "int32", doc="object index + 1; 0 = none/stuff"),
            "semantic": OutputSpec((F, R, C), "int16", doc="class id; 0 = no return"),
            "xyz": OutputSpec((F, R, C, 3), "float32", unit="m", doc="sensor frame"),
            "T_world_lidar": OutputSpec((F, 4, 4), "float64", unit="m"),
            "elevation": OutputSpec((R,), "float32", unit="deg", doc="per row"),
            "azimuth": OutputSpec((C,), "float32", unit="deg", doc="per column, CCW from x"),
            "laser_id": OutputSpec((R,), "int16", doc="row's index in the preset table"),
        }

    def observe(self, frames: list[SceneGeometry], rng: np.random.Generator
                ) -> dict[str, np.ndarray]:
        specs = self.outputs()
        out = {k: np.zeros(s.shape, s.dtype) for k, s in specs.items()}
        out["elevation"][:], out["azimuth"][:], out["laser_id"][:] = (
            self.elevation, self.azimuth, self.laser_id)
        d_body = beam_directions(self.elevation, self.azimuth).reshape(-1, 3)
        R = self.T_world_lidar[:3, :3]
        d_world = rotate_rows(d_body, R)
        r_min, r_max = float(self.params["min_range"]), float(self.params["max_range"])
        noise_std = float(self.params["range_noise_std"])
        shape = (len(self.elevation), len(self.azimuth))
        for f, geometry in enumerate(frames):
            # Cast from the sensor itself: something nearer than min_range blocks the beam
            # (no return), it does not reveal what lies behind it.
            hits = cast_rays(geometry, self.T_world_lidar[:3, 3], d_world, 0.0, r_max)
            hit = hits.hit & (hits.t >= r_min)
            rng_noise = rng.standard_normal(hit.size) * noise_std  # drawn for every beam:
            # the stream position never depends on what was hit
            rng_val = np.where(hit, np.clip(hits.t + rng_noise, r_min, r_max), 0.0)
            cos_inc = np.abs(np.einsum("ij,ij->i", hits.normal, d_world))
            refl = REFLECTIVITY[np.where(hit, hits.material, 0)]
            out["range"][f] = rng_val.reshape(shape)
            out["intensity"][f] = np.where(hit, refl * cos_inc, 0.0).reshape(shape)
            out["instance"][f] = np.where(hit, hits.instance, 0).reshape(shape)
            out["semantic"][f] = np.where(hit, hits.semantic, 0).reshape(shape)
            out["xyz"][f] = (d_body * rng_val[:, None]).reshape(*shape, 3)
            out["T_world_lidar"][f] = self.T_world_lidar
        return out
