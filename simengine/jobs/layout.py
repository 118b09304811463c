"""The store layout of a render: what ``store.layout`` creates a store from, taken from an
engine (its arrays, scene, seed and overrides) and the scene's asset files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..assets import asset_bundle
from ..materials import MATERIAL_NAMES
from ..spec.distributions import to_plain
from ..spec.scene import SHAPES
from ..store.layout import StoreLayout, store_attributes
from ..store.prepare import BlockPlan, prepare_store

if TYPE_CHECKING:
    from ..engine import Engine
    from ..spec.scene import SceneSpec


def spec_assets(spec: SceneSpec) -> dict[str, str]:
    """Every asset a scene spec names (name as written -> the file it was resolved to)."""
    found: dict[str, str] = {}
    for g in spec.groups:
        if g.template.asset is not None:
            found[g.template.asset_name or g.template.asset] = g.template.asset
    for s in spec.audio.sources:
        if s.file is not None:
            found[s.file_name or s.file] = s.file
    return dict(sorted(found.items()))


def asset_bundles(spec: SceneSpec) -> dict[str, list[Path]]:
    """Every asset of ``spec`` with the files it loads (``assets.asset_bundle``)."""
    return {name: asset_bundle(path) for name, path in spec_assets(spec).items()}


def shape_names(spec: SceneSpec) -> list[str]:
    """The store's ``shapes`` attribute, which ``objects/shape`` indexes: ``SHAPES``, its
    last entry ``procedural`` only for a scene that has procedural objects (so the stores of
    other scenes keep the attributes, and manifests, they had before it was added)."""
    used = any(g.template.shape == "procedural" for g in spec.groups)
    return [s for s in SHAPES if used or s != "procedural"]


def store_layout(engine: Engine, num_samples: int, block_size: int) -> StoreLayout:
    """The layout of a store of samples ``0..num_samples-1`` of ``engine``."""
    spec = engine.spec
    arrays = engine.outputs()
    bundles = asset_bundles(spec)
    attributes = store_attributes(
        root_seed=engine.seed, num_samples=num_samples, block_size=block_size,
        scene_name=spec.name, scene_hash=spec.hash(), scene=spec.to_dict(),
        overrides=dict(engine.overrides), assets=bundles,
        sensors=[{"name": s.name, "kind": s.kind, "preset": s.preset,
                  "params": {k: to_plain(v) for k, v in s.params.items()}}
                 for s in spec.sensors],
        classes=list(spec.classes), materials=list(MATERIAL_NAMES), shapes=shape_names(spec),
        parts=list(spec.parts), arrays=arrays)
    return StoreLayout(arrays, attributes, bundles)


def prepare_render_store(path: str, engine: Engine, num_samples: int, block_size: int, *,
                         resume: bool, overwrite: bool) -> BlockPlan:
    """``store.prepare.prepare_store`` for samples ``0..num_samples-1`` of ``engine``."""
    return prepare_store(path, store_layout(engine, num_samples, block_size), resume=resume,
                         overwrite=overwrite)
