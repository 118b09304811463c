"""`simengine export --format rerun|hf|webdataset` (and `view --rerun`), read back with each
tool's own reader (rerun's RrdReader chunks, `datasets.load_from_disk`,
`webdataset.WebDataset`) and compared array by array with `simengine.open_store`.

The store is the mini scene with one camera and one lidar corruption set, 3 samples in
blocks of 2, with the second block's done flag removed (as after an interrupted render):
only samples 0 and 1 may be exported."""

from __future__ import annotations

import gc
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import yaml

from simengine import open_store
from simengine.cli import main

from ..conftest import MINI

DONE = [0, 1]
INDEX = {"sample", "capture_time", "log_time", "log_tick"}  # timelines, not data


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("streamed")
    scene = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    scene["corruptions"] = [
        {"name": "cam", "corruptions": ["gaussian_noise"], "policy": "one", "severity": 3},
        {"name": "lid", "corruptions": ["range_noise"], "policy": "one", "severity": 3},
        {"name": "aud", "corruptions": ["gaussian_noise_snr"], "policy": "one",
         "severity": 3}]
    path = tmp / "scene.yaml"
    path.write_text(yaml.safe_dump(scene), encoding="utf-8")
    out = tmp / "s.zarr"
    assert main(["render", str(path), "-n", "3", "--block-size", "2", "-o", str(out),
                 "--no-progress"]) == 0
    (out / "meta" / "done" / "c" / "1").unlink()  # block 1 (sample 2) never finished
    assert open_store(out).done_indices().tolist() == DONE
    return out


def clean_and_variants(store: Path) -> tuple[dict[int, dict], dict]:
    reader = open_store(store)
    return {k: reader[k] for k in DONE}, reader.attrs


# -------------------------------------------------------------------------------- Rerun

def rerun_rows(path: Path) -> dict[tuple[str, int | None, int | None], dict]:
    """{(entity path, sample, capture µs): {component column: value}} from the recording,
    read with rerun's own RRD reader (static rows: sample and capture None)."""
    import rerun as rr

    rows: dict = {}
    for chunk in rr.chunk.RrdReader(path).stream().collect().stream():
        batch = chunk.to_record_batch()
        table = batch.to_pydict()
        # capture_time as integer nanoseconds (timedelta would round to microseconds)
        times = (batch.column("capture_time").cast(pa.int64()).to_pylist()
                 if "capture_time" in table else [None] * chunk.num_rows)
        for i in range(chunk.num_rows):
            sample = table["sample"][i] if "sample" in table else None
            t_us = None if times[i] is None else round(times[i] / 1e3)
            key = (chunk.entity_path, sample, t_us)
            for col, values in table.items():
                if col not in INDEX and not col.startswith("rerun.controls") \
                        and values[i] is not None:
                    rows.setdefault(key, {}).setdefault(col, []).append(values[i])
    return rows


def one(rows: dict, entity: str, k: int, t: float, col: str):
    key = (entity, k, round(t * 1e6))  # microseconds: float seconds -> ns either way
    values = rows[key][col]
    assert len(values) == 1, (key, col)
    return values[0]


def image(rows, entity, k, t, arch, dtype, shape):
    buf = one(rows, entity, k, t, f"{arch}:buffer")
    return np.frombuffer(bytes(buf[0]), dtype).reshape(shape)


@pytest.fixture(scope="module")
def rrd(store) -> Path:
    pytest.importorskip("rerun")
    out = store.parent / "rec.rrd"
    assert main(["view", str(store), "--rerun", "-o", str(out)]) == 0
    return out


