"""``kernel``: how every Numba kernel is compiled (nopython, no fastmath, the cache policy of
``simengine.settings``).

Each kernel module's cache lives in a subdirectory named by a hash of that module and of every
module it takes kernels from. Numba checks a cached kernel only against its own file's time
stamp, so a kernel that inlines a function from another module (the camera inlines the
geometry core's intersection code) would otherwise come back stale from the cache after
that other module changed.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numba
from numba.core.dispatcher import Dispatcher

from . import settings


def _kernel_sources(module_name: str, seen: set[str]) -> None:
    """The files of ``module_name`` and, transitively, of the modules its kernels come from
    (the dispatchers among its globals, i.e. what it imported or defined so far)."""
    module = sys.modules[module_name]
    path = getattr(module, "__file__", None)
    if path is None or path in seen:
        return
    seen.add(path)
    for value in list(vars(module).values()):
        inner = getattr(value, "py_func", None)
        if isinstance(value, Dispatcher) and inner is not None:
            _kernel_sources(inner.__module__, seen)


def module_digest(module_name: str) -> str:
    seen = {__file__}  # the compile options set here
    _kernel_sources(module_name, seen)
    h = hashlib.sha256(numba.__version__.encode())
    for path in sorted(seen):
        h.update(Path(path).name.encode())
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:16]


def kernel(*args, parallel: bool = False, refcounts: bool = True, **kwargs):
    """``numba.njit`` in nopython mode with the project's cache policy.

    ``refcounts=False`` compiles without Numba's reference counting (its ``_nrt`` option),
    for small non-inlined helpers that allocate nothing and are called many times from a
    parallel loop: with it, every call increments and decrements the count of each array
    argument, atomically, on counters all threads share (the camera's shadow-ray call
    spent ~400 ns a call on them). Such a kernel must not create or return arrays."""
    options = {"cache": settings.NUMBA_CACHE, "parallel": parallel, "fastmath": False, **kwargs}
    if not refcounts:
        options["_nrt"] = False

    def decorate(fn):
        if settings.NUMBA_CACHE:
            # read by Numba when it sets up the kernel's cache, i.e. right now
            numba.config.CACHE_DIR = str(settings.numba_cache_base() / module_digest(fn.__module__))
        return numba.njit(**options)(fn)

    if args and callable(args[0]):
        return decorate(args[0])
    if args:
        raise TypeError("kernel takes options by keyword only")
    return decorate
