"""Severity calibration curves of a store's corruptions, measured on the store's own data.

Two measurements per corruption, both with the metric ``corruptions.calibration`` assigns to
it (``metric_for``: 1 − SSIM for camera corruptions, point loss + Chamfer for lidar, −SNR
for audio, the rig's relative change for cross-sensor ones, and the listed exceptions), so
the curves read like ``docs/severity_calibration.md``:

- **sweep**: the corruption applied at severities 1..5 to one done sample (the first), first
  capture of the first sensor of its modality (the whole rig for cross-sensor corruptions),
  through ``calibration.degradation_by_severity``: the same method as
  ``tools/severity_table.py``, on this store's data;
- **store**: the variants the store holds: for every read sample and slot of a set, the
  metric between the clean arrays and ``corrupted/<set>/<slot>/...``, grouped by the
  recorded severity. A slot with several corruptions applied (``policy: compound``) counts
  under their joined names at the highest of their severities. A suite's set
  (``suite:``) is measured under the benchmark's names and severity scale, with the metric
  of the registry corruption that runs each entry, and gets no sweep.

Camera and audio metrics also get the modality's side metric (PSNR, log-spectral distance).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..corruptions import registry, suites
from ..corruptions.calibration import (
    MAIN_METRIC,
    SIDE_METRIC,
    degradation_by_severity,
    first_capture,
    metric_for,
    rig_capture,
)
from ..store.reader import StoreReader

Metric = Callable[[Any, Any], float]


@dataclass
class Curve:
    set_name: str
    corruption: str  # one name, or "a + b" for a compound slot
    sensor: str  # sensor head, or "rig" (cross-sensor)
    metric: str
    store: dict[int, list[float]] = field(default_factory=dict)  # severity -> values
    side_metric: str | None = None
    side: dict[int, list[float]] = field(default_factory=dict)
    sweep: list[float] | None = None  # severities 1..5, main metric
    sweep_note: str = ""
    suite: str | None = None  # the benchmark suite of the set, if any (its own scale)


def set_layout(attrs: Mapping[str, Any]
               ) -> dict[str, tuple[list[str], list[int], str | None]]:
    """Corruption set name -> (its corruptions in order, its slots, its suite), from the
    store."""
    arrays = attrs["arrays"]
    out = {}
    for cset in attrs["scene"].get("corruptions", []):
        slots = sorted(int(k.split("/")[2]) for k in arrays
                       if k.startswith(f"corrupted/{cset['name']}/") and k.endswith("/applied"))
        out[cset["name"]] = (list(cset["corruptions"]), slots, cset.get("suite"))
    return out


def _registry_name(name: str, suite: str | None) -> str:
    """The registry corruption that runs ``name`` (a suite entry's, or ``name`` itself)."""
    return name if suite is None else suites.get(suite).entry(name).corruption


def curves(path: str, max_samples: int = 32, sweep_seeds: int = 2) -> list[Curve]:
    """Every curve of the store: per set, corruption (combination) and sensor."""
    probe = StoreReader(path, keys=["meta/time"])
    attrs, layout = probe.attrs, set_layout(probe.attrs)
    if not layout:
        return []
    done = probe.done_indices()
    # evenly spread over the store, whole shards where possible (reads stay shard-sized)
    chosen = done if len(done) <= max_samples else done[
        np.linspace(0, len(done) - 1, max_samples).round().astype(int)]
    found: dict[tuple[str, str, str], Curve] = {}
    for set_name, (names, slots, suite) in layout.items():
        prefix = f"corrupted/{set_name}/"
        variant_keys = [k for k in attrs["arrays"] if k.startswith(prefix)
                        and not k.endswith(("_mask", "/params_json"))]
        clean_keys = sorted({k.split("/", 3)[3] for k in variant_keys
                             if len(k.split("/")) > 4})
        reader = StoreReader(path, keys=[*variant_keys, *clean_keys])
        bs = reader.block_size
        for block in np.unique(chosen // bs):
            batch = reader.read(chosen[chosen // bs == block])
            for j in range(len(batch[variant_keys[0]])):
                for slot in slots:
                    _measure(found, set_name, names, slot, {k: v[j] for k, v in batch.items()},
                             clean_keys, suite)
    _sweeps(path, attrs, found, sweep_seeds)
    return sorted(found.values(), key=lambda c: (c.set_name, c.corruption, c.sensor))


def _measure(found: dict, set_name: str, names: list[str], slot: int,
             sample: Mapping[str, np.ndarray], clean_keys: list[str], suite: str | None
             ) -> None:
    base = f"corrupted/{set_name}/{slot}/"
    applied = np.asarray(sample[base + "applied"], bool)
    if not applied.any():
        return
    severity = int(np.asarray(sample[base + "severity"])[applied].max())
    used = [n for n, a in zip(names, applied, strict=True) if a]
    runs = [_registry_name(n, suite) for n in used]
    modalities = {registry.get(n).modality for n in runs}
    # several modalities at once are measured over the whole rig, as cross-sensor ones
    modality = modalities.pop() if len(modalities) == 1 else "cross"
    label, main = metric_for(runs[0]) if len(runs) == 1 else MAIN_METRIC[modality]
    side = SIDE_METRIC.get(modality)
    targets = [k for k in clean_keys if base + k in sample]
    for head, pairs in _pairs(modality, targets, sample, base).items():
        curve = found.setdefault((set_name, " + ".join(used), head), Curve(
            set_name, " + ".join(used), head, label, side_metric=side[0] if side else None,
            suite=suite))
        curve.store.setdefault(severity, []).append(_mean(main, pairs))
        if side:
            curve.side.setdefault(severity, []).append(_mean(side[1], pairs))


def _pairs(modality: str, targets: list[str], sample: Mapping[str, np.ndarray], base: str
           ) -> dict[str, list[tuple[Any, Any]]]:
    """(clean, corrupted) pairs per sensor head, shaped as the corruption saw them."""
    if modality == "cross":
        return {"rig": [({k: sample[k] for k in targets},
                         {k: sample[base + k] for k in targets})]}
    prefix = {"camera": "camera/", "lidar": "lidar/", "audio": "audio/"}[modality]
    heads = sorted({k.rsplit("/", 1)[0] for k in targets if k.startswith(prefix)})
    out: dict[str, list[tuple[Any, Any]]] = {}
    for h in heads:
        if modality == "camera":
            a, b = sample[f"{h}/rgb"], sample[base + f"{h}/rgb"]
            out[h] = [(a[f], b[f]) for f in range(len(a))]
        elif modality == "lidar":
            names = [n for n in ("range", "intensity", "xyz") if f"{h}/{n}" in sample]
            frames = len(sample[f"{h}/range"])
            out[h] = [({n: sample[f"{h}/{n}"][f] for n in names},
                       {n: sample[base + f"{h}/{n}"][f] for n in names})
                      for f in range(frames)]
        else:
            out[h] = [(sample[f"{h}/waveform"], sample[base + f"{h}/waveform"])]
    return out


def _mean(metric: Metric, pairs: list[tuple[Any, Any]]) -> float:
    values = [metric(a, b) for a, b in pairs]
    return float(np.mean(values))


def _sweeps(path: str, attrs: Mapping[str, Any], found: dict, seeds: int) -> None:
    """Fill ``Curve.sweep``: each corruption at 1..5 on the first done sample (once per
    corruption; compound curves get none)."""
    singles = {c.corruption for c in found.values()
               if " + " not in c.corruption and c.suite is None}
    if not singles:
        return
    reader = StoreReader(path, keys=[k for k in attrs["arrays"]
                                     if not k.startswith("corrupted/")])
    k = int(reader.done_indices()[0])
    sample = reader[k]
    times = np.asarray(sample["meta/time"])
    interval = float(times[1] - times[0]) if len(times) > 1 else 0.0
    rates = {f"audio/{s['name']}": float(s["params"]["sample_rate"]) for s in attrs["sensors"]
             if s["kind"] == "microphone" and "sample_rate" in s.get("params", {})}
    results: dict[str, tuple[str, list[float] | None, str]] = {}
    for name in sorted(singles):
        modality = registry.get(name).modality
        if modality == "cross":
            got = rig_capture(sample, interval, rates)
        else:
            got = first_capture(sample, modality, interval)
        if got is None:
            results[name] = ("", None, "no sensor of its modality")
            continue
        head, data, context = got
        try:
            rows = degradation_by_severity(name, data, context, seeds)
        except ValueError as exc:  # a context this store's sensor cannot give
            results[name] = (head, None, str(exc))
            continue
        label = metric_for(name)[0]
        where = "every capture" if modality == "cross" else "first capture"
        results[name] = (head, rows[label],
                         f"sample {k}, {head}, {where}, {seeds} stream(s) per level")
    for c in found.values():
        if c.corruption in results and c.suite is None:
            _, c.sweep, c.sweep_note = results[c.corruption]
