"""Hugging Face ``datasets`` export: a dataset saved with ``save_to_disk`` into DIR (Arrow
shards; ``datasets.load_from_disk(DIR)``), one row per done sample, plus a dataset card.

Columns are the store's array names, unchanged (``camera/front/rgb``, ``objects/class_id``,
``corrupted/camera/0/camera/front/rgb``, ...), plus ``sample`` (the store index):

- colour images (``.../rgb``): a list of ``Image`` features, one per capture frame (PNG,
  lossless);
- JSON records (``..._json`` byte arrays): ``string`` (the JSON text);
- scalars: ``Value``; vectors: fixed-length ``List(Value)``; 2-5 axes: ``Array2D..5D``
  with the store's shape and dtype (depth, masks, labels, boxes, point clouds).

Rows come from a generator (``Dataset.from_generator``), read a shard of the store at a
time; its Arrow cache lives in a scratch directory inside DIR, removed once the dataset is
saved. The provenance goes into ``DatasetInfo`` (description, licence, homepage-free) and
``simengine_export.json``; README.md is the dataset card (YAML header + text).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UserError
from .card import dataset_card
from .common import ExportSummary, open_store, prepare_target, write_manifest
from .streaming import (
    check_directory,
    done_samples,
    is_json,
    is_rgb,
    json_text,
    png_bytes,
    provenance,
    require,
)

SCRATCH = ".simengine_hf_cache"


def features_for(ds: Any, shapes: dict[str, tuple[tuple[int, ...], np.dtype]]) -> Any:
    """``datasets.Features`` of the store's arrays (see the module docstring)."""
    out: dict[str, Any] = {"sample": ds.Value("int64")}
    arrays = {2: ds.Array2D, 3: ds.Array3D, 4: ds.Array4D, 5: ds.Array5D}
    for name, (shape, dtype) in shapes.items():
        kind = np.dtype(dtype).name
        if is_rgb(name, shape, dtype):
            out[name] = ds.List(ds.Image())
        elif is_json(name):
            out[name] = ds.Value("string")
        elif len(shape) == 0:
            out[name] = ds.Value(kind)
        elif len(shape) == 1:
            out[name] = ds.List(ds.Value(kind), length=shape[0])
        elif len(shape) in arrays:
            out[name] = arrays[len(shape)](shape=shape, dtype=kind)
        else:
            raise UserError(f"{name}: {len(shape)} axes per sample; the hf export holds "
                            "at most 5")
    return ds.Features(out)


def export_hf(store: str, out: str | Path, *, overwrite: bool = False,
              license: str | None = None) -> ExportSummary:
    probe = open_store(store)
    attrs = probe.attrs
    check_directory(out, overwrite)
    ds = require("datasets", "hf")
    names = list(attrs["arrays"])
    shapes = {n: (tuple(probe.root[n].shape[1:]), probe.root[n].dtype) for n in names}
    features = features_for(ds, shapes)
    target = prepare_target(out, overwrite)
    prov = provenance(store, attrs)
    write_manifest(target, "hf", store, attrs, {"complete": False})
    counts = {"samples": 0, "images": 0}

    def rows():
        for k, arrays in done_samples(store, names):
            row: dict[str, Any] = {"sample": k}
            for name in names:
                value = arrays[name]
                if is_rgb(name, *shapes[name]):
                    # one image per capture frame, PNG-encoded here: datasets would go
                    # through Python int lists (slow, and a downcast warning)
                    row[name] = [{"bytes": png_bytes(im), "path": None} for im in value]
                    counts["images"] += len(value)
                elif is_json(name):
                    row[name] = json_text(value)
                else:
                    row[name] = value
            counts["samples"] += 1
            yield row

    scratch = target / SCRATCH
    was = ds.is_progress_bar_enabled()
    ds.disable_progress_bars()
    try:
        info = ds.DatasetInfo(description=json.dumps(prov, sort_keys=True),
                              license=license or "unknown")
        dataset = ds.Dataset.from_generator(rows, features=features, info=info,
                                            cache_dir=str(scratch), keep_in_memory=False,
                                            # rows buffered before each Arrow write: a
                                            # store block, not datasets' default 1000
                                            writer_batch_size=probe.block_size)
        dataset.save_to_disk(str(target))
        del dataset
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if was:
            ds.enable_progress_bars()
    (target / "README.md").write_text(dataset_card(attrs, prov, counts["samples"], names,
                                                   license), encoding="utf-8")
    write_manifest(target, "hf", store, attrs, {
        "complete": True, "samples": counts["samples"],
        "reader": "datasets.load_from_disk(DIR)"})
    files = sum(1 for p in target.rglob("*") if p.is_file())
    return ExportSummary("hf", str(target), counts["samples"], counts["images"], 0, files)
