"""WebDataset export: POSIX tar shards, one sample per key, read by ``webdataset.WebDataset``.

Layout::

    DIR/shard-000000.tar, shard-000001.tar, ...     ``samples_per_shard`` samples each
    DIR/simengine_export.json                        manifest (provenance, member names)

Each sample's members share the key ``<sample:06d>``; the rest of a member name is the
store's array name with ``/`` as ``.`` (WebDataset splits the key at the first dot, so the
array name stays whole in the extension):

Member names are lower case (the reader lower-cases them); the manifest maps each back
to its array.

- colour images (``.../rgb``): one lossless PNG per capture frame, ``<array>.f<frame>.png``;
- the JSON records (``meta/instance_json``, ``.../params_json``): ``<array>.json``, the text;
- every other array: ``<array>.npy`` (NumPy's own format, dtype and shape kept);
- ``simengine.json``: the sample index and the provenance (engine version, scene hash, seed).

The default WebDataset decoders (``.decode("rgb8")``) give back uint8 H × W × 3 images,
ndarrays and dicts. Samples are written as they are read, a shard of the store at a time.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from ..errors import UserError
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

SHARD_PATTERN = "shard-%06d.tar"


def member(name: str) -> str:
    """The member name of an array: ``/`` as ``.``, lower case (WebDataset's reader lower-
    cases extensions, so ``camera/c/K`` is read back as ``camera.c.k``)."""
    return name.replace("/", ".").lower()


def members(names: list[str]) -> dict[str, str]:
    """{member: array name}; two arrays differing only in case cannot share a tar."""
    out: dict[str, str] = {}
    for name in names:
        if member(name) in out:
            raise UserError(f"arrays {out[member(name)]!r} and {name!r} differ only in case: "
                            "WebDataset would read them as one")
        out[member(name)] = name
    return out


def export_webdataset(store: str, out: str | Path, *, samples_per_shard: int = 64,
                      overwrite: bool = False) -> ExportSummary:
    probe = open_store(store)
    attrs = probe.attrs
    check_directory(out, overwrite)
    wds = require("webdataset", "webdataset")
    names = list(attrs["arrays"])
    by_member = members(names)
    shapes = {n: (tuple(probe.root[n].shape[1:]), probe.root[n].dtype) for n in names}
    target = prepare_target(out, overwrite)
    prov = provenance(store, attrs)
    write_manifest(target, "webdataset", store, attrs, {"complete": False})
    samples = images = 0
    with wds.ShardWriter(str(target / SHARD_PATTERN), maxcount=samples_per_shard,
                         verbose=0, mtime=0.0) as sink:  # no wall clock in the tars
        for k, arrays in done_samples(store, names):
            record: dict[str, object] = {"__key__": f"{k:06d}"}
            for name in names:
                value = arrays[name]
                if is_rgb(name, *shapes[name]):
                    for f in range(value.shape[0]):
                        record[f"{member(name)}.f{f}.png"] = png_bytes(value[f])
                        images += 1
                elif is_json(name):
                    record[f"{member(name)}.json"] = json_text(value).encode("utf-8")
                else:
                    record[f"{member(name)}.npy"] = npy_bytes(value)
            record["simengine.json"] = json.dumps({"sample": k, **prov}).encode("utf-8")
            sink.write(record)
            samples += 1
    files = sorted(p.name for p in target.glob("shard-*.tar"))
    write_manifest(target, "webdataset", store, attrs, {
        "complete": True, "samples": samples, "shards": files,
        "samples_per_shard": samples_per_shard, "key": "sample index, 6 digits",
        "members": by_member,
        "rgb": "PNG per capture frame: <array>.f<frame>.png"})
    return ExportSummary("webdataset", str(target), samples, images, 0, len(files) + 1)


def npy_bytes(value: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(value), allow_pickle=False)  # 0-d stays 0-d
    return buf.getvalue()
