"""Lidar: a spinning (or raster-scanning) range sensor with real beam tables and timing.

Each capture is one sweep around the capture instant: every beam fires at its own time
(``beams.firing_times``), from where the moving sensor is then, and meets moving
objects where they are then, so a sweep shows the rolling distortion of a real one
(``motion_distortion: false`` casts every beam at the capture instant, CARLA's static
snapshot). Returns carry a physical intensity, are dropped below the detection floor, get
range noise, and with beam divergence split at edges into strongest/last echoes
(``beams`` documents the device model and its constants, ``sweep`` the timed
cast, ``returns`` the echoes).

Outputs (per capture F; S = 2 return slots in ``dual`` mode, else the slot axis is absent):
``range``, ``intensity``, ``instance``, ``semantic`` (F[, S], R, C) and ``xyz`` (F[, S], R,
C, 3); ``time`` (F, R, C) each beam's firing time from the capture instant; ``return_count``
(F, R, C). Range 0 = no return. ``xyz`` is in the lidar frame at the beam's firing time (what
the device reports), or, with ``motion_compensation``, in the frame ``T_world_lidar`` of the
capture instant (ideal de-skewing with the sensor's true motion; moving objects stay
distorted, as after a real de-skew). Ring index = row (``elevation``, ``laser_id``).
Per object (padded to the scene's maximum): returns on it and its 3D box in the lidar frame
at the capture instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...geometry.scene_geometry import MESH, SceneGeometry
from ...geometry.transforms import matrix_to_quat, pose_matrix, rotate_rows
from ...materials import MATERIAL_ID, MATERIALS
from ..base import Capture, OutputSpec, SampleLayout, Sensor
from . import beams as model
from .returns import Returns, edge_beams, group_returns, single_ray_returns
from .sweep import cast_sweep, rotate_by

if TYPE_CHECKING:  # annotations only
    from ...instance import SensorInstance

# re-exported: the beam layout is part of the lidar's public face (tools/bench.py uses it)
beam_angles, beam_directions = model.beam_angles, model.beam_directions
REFLECTIVITY = np.array([m.reflectivity for m in MATERIALS], np.float64)
RETROREFLECTIVITY = np.array([m.retroreflectivity for m in MATERIALS], np.float64)


class Lidar(Sensor):
    kind = "lidar"
    signals = ("range", "intensity", "xyz")
    mask_of = "range"
    pose = "T_world_lidar"
    context_fixed = ("elevation", "azimuth")
    context_per_capture = ("semantic", "intensity", "instance", "box3d_center_lidar",
                           "box3d_size", "box3d_orientation_lidar")
    context_extras = ("sun_direction",)

    @classmethod
    def for_scene(cls, sensor: SensorInstance, layout: SampleLayout) -> Lidar:
        return cls(sensor, layout.n_frames, layout.max_objects)

    def __init__(self, sensor: SensorInstance, n_frames: int, max_objects: int) -> None:
        self.name = sensor.name
        self.sensor = sensor
        self.params = p = sensor.params
        self.elevation, self.azimuth, self.laser_id = beam_angles(p)
        self.n_frames = n_frames
        self.max_objects = max_objects
        self.slots = 2 if p["return_mode"] == "dual" else 1
        self.d_body = beam_directions(self.elevation, self.azimuth).reshape(-1, 3)
        times = model.firing_times(p, self.laser_id, self.azimuth)
        self.fire_time = times if p["motion_distortion"] else np.zeros_like(times)
        self.T_world_lidar = self.pose_at(0.0)
        self.reflectivity = REFLECTIVITY.copy()
        for name, value in (p.get("reflectivity") or {}).items():
            self.reflectivity[MATERIAL_ID[name]] = float(value)

    def pose_at(self, t: float) -> np.ndarray:
        """T_world_lidar (4, 4) at ``t`` s into the recording."""
        position, R = self.sensor.pose_at(t)
        T = np.eye(4)
        T[:3, :3], T[:3, 3] = R, position
        return T

    def outputs(self) -> dict[str, OutputSpec]:
        F, R, C, M = self.n_frames, len(self.elevation), len(self.azimuth), self.max_objects
        S = (self.slots,) if self.slots > 1 else ()
        ret = "; in dual mode slot 0 = strongest, 1 = last (or second strongest)"
        return {
            "range": OutputSpec((F, *S, R, C), "float32", unit="m",
                                doc="measured range at firing time, 0 = no return" + ret),
            "intensity": OutputSpec((F, *S, R, C), "float32",
                                    doc="reflectivity × cos(incidence) × exp(−2αR) × "
                                        "min(1, (R_ref/R)²), retroreflectors above 1, at "
                                        "most 2.55 (saturation), 0 = no return"),
            "instance": OutputSpec((F, *S, R, C), "int32", doc="object index + 1; 0 = none/stuff"),
            "semantic": OutputSpec((F, *S, R, C), "int16", doc="class id; 0 = no return"),
            **({"part": OutputSpec((F, *S, R, C), "int16",
                                   doc="part label of a mesh (root attr parts); 0 = none")}
               if self.params["output_parts"] else {}),
            "xyz": OutputSpec((F, *S, R, C, 3), "float32", unit="m",
                              doc="lidar frame at firing time (at the capture instant with "
                                  "motion_compensation); 0 = no return"),
            "time": OutputSpec((F, R, C), "float32", unit="s",
                               doc="firing time relative to the capture instant"),
            "return_count": OutputSpec((F, R, C), "uint8", doc="returns of the beam (0 = none)"),
            "T_world_lidar": OutputSpec((F, 4, 4), "float64", unit="m",
                                        doc="lidar pose at the capture instant"),
            "elevation": OutputSpec((R,), "float32", unit="deg", doc="per row"),
            "azimuth": OutputSpec((C,), "float32", unit="deg", doc="per column, CCW from x"),
            "laser_id": OutputSpec((R,), "int16", doc="row's index in the preset table"),
            "points_per_object": OutputSpec((F, M), "int32",
                                            doc="returns on each object (all slots)"),
            "box3d_center_lidar": OutputSpec((F, M, 3), "float64", unit="m",
                                             doc="3D box centre, lidar frame at capture"),
            "box3d_size": OutputSpec((F, M, 3), "float32", unit="m"),
            "box3d_orientation_lidar": OutputSpec((F, M, 4), "float64", doc="xyzw"),
        }

    def observe(self, capture: Capture, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """One sweep per capture of ``capture.frames``, with the labels of
        ``capture.objects`` (none when empty); ``rng``: this sensor's stream (range noise,
        S·R·C normals per capture, drawn whatever is hit)."""
        frames, objects = capture.frames, capture.objects or None
        specs = self.outputs()
        out = {k: np.zeros(s.shape, s.dtype) for k, s in specs.items()}
        out["elevation"][:], out["azimuth"][:], out["laser_id"][:] = (
            self.elevation, self.azimuth, self.laser_id)
        shape = (len(self.elevation), len(self.azimuth))
        for f, (geometry, t_capture) in enumerate(frames):
            T = self.pose_at(t_capture)
            # the sweep's motion is the sensor's at the capture (an actor's changes along
            # its path)
            motion = self.sensor.velocity_at(t_capture)
            ret = self._returns(geometry, T, motion)
            noise = rng.standard_normal((self.slots, ret.range.shape[1]))
            self._write(out, f, geometry, T, ret, noise, shape, motion)
            if objects is not None:
                self._object_labels(out, f, T, objects)
        return out

    # --- the sweep ----------------------------------------------------------------------
    def _cast(self, g: SceneGeometry, T: np.ndarray, d_body: np.ndarray, tau: np.ndarray,
              motion: tuple[np.ndarray, np.ndarray]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return cast_sweep(g, T, motion[0], motion[1], d_body, tau,
                          float(self.params["max_range"]))

    def _power(self, g: SceneGeometry, t, part, cos, tri) -> np.ndarray:
        """Received power per ray; 0 for misses and for hits inside the minimum range (the
        receiver is blind there, the beam is still blocked). A mesh triangle's own
        material (a tyre, a window of a generated car) decides its reflectivity."""
        own = np.where(tri >= 0, g.tri_material[np.maximum(tri, 0)], -1)
        mat = np.where(own >= 0, own, g.material[np.maximum(part, 0)])
        power = model.received_power(self.reflectivity[mat], cos, t,
                                     float(self.params["atmospheric_attenuation"]),
                                     RETROREFLECTIVITY[mat])
        return np.where((part >= 0) & (t >= float(self.params["min_range"])), power, 0.0)

    def _returns(self, g: SceneGeometry, T: np.ndarray,
                 motion: tuple[np.ndarray, np.ndarray]) -> Returns:
        p = self.params
        tau = self.fire_time.ravel()
        floor = model.detection_floor(p)
        t, part, cos, tri = self._cast(g, T, self.d_body, tau, motion)
        power = self._power(g, t, part, cos, tri)
        ret = single_ray_returns(t, power, part, floor, self.slots, tri)
        K = int(p["beam_samples"])
        divergence = float(p["beam_divergence_mrad"]) * 1e-3
        if K < 2 or divergence == 0.0:
            return ret
        sep = float(p["return_separation_m"])
        wrap = p["scan"] == "spin" and float(p["horizontal_fov_deg"]) >= 360.0
        grid = self.fire_time.shape
        jumps = (part >= 0) & (g.kind[np.maximum(part, 0)] == MESH)
        edge = np.flatnonzero(edge_beams(t.reshape(grid), part.reshape(grid),
                                         jumps.reshape(grid), sep, wrap))
        if edge.size == 0:
            return ret
        # the first sub-ray is the centre ray, already cast: cast the K − 1 others
        offsets = model.subray_offsets(K, divergence)[1:]
        d_sub = model.subray_directions(self.d_body[edge], offsets)
        ts, ps, cs, tris = self._cast(g, T, d_sub, np.repeat(tau[edge], K - 1), motion)
        pw = self._power(g, ts, ps, cs, tris)
        sub = group_returns(np.column_stack([t[edge], ts.reshape(-1, K - 1)]),
                            np.column_stack([power[edge], pw.reshape(-1, K - 1)]),
                            np.column_stack([part[edge], ps.reshape(-1, K - 1)]), sep, floor,
                            p["return_mode"],
                            np.column_stack([tri[edge], tris.reshape(-1, K - 1)]))
        ret.range[:, edge], ret.power[:, edge] = sub.range, sub.power
        ret.part[:, edge], ret.triangle[:, edge] = sub.part, sub.triangle
        return ret

    # --- outputs ------------------------------------------------------------------------
    def _write(self, out: dict, f: int, g: SceneGeometry, T: np.ndarray, ret: Returns,
               noise: np.ndarray, shape: tuple[int, int],
               motion: tuple[np.ndarray, np.ndarray]) -> None:
        p = self.params
        r_min, r_max = float(p["min_range"]), float(p["max_range"])
        hit = ret.part >= 0
        sigma = model.noise_std(p, ret.power)
        measured = np.where(hit, np.clip(np.where(hit, ret.range, 0.0) + sigma * noise,
                                         r_min, r_max), 0.0)
        inten = np.where(hit, model.intensity(ret.power, ret.range,
                                              float(p["intensity_reference_range_m"])), 0.0)
        safe = np.maximum(ret.part, 0)
        tau = self.fire_time.ravel()
        xyz = measured[..., None] * self.d_body[None]
        if p["motion_compensation"] and p["motion_distortion"]:
            xyz = self._compensate(xyz, tau, T, motion)
        slot_shape = (self.slots, *shape) if self.slots > 1 else shape
        out["range"][f] = measured.reshape(slot_shape)
        out["intensity"][f] = inten.reshape(slot_shape)
        out["instance"][f] = np.where(hit, g.instance[safe], 0).reshape(slot_shape)
        out["semantic"][f] = np.where(hit, g.semantic[safe], 0).reshape(slot_shape)
        if "part" in out:
            tri = ret.triangle
            out["part"][f] = np.where(hit & (tri >= 0), g.tri_label[np.maximum(tri, 0)],
                                      0).reshape(slot_shape)
        out["xyz"][f] = np.where(hit[..., None], xyz, 0.0).reshape(*slot_shape, 3)
        out["time"][f] = self.fire_time
        out["return_count"][f] = hit.sum(axis=0).reshape(shape)
        out["T_world_lidar"][f] = T

    def _compensate(self, xyz: np.ndarray, tau: np.ndarray, T: np.ndarray,
                    motion: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Points (S, N, 3) in the lidar frame at their firing times → the lidar frame at
        the capture instant: p0 = R0ᵀ(v·τ + rot(ω, τ)·R0·p)."""
        v, w = motion
        R0 = T[:3, :3]
        taus = np.tile(tau, xyz.shape[0])
        world = rotate_by(w, taus, rotate_rows(xyz.reshape(-1, 3), R0))
        world = world + taus[:, None] * v
        return rotate_rows(world, R0.T).reshape(xyz.shape)

    def _object_labels(self, out: dict, f: int, T: np.ndarray, objects: dict) -> None:
        count = int(objects["count"])
        inst = out["instance"][f]
        out["points_per_object"][f] = np.bincount(
            inst[inst > 0].ravel(), minlength=self.max_objects + 1)[1:self.max_objects + 1]
        R0t, p0 = T[:3, :3].T, T[:3, 3]
        for i in range(count):
            T_obj = pose_matrix(objects["position"][f][i], objects["orientation"][f][i])
            R = R0t @ T_obj[:3, :3]
            centre = T_obj[:3, :3] @ np.asarray(objects["box_center_local"][i], np.float64)
            out["box3d_center_lidar"][f, i] = R0t @ (T_obj[:3, 3] + centre - p0)
            out["box3d_size"][f, i] = objects["size"][i]
            out["box3d_orientation_lidar"][f, i] = matrix_to_quat(R)
