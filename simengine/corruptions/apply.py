"""Corrupted variants of a sample, from the scene's corruption sets.

Layout, per set ``<set>`` and slot ``<s>`` (0 .. slots − 1, see
:class:`~simengine.spec.corruptions.CorruptionSetSpec`):

- ``corrupted/<set>/<s>/<sensor key>``: the corrupted copy of every array a listed
  corruption may change (camera ``rgb``; lidar ``range``, ``intensity``, ``xyz``; audio
  ``waveform``), same shape and dtype as the clean one. A target the slot's corruption does
  not touch holds the clean data, so a variant is always a whole multi-sensor sample.
- ``corrupted/<set>/<s>/<sensor key>_mask``: True where the corruption removed or replaced
  data (per pixel, per beam or per audio sample).
- ``corrupted/<set>/<s>/applied`` (n,) bool and ``severity`` (n,) int8 (0 = not applied),
  n = the set's listed corruptions, in the listed order.
- ``corrupted/<set>/<s>/params_json``: the exact parameters drawn, as UTF-8 JSON
  ``{corruption: {sensor key: [params per frame]}}``, zero-padded. A rain or snow
  corruption (``precipitation``) in a scene with a closed room is not applied (applied
  False, severity 0, the data clean) and labelled ``{"not_applied": why,
  "severity_drawn": s}`` (``scene_light``).

Randomness: the slot's choice and severities come from the stream
(seed, k, STREAM_CORRUPTION, set, slot); each application from its own stream that adds
the corruption, the sensor key and the frame, so adding a sensor or a set never changes
another's draws. The clean arrays are only read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..instance.draw import draw
from ..json_buffer import json_bytes, padded
from ..seeding import STREAM_CORRUPTION, named_stream, rng_for
from ..sensors.base import OutputSpec, Sensor
from ..sensors.registry import KINDS, sensor_class, sensor_class_of_prefix
from . import registry
from .scene_light import SHELTERED, airlight_for, scene_of, sheltered
from .sun import sun_in_frame

if TYPE_CHECKING:  # annotations only
    from ..spec.corruptions import CorruptionSetSpec

PARAMS_JSON_BYTES = 16384


def target_keys(cset: CorruptionSetSpec, clean: Mapping[str, OutputSpec]) -> list[str]:
    """The clean keys a set's corruptions may change, in a fixed order (sensor kinds in
    registry order, then keys sorted). A sensor's corruptions change its ``signals``;
    cross-sensor corruptions may change every sensor's signals and its recorded ``pose``."""
    modalities = {cset.corruption(c).modality for c in cset.corruptions}
    cross = "cross" in modalities
    keys = []
    for kind in KINDS:
        sensor = sensor_class(kind)
        if not cross and sensor.prefix not in modalities:
            continue
        names = (*sensor.signals, *((sensor.pose,) if cross and sensor.pose else ()))
        for key in sorted(clean):
            parts = key.split("/")
            if (len(parts) == 3 and parts[0] == sensor.prefix and parts[2] in names
                    and (cset.sensors is None or parts[1] in cset.sensors)):
                keys.append(key)
    return keys


def sensor_of(head: str) -> type[Sensor]:
    """The model class of a sensor head (``<prefix>/<name>``)."""
    return sensor_class_of_prefix(head.split("/", 1)[0])


def _mask_key(head: str) -> str:
    return f"{head}/{sensor_of(head).mask_of}"


def missing_context(cset: CorruptionSetSpec, clean: Mapping[str, Any]
                    ) -> tuple[int, str, list[str]] | None:
    """The first listed corruption of ``cset`` that needs context a targeted sensor does not
    give (e.g. ``velocity_motion_blur``'s optical flow from a camera without ``flow``), as
    (listed index, sensor head, missing keys); None when every need is met. ``clean``: the
    clean array names (values unused)."""
    targets = target_keys(cset, clean)
    for i, name in enumerate(cset.corruptions):
        corruption = cset.corruption(name)
        if corruption.modality == "cross":
            continue
        sensor = sensor_class_of_prefix(corruption.modality)
        for head in sorted({k.rsplit("/", 1)[0] for k in targets
                            if k.startswith(sensor.prefix + "/")}):
            given = {n for n in (*sensor.context_fixed, *sensor.context_per_capture)
                     if f"{head}/{n}" in clean} | set(sensor.context_extras)
            missing = sorted(corruption.needs - given)
            if missing:
                return i, head, missing
    return None


