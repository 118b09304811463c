"""Benchmark suites in a scene's corruption sets: a suite's entries run the registry
corruption they name at the benchmark's own parameter values, on the benchmark's severity
scale, and ``policy: grid`` gives every (corruption, severity) pair of a set once.

The published lists and tables are typed here from their sources (not read from our
registry): ImageNet-C from Hendrycks & Dietterich (ICLR 2019), Table/appendix and
``make_imagenet_c.py`` (docs/references.md#imagenet-c)."""

from __future__ import annotations

import copy
import importlib.util

import numpy as np
import pytest
import yaml

from simengine import Engine
from simengine.corruptions import get, suites
from simengine.corruptions.suites import Suite, SuiteEntry
from simengine.seeding import STREAM_CORRUPTION, named_stream, rng_for
from simengine.spec.loader import scene_from_dict

from ..conftest import MINI
from .imagenet_c_table import IMAGENET_C as IMAGENET_C_TABLE

# ImageNet-C: the 15 benchmark corruptions in the paper's order, then the 4 extras
IMAGENET_C = ["gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur",
              "motion_blur", "zoom_blur", "snow", "frost", "fog", "brightness", "contrast",
              "elastic_transform", "pixelate", "jpeg_compression"]
IMAGENET_C_EXTRA = ["speckle_noise", "gaussian_blur", "spatter", "saturate"]
def test_imagenet_c_lists_the_benchmark_and_its_extras_in_order():
    suite = suites.get("imagenet_c")
    assert list(suite.names()) == IMAGENET_C + IMAGENET_C_EXTRA
    assert suite.severities == 5
    assert {e.name for e in suite.entries if e.group == "extra"} == set(IMAGENET_C_EXTRA)


@pytest.mark.parametrize("name", sorted(IMAGENET_C_TABLE))
def test_imagenet_c_levels_are_the_published_table(name):
    levels = suites.corruption("imagenet_c", name).levels
    assert len(levels) == 5
    for level, want in zip(levels, IMAGENET_C_TABLE[name], strict=True):
        np.testing.assert_allclose(np.asarray(level, dtype=float),
                                   np.asarray(want, dtype=float))


def test_unknown_suite_and_entry_name_what_exists():
    with pytest.raises(KeyError, match=r"known: .*imagenet_c"):
        suites.get("imagenet_x")
    with pytest.raises(KeyError, match="has no corruption 'depth_fog'"):
        suites.get("imagenet_c").entry("depth_fog")


# a three-level suite stated in its own units, as Robo3D states beam dropping (of 64 beams)
THREE = Suite("three_levels", "test", "imagenet-c", ("light", "moderate", "heavy"), (
    SuiteEntry("drop_beams", "beam_missing", levels=(16, 32, 48), parameter="beams of 64",
               to_level=lambda beams: beams / 64),
))


def _lidar_capture(rows: int = 64, cols: int = 32) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    rng_ = rng.uniform(2.0, 30.0, (rows, cols)).astype(np.float32)
    return {"range": rng_, "intensity": np.full((rows, cols), 0.5, np.float32),
            "xyz": np.zeros((rows, cols, 3), np.float32)}


def test_a_suite_entry_runs_its_corruption_at_the_converted_level():
    entry = THREE.corruption("drop_beams")
    assert entry.severities == 3 and entry.level(3) == 48
    with pytest.raises(ValueError, match=r"severity must be 1\.\.3"):
        entry.level(4)
    capture = _lidar_capture()
    ours = entry(capture, 3, np.random.default_rng(7))
    # 48 of 64 beams is the registry's severity 5 (a fraction of 0.75)
    theirs = get("beam_missing")(capture, 5, np.random.default_rng(7))
    for key in theirs.data:
        np.testing.assert_array_equal(ours.data[key], theirs.data[key])
    dropped_rows = np.all(ours.data["range"] == 0, axis=1).sum()
    assert dropped_rows == 48
    assert ours.params["severity"] == 3.0


