"""An output path that cannot be created is bad input (exit 2, the path named, nothing
written), not an internal error. Tests run as root, which ignores permission bits, so the
paths here fail for everyone: under a regular file, and on the kernel's /proc and /sys."""

from __future__ import annotations

import pytest

from simengine.cli import main
from simengine.engine import Engine
from simengine.errors import StoreError
from simengine.jobs.layout import prepare_render_store
from simengine.store.output_path import check_creatable


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("simengine: error:") and "\n" not in err, err
    assert "internal error" not in err
    return err


def test_render_under_a_regular_file_exits_2_naming_the_path(tmp_path, mini_scene_path,
                                                            capsys):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me")
    target = blocker / "x.zarr"
    assert main(["render", str(mini_scene_path), "-n", "1", "-o", str(target),
                 "--no-progress"]) == 2
    err = _one_line_error(capsys)
    assert str(target) in err and "not a directory" in err
    assert blocker.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_render_deeper_under_a_regular_file_names_the_path(tmp_path, mini_scene_path,
                                                          capsys):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me")
    target = blocker / "a" / "b" / "x.zarr"
    assert main(["render", str(mini_scene_path), "-n", "1", "-o", str(target),
                 "--no-progress"]) == 2
    assert str(target) in _one_line_error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("target", ["/proc/simengine-test-out.zarr",
                                    "/sys/simengine-test-out.zarr"])
def test_render_where_the_kernel_refuses_directories_exits_2(target, mini_scene_path,
                                                             capsys):
    assert main(["render", str(mini_scene_path), "-n", "1", "-o", target,
                 "--no-progress"]) == 2
    err = _one_line_error(capsys)
    assert target in err and "cannot create" in err


def test_corrupt_to_an_impossible_path_exits_2_before_reading(tmp_path, capsys):
    blocker = tmp_path / "f"
    blocker.write_bytes(b"")
    target = blocker / "c.zarr"
    assert main(["corrupt", str(tmp_path / "missing.zarr"), "-c", "sets.yaml", "-o",
                 str(target)]) == 2
    assert str(target) in _one_line_error(capsys)
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_check_creatable_leaves_nothing_and_passes_writable_or_existing_paths(tmp_path):
    blocker = tmp_path / "f"
    blocker.write_bytes(b"")
    with pytest.raises(StoreError, match="not a directory"):
        check_creatable(str(blocker / "s.zarr"))
    check_creatable(str(tmp_path / "new" / "deeper" / "s.zarr"))
    check_creatable(str(tmp_path))  # exists: the render rules decide
    check_creatable("s3://bucket/s.zarr")  # a URL: its filesystem decides
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_a_writable_new_folder_is_still_created(tmp_path, mini_scene_path):
    target = tmp_path / "new" / "deeper" / "s.zarr"
    check_creatable(str(target))
    prepare_render_store(str(target), Engine(mini_scene_path), 2, 1, resume=False, overwrite=False)
    assert (target / "zarr.json").is_file()
