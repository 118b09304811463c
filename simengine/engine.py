"""The engine: sample ``k`` of a scene as a dict of arrays keyed like the store.

``Engine(scene, seed).sample(k)`` is a pure function of (scene spec, seed, k, engine
version): a fresh physics world, one geometry per capture, every sensor observing with its
own random stream, labels from ground truth.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .geometry.scene_geometry import build_geometry
from .instance import SceneInstance, SensorInstance, sample_instance
from .labels import compute_labels, label_outputs
from .physics.parts import posed_parts
from .physics.world import simulate
from .seeding import STREAM_SENSOR, named_stream, rng_for
from .sensors.base import OutputSpec
from .sensors.camera import Camera
from .sensors.lidar import Lidar
from .spec.loader import load_scene
from .spec.scene import SceneSpec

STAGES = ("physics", "camera", "lidar", "audio", "labels")


class Engine:
    """Renders samples of one scene with one root seed."""

    def __init__(self, scene: SceneSpec | str | Path, seed: int = 0) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.spec = scene if isinstance(scene, SceneSpec) else load_scene(scene)
        self.seed = int(seed)
        self.timings: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self._outputs: dict[str, OutputSpec] | None = None

    # --- layout -------------------------------------------------------------------------
    def _sensor(self, s: SensorInstance):
        n_frames = len(self.spec.schedule.capture_times)
        if s.kind == "camera":
            return Camera(s, n_frames, self.spec.max_objects)
        if s.kind == "lidar":
            return Lidar(s, n_frames, self.spec.max_objects)
        from .sensors.microphone import MicrophoneArray

        return MicrophoneArray(s, self.spec.schedule.duration)

    def outputs(self) -> dict[str, OutputSpec]:
        """Every array of a sample (name → shape, dtype), known before anything renders.

        Shapes never depend on random draws (shape-setting sensor parameters cannot be
        randomised), so the first instance's sensors describe every sample."""
        if self._outputs is None:
            first = sample_instance(self.spec, self.seed, 0)
            out: dict[str, OutputSpec] = {}
            for s in first.sensors:
                prefix = {"camera": "camera", "lidar": "lidar", "microphone": "audio"}[s.kind]
                for key, spec in self._sensor(s).outputs().items():
                    out[f"{prefix}/{s.name}/{key}"] = spec
            out.update(label_outputs(self.spec))
            self._outputs = out
        return self._outputs

    def __len__(self) -> int:  # an engine is an unbounded dataset; len is not defined
        raise TypeError("an Engine has no length; use sample(k) for any k >= 0")

    # --- rendering ----------------------------------------------------------------------
    def instance(self, k: int, attempt: int = 0) -> SceneInstance:
        return sample_instance(self.spec, self.seed, k, attempt)

    def sample(self, k: int) -> dict[str, np.ndarray]:
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
            raise ValueError(f"sample index must be a non-negative integer, got {k!r}")
        k = int(k)
        spec = self.spec
        clock = time.perf_counter()
        instance, result = simulate(lambda a: self.instance(k, a), spec.schedule, spec.world)
        geometries = [build_geometry(posed_parts(instance, snap, result.object_parts,
                                                 result.environment, spec.classes))
                      for snap in result.snapshots]
        clock = self._tick("physics", clock)
        labels = compute_labels(spec, instance, result)
        clock = self._tick("labels", clock)
        objects = {key.split("/", 1)[1]: labels[key] for key in
                   ("objects/count", "objects/position", "objects/orientation", "objects/size",
                    "objects/box_center_local")}
        scene = {"light": instance.light, "background": instance.background,
                 "background_bottom": instance.background_bottom}
        frames = [(g, snap.time) for g, snap in zip(geometries, result.snapshots, strict=True)]
        out: dict[str, np.ndarray] = {}
        for s in instance.sensors:
            sensor = self._sensor(s)
            rng = rng_for(self.seed, k, STREAM_SENSOR, named_stream(s.name))
            if s.kind == "camera":
                data = sensor.observe(frames, objects, scene, rng)
                prefix, stage = "camera", "camera"
            elif s.kind == "lidar":
                data = sensor.observe(geometries, rng)
                prefix, stage = "lidar", "lidar"
            else:
                data = sensor.observe(result.recording, rng)
                prefix, stage = "audio", "audio"
            out.update({f"{prefix}/{s.name}/{key}": v for key, v in data.items()})
            clock = self._tick(stage, clock)
        out.update(labels)
        self._check_layout(out)
        return out

    def _tick(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[stage] += now - since
        return now

    def _check_layout(self, sample: dict[str, np.ndarray]) -> None:
        expected = self.outputs()
        if set(sample) != set(expected):
            raise RuntimeError(f"sample keys differ from the declared layout: "
                               f"{sorted(set(sample) ^ set(expected))}")
        for key, spec in expected.items():
            a = sample[key]
            if a.shape != spec.shape or a.dtype != np.dtype(spec.dtype):
                raise RuntimeError(f"{key}: produced {a.shape} {a.dtype}, declared "
                                   f"{spec.shape} {spec.dtype}")
