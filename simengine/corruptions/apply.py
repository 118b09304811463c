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

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..instance.draw import draw
from ..seeding import STREAM_CORRUPTION, named_stream, rng_for
from ..sensors.base import OutputSpec
from ..spec.corruptions import CorruptionSetSpec
from . import registry
from .scene_light import SHELTERED, airlight_for, scene_of, sheltered

PARAMS_JSON_BYTES = 16384
# The arrays each modality's corruptions change, per sensor prefix.
TARGETS = {"camera": ("camera", ("rgb",)),
           "lidar": ("lidar", ("range", "intensity", "xyz")),
           "audio": ("audio", ("waveform",))}


def _mask_spec(key: str, spec: OutputSpec) -> OutputSpec:
    # an image's mask drops the colour axis; a lidar xyz shares the range mask
    shape = spec.shape[:-1] if key.endswith(("/rgb", "/xyz")) else spec.shape
    return OutputSpec(shape, "bool", doc="True where the corruption removed or replaced data")


POSES = {"camera": "T_world_cam", "lidar": "T_world_lidar"}
MASK_OF = {"camera": "rgb", "lidar": "range", "audio": "waveform"}  # the array a mask follows


def target_keys(cset: CorruptionSetSpec, clean: Mapping[str, OutputSpec]) -> list[str]:
    """The clean keys a set's corruptions may change, in a fixed order. Cross-sensor
    corruptions may change every sensor's signal and the recorded poses."""
    modalities = {registry.get(c).modality for c in cset.corruptions}
    if "cross" in modalities:
        modalities |= set(TARGETS)
    keys = []
    for modality, (prefix, names) in TARGETS.items():
        if modality not in modalities:
            continue
        pose = (POSES.get(modality),) if "cross" in {registry.get(c).modality
                                                      for c in cset.corruptions} else ()
        for key in sorted(clean):
            parts = key.split("/")
            if (len(parts) == 3 and parts[0] == prefix and parts[2] in (*names, *pose)
                    and (cset.sensors is None or parts[1] in cset.sensors)):
                keys.append(key)
    return keys


def _head_modality(head: str) -> str:
    return {prefix: m for m, (prefix, _) in TARGETS.items()}[head.split("/", 1)[0]]


def corrupted_outputs(sets: tuple[CorruptionSetSpec, ...], clean: Mapping[str, OutputSpec]
                      ) -> dict[str, OutputSpec]:
    out: dict[str, OutputSpec] = {}
    for cset in sets:
        targets = target_keys(cset, clean)
        masked = {k.rsplit("/", 1)[0] + "/" + MASK_OF[_head_modality(k.rsplit("/", 1)[0])]
                  for k in targets}
        for s in range(cset.slots):
            base = f"corrupted/{cset.name}/{s}"
            for key in targets:
                out[f"{base}/{key}"] = clean[key]
            for key in sorted(masked):
                if key in clean:
                    out[f"{base}/{key}_mask"] = _mask_spec(key, clean[key])
            n = len(cset.corruptions)
            out[f"{base}/applied"] = OutputSpec((n,), "bool")
            out[f"{base}/severity"] = OutputSpec((n,), "int8", doc="1..5, 0 = not applied")
            out[f"{base}/params_json"] = OutputSpec((PARAMS_JSON_BYTES,), "uint8",
                                                    doc="UTF-8 JSON, zero-padded")
    return out


def choose(cset: CorruptionSetSpec, rng: np.random.Generator) -> list[list[tuple[int, int]]]:
    """Per slot, the (listed index, severity) pairs to apply in order."""
    n = len(cset.corruptions)
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
    ``rates``: the microphone arrays' sample rates by head (:func:`audio_rates`)."""
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
                corruption = registry.get(name)
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
    prefix, names = TARGETS[corruption.modality]
    sensors = sorted({key.split("/")[1] for key in targets if key.startswith(prefix + "/")})
    drawn: dict[str, list[dict[str, float]]] = {}
    for sensor in sensors:
        head = f"{prefix}/{sensor}"
        frames = 1 if corruption.modality == "audio" else data[f"{head}/{names[0]}"].shape[0]
        drawn[head] = []
        for f in range(frames):
            rng = rng_for(*streams, named_stream(head), f)
            context = context_for(corruption.modality, sample, head, f, frame_interval_s,
                                  rates)
            if corruption.modality == "lidar":
                frame_data = {n: data[f"{head}/{n}"][f] for n in names
                              if f"{head}/{n}" in data}
            elif corruption.modality == "camera":
                frame_data = data[f"{head}/rgb"][f]
            else:
                frame_data = data[f"{head}/waveform"]
            result = corruption(frame_data, severity, rng, context)
            _store(result, corruption.modality, data, masks, base, head, f)
            drawn[head].append(dict(result.params))
    return drawn


