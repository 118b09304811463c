"""The sample browser's index: per done sample, the classes present, the corruptions applied
(with severity) and the resolved scene parameters that vary across the store.

Built once per server (the first time the page asks) from a few small arrays, read a block
of samples at a time with the store's batched reader.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..json_buffer import decode_json
from ..store.reader import StoreReader
from .labels import flatten_instance
from .store_view import StoreView

READ_BATCH = 256  # samples per read; bounds memory (instance JSON is ~36 kB per sample)
MAX_CATEGORIES = 50  # a text parameter with more distinct values is no use as a filter
MAX_INT_CHOICES = 12  # integer parameters with at most this many values get a menu


def _param_kind(values: list[Any]) -> dict[str, Any] | None:
    """How the page filters on a parameter that took ``values``; None if it never varies."""
    flat = [x for v in values for x in (v if isinstance(v, list) else [v])]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    few_ints = all(isinstance(v, int) for v in values) and len(set(values)) <= MAX_INT_CHOICES
    if numbers and not few_ints:  # counts and other small integers read better as a menu
        lo, hi = min(values), max(values)
        return None if lo == hi else {"kind": "number", "min": lo, "max": hi}
    cats = sorted({str(v) for v in flat})
    distinct = {str(v) for v in values}  # a list value is one value for "does it vary"
    if len(distinct) < 2 or len(cats) > MAX_CATEGORIES:
        return None
    return {"kind": "category", "values": cats}


def build_index(view: StoreView) -> dict[str, Any]:
    """``samples``: per done sample ``{index, classes, corruptions, params}``; ``params``:
    the filterable parameters (``kind`` number with min/max, or category with values);
    ``classes`` and ``corruptions``: the names that occur (for the filter menus)."""
    done = view.done_indices()
    keys = ["objects/count", "objects/class_id"]
    keys += [k for k in ("meta/instance_json",) if view.has(k)]
    for vid in view.variants:
        keys += [f"corrupted/{vid}/applied", f"corrupted/{vid}/severity"]
    reader = StoreReader(view.path, keys=keys)
    samples: list[dict[str, Any]] = []
    for lo in range(0, done.size, READ_BATCH):
        part = done[lo:lo + READ_BATCH]
        data = reader.read(part)
        for row, k in enumerate(part.tolist()):
            samples.append(_summary(view, k, {key: v[row] for key, v in data.items()}))
    # quaternion components are no use as filters (the table still shows them)
    all_keys = sorted({p for s in samples for p in s["params"] if ".orientation[" not in p})
    params = []
    for key in all_keys:
        values = [s["params"][key] for s in samples if key in s["params"]]
        kind = _param_kind(values)
        if kind is not None:
            params.append({"key": key, **kind})
    keep = {p["key"] for p in params}
    for s in samples:  # only what can be filtered on goes to the page
        s["params"] = {k: v for k, v in s["params"].items() if k in keep}
    return {
        "samples": samples,
        "params": params,
        "classes": sorted({c for s in samples for c in s["classes"]}),
        "corruptions": sorted({c["corruption"] for s in samples for c in s["corruptions"]}),
    }


def _summary(view: StoreView, k: int, row: dict[str, np.ndarray]) -> dict[str, Any]:
    count = int(row["objects/count"])
    classes = sorted({view.class_name(int(c)) for c in row["objects/class_id"][:count]})
    corruptions = []
    for vid, v in view.variants.items():
        applied = row[f"corrupted/{vid}/applied"]
        severity = row[f"corrupted/{vid}/severity"]
        corruptions += [{"variant": vid, "corruption": c, "severity": int(severity[i])}
                        for i, c in enumerate(v.corruptions) if bool(applied[i])]
    instance = decode_json(row["meta/instance_json"]) if "meta/instance_json" in row else {}
    return {"index": k, "classes": classes, "corruptions": corruptions,
            "params": flatten_instance(instance)}
