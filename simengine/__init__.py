"""simengine: CPU-first simulation-based multimodal data engine.

Python API::

    import simengine
    scene = simengine.load_scene("scenes/tabletop.yaml")
    engine = simengine.Engine(scene, seed=0)
    sample = engine.sample(0)            # {"camera/front/rgb": ..., "objects/position": ...}
    store = simengine.open_store("out.zarr")
    len(store), store[0]                 # the same dict, read back

The names below are imported on first use (module ``__getattr__``): ``import simengine``
and reading a store stay free of Numba and PyBullet, which only the engine needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import SimulationError, SpecError, StoreError, UserError

if TYPE_CHECKING:
    from .engine import Engine
    from .labels import decode_instance
    from .spec.loader import load_scene
    from .store.xarray_view import open_xarray

__all__ = ["Engine", "SimulationError", "SpecError", "StoreError", "UserError", "__version__",
           "decode_instance", "load_scene", "open_store", "open_xarray", "stream"]

_LAZY = {"Engine": ".engine", "decode_instance": ".labels", "load_scene": ".spec.loader",
         "open_xarray": ".store.xarray_view"}  # xarray and dask only when called


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def open_store(path, keys=None):
    """Open a rendered store for reading (see ``simengine.store.reader.StoreReader``);
    ``keys`` selects arrays (names, group prefixes such as ``"objects"``, or globs)."""
    from .store.reader import StoreReader

    return StoreReader(path, keys=keys)


def stream(engine, batch_size=1, **kwargs):
    """Background generation into NumPy batches (see ``simengine.jobs.stream``)."""
    from .jobs.stream import stream as _stream

    return _stream(engine, batch_size, **kwargs)