def _apply_cross(corruption: registry.Corruption, severity: int, data: dict[str, np.ndarray],
                 masks: dict[str, np.ndarray], base: str, sample: Mapping[str, np.ndarray],
                 targets: list[str], streams: tuple[int, ...], frame_interval_s: float,
                 rates: Mapping[str, float]) -> dict[str, list[dict[str, float]]]:
    """One draw over the whole rig: the corruption sees every target array at once."""
    heads = sorted({k.rsplit("/", 1)[0] for k in targets})
    mask_keys = {h: f"{base}/{h}/{MASK_OF[_head_modality(h)]}_mask" for h in heads}
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

    def frames(h: str) -> int:
        return 1 if h.startswith("audio/") else len(sample[f"{h}/{MASK_OF[_head_modality(h)]}"])

    return {
        "mask_shapes": dict(mask_shapes),
        "frame_interval_s": frame_interval_s,
        "flows": {h: sample[f"{h}/flow"] for h in heads if f"{h}/flow" in sample},
        "sample_rates": {h: rates[h] for h in heads if h.startswith("audio/") and h in rates},
        "sensor_contexts": {h: [context_for(_head_modality(h), sample, h, f, frame_interval_s,
                                            rates) for f in range(frames(h))] for h in heads},
    }


def audio_rates(spec) -> dict[str, float]:
    """Sample rate of each microphone array of a scene, by head (``audio/<name>``); the
    rate cannot be randomised, so the spec's value is every sample's."""
    from ..spec.distributions import to_plain

    return {f"audio/{s.name}": float(to_plain(s.params["sample_rate"]))
            for s in spec.sensors if s.kind == "microphone"}


def context_for(modality: str, sample: Mapping[str, np.ndarray], head: str, f: int,
                frame_interval_s: float, rates: Mapping[str, float] | None = None
                ) -> dict[str, Any]:
    """What a corruption of sensor ``head`` (e.g. ``camera/front``) at frame ``f`` may use,
    taken from the clean sample (see ``registry.CONTEXT_KEYS``)."""
    ctx: dict[str, Any] = {}
    rates = {} if rates is None else rates
    if modality == "camera":
        for name in ("depth", "normals", "instance", "flow"):
            if f"{head}/{name}" in sample:
                ctx[name] = sample[f"{head}/{name}"][f]
        ctx["K"] = sample[f"{head}/K"]
        if f"{head}/T_world_cam" in sample:
            ctx["T_world_cam"] = sample[f"{head}/T_world_cam"][f]
        ctx["frame_interval_s"] = frame_interval_s
        airlight = airlight_for(sample, head, f)
        if airlight is not None:
            ctx["airlight"] = airlight
    elif modality == "lidar":
        for name in ("elevation", "azimuth"):
            ctx[name] = sample[f"{head}/{name}"]
        for name in ("semantic", "intensity"):
            if f"{head}/{name}" in sample:
                ctx[name] = sample[f"{head}/{name}"][f]
    else:
        if f"{head}/mic_positions" in sample:
            ctx["mic_positions"] = sample[f"{head}/mic_positions"]
        if head in rates:
            ctx["sample_rate"] = rates[head]
    return ctx


def _store(result: registry.Result, modality: str, data: dict[str, np.ndarray],
           masks: dict[str, np.ndarray], base: str, head: str, f: int) -> None:
    if modality == "lidar":
        for name, value in result.data.items():
            data[f"{head}/{name}"][f] = value
        mask_key = f"{base}/{head}/range_mask"
    elif modality == "camera":
        data[f"{head}/rgb"][f] = result.data
        mask_key = f"{base}/{head}/rgb_mask"
    else:
        data[f"{head}/waveform"][...] = result.data
        mask_key = f"{base}/{head}/waveform_mask"
    if result.mask is not None:
        target = masks[mask_key] if modality == "audio" else masks[mask_key][f]
        target |= result.mask  # compound sets accumulate what each step removed


def encode_json(value: Any, capacity: int) -> np.ndarray:
    raw = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    if len(raw) > capacity:
        raise ValueError(f"corruption parameters take {len(raw)} bytes, more than the "
                         f"{capacity} reserved")
    out = np.zeros(capacity, np.uint8)
    out[:len(raw)] = np.frombuffer(raw, np.uint8)
    return out


def decode_json(array: np.ndarray) -> Any:
    raw = np.asarray(array, np.uint8).tobytes().rstrip(b"\0")
    return json.loads(raw.decode()) if raw else {}
