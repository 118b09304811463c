"""A corruption set whose corruption needs what a targeted sensor does not output (the
optical flow of velocity_motion_blur from a camera without flow) is refused up front with
the key path, by the scene's engine, by ``simengine validate`` and by ``simengine corrupt``,
instead of failing as an internal error in the middle of a run."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import yaml

from simengine.cli import main
from simengine.engine import Engine
from simengine.errors import SpecError
from simengine.spec.loader import scene_from_dict

from ..conftest import MINI

FLOW_SET = {"name": "blur", "corruptions": ["gaussian_noise", "velocity_motion_blur"]}


def mini(flow: bool, sets=()) -> dict:
    data = yaml.safe_load(MINI.read_text())
    data["sensors"][0]["overrides"]["output_flow"] = flow
    data["corruptions"] = copy.deepcopy(list(sets))
    return data


def test_a_set_needing_flow_from_a_camera_without_flow_is_refused_with_its_key_path():
    spec = scene_from_dict(mini(False, [FLOW_SET]), source="s.yaml")
    with pytest.raises(SpecError) as err:
        Engine(spec).outputs()
    message = str(err.value)
    assert message.startswith("s.yaml: corruptions[0].corruptions[1]: ")
    assert "velocity_motion_blur needs flow from camera/cam" in message


def test_the_same_set_is_accepted_where_the_camera_outputs_flow():
    outputs = Engine(scene_from_dict(mini(True, [FLOW_SET]), source="s.yaml")).outputs()
    assert "corrupted/blur/1/camera/cam/rgb" in outputs


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simengine", *args], check=False,
                          capture_output=True,
                          text=True)


def test_validate_and_corrupt_refuse_it_with_exit_2_and_write_nothing(tmp_path):
    scene = tmp_path / "scene.yaml"
    scene.write_text(yaml.safe_dump(mini(False, [FLOW_SET])))
    done = run_cli("validate", str(scene))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "corruptions[0].corruptions[1]" in done.stderr

    scene.write_text(yaml.safe_dump(mini(False)))
    store, target = tmp_path / "clean.zarr", tmp_path / "corrupted.zarr"
    # the clean store is only the input: rendered through cli.main in this process (the two
    # refusals, whose exit status and stderr are the claim, stay processes of their own)
    assert main(["render", str(scene), "-n", "1", "-o", str(store), "--workers", "1",
                 "--no-progress"]) == 0
    sets = tmp_path / "sets.yaml"
    sets.write_text(yaml.safe_dump([FLOW_SET]))
    done = run_cli("corrupt", str(store), "-c", str(sets), "-o", str(target))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().startswith(f"simengine: error: {sets}: [0].corruptions[1]: ")
    assert not target.exists()
