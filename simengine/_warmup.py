"""Cold-cache start-up: compile the two largest kernels side by side, on two cores (one of
the process-wide settings, ``simengine.settings``).

After a fresh install the first sample compiles every Numba kernel in one process, one after
the other; two dominate: the camera's tiled renderer ``render_tiles`` (≈ 30 s of CPU on our
2-core VM, with the visibility pass and shadow test it calls; 48 s before its kernel-specialised
rewrite) and the shared ray caster ``cast_kernel`` (≈ 17-22 s; the camera's labels and the
lidar use it). They are independent, so when the on-disk cache
is on and holds no renderer yet, :func:`warm_start` compiles the renderer in a child Python
process (a tiny camera-only render) while this process compiles the caster (a tiny cast);
both land in the cache, and the first real render loads the renderer from it (≈ 1 s).

Nothing happens when the cache is off (a child's work could not be shared), already holds
the renderer, or after the first call in a process; a child that fails to start or to
finish only costs the time it ran: this process then compiles as it always did. The tiny
scene gives the kernels the argument types of every real call (the wrappers fix the dtypes
and layouts), so the cached versions are the ones real samples use.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from . import settings

CHILD_TIMEOUT_S = 600.0
_TINY_SCENE = {
    "name": "warm-up",
    "world": {"ground": {"material": "concrete"}},
    "objects": [{"name": "box", "template": {"shape": "box", "size": [0.2, 0.2, 0.2],
                                             "class": "box"},
                 "position": [0.0, 0.0, 0.1]}],
    "simulation": {"capture_times": [0.05], "duration": 0.05},
    "sensors": [{"name": "cam", "preset": "rgbd_d435_640x480",
                 "overrides": {"width": 16, "height": 12},
                 "pose": {"position": [1.0, 0.0, 0.5], "look_at": [0.0, 0.0, 0.1]}}],
}
_state = {"started": False}  # once per process


def _tiny_frame():
    """(camera, pose, geometry, instance) of the tiny scene's only capture."""
    from .geometry.scene_geometry import build_geometry
    from .instance import sample_instance
    from .physics.parts import posed_parts
    from .physics.world import simulate
    from .sensors.camera.sensor import Camera
    from .spec.loader import scene_from_dict

    # the instance drawn directly, not through an Engine: the engine calls this module
    spec = scene_from_dict(_TINY_SCENE, source="simengine warm-up")
    instance = sample_instance(spec, 0, 0)
    result = simulate(instance, spec.schedule, spec.world)
    geometry = build_geometry(posed_parts(instance, result.snapshots[0], result.object_parts,
                                          result.environment, spec.classes))
    sensor = next(s for s in instance.sensors if s.kind == "camera")
    camera = Camera(sensor, 1, spec.max_objects)
    return camera, camera.pose_at(0.0)[1], geometry, instance


def compile_renderer() -> None:
    """Compile (or load) the camera's renderer: one tiny render (run in the child)."""
    from .sensors.camera.shading import shade_frame

    camera, pose, geometry, instance = _tiny_frame()
    shade_frame(camera.model, pose, geometry, float(camera.params["near"]),
                 float(camera.params["far"]), instance.light, instance.background,
                 instance.background_bottom, np.zeros(camera.height), tone=0.0)


def compile_caster() -> None:
    """Compile (or load) the ray caster: one tiny cast."""
    from .geometry.raycast import cast_rays

    _, pose, geometry, _ = _tiny_frame()
    cast_rays(geometry, pose.position, np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0]]))


def _cached(dispatcher) -> bool:
    """Whether the on-disk cache has an index for ``dispatcher`` (unknown: assume yes)."""
    index = getattr(getattr(getattr(dispatcher, "_cache", None), "_cache_file", None),
                    "_index_path", None)
    return index is None or os.path.exists(index)


def warm_start(spec=None) -> bool:
    """Compile the renderer and the caster in parallel if the cache is on and cold (module
    docstring) and ``spec`` (a ``SceneSpec``; None: any) has a camera; True when it did.
    Cheap after the first call in a process."""
    if _state["started"] or not settings.NUMBA_CACHE:
        return False
    if spec is not None and not any(s.kind == "camera" for s in spec.sensors):
        return False
    _state["started"] = True
    from .sensors.camera._kernels import render_tiles

    if _cached(render_tiles):
        return False
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", "from simengine._warmup import compile_renderer as c; c()"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return False
    try:
        compile_caster()
    finally:
        try:
            child.wait(timeout=CHILD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return True