def _mini_with(sets: list) -> dict:
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["corruptions"] = copy.deepcopy(sets)
    return data


@pytest.fixture(scope="module")
def grid_sample():
    sets = [{"name": "inc", "suite": "imagenet_c", "corruptions": ["contrast", "fog"],
             "policy": "grid"}]
    engine = Engine(scene_from_dict(_mini_with(sets), source=str(MINI)), seed=5)
    clean = Engine(MINI, seed=5).sample(2)
    return clean, engine.sample(2), engine


def test_grid_gives_every_corruption_at_every_severity_once(grid_sample):
    _, noisy, engine = grid_sample
    cset = engine.spec.corruptions[0]
    assert cset.slots == 10 and cset.severities == 5
    for slot in range(10):
        applied = noisy[f"corrupted/inc/{slot}/applied"]
        severity = noisy[f"corrupted/inc/{slot}/severity"]
        which, level = divmod(slot, 5)  # corruption-major, severities 1..5
        assert applied.tolist() == [which == 0, which == 1]
        assert severity.tolist() == [level + 1 if i == which else 0 for i in range(2)]
    assert "corrupted/inc/10/applied" not in noisy
    assert cset.to_dict() == {"name": "inc", "corruptions": ["contrast", "fog"],
                              "policy": "grid", "suite": "imagenet_c"}


def test_suite_variant_is_the_registry_corruption_on_its_stream(grid_sample):
    clean, noisy, _ = grid_sample
    slot = 3  # contrast at severity 4
    for f in range(len(clean["camera/cam/rgb"])):
        rng = rng_for(5, 2, STREAM_CORRUPTION, named_stream("inc"), slot,
                      named_stream("contrast"), named_stream("camera/cam"), f)
        expected = get("contrast")(clean["camera/cam/rgb"][f], 4, rng, {}).data
        np.testing.assert_array_equal(noisy[f"corrupted/inc/{slot}/camera/cam/rgb"][f],
                                      expected)


def test_suite_without_a_list_takes_every_entry_and_draws_over_its_scale():
    spec = scene_from_dict(_mini_with([{"name": "all", "suite": "imagenet_c"}]),
                           source=str(MINI)).corruptions[0]
    assert spec.corruptions == suites.get("imagenet_c").names()
    assert spec.severity.support() == (1, 5) and spec.policy == "all"


def test_cli_lists_suites_and_one_suites_values(capsys):
    from simengine.cli import main

    assert main(["suites"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == suites.names()
    assert main(["suites", "imagenet_c"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:]] == IMAGENET_C + IMAGENET_C_EXTRA
    assert "runs contrast: 0.4 | 0.3 | 0.2 | 0.1 | 0.05" in lines[1 + IMAGENET_C.index("contrast")]
    assert main(["suites", "imagenet_x"]) == 2
    assert "unknown suite 'imagenet_x'" in capsys.readouterr().err


def test_a_corruption_whose_package_is_missing_is_refused_up_front(monkeypatch):
    from simengine.errors import SpecError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "av" else real(name, *a))
    for sets, path in (([{"name": "v", "suite": "3dcc", "corruptions": ["fog_3d", "h265_crf"]}],
                        "corruptions[0].corruptions[1]"),
                       ([{"name": "v", "suite": "3dcc"}], "corruptions[0].suite"),
                       ([{"name": "v", "corruptions": ["bit_error"]}],
                        "corruptions[0].corruptions[0]")):
        with pytest.raises(SpecError, match=r"pip install 'simengine\[video\]'") as info:
            scene_from_dict(_mini_with(sets), source=str(MINI))
        assert info.value.path == path
    # without the codec entries the suite is usable
    scene_from_dict(_mini_with([{"name": "v", "suite": "3dcc", "corruptions": ["fog_3d"]}]),
                    source=str(MINI))
