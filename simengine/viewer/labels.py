"""One sample's labels and resolved scene parameters as JSON for the page's tables."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..json_buffer import decode_json
from .audio import events as audio_events
from .store_view import StoreView

# Per-object fields of the scene instance that identify rather than describe an object.
_OBJECT_SKIP = {"index", "group", "class_id", "class_name", "asset", "texture", "center"}
_TOP_SKIP = {"objects", "sensors", "index", "root_seed", "scene"}


def _leaves(value: Any, path: str, out: dict[str, Any]) -> None:
    """Scalar leaves of a JSON value under ``path`` (``a.b[2]``); None is skipped."""
    if isinstance(value, dict):
        for key in sorted(value):
            _leaves(value[key], f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _leaves(item, f"{path}[{i}]", out)
    elif value is not None:
        out[path] = value


def flatten_instance(instance: dict[str, Any]) -> dict[str, Any]:
    """The resolved scene instance (``meta/instance_json``) as ``{path: value}``.

    Objects vary in number, so besides each object's own leaves
    (``objects.<group>[i].<field>``) every group gets its ``count`` and, for text fields
    (material, shape...), the set of values its objects took (a list: "any object has")."""
    out: dict[str, Any] = {}
    _leaves({k: v for k, v in instance.items() if k not in _TOP_SKIP}, "", out)
    for sensor in instance.get("sensors") or []:
        _leaves({k: v for k, v in sensor.items() if k != "name"},
                f"sensors.{sensor.get('name')}", out)
    objects = instance.get("objects") or []
    out["objects.count"] = len(objects)
    groups: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        groups.setdefault(str(obj.get("group")), []).append(obj)
    for group, members in groups.items():
        out[f"objects.{group}.count"] = len(members)
        for i, obj in enumerate(members):
            _leaves({k: v for k, v in obj.items() if k not in _OBJECT_SKIP},
                    f"objects.{group}[{i}]", out)
        for field in sorted({k for o in members for k, v in o.items() if isinstance(v, str)}):
            if field not in _OBJECT_SKIP:
                out[f"objects.{group}.{field}"] = sorted({str(o[field]) for o in members
                                                          if isinstance(o.get(field), str)})
    return out


def instance_of(view: StoreView, k: int) -> dict[str, Any]:
    return decode_json(view.read("meta/instance_json", k)) if view.has("meta/instance_json") \
        else {}


def _objects(view: StoreView, k: int, instance: dict[str, Any]) -> list[dict[str, Any]]:
    count = int(view.read("objects/count", k))
    cols = {n: view.read(f"objects/{n}", k) for n in
            ("instance_id", "class_id", "shape", "material", "mass", "size", "position")
            if view.has(f"objects/{n}")}
    named = instance.get("objects") or []
    rows = []
    for m in range(count):
        obj = named[m] if m < len(named) else {}
        shape = int(cols["shape"][m]) if "shape" in cols else -1
        material = int(cols["material"][m]) if "material" in cols else -1
        rows.append({
            "instance": int(cols["instance_id"][m]),
            "group": obj.get("group"),
            "class": view.class_name(int(cols["class_id"][m])),
            "shape": view.shapes[shape] if 0 <= shape < len(view.shapes) else shape,
            "material": (view.materials[material] if 0 <= material < len(view.materials)
                         else material),
            "mass_kg": round(float(cols["mass"][m]), 4) if "mass" in cols else None,
            "size_m": np.round(cols["size"][m], 4).tolist() if "size" in cols else None,
            "position_m": (np.round(cols["position"][:, m], 4).tolist()
                           if "position" in cols else None),  # per frame
        })
    return rows


def _impacts(view: StoreView, k: int) -> list[dict[str, Any]]:
    if not view.has("events/count"):
        return []
    count = int(view.read("events/count", k))
    cols = {n: view.read(f"events/{n}", k) for n in ("time", "instance_a", "instance_b",
                                                     "impulse", "speed")
            if view.has(f"events/{n}")}
    return [{name: (round(float(col[i]), 5) if col.dtype.kind == "f" else int(col[i]))
             for name, col in cols.items()} for i in range(count)]


def variants_of(view: StoreView, k: int) -> list[dict[str, Any]]:
    """Every corrupted variant of sample ``k``: what ran at which severity, the drawn
    parameters, and which sensor heads it changed."""
    out = []
    for vid, v in view.variants.items():
        base = f"corrupted/{vid}"
        applied = view.read(f"{base}/applied", k)
        severity = view.read(f"{base}/severity", k)
        out.append({
            "id": vid, "set": v.set, "slot": v.slot,
            "applied": [{"corruption": c, "severity": int(severity[i])}
                        for i, c in enumerate(v.corruptions) if bool(applied[i])],
            "params": decode_json(view.read(f"{base}/params_json", k)),
            "heads": sorted({t.rsplit("/", 1)[0] for t in v.targets}),
        })
    return out


def sample_labels(view: StoreView, k: int) -> dict[str, Any]:
    """Everything the page's tables show for sample ``k``."""
    instance = instance_of(view, k)
    scene = flatten_instance(instance)
    return {
        "index": k,
        "times": (view.read("meta/time", k).tolist() if view.has("meta/time") else []),
        "objects": _objects(view, k, instance),
        "impacts": _impacts(view, k),
        "sounds": {name: audio_events(view, k, f"audio/{name}")
                   for name in view.sensors_of("microphone")},
        "variants": variants_of(view, k),
        "scene": [[key, value] for key, value in scene.items()],
    }
