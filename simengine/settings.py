"""Process-wide settings: the few things simengine sets for a whole process, in one place.

Nothing here changes at import time; the entry points apply the settings explicitly:

- ``simengine.cli.main`` (every ``simengine`` command),
- ``Engine(...)`` (the Python API: an engine is built before any kernel runs),
- ``jobs.worker.set_up_worker``, the first thing every worker process runs (the local pool's
  and Dask's block workers, ``simengine.stream``'s processes, torch DataLoader workers).

The settings:

**Numba compilation cache** (``NUMBA_CACHE``, ``numba_cache_base``). On by default: the
first sample after an install compiles once. ``SIMENGINE_NUMBA_CACHE`` picks the policy:
``0``/``false``/``no`` switches it off (a read-only install, a shared cluster filesystem), a
directory path puts the cache there, and anything else (or unset) uses ``$NUMBA_CACHE_DIR``
or ``~/.cache/simengine/numba``. Read once, when this module loads; ``_numba.kernel`` uses it
as each kernel is defined (``_numba`` says how the cache is keyed).

**OpenMP wait policy** (``apply``). GNU OpenMP (Numba's default threading layer here) spins,
then sleeps, between parallel regions; on the VMs we measured, waking the sleepers cost ~8 ms
per kernel launch, more than a whole 640×480 render, and passive waiting 4 µs. So
``OMP_WAIT_POLICY`` defaults to ``passive``. It must be set before the OpenMP runtime loads
(at the first parallel kernel call, or ``numba.set_num_threads``), which is why the entry
points apply it before either; a user's own setting wins. Child processes inherit it.

**Warm start** (``simengine._warmup.warm_start``). With the cache on and cold, the two
largest kernels compile side by side (the camera's renderer in a child process, the ray
caster in this one). ``Engine.sample`` calls it before its first sample, and
``simengine render`` once before starting its workers; it does nothing after the first call
in a process, with the cache off, or once the renderer is cached.
"""

from __future__ import annotations

import os
from pathlib import Path

OMP_WAIT_POLICY = "passive"

_SETTING = os.environ.get("SIMENGINE_NUMBA_CACHE", "").strip()
NUMBA_CACHE = _SETTING.lower() not in {"0", "false", "no"}


def numba_cache_base() -> Path:
    """The folder that holds the compilation cache (one subfolder per kernel module)."""
    if _SETTING and _SETTING.lower() not in {"1", "true", "yes"}:
        return Path(_SETTING).expanduser()
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    return Path.home() / ".cache" / "simengine" / "numba"


def apply() -> None:
    """Apply the process-wide settings (idempotent; module documentation)."""
    os.environ.setdefault("OMP_WAIT_POLICY", OMP_WAIT_POLICY)
