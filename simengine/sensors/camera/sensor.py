"""Camera: rays from a lens model (pinhole + Brown–Conrady distortion) through the geometry
core, shaded with a directional light, hard shadows and procedural textures, then developed
through an image pipeline (exposure, vignetting, raw noise, tone curve).

Per capture it gives ``rgb``, metric z-``depth`` (and ``range``), ``instance`` and
``semantic`` masks, camera-frame ``normals``, forward optical ``flow`` to the next capture,
tight and amodal 2D boxes with visibility, 3D boxes and 6D poses in the camera frame with
their projected corners, ``K``, the distortion and ``T_world_cam``; with the stereo model on,
a noisy ``depth_sensor`` beside the ideal depth. Every effect's parameters are stored under
``effects/``.

Frames: the camera's body frame is x forward, z up (as every sensor's); its optical frame is
OpenCV's (x right, y down, z forward); ``T_world_cam`` maps optical-frame points to the world.
Pixel (u, v) is the ray through the pixel centre at (u, v), as ``cv2.projectPoints`` uses.

Time: a capture at time t is rendered with every pixel at t + its offset: with a rolling
shutter the rows are read out over ``rolling_shutter_s`` (top row first, centred on t); with
motion blur, ``motion_blur_samples`` renders spread over ``motion_blur_s`` (centred on t) are
averaged in linear light. Labels (depth, masks, normals, flow) come from the unblurred
render, rolling shutter included, so they line up with the image.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...geometry.scene_geometry import SceneGeometry
from ...geometry.transforms import R_BODY_OPTICAL
from ..base import Capture, OutputSpec, SampleLayout, Sensor
from ._mask_kernels import instance_extents
from .effects import develop, stereo_depth
from .labels import object_labels, optical_flow
from .lighting import Lighting, draft_scene, scene_lighting
from .pbr import render_pbr
from .projection import CameraModel
from .quality import resolve as resolve_quality
from .sampling import subpixel_offsets
from .shading import FrameResult, Pose, shade_frame

if TYPE_CHECKING:  # annotations only
    from ...instance import SensorInstance

EFFECTS = ("exposure_gain", "vignetting_strength", "vignetting_cos4", "noise_shot",
           "noise_read", "gamma", "motion_blur_s", "rolling_shutter_s")
DEPTH_EFFECTS = ("baseline_m", "subpixel", "max_incidence_deg")
RESPONSE_EFFECTS = {
    "ev100": "exposure value at ISO 100 (metered with auto-exposure); NaN without exposure",
    "auto_exposure": "1 when metered from the image",
    "white_balance_k": "illuminant colour temperature balanced to D65 (K); 0 = off",
    "tone_curve": "0 none, 1 ACES filmic, 2 Hable filmic",
}


def response_params(params: dict, physical_light: bool) -> dict:
    """The camera-response keys of ``effects.develop`` a camera's parameters ask for: a
    fixed exposure, or auto-exposure when asked or (with no fixed exposure) when the scene's
    light is physical (radiance in cd/m²); white balance; a tone curve. Empty: none."""
    out: dict = {}
    auto = params.get("auto_exposure")
    if params.get("exposure_ev100") is not None:
        if auto:
            raise ValueError("exposure_ev100 and auto_exposure are exclusive")
        out["ev100"] = float(params["exposure_ev100"])
    elif auto or (auto is None and physical_light):
        out["auto_exposure"] = {"compensation_ev": float(params["exposure_compensation_ev"])}
    if params.get("white_balance_k") is not None:
        out["white_balance_k"] = float(params["white_balance_k"])
    if params.get("tone_curve", "none") != "none":
        out["tone_curve"] = params["tone_curve"]
    return out


def intrinsics(params: dict) -> np.ndarray:
    """K of a camera's parameters (see CameraModel.from_params)."""
    return CameraModel.from_params(params).K


