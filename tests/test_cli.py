"""CLI behaviour outside the scene corpus: arguments, help, exit codes, progress output."""

from __future__ import annotations

import subprocess
import sys

import pytest

from simengine.cli import main


@pytest.mark.parametrize("argv, fragment", [
    ([], "required"),
    (["render"], "required"),
    (["render", "s.yaml", "-n", "0", "-o", "x"], "positive integer"),
    (["render", "s.yaml", "-n", "two", "-o", "x"], "positive integer"),
    (["render", "s.yaml", "-n", "2", "-o", "x", "--seed", "-3"], "non-negative"),
    (["render", "s.yaml", "-n", "2", "-o", "x", "--workers", "0"], "positive integer"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_arguments_exit_2_with_one_line(argv, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("simengine: error:") and fragment in err and "\n" not in err
    assert list(tmp_path.iterdir()) == []


def test_help_and_version(capsys):
    assert main(["--help"]) == 0
    assert "render" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert "simengine 0." in capsys.readouterr().out


def test_validate_ok(capsys, mini_scene_path):
    assert main(["validate", str(mini_scene_path)]) == 0
    assert "valid scene 'mini'" in capsys.readouterr().out


def test_render_to_a_file_path_is_refused(tmp_path, mini_scene_path, capsys):
    target = tmp_path / "file.zarr"
    target.write_text("x")
    assert main(["render", str(mini_scene_path), "-n", "1", "-o", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert target.read_text() == "x"


@pytest.mark.slow
def test_console_script_renders_with_a_summary(tmp_path, mini_scene_path):
    out = tmp_path / "s.zarr"
    proc = subprocess.run([sys.executable, "-m", "simengine", "render", str(mini_scene_path),
                           "-n", "2", "-o", str(out)], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert "rendered 2 of 2 samples" in proc.stdout and "samples/s" in proc.stdout
    assert "pybullet build time" not in proc.stdout + proc.stderr
