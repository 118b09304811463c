"""`simengine score` and the report's robustness section on a small rendered store with an
ImageNet-C suite set (policy grid): the join of results with the store's record of each
variant (checked against the arrays read here with zarr), predictions scored from the store's
own ground truth, and every bad input: exit 2, one line, nothing written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import zarr

from simengine.cli import main
from simengine.robustness import baselines, scores

from .mini_store import render_mini

SETS = [
    {"name": "ic", "suite": "imagenet_c", "corruptions": ["gaussian_noise", "contrast"],
     "policy": "grid", "sensors": ["cam"]},
    {"name": "lid", "corruptions": ["beam_missing"], "policy": "all", "severity": 2},
]
N = 3
# the documented grid order: slot = corruption index * 5 + (severity - 1)
GRID = {f"ic/{i * 5 + s - 1}": (c, s) for i, c in enumerate(("gaussian_noise", "contrast"))
        for s in range(1, 6)}
# the made-up per-sample metric: every cell's mean is known by construction
VALUE = {"gaussian_noise": lambda s: 1 - .1 * s, "contrast": lambda s: 1 - .05 * s}
CLEAN_VALUE = .9


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return render_mini(tmp_path_factory.mktemp("score"), SETS, N, seed=3)


def _values(with_lidar: bool = True) -> list[tuple[int, str, float]]:
    rows = []
    for k in range(N):
        rows.append((k, "clean", CLEAN_VALUE))
        for v, (c, s) in GRID.items():
            rows.append((k, v, VALUE[c](s)))
        if with_lidar:
            rows.append((k, "lid/0", 0.0))  # a set the benchmark does not score: ignored
    return rows


def _write_csv(path: Path, rows) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["sample", "variant", "value"])
        w.writerows(rows)
    return path


def test_grid_order_is_what_the_store_records(store):
    root = zarr.open_group(str(store), mode="r")
    for v, (c, s) in GRID.items():
        applied = np.asarray(root[f"corrupted/{v}/applied"][:])
        severity = np.asarray(root[f"corrupted/{v}/severity"][:])
        i = ["gaussian_noise", "contrast"].index(c)
        assert applied[:, i].all() and applied.sum(1).tolist() == [1] * N
        assert (severity[:, i] == s).all()


def test_score_metric_values_csv(store, tmp_path):
    res = _write_csv(tmp_path / "r.csv", _values())
    out = tmp_path / "scores.json"
    assert main(["score", str(store), str(res), "--benchmark", "imagenet_c", "-o",
                 str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["clean"] == pytest.approx(CLEAN_VALUE)
    assert doc["table"]["gaussian_noise"] == pytest.approx([.9, .8, .7, .6, .5])
    assert doc["table"]["contrast"] == pytest.approx([.95, .9, .85, .8, .75])
    assert doc["counts"]["contrast"] == [N] * 5 and doc["results_ignored"] == N
    assert doc["baseline"]["name"] == "alexnet"
    # CE by hand: gaussian errors .1 .. .5 sum 1.5 over AlexNet's sum
    alex = baselines.ALEXNET_ERRORS
    ce_g = 1.5 / sum(alex["gaussian_noise"])
    ce_c = (.05 + .1 + .15 + .2 + .25) / sum(alex["contrast"])
    assert doc["scores"]["CE"]["gaussian_noise"] == pytest.approx(ce_g)
    assert doc["headline"]["mCE"] == pytest.approx((ce_g + ce_c) / 2)
    rel_g = (1.5 - 5 * .1) / (sum(alex["gaussian_noise"]) - 5 * .435)
    assert doc["scores"]["relative_CE"]["gaussian_noise"] == pytest.approx(rel_g)
    assert not doc["complete"] and "snow" in doc["missing_corruptions"]
    assert doc["per_severity"] == pytest.approx([.925, .85, .775, .7, .625])


def test_json_values_and_a_scores_file_as_baseline(store, tmp_path):
    vals = [{"sample": k, "variant": v, "value": x} for k, v, x in _values(False)]
    res = tmp_path / "r.json"
    res.write_text(json.dumps({"metric": "accuracy", "values": vals}), encoding="utf-8")
    first = tmp_path / "a.json"
    assert main(["score", str(store), str(res), "--benchmark", "imagenet_c", "-o",
                 str(first)]) == 0
    second = tmp_path / "b.json"
    assert main(["score", str(store), str(res), "--benchmark", "imagenet_c", "--baseline",
                 str(first), "-o", str(second)]) == 0
    doc = json.loads(second.read_text(encoding="utf-8"))
    assert doc["metric"] == "accuracy"
    assert doc["headline"]["mCE"] == pytest.approx(1.0)  # the model against itself
    assert doc["headline"]["relative_mCE"] == pytest.approx(1.0)


def test_mask_predictions_scored_against_the_store(store, tmp_path):
    root = zarr.open_group(str(store), mode="r")
    semantic = np.asarray(root["camera/cam/semantic"][:])
    arrays = {"task": np.array("mask")}
    for k in range(N):
        arrays[f"{k}/clean"] = semantic[k]
        for v in GRID:
            arrays[f"{k}/{v}"] = semantic[k]
    arrays[f"0/{next(iter(GRID))}"] = np.zeros_like(semantic[0])  # all background
    np.savez(tmp_path / "p.npz", **arrays)
    out = tmp_path / "s.json"
    assert main(["score", str(store), str(tmp_path / "p.npz"), "--benchmark", "imagenet_c",
                 "-o", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["metric"] == "mIoU" and doc["clean"] == pytest.approx(1.0)
    assert doc["table"]["contrast"] == pytest.approx([1.0] * 5)
    # gaussian_noise at severity 1: sample 0 predicted all 0, samples 1, 2 perfect; per-class
    # IoU worked out here with boolean masks over the three samples
    gt = semantic[:N].reshape(-1)
    pred = np.concatenate([np.zeros_like(semantic[0]).reshape(-1),
                           semantic[1:N].reshape(-1)])
    ious = [np.sum((gt == c) & (pred == c)) / np.sum((gt == c) | (pred == c))
            for c in np.union1d(gt, pred)]
    assert doc["table"]["gaussian_noise"][0] == pytest.approx(np.mean(ious))
    assert doc["table"]["gaussian_noise"][0] < 1.0


def test_box_predictions_from_ground_truth_score_ap_1(store, tmp_path):
    root = zarr.open_group(str(store), mode="r")
    boxes = np.asarray(root["camera/cam/boxes2d"][:])
    visible = np.asarray(root["camera/cam/visible_pixels"][:])
    cls = np.asarray(root["objects/class_id"][:])
    count = np.asarray(root["objects/count"][:])
    arrays = {"task": np.array("boxes"), "sensor": np.array("cam")}
    for k in range(N):
        rows = [(f, b[0] + .5, b[1] + .5, b[2] - b[0], b[3] - b[1], 1.0, cls[k, o])
                for f in range(boxes.shape[1]) for o in range(int(count[k]))
                if visible[k, f, o] > 0 and (b := boxes[k, f, o]).any()]
        for v in ["clean", *GRID]:
            arrays[f"{k}/{v}"] = np.array(rows, np.float64).reshape(-1, 7)
    np.savez(tmp_path / "b.npz", **arrays)
    out = tmp_path / "s.json"
    assert main(["score", str(store), str(tmp_path / "b.npz"), "--benchmark", "imagenet_c",
                 "-o", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["metric"] == "COCO AP" and doc["clean"] == pytest.approx(1.0)


def test_report_with_scores(store, tmp_path):
    res = _write_csv(tmp_path / "r.csv", _values())
    sc = tmp_path / "scores.json"
    assert main(["score", str(store), str(res), "--benchmark", "imagenet_c", "-o",
                 str(sc)]) == 0
    html = tmp_path / "r.html"
    assert main(["report", str(store), "-o", str(html), "--calibration-samples", "1",
                 "--sheet-samples", "2", "--scores", str(sc)]) == 0
    text = html.read_text(encoding="utf-8")
    assert 'id="robustness"' in text and 'data-key="gaussian_noise"' in text
    assert 'id="robustness-headline"' in text


def _fails(capsys, argv, out: Path, expected: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err, err
    assert not out.exists()


def test_bad_inputs_exit_2_and_write_nothing(store, tmp_path, capsys):
    out = tmp_path / "never.json"
    good = _write_csv(tmp_path / "r.csv", _values())
    base = ["score", str(store)]
    _fails(capsys, [*base, str(good), "--benchmark", "nope", "-o", str(out)], out,
           "unknown benchmark 'nope'")
    _fails(capsys, [*base, str(good), "--benchmark", "kitti_c", "-o", str(out)], out,
           "no corruption set of benchmark kitti_c")
    # the plain beam_missing set is Robo3D's corruption, but not at all three levels
    _fails(capsys, [*base, str(good), "--benchmark", "robo3d", "-o", str(out)], out,
           "no result for beam_missing at severity 1")
    rows = [r for r in _values() if not (r[0] == 1 and r[1] == "ic/7")]
    _fails(capsys, [*base, str(_write_csv(tmp_path / "m.csv", rows)), "--benchmark",
                    "imagenet_c", "-o", str(out)], out, "sample 1 has no result for variant 'ic/7'")
    rows = [*_values(), (0, "ic/99", 1.0)]
    _fails(capsys, [*base, str(_write_csv(tmp_path / "u.csv", rows)), "--benchmark",
                    "imagenet_c", "-o", str(out)], out, "unknown variant 'ic/99'")
    rows = [*_values(), (N + 5, "clean", 1.0)]
    _fails(capsys, [*base, str(_write_csv(tmp_path / "s.csv", rows)), "--benchmark",
                    "imagenet_c", "-o", str(out)], out, f"sample {N + 5} is not a done sample")
    bad = tmp_path / "h.csv"
    bad.write_text("sample,variant,score\n0,clean,1\n", encoding="utf-8")
    _fails(capsys, [*base, str(bad), "--benchmark", "imagenet_c", "-o", str(out)], out,
           "expected the CSV header sample,variant,value")
    partial = tmp_path / "base.json"
    partial.write_text(json.dumps({"kind": "error", "clean": .4, "corruptions": {
        "gaussian_noise": [.5] * 5}}), encoding="utf-8")
    _fails(capsys, [*base, str(good), "--benchmark", "imagenet_c", "--baseline",
                    str(partial), "-o", str(out)], out, "no values for contrast")
    root = zarr.open_group(str(store), mode="r")
    semantic = np.asarray(root["camera/cam/semantic"][:])
    arrays = {"task": np.array("mask")}
    for k in range(N):
        for v in ["clean", *GRID]:
            arrays[f"{k}/{v}"] = semantic[k][:, :-1]  # one column short
    np.savez(tmp_path / "p.npz", **arrays)
    _fails(capsys, [*base, str(tmp_path / "p.npz"), "--benchmark", "imagenet_c", "-o",
                    str(out)], out, "prediction shape")
    _fails(capsys, ["report", str(store), "-o", str(tmp_path / "r.html"), "--scores",
                    str(good)], tmp_path / "r.html", "not valid JSON")


def test_scores_match_the_score_functions(store, tmp_path):
    """The CLI's numbers are the score functions' on the joined table."""
    res = _write_csv(tmp_path / "r.csv", _values(False))
    out = tmp_path / "s.json"
    assert main(["score", str(store), str(res), "--benchmark", "imagenet_c", "-o",
                 str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    errors = {c: [1 - v for v in vs] for c, vs in doc["table"].items()}
    expected = scores.imagenet_c(errors, 1 - doc["clean"], baselines.ALEXNET_ERRORS, .435,
                                 ["gaussian_noise", "contrast"])
    assert doc["scores"]["mCE"] == pytest.approx(expected["mCE"])


def test_point_predictions_count_only_returns(store, tmp_path):
    """Beams without a return (semantic 0) carry no label: a prediction there is not
    scored, so predicting class 1 on them keeps a perfect mIoU."""
    root = zarr.open_group(str(store), mode="r")
    semantic = np.asarray(root["lidar/lid/semantic"][:])
    arrays = {"task": np.array("points")}
    for k in range(N):
        pred = np.where(semantic[k] == 0, 1, semantic[k]).astype(semantic.dtype)
        for v in ["clean", *GRID]:
            arrays[f"{k}/{v}"] = pred
    np.savez(tmp_path / "p.npz", **arrays)
    out = tmp_path / "s.json"
    assert main(["score", str(store), str(tmp_path / "p.npz"), "--benchmark", "imagenet_c",
                 "-o", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert (semantic == 0).any() and doc["clean"] == pytest.approx(1.0)


def test_class_predictions_from_a_directory(store, tmp_path):
    """Accuracy per cell: every prediction right except sample 0 under gaussian_noise at
    severities 3..5, so those cells are 2/3 and all others 1; two .npz files read as one."""
    d = tmp_path / "preds"
    d.mkdir()
    first = {"task": np.array("class"), **{f"target/{k}": np.array(k % 2) for k in range(N)}}
    second = {}
    for k in range(N):
        first[f"{k}/clean"] = np.array(k % 2)
        for v, (c, s) in GRID.items():
            wrong = k == 0 and c == "gaussian_noise" and s >= 3
            second[f"{k}/{v}"] = np.array(1 - k % 2 if wrong else k % 2)
    np.savez(d / "a.npz", **first)
    np.savez(d / "b.npz", **second)
    out = tmp_path / "s.json"
    assert main(["score", str(store), str(d), "--benchmark", "imagenet_c", "-o",
                 str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["metric"] == "accuracy" and doc["clean"] == 1.0
    assert doc["table"]["gaussian_noise"] == pytest.approx([1, 1, 2 / 3, 2 / 3, 2 / 3])
    assert doc["table"]["contrast"] == [1.0] * 5
