"""The report's robustness section from a scores document of every benchmark (made by the
score functions on a small table): headline, per-corruption table and plots, no failure on
per-severity lists or undefined (null) numbers."""

from __future__ import annotations

import json

import pytest

from simengine.errors import UserError
from simengine.report.html import Page
from simengine.report.robustness import read_scores, robustness_section
from simengine.robustness import scores

TABLE = {"fog": [.7, .6, .5], "snow": [.8, .7, .6]}


@pytest.mark.parametrize("name,computed", [
    ("multicorrupt", scores.multicorrupt(TABLE, .8, {"fog": [.6], "snow": [.7, .6, .5]},
                                         ["fog", "snow"])),
    ("robo3d", scores.robo3d(TABLE, .8, None, ["fog", "snow"])),
    ("kitti_c", scores.kitti_c(TABLE, .8, ["fog", "snow"])),
])
def test_section_for_each_benchmark(tmp_path, name, computed):
    doc = {"format": "simengine-scores", "benchmark": name, "metric": "NDS", "clean": .8,
           "table": TABLE, "severities": 3, "scores": computed,
           "headline": {k: v for k, v in computed.items() if not isinstance(v, dict)},
           "per_severity": scores.per_severity(TABLE, ["fog", "snow"])}
    doc["headline"]["undefined"] = None
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    page = Page("t")
    figures = robustness_section(page, read_scores(path))
    html = page.render()
    assert figures == 3 and html.count("<img") == 3
    assert 'data-key="fog"' in html and 'id="robustness-per-severity"' in html


def test_not_a_scores_file(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(UserError, match="not a scores file"):
        read_scores(path)
