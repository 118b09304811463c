"""What every worker process runs: one set-up (``set_up_worker``) for the local pool's and
Dask's block workers, ``simengine.stream``'s processes and torch DataLoader workers, and the
block job with errors that cross a process boundary intact.

An exception raised in a worker reaches the parent by pickling. A ``UserError`` (bad input,
a damaged store) must arrive as itself, so the CLI prints its one line and exits 2; any
other exception becomes an ``InternalWorkerError`` carrying its type, message and the
worker's traceback (exit 1; ``SIMENGINE_DEBUG=1`` prints the traceback), so no exception
that cannot be pickled turns into a bare pool failure.
"""

from __future__ import annotations

import os
import pickle
import traceback

from .. import settings
from ..errors import InternalWorkerError, UserError


def threads_per_worker(workers: int) -> int:
    """Numba threads for each of ``workers`` processes sharing this machine's cores."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def set_up_worker(threads: int | None) -> None:
    """The process-wide settings (before Numba starts its threads: the OpenMP wait policy
    must be in place when its runtime loads), then this worker's Numba threads capped at
    ``threads`` (None: all of Numba's) so that W workers share the cores instead of
    oversubscribing them. Numba's thread count is per thread: call this in the thread that
    runs the kernels."""
    settings.apply()
    import numba  # here, not at import: the torch adapter's store readers import this module

    limit = numba.config.NUMBA_NUM_THREADS
    numba.set_num_threads(limit if threads is None else max(1, min(threads, limit)))


def render_block_safely(path: str, block: int):
    """``jobs.block.render_block``, its errors made safe to pickle (module documentation)."""
    from .block import render_block

    try:
        return render_block(path, block)
    except UserError as exc:
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            raise UserError(str(exc)) from None
        raise
    except Exception as exc:
        raise InternalWorkerError(f"block {block}: {exc.__class__.__name__}: {exc}",
                                  traceback.format_exc()) from None