def corrupted_outputs(sets: tuple[CorruptionSetSpec, ...], clean: Mapping[str, OutputSpec]
                      ) -> dict[str, OutputSpec]:
    out: dict[str, OutputSpec] = {}
    for cset in sets:
        targets = target_keys(cset, clean)
        masked = {_mask_key(k.rsplit("/", 1)[0]) for k in targets}
        for s in range(cset.slots):
            base = f"corrupted/{cset.name}/{s}"
            for key in targets:
                out[f"{base}/{key}"] = clean[key]
            for key in sorted(masked):
                if key in clean:
                    out[f"{base}/{key}_mask"] = sensor_of(key.rsplit("/", 1)[0]
                                                           ).mask_spec(clean[key])
            n = len(cset.corruptions)
            out[f"{base}/applied"] = OutputSpec((n,), "bool")
            out[f"{base}/severity"] = OutputSpec(
                (n,), "int8", doc=f"1..{cset.severities}, 0 = not applied")
            out[f"{base}/params_json"] = OutputSpec((PARAMS_JSON_BYTES,), "uint8",
                                                    doc="UTF-8 JSON, zero-padded")
    return out


def choose(cset: CorruptionSetSpec, rng: np.random.Generator) -> list[list[tuple[int, int]]]:
    """Per slot, the (listed index, severity) pairs to apply in order."""
    n = len(cset.corruptions)
    if cset.policy == "grid":  # no draws: every corruption at every severity
        return [[(i, severity)] for i in range(n) for severity in range(1, cset.severities + 1)]
    if cset.policy == "all":
        picks = [[i] for i in range(n)]
    elif cset.policy == "compound":
        picks = [list(range(n))]
    else:
        k = 1 if cset.policy == "one" else cset.k
        picks = [[int(i)] for i in rng.choice(n, size=k, replace=False)]
    return [[(i, int(draw(cset.severity, rng))) for i in slot] for slot in picks]


def corrupt_sample(sets: tuple[CorruptionSetSpec, ...], sample: Mapping[str, np.ndarray],
                   clean_specs: Mapping[str, OutputSpec], seed: int, k: int,
                   frame_interval_s: float, rates: Mapping[str, float] | None = None
                   ) -> dict[str, np.ndarray]:
    """Every corrupted array of one sample (keys as :func:`corrupted_outputs`);
    ``rates``: the microphone arrays' sample rates by head (``engine.signal_rates``)."""
    rates = {} if rates is None else rates
    out: dict[str, np.ndarray] = {}
    closed = sheltered(scene_of(sample))
    for cset in sets:
        set_stream = named_stream(cset.name)
        choice_rng = rng_for(seed, k, STREAM_CORRUPTION, set_stream)
        targets = target_keys(cset, clean_specs)
        for s, slot in enumerate(choose(cset, choice_rng)):
            base = f"corrupted/{cset.name}/{s}"
            data = {key: np.array(sample[key]) for key in targets}
            masks = {key: np.zeros(spec.shape, bool) for key, spec in
                     corrupted_outputs((cset,), clean_specs).items()
                     if key.startswith(base + "/") and key.endswith("_mask")}
            applied = np.zeros(len(cset.corruptions), bool)
            severity = np.zeros(len(cset.corruptions), np.int8)
            params: dict[str, Any] = {}
            for index, sev in slot:
                name = cset.corruptions[index]
                corruption = cset.corruption(name)
                if corruption.precipitation and closed:
                    params[name] = {"not_applied": SHELTERED, "severity_drawn": sev}
                    continue  # its own stream stays unused: no other draw moves
                streams = (seed, k, STREAM_CORRUPTION, set_stream, s, named_stream(name))
                params[name] = _apply(corruption, sev, data, masks, base, sample, targets,
                                      streams, frame_interval_s, rates)
                applied[index], severity[index] = True, sev
            for key in targets:
                out[f"{base}/{key}"] = data[key]
            out.update(masks)
            out[f"{base}/applied"] = applied
            out[f"{base}/severity"] = severity
            out[f"{base}/params_json"] = encode_json(params, PARAMS_JSON_BYTES)
    return out


def _apply(corruption: registry.Corruption, severity: int, data: dict[str, np.ndarray],
           masks: dict[str, np.ndarray], base: str, sample: Mapping[str, np.ndarray],
           targets: list[str], streams: tuple[int, ...], frame_interval_s: float,
           rates: Mapping[str, float]) -> dict[str, list[dict[str, float]]]:
    """Apply one corruption to every target of its modality, frame by frame, in place in
    ``data``/``masks`` (the working copies); returns the drawn parameters."""
    if corruption.modality == "cross":
        return _apply_cross(corruption, severity, data, masks, base, sample, targets, streams,
                            frame_interval_s, rates)
    sensor = sensor_class_of_prefix(corruption.modality)
    heads = sorted({key.rsplit("/", 1)[0] for key in targets
                    if key.startswith(sensor.prefix + "/")})
    drawn: dict[str, list[dict[str, float]]] = {}
    for head in heads:
        drawn[head] = []
        for f in range(captures(sensor, data, head)):
            rng = rng_for(*streams, named_stream(head), f)
            context = context_for(sample, head, f, frame_interval_s, rates)
            result = corruption(capture_signal(sensor, data, head, f), severity, rng, context)
            _store(result, sensor, data, masks, base, head, f)
            drawn[head].append(dict(result.params))
    return drawn


