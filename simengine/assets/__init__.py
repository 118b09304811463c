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
    local_bounds,
    resolve_asset,
)
from .generators import Generator, GenParam, generate, generator, generators
from .mesh import PartMesh
from .mesh_files import MESH_SUFFIXES, LoadedMesh, load_mesh_file, mesh_file_arrays
from .procedural import GeneratedMesh, MeshSource, generated_mesh, mesh_arrays, mesh_bounds

__all__ = ["MESH_SUFFIXES", "PYBULLET_DATA", "AssetEscapeError", "AssetResolver", "GenParam",
           "GeneratedMesh", "Generator", "LoadedMesh", "MeshSource", "PartMesh", "asset_bundle",
           "asset_roots", "generate", "generated_mesh", "generator", "generators",
           "load_mesh_file", "local_bounds", "mesh_arrays", "mesh_bounds", "mesh_file_arrays",
           "resolve_asset"]