def test_rerun_recording_matches_store(store, rrd):
    samples, attrs = clean_and_variants(store)
    rows = rerun_rows(rrd)
    assert {k for (_, k, _) in rows if k is not None} == set(DONE)  # not sample 2
    ctx = rows[("/world", None, None)]
    assert attrs["scene_hash"] in json.dumps(rows[("/__properties/simengine", None, None)])
    labels = [c["class_description"]["info"]["label"]
              for c in ctx["AnnotationContext:context"][0][0]]
    assert labels == [*attrs["classes"], "replaced by a corruption"]
    for k, s in samples.items():
        for f, t in enumerate(s["meta/time"].tolist()):
            cam = "/world/clean/camera/cam"
            rgb = s["camera/cam/rgb"][f]
            assert np.array_equal(image(rows, f"{cam}/rgb", k, t, "Image", np.uint8,
                                        rgb.shape), rgb)
            noisy = s["corrupted/cam/0/camera/cam/rgb"][f]
            assert not np.array_equal(noisy, rgb)
            assert np.array_equal(image(rows, "/world/corrupted/cam/0/camera/cam/rgb", k, t,
                                        "Image", np.uint8, rgb.shape), noisy)
            depth = s["camera/cam/depth"][f]
            assert np.array_equal(image(rows, f"{cam}/depth", k, t, "DepthImage", np.float32,
                                        depth.shape), depth)
            sem = s["camera/cam/semantic"][f]
            assert np.array_equal(image(rows, f"{cam}/semantic", k, t, "SegmentationImage",
                                        sem.dtype, sem.shape), sem)
            # rerun stores the pinhole matrix column-major
            K = np.array(one(rows, cam, k, t, "Pinhole:image_from_camera")[0]).reshape(3, 3).T
            assert np.allclose(K, s["camera/cam/K"], rtol=1e-6)
            T = s["camera/cam/T_world_cam"][f]
            assert np.allclose(one(rows, cam, k, t, "Transform3D:translation")[0], T[:3, 3],
                               atol=1e-6)
            R = np.array(one(rows, cam, k, t, "Transform3D:mat3x3")[0]).reshape(3, 3).T
            assert np.allclose(R, T[:3, :3], atol=1e-6)
            n = int(s["objects/count"])
            seen = s["camera/cam/visible_pixels"][f, :n] > 0
            x0, y0, x1, y1 = s["camera/cam/boxes2d"][f, :n][seen].T
            half = one(rows, f"{cam}/boxes2d", k, t, "Boxes2D:half_sizes")
            centre = one(rows, f"{cam}/boxes2d", k, t, "Boxes2D:centers")
            assert seen.sum() > 0 or f > 0
            assert np.allclose(half, np.c_[x1 - x0, y1 - y0] / 2, atol=1e-4)
            assert np.allclose(centre, np.c_[x1 + x0, y1 + y0] / 2, atol=1e-4)
            assert np.array_equal(one(rows, f"{cam}/boxes2d", k, t, "Boxes2D:class_ids"),
                                  s["objects/class_id"][:n][seen])
            # lidar: the returns with a positive range, in the lidar frame, with class ids
            rng = s["lidar/lid/range"][f].reshape(-1)
            valid = np.isfinite(rng) & (rng > 0)
            lid = "/world/clean/lidar/lid/points"
            pts = np.array(one(rows, lid, k, t, "Points3D:positions"), np.float32)
            assert np.array_equal(pts, s["lidar/lid/xyz"][f].reshape(-1, 3)[valid])
            cls = np.array(one(rows, lid, k, t, "Points3D:class_ids"))
            assert np.array_equal(cls, s["lidar/lid/semantic"][f].reshape(-1)[valid])
            noisy_xyz = s["corrupted/lid/0/lidar/lid/xyz"][f].reshape(-1, 3)
            noisy_rng = s["corrupted/lid/0/lidar/lid/range"][f].reshape(-1)
            ok = np.isfinite(noisy_rng) & (noisy_rng > 0)
            pts = one(rows, "/world/corrupted/lid/0/lidar/lid/points", k, t,
                      "Points3D:positions")
            assert np.array_equal(np.array(pts, np.float32), noisy_xyz[ok])
            replaced = s["corrupted/lid/0/lidar/lid/range_mask"][f].reshape(-1)
            want = np.where(replaced, len(attrs["classes"]),
                            s["lidar/lid/semantic"][f].reshape(-1))[ok]
            cls = one(rows, "/world/corrupted/lid/0/lidar/lid/points", k, t,
                      "Points3D:class_ids")
            assert np.array_equal(cls, want)
            centers = one(rows, "/world/clean/objects/boxes3d", k, t, "Boxes3D:centers")
            assert np.allclose(centers, s["objects/box3d_center"][f, :n], atol=1e-6)
        t0 = float(s["meta/time"][0])
        mics = one(rows, "/world/clean/audio/mics/mics", k, t0, "Points3D:positions")
        assert np.allclose(mics, s["audio/mics/mic_positions"], atol=1e-6)
        for ch, level in enumerate(s["audio/mics/leq_db_spl"].tolist()):
            got = one(rows, f"/world/clean/audio/mics/leq_db_spl/ch{ch}", k, t0,
                      "Scalars:scalars")
            assert got[0] == pytest.approx(level)
            # the variant's level, by the definition: 10 log10(mean p² / (20 µPa)²)
            noisy = s["corrupted/aud/0/audio/mics/waveform"][ch].astype(np.float64)
            want = 10 * np.log10(np.mean(noisy**2) / 20e-6**2)
            got = one(rows, f"/world/corrupted/aud/0/audio/mics/leq_db_spl/ch{ch}", k, t0,
                      "Scalars:scalars")
            assert got[0] == pytest.approx(want, abs=1e-6)
        n_src = int(s["audio/mics/sources/count"])
        logged = [key for key in rows if key[0] == "/world/clean/audio/mics/events"
                  and key[1] == k]
        texts = sum(len(rows[key]["TextLog:text"]) for key in logged)
        assert texts == n_src
        for i in range(n_src):
            peak = one(rows, "/world/clean/audio/mics/peak_db_spl", k,
                       float(s["audio/mics/sources/onset"][i]), "Scalars:scalars")
            assert peak[0] == pytest.approx(float(s["audio/mics/sources/peak_db_spl"][i]))


