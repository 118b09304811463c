"""Scene-parameter overrides (curriculum API): validated like a scene file, effective in the
samples (checked against the override's own meaning), recorded in samples and stores."""

from __future__ import annotations

import numpy as np
import pytest

import simengine
from simengine.jobs.render_store import render_store
from simengine.spec.overrides import decode_overrides, parse_path
from tests.conftest import assert_samples_equal


@pytest.fixture(scope="module")
def engine(mini_scene_path):
    return simengine.Engine(simengine.load_scene(mini_scene_path), seed=2)


def test_parse_path():
    assert parse_path("objects[0].count") == ["objects", 0, "count"]
    assert parse_path("objects[blocks].count") == ["objects", ("[", "blocks"), "count"]
    for bad in ("", "[0].x", "objects..count", "objects[0]count"):
        with pytest.raises(simengine.SpecError):
            parse_path(bad)


def test_override_changes_the_scene_and_is_recorded(engine):
    # mini.yaml: blocks count randint [1, 3] plus one ball; fix the blocks at 3 → 4 objects
    hard = engine.with_overrides({"objects[blocks].count": 3,
                                  "world.light.intensity": 0.5})
    assert engine.overrides == {} and hard.seed == engine.seed
    assert hard.spec.hash() != engine.spec.hash()
    for k in range(3):
        s = hard.sample(k)
        assert int(s["objects/count"]) == 4
        assert decode_overrides(s["meta/overrides_json"]) == {"objects[blocks].count": 3,
                                                              "world.light.intensity": 0.5}
    assert decode_overrides(engine.sample(0)["meta/overrides_json"]) == {}
    # overrides accumulate; a later value for a path replaces the earlier one
    harder = hard.with_overrides({"objects[0].count": {"randint": [2, 2]}})
    assert int(harder.sample(0)["objects/count"]) == 3
    assert list(harder.overrides) == ["objects[blocks].count", "world.light.intensity",
                                      "objects[0].count"]


def test_bad_overrides_name_the_path(engine):
    with pytest.raises(simengine.SpecError, match=r"objects\[0\]\.count: expected a number"):
        engine.with_overrides({"objects[0].count": -1})
    with pytest.raises(simengine.SpecError, match=r"objects\[nope\]\.count: no item named"):
        engine.with_overrides({"objects[nope].count": 1})
    with pytest.raises(simengine.SpecError, match=r"world\.lightt: unknown key"):
        engine.with_overrides({"world.lightt.intensity": 1})
    with pytest.raises(simengine.SpecError, match="plain data"):
        engine.with_overrides({"world.light.intensity": object()})


def test_store_records_overrides(engine, tmp_path):
    hard = engine.with_overrides({"objects[blocks].count": 1})
    path = tmp_path / "o.zarr"
    render_store(hard, str(path), 2, block_size=2, progress=False)
    store = simengine.open_store(path)
    assert store.attrs["overrides"] == {"objects[blocks].count": 1}
    for k in range(2):
        assert_samples_equal(store[k], hard.sample(k))
    assert np.all(store.read([0, 1])["objects/count"] == 2)
