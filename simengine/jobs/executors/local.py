"""The embedded executor: blocks of a store rendered on a local process pool.

Workers are started with ``spawn`` (a fresh interpreter each; no forked PyBullet or Numba
thread state), and each caps its Numba threads so that W workers share the cores instead of
oversubscribing them. Results are deterministic whatever the worker count: a block's content
depends only on the store's attributes and the block index.

Blocks are submitted in a bounded window (``WINDOW_PER_WORKER`` per worker), so a render of
10⁹ samples holds a handful of futures, not one per block. Workers ignore SIGINT (Ctrl-C in
a terminal reaches the whole process group; the parent decides) and die with their parent
(``PR_SET_PDEATHSIG`` on Linux), so a killed render leaves no orphan rendering on. An
interrupted render stops its workers at once: finished blocks stay done, the blocks they
were writing stay not done and ``--resume`` renders them.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from ...errors import InternalWorkerError
from ..worker import render_block_safely, set_up_worker, threads_per_worker

WINDOW_PER_WORKER = 2


def _init_worker(threads: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    set_up_worker(threads)


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM this worker when its parent dies (even by SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pool's own EOF handling remains
        pass


def run_blocks(path: str, blocks: Iterable[int], workers: int,
               on_done: Callable | None = None) -> Iterator:
    """Render ``blocks`` of the store at ``path``; yields results as blocks finish."""
    if workers <= 1:
        for b in blocks:
            result = render_block_safely(path, b)
            if on_done:
                on_done(result)
            yield result
        return
    threads = threads_per_worker(workers)
    ctx = mp.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                               initargs=(threads,))
    todo = iter(blocks)
    pending: set[Future] = set()
    finished_cleanly = False
    try:
        for b in todo:
            pending.add(pool.submit(render_block_safely, path, b))
            if len(pending) >= WINDOW_PER_WORKER * workers:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    raise InternalWorkerError(
                        "a worker process died while rendering (killed by a signal, or out "
                        "of memory); the blocks finished so far are kept: run the same "
                        "command with --resume to continue") from None
                if on_done:
                    on_done(result)
                yield result
                nxt = next(todo, None)
                if nxt is not None:
                    pending.add(pool.submit(render_block_safely, path, nxt))
        finished_cleanly = True
    finally:
        if finished_cleanly:
            pool.shutdown(wait=True)
        else:
            _stop(pool, pending)


def _stop(pool: ProcessPoolExecutor, pending: set[Future]) -> None:
    """Stop at once: nothing more starts, the running blocks' workers are terminated (their
    blocks stay not done; ``--resume`` renders them)."""
    for fut in pending:
        fut.cancel()
    processes = list(getattr(pool, "_processes", {}).values())  # no public handle before 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=5)
