"""The engine: sample ``k`` of a scene as a dict of arrays keyed like the store.

``Engine(scene, seed).sample(k)`` is a pure function of (scene spec, seed, k, engine
version): a fresh physics world, one geometry per capture, every sensor observing with its
own random stream, labels from ground truth.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import settings
from ._warmup import warm_start
from .attempts import simulate_sample
from .errors import SpecError
from .geometry.scene_geometry import build_geometry
from .instance import SceneInstance, SensorInstance, sample_instance
from .labels import compute_labels, label_outputs
from .physics.parts import posed_parts
from .seeding import STREAM_SENSOR, named_stream, rng_for
from .sensors.base import Capture, OutputSpec, SampleLayout, Sensor
from .sensors.registry import PREFIXES, sensor_class
from .spec.distributions import to_plain
from .spec.loader import load_scene
from .spec.overrides import (
    OVERRIDES_JSON_CAPACITY,
    apply_overrides,
    encode_overrides,
    plain_overrides,
)
from .spec.scene import SceneSpec

OVERRIDES_OUTPUT = OutputSpec((OVERRIDES_JSON_CAPACITY,), "uint8",
                              doc="scene-parameter overrides in force, UTF-8 JSON, 0-padded")
# time per stage of Engine.sample; a sensor's stage is its key prefix
STAGES = ("physics", *PREFIXES.values(), "labels", "corruptions")


class Engine:
    """Renders samples of one scene with one root seed."""

    def __init__(self, scene: SceneSpec | str | Path, seed: int = 0) -> None:
        settings.apply()  # the Python API's entry point (simengine.settings)
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.spec = scene if isinstance(scene, SceneSpec) else load_scene(scene)
        self.seed = int(seed)
        self.timings: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self._outputs: dict[str, OutputSpec] | None = None
        # Scene-parameter overrides applied to reach ``spec`` (recorded in meta/overrides_json)
        self.overrides: dict[str, Any] = {}

    def with_overrides(self, overrides: Mapping[str, Any]) -> Engine:
        """A new engine (same seed) whose scene has ``overrides`` applied: key paths such as
        ``"objects[0].count"`` or ``"world.light.intensity"`` to plain values, validated like
        a scene file (see ``simengine.spec.overrides``). Overrides accumulate; the record
        lands in each sample's ``meta/overrides_json`` and a store's attributes."""
        engine = Engine(apply_overrides(self.spec, overrides), self.seed)
        engine.overrides = {**self.overrides, **plain_overrides(overrides)}
        return engine

    def with_severity(self, severity: Any, sets: str | list[str] | None = None) -> Engine:
        """Curriculum shorthand: ``with_overrides`` setting ``corruptions[<set>].severity`` of
        the named corruption sets (default: all of the scene's) to ``severity`` (1..5, or a
        ``randint``/``choice`` distribution over 1..5). Recorded like any override."""
        names = [c.name for c in self.spec.corruptions]
        chosen = names if sets is None else [sets] if isinstance(sets, str) else list(sets)
        if not chosen:
            raise SpecError("overrides", "corruptions", "the scene has no corruption sets")
        return self.with_overrides({f"corruptions[{n}].severity": severity for n in chosen})

    # --- layout -------------------------------------------------------------------------
    def _sensor(self, s: SensorInstance) -> Sensor:
        spec = self.spec
        layout = SampleLayout(n_frames=len(spec.schedule.capture_times),
                              max_objects=spec.max_objects, duration=spec.schedule.duration,
                              max_events=spec.schedule.max_events,
                              n_scene_sources=len(spec.audio.sources),
                              physical_light=spec.world.light.sky is not None)
        return sensor_class(s.kind).for_scene(s, layout)

    def outputs(self) -> dict[str, OutputSpec]:
        """Every array of a sample (name → shape, dtype), known before anything renders.

        Shapes never depend on random draws (shape-setting sensor parameters cannot be
        randomised), so the first instance's sensors describe every sample."""
        if self._outputs is None:
            first = sample_instance(self.spec, self.seed, 0)
            out: dict[str, OutputSpec] = {}
            for s in first.sensors:
                sensor = self._sensor(s)
                for key, spec in sensor.outputs().items():
                    out[f"{sensor.prefix}/{s.name}/{key}"] = spec
            out.update(label_outputs(self.spec))
            out["meta/overrides_json"] = OVERRIDES_OUTPUT
            if self.spec.corruptions:
                from .corruptions.apply import corrupted_outputs

                check_corruption_context(self.spec.corruptions, out, self.spec.source,
                                         "corruptions")
                out.update(corrupted_outputs(self.spec.corruptions, out))
            self._outputs = out
        return self._outputs

    def __len__(self) -> int:  # an engine is an unbounded dataset; len is not defined
        raise TypeError("an Engine has no length; use sample(k) for any k >= 0")

    def __bool__(self) -> bool:  # without this, `engine or default` would call __len__
        return True

    # --- rendering ----------------------------------------------------------------------
    def instance(self, k: int, attempt: int = 0) -> SceneInstance:
        return sample_instance(self.spec, self.seed, k, attempt)

    def sample(self, k: int) -> dict[str, np.ndarray]:
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
            raise ValueError(f"sample index must be a non-negative integer, got {k!r}")
        k = int(k)
        spec = self.spec
        warm_start(spec)  # a cold Numba cache: compile the two big kernels side by side
        clock = time.perf_counter()
        instance, result = simulate_sample(spec, self.seed, k)
        geometries = [build_geometry(posed_parts(instance, snap, result.object_parts,
                                                 result.environment, spec.classes),
                                     spec.parts)
                      for snap in result.snapshots]
        clock = self._tick("physics", clock)
        labels = compute_labels(spec, instance, result)
        clock = self._tick("labels", clock)
        objects = {key.split("/", 1)[1]: labels[key] for key in
                   ("objects/count", "objects/position", "objects/orientation", "objects/size",
                    "objects/box_center_local")}
        capture = Capture(
            frames=[(g, snap.time) for g, snap in zip(geometries, result.snapshots, strict=True)],
            objects=objects,
            scene={"light": instance.light, "background": instance.background,
                   "background_bottom": instance.background_bottom},
            recording=result.recording, instance=instance, classes=spec.classes)
        out: dict[str, np.ndarray] = {}
        for s in instance.sensors:
            sensor = self._sensor(s)
            rng = rng_for(self.seed, k, STREAM_SENSOR, named_stream(s.name))
            data = sensor.observe(capture, rng)
            out.update({f"{sensor.prefix}/{s.name}/{key}": v for key, v in data.items()})
            clock = self._tick(sensor.prefix, clock)
        out.update(labels)
        out["meta/overrides_json"] = encode_overrides(self.overrides)
        if self.spec.corruptions:
            from .corruptions.apply import corrupt_sample

            times = self.spec.schedule.capture_times
            interval = float(times[1] - times[0]) if len(times) > 1 else 0.0
            out.update(corrupt_sample(self.spec.corruptions, out, self.outputs(), self.seed, k,
                                      interval, signal_rates(self.spec)))
            clock = self._tick("corruptions", clock)
        self._check_layout(out)
        return out

    def audio(self, k: int) -> dict[str, np.ndarray]:
        """Sample ``k``'s microphone-array outputs alone (``audio/...``), byte-identical to
        :meth:`sample`'s: the same physics and random streams, without building the scene
        geometry or running the camera, lidar, labels and corruptions (for quick work on
        sound: levels, spectrograms)."""
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
            raise ValueError(f"sample index must be a non-negative integer, got {k!r}")
        k = int(k)
        instance, result = simulate_sample(self.spec, self.seed, k)
        capture = Capture(recording=result.recording, instance=instance,
                          classes=self.spec.classes)
        out: dict[str, np.ndarray] = {}
        for s in instance.sensors:
            if s.kind != "microphone":
                continue
            sensor = self._sensor(s)
            rng = rng_for(self.seed, k, STREAM_SENSOR, named_stream(s.name))
            out.update({f"{sensor.prefix}/{s.name}/{key}": v
                        for key, v in sensor.observe(capture, rng).items()})
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


def signal_rates(spec: SceneSpec) -> dict[str, float]:
    """Sample rate of each sensor of a scene that records a signal in time (a microphone
    array), by head (``<prefix>/<name>``); the rate cannot be randomised, so the spec's
    value is every sample's."""
    rates = {}
    for s in spec.sensors:
        sensor = sensor_class(s.kind)
        rate = sensor.signal_rate({k: to_plain(v) for k, v in s.params.items()})
        if rate is not None:
            rates[f"{sensor.prefix}/{s.name}"] = rate
    return rates


def check_corruption_context(sets, clean, file: str, path: str) -> None:
    """Refuse a corruption set whose corruption needs what a targeted sensor does not output
    (SpecError at ``file``: ``path[i].corruptions[j]``)."""
    from .corruptions.apply import missing_context

    for i, cset in enumerate(sets):
        found = missing_context(cset, clean)
        if found is not None:
            j, head, missing = found
            hint = (" (optical flow: output_flow and two or more capture times)"
                    if "flow" in missing else "")
            raise SpecError(file, f"{path}[{i}].corruptions[{j}]",
                            f"expected a corruption the sensors can feed: "
                            f"{cset.corruptions[j]} needs {', '.join(missing)} from {head}, "
                            f"which does not output it{hint}")
