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
import sys
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
    oversubscribing them, and the native thread pools beside Numba capped the same way
    (``cap_native_threads``). Numba's thread count is per thread: call this in the thread
    that runs the kernels."""
    settings.apply()
    if threads is not None:
        cap_native_threads(max(1, threads))
    import numba  # here, not at import: the torch adapter's store readers import this module

    limit = numba.config.NUMBA_NUM_THREADS
    numba.set_num_threads(limit if threads is None else max(1, min(threads, limit)))


# Thread pools a worker loads besides Numba's, each sized to every core by default: OpenBLAS
# (numpy's, scipy's and a third copy in another wheel: 3 pools of cpu_count threads, measured
# with threadpoolctl in a render worker), OpenMP (libgomp) and OpenCV (the camera
# corruptions), Blosc (the store writes). The variables reach libraries that load after this
# call; a user's own setting wins. scipy.fft runs on one thread unless asked (``workers=``),
# so it needs none.
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                     "OPENCV_FOR_THREADS_NUM")


def cap_native_threads(threads: int) -> None:
    """Cap the BLAS, OpenMP and OpenCV thread pools of this process at ``threads``: for
    libraries not loaded yet through the environment, for those already loaded (numpy's
    OpenBLAS, loaded with the worker's first import of numpy) through threadpoolctl (a
    dependency; a process without it keeps the variables alone).
    The outputs do not depend on these thread counts (the 1- against 2-worker store tests
    compare a full-threaded parent with capped workers)."""
    for name in _THREAD_VARIABLES:
        os.environ.setdefault(name, str(threads))
    try:
        import threadpoolctl
    except ImportError:
        pass
    else:
        threadpoolctl.threadpool_limits(_env_threads("OPENBLAS_NUM_THREADS", threads),
                                        user_api="blas")
    cv2 = sys.modules.get("cv2")  # already loaded (a Dask worker): OpenCV's own call
    if cv2 is not None:
        cv2.setNumThreads(_env_threads("OPENCV_FOR_THREADS_NUM", threads))
    # Blosc (the store's shards) compresses on threads of its own when called from a main
    # thread, cpu_count by default; its output does not depend on how many.
    import numcodecs.blosc

    numcodecs.blosc.set_nthreads(threads)


def _env_threads(name: str, default: int) -> int:
    """A thread count from the environment (the user's, or ours), ``default`` if unreadable."""
    try:
        return max(1, int(os.environ[name]))
    except (KeyError, ValueError):
        return default


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