class Camera(Sensor):
    kind = "camera"
    signals = ("rgb",)
    mask_of = "rgb"
    pose = "T_world_cam"
    context_fixed = ("K",)
    context_per_capture = ("depth", "normals", "instance", "flow", "T_world_cam",
                           "box3d_center_cam", "box3d_size", "box3d_orientation_cam")
    context_extras = ("frame_interval_s", "airlight", "sun_direction")

    @classmethod
    def for_scene(cls, sensor: SensorInstance, layout: SampleLayout) -> Camera:
        return cls(sensor, layout.n_frames, layout.max_objects, layout.physical_light)

    @classmethod
    def mask_spec(cls, spec: OutputSpec) -> OutputSpec:
        # one flag per pixel, not per colour channel
        return super().mask_spec(OutputSpec(spec.shape[:-1], spec.dtype))

    def __init__(self, sensor: SensorInstance, n_frames: int, max_objects: int,
                 physical_light: bool = False) -> None:
        self.name = sensor.name
        self.sensor = sensor
        self.params = sensor.params
        self.model = CameraModel.from_params(sensor.params)
        self.width, self.height = self.model.width, self.model.height
        self.K = self.model.K
        self.n_frames = n_frames
        self.max_objects = max_objects
        self.quality = resolve_quality(sensor.params)
        self.response = response_params(sensor.params, physical_light)
        self.T_world_cam = self.pose_at(0.0)[0]

    def pose_at(self, t: float) -> tuple[np.ndarray, Pose]:
        """T_world_cam and the render pose of the camera at time ``t`` of the recording."""
        position, R_world_body = self.sensor.pose_at(t)
        R = R_world_body @ R_BODY_OPTICAL
        T = np.eye(4)
        T[:3, :3], T[:3, 3] = R, position
        # the motion at t (a sensor riding an actor turns and changes speed along its path)
        pose = Pose(R, position, *self.sensor.velocity_at(t))
        return T, pose

    # --- layout -------------------------------------------------------------------------
    def outputs(self) -> dict[str, OutputSpec]:
        F, H, W, M = self.n_frames, self.height, self.width, self.max_objects
        p = self.params
        out = {
            "rgb": OutputSpec((F, H, W, 3), "uint8", doc="developed colour image"),
            "depth": OutputSpec((F, H, W), "float32", unit="m",
                                doc="ideal z-depth in the optical frame; 0 where nothing is hit"),
            "instance": OutputSpec((F, H, W), "int32", doc="object index + 1; 0 = none/stuff"),
            "semantic": OutputSpec((F, H, W), "int16", doc="class id (root attr classes)"),
        }
        if p["output_range"]:
            out["range"] = OutputSpec((F, H, W), "float32", unit="m",
                                      doc="distance along the pixel ray; 0 where nothing is hit")
        if p["output_normals"]:
            out["normals"] = OutputSpec((F, H, W, 3), "float32",
                                        doc="unit surface normal, optical frame; 0 = no hit")
        if p["output_flow"] and F > 1:
            out["flow"] = OutputSpec((F, H, W, 2), "float32", unit="px",
                                     doc="forward flow to the next capture (last frame: 0)")
        if p["output_parts"]:
            out["part"] = OutputSpec((F, H, W), "int16",
                                     doc="part label of a mesh (root attr parts); 0 = none")
        if p["output_coverage"]:
            out["coverage"] = OutputSpec((F, H, W), "float32",
                                         doc="fraction of the pixel's samples (area and "
                                             "exposure) seeing the centre's instance")
        if p["depth_noise"]:
            out["depth_sensor"] = OutputSpec((F, H, W), "float32", unit="m",
                                             doc="stereo depth-sensor model; 0 = hole")
        out.update({
            "K": OutputSpec((3, 3), "float64", unit="px"),
            "distortion": OutputSpec((5,), "float64", doc="OpenCV k1, k2, p1, p2, k3"),
            "T_world_cam": OutputSpec((F, 4, 4), "float64", unit="m",
                                      doc="optical (OpenCV) frame to world"),
            "boxes2d": OutputSpec((F, M, 4), "float32", unit="px",
                                  doc="x_min, y_min, x_max, y_max of the visible mask in K's "
                                      "continuous coordinates (pixel centres at integers, so "
                                      "outer pixel edges at ±0.5); zeros where not visible"),
            "visible_pixels": OutputSpec((F, M), "int32", doc="pixels of each object"),
            "boxes2d_amodal": OutputSpec((F, M, 4), "float32", unit="px",
                                         doc="box of the projected object geometry, clipped "
                                             "to the image; zeros when outside it"),
            "unoccluded_pixels": OutputSpec((F, M), "int32",
                                            doc="pixels the object would cover alone"),
            "visibility": OutputSpec((F, M), "float32",
                                     doc="visible_pixels / unoccluded_pixels"),
            "box3d_center_cam": OutputSpec((F, M, 3), "float64", unit="m",
                                           doc="3D box centre, optical frame"),
            "box3d_size": OutputSpec((F, M, 3), "float32", unit="m"),
            "box3d_orientation_cam": OutputSpec((F, M, 4), "float64", doc="xyzw"),
            "pose_cam": OutputSpec((F, M, 4, 4), "float64", doc="T_cam_obj"),
            "box3d_corners_2d": OutputSpec((F, M, 8, 2), "float32", unit="px",
                                           doc="corner 4·ix + 2·iy + iz, local signs (−,+); "
                                               "NaN behind the camera"),
        })
        for name in EFFECTS:
            out[f"effects/{name}"] = OutputSpec((F,), "float32", doc="parameter used")
        if self.response:
            for name, doc in RESPONSE_EFFECTS.items():
                out[f"effects/{name}"] = OutputSpec((F,), "float32", doc=doc)
        if p["depth_noise"]:
            for name in DEPTH_EFFECTS:
                out[f"effects/depth_{name}"] = OutputSpec((F,), "float32")
        return out

    # --- rendering ----------------------------------------------------------------------
    def _row_times(self) -> np.ndarray:
        """Each image row's time offset from the capture (H,): the rolling-shutter readout."""
        readout = float(self.params["rolling_shutter_s"])
        if readout == 0.0 or self.height == 1:
            return np.zeros(self.height)
        return readout * (np.arange(self.height) / (self.height - 1) - 0.5)

    def _render(self, geometry: SceneGeometry, pose: Pose, background, offsets: np.ndarray,
                light: dict, background_bottom, *, tone: float | None = None,
                normals: bool = True, distances: bool = True,
                labels: bool = False, subpixel: tuple[float, float] = (0.0, 0.0)
                ) -> FrameResult:
        near, far = float(self.params["near"]), float(self.params["far"])
        return shade_frame(self.model, pose, geometry, near, far, light, background,
                            background_bottom, offsets, tone=tone, normals=normals,
                            distances=distances, labels=labels, subpixel=subpixel)

    def _fused_tone(self, image_params: dict, blurred: bool) -> float | None:
        """The gamma (0 = sRGB) to quantise with inside the render kernel when the image
        pipeline has nothing else to do (gain 1, no vignetting, no noise, no blur) — the
        same 8-bit codes as develop(), without a second pass over the image."""
        neutral = (image_params["exposure_gain"] == 1.0 and image_params["vignetting"] == 0.0
                   and image_params["noise"] is None and not blurred and not self.response)
        return float(self.params["gamma"]) if neutral else None

    def _samples(self, n_blur: int, blur: float) -> list[tuple[float, tuple[float, float]]]:
        """The renders averaged into one image: (time offset, subpixel offset) each. With
        motion blur and anti-aliasing both, max(n_blur, spp) renders pair the k-th exposure
        time with the k-th point of the pixel (cycling the shorter list). None of either:
        no extra render (the centre render is the image)."""
        spp = self.quality.samples_per_pixel
        if not n_blur and spp == 1:
            return []
        points = subpixel_offsets(spp)
        n = max(n_blur, spp)
        return [(blur * (((k % n_blur) + 0.5) / n_blur - 0.5) if n_blur else 0.0,
                 points[k % spp]) for k in range(n)]

    def _develop(self, res: FrameResult, geometry: SceneGeometry, pose: Pose, scene: dict,
                 row_t: np.ndarray, samples: list, image_params: dict, noise_seed: int,
                 f: int) -> tuple[np.ndarray, dict[str, float], np.ndarray]:
        """The image pipeline on linear light, after averaging the samples (motion blur,
        anti-aliasing); also the coverage of each pixel's centre instance (1 without)."""
        linear = res.rgb_linear
        coverage = np.ones(res.instance.shape, np.float32)
        if samples:
            linear = np.zeros_like(linear)
            seen = np.zeros(res.instance.shape, np.int32)
            for offset, subpixel in samples:
                r = self._render(geometry, pose, scene["background"], row_t + offset,
                                 scene["light"], scene["background_bottom"], normals=False,
                                 distances=False, subpixel=subpixel)
                linear += r.rgb_linear
                seen += r.instance == res.instance
            linear /= len(samples)
            coverage = (seen / len(samples)).astype(np.float32)
        rgb, used = develop(linear, self.K, image_params,
                            np.random.default_rng([noise_seed, f]))
        return rgb, used, coverage

    def _develop_pbr(self, res: FrameResult, geometry: SceneGeometry, pose: Pose,
                     lighting: Lighting, row_t: np.ndarray, samples: list,
                     image_params: dict, noise_seed: int, f: int
                     ) -> tuple[np.ndarray, dict[str, float], np.ndarray]:
        """The physically based image (``pbr.render_pbr``) through the image pipeline, and
        the coverage of each pixel's centre instance."""
        near, far = float(self.params["near"]), float(self.params["far"])
        linear, coverage = render_pbr(
            self.model, pose, geometry, near, far, lighting, row_t,
            samples or [(0.0, (0.0, 0.0))], res, ao_rays=self.quality.ao_rays,
            ao_radius=float(self.params["ao_radius_m"]),
            ao_filter_px=self.quality.ao_filter_px)
        rgb, used = develop(linear, self.K, image_params,
                            np.random.default_rng([noise_seed, f]))
        return rgb, used, coverage

    def observe(self, capture: Capture, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Render every capture of ``capture.frames``, lit by ``capture.scene``, with the
        labels of ``capture.objects``."""
        frames, objects, scene = capture.frames, capture.objects, capture.scene
        specs = self.outputs()
        out = {k: np.zeros(s.shape, s.dtype) for k, s in specs.items()}
        out["K"][:] = self.K
        out["distortion"][:] = self.model.dist
        p = self.params
        # independent streams per effect, so switching one on never shifts another
        noise_seed, depth_seed = (int(x) for x in rng.integers(0, 2**63, size=2))
        rays = self.model.pixel_rays()
        row_t = self._row_times()
        blur = float(p["motion_blur_s"])
        n_blur = int(p["motion_blur_samples"]) if blur > 0 else 0
        image_params = {
            **self.response,
            "exposure_gain": float(p["exposure_gain"]),
            "vignetting": "cos4" if p["vignetting_cos4"] else float(p["vignetting"]),
            "noise": ("random" if p["noise_random"] else
                      {"shot": float(p["noise_shot"]), "read": float(p["noise_read"])}
                      if p["noise_shot"] or p["noise_read"] else None),
            "gamma": "srgb" if float(p["gamma"]) == 0.0 else float(p["gamma"]),
        }
        results: list[FrameResult] = []
        poses = []
        samples = self._samples(n_blur, blur)
        lighting = scene_lighting(scene)
        pbr = self.quality.physically_based
        if lighting.physical and not pbr:  # the fast renderer in cd/m² (draft_scene)
            scene = draft_scene(lighting)
        # the physically based pass paints the image; the fast renderer still gives the
        # labels (its shading then unused: no shadow rays)
        label_light = ({"direction": scene["light"]["direction"], "ambient": 0.0,
                        "intensity": 0.0, "shadows": False} if pbr else scene["light"])
        tone = None if pbr else self._fused_tone(image_params, bool(samples))
        # (the occlusion smoothing of the physically based pass reads the normals too)
        want_normals = bool(p["output_normals"] or p["depth_noise"]
                            or (pbr and self.quality.ao_filter_px))
        want_distances = "range" in out or "flow" in out
        for f, (geometry, t_capture) in enumerate(frames):
            T, pose = self.pose_at(t_capture)
            poses.append(T)
            res = self._render(geometry, pose, scene["background"], row_t, label_light,
                               scene["background_bottom"], tone=tone, normals=want_normals,
                               distances=want_distances, labels="part" in out)
            results.append(res)
            if pbr:
                out["rgb"][f], used, coverage = self._develop_pbr(
                    res, geometry, pose, lighting, row_t, samples, image_params, noise_seed, f)
                if "coverage" in out:
                    out["coverage"][f] = coverage
            elif tone is not None:
                out["rgb"][f] = res.rgb
                if "coverage" in out:
                    out["coverage"][f] = 1.0
                used = {"exposure_gain": 1.0, "vignetting_strength": 0.0,
                        "vignetting_cos4": 0.0, "noise_shot": 0.0, "noise_read": 0.0,
                        "gamma": tone}
            else:
                out["rgb"][f], used, coverage = self._develop(
                    res, geometry, pose, scene, row_t, samples, image_params, noise_seed, f)
                if "coverage" in out:
                    out["coverage"][f] = coverage
            for name in EFFECTS[:6]:
                out[f"effects/{name}"][f] = used[name]
            for name in RESPONSE_EFFECTS if self.response else ():
                out[f"effects/{name}"][f] = used[name]
            out["effects/motion_blur_s"][f] = blur
            out["effects/rolling_shutter_s"][f] = float(p["rolling_shutter_s"])
            out["depth"][f] = res.depth
            out["instance"][f] = res.instance
            out["semantic"][f] = res.semantic
            if "range" in out:
                out["range"][f] = np.where(np.isfinite(res.t), res.t, 0.0)
            if "normals" in out:
                out["normals"][f] = res.normal
            if "part" in out:
                out["part"][f] = res.label
            if "depth_sensor" in out:
                noisy, _, used_d = stereo_depth(
                    res.depth, res.normal, rays.reshape(self.height, self.width, 3),
                    float(self.K[0, 0]), float(p["depth_baseline_m"]),
                    float(p["depth_subpixel"]), np.random.default_rng([depth_seed, f]),
                    max_incidence_deg=float(p["depth_max_incidence_deg"]),
                    min_depth=float(p["near"]), max_depth=float(p["far"]))
                out["depth_sensor"][f] = noisy
                for name in DEPTH_EFFECTS:
                    out[f"effects/depth_{name}"][f] = used_d[name]
            out["T_world_cam"][f] = T
            boxes, counts = boxes_from_mask(res.instance, self.max_objects)
            out["boxes2d"][f], out["visible_pixels"][f] = boxes, counts
            labels = object_labels(geometry, T, self.model, res.instance,
                                   objects["position"][f], objects["orientation"][f],
                                   objects["size"], objects["box_center_local"],
                                   int(objects["count"]), self.max_objects)
            for key, value in labels.items():
                out[key][f] = value
        if "flow" in out:
            for f in range(len(frames) - 1):
                out["flow"][f] = optical_flow(results[f].part, results[f].t, rays, self.model,
                                              poses[f], poses[f + 1], frames[f][0],
                                              frames[f + 1][0])
        return out


def boxes_from_mask(instance: np.ndarray, max_objects: int) -> tuple[np.ndarray, np.ndarray]:
    """Tight 2D boxes and pixel counts per instance id 1..M.

    Coordinates are those of ``K`` (OpenCV: the centre of pixel (u, v) is at (u, v)), so a
    box runs from the outer edge of its first pixel, u_min − 0.5, to the outer edge of its
    last, u_max + 0.5. COCO-style boxes (pixel u spans [u, u+1)) are these plus 0.5."""
    counts = np.zeros(max_objects, np.int32)
    u0, v0, u1, v1 = (np.zeros(max_objects, np.int64) for _ in range(4))
    instance_extents(np.ascontiguousarray(instance, np.int32), max_objects, counts, u0, v0,
                     u1, v1)
    boxes = np.stack([u0 - 0.5, v0 - 0.5, u1 + 0.5, v1 + 0.5], axis=1).astype(np.float32)
    boxes[counts == 0] = 0.0
    return boxes, counts
