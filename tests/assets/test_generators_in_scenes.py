"""Every generator works in a scene: objects with parameters drawn by the instance sampler
are dropped under physics and rendered without an error or a blow-up, and each sample's 3D
box label equals trimesh's bounds of the mesh its recorded parameters build."""

from __future__ import annotations

import numpy as np
import pytest

from simengine import Engine, decode_instance
from simengine.assets import generate, generator, generators
from simengine.assets.sheet import example_scene
from simengine.spec.loader import scene_from_dict

SAMPLES = 3


@pytest.mark.parametrize("name", generators())
def test_drawn_instances_drop_render_and_label_their_mesh_bounds(name):
    spec = scene_from_dict(example_scene(name, None, 32, 24, fixed=False), source=f"{name}.yaml")
    engine = Engine(spec, seed=0)
    drawn = []
    for k in range(SAMPLES):
        sample = engine.sample(k)
        instance = decode_instance(sample["meta/instance_json"])
        obj = instance.objects[0]
        assert obj.generator == name
        drawn.append(tuple(sorted(obj.params.items())))
        mesh = generate(name, obj.params).to_trimesh()
        np.testing.assert_allclose(sample["objects/size"][0], mesh.extents, atol=1e-3)
        # the camera framed for a middle-sized one sees it (thin poles and signs may fall
        # between its 32 x 24 pixels)
        assert sample["camera/cam/instance"].max() == 1 or name in ("pole", "sign")
    if any(p.default is None for p in generator(name).params.values()):
        assert len(set(drawn)) == SAMPLES  # a new object per sample
    else:  # every parameter has a fixed default (a pallet is the EUR pallet unless asked)
        assert len(set(drawn)) == 1
