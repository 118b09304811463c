"""What ``render`` tells the user: objects dropped at spawn are said in the summary, and a
store this call created is removed again when bad input stops it before any sample."""

from __future__ import annotations

import pytest

from simengine.cli import main
from simengine.errors import UserError

CROWDED = """name: crowded
world: {ground: {material: concrete}}
objects:
  - name: stack
    template: {shape: box, size: [0.2, 0.2, 0.2], class: block}
    count: 3
    position: [0.0, 0.0, 0.5]
simulation: {capture_times: [0.1], duration: 0.1}
sensors:
  - name: cam
    preset: rgbd_d435_640x480
    overrides: {width: 16, height: 12}
    pose: {position: [1.0, 0.0, 0.5], look_at: [0.0, 0.0, 0.1]}
"""


def test_dropped_objects_are_said_in_the_summary(tmp_path, capsys):
    scene = tmp_path / "crowded.yaml"
    scene.write_text(CROWDED)  # three boxes at one fixed spot: two find no free spot
    assert main(["render", str(scene), "-n", "2", "-o", str(tmp_path / "c.zarr"),
                 "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "4 object(s) in 2 sample(s) found no free spot at spawn" in err


def test_bad_input_in_a_worker_leaves_no_store(tmp_path, mini_scene_path, monkeypatch, capsys):
    import simengine.jobs.render_store as render_module

    def failing(*_args, **_kwargs):
        raise UserError("scene.yaml: sensors[0].pose.position: inside fixed object 'x'")
        yield  # a generator, like the executor

    monkeypatch.setattr(render_module, "run_blocks", failing)
    out = tmp_path / "s.zarr"
    assert main(["render", str(mini_scene_path), "-n", "2", "-o", str(out),
                 "--no-progress"]) == 2
    assert "inside fixed object" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("n", [1])
def test_an_existing_store_is_kept_when_a_resumed_render_fails(tmp_path, mini_scene_path,
                                                               monkeypatch, n):
    out = tmp_path / "s.zarr"
    assert main(["render", str(mini_scene_path), "-n", str(n), "-o", str(out),
                 "--no-progress"]) == 0
    import simengine.jobs.render_store as render_module

    def failing(*_args, **_kwargs):
        raise UserError("bad")
        yield

    monkeypatch.setattr(render_module, "run_blocks", failing)
    assert main(["render", str(mini_scene_path), "-n", str(n + 2), "-o", str(out), "--resume",
                 "--no-progress"]) == 2
    assert out.exists()
