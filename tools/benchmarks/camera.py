"""Section 2, camera: ``Camera.observe`` (rgb, depth, masks, boxes) against PyBullet's
TinyRenderer (``getCameraImage``: rgb, depth, segmentation) on the same geometry, for one
snapshot of the scene, of the shipped ``street`` and ``kitchen`` scenes at 640 x 480 (the
mesh-heavy scenes of issue 20), and for a 20-primitive scene."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

import simengine
from simengine._pybullet import pybullet as p  # PyBullet without its banner
from simengine.geometry.scene_geometry import MESH
from simengine.instance import SensorInstance
from simengine.sensors.base import Capture
from simengine.sensors.camera.lighting import draft_scene, scene_lighting
from simengine.sensors.camera.sensor import Camera
from simengine.sensors.camera.shading import shade_frame

from .end_to_end import EndToEnd
from .quality import mitsuba_anchor, pbr_core, with_quality
from .settings import SCENES, Settings
from .snapshot import PyBulletTwin, Snapshot, matches_sample, snapshot
from .table import Row, median_seconds_pair, print_table


def resized(sensor: SensorInstance, width: int, height: int) -> SensorInstance:
    """The same camera at another resolution (same field of view)."""
    params = dict(sensor.params)
    scale = width / params["width"]
    for key in ("fx", "fy", "cx", "cy"):
        if params.get(key) is not None:
            params[key] = params[key] * scale
    params["width"], params["height"] = width, height
    return dataclasses.replace(sensor, params=params)


def gl_matrices(camera: Camera) -> tuple[list[float], list[float]]:
    """TinyRenderer view and projection (column-major) whose pixel (u, v) is our pixel (u, v).

    docs/references.md#pybullet-reference: P[0,2] = 1 - 2 cx / W, P[1,2] = 2 (cy + 1) / H - 1
    (TinyRenderer samples pixel corners of a row-flipped framebuffer);
    view = diag(1, -1, -1, 1) inv(T_world_cam).
    """
    W, H = camera.width, camera.height
    fx, fy, cx, cy = camera.K[0, 0], camera.K[1, 1], camera.K[0, 2], camera.K[1, 2]
    near, far = float(camera.params["near"]), float(camera.params["far"])
    P = np.zeros((4, 4))
    P[0, 0], P[0, 2] = 2 * fx / W, 1 - 2 * cx / W
    P[1, 1], P[1, 2] = 2 * fy / H, 2 * (cy + 1) / H - 1
    P[2, 2], P[2, 3] = -(far + near) / (far - near), -2 * far * near / (far - near)
    P[3, 2] = -1.0
    view = np.diag([1.0, -1.0, -1.0, 1.0]) @ np.linalg.inv(camera.T_world_cam)
    return view.flatten(order="F").tolist(), P.flatten(order="F").tolist()


def tiny_render(twin: PyBulletTwin, camera: Camera, view: list[float], proj: list[float],
                light: dict | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """getCameraImage with TinyRenderer; with ``light`` (our scene light) it also renders
    hard shadows (its shadow map) from the same direction, as our image has them."""
    W, H = camera.width, camera.height
    # shadow given every time: PyBullet keeps the last call's setting when it is left out
    shadow = {"shadow": 0} if light is None else {
        "shadow": 1, "lightDirection": [-float(x) for x in light["direction"]]}
    _, _, rgba, depth, seg = p.getCameraImage(W, H, viewMatrix=view, projectionMatrix=proj,
                                              renderer=p.ER_TINY_RENDERER,
                                              physicsClientId=twin.client, **shadow)
    return (np.reshape(rgba, (H, W, 4)), np.reshape(depth, (H, W)),
            np.reshape(seg, (H, W)))


def camera_agreement(ours: dict[str, np.ndarray], tiny_depth: np.ndarray, tiny_seg: np.ndarray,
                     twin: PyBulletTwin, camera: Camera) -> str:
    near, far = float(camera.params["near"]), float(camera.params["far"])
    lut = twin.instance_lut()
    tiny_instance = lut[np.where(tiny_seg >= 0, tiny_seg, -1)]
    tiny_hit = tiny_seg >= 0
    tiny_z = far * near / (far - (far - near) * tiny_depth.astype(np.float64))
    our_hit = ours["depth"][0] > 0
    both = our_hit & tiny_hit
    same_mask = float(np.mean(ours["instance"][0] == tiny_instance))
    dz = np.abs(ours["depth"][0][both] - tiny_z[both])
    median_dz = 1000 * float(np.median(dz)) if dz.size else float("nan")
    return f"instance mask agrees {100 * same_mask:.1f} %, depth |dz| median {median_dz:.2f} mm"


def camera_core(camera: Camera, snap: Snapshot, shadows: bool = True
                ) -> Callable[[], dict[str, np.ndarray]]:
    """rgb + depth + masks, as TinyRenderer gives them: the tiled render (shadow rays as
    the scene asks, or none) with the sRGB tone curve quantised in the kernel, as
    ``Camera.observe`` renders when no image effect is on (the same 8-bit codes as the
    separate image pipeline), without normals, ray distances (range, flow) and the
    per-object labels, none of which the scene asks for here."""
    inst = snap.instance
    scene = {"light": inst.light, "background": inst.background,
             "background_bottom": inst.background_bottom}
    lighting = scene_lighting(scene)
    if lighting.physical:  # the draft preset's approximation of a physical light, in cd/m²
        scene = draft_scene(lighting)
    light = {**scene["light"], "shadows": bool(inst.light["shadows"]) and shadows}
    _, pose = camera.pose_at(0.0)
    zero_t = np.zeros(camera.height)
    near, far = float(camera.params["near"]), float(camera.params["far"])

    def run() -> dict[str, np.ndarray]:
        res = shade_frame(camera.model, pose, snap.geometry, near, far, light,
                           scene["background"], scene["background_bottom"], zero_t, tone=0.0,
                           normals=False, distances=False)
        return {"rgb": res.rgb[None], "depth": res.depth[None], "instance": res.instance[None]}

    return run


def camera_full(camera: Camera, snap: Snapshot) -> Callable[[], dict[str, np.ndarray]]:
    """Camera.observe: every output and label of one capture."""
    F = 1
    objects = {"count": np.array(len(snap.instance.objects)),
               "position": np.zeros((F, snap.spec.max_objects, 3)),
               "orientation": np.tile([0.0, 0.0, 0.0, 1.0], (F, snap.spec.max_objects, 1)),
               "size": np.zeros((snap.spec.max_objects, 3), np.float32),
               "box_center_local": np.zeros((snap.spec.max_objects, 3), np.float32)}
    for o in snap.instance.objects:
        objects["position"][0, o.index] = o.position
        objects["orientation"][0, o.index] = o.orientation
        objects["size"][o.index] = o.size
        objects["box_center_local"][o.index] = o.center
    scene = {"light": snap.instance.light, "background": snap.instance.background,
             "background_bottom": snap.instance.background_bottom}
    rng = np.random.default_rng(0)
    capture = Capture(frames=[(snap.geometry, 0.0)], objects=objects, scene=scene)
    return lambda: camera.observe(capture, rng)


def time_camera(label: str, snap: Snapshot, sensor: SensorInstance, repeat: int,
                qualities: bool = False, mitsuba_spp: int = 256) -> list[Row]:
    """Draft rows (shadows, no shadows, every output) against TinyRenderer; with
    ``qualities`` also the ``standard`` preset (rgb + depth + masks) and, unless
    ``mitsuba_spp`` is 0 (``--quick``), Mitsuba's time for the same frame at standard's noise
    (tools/benchmarks/quality.py)."""
    camera = Camera(sensor, 1, snap.spec.max_objects,
                    physical_light=snap.spec.world.light.sky is not None)
    core, flat = camera_core(camera, snap), camera_core(camera, snap, shadows=False)
    full = camera_full(camera, snap)
    out = core()
    flat()
    full()
    view, proj = gl_matrices(camera)
    size = f"{camera.width}x{camera.height}"
    light = snap.instance.light if snap.instance.light["shadows"] else None
    with PyBulletTwin(snap.parts) as twin:
        def tiny():
            return tiny_render(twin, camera, view, proj, light)

        def tiny_flat():
            return tiny_render(twin, camera, view, proj)

        ours, base = median_seconds_pair(core, tiny, repeat)
        ours_flat, base_flat = median_seconds_pair(flat, tiny_flat, repeat)
        ours_full, base_full = median_seconds_pair(full, tiny, repeat)
        _, depth, seg = tiny_flat()
        agreement = camera_agreement(out, depth, seg, twin, camera)
        extra = []
        if qualities:
            standard = pbr_core(with_quality(camera, "standard"), snap)
            out_std = standard()
            ours_std, base_std = median_seconds_pair(standard, tiny, repeat)
            extra.append(Row(f"{label} {size} standard (4 spp, soft shadows, AO, maps)",
                             1000 * ours_std, 1000 * base_std,
                             camera_agreement(out_std, depth, seg, twin, camera)))
            # (the export has no lamps, and a room shuts out its uniform sky: outdoors only)
            if mitsuba_spp and snap.spec.world.room is None and not len(snap.instance.light.get(
                    "lamps") or ()):
                mitsuba_ms, note = mitsuba_anchor(camera, snap, out_std, mitsuba_spp)
                extra.append(Row(f"{label} {size} standard vs Mitsuba 3 at the same noise",
                                 1000 * ours_std, mitsuba_ms, note))
    shade = "shadows" if light is not None else "no shadows (scene)"
    return [Row(f"{label} {size} rgb+depth+masks, {shade}", 1000 * ours, 1000 * base,
                agreement),
            Row(f"{label} {size} rgb+depth+masks, no shadows", 1000 * ours_flat,
                1000 * base_flat, "both without shadows"),
            Row(f"{label} {size} all outputs+labels, {shade}", 1000 * ours_full,
                1000 * base_full, "adds normals, 2D/amodal/3D boxes, visibility, poses"),
            *extra]


# the issue-20 target scenes: mesh-heavy, rendered at 640 x 480 whatever the preset says
MESH_SCENES = ("street", "kitchen")
MESH_SCENE_SIZE = (640, 480)


def shipped_scene_rows(cfg: Settings) -> tuple[list[Row], list[str]]:
    """Camera rows for the shipped ``street`` and ``kitchen`` scenes (their first camera,
    sample 0's snapshot) at 640 x 480, against TinyRenderer with shadows in both."""
    rows, notes = [], []
    for name in MESH_SCENES:
        snap = snapshot(simengine.Engine(SCENES / f"{name}.yaml", cfg.seed), 0)
        sensor = next(s for s in snap.instance.sensors if s.kind == "camera")
        rows += time_camera(f"{name} '{sensor.name}'", snap, resized(sensor, *MESH_SCENE_SIZE),
                            cfg.repeat, qualities=True, mitsuba_spp=0 if cfg.quick else 256)
        g = snap.geometry
        mesh = g.kind == MESH
        notes.append(f"{name}: sample 0, {len(snap.parts)} parts ({int(mesh.sum())} meshes, "
                     f"{int(g.mesh_tri_count[mesh].sum())} triangles), shadows "
                     f"{'on' if snap.instance.light['shadows'] else 'OFF (scene)'}")
    return rows, notes


def bench_camera(e2e: EndToEnd, prims: Snapshot, cfg: Settings) -> None:
    snap = snapshot(e2e.engine, 0)
    rows, scene_notes = shipped_scene_rows(cfg)
    for sensor in snap.instance.sensors:
        if sensor.kind != "camera":
            continue
        w, h = cfg.scene_camera_size or (sensor.params["width"], sensor.params["height"])
        rows += time_camera(f"{snap.spec.name} '{sensor.name}'", snap,
                            resized(sensor, w, h), cfg.repeat)
    cam = next(s for s in prims.instance.sensors if s.kind == "camera")
    for w, h in cfg.camera_sizes:
        rows += time_camera("20 primitives", prims, resized(cam, w, h), cfg.repeat)
    same = matches_sample(snap, e2e.first_sample)
    notes = ["ours rgb+depth+masks: tiled render with shadows and textures + image pipeline "
             "(sRGB); all outputs+labels: Camera.observe, one frame",
             "baseline: getCameraImage(ER_TINY_RENDERER) in a DIRECT client holding the same "
             "parts (rgba + depth + segmentation); in the rows with shadows, shadow=1 with "
             "lightDirection towards our light (its shadow map), like for like with our "
             "shadow rays",
             f"median of {cfg.repeat}; {snap.spec.name}: snapshot of sample 0 "
             f"({len(snap.parts)} parts), decoded instance matches the engine's sample: "
             f"{'yes' if same else 'NO'}",
             "TinyRenderer tessellates spheres and cylinders: masks differ at their rims",
             *scene_notes]
    print_table("2. Camera vs PyBullet TinyRenderer (same geometry)", rows, notes)
