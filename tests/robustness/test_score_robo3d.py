"""`simengine score --benchmark robo3d` on a store with a Robo3D suite set (three levels,
recorded on the suite's own scale): lidar per-point predictions scored over the points each
variant keeps, RR and CE against the shipped MinkUNet-18 baseline worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import zarr

from simengine.cli import main

from .mini_store import render_mini

SETS = [{"name": "r3", "suite": "robo3d", "corruptions": ["beam_missing", "crosstalk"],
         "policy": "grid"}]
N = 2


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return render_mini(tmp_path_factory.mktemp("robo3d"), SETS, N, seed=4)


def test_robo3d_levels_and_scores(store, tmp_path):
    root = zarr.open_group(str(store), mode="r")
    # the grid: slot = corruption index * 3 + level - 1, severities on Robo3D's 1..3 scale
    assert np.asarray(root["corrupted/r3/4/severity"][:]).tolist() == [[0, 2]] * N
    semantic = np.asarray(root["lidar/lid/semantic"][:])
    arrays = {"task": np.array("points")}
    dropped, classes = 0, len(root.attrs["simengine"]["classes"])
    for k in range(N):
        arrays[f"{k}/clean"] = semantic[k]
        for slot in range(6):
            # wrong labels on the points the variant lost (range 0): not scored
            gone = np.asarray(root[f"corrupted/r3/{slot}/lidar/lid/range"][k]) <= 0
            wrong = (semantic[k] + 1) % classes
            arrays[f"{k}/r3/{slot}"] = np.where(gone, wrong, semantic[k]).astype(np.int16)
            dropped += int((gone & (semantic[k] != 0)).sum())
    np.savez(tmp_path / "p.npz", **arrays)
    out = tmp_path / "s.json"
    assert main(["score", str(store), str(tmp_path / "p.npz"), "--benchmark", "robo3d",
                 "--baseline", "minkunet18_semantickitti_c", "-o", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert dropped > 0  # beam_missing removed returns that had labels
    assert doc["severities"] == 3 and doc["clean"] == pytest.approx(1.0)
    assert doc["table"] == {"beam_missing": [1.0] * 3, "crosstalk": [1.0] * 3}
    # perfect predictions: RR = 3 * 1 / (3 * 1) = 1; CE = 0 / (3 * (1 - baseline mIoU)) = 0
    assert doc["scores"]["RR"] == {"beam_missing": 1.0, "crosstalk": 1.0}
    assert doc["headline"] == {"mCE": 0.0, "mRR": 1.0}
    assert not doc["complete"] and "fog" in doc["missing_corruptions"]


def test_robo3d_values_with_a_half_right_model(store, tmp_path):
    """Metric values: clean .8, every corrupted cell .4 -> RR = 1.2 / 2.4 = .5;
    CE(beam_missing) = 3 * .6 / (3 * (1 - .5632)) = .6 / .4368."""
    rows = ["sample,variant,value"]
    for k in range(N):
        rows.append(f"{k},clean,0.8")
        rows += [f"{k},r3/{s},0.4" for s in range(6)]
    res = tmp_path / "r.csv"
    res.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "s.json"
    assert main(["score", str(store), str(res), "--benchmark", "robo3d", "--baseline",
                 "minkunet18_semantickitti_c", "-o", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["scores"]["RR"]["crosstalk"] == pytest.approx(.5)
    assert doc["scores"]["CE"]["beam_missing"] == pytest.approx(.6 / .4368)
    assert doc["scores"]["CE"]["crosstalk"] == pytest.approx(.6 / (1 - .5834))
