"""simengine: CPU-first simulation-based multimodal data engine.

Python API::

    import simengine
    scene = simengine.load_scene("scenes/tabletop.yaml")
    engine = simengine.Engine(scene, seed=0)
    sample = engine.sample(0)            # {"camera/front/rgb": ..., "objects/position": ...}
    store = simengine.open_store("out.zarr")
    len(store), store[0]                 # the same dict, read back
"""

from ._version import __version__
from .engine import Engine
from .errors import SimulationError, SpecError, StoreError, UserError
from .labels import decode_instance
from .spec.loader import load_scene

__all__ = ["Engine", "SimulationError", "SpecError", "StoreError", "UserError", "__version__",
           "decode_instance", "load_scene", "open_store", "stream"]


def open_store(path, keys=None):
    """Open a rendered store for reading (see ``simengine.store.reader.StoreReader``);
    ``keys`` selects arrays (names, group prefixes such as ``"objects"``, or globs)."""
    from .store.reader import StoreReader

    return StoreReader(path, keys=keys)


def stream(engine, batch_size=1, **kwargs):
    """Background generation into NumPy batches (see ``simengine.streaming``)."""
    from .streaming import stream as _stream

    return _stream(engine, batch_size, **kwargs)