# ---------------------------------------------------------------------- Hugging Face

def test_hf_dataset_matches_store(store):
    datasets = pytest.importorskip("datasets")
    out = store.parent / "hf"
    assert main(["export", str(store), "--format", "hf", "-o", str(out),
                 "--license", "cc-by-4.0"]) == 0
    samples, attrs = clean_and_variants(store)
    ds = datasets.load_from_disk(str(out))
    assert ds["sample"] == DONE
    prov = json.loads(ds.info.description)
    assert (prov["scene_hash"], prov["root_seed"]) == (attrs["scene_hash"], attrs["root_seed"])
    assert ds.info.license == "cc-by-4.0"
    assert isinstance(ds.features["camera/cam/rgb"].feature, datasets.Image)
    for row in ds:
        s = samples[row["sample"]]
        assert set(row) == {"sample", *s}
        for name, value in s.items():
            got = row[name]
            if name.endswith("_json"):
                assert got.encode() == value.tobytes().rstrip(b"\0") or got == "{}"
            elif name.endswith("/rgb"):
                assert np.array_equal(np.stack([np.asarray(im) for im in got]), value)
            else:
                assert np.array_equal(np.asarray(got, dtype=value.dtype), value,
                                      equal_nan=value.dtype.kind == "f"), name
    card = (out / "README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(card.split("---")[1])
    assert front["license"] == "cc-by-4.0" and front["size_categories"] == ["n<1K"]
    for text in (attrs["scene_hash"], f"root seed: `{attrs['root_seed']}`", "`cam`: camera",
                 "`lid`: lidar", "`mics`: microphone", "gaussian_noise", "range_noise",
                 attrs["engine_version"]):
        assert text in card
    assert not (out / ".simengine_hf_cache").exists()


# ------------------------------------------------------------------------ WebDataset

def test_webdataset_shards_match_store(store):
    wds = pytest.importorskip("webdataset")
    out = store.parent / "wds"
    assert main(["export", str(store), "--format", "webdataset", "-o", str(out),
                 "--samples-per-shard", "1"]) == 0
    samples, attrs = clean_and_variants(store)
    shards = sorted(str(p) for p in out.glob("shard-*.tar"))
    assert len(shards) == len(DONE)
    manifest = json.loads((out / "simengine_export.json").read_text())
    names = manifest["members"]
    with warnings.catch_warnings():
        # webdataset leaves its last shard's file to the garbage collector: not ours
        warnings.simplefilter("ignore", ResourceWarning)
        records = list(wds.WebDataset(shards, shardshuffle=False,
                                      empty_check=False).decode("rgb8"))
        gc.collect()
    seen = []
    for rec in records:
        meta = rec["simengine.json"]
        k = meta["sample"]
        assert rec["__key__"] == f"{k:06d}" and meta["scene_hash"] == attrs["scene_hash"]
        assert meta["root_seed"] == attrs["root_seed"]
        s = samples[k]
        seen.append(k)
        for dotted, name in names.items():
            value = s[name]
            if name.endswith("/rgb"):
                for f in range(value.shape[0]):
                    assert np.array_equal(rec[f"{dotted}.f{f}.png"], value[f])
            elif name.endswith("_json"):
                raw = value.tobytes().rstrip(b"\0")
                assert rec[f"{dotted}.json"] == (json.loads(raw) if raw else {})
            else:
                got = rec[f"{dotted}.npy"]
                assert got.dtype == value.dtype and np.array_equal(
                    got, value, equal_nan=value.dtype.kind == "f"), name
    assert seen == DONE


# ------------------------------------------------------------------------- bad input

def run(argv, capsys) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err.strip()


@pytest.mark.parametrize("fmt", ["rerun", "hf", "webdataset"])
def test_bad_input_exits_2_and_writes_nothing(store, tmp_path, capsys, fmt):
    target = tmp_path / ("out.rrd" if fmt == "rerun" else "out")
    code, err = run(["export", str(tmp_path / "missing.zarr"), "--format", fmt, "-o",
                     str(target)], capsys)
    assert code == 2 and "no such store" in err and len(err.splitlines()) == 1
    assert not target.exists()
    # an earlier, unrelated file or directory is never replaced without --overwrite
    if fmt == "rerun":
        target.write_bytes(b"keep")
    else:
        target.mkdir()
        (target / "keep.txt").write_text("keep")
    code, err = run(["export", str(store), "--format", fmt, "-o", str(target)], capsys)
    assert code == 2 and "--overwrite" in err and len(err.splitlines()) == 1
    assert (target.read_bytes() == b"keep") if fmt == "rerun" else \
        [p.name for p in target.iterdir()] == ["keep.txt"]
    code, err = run(["export", str(store), "--format", fmt, "-o", str(tmp_path / "x"),
                     "--camera", "cam"], capsys)
    assert code == 2 and "--camera" in err and not (tmp_path / "x").exists()


def test_rerun_target_must_be_an_rrd_file(store, tmp_path, capsys):
    code, err = run(["export", str(store), "--format", "rerun", "-o",
                     str(tmp_path / "out.zip")], capsys)
    assert code == 2 and "ending in .rrd" in err and not any(tmp_path.iterdir())


@pytest.mark.parametrize("fmt,module,extra", [("rerun", "rerun", "rerun"),
                                              ("hf", "datasets", "hf"),
                                              ("webdataset", "webdataset", "webdataset")])
def test_missing_optional_dependency_names_the_extra(store, tmp_path, capsys, monkeypatch,
                                                     fmt, module, extra):
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    target = tmp_path / ("out.rrd" if fmt == "rerun" else "out")
    code, err = run(["export", str(store), "--format", fmt, "-o", str(target)], capsys)
    assert code == 2 and f"pip install 'simengine[{extra}]'" in err
    assert not target.exists()


def test_overwrite_replaces_an_earlier_export(store, tmp_path, capsys):
    out = tmp_path / "wds"
    argv = ["export", str(store), "--format", "webdataset", "-o", str(out)]
    assert main(argv) == 0
    first = (out / "shard-000000.tar").read_bytes()
    assert run(argv, capsys)[0] == 2
    assert main([*argv, "--overwrite"]) == 0
    assert [p.name for p in sorted(out.iterdir())] == ["shard-000000.tar",
                                                       "simengine_export.json"]
    assert (out / "shard-000000.tar").read_bytes() == first  # no clock in the tar


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="always has a display")
def test_view_rerun_without_a_display_saves_next_to_the_caller(store, tmp_path, monkeypatch,
                                                               capsys):
    pytest.importorskip("rerun")
    for var in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["view", str(store), "--rerun"]) == 0
    assert "viewer started" not in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["s.rrd"]
    assert main(["view", str(store), "--rerun"]) == 2  # kept without --overwrite
