"""Assets: files a scene names (meshes, URDFs, audio clips; ``files.py``) and procedural
generators that build textured, part-labelled triangle meshes from a few parameters
(``generators/``, listed by :func:`generators`).
"""

from .files import (
    PYBULLET_DATA,
    AssetEscapeError,
    AssetResolver,
    asset_bundle,
    asset_roots,
    load_obj,
    local_bounds,
    resolve_asset,
)
from .generators import Generator, GenParam, generate, generator, generators
from .mesh import PartMesh

__all__ = ["PYBULLET_DATA", "AssetEscapeError", "AssetResolver", "GenParam", "Generator",
           "PartMesh", "asset_bundle", "asset_roots", "generate", "generator", "generators",
           "load_obj", "local_bounds", "resolve_asset"]
