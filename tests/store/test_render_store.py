"""End-to-end renders into real Zarr stores: determinism across worker counts, the store
matching the engine, the layout readable with plain zarr, and the overwrite rules."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

import simengine
from simengine.cli import main
from tests.conftest import assert_samples_equal, tree_bytes

N = 6
BLOCK = 2


@pytest.fixture(scope="module")
def stores(tmp_path_factory, mini_scene_path):
    base = tmp_path_factory.mktemp("stores")
    out = {}
    for workers in (1, 2):
        path = base / f"w{workers}.zarr"
        code = main(["render", str(mini_scene_path), "-n", str(N), "-o", str(path), "--seed",
                     "7", "--workers", str(workers), "--block-size", str(BLOCK),
                     "--no-progress"])
        assert code == 0
        out[workers] = path
    return out


def test_one_and_two_workers_give_byte_identical_stores(stores):
    one, two = tree_bytes(stores[1]), tree_bytes(stores[2])
    assert one.keys() == two.keys()
    differing = [k for k in one if one[k] != two[k]]
    assert differing == []


def test_store_samples_equal_engine_samples(stores, mini_scene_path):
    store = simengine.open_store(stores[2])
    engine = simengine.Engine(simengine.load_scene(mini_scene_path), seed=7)
    assert len(store) == N
    for k in range(N):
        assert_samples_equal(store[k], engine.sample(k))


def test_different_seed_gives_different_samples(mini_scene_path):
    spec = simengine.load_scene(mini_scene_path)
    a = simengine.Engine(spec, seed=7).sample(0)
    b = simengine.Engine(spec, seed=8).sample(0)
    assert not np.array_equal(a["objects/position"], b["objects/position"])


def test_layout_readable_with_plain_zarr(stores):
    root = zarr.open_group(str(stores[1]), mode="r")
    attrs = root.attrs["simengine"]
    assert attrs["num_samples"] == N and attrs["root_seed"] == 7
    assert attrs["classes"][:3] == ["background", "ground", "wall"]
    rgb = root["camera/cam/rgb"]
    assert rgb.shape == (N, 2, 48, 64, 3) and rgb.dtype == np.uint8
    assert rgb.chunks == (1, 2, 48, 64, 3)
    assert rgb.shards == (BLOCK, 2, 48, 64, 3)
    assert root["lidar/lid/range"].shape == (N, 2, 16, 90)
    assert root["audio/mics/waveform"].shape == (N, 4, round(0.6 * 8000))
    assert root["meta/done"][:].all()
    assert root["meta/done"].chunks == (BLOCK,)
    for name in attrs["arrays"]:
        assert root[name].shape[0] == N


def test_render_refuses_a_store_from_another_seed(stores, mini_scene_path, capsys):
    before = tree_bytes(stores[1])
    code = main(["render", str(mini_scene_path), "-n", str(N), "-o", str(stores[1]),
                 "--seed", "8", "--block-size", str(BLOCK), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "another render" in err and "root_seed" in err and "--overwrite" in err
    assert tree_bytes(stores[1]) == before


def test_render_refuses_to_rerender_without_resume(stores, mini_scene_path, capsys):
    code = main(["render", str(mini_scene_path), "-n", str(N), "-o", str(stores[1]),
                 "--seed", "7", "--block-size", str(BLOCK), "--no-progress"])
    assert code == 2
    assert "--resume" in capsys.readouterr().err


def test_resume_of_a_complete_store_renders_nothing(stores, mini_scene_path, capsys):
    before = tree_bytes(stores[1])
    code = main(["render", str(mini_scene_path), "-n", str(N), "-o", str(stores[1]),
                 "--seed", "7", "--block-size", str(BLOCK), "--resume", "--no-progress"])
    assert code == 0
    assert "rendered 0 of 6" in capsys.readouterr().out
    assert tree_bytes(stores[1]) == before


def test_overwrite_replaces_a_store(tmp_path, mini_scene_path):
    path = tmp_path / "s.zarr"
    args = ["render", str(mini_scene_path), "-n", "2", "-o", str(path), "--no-progress",
            "--block-size", "2"]
    assert main([*args, "--seed", "1"]) == 0
    assert main([*args, "--seed", "2", "--overwrite"]) == 0
    assert simengine.open_store(path).attrs["root_seed"] == 2


def test_render_never_touches_a_directory_that_is_not_a_store(tmp_path, mini_scene_path,
                                                               capsys):
    target = tmp_path / "photos"
    target.mkdir()
    (target / "keep.txt").write_text("precious")
    code = main(["render", str(mini_scene_path), "-n", "2", "-o", str(target), "--overwrite",
                 "--no-progress"])
    assert code == 2
    assert "not a simengine store" in capsys.readouterr().err
    assert (target / "keep.txt").read_text() == "precious"
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]


def test_info_reports_the_store(stores, capsys):
    import json

    assert main(["info", str(stores[1]), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["samples_total"] == N and info["samples_done"] == N
    assert info["scene_name"] == "mini" and info["root_seed"] == 7
    assert info["arrays"]["camera/cam/rgb"]["shards"] == [BLOCK, 2, 48, 64, 3]
    assert main(["info", str(stores[1])]) == 0
    text = capsys.readouterr().out
    assert "6 done of 6" in text and "camera/cam/rgb" in text


def test_info_on_a_missing_store_is_a_clear_error(tmp_path, capsys):
    assert main(["info", str(tmp_path / "nope.zarr")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("simengine: error:") and "no such store" in err
    assert "\n" not in err


def test_reader_serves_only_done_samples(tmp_path, mini_scene_path):
    from simengine.jobs.layout import prepare_render_store

    engine = simengine.Engine(simengine.load_scene(mini_scene_path), seed=0)
    path = str(tmp_path / "partial.zarr")
    blocks = prepare_render_store(path, engine, 4, 2, resume=False, overwrite=False)
    assert list(blocks) == [0, 1]
    from simengine.jobs.block import render_block

    render_block(path, 1)
    store = simengine.open_store(path)
    assert list(store.done_indices()) == [2, 3]
    with pytest.raises(IndexError, match="not rendered"):
        store[0]
    assert_samples_equal(store[3], engine.sample(3))
    with pytest.raises(IndexError):
        store[4]
