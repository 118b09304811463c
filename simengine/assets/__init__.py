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
from .procedural import GeneratedMesh, MeshSource, generated_mesh, mesh_arrays, mesh_bounds

__all__ = ["PYBULLET_DATA", "AssetEscapeError", "AssetResolver", "GenParam", "GeneratedMesh",
           "Generator", "MeshSource", "PartMesh", "asset_bundle", "asset_roots", "generate",
           "generated_mesh", "generator", "generators", "load_obj", "local_bounds",
           "mesh_arrays", "mesh_bounds", "resolve_asset"]
