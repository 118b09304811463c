"""What every executor's worker runs: its set-up, and the block job with errors that cross
a process boundary intact.

An exception raised in a worker reaches the parent by pickling. A ``UserError`` (bad input,
a damaged store) must arrive as itself, so the CLI prints its one line and exits 2; any
other exception becomes an ``InternalWorkerError`` carrying its type, message and the
worker's traceback (exit 1; ``SIMENGINE_DEBUG=1`` prints the traceback), so no exception
that cannot be pickled turns into a bare pool failure.
"""

from __future__ import annotations

import pickle
import traceback

from ..errors import InternalWorkerError, UserError


def set_up_worker(threads: int) -> None:
    """Cap this worker's Numba threads so W workers share the cores."""
    import numba

    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def render_block_safely(path: str, block: int):
    from ..store.writer import render_block

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
