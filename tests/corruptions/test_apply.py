"""Corruption sets in a scene and in `simengine corrupt`: layout, policies, recorded
parameters, determinism, clean data untouched, and corrupt(render) == render(with sets)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import numpy as np
import pytest
import yaml
import zarr

from simengine import Engine
from simengine.cli import main
from simengine.corruptions import get
from simengine.json_buffer import decode_json
from simengine.seeding import STREAM_CORRUPTION, named_stream, rng_for
from simengine.spec.loader import scene_from_dict

from ..conftest import MINI

SETS = [
    {"name": "each", "corruptions": ["gaussian_noise", "contrast"], "policy": "all",
     "severity": 3},
    {"name": "pick", "corruptions": ["gaussian_noise", "shot_noise", "brightness"],
     "policy": "one", "severity": {"randint": [1, 5]}, "sensors": ["cam"]},
    {"name": "two", "corruptions": ["gaussian_noise", "shot_noise", "brightness"],
     "policy": "k", "k": 2, "severity": {"choice": [2, 4]}},
    {"name": "stack", "corruptions": ["contrast", "jpeg_compression"], "policy": "compound",
     "severity": 5},
]


def mini_with(sets: list) -> dict:
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["corruptions"] = copy.deepcopy(sets)
    return data


@pytest.fixture(scope="module")
def pair():
    clean = Engine(MINI, seed=3)
    noisy = Engine(scene_from_dict(mini_with(SETS), source=str(MINI)), seed=3)
    return clean.sample(1), noisy.sample(1), noisy


def test_clean_arrays_are_bit_identical_with_corruptions_on(pair):
    clean, noisy, _ = pair
    assert set(noisy) - set(clean) == {k for k in noisy if k.startswith("corrupted/")}
    for key, value in clean.items():
        assert noisy[key].tobytes() == value.tobytes(), key


def test_layout_is_declared_and_policies_hold(pair):
    _, noisy, engine = pair
    declared = {k for k in engine.outputs() if k.startswith("corrupted/")}
    assert declared == {k for k in noisy if k.startswith("corrupted/")}
    applied = {(name, s): noisy[f"corrupted/{name}/{s}/applied"] for name, n in
               (("each", 2), ("pick", 1), ("two", 2), ("stack", 1)) for s in range(n)}
    assert applied["each", 0].tolist() == [True, False]
    assert applied["each", 1].tolist() == [False, True]
    assert applied["pick", 0].sum() == 1
    assert applied["two", 0].sum() == applied["two", 1].sum() == 1
    assert not np.any(applied["two", 0] & applied["two", 1])  # k distinct corruptions
    assert applied["stack", 0].all()
    for (name, s), flags in applied.items():
        severity = noisy[f"corrupted/{name}/{s}/severity"]
        assert np.all((severity > 0) == flags)
        assert np.all((severity >= 1) & (severity <= 5) | ~flags)
        params = decode_json(noisy[f"corrupted/{name}/{s}/params_json"])
        listed = next(c["corruptions"] for c in SETS if c["name"] == name)
        assert set(params) == {listed[i] for i in np.flatnonzero(flags)}
        for per_sensor in params.values():
            frames = per_sensor["camera/cam"]
            assert len(frames) == 2  # both captures of the mini scene
            assert {f["severity"] for f in frames} == {float(severity[flags][0])} or \
                name == "stack"
    assert set(noisy["corrupted/two/0/severity"][noisy["corrupted/two/0/applied"]]) <= {2, 4}


def test_corrupted_rgb_is_the_documented_stream_applied_to_the_clean_rgb(pair):
    clean, noisy, _ = pair
    slot, name = 1, "contrast"  # set "each", slot 1 = contrast at severity 3
    for f in range(2):
        rng = rng_for(3, 1, STREAM_CORRUPTION, named_stream("each"), slot, named_stream(name),
                      named_stream("camera/cam"), f)
        expected = get(name)(clean["camera/cam/rgb"][f], 3, rng, {}).data
        assert np.array_equal(noisy[f"corrupted/each/{slot}/camera/cam/rgb"][f], expected)
    # a camera-only set leaves the other sensors' arrays out of the variant
    assert not any(k.startswith("corrupted/pick/0/lidar") for k in noisy)
    assert not np.array_equal(noisy["corrupted/each/0/camera/cam/rgb"], clean["camera/cam/rgb"])


def test_same_sample_twice_is_byte_identical(pair):
    _, noisy, engine = pair
    again = engine.sample(1)
    for key in noisy:
        if key.startswith("corrupted/"):
            assert again[key].tobytes() == noisy[key].tobytes(), key


# --- simengine corrupt ----------------------------------------------------------------------

CLI_SETS = [SETS[0], SETS[3]]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("corrupt")
    clean = tmp / "clean.zarr"
    assert main(["render", str(MINI), "-n", "3", "-o", str(clean), "--block-size", "2",
                 "--seed", "5", "--no-progress"]) == 0
    return tmp, clean


def test_corrupt_equals_rendering_with_the_sets(rendered):
    tmp, clean = rendered
    sets_file = tmp / "sets.yaml"
    sets_file.write_text(yaml.safe_dump({"corruptions": CLI_SETS}), encoding="utf-8")
    out = tmp / "corrupted.zarr"
    assert main(["corrupt", str(clean), "-c", str(sets_file), "-o", str(out)]) == 0
    direct = tmp / "direct.zarr"
    engine = Engine(scene_from_dict(mini_with(CLI_SETS), source=str(MINI)), seed=5)
    from simengine.jobs.render_store import render_store

    render_store(engine, str(direct), 3, block_size=2, progress=False)  # same seed, same sets
    a, b = zarr.open_group(str(out), mode="r"), zarr.open_group(str(direct), mode="r")
    keys = [*engine.outputs(), "meta/done"]
    assert any(k.startswith("corrupted/stack/0/") for k in keys)
    for key in keys:
        assert np.asarray(a[key][:]).tobytes() == np.asarray(b[key][:]).tobytes(), key
    attrs = a.attrs["simengine"]
    assert [s["name"] for s in attrs["scene"]["corruptions"]] == ["each", "stack"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simengine", *args], capture_output=True,
                          text=True, timeout=300, check=False)


def in_process(capsys, *args: str) -> tuple[int, str]:
    """``simengine ARGS`` through ``cli.main`` in this process (what ``python -m simengine``
    calls): its exit code and what it wrote to stderr."""
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().err


def test_corrupt_rejects_bad_input_without_writing(rendered, capsys):
    """The first refusal runs in a process of its own (exit status and no traceback, as a user
    sees them); the others run the same command lines through ``cli.main`` in this process,
    sparing an interpreter start and Numba cache load each."""
    tmp, clean = rendered
    bad = tmp / "bad.yaml"
    bad.write_text(yaml.safe_dump([{"name": "x", "corruptions": ["gaussian_noise", "nope"]}]),
                   encoding="utf-8")
    out = tmp / "never.zarr"
    res = run_cli("corrupt", str(clean), "-c", str(bad), "-o", str(out))
    assert res.returncode == 2
    assert f"{bad}: [0].corruptions[1]: expected one of" in res.stderr
    assert "Traceback" not in res.stderr and not out.exists()

    code, err = in_process(capsys, "corrupt", str(clean), "-c", str(bad), "-o", str(clean))
    assert code == 2 and "must differ from the source" in err

    twice = tmp / "twice.yaml"
    twice.write_text(yaml.safe_dump([{"name": "n", "corruptions": ["contrast"]}]),
                     encoding="utf-8")
    first = tmp / "first.zarr"
    assert in_process(capsys, "corrupt", str(clean), "-c", str(twice), "-o", str(first))[0] == 0
    code, err = in_process(capsys, "corrupt", str(first), "-c", str(twice), "-o",
                           str(tmp / "second.zarr"))
    assert code == 2 and "[0].name: expected a set name not already in" in err
    before = sorted(p.name for p in first.rglob("*"))
    code, err = in_process(capsys, "corrupt", str(clean), "-c", str(twice), "-o", str(first))
    assert code == 2 and "--overwrite" in err
    assert sorted(p.name for p in first.rglob("*")) == before


def test_params_json_is_plain_json(pair):
    _, noisy, _ = pair
    raw = noisy["corrupted/each/0/params_json"].tobytes().rstrip(b"\0")
    assert json.loads(raw)["gaussian_noise"]["camera/cam"][0]["severity"] == 3.0


# --- cross-sensor corruptions through a scene ------------------------------------------------

CROSS = [{"name": "rig", "corruptions": ["frame_drop", "extrinsic_error",
                                         "temporal_misalignment", "sensor_missing",
                                         "stuck_frame"], "policy": "all", "severity": 5}]


@pytest.fixture(scope="module")
def rig():
    engine = Engine(scene_from_dict(mini_with(CROSS), source=str(MINI)), seed=4)
    return Engine(MINI, seed=4).sample(2), engine.sample(2)


def test_cross_sensor_variants_are_consistent(rig):
    clean, noisy = rig
    base = "corrupted/rig"
    # extrinsic_error (slot 1): exactly one recorded pose moved, by the recorded error
    params = decode_json(noisy[f"{base}/1/params_json"])["extrinsic_error"]["rig"][0]
    moved = [k for k in ("camera/cam/T_world_cam", "lidar/lid/T_world_lidar")
             if not np.array_equal(noisy[f"{base}/1/{k}"], clean[k])]
    assert len(moved) == 1
    T0, T1 = clean[moved[0]][0], noisy[f"{base}/1/{moved[0]}"][0]
    E = np.linalg.inv(T0) @ T1
    angle = np.degrees(np.arccos(np.clip((np.trace(E[:3, :3]) - 1) / 2, -1, 1)))
    assert angle == pytest.approx(params["rotation_deg"], abs=1e-9) == 5.0
    assert np.linalg.norm(E[:3, 3]) == pytest.approx(0.05, abs=1e-12)
    for key in ("camera/cam/rgb", "lidar/lid/range", "audio/mics/waveform"):
        assert np.array_equal(noisy[f"{base}/1/{key}"], clean[key])  # data as captured
    # frame_drop (slot 0): every masked capture is zeros, every unmasked one untouched
    for key, mask_key in (("camera/cam/rgb", "camera/cam/rgb_mask"),
                          ("lidar/lid/range", "lidar/lid/range_mask")):
        mask = noisy[f"{base}/0/{mask_key}"]
        for f in range(mask.shape[0]):
            if mask[f].all():
                assert not noisy[f"{base}/0/{key}"][f].any()
            else:
                assert not mask[f].any()
                assert np.array_equal(noisy[f"{base}/0/{key}"][f], clean[key][f])
    # temporal_misalignment (slot 2): a shifted recording is the clean one moved by whole
    # samples; the recorded offset matches the shift at the array's rate (8 kHz)
    p = decode_json(noisy[f"{base}/2/params_json"])["temporal_misalignment"]["rig"][0]
    assert abs(p["offset_ms"]) == 100.0
    if "samples" in p:
        s = int(p["samples"])
        assert s == round(p["offset_ms"] / 1000 * 8000)
        got, ref = noisy[f"{base}/2/audio/mics/waveform"], clean["audio/mics/waveform"]
        if s >= 0:
            assert np.array_equal(got[:, s:], ref[:, :ref.shape[1] - s])
        else:
            assert np.array_equal(got[:, :s], ref[:, -s:])


# --- weather as one world state --------------------------------------------------------------

def test_weather_fog_gives_camera_and_lidar_one_visibility():
    sets = [{"name": "fog", "corruptions": ["weather_fog"], "severity": 4}]  # MOR 40 m
    clean = Engine(MINI, seed=6).sample(0)
    noisy = Engine(scene_from_dict(mini_with(sets), source=str(MINI)), seed=6).sample(0)
    mor = decode_json(noisy["corrupted/fog/0/params_json"])["weather_fog"]["rig"][0]["mor_m"]
    assert mor == 40.0
    beta = np.log(20.0) / mor
    # lidar: every kept hard return is attenuated by exp(−2βR) (two ways through the fog)
    r0, i0 = clean["lidar/lid/range"], clean["lidar/lid/intensity"]
    r1, i1 = noisy["corrupted/fog/0/lidar/lid/range"], noisy["corrupted/fog/0/lidar/lid/intensity"]
    same = (r0 > 0) & (r1 == r0)
    assert same.sum() > 50
    np.testing.assert_allclose(i1[same], i0[same] * np.exp(-2 * beta * r0[same]), rtol=1e-5)
    # camera: where the scene is black-free, linear light follows t·L + A(1 − t) with the
    # transmission of the same β over each pixel's range (Koschmieder, one way) and the
    # scene's sky as airlight A (mini.yaml sets no background: the default, one colour)
    K = clean["camera/cam/K"]
    depth = clean["camera/cam/depth"][0]
    h, w = depth.shape
    u, v = np.meshgrid(np.arange(w), np.arange(h))
    ray = np.sqrt(((u - K[0, 2]) / K[0, 0]) ** 2 + ((v - K[1, 2]) / K[1, 1]) ** 2 + 1.0)
    t = np.exp(-beta * depth * ray)

    def linear(c):
        c = c / 255.0
        return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)

    hit = depth > 0
    L0 = linear(clean["camera/cam/rgb"][0].astype(np.float64))[hit]
    L1 = linear(noisy["corrupted/fog/0/camera/cam/rgb"][0].astype(np.float64))[hit]
    airlight = linear(np.array([0.62, 0.72, 0.85]) * 255.0)
    expected = L0 * t[hit][:, None] + airlight * (1 - t[hit][:, None])
    assert np.abs(L1 - expected).max() < 0.01  # 8-bit sRGB quantisation
