"""The embedded executor: blocks of a store rendered on a local process pool.

Workers are started with ``spawn`` (a fresh interpreter each; no forked PyBullet or Numba
thread state), and each caps its Numba threads so that W workers share the cores instead of
oversubscribing them. Results are deterministic whatever the worker count: a block's content
depends only on the store's attributes and the block index.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from ..store.writer import BlockResult, render_block


def _init_worker(threads: int) -> None:
    import numba

    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def run_blocks(path: str, blocks: Iterable[int], workers: int,
               on_done: Callable[[BlockResult], None] | None = None) -> Iterator[BlockResult]:
    """Render ``blocks`` of the store at ``path``; yields results as blocks finish."""
    blocks = list(blocks)
    if workers <= 1:
        for b in blocks:
            result = render_block(path, b)
            if on_done:
                on_done(result)
            yield result
        return
    threads = max(1, (os.cpu_count() or 1) // workers)
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(threads,)) as pool:
        pending = {pool.submit(render_block, path, b) for b in blocks}
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    result = fut.result()
                    if on_done:
                        on_done(result)
                    yield result
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
