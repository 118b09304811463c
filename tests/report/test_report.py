"""`simengine report` and `simengine contact-sheet` on a small rendered store with
corruption sets: self-contained HTML, numbers against the store's arrays counted here
independently (zarr directly), severity curves for every applied corruption (PSNR checked
against OpenCV), the render log, contact-sheet tiles against the store's images."""

from __future__ import annotations

import base64
import copy
import io
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
import zarr
from PIL import Image

from simengine.cli import main
from simengine.report.image_stats import image_statistics

from ..conftest import MINI

SETS = [
    {"name": "cam", "corruptions": ["gaussian_noise", "contrast"], "policy": "one",
     "severity": {"randint": [1, 5]}},
    {"name": "lid", "corruptions": ["beam_missing"], "policy": "all", "severity": 3},
    {"name": "aud", "corruptions": ["gaussian_noise_snr"], "policy": "all", "severity": 2},
    {"name": "stack", "corruptions": ["contrast", "brightness"], "policy": "compound",
     "severity": 2, "sensors": ["cam"]},
]
SECTIONS = ("overview", "class-balance", "objects", "distributions", "audio",
            "image-statistics", "severity", "contact-sheets", "render-log")


class Page(HTMLParser):
    """Tables (by id: rows of (data-key, cell texts)), image sources, every URL-bearing
    attribute, section ids and figure captions of an HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[str | None, list[str]]]] = {}
        self.imgs: list[str] = []
        self.urls: list[str] = []
        self.sections: list[str] = []
        self.captions: list[str] = []
        self.tags: set[str] = set()
        self._table = self._row = self._cell = self._caption = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if tag == "img":
            self.imgs.append(a["src"])
        elif tag == "h2":
            self.sections.append(a.get("id"))
        elif tag == "table":
            self._table = self.tables.setdefault(a.get("id") or f"t{len(self.tables)}", [])
        elif tag == "tr" and self._table is not None:
            self._row = (a.get("data-key"), [])
        elif tag == "td" and self._row is not None:
            self._cell = []
        elif tag == "figcaption":
            self._caption = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row[1].append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row[1]:
                self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "figcaption":
            self.captions.append("".join(self._caption))
            self._caption = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._caption is not None:
            self._caption.append(data)

    def rows(self, table: str) -> dict[str, list[str]]:
        return {k: cells for k, cells in self.tables[table]}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    scene = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    scene["corruptions"] = copy.deepcopy(SETS)
    path = tmp / "scene.yaml"
    path.write_text(yaml.safe_dump(scene), encoding="utf-8")
    out = tmp / "s.zarr"
    assert main(["render", str(path), "-n", "4", "-o", str(out), "--seed", "5",
                 "--no-progress"]) == 0
    return out


@pytest.fixture(scope="module")
def report(store) -> tuple[Page, str]:
    out = store.parent / "report.html"
    assert main(["report", str(store), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    return Page(text), text


def arrays(store: Path, *keys: str) -> list[np.ndarray]:
    root = zarr.open_group(str(store), mode="r")
    done = np.asarray(root["meta/done"][:])
    return [np.asarray(root[k][:])[done] for k in keys]


def test_report_is_self_contained(report):
    page, text = report
    assert not re.search(r"https?://", text)
    assert not page.tags & {"script", "link", "iframe"}
    assert page.imgs and all(u.startswith("data:image/png;base64,") for u in page.imgs)
    assert [u for u in page.urls if not u.startswith(("data:", "#"))] == []
    for src in page.imgs:
        Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).load()


def test_sections_and_counts(report, store):
    page, _ = report
    assert tuple(page.sections) == SECTIONS
    overview = page.rows("overview-table")
    (count,) = arrays(store, "objects/count")
    assert overview["samples done"] == ["samples done", "4"]
    assert overview["objects"][1].startswith(f"{int(count.sum())} in 4 samples")
    per_sample = np.bincount(count)
    assert {int(r[0]): int(r[1]) for _, r in page.tables["objects-per-sample"]} == \
        dict(enumerate(per_sample.tolist()))


def test_class_balance_matches_the_store(report, store):
    page, _ = report
    classes = zarr.open_group(str(store), mode="r").attrs["simengine"]["classes"]
    count, cls, vis, sem, lsem, rng_ = arrays(
        store, "objects/count", "objects/class_id", "camera/cam/visible_pixels",
        "camera/cam/semantic", "lidar/lid/semantic", "lidar/lid/range")
    rows = page.rows("class-balance-table")
    assert list(rows) == classes
    for c, name in enumerate(classes):
        objects = sum(int(np.sum(cls[k, :count[k]] == c)) for k in range(len(count)))
        visible = sum(int(np.sum((vis[k, f, :count[k]] > 0) & (cls[k, :count[k]] == c)))
                      for k in range(len(count)) for f in range(vis.shape[1]))
        pixels = 100 * np.mean(sem == c)
        returns = 100 * np.sum(lsem[rng_ > 0] == c) / np.sum(rng_ > 0)
        row = rows[name]
        assert row[:5] == [name, str(c), str(objects), str(visible), f"{pixels:.4g}"]
        assert row[5] == f"{returns:.4g}"


HEADS = {"cam": "camera/cam", "lid": "lidar/lid", "aud": "audio/mics", "stack": "camera/cam"}


def test_image_statistics_of_the_store_images(report, store):
    """The section's row per camera: the statistics of every image of the 4 samples read
    here with zarr, computed one image at a time, and saturation checked against OpenCV."""
    page, _ = report
    rows = page.rows("image-statistics-table")
    root = zarr.open_group(str(store), mode="r")
    cams = [s["name"] for s in root.attrs["simengine"]["sensors"] if s["kind"] == "camera"]
    assert sorted(rows) == sorted(cams)
    for cam in cams:
        (rgb,) = arrays(store, f"camera/{cam}/rgb")
        images = rgb.reshape(-1, *rgb.shape[-3:])
        per = [image_statistics(im) for im in images]
        row = rows[cam]
        assert int(row[1]) == len(images)
        for col, name in ((2, "power_slope"), (4, "saturation_mean"), (8, "rms_contrast")):
            v = np.array([p[name] for p in per])
            v = v[np.isfinite(v)]
            mean, std = (float(x) for x in row[col].split(" ± "))
            assert mean == pytest.approx(v.mean(), abs=1e-3)
            assert std == pytest.approx(v.std(), abs=1e-3)
        sat = [cv2.cvtColor(im, cv2.COLOR_RGB2HSV)[..., 1].mean() / 255 for im in images]
        assert float(row[4].split(" ± ")[0]) == pytest.approx(np.mean(sat), abs=1e-3)


def test_severity_curve_for_every_applied_corruption(report, store):
    page, _ = report
    rows = page.rows("severity-table")
    seen, expected_rows = set(), 0
    for cset in SETS:
        name, head = cset["name"], HEADS[cset["name"]]
        applied, severity = arrays(store, f"corrupted/{name}/0/applied",
                                   f"corrupted/{name}/0/severity")
        if cset["policy"] == "compound":  # one curve for the combination
            labels = [(" + ".join(cset["corruptions"]), applied.all(axis=1),
                       severity.max(axis=1))]
        else:
            labels = [(c, applied[:, j], severity[:, j])
                      for j, c in enumerate(cset["corruptions"])]
        for label, on, level in labels:
            if not on.any():
                continue
            seen.add(label)
            levels, n = np.unique(level[on], return_counts=True)
            expected_rows += len(levels)
            for s, c in zip(levels.tolist(), n.tolist(), strict=True):
                assert rows[f"{name}|{label}|{head}|{s}"][4] == str(c)
            assert any(cap.startswith(f"set {name}: {label} on {head}")
                       for cap in page.captions)
    assert {"beam_missing", "gaussian_noise_snr", "contrast + brightness"} <= seen
    assert seen & {"gaussian_noise", "contrast"}
    assert len(rows) == expected_rows  # and no others


def test_camera_psnr_in_the_table_matches_opencv(report, store):
    page, _ = report
    applied, severity, clean, noisy = arrays(
        store, "corrupted/cam/0/applied", "corrupted/cam/0/severity", "camera/cam/rgb",
        "corrupted/cam/0/camera/cam/rgb")
    rows = page.rows("severity-table")
    for j, name in enumerate(["gaussian_noise", "contrast"]):
        for s in np.unique(severity[applied[:, j], j]).tolist():
            ks = np.flatnonzero(applied[:, j] & (severity[:, j] == s))
            psnr = np.mean([np.mean([cv2.PSNR(clean[k, f], noisy[k, f])
                                     for f in range(clean.shape[1])]) for k in ks])
            row = rows[f"cam|{name}|camera/cam|{s}"]
            assert row[7] == "PSNR (dB)"
            assert float(row[8]) == pytest.approx(psnr, rel=1e-3)


def test_render_log_is_shown(report):
    page, _ = report
    (run,) = page.tables["render-log-table"]
    cells = run[1]
    assert cells[1] == "local" and cells[2] == "1" and cells[3] == "4" and cells[6] == "no"
    assert float(cells[7]) > 0 and float(cells[8]) > 0


def test_run_log_is_a_zarr_group_and_a_resume_appends(store, tmp_path):
    from simengine.store.runlog import read_runs

    copy_ = tmp_path / "again.zarr"
    shutil.copytree(store, copy_)
    root_meta = (copy_ / "zarr.json").read_bytes()
    assert main(["render", str(store.parent / "scene.yaml"), "-n", "4", "-o", str(copy_),
                 "--seed", "5", "--resume", "--no-progress"]) == 0
    first, second = read_runs(str(copy_))
    assert first["rendered"] == 4 and not first["resume"]
    assert second["rendered"] == 0 and second["resume"] and second["skipped_blocks"] == 1
    assert (copy_ / "zarr.json").read_bytes() == root_meta  # root metadata untouched
    # zarr lists the hierarchy without "not a Zarr component" warnings (errors here)
    names = {name for name, _ in zarr.open_group(str(copy_), mode="r").members(max_depth=None)}
    assert "logs" in names and "camera/cam/rgb" in names


def test_store_without_a_log_says_not_recorded(store, tmp_path):
    copy_ = tmp_path / "nolog.zarr"
    shutil.copytree(store, copy_)
    shutil.rmtree(copy_ / "logs")
    out = tmp_path / "r.html"
    assert main(["report", str(copy_), "-o", str(out)]) == 0
    page = Page(out.read_text(encoding="utf-8"))
    assert "render-log-table" not in page.tables
    assert "not recorded" in out.read_text(encoding="utf-8")


def test_contact_sheet_tiles_are_the_store_images(store, tmp_path, capsys):
    (rgb,) = arrays(store, "camera/cam/rgb")  # (4, F, 48, 64, 3)
    out = tmp_path / "sheet.png"
    assert main(["contact-sheet", str(store), "-o", str(out), "--columns", "3",
                 "--tile-width", "32", "--frame", "1"]) == 0
    assert "3 x 2 tiles" in capsys.readouterr().out
    sheet = np.asarray(Image.open(out).convert("RGB"))
    gap, caption, tw, th = 4, 14, 32, 24
    assert sheet.shape == (gap + 2 * (th + caption + gap), gap + 3 * (tw + gap), 3)
    for i in range(4):
        r, c = divmod(i, 3)
        x, y = gap + c * (tw + gap), gap + r * (th + caption + gap)
        tile = sheet[y:y + th, x:x + tw].astype(int)
        # an exact 2x shrink: Pillow's box filter is the reference for area averaging
        ref = np.asarray(Image.fromarray(rgb[i, 1]).resize((tw, th), Image.Resampling.BOX))
        assert np.abs(tile - ref.astype(int)).max() <= 1
    native = tmp_path / "native.png"
    assert main(["contact-sheet", str(store), "-o", str(native), "--samples", "2"]) == 0
    sheet = np.asarray(Image.open(native).convert("RGB"))
    assert sheet.shape == (gap + 48 + caption + gap, gap + 2 * (64 + gap), 3)
    assert np.array_equal(sheet[gap:gap + 48, gap:gap + 64], rgb[0, 0])
    last = gap + 64 + gap
    assert np.array_equal(sheet[gap:gap + 48, last:last + 64], rgb[3, 0])  # spread: 0 and 3


@pytest.mark.parametrize("argv, fragment", [
    (["report", "{tmp}/missing.zarr", "-o", "{tmp}/r.html"], "no such store"),
    (["report", "{tmp}/plain", "-o", "{tmp}/r.html"], "not a Zarr v3 group"),
    (["report", "{tmp}/empty.zarr", "-o", "{tmp}/r.html"], "no rendered samples"),
    (["report", "{store}", "-o", "{tmp}/plain"], "is a directory"),
    (["report", "{store}", "-o", "{tmp}/nodir/r.html"], "does not exist"),
    (["contact-sheet", "{store}", "-o", "{tmp}/s.gif"], "expected a .png or .jpg"),
    (["contact-sheet", "{store}", "-o", "{tmp}/s.png", "--camera", "x"], "no camera 'x'"),
    (["contact-sheet", "{store}", "-o", "{tmp}/s.png", "--frame", "7"], "expected 0..1"),
    (["contact-sheet", "{store}", "-o", "{tmp}/s.png", "--variant", "lid/0"],
     "no corrupted variant"),
    (["contact-sheet", "{tmp}/empty.zarr", "-o", "{tmp}/s.png"], "no rendered samples"),
])
def test_bad_input_exits_2_and_writes_nothing(argv, fragment, store, tmp_path, capsys):
    from simengine import Engine
    from simengine.jobs.layout import prepare_render_store

    (tmp_path / "plain").mkdir()
    prepare_render_store(str(tmp_path / "empty.zarr"), Engine(MINI, seed=0), 2, 2, resume=False,
                         overwrite=False)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    args = [a.format(tmp=tmp_path, store=store) for a in argv]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("simengine: error:") and fragment in err and "\n" not in err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
