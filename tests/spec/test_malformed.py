"""Every malformed scene in tests/data/malformed is rejected with a one-line SpecError that
names the file, the key path inside it and what was expected; the CLI reports it with exit
code 2, no traceback and nothing written.

Each corpus file starts with ``# expect: <key path> | <fragment of the message>``; the key
path is ``-`` for file-level errors (bad YAML, empty file, not a mapping).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simengine.errors import SpecError
from simengine.spec.loader import load_scene

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "data" / "malformed"
FILES = sorted(CORPUS.glob("*.yaml"))
IDS = [f.stem for f in FILES]


def expectation(path: Path) -> tuple[str, str]:
    """(key path, message fragment) from the file's first line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    first = lines[0] if lines else ""
    prefix = "# expect:"
    assert first.startswith(prefix), f"{path.name}: first line must be '{prefix} PATH | TEXT'"
    key_path, sep, fragment = first[len(prefix):].partition("|")
    assert sep and fragment.strip(), f"{path.name}: first line must be '{prefix} PATH | TEXT'"
    key_path = key_path.strip()
    return ("" if key_path == "-" else key_path), fragment.strip()


def spec_error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_scene(path)
    return info.value


def test_corpus_is_large_enough() -> None:
    assert len(FILES) >= 30


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_malformed_scene_is_rejected(path: Path) -> None:
    key_path, fragment = expectation(path)
    err = spec_error(path)
    message = str(err)
    assert err.file == str(path)
    assert err.path == key_path, message
    assert fragment in message
    assert "\n" not in message and "\r" not in message
    where = f"{path}: {key_path}: " if key_path else f"{path}: "
    assert message.startswith(where)
    assert message == f"{where}{err.expectation}"


# --- loader behaviour that needs more than one file ---------------------------------------

def write_scene(tmp_path: Path, sensors: str) -> Path:
    scene = tmp_path / "scene.yaml"
    scene.write_text("name: m\nobjects:\n  - template: {shape: sphere, radius: 0.1}\n" + sensors,
                     encoding="utf-8")
    return scene


def test_error_in_a_preset_names_the_preset_file(tmp_path: Path) -> None:
    preset = tmp_path / "my_cam.yaml"
    preset.write_text("kind: camera\nwidth: 640\nheight: 480\nhfov_deg: 90\nfov: 60\n",
                      encoding="utf-8")
    scene = write_scene(tmp_path, "sensors:\n  - name: cam\n    preset: my_cam.yaml\n"
                                  "    pose: {position: [1, 0, 1], look_at: [0, 0, 0]}\n")
    err = spec_error(scene)
    assert (err.file, err.path) == (str(preset), "fov")
    assert "unknown camera parameter" in str(err)

    preset.write_text("kind: camera\nwidth: 640\nheight: 4\nhfov_deg: 90\n", encoding="utf-8")
    err = spec_error(scene)
    assert (err.file, err.path) == (str(preset), "height")
    assert "expected a number >= 8, got 4" in str(err)


def test_too_many_capture_times_says_how_many_are_allowed(tmp_path: Path) -> None:
    times = ", ".join(str(0.01 * (i + 1)) for i in range(257))
    scene = tmp_path / "scene.yaml"
    scene.write_text("name: m\nobjects:\n  - template: {shape: sphere, radius: 0.1}\n"
                     f"simulation: {{capture_times: [{times}]}}\n"
                     "sensors:\n  - name: cam\n    preset: rgbd_d435_640x480\n"
                     "    pose: {position: [1, 0, 1], look_at: [0, 0, 0]}\n", encoding="utf-8")
    err = spec_error(scene)
    assert err.path == "simulation.capture_times"
    assert "expected a list of 1 to 256 items" in str(err)


def test_missing_and_directory_paths(tmp_path: Path) -> None:
    err = spec_error(tmp_path / "nope.yaml")
    assert (err.file, err.path) == (str(tmp_path / "nope.yaml"), "")
    assert "file not found" in str(err)
    err = spec_error(tmp_path)
    assert "got a directory" in str(err)


# --- the CLI ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli():
    # Imported here so that the loader tests above run even before the CLI exists.
    return importlib.import_module("simengine.cli")


def one_error_line(stderr: str, path: Path) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0] == f"simengine: error: {spec_error(path)}"
    return lines[0]


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_cli_validate_reports_the_error(cli, path: Path, capsys: pytest.CaptureFixture) -> None:
    code = cli.main(["validate", str(path)])
    assert code == 2
    one_error_line(capsys.readouterr().err, path)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_cli_render_reports_the_error_and_writes_nothing(
        cli, path: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "store"
    code = cli.main(["render", str(path), "-n", "2", "-o", str(out)])
    assert code == 2
    one_error_line(capsys.readouterr().err, path)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_cli_subprocess_exits_2_without_traceback() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    for name in ("yaml_tab_indent.yaml", "negative_size.yaml"):
        path = CORPUS / name
        proc = subprocess.run([sys.executable, "-m", "simengine", "validate", str(path)],
                              capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
                              check=False)
        assert proc.returncode == 2, proc.stderr
        line = one_error_line(proc.stderr, path)
        assert line.startswith(f"simengine: error: {path}: ")
