"""Damaged stores are detected by ``verify``, refused by every reader (never read as zeros)
and repaired by ``render --resume`` to the bytes of an undamaged render.

The damage is done as a user's disk or hands would do it, to real stores on disk: shard
files deleted, truncated or swapped, a ``meta/done`` or ``meta/manifest`` chunk deleted,
root or array attributes edited.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import simengine
from simengine.cli import main
from tests.conftest import tree_bytes

N, BLOCK = 6, 2


def _render(scene, out, *extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simengine", "render", str(scene), "-n", str(N),
                           "-o", str(out), "--block-size", str(BLOCK), "--no-progress",
                           *extra], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, mini_scene_path) -> Path:
    out = tmp_path_factory.mktemp("pristine") / "s.zarr"
    result = _render(mini_scene_path, out)
    assert result.returncode == 0, result.stderr
    return out


def _rgb_key(store: Path) -> str:
    attrs = json.loads((store / "zarr.json").read_text())["attributes"]["simengine"]
    return next(k for k in attrs["arrays"] if k.endswith("/rgb"))


def _shard(store: Path, key: str, block: int) -> Path:
    shards = sorted((store / key / "c").glob(f"{block}/**/*"))
    return next(p for p in shards if p.is_file())


def _delete_shard(s: Path) -> None:
    _shard(s, _rgb_key(s), 1).unlink()


def _truncate_shard(s: Path) -> None:
    f = _shard(s, _rgb_key(s), 1)
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])


def _swap_shards(s: Path) -> None:
    a, b = _shard(s, _rgb_key(s), 0), _shard(s, _rgb_key(s), 1)
    da, db = a.read_bytes(), b.read_bytes()
    a.write_bytes(db)
    b.write_bytes(da)


def _swap_depth_shards(s: Path) -> None:  # a label array, not the image
    key = _rgb_key(s).replace("/rgb", "/depth")
    a, b = _shard(s, key, 1), _shard(s, key, 2)
    da, db = a.read_bytes(), b.read_bytes()
    a.write_bytes(db)
    b.write_bytes(da)


def _delete_done_chunk(s: Path) -> None:
    (s / "meta" / "done" / "c" / "1").unlink()


def _delete_manifest_chunk(s: Path) -> None:
    shutil.rmtree(s / "meta" / "manifest" / "c" / "1")


def _edit_root_attrs(s: Path) -> None:
    doc = json.loads((s / "zarr.json").read_text())
    doc["attributes"]["simengine"]["classes"][-1] = "edited"
    (s / "zarr.json").write_text(json.dumps(doc))


def _edit_array_fill(s: Path) -> None:
    meta = s / _rgb_key(s) / "zarr.json"
    doc = json.loads(meta.read_text())
    doc["fill_value"] = 7
    meta.write_text(json.dumps(doc))


def _edit_sample_count(s: Path) -> None:
    doc = json.loads((s / "zarr.json").read_text())
    doc["attributes"]["simengine"]["num_samples"] = N - 2
    (s / "zarr.json").write_text(json.dumps(doc))


DAMAGE = {"deleted shard": (_delete_shard, [2, 3]), "truncated shard": (_truncate_shard, [2, 3]),
          "swapped shards": (_swap_shards, [0, 1, 2, 3]),
          "swapped label shards": (_swap_depth_shards, [2, 3, 4, 5]),
          "deleted done chunk": (_delete_done_chunk, [2, 3]),
          "deleted manifest chunk": (_delete_manifest_chunk, [2, 3]),
          "edited root attributes": (_edit_root_attrs, list(range(N))),
          "edited array metadata": (_edit_array_fill, list(range(N))),
          "edited sample count": (_edit_sample_count, list(range(N)))}


@pytest.fixture(params=sorted(DAMAGE))
def damaged(request, pristine, tmp_path) -> tuple[Path, list[int], str]:
    store = tmp_path / "d.zarr"
    shutil.copytree(pristine, store)
    damage, samples = DAMAGE[request.param]
    damage(store)
    return store, samples, request.param


def test_verify_passes_an_undamaged_store(pristine, capsys):
    assert main(["verify", str(pristine)]) == 0
    assert f"{N} done samples of {N} verified" in capsys.readouterr().out


def test_verify_detects_and_names_damaged_samples(damaged, capsys):
    store, samples, what = damaged
    assert main(["verify", str(store), "--json"]) == 1, what
    report = json.loads(capsys.readouterr().out)
    assert not report["ok"]
    if report["store_problems"]:
        assert what.startswith("edited"), report
    else:
        assert set(samples) <= set(report["damaged_samples"]) or report["damaged_samples"] \
            == samples, (what, report)


def test_readers_refuse_damaged_samples(damaged, pristine):
    store, samples, what = damaged
    clean = simengine.open_store(pristine)
    try:
        reader = simengine.open_store(store)
    except simengine.errors.StoreError as exc:  # refused at open: metadata edited
        assert "edited" in str(exc) or "damaged" in str(exc), what
        return
    for k in samples:
        try:
            got = reader[k]
        except (simengine.errors.StoreError, IndexError) as exc:
            assert "damaged" in str(exc) or "not rendered" in str(exc), (what, exc)
            continue
        # served only when it is exactly what was written
        for key, value in got.items():
            assert np.array_equal(value, clean[k][key]), (what, k, key)
    with pytest.raises((simengine.errors.StoreError, IndexError)):
        reader.read(samples)
    try:  # a whole epoch never yields damaged data: it stops, or leaves them out
        served = [i for b in reader.batches(N, with_index=True) for i in b["index"].tolist()]
    except simengine.errors.StoreError:
        served = []
    assert not set(served) & set(samples), what
    # undamaged samples stay readable
    for k in sorted(set(range(N)) - set(samples)):
        if k in set(reader.done_indices().tolist()):
            assert np.array_equal(reader[k]["meta/time"], clean[k]["meta/time"])


@pytest.mark.parametrize("command", [["export", "{s}", "--format", "coco", "-o", "{t}/coco"],
                                     ["contact-sheet", "{s}", "-o", "{t}/s.png"],
                                     ["report", "{s}", "-o", "{t}/r.html"]])
def test_tools_refuse_a_deleted_shard(pristine, tmp_path, command, capsys):
    store = tmp_path / "d.zarr"
    shutil.copytree(pristine, store)
    _delete_shard(store)
    argv = [a.format(s=store, t=tmp_path) for a in command]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "damaged samples 2-3" in err and "\n" not in err.strip()


def test_resume_repairs_to_the_undamaged_bytes(damaged, pristine, mini_scene_path, capsys):
    """The same ``render --resume`` command line as a user's, run through ``cli.main`` in this
    process (a subprocess per damage only paid interpreter start and Numba cache loading; the
    command in a subprocess is what test_a_store_grows_with_resume_and_keeps_its_samples runs)."""
    store, _, what = damaged
    argv = ["render", str(mini_scene_path), "-n", str(N), "-o", str(store), "--block-size",
            str(BLOCK), "--no-progress", "--resume"]
    assert main(argv) == 0, (what, capsys.readouterr().err)
    assert main(["verify", str(store)]) == 0, what
    assert tree_bytes(store) == tree_bytes(pristine), what


def test_a_store_grows_with_resume_and_keeps_its_samples(tmp_path, mini_scene_path, pristine):
    """-n 6 on a 3-sample store (its last block short) equals rendering 6 at once."""
    store = tmp_path / "g.zarr"
    small = subprocess.run([sys.executable, "-m", "simengine", "render", str(mini_scene_path),
                            "-n", "3", "-o", str(store), "--block-size", str(BLOCK),
                            "--no-progress"], capture_output=True, text=True, check=False)
    assert small.returncode == 0, small.stderr
    refused = _render(mini_scene_path, store)
    assert refused.returncode == 2 and "--resume to extend it from 3 to 6" in refused.stderr
    grown = _render(mini_scene_path, store, "--resume")
    assert grown.returncode == 0, grown.stderr
    assert "extended from 3 to 6 samples" in grown.stderr
    assert tree_bytes(store) == tree_bytes(pristine)
    shrink = subprocess.run([sys.executable, "-m", "simengine", "render", str(mini_scene_path),
                             "-n", "4", "-o", str(store), "--block-size", str(BLOCK),
                             "--resume", "--no-progress"], capture_output=True, text=True,
                            check=False)
    assert shrink.returncode == 2 and "holds 6 samples" in shrink.stderr


def test_the_viewer_refuses_damaged_samples(pristine, tmp_path):
    from simengine.viewer.routes import App
    from simengine.viewer.store_view import NotFoundError, StoreView

    store = tmp_path / "d.zarr"
    shutil.copytree(pristine, store)
    _delete_shard(store)
    view = StoreView(store)
    key = _rgb_key(store)
    assert view.read(key, 0).any()
    with pytest.raises(NotFoundError, match="damaged samples 2-3"):
        view.read(key, 2)
    app = App(view)
    with pytest.raises(NotFoundError, match="damaged"):
        app.handle(f"/api/array?sample=2&key={key}")


def test_info_says_when_done_samples_lost_shards(pristine, tmp_path, capsys):
    store = tmp_path / "d.zarr"
    shutil.copytree(pristine, store)
    assert main(["info", str(store), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["samples_missing_shards"] == []
    _delete_shard(store)
    assert main(["info", str(store)]) == 0
    assert "DAMAGED    samples 2-3" in capsys.readouterr().out
