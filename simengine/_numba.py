"""One place that decides how Numba kernels are compiled.

Compilation caching is on by default (first import after install compiles once), but a
read-only install or a shared cluster filesystem may not want it: set
``SIMENGINE_NUMBA_CACHE=0`` to switch it off.
"""

from __future__ import annotations

import os

# GNU OpenMP (Numba's default threading layer here) spins, then sleeps, between parallel
# regions; on the VMs we measured, waking the sleepers cost ~8 ms per kernel launch, more
# than a whole 640×480 render. Passive waiting measured 4 µs. Must be set before the
# OpenMP runtime loads (at the first parallel kernel call); a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numba

CACHE = os.environ.get("SIMENGINE_NUMBA_CACHE", "1").strip().lower() not in {"0", "false", "no"}


def kernel(*args, parallel: bool = False, **kwargs):
    """``numba.njit`` in nopython mode with the project's cache policy."""
    options = {"cache": CACHE, "parallel": parallel, "fastmath": False, **kwargs}
    if args and callable(args[0]):
        return numba.njit(**options)(args[0])
    return numba.njit(*args, **options)
