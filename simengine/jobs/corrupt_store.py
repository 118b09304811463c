"""The job behind ``simengine corrupt``: corrupted variants added to a rendered store,
without re-simulating.

The new store is an ordinary simengine store whose scene is the source's scene with the
given corruption sets appended to its ``corruptions:`` section. Its clean arrays are copied
from the source and its corrupted arrays computed from them with the same random streams a
render would use, so ``corrupt(render(scene))`` is byte-identical to rendering the scene
with those sets in the first place. The source is only read; the target follows the render
rules (``--resume``, ``--overwrite``, never replacing a directory that is not a store).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import zarr

from ..engine import Engine, check_corruption_context, signal_rates
from ..errors import StoreError, UserError
from ..spec.corruptions import parse_corruptions
from ..spec.loader import scene_from_dict
from ..spec.node import Node
from ..spec.yaml_file import read_yaml
from ..store.assets import local_asset_files
from ..store.blocks import write_block
from ..store.layout import ATTR, block_range
from ..store.reader import StoreReader, open_group_checked
from .layout import prepare_render_store


@dataclass(frozen=True)
class CorruptSummary:
    source: str
    store: str
    samples: int
    written: int
    sets: tuple[str, ...]
    seconds: float


def load_sets(path: str | Path) -> Node:
    """The corruption sets of a YAML file: a list, or a mapping with one key, corruptions
    (as in a scene)."""
    data = read_yaml(path)
    if isinstance(data, dict) and set(data) == {"corruptions"}:
        return Node(data["corruptions"], str(path), "corruptions")
    if not isinstance(data, list):
        raise Node(data, str(path)).error("expected a list of corruption sets (or a mapping "
                                          "with one key, corruptions)")
    return Node(data, str(path))


def corrupted_engine(source: str, sets: Node) -> tuple[Engine, dict]:
    """The engine of the target store: the source's scene plus the new sets (validated
    first on their own, so errors name the sets file and key path)."""
    root = open_group_checked(source)
    attrs = dict(root.attrs[ATTR])
    plain = dict(attrs["scene"])
    kinds = {s["name"]: s["kind"] for s in attrs["sensors"]}
    new = parse_corruptions(sets, kinds)
    check_corruption_context(new, dict.fromkeys(attrs["arrays"]), sets.file, sets.path or "")
    existing = {s["name"] for s in plain.get("corruptions", [])}
    for i, s in enumerate(new):
        if s.name in existing:
            raise Node(s.name, sets.file, sets.child_path(i) + ".name").error(
                f"expected a set name not already in {source}")
    plain["corruptions"] = [*plain.get("corruptions", []), *sets.value]
    files = local_asset_files(source, root, attrs) if "assets" in attrs else None
    spec = scene_from_dict(plain, source=f"{source}#scene", asset_files=files)
    return Engine(spec, seed=attrs["root_seed"]), attrs


def corrupt_store(source: str, target: str, sets_file: str, *, resume: bool = False,
                  overwrite: bool = False) -> CorruptSummary:
    if Path(source).resolve() == Path(target).resolve():
        raise UserError(f"{target}: the target must differ from the source store")
    engine, attrs = corrupted_engine(source, load_sets(sets_file))
    n, block_size = int(attrs["num_samples"]), int(attrs["block_size"])
    missing = n - StoreReader(source, keys=[]).done_indices().size
    if missing:
        raise StoreError(f"{source}: {missing} of {n} samples are not rendered; "
                         "finish it with `simengine render ... --resume` first")
    start = time.perf_counter()
    blocks = prepare_render_store(target, engine, n, block_size, resume=resume,
                                  overwrite=overwrite)
    for note in blocks.notes:
        print(f"simengine: note: {target}: {note}", file=sys.stderr)
    written = 0
    for b in blocks:
        written += corrupt_block(source, target, b, engine)
    names = tuple(s.name for s in engine.spec.corruptions)
    return CorruptSummary(source, target, n, written, names, time.perf_counter() - start)


def corrupt_block(source: str, target: str, block: int, engine: Engine) -> int:
    """Copy block ``block``'s clean arrays and write its corrupted variants, shards whole,
    ``meta/done`` last."""
    from ..corruptions.apply import corrupt_sample

    dst = zarr.open_group(target, mode="r+")
    attrs = dst.attrs[ATTR]
    indices = block_range(block, attrs["block_size"], attrs["num_samples"])
    specs = engine.outputs()
    clean_keys = [k for k in specs if not k.startswith("corrupted/")]
    reader = StoreReader(source)
    missing = [k for k in clean_keys if k not in reader.keys]
    if missing:
        raise StoreError(f"{source}: lacks {', '.join(missing[:3])}; was it rendered by "
                         "another engine version?")
    reader = StoreReader(source, keys=clean_keys)  # checked against what each block wrote
    clean = reader.read(list(indices))
    times = engine.spec.schedule.capture_times
    interval = float(times[1] - times[0]) if len(times) > 1 else 0.0
    variants = [corrupt_sample(engine.spec.corruptions, {k: v[j] for k, v in clean.items()},
                               specs, engine.seed, k, interval, signal_rates(engine.spec))
                for j, k in enumerate(indices)]
    data = dict(clean)
    data.update({key: np.stack([v[key] for v in variants]) for key in variants[0]})
    write_block(dst, attrs, block, data)
    return len(indices)
