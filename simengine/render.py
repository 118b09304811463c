"""``simengine render``: check the target, create (or resume) the store, run the blocks.

Executors: the local process pool (default), or Dask distributed (``scheduler`` address of an
existing cluster, or ``dask_workers`` for a LocalCluster); both run the same
``render_block``. The store may be a local path or an fsspec URL (``s3://...``; ``file://``
URLs are used as local paths).

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
from ._warmup import warm_start
from .engine import STAGES, Engine
from .errors import StoreError, UserError
from .executors.local import run_blocks
from .store.layout import ATTR, DONE, create_store, num_blocks
from .store.runlog import append_run, render_record
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
    executor: str = "local"
    retries: int = 0  # blocks re-run after their worker died (Dask)
    failures: int = 0  # blocks that raised (the render then stops with the error)

    @property
    def samples_per_second(self) -> float:
        return self.rendered / self.seconds if self.seconds > 0 else 0.0


def prepare_store(path: str, engine: Engine, n: int, block_size: int, *, resume: bool,
                  overwrite: bool) -> list[int]:
    """Create or check the store; returns the blocks still to render."""
    if is_url(path):
        return _prepare_url(path, engine, n, block_size, resume=resume, overwrite=overwrite)
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


def is_url(path: str) -> bool:
    return "://" in str(path) and not str(path).startswith("file://")


def local_or_url(path: str) -> str:
    """``file://`` URLs become plain paths (LocalStore: atomic writes, no fsspec needed)."""
    p = str(path)
    return p[len("file://"):] if p.startswith("file://") else p


def _prepare_url(url: str, engine: Engine, n: int, block_size: int, *, resume: bool,
                 overwrite: bool) -> list[int]:
    """``prepare_store`` for an fsspec URL (same rules, through the URL's filesystem)."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(url)
    wanted = {"scene_hash": engine.spec.hash(), "root_seed": engine.seed, "num_samples": n,
              "block_size": block_size, "engine_version": __version__}
    if fs.exists(root) and fs.ls(root):
        try:
            existing = dict(zarr.open_group(url, mode="r").attrs[ATTR])
        except Exception:
            raise StoreError(f"{url}: exists and is not a simengine store; refusing to touch "
                             "it") from None
        same = all(existing.get(k) == v for k, v in wanted.items())
        if same and resume:
            done = zarr.open_group(url, mode="r")[DONE][:]
            return [b for b in range(num_blocks(n, block_size))
                    if not done[b * block_size:(b + 1) * block_size].all()]
        if not overwrite:
            raise StoreError(f"{url}: store exists" + ("; pass --resume to finish it or "
                             "--overwrite to render it again" if same else
                             " and was made from another render; pass --overwrite"))
        fs.rm(root, recursive=True)
    create_store(url, engine, n, block_size)
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
           progress: bool = True, scheduler: str | None = None,
           dask_workers: int | None = None) -> RenderSummary:
    """Render samples ``0..n-1`` into the store at ``path``: on ``workers`` local processes,
    or on Dask (``scheduler`` address, or ``dask_workers`` for a LocalCluster)."""
    if scheduler is not None and dask_workers is not None:
        raise UserError("give either a Dask scheduler address or --dask-local, not both")
    path = local_or_url(path)
    if scheduler is not None or dask_workers is not None:
        from .executors.dask import check_cluster

        check_cluster(scheduler)  # nothing is written when Dask is missing or unreachable
    blocks = prepare_store(path, engine, n, block_size, resume=resume, overwrite=overwrite)
    if blocks and scheduler is None and dask_workers is None:
        warm_start(engine.spec)  # once here, not in every worker (a cold Numba cache)
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

    dask_stats = None
    try:
        if scheduler is None and dask_workers is None:
            for _ in run_blocks(path, blocks, workers, on_done):
                pass
        else:
            from .executors.dask import DaskStats
            from .executors.dask import run_blocks as run_dask

            dask_stats = DaskStats()
            for _ in run_dask(path, blocks, scheduler=scheduler, local_workers=dask_workers,
                              on_done=on_done, stats=dask_stats):
                pass
    finally:
        if bar is not None:
            bar.close()
    summary = RenderSummary(store=path, samples=n, rendered=todo,
                            skipped_blocks=total_blocks - len(blocks),
                            seconds=time.perf_counter() - start,
                            workers=dask_stats.workers if dask_stats else workers,
                            stage_seconds=stage,
                            executor=f"dask {dask_stats.address}" if dask_stats else "local",
                            retries=dask_stats.retries if dask_stats else 0,
                            failures=dask_stats.failures if dask_stats else 0)
    # Every block has finished, so no worker can see this write (store.runlog).
    append_run(path, render_record(summary, block_size=block_size, resume=resume))
    return summary


def _progress(total: int, enabled: bool):
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="sample", desc="render", file=sys.stderr, dynamic_ncols=True)
