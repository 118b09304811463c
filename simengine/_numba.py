"""One place that decides how Numba kernels are compiled.

Compilation caching is on by default (the first sample after an install compiles once).
``SIMENGINE_NUMBA_CACHE`` picks the policy: ``0``/``false``/``no`` switches it off (a
read-only install, a shared cluster filesystem), a directory path puts the cache there, and
anything else (or unset) uses ``$NUMBA_CACHE_DIR`` or ``~/.cache/simengine/numba``.

Each kernel module's cache lives in a subdirectory named by a hash of that module and of every
module it takes kernels from. Numba checks a cached kernel only against its own file's time
stamp, so a kernel that inlines a function from another module (the camera inlines the
geometry core's intersection code) would otherwise come back stale from the cache after
that other module changed.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

# GNU OpenMP (Numba's default threading layer here) spins, then sleeps, between parallel
# regions; on the VMs we measured, waking the sleepers cost ~8 ms per kernel launch, more
# than a whole 640×480 render. Passive waiting measured 4 µs. Must be set before the
# OpenMP runtime loads (at the first parallel kernel call); a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numba
from numba.core.dispatcher import Dispatcher

_SETTING = os.environ.get("SIMENGINE_NUMBA_CACHE", "").strip()
CACHE = _SETTING.lower() not in {"0", "false", "no"}


def cache_base() -> Path:
    if _SETTING and _SETTING.lower() not in {"1", "true", "yes"}:
        return Path(_SETTING).expanduser()
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    return Path.home() / ".cache" / "simengine" / "numba"


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
    options = {"cache": CACHE, "parallel": parallel, "fastmath": False, **kwargs}
    if not refcounts:
        options["_nrt"] = False

    def decorate(fn):
        if CACHE:
            # read by Numba when it sets up the kernel's cache, i.e. right now
            numba.config.CACHE_DIR = str(cache_base() / module_digest(fn.__module__))
        return numba.njit(**options)(fn)

    if args and callable(args[0]):
        return decorate(args[0])
    if args:
        raise TypeError("kernel takes options by keyword only")
    return decorate
