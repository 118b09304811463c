"""A DataLoader worker finishes handing its last batch over before its interpreter ends.

torch closes a worker's data queue without waiting for the queue's sender thread
(``cancel_join_thread``), so a worker told to stop (the loader went away: a ``break``, an
exception in the training loop) could start finalising its interpreter while that thread
still pickled a batch's tensors or freed them, with the GIL released. CPython (before 3.14)
ends such a thread with ``pthread_exit`` when it asks for the GIL back; torch asks for it in
C++ code that may not be unwound through (seen in gdb: ``THPStorage_shareFd`` and
``THPVariable_clear`` taking the GIL back), so the C++ runtime printed
``terminate called without an active exception`` and aborted the worker (``DataLoader
worker ... killed by signal: Aborted`` in the main process).

``in_worker()``, called by the adapter's code that runs in workers, registers an ``atexit``
hook that joins those threads first: ``atexit`` runs before the interpreter finalises, and
by then the queue is closed, so each thread sends what it holds, drops it and ends.
"""

from __future__ import annotations

import atexit
import threading
import time

from torch.utils.data import get_worker_info

# Only bounds a hang (a loader that stopped reading a full pipe): torch's main process
# terminates a worker that has not exited within 5 s of being told to stop anyway.
HANDOVER_TIMEOUT_S = 10.0
_registered: list[bool] = []  # in this process


def in_worker() -> bool:
    """Whether this is a DataLoader worker; the first time, registers the exit hook."""
    if get_worker_info() is None:
        return False
    if not _registered:
        _registered.append(True)
        atexit.register(join_queue_feeders, HANDOVER_TIMEOUT_S)
    return True


def join_queue_feeders(timeout: float) -> None:
    """Wait up to ``timeout`` s in all for this process's ``multiprocessing.Queue`` sender
    threads (CPython names them ``QueueFeederThread``) to end."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name == "QueueFeederThread" and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
