"""Generate samples in the background and serve them to a training loop as NumPy batches.

    for batch in simengine.stream(engine, batch_size=8, workers=2, start=0, stop=1024):
        batch["camera/front/rgb"].shape        # (8, F, H, W, 3)

Order: batch ``i`` holds samples ``start + i*batch_size ... start + (i+1)*batch_size - 1``
(the last batch may be short unless ``drop_last``), exactly ``engine.sample(k)`` for each
``k``, whatever ``workers`` is. Every array is already fixed-shape (labels are padded to the
scene's maximum object and event counts, with ``objects/count`` and ``events/count``), so a
batch is each key stacked on a new leading axis (``collate``).

Workers: ``workers=0`` generates in one background thread of this process; ``workers=W>=1``
uses W spawned processes (fresh interpreters, each with its own engine and
``cpu_count // W`` Numba threads: ``jobs.worker.set_up_worker``). Processes, not threads:
two threads each running its own engine (1 Numba thread each) measured 1.0x one thread on
the tabletop scene on 2 cores (PyBullet stepping and the Python glue around the kernels
hold the GIL). At
most ``prefetch`` batches are in flight or waiting; generation stops when they are not
consumed. ``close()`` (or leaving a ``with`` block, ``break``-ing out of a ``for`` loop, an
exception in the loop) stops the workers; an exception in a worker is raised in the loop.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from ..store.batched import select_keys
from .worker import set_up_worker, threads_per_worker

if TYPE_CHECKING:  # the batch helpers here serve store readers too: no engine at import
    from ..engine import Engine


def common_keys(samples: Sequence[Mapping[str, np.ndarray]]) -> list[str]:
    """The keys every sample has (all samples of a batch share one layout)."""
    if not samples:
        raise ValueError("cannot collate an empty list of samples")
    keys = samples[0].keys()
    for s in samples[1:]:
        if s.keys() != keys:
            raise ValueError("samples have different keys")
    return list(keys)


def collate(samples: Sequence[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Stack samples key by key on a new leading batch axis (all samples share a layout)."""
    return {k: np.stack([np.asarray(s[k]) for s in samples]) for k in common_keys(samples)}


def valid_mask(count: np.ndarray, capacity: int) -> np.ndarray:
    """``(B, capacity)`` boolean mask of the real entries of padded labels, from a batch of
    counts such as ``objects/count`` (capacity: the padded axis length)."""
    return np.arange(capacity)[None, :] < np.asarray(count).reshape(-1, 1)


