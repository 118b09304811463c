"""Section 2b, camera quality presets (issue 20): the shipped ``street`` and ``kitchen`` scenes
at 640 x 480 rendered by ``draft`` and ``standard`` (rgb + depth + masks, as TinyRenderer
gives them) against TinyRenderer with shadows, and Mitsuba 3 (optional: ``pip install
mitsuba``) rendering the same frame to the same noise as ``standard`` as a second anchor.

``standard``'s noise is measured against ``high`` (16 samples, 2 occlusion rays a sample):
the relative RMS difference of luminance on pixels away from edges. Mitsuba renders the
frame's geometry and camera (``tests/reference/mitsuba_scene.py``: diffuse surfaces, the sun
as a directional light of the same illuminance, the sky as a uniform radiance of the sky's
mean, direct light only) at the spp that reaches that noise (``time_to_noise``).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable

import numpy as np

from simengine.sensors.camera.effects import develop
from simengine.sensors.camera.lighting import REC709_Y, scene_lighting
from simengine.sensors.camera.pbr import edge_pixels, render_pbr
from simengine.sensors.camera.quality import resolve
from simengine.sensors.camera.sampling import subpixel_offsets
from simengine.sensors.camera.sensor import Camera
from simengine.sensors.camera.shading import shade_frame

from .settings import ROOT
from .snapshot import Snapshot


def with_quality(camera: Camera, quality: str) -> Camera:
    params = {**camera.params, "quality": quality}
    sensor = dataclasses.replace(camera.sensor, params=params)
    return Camera(sensor, 1, camera.max_objects, physical_light=bool(camera.response))


def pbr_core(camera: Camera, snap: Snapshot) -> Callable[[], dict[str, np.ndarray]]:
    """rgb + depth + masks of the physically based pass: the labels' centre render (no
    shadow rays), ``render_pbr`` with the camera's preset, the camera response."""
    inst = snap.instance
    scene = {"light": inst.light, "background": inst.background,
             "background_bottom": inst.background_bottom}
    lighting = scene_lighting(scene)
    q = resolve(camera.params)
    _, pose = camera.pose_at(0.0)
    zero_t = np.zeros(camera.height)
    near, far = float(camera.params["near"]), float(camera.params["far"])
    flat = {"direction": inst.light["direction"], "ambient": 0.0, "intensity": 0.0,
            "shadows": False}
    spp = q.samples_per_pixel
    samples = [(0.0, p) for p in subpixel_offsets(spp)] if spp > 1 else [(0.0, (0.0, 0.0))]
    params = {**camera.response, "gamma": "srgb"}

    def run() -> dict[str, np.ndarray]:
        centre = shade_frame(camera.model, pose, snap.geometry, near, far, flat,
                             inst.background, inst.background_bottom, zero_t,
                             normals=bool(q.ao_filter_px), distances=False)
        linear, _ = render_pbr(camera.model, pose, snap.geometry, near, far, lighting, zero_t,
                               samples, centre, ao_rays=q.ao_rays,
                               ao_radius=float(camera.params["ao_radius_m"]),
                               ao_filter_px=q.ao_filter_px)
        rgb, _ = develop(linear, camera.K, params, np.random.default_rng(0))
        return {"rgb": rgb[None], "depth": centre.depth[None],
                "instance": centre.instance[None], "linear": linear, "centre": centre}

    return run


def relative_noise(image: np.ndarray, reference: np.ndarray, mask: np.ndarray) -> float:
    y, r = image @ REC709_Y, reference @ REC709_Y
    return float(np.sqrt(np.mean((y - r)[mask] ** 2)) / np.mean(r[mask]))


def mitsuba_anchor(camera: Camera, snap: Snapshot, standard: dict, max_spp: int
                   ) -> tuple[float, str]:
    """Mitsuba's time (ms) for the frame at the noise of ``standard`` (its output), or NaN
    with the reason. Mitsuba renders at most ``max_spp``; when that leaves it noisier, its
    time is extrapolated by the 1/√spp law (time ∝ spp ∝ noise⁻²) and the note says so."""
    try:
        sys.path.insert(0, str(ROOT))
        from tests.reference import mitsuba_scene as ms
    except ImportError as exc:  # mitsuba is optional here (the test extra has it)
        return float("nan"), f"Mitsuba not run: {exc}"
    high = pbr_core(with_quality(camera, "high"), snap)()
    mask = ~edge_pixels(standard["centre"]) & (standard["centre"].depth > 0)
    noise = relative_noise(standard["linear"], high["linear"], mask)
    inst = snap.instance
    lighting = scene_lighting({"light": inst.light, "background": inst.background,
                               "background_bottom": inst.background_bottom})
    sky = float(np.mean(lighting.env_light[: lighting.env_light.shape[0] // 2] @ REC709_Y))
    sun = float(lighting.sun_rgb @ REC709_Y)
    _, pose = camera.pose_at(0.0)
    # (plain colours: the export leaves out our procedural solid textures; the time to a
    # noise level hardly depends on them)
    plain = dataclasses.replace(snap.geometry,
                                texture_kind=np.zeros_like(snap.geometry.texture_kind))
    scene = ms.sky_sun_scene(plain, camera.model, pose.R_world_cam, pose.position,
                             -lighting.sun_dir, sun, sky, spp=4)
    timing = ms.time_to_noise(scene, noise, mask=mask, max_spp=max_spp)
    scale = max(timing.rel_noise / noise, 1.0) ** 2
    how = (f"measured {timing.seconds:.1f} s at {timing.spp} spp, noise "
           f"{100 * timing.rel_noise:.1f} %, extrapolated to" if scale > 1.0 else
           f"{timing.spp} spp reach")
    return 1000 * timing.seconds * scale, (f"Mitsuba path (direct light, sun + uniform sky): "
                                           f"{how} standard's noise {100 * noise:.2f} % "
                                           f"(standard against high)")
