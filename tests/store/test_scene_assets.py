"""A scene's own files (a mesh with its material and texture, an audio clip) are resolved
once at load and copied into the store: the store renders, resumes and grows from another
working directory and after the scene's folder is gone, with samples byte-identical to the
in-process engine's. Errors raised in workers reach the user intact; names leading out of
the allowed folders are refused."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PIL import Image

import simengine
from simengine.errors import DamagedStoreError, SpecError
from tests.conftest import assert_samples_equal

CUBE_OBJ = """mtllib cube.mtl
v -0.5 -0.5 -0.5
v 0.5 -0.5 -0.5
v 0.5 0.5 -0.5
v -0.5 0.5 -0.5
v -0.5 -0.5 0.5
v 0.5 -0.5 0.5
v 0.5 0.5 0.5
v -0.5 0.5 0.5
usemtl crate
f 1 3 2
f 1 4 3
f 5 6 7
f 5 7 8
f 1 2 6
f 1 6 5
f 2 3 7
f 2 7 6
f 3 4 8
f 3 8 7
f 4 1 5
f 4 5 8
"""

SCENE = """name: own-assets
world: {{ground: {{material: concrete}}, bounds: {{min: [-5, -5, -1], max: [5, 5, 5]}}}}
objects:
  - name: crate
    template: {{shape: mesh, mesh: {mesh}, scale: 0.2, class: crate, material: wood}}
    position: [0.0, 0.0, {{uniform: [0.3, 0.5]}}]
simulation: {{capture_times: [0.3], duration: 0.3, max_events: 8}}
sensors:
  - name: cam
    preset: rgbd_d435_640x480
    overrides: {{width: 32, height: 24}}
    pose: {{position: [1.2, 0.0, 0.6], look_at: [0.0, 0.0, 0.2]}}
  - name: mics
    preset: binaural_0.18m
    pose: {{position: [0.8, 0.0, 0.5]}}
audio:
  sources:
    - {{name: radio, kind: clip, file: {clip}, position: [0.5, 0.5, 0.3], level_db_spl: 60}}
"""


def _write_scene(folder: Path, mesh: str = "meshes/cube.obj", clip: str = "clips/tone.wav"
                 ) -> Path:
    (folder / "meshes").mkdir(parents=True, exist_ok=True)
    (folder / "clips").mkdir(exist_ok=True)
    (folder / "meshes" / "cube.obj").write_text(CUBE_OBJ)
    (folder / "meshes" / "cube.mtl").write_text("newmtl crate\nKd 0.6 0.4 0.2\nmap_Kd crate.png\n")
    Image.new("RGB", (4, 4), (150, 100, 50)).save(folder / "meshes" / "crate.png")
    t = np.arange(4800) / 16000
    soundfile.write(folder / "clips" / "tone.wav", 0.1 * np.sin(2 * np.pi * 440 * t), 16000)
    scene = folder / "scene.yaml"
    scene.write_text(SCENE.format(mesh=mesh, clip=clip))
    return scene


def _cli(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simengine", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_a_store_renders_resumes_and_grows_without_the_scene_folder(tmp_path):
    scene_dir, elsewhere, other_cwd = tmp_path / "proj", tmp_path / "out", tmp_path / "cwd"
    other_cwd.mkdir()
    scene = _write_scene(scene_dir)
    store = elsewhere / "x.zarr"
    first = _cli("render", scene, "-n", 4, "-o", store, "--workers", 2, "--block-size", 2,
                 "--no-progress", cwd=other_cwd)
    assert first.returncode == 0, first.stderr
    reference = simengine.Engine(simengine.load_scene(scene), seed=0)
    stored = simengine.open_store(store)
    for k in range(4):
        assert_samples_equal(stored[k], reference.sample(k))
    # the sample records the names the scene wrote, never a path of this machine
    inst = simengine.decode_instance(stored[0]["meta/instance_json"])
    assert inst.objects[0].asset == "meshes/cube.obj"
    assert inst.extra["audio"]["sources"][0]["file"] == "clips/tone.wav"
    sample5 = reference.sample(5)  # while the scene's files are where the scene says

    # the scene's folder moves away: the store still finishes and grows from its copies
    moved = tmp_path / "moved"
    shutil.move(scene_dir, moved)
    grown = _cli("render", moved / "scene.yaml", "-n", 6, "-o", store, "--workers", 2,
                 "--block-size", 2, "--resume", "--no-progress", cwd=other_cwd)
    assert grown.returncode == 0, grown.stderr
    shutil.rmtree(moved)
    from simengine.jobs.block import _ENGINES, render_block

    _ENGINES.clear()
    render_block(str(store), 2)  # a worker that sees only the store
    assert_samples_equal(simengine.open_store(store)[5], sample5)


def test_a_changed_asset_is_another_render(tmp_path):
    scene = _write_scene(tmp_path / "proj")
    store = tmp_path / "x.zarr"
    engine = simengine.Engine(simengine.load_scene(scene), seed=0)
    from simengine.jobs.layout import prepare_render_store

    prepare_render_store(str(store), engine, 2, 2, resume=False, overwrite=False)
    (tmp_path / "proj" / "meshes" / "cube.mtl").write_text("newmtl crate\nKd 1 0 0\n")
    changed = simengine.Engine(simengine.load_scene(scene), seed=0)
    with pytest.raises(simengine.errors.StoreError, match=r"another render.*assets"):
        prepare_render_store(str(store), changed, 2, 2, resume=True, overwrite=False)


def test_worker_errors_reach_the_parent_intact(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMENGINE_ASSET_CACHE", str(tmp_path / "cache"))  # nothing cached yet
    scene = _write_scene(tmp_path / "proj")
    store = tmp_path / "x.zarr"
    from simengine.jobs.executors.local import run_blocks
    from simengine.jobs.layout import prepare_render_store

    prepare_render_store(str(store), simengine.Engine(simengine.load_scene(scene), seed=0), 2,
                         2, resume=False, overwrite=False)
    for f in (store / "assets").rglob("c/*"):
        f.unlink()  # every stored asset copy lost
    with pytest.raises(DamagedStoreError, match=r"asset .(clips/tone.wav|meshes/cube.obj)."):
        list(run_blocks(str(store), [0], workers=2))
    from simengine.store.verify import verify_store

    assert any("asset" in p for p in verify_store(str(store)).store_problems)
    err = SpecError("scenes/x.yaml", "objects[0].mesh", "expected a file")
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) and back.path == "objects[0].mesh"


@pytest.mark.parametrize("mesh", ["../outside.obj", "{abs}", "meshes/link.obj"])
def test_asset_names_never_lead_out_of_their_folders(tmp_path, mesh):
    outside = tmp_path / "outside.obj"
    outside.write_text(CUBE_OBJ.replace("mtllib cube.mtl\n", ""))
    scene = _write_scene(tmp_path / "proj", mesh=mesh.format(abs=outside))
    (tmp_path / "proj" / "meshes" / "link.obj").symlink_to(outside)
    result = _cli("validate", scene, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "objects[0].template.mesh" in result.stderr or "mesh" in result.stderr
    assert "leading out" in result.stderr and "Traceback" not in result.stderr
