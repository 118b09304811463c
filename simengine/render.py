"""``simengine render``: check the target, create (or resume) the store, run the blocks.

Safety rules: nothing is written before the scene and the arguments are valid; an existing
store is only reused with ``--resume`` when it was made from the same scene, seed, sample
count, block size and engine version; it is only replaced with ``--overwrite``; a directory
that is not a simengine store is never replaced.
"""

from __future__ import annotations

import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import zarr

from ._version import __version__
from .engine import STAGES, Engine
from .errors import StoreError
from .executors.local import run_blocks
from .store.layout import ATTR, DONE, create_store, num_blocks
from .store.writer import BlockResult

DEFAULT_BLOCK_SIZE = 4


@dataclass
class RenderSummary:
    store: str
    samples: int
    rendered: int
    skipped_blocks: int
    seconds: float
    workers: int
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def samples_per_second(self) -> float:
        return self.rendered / self.seconds if self.seconds > 0 else 0.0


def prepare_store(path: str, engine: Engine, n: int, block_size: int, *, resume: bool,
                  overwrite: bool) -> list[int]:
    """Create or check the store; returns the blocks still to render."""
    p = Path(path)
    wanted = {"scene_hash": engine.spec.hash(), "root_seed": engine.seed, "num_samples": n,
              "block_size": block_size, "engine_version": __version__}
    if p.exists():
        existing = _existing_attrs(p)
        if existing is None:
            raise StoreError(f"{path}: exists and is not a simengine store; refusing to touch it")
        same = all(existing.get(k) == v for k, v in wanted.items())
        if same and resume:
            _remove_partial_files(p)
            done = zarr.open_group(path, mode="r")[DONE][:]
            return [b for b in range(num_blocks(n, block_size))
                    if not done[b * block_size:(b + 1) * block_size].all()]
        if not overwrite:
            if same:
                raise StoreError(f"{path}: store exists; pass --resume to finish it or "
                                 "--overwrite to render it again")
            diff = ", ".join(f"{k} {existing.get(k)!r} != {v!r}" for k, v in wanted.items()
                             if existing.get(k) != v)
            raise StoreError(f"{path}: store was made from another render ({diff}); pass "
                             "--overwrite to replace it")
        shutil.rmtree(p)
    create_store(path, engine, n, block_size)
    return list(range(num_blocks(n, block_size)))


def _existing_attrs(p: Path) -> dict | None:
    if p.is_file():
        return None
    if p.is_dir() and not any(p.iterdir()):
        return {}
    try:
        return dict(zarr.open_group(str(p), mode="r").attrs[ATTR])
    except Exception:
        return None


def _remove_partial_files(p: Path) -> None:
    """A killed writer can leave LocalStore's temporary ``*.partial`` files behind."""
    for f in p.rglob("*.partial"):
        f.unlink(missing_ok=True)


def render(engine: Engine, path: str, n: int, *, workers: int = 1,
           block_size: int = DEFAULT_BLOCK_SIZE, resume: bool = False, overwrite: bool = False,
           progress: bool = True) -> RenderSummary:
    blocks = prepare_store(path, engine, n, block_size, resume=resume, overwrite=overwrite)
    total_blocks = num_blocks(n, block_size)
    todo = sum(min(block_size, n - b * block_size) for b in blocks)
    stage = dict.fromkeys((*STAGES, "write"), 0.0)
    bar = _progress(todo, progress)
    start = time.perf_counter()

    def on_done(r: BlockResult) -> None:
        for k, v in r.timings.items():
            stage[k] = stage.get(k, 0.0) + v
        stage["write"] += r.write_seconds
        if bar is not None:
            bar.update(r.samples)

    try:
        for _ in run_blocks(path, blocks, workers, on_done):
            pass
    finally:
        if bar is not None:
            bar.close()
    return RenderSummary(store=path, samples=n, rendered=todo,
                         skipped_blocks=total_blocks - len(blocks),
                         seconds=time.perf_counter() - start, workers=workers,
                         stage_seconds=stage)


def _progress(total: int, enabled: bool):
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="sample", desc="render", file=sys.stderr, dynamic_ncols=True)
