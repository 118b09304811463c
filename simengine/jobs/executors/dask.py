"""Blocks of a store rendered as Dask distributed tasks (optional: ``pip install
simengine[dask]``).

The task is the same ``render_block(path, b)`` the local pool runs; Dask only schedules it.
``scheduler`` is the address of an existing cluster (``tcp://host:8786``); ``local_workers``
starts a ``LocalCluster`` of that many single-threaded worker processes for one machine and
closes it afterwards. Every worker must see the store (a shared path or an fsspec URL) and
have simengine installed.

Fault tolerance comes from the store contract, not from Dask state: a block's shards are
written whole and its ``meta/done`` chunk last, so a worker killed mid-block leaves that
block unmarked; Dask re-runs the task on another worker (the scheduler notices the lost
worker) and determinism makes the re-run write the same bytes. ``retries`` in the result
counts such re-runs (tasks that were on a worker when it died), read from the scheduler.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ...errors import UserError
from ..block import BlockResult
from ..worker import render_block_safely, set_up_worker, threads_per_worker


@dataclass
class DaskStats:
    """Filled in while ``run_blocks`` runs; complete when it returns."""

    workers: int = 0
    retries: int = 0
    failures: int = 0
    address: str = ""


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise UserError("Dask is not installed: pip install 'simengine[dask]' (needs "
                        "dask[distributed])") from None
    return distributed


def check_cluster(scheduler: str | None) -> None:
    """Fail with a UserError, before anything is written, when Dask is missing or the
    scheduler cannot be reached."""
    distributed = _import_distributed()
    if scheduler is None:
        return
    try:
        distributed.Client(scheduler, set_as_default=False, timeout="10s").close()
    except (OSError, TimeoutError, ValueError) as exc:
        raise UserError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None


def render_block_task(path: str, block: int, numba_threads: int | None) -> BlockResult:
    """``render_block`` with the worker's Numba threads capped (the setting is per thread,
    so it is made in the task's own thread)."""
    if numba_threads is None:
        try:
            from distributed import get_worker

            numba_threads = threads_per_worker(get_worker().state.nthreads)
        except (ImportError, ValueError):  # not on a Dask worker: no cap
            pass
    set_up_worker(numba_threads)
    return render_block_safely(path, block)


def _suspicious_counts(dask_scheduler, keys: list[str]) -> int:  # runs on the scheduler
    total = 0
    for key in keys:
        ts = dask_scheduler.tasks.get(key)
        if ts is not None:
            total += int(ts.suspicious)
    return total


def run_blocks(path: str, blocks: Iterable[int], *, scheduler: str | None = None,
               local_workers: int | None = None,
               on_done: Callable[[BlockResult], None] | None = None,
               stats: DaskStats | None = None) -> Iterator[BlockResult]:
    """Render ``blocks`` of the store at ``path`` on Dask; yields results as blocks finish."""
    if (scheduler is None) == (local_workers is None):
        raise ValueError("give exactly one of scheduler or local_workers")
    distributed = _import_distributed()
    stats = stats if stats is not None else DaskStats()
    cluster = None
    if local_workers is not None:
        cluster = distributed.LocalCluster(n_workers=local_workers, threads_per_worker=1,
                                           processes=True, dashboard_address=None)
        address = cluster.scheduler_address
        threads: int | None = threads_per_worker(local_workers)
    else:
        address = scheduler
        threads = None
    stats.address = str(address)
    try:
        try:
            client = distributed.Client(address, set_as_default=False, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise UserError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        with client:
            stats.workers = len(client.scheduler_info(n_workers=-1)["workers"]) \
                if _accepts_n_workers(client) else len(client.scheduler_info()["workers"])
            tag = f"{os.getpid()}-{id(stats)}"

            def submit(b: int):
                return client.submit(render_block_task, path, b, threads, pure=False,
                                     key=f"simengine-block-{b}-{tag}")

            # a bounded window of tasks: a render of 10⁹ samples must not submit every block
            window = max(2, 2 * max(1, stats.workers))
            todo = iter(blocks)
            first = [submit(b) for _, b in zip(range(window), todo, strict=False)]
            keys = [f.key for f in first]
            queue = distributed.as_completed(first, loop=client.loop)
            try:
                for fut in queue:
                    try:
                        result = fut.result()
                    except Exception:
                        stats.failures += 1
                        raise
                    if on_done:
                        on_done(result)
                    yield result
                    nxt = next(todo, None)
                    if nxt is not None:
                        f = submit(nxt)
                        keys.append(f.key)
                        queue.add(f)
                stats.retries = client.run_on_scheduler(_suspicious_counts, keys=keys)
            finally:
                for f in queue.futures if hasattr(queue, "futures") else ():
                    f.cancel()
    finally:
        if cluster is not None:
            cluster.close()


def _accepts_n_workers(client) -> bool:
    import inspect

    return "n_workers" in inspect.signature(client.scheduler_info).parameters