def captures(sensor: type[Sensor], arrays: Mapping[str, np.ndarray], head: str) -> int:
    return len(arrays[f"{head}/{sensor.signals[0]}"]) if sensor.framed else 1


def capture_signal(sensor: type[Sensor], data: Mapping[str, np.ndarray], head: str, f: int):
    """What one corruption call gets of capture ``f``: the signal array, or a mapping of
    the signal arrays for a sensor with several."""
    arrays = {n: data[f"{head}/{n}"] for n in sensor.signals if f"{head}/{n}" in data}
    if sensor.framed:
        arrays = {n: a[f] for n, a in arrays.items()}
    return arrays if len(sensor.signals) > 1 else arrays[sensor.signals[0]]


def _apply_cross(corruption: registry.Corruption, severity: int, data: dict[str, np.ndarray],
                 masks: dict[str, np.ndarray], base: str, sample: Mapping[str, np.ndarray],
                 targets: list[str], streams: tuple[int, ...], frame_interval_s: float,
                 rates: Mapping[str, float]) -> dict[str, list[dict[str, float]]]:
    """One draw over the whole rig: the corruption sees every target array at once."""
    heads = sorted({k.rsplit("/", 1)[0] for k in targets})
    mask_keys = {h: f"{base}/{_mask_key(h)}_mask" for h in heads}
    context = rig_context(sample, {h: masks[mask_keys[h]].shape for h in heads},
                          frame_interval_s, rates)
    rng = rng_for(*streams, named_stream("rig"), 0)
    result = corruption({k: data[k] for k in targets}, severity, rng, context)
    for key, value in result.data.items():
        data[key][...] = value
    for head, mask in (result.mask or {}).items():
        masks[mask_keys[head]] |= mask
    return {"rig": [dict(result.params)]}


def rig_context(sample: Mapping[str, np.ndarray], mask_shapes: Mapping[str, tuple],
                frame_interval_s: float, rates: Mapping[str, float]) -> dict[str, Any]:
    """The context of a cross-sensor corruption over the sensor heads of ``mask_shapes``:
    each sensor's own per-capture contexts (one for a recording, which has no frames)."""
    heads = sorted(mask_shapes)

    return {
        "mask_shapes": dict(mask_shapes),
        "frame_interval_s": frame_interval_s,
        "flows": {h: sample[f"{h}/flow"] for h in heads if f"{h}/flow" in sample},
        "sample_rates": {h: rates[h] for h in heads if h in rates},
        "sensor_contexts": {h: [context_for(sample, h, f, frame_interval_s, rates)
                                for f in range(captures(sensor_of(h), sample, h))]
                            for h in heads},
    }


def context_for(sample: Mapping[str, np.ndarray], head: str, f: int,
                frame_interval_s: float, rates: Mapping[str, float] | None = None
                ) -> dict[str, Any]:
    """What a corruption of sensor ``head`` (e.g. ``camera/front``) at capture ``f`` may
    use, taken from the clean sample (see ``registry.CONTEXT_KEYS``): the sensor's context
    arrays that the sample holds, and its extras."""
    sensor = sensor_of(head)
    ctx: dict[str, Any] = {}
    for name in sensor.context_per_capture:
        if f"{head}/{name}" in sample:
            ctx[name] = sample[f"{head}/{name}"][f]
    for name in sensor.context_fixed:
        if f"{head}/{name}" in sample:
            ctx[name] = sample[f"{head}/{name}"]
    extras = {"frame_interval_s": lambda: frame_interval_s,
              "airlight": lambda: airlight_for(sample, head, f),
              "sample_rate": lambda: (rates or {}).get(head),
              "sun_direction": lambda: sun_in_frame(sample, f"{head}/{sensor.pose}", f)}
    for name in sensor.context_extras:
        value = extras[name]()
        if value is not None:
            ctx[name] = value
    return ctx


def _store(result: registry.Result, sensor: type[Sensor], data: dict[str, np.ndarray],
           masks: dict[str, np.ndarray], base: str, head: str, f: int) -> None:
    """Write a corruption's result for capture ``f`` back into the working copies."""
    changed = result.data if isinstance(result.data, Mapping) else {sensor.signals[0]:
                                                                    result.data}
    for name, value in changed.items():
        target = data[f"{head}/{name}"]
        if sensor.framed:
            target[f] = value
        else:
            target[...] = value
    if result.mask is not None:
        mask = masks[f"{base}/{head}/{sensor.mask_of}_mask"]
        (mask[f] if sensor.framed else mask)[...] |= result.mask  # compound sets accumulate


def encode_json(value: Any, capacity: int) -> np.ndarray:
    raw = json_bytes(value)
    if len(raw) > capacity:
        raise ValueError(f"corruption parameters take {len(raw)} bytes, more than the "
                         f"{capacity} reserved")
    return padded(raw, capacity)