def batch_indices(start: int, stop: int | None, batch_size: int, drop_last: bool = False
                  ) -> Iterator[range]:
    """The sample indices of each batch, in order (``stop=None``: endless)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if start < 0 or (stop is not None and stop < start):
        raise ValueError(f"expected 0 <= start <= stop, got start={start}, stop={stop}")
    lo = start
    while stop is None or lo < stop:
        hi = lo + batch_size if stop is None else min(lo + batch_size, stop)
        if hi - lo < batch_size and drop_last:
            return
        yield range(lo, hi)
        lo = hi


# --- process workers ----------------------------------------------------------------------

_WORKER: dict[str, Engine] = {}  # the engine of this worker process


def _init_worker(engine: Engine, threads: int) -> None:
    set_up_worker(threads)
    _WORKER["engine"] = engine


def _make_batch(indices: range, keys: tuple[str, ...] | None) -> dict[str, np.ndarray]:
    return _generate(_WORKER["engine"], indices, keys)


def _generate(engine: Engine, indices: Iterable[int], keys: tuple[str, ...] | None
              ) -> dict[str, np.ndarray]:
    samples = []
    for k in indices:
        s = engine.sample(k)
        samples.append(s if keys is None else {key: s[key] for key in keys})
    return collate(samples)


class Stream:
    """An iterator of batches; see the module documentation. Also a context manager."""

    def __init__(self, engine: Engine, batch_size: int = 1, *, workers: int = 0,
                 start: int = 0, stop: int | None = None, prefetch: int | None = None,
                 drop_last: bool = False, keys: Iterable[str] | str | None = None) -> None:
        if workers < 0:
            raise ValueError("workers must be >= 0")
        self.engine = engine
        self.batch_size = batch_size
        self.workers = workers
        self.keys = None if keys is None else select_keys(tuple(engine.outputs()), keys)
        self.prefetch = max(1, prefetch if prefetch is not None else 2 * max(1, workers))
        self._plan = batch_indices(start, stop, batch_size, drop_last)
        self._closed = False
        self._pool: ProcessPoolExecutor | None = None
        self._futures: deque[Future] = deque()
        self._thread: threading.Thread | None = None
        self._queue: queue.Queue | None = None
        self._stop = threading.Event()
        if workers >= 1:
            threads = threads_per_worker(workers)
            self._pool = ProcessPoolExecutor(max_workers=workers,
                                             mp_context=mp.get_context("spawn"),
                                             initializer=_init_worker,
                                             initargs=(engine, threads))
            self._fill()
        else:
            self._queue = queue.Queue(maxsize=self.prefetch)
            # The thread gets what it needs, not ``self``: a thread holding the stream would
            # keep it alive, so a plain ``break`` would never reach ``__del__`` and the
            # thread would run (and hold its engine) until the process ends.
            self._thread = threading.Thread(
                target=_produce, name="simengine-stream", daemon=True,
                args=(engine, self._plan, self.keys, self._queue, self._stop))
            self._thread.start()

    # --- process mode ---
    def _fill(self) -> None:
        assert self._pool is not None
        while len(self._futures) < self.prefetch:
            indices = next(self._plan, None)
            if indices is None:
                return
            self._futures.append(self._pool.submit(_make_batch, indices, self.keys))

    # --- iterator protocol ---
    def __iter__(self) -> Stream:
        return self

    def __next__(self) -> dict[str, np.ndarray]:
        if self._closed:
            raise StopIteration
        try:
            if self._pool is not None:
                if not self._futures:
                    raise StopIteration
                fut = self._futures.popleft()
                batch = fut.result()
                self._fill()
                return batch
            assert self._queue is not None
            item = self._queue.get()
            if item is _END:
                raise StopIteration
            if isinstance(item, _Failure):
                raise item.exc
            return item
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop generating and release the workers (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._pool is not None:
            for f in self._futures:
                f.cancel()
            self._futures.clear()
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()  # at most the batch being generated

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # interpreter shutdown
            self.close()


# --- thread mode ---------------------------------------------------------------------------

def _produce(engine: Engine, plan: Iterator[range], keys: tuple[str, ...] | None,
             out: queue.Queue, stop: threading.Event) -> None:
    """Generate the batches of ``plan`` into ``out`` until done or ``stop`` is set."""
    try:
        for indices in plan:
            if stop.is_set():
                return
            item: Any = _generate(engine, indices, keys)
            while not _put(out, item, stop):
                if stop.is_set():
                    return
        _put(out, _END, stop, block=True)
    except BaseException as exc:  # handed to the consumer
        _put(out, _Failure(exc), stop, block=True)


def _put(out: queue.Queue, item: Any, stop: threading.Event, block: bool = False) -> bool:
    while True:
        try:
            out.put(item, timeout=0.1)
            return True
        except queue.Full:
            if stop.is_set() or not block:
                return False


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


_END = object()


def stream(engine: Engine, batch_size: int = 1, *, workers: int = 0, start: int = 0,
           stop: int | None = None, prefetch: int | None = None, drop_last: bool = False,
           keys: Iterable[str] | str | None = None) -> Stream:
    """Batches of samples ``start .. stop-1`` (``stop=None``: endless) generated in the
    background; see the module documentation for order, workers and shutdown."""
    return Stream(engine, batch_size, workers=workers, start=start, stop=stop,
                  prefetch=prefetch, drop_last=drop_last, keys=keys)
