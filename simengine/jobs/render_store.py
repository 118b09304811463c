"""The batch job behind ``simengine render``: check the target, create (or resume) the store,
run its blocks (``jobs.block.render_block``) on an executor.

Executors: the local process pool (default), or Dask distributed (``scheduler`` address of an
existing cluster, or ``dask_workers`` for a LocalCluster); both run the same
``render_block``. The store may be a local path or an fsspec URL (``s3://...``; ``file://``
URLs are used as local paths).

Safety rules: nothing is written before the scene and the arguments are valid; an existing
store is only reused with ``--resume`` when it was made from the same scene, seed, block size
and engine version (``store.prepare``: it is then repaired, verified and may grow); it is
only replaced with ``--overwrite``; a directory that is not a simengine store is never
replaced. A store this call created is removed again when bad input stops the render before
any sample is done.

SIGINT and SIGTERM stop a render cleanly: the workers are stopped, finished blocks stay
done, and ``RenderInterrupted`` says how to resume.
"""

from __future__ import annotations

import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from .._warmup import warm_start
from ..engine import STAGES, Engine
from ..errors import RenderInterrupted, UserError
from ..store.prepare import is_url
from ..store.runlog import append_run, render_record
from .block import BlockResult
from .executors.local import run_blocks
from .layout import prepare_render_store

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
    dropped_objects: int = 0  # objects that found no free spot at spawn (meta/dropped_objects)
    samples_with_drops: int = 0
    notes: list[str] = field(default_factory=list)  # what --resume repaired or extended

    @property
    def samples_per_second(self) -> float:
        return self.rendered / self.seconds if self.seconds > 0 else 0.0


def local_or_url(path: str) -> str:
    """``file://`` URLs become plain paths (LocalStore: atomic writes, no fsspec needed)."""
    p = str(path)
    return p[len("file://"):] if p.startswith("file://") else p


def render_store(engine: Engine, path: str, n: int, *, workers: int = 1,
                 block_size: int = DEFAULT_BLOCK_SIZE, resume: bool = False,
                 overwrite: bool = False, progress: bool = True, scheduler: str | None = None,
                 dask_workers: int | None = None) -> RenderSummary:
    """Render samples ``0..n-1`` into the store at ``path``: on ``workers`` local processes,
    or on Dask (``scheduler`` address, or ``dask_workers`` for a LocalCluster)."""
    if scheduler is not None and dask_workers is not None:
        raise UserError("give either a Dask scheduler address or --dask-local, not both")
    path = local_or_url(path)
    if scheduler is not None or dask_workers is not None:
        from .executors.dask import check_cluster

        check_cluster(scheduler)  # nothing is written when Dask is missing or unreachable
    plan = prepare_render_store(path, engine, n, block_size, resume=resume,
                                overwrite=overwrite)
    for note in plan.notes:
        print(f"simengine: note: {path}: {note}", file=sys.stderr)
    if len(plan) and scheduler is None and dask_workers is None:
        warm_start(engine.spec)  # once here, not in every worker (a cold Numba cache)
    todo = plan.samples_todo
    stage = dict.fromkeys((*STAGES, "write"), 0.0)
    counts = {"samples": 0, "dropped_objects": 0, "samples_with_drops": 0}
    bar = _progress(todo, progress)
    start = time.perf_counter()

    def on_done(r: BlockResult) -> None:
        for k, v in r.timings.items():
            stage[k] = stage.get(k, 0.0) + v
        stage["write"] += r.write_seconds
        counts["samples"] += r.samples
        counts["dropped_objects"] += r.dropped_objects
        counts["samples_with_drops"] += r.samples_with_drops
        if bar is not None:
            bar.update(r.samples)

    dask_stats = None
    try:
        with _stop_on_signals():
            if scheduler is None and dask_workers is None:
                for _ in run_blocks(path, plan, workers, on_done):
                    pass
            else:
                from .executors.dask import DaskStats
                from .executors.dask import run_blocks as run_dask

                dask_stats = DaskStats()
                for _ in run_dask(path, plan, scheduler=scheduler, local_workers=dask_workers,
                                  on_done=on_done, stats=dask_stats):
                    pass
    except RenderInterrupted as exc:
        raise RenderInterrupted(
            f"{exc}: {counts['samples']} samples rendered in this run and kept "
            f"({plan.samples_todo - counts['samples']} of {n} still to do); finish with the "
            "same command and --resume", exc.exit_code) from None
    except UserError:
        if plan.created and counts["samples"] == 0:
            _remove_store(path)  # bad input: leave nothing behind
        raise
    finally:
        if bar is not None:
            bar.close()
    summary = RenderSummary(store=path, samples=n, rendered=todo,
                            skipped_blocks=plan.skipped_blocks,
                            seconds=time.perf_counter() - start,
                            workers=dask_stats.workers if dask_stats else workers,
                            stage_seconds=stage,
                            executor=f"dask {dask_stats.address}" if dask_stats else "local",
                            retries=dask_stats.retries if dask_stats else 0,
                            failures=dask_stats.failures if dask_stats else 0,
                            dropped_objects=counts["dropped_objects"],
                            samples_with_drops=counts["samples_with_drops"],
                            notes=list(plan.notes))
    # Every block has finished, so no worker can see this write (store.runlog).
    append_run(path, render_record(summary, block_size=block_size, resume=resume))
    return summary


@contextmanager
def _stop_on_signals():
    """SIGINT and SIGTERM raise ``RenderInterrupted`` in the main thread, so the executor's
    clean-up runs (workers stopped, nothing half-marked done)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, _frame):
        raise RenderInterrupted(f"interrupted by {signal.Signals(signum).name}", 128 + signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _remove_store(path: str) -> None:
    if is_url(path):
        import fsspec

        fs, root = fsspec.core.url_to_fs(path)
        fs.rm(root, recursive=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _progress(total: int, enabled: bool):
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="sample", desc="render", file=sys.stderr, dynamic_ncols=True)
